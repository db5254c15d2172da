package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const (
	tableTriggerTypes = "trigger_types"
	tableSensors      = "sensors"
	tableTraces       = "traces"
)

func triggerTypesTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableTriggerTypes,
		Indexes: map[string]*memdb.IndexSchema{
			"id":   {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Ref"}},
			"pack": {Name: "pack", Indexer: &memdb.StringFieldIndex{Field: "Pack"}},
		},
	}
}

func sensorsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableSensors,
		Indexes: map[string]*memdb.IndexSchema{
			"id":   {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Ref"}},
			"pack": {Name: "pack", Indexer: &memdb.StringFieldIndex{Field: "Pack"}},
		},
	}
}

func tracesTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableTraces,
		Indexes: map[string]*memdb.IndexSchema{
			"id":  {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			"tag": {Name: "tag", Indexer: &memdb.StringFieldIndex{Field: "Tag"}},
		},
	}
}

// TriggerTypeGet returns a registered trigger type or a not-found error.
func (s *Store) TriggerTypeGet(ref string) (*structs.TriggerType, error) {
	return getOne[structs.TriggerType](s, tableTriggerTypes, ref, "trigger type")
}

// TriggerTypeGetTxn returns a trigger type or nil.
func TriggerTypeGetTxn(txn *memdb.Txn, ref string) (*structs.TriggerType, error) {
	return firstTxn[structs.TriggerType](txn, tableTriggerTypes, "id", ref)
}

// TriggerTypes returns every registered trigger type, by ref.
func (s *Store) TriggerTypes() ([]*structs.TriggerType, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.TriggerType](txn, tableTriggerTypes)
}

// TriggerTypesByPackTxn returns a pack's trigger types.
func TriggerTypesByPackTxn(txn *memdb.Txn, pack string) ([]*structs.TriggerType, error) {
	return byIndexTxn[structs.TriggerType](txn, tableTriggerTypes, "pack", pack)
}

// TriggerTypePutTxn inserts or replaces a trigger type.
func TriggerTypePutTxn(txn *memdb.Txn, t *structs.TriggerType) error {
	return put(txn, tableTriggerTypes, t, t.Ref)
}

// TriggerTypeDeleteTxn deletes a trigger type.
func TriggerTypeDeleteTxn(txn *memdb.Txn, t *structs.TriggerType) error {
	return remove(txn, tableTriggerTypes, t, t.Ref)
}

// SensorGet returns a sensor or a not-found error.
func (s *Store) SensorGet(ref string) (*structs.Sensor, error) {
	return getOne[structs.Sensor](s, tableSensors, ref, "sensor")
}

// SensorGetTxn returns a sensor or nil.
func SensorGetTxn(txn *memdb.Txn, ref string) (*structs.Sensor, error) {
	return firstTxn[structs.Sensor](txn, tableSensors, "id", ref)
}

// Sensors returns every sensor, by ref, and a channel that closes when
// the set changes.
func (s *Store) Sensors() ([]*structs.Sensor, <-chan struct{}, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(tableSensors, "id")
	if err != nil {
		return nil, nil, err
	}
	var out []*structs.Sensor
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*structs.Sensor))
	}
	return out, it.WatchCh(), nil
}

// SensorsTxn returns every sensor, by ref.
func SensorsTxn(txn *memdb.Txn) ([]*structs.Sensor, error) {
	return all[structs.Sensor](txn, tableSensors)
}

// SensorsByPackTxn returns a pack's sensors.
func SensorsByPackTxn(txn *memdb.Txn, pack string) ([]*structs.Sensor, error) {
	return byIndexTxn[structs.Sensor](txn, tableSensors, "pack", pack)
}

// SensorPutTxn inserts or replaces a sensor.
func SensorPutTxn(txn *memdb.Txn, x *structs.Sensor) error { return put(txn, tableSensors, x, x.Ref) }

// SensorDeleteTxn deletes a sensor.
func SensorDeleteTxn(txn *memdb.Txn, x *structs.Sensor) error {
	return remove(txn, tableSensors, x, x.Ref)
}

// TraceGet returns a trace or a not-found error.
func (s *Store) TraceGet(id string) (*structs.Trace, error) {
	return getOne[structs.Trace](s, tableTraces, id, "trace")
}

// TraceGetTxn returns a trace or nil.
func TraceGetTxn(txn *memdb.Txn, id string) (*structs.Trace, error) {
	return firstTxn[structs.Trace](txn, tableTraces, "id", id)
}

// TraceByTagTxn returns the newest trace with a tag, or nil.
func TraceByTagTxn(txn *memdb.Txn, tag string) (*structs.Trace, error) {
	found, err := byIndexTxn[structs.Trace](txn, tableTraces, "tag", tag)
	if err != nil || len(found) == 0 {
		return nil, err
	}
	newest := found[0]
	for _, t := range found[1:] {
		if t.StartTimestamp.After(newest.StartTimestamp) {
			newest = t
		}
	}
	return newest, nil
}

// Traces returns every trace, by id.
func (s *Store) Traces() ([]*structs.Trace, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.Trace](txn, tableTraces)
}

// TracePutTxn inserts or replaces a trace.
func TracePutTxn(txn *memdb.Txn, t *structs.Trace) error { return put(txn, tableTraces, t, t.ID) }

// TraceDeleteTxn deletes a trace.
func TraceDeleteTxn(txn *memdb.Txn, t *structs.Trace) error { return remove(txn, tableTraces, t, t.ID) }

func firstTxn[T any](txn *memdb.Txn, table, index, key string) (*T, error) {
	obj, err := txn.First(table, index, key)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s %q: %w", table, key, err)
	}
	if obj == nil {
		return nil, nil
	}
	return obj.(*T), nil
}

func byIndexTxn[T any](txn *memdb.Txn, table, index, key string) ([]*T, error) {
	it, err := txn.Get(table, index, key)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", table, err)
	}
	var out []*T
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*T))
	}
	return out, nil
}

func remove(txn *memdb.Txn, table string, obj any, id string) error {
	if err := txn.Delete(table, obj); err != nil {
		return fmt.Errorf("failed to delete %s %q: %w", table, id, err)
	}
	return nil
}
