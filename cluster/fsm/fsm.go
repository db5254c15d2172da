// Package fsm applies committed raft log entries to the state store. Apply
// is a switch into one applyXxx function per command; it is deterministic:
// times and ids travel inside the commands, and nothing here reads a clock,
// draws a random number or does I/O.
package fsm

import (
	"fmt"
	"io"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/raft"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/state"
)

// FSM is the raft state machine. Its Apply returns nil or an error, which
// cluster.Node hands back to the proposer.
type FSM struct {
	logger hclog.Logger

	mu    sync.RWMutex // guards state, swapped whole on restore
	state *state.Store
}

// New returns an FSM over an empty store.
func New(logger hclog.Logger) (*FSM, error) {
	s, err := state.NewStore()
	if err != nil {
		return nil, err
	}
	return &FSM{logger: logger.Named("fsm"), state: s}, nil
}

// State returns the current store. Fetch it per request: a restore
// replaces it.
func (f *FSM) State() *state.Store {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.state
}

// Apply applies one committed entry.
func (f *FSM) Apply(l *raft.Log) any {
	if l.Type != raft.LogCommand {
		return nil
	}
	t, body, err := command.Decode(l.Data)
	if err != nil {
		panic(fmt.Errorf("failed to decode raft log %d: %w", l.Index, err))
	}
	seq := &seqs{index: l.Index}
	if t == command.Batch {
		return f.applyBatch(body, seq)
	}
	return f.apply(t, body, seq)
}

// applyBatch applies the commands of a batch in order, each in its own
// transaction: one refused command does not undo the others. The result
// holds each command's own result.
func (f *FSM) applyBatch(body []byte, seq *seqs) any {
	subs, err := command.DecodeBatch(body)
	if err != nil {
		panic(fmt.Errorf("failed to decode batch at index %d: %w", seq.index, err))
	}
	results := make(command.BatchResult, len(subs))
	for i, sub := range subs {
		t, b, err := command.Decode(sub)
		if err != nil || t == command.Batch {
			panic(fmt.Errorf("bad command %d in batch at index %d", i, seq.index))
		}
		if res, ok := f.apply(t, b, seq).(error); ok {
			results[i] = res
		}
	}
	return results
}

// apply is the one switch from command type to its apply function.
func (f *FSM) apply(t command.Type, body []byte, seq *seqs) any {
	s := f.State()
	switch t {
	case command.KVSet:
		return applyKVSet(s, body, seq)
	case command.KVDelete:
		return applyKVDelete(s, body, seq)
	case command.KVLoad:
		return applyKVLoad(s, body, seq)
	case command.KVExpire:
		return applyKVExpire(s, body, seq)
	case command.KVDeletePref:
		return applyKVDeletePrefix(s, body, seq)
	case command.UserUpsert:
		return applyUserUpsert(s, body)
	case command.UserDelete:
		return applyUserDelete(s, body)
	case command.AdminInit:
		return applyAdminInit(s, body)
	case command.TokenCreate:
		return applyTokenCreate(s, body)
	case command.TokenDelete:
		return applyTokenDelete(s, body)
	case command.APIKeyCreate:
		return applyAPIKeyCreate(s, body)
	case command.APIKeyUpdate:
		return applyAPIKeyUpdate(s, body)
	case command.APIKeyDelete:
		return applyAPIKeyDelete(s, body)
	case command.PackRegister:
		return applyPackRegister(s, body, seq.index)
	case command.ActionPut:
		return applyActionPut(s, body, seq.index)
	case command.ActionDelete:
		return applyActionDelete(s, body)
	case command.NodeRunners:
		return applyNodeRunners(s, body)
	case command.ExecCreate:
		return applyExecCreate(s, body, seq)
	case command.ExecUpdate:
		return applyExecUpdate(s, body, seq)
	case command.MetaInit:
		return applyMetaInit(s, body)
	case command.ExecPurge:
		return applyExecPurge(s, body)
	case command.RulePut:
		return applyRulePut(s, body, seq.index)
	case command.RuleDelete:
		return applyRuleDelete(s, body)
	case command.TriggerFire:
		return applyTriggerFire(s, body, seq)
	case command.RuleEnforce:
		return applyRuleEnforce(s, body, seq)
	case command.TriggerTypePut:
		return applyTriggerTypePut(s, body, seq.index)
	case command.TriggerTypeDelete:
		return applyTriggerTypeDelete(s, body)
	case command.SensorPut:
		return applySensorPut(s, body, seq.index)
	case command.TriggerPurge:
		return applyTriggerPurge(s, body)
	case command.WorkflowStep:
		return applyWorkflowStep(s, body, seq)
	default:
		// A command this binary does not know means the log was written by
		// a newer version: diverging silently would be worse than stopping.
		panic(fmt.Errorf("unknown raft command %s at index %d", t, seq.index))
	}
}

// decode unmarshals a request body; a body that does not decode means
// the log is corrupt or from an incompatible version, so it panics.
func decode(body []byte, out any) {
	if err := command.Unmarshal(body, out); err != nil {
		panic(fmt.Errorf("failed to decode %T: %w", out, err))
	}
}

// Snapshot captures the store for raft to persist.
func (f *FSM) Snapshot() (raft.FSMSnapshot, error) {
	return &snapshot{state: f.State().Snapshot()}, nil
}

// Restore replaces the store with one read from a snapshot.
func (f *FSM) Restore(rc io.ReadCloser) error {
	defer rc.Close()
	s, err := restore(rc)
	if err != nil {
		return fmt.Errorf("failed to restore snapshot: %w", err)
	}
	f.mu.Lock()
	f.state = s
	f.mu.Unlock()
	return nil
}
