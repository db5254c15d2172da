package state

import (
	"sort"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const tableNodeRunners = "node_runners"

func nodeRunnersTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableNodeRunners,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Node"}},
		},
	}
}

// NodeRunners returns what every node can run, by node id.
func (s *Store) NodeRunners() ([]*structs.NodeRunners, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.NodeRunners](txn, tableNodeRunners)
}

// RunnerTypes returns every runner type some node provides, by name; a
// type provided by several nodes is listed once.
func (s *Store) RunnerTypes() ([]structs.RunnerType, error) {
	nodes, err := s.NodeRunners()
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []structs.RunnerType
	for _, n := range nodes {
		for _, rt := range n.RunnerTypes {
			if !seen[rt.Name] {
				seen[rt.Name] = true
				out = append(out, rt)
			}
		}
	}
	sortRunnerTypes(out)
	return out, nil
}

// NodeRunnersPutTxn inserts or replaces a node's runners.
func NodeRunnersPutTxn(txn *memdb.Txn, n *structs.NodeRunners) error {
	return put(txn, tableNodeRunners, n, n.Node)
}

// NodeRunnersWatch returns a channel that closes when any node's runners
// change.
func (s *Store) NodeRunnersWatch() (<-chan struct{}, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(tableNodeRunners, "id")
	if err != nil {
		return nil, err
	}
	return it.WatchCh(), nil
}

func sortRunnerTypes(rts []structs.RunnerType) {
	sort.Slice(rts, func(i, j int) bool { return rts[i].Name < rts[j].Name })
}

// RunnerTypeGet returns the runner type name as the first node providing
// it declares it.
func (s *Store) RunnerTypeGet(name string) (structs.RunnerType, bool) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(tableNodeRunners, "id")
	if err != nil {
		return structs.RunnerType{}, false
	}
	for obj := it.Next(); obj != nil; obj = it.Next() {
		n := obj.(*structs.NodeRunners)
		for i := range n.RunnerTypes {
			if n.RunnerTypes[i].Name == name {
				return n.RunnerTypes[i], true
			}
		}
	}
	return structs.RunnerType{}, false
}
