// Package audit writes the node's append-only audit log: one JSON line per
// event (an execution requested through this node, an execution this node
// ran to its end), with secret parameters masked. The executions
// themselves stay listable through the API; the log is what an auditor
// ships elsewhere and keeps.
package audit

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Log appends audit records to a file.
type Log struct {
	mu sync.Mutex
	f  *os.File
}

// Open opens (or creates) the audit log at path for appending; mode 0600.
func Open(path string) (*Log, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("failed to open the audit log: %w", err)
	}
	return &Log{f: f}, nil
}

// Record is one audit line.
type Record struct {
	Time        time.Time      `json:"time"`
	Event       string         `json:"event"` // execution.requested, execution.finished
	Node        string         `json:"node"`
	ExecutionID string         `json:"execution_id"`
	Action      string         `json:"action"`
	User        string         `json:"user"`
	Parameters  map[string]any `json:"parameters,omitempty"` // secrets masked
	Status      string         `json:"status"`
	Start       *time.Time     `json:"start_timestamp,omitempty"`
	End         *time.Time     `json:"end_timestamp,omitempty"`
	Result      any            `json:"result,omitempty"`
}

// Write appends one record. A nil Log writes nothing (a --dev node).
func (l *Log) Write(r Record) error {
	if l == nil {
		return nil
	}
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, err = l.f.Write(append(line, '\n'))
	return err
}

// Close closes the file.
func (l *Log) Close() error {
	if l == nil {
		return nil
	}
	return l.f.Close()
}
