package fsm

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/state"
	"github.com/squall-io/squall/cluster/structs"
)

// restore reads a snapshot stream into a fresh store, in one transaction.
func restore(r io.Reader) (*state.Store, error) {
	s, err := state.NewStore()
	if err != nil {
		return nil, err
	}
	txn := s.Txn(true)
	defer txn.Abort()
	dec := json.NewDecoder(bufio.NewReaderSize(r, 64<<10))
	for {
		var rec record
		if err := dec.Decode(&rec); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("failed to read snapshot record: %w", err)
		}
		if err := restoreRecord(txn, rec); err != nil {
			return nil, err
		}
	}
	txn.Commit()
	return s, s.Restored()
}

func restoreRecord(txn *memdb.Txn, rec record) error {
	switch rec.Type {
	case recordKV:
		return insert[structs.KeyValuePair](txn, rec.Data, state.KVPutTxn)
	case recordKVEvent:
		return insert[structs.KVEvent](txn, rec.Data, state.KVEventInsertTxn)
	case recordUser:
		return insert[structs.User](txn, rec.Data, state.UserPutTxn)
	case recordToken:
		return insert[structs.Token](txn, rec.Data, state.TokenPutTxn)
	case recordAPIKey:
		return insert[structs.APIKey](txn, rec.Data, state.APIKeyPutTxn)
	case recordMeta:
		return insert[state.Meta](txn, rec.Data, func(txn *memdb.Txn, m *state.Meta) error {
			return state.MetaSetTxn(txn, m.Key, m.Value)
		})
	case recordPack:
		return insert[structs.Pack](txn, rec.Data, state.PackPutTxn)
	case recordPackContent:
		return insert[structs.PackContent](txn, rec.Data, state.PackContentPutTxn)
	case recordAction:
		return insert[structs.Action](txn, rec.Data, state.ActionPutTxn)
	case recordNodeRunners:
		return insert[structs.NodeRunners](txn, rec.Data, state.NodeRunnersPutTxn)
	case recordExecution:
		return insert[structs.Execution](txn, rec.Data, state.ExecPutTxn)
	case recordRule:
		return insert[structs.Rule](txn, rec.Data, state.RulePutTxn)
	case recordTriggerInst:
		return insert[structs.TriggerInstance](txn, rec.Data, state.TriggerInstancePutTxn)
	case recordEnforcement:
		return insert[structs.RuleEnforcement](txn, rec.Data, state.EnforcementPutTxn)
	case recordTriggerType:
		return insert[structs.TriggerType](txn, rec.Data, state.TriggerTypePutTxn)
	case recordSensor:
		return insert[structs.Sensor](txn, rec.Data, state.SensorPutTxn)
	case recordTrace:
		return insert[structs.Trace](txn, rec.Data, state.TracePutTxn)
	case recordWorkflow:
		return insert[structs.Workflow](txn, rec.Data, state.WorkflowPutTxn)
	default:
		return fmt.Errorf("unknown snapshot record type %d", rec.Type)
	}
}

func insert[T any](txn *memdb.Txn, data []byte, put func(*memdb.Txn, *T) error) error {
	obj := new(T)
	if err := json.Unmarshal(data, obj); err != nil {
		return fmt.Errorf("failed to decode snapshot record %T: %w", obj, err)
	}
	return put(txn, obj)
}
