package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableExecutions = "executions"

func executionsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableExecutions,
		Indexes: map[string]*memdb.IndexSchema{
			// Ids sort by creation time (ObjectId layout), so the id index
			// read in reverse is "newest first".
			"id":     {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			"modify": {Name: "modify", Indexer: &memdb.UintFieldIndex{Field: "ModifySeq"}},
			"node_status": {Name: "node_status", AllowMissing: true, Indexer: &memdb.CompoundIndex{
				Indexes: []memdb.Indexer{
					&memdb.StringFieldIndex{Field: "Node"},
					&memdb.StringFieldIndex{Field: "Status"},
				},
			}},
			"driven": {Name: "driven", AllowMissing: true, Indexer: drivenIndex{}},
		},
	}
}

// drivenIndex indexes, by status, the executions that run on no node:
// the workflows the leader drives.
type drivenIndex struct{}

func (drivenIndex) FromObject(obj any) (bool, []byte, error) {
	e, ok := obj.(*structs.Execution)
	if !ok {
		return false, nil, fmt.Errorf("not an execution: %T", obj)
	}
	if e.Node != "" {
		return false, nil, nil
	}
	return true, []byte(string(e.Status) + "\x00"), nil
}

func (drivenIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want one status, got %d args", len(args))
	}
	st, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("status must be a string: %T", args[0])
	}
	return []byte(st + "\x00"), nil
}

// ExecsDriven returns the executions with a status that run on no node
// (workflows), oldest first.
func (s *Store) ExecsDriven(st structs.ExecStatus) ([]*structs.Execution, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return byIndexTxn[structs.Execution](txn, tableExecutions, "driven", string(st))
}

// ExecGet returns an execution or a not-found error.
func (s *Store) ExecGet(id string) (*structs.Execution, error) {
	return getOne[structs.Execution](s, tableExecutions, id, "execution")
}

// ExecGetTxn returns an execution or nil.
func ExecGetTxn(txn *memdb.Txn, id string) (*structs.Execution, error) {
	obj, err := txn.First(tableExecutions, "id", id)
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*structs.Execution), nil
}

// ExecPutTxn inserts or replaces an execution.
func ExecPutTxn(txn *memdb.Txn, e *structs.Execution) error {
	return put(txn, tableExecutions, e, e.ID)
}

// ExecDeleteTxn deletes an execution.
func ExecDeleteTxn(txn *memdb.Txn, e *structs.Execution) error {
	if err := txn.Delete(tableExecutions, e); err != nil {
		return fmt.Errorf("failed to delete execution %s: %w", e.ID, err)
	}
	return nil
}

// ExecFilter selects executions; zero fields match everything.
type ExecFilter struct {
	Match  func(*structs.Execution) bool
	Offset int
	Limit  int // zero: no limit
	Oldest bool
}

// Execs returns the executions that match f, newest first unless
// f.Oldest, and how many matched in all.
func (s *Store) Execs(f ExecFilter) ([]*structs.Execution, int, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	var it memdb.ResultIterator
	var err error
	if f.Oldest {
		it, err = txn.Get(tableExecutions, "id")
	} else {
		it, err = txn.GetReverse(tableExecutions, "id")
	}
	if err != nil {
		return nil, 0, fmt.Errorf("failed to read executions: %w", err)
	}
	var out []*structs.Execution
	total := 0
	for obj := it.Next(); obj != nil; obj = it.Next() {
		e := obj.(*structs.Execution)
		if f.Match != nil && !f.Match(e) {
			continue
		}
		total++
		if total <= f.Offset || (f.Limit > 0 && len(out) >= f.Limit) {
			continue
		}
		out = append(out, e)
	}
	return out, total, nil
}

// ExecsOnNode returns the executions assigned to node with status st, and
// a channel that closes when that set may have changed.
func (s *Store) ExecsOnNode(node string, st structs.ExecStatus) ([]*structs.Execution, <-chan struct{}, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(tableExecutions, "node_status", node, string(st))
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read executions of node %s: %w", node, err)
	}
	var out []*structs.Execution
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*structs.Execution))
	}
	return out, it.WatchCh(), nil
}

// ExecsModifiedSince returns the executions whose ModifySeq is above seq,
// in order, and a channel that closes on the next change.
func (s *Store) ExecsModifiedSince(seq uint64) ([]*structs.Execution, <-chan struct{}, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	// Any write to the table touches the root of its id index.
	watchIt, err := txn.Get(tableExecutions, "id")
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read executions: %w", err)
	}
	it, err := txn.LowerBound(tableExecutions, "modify", seq+1)
	if err != nil {
		return nil, nil, fmt.Errorf("failed to read executions: %w", err)
	}
	var out []*structs.Execution
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*structs.Execution))
	}
	return out, watchIt.WatchCh(), nil
}

// Executions returns every execution, oldest first (for snapshots).
func (s *Store) Executions() ([]*structs.Execution, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.Execution](txn, tableExecutions)
}

// ExecLastModified returns the highest ModifySeq of any execution, the
// starting cursor of a change feed.
func (s *Store) ExecLastModified() (uint64, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	obj, err := txn.Last(tableExecutions, "modify")
	if err != nil || obj == nil {
		return 0, err
	}
	return obj.(*structs.Execution).ModifySeq, nil
}
