package fsm

import (
	"bufio"
	"encoding/json"
	"fmt"

	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// recordType tags each record of a snapshot stream. Stored on disk:
// append only, never renumber.
type recordType uint8

const (
	recordKV          recordType = 1
	recordKVEvent     recordType = 2
	recordUser        recordType = 3
	recordToken       recordType = 4
	recordAPIKey      recordType = 5
	recordMeta        recordType = 6
	recordPack        recordType = 7
	recordPackContent recordType = 8
	recordAction      recordType = 9
	recordNodeRunners recordType = 10
	recordExecution   recordType = 11
	recordRule        recordType = 12
	recordTriggerInst recordType = 13
	recordEnforcement recordType = 14
	recordTriggerType recordType = 15
	recordSensor      recordType = 16
	recordTrace       recordType = 17
	recordWorkflow    recordType = 18
)

// record is one line of a snapshot: a typed JSON document.
type record struct {
	Type recordType      `json:"t"`
	Data json.RawMessage `json:"d"`
}

type snapshot struct {
	state *state.Store
}

// Persist writes every table as typed records, one JSON document a line.
func (s *snapshot) Persist(sink raft.SnapshotSink) error {
	if err := s.write(sink); err != nil {
		_ = sink.Cancel()
		return fmt.Errorf("failed to persist snapshot: %w", err)
	}
	return sink.Close()
}

func (s *snapshot) write(sink raft.SnapshotSink) error {
	w := bufio.NewWriterSize(sink, 64<<10)
	enc := json.NewEncoder(w)
	st := s.state
	steps := []func() error{
		func() error { return emitTable(enc, recordKV, st.KVAll) },
		func() error { return emitTable(enc, recordKVEvent, st.KVEvents) },
		func() error { return emitTable(enc, recordUser, st.Users) },
		func() error { return emitTable(enc, recordToken, st.Tokens) },
		func() error {
			return emitTable(enc, recordAPIKey, func() ([]*structs.APIKey, error) { return st.APIKeys("") })
		},
		func() error { return emitTable(enc, recordMeta, st.Metas) },
		func() error { return emitTable(enc, recordPack, st.Packs) },
		func() error { return emitTable(enc, recordPackContent, st.PackContents) },
		func() error {
			return emitTable(enc, recordAction, func() ([]*structs.Action, error) { return st.Actions("") })
		},
		func() error { return emitTable(enc, recordNodeRunners, st.NodeRunners) },
		func() error { return emitTable(enc, recordExecution, st.Executions) },
		func() error { return emitTable(enc, recordRule, st.Rules) },
		func() error { return emitTable(enc, recordTriggerInst, st.TriggerInstances) },
		func() error { return emitTable(enc, recordEnforcement, st.Enforcements) },
		func() error { return emitTable(enc, recordTriggerType, st.TriggerTypes) },
		func() error {
			return emitTable(enc, recordSensor, func() ([]*structs.Sensor, error) {
				all, _, err := st.Sensors()
				return all, err
			})
		},
		func() error { return emitTable(enc, recordTrace, st.Traces) },
		func() error { return emitTable(enc, recordWorkflow, st.Workflows) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return w.Flush()
}

// emitTable writes every object that read returns as records of type t.
func emitTable[T any](enc *json.Encoder, t recordType, read func() ([]*T, error)) error {
	objs, err := read()
	if err != nil {
		return err
	}
	for _, o := range objs {
		data, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("failed to encode snapshot record: %w", err)
		}
		if err := enc.Encode(record{Type: t, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

func (s *snapshot) Release() {}
