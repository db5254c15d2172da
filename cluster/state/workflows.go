package state

import (
	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableWorkflows = "workflows"

func workflowsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableWorkflows,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ExecutionID"}},
		},
	}
}

// WorkflowGet returns a workflow's state or a not-found error.
func (s *Store) WorkflowGet(id string) (*structs.Workflow, error) {
	return getOne[structs.Workflow](s, tableWorkflows, id, "workflow")
}

// WorkflowGetTxn returns a workflow's state or nil.
func WorkflowGetTxn(txn *memdb.Txn, id string) (*structs.Workflow, error) {
	return firstTxn[structs.Workflow](txn, tableWorkflows, "id", id)
}

// Workflows returns every workflow state, by execution id.
func (s *Store) Workflows() ([]*structs.Workflow, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.Workflow](txn, tableWorkflows)
}

// WorkflowPutTxn inserts or replaces a workflow's state.
func WorkflowPutTxn(txn *memdb.Txn, w *structs.Workflow) error {
	return put(txn, tableWorkflows, w, w.ExecutionID)
}

// WorkflowDeleteTxn deletes a workflow's state.
func WorkflowDeleteTxn(txn *memdb.Txn, w *structs.Workflow) error {
	return remove(txn, tableWorkflows, w, w.ExecutionID)
}
