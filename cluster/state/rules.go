package state

import (
	"fmt"

	"github.com/hashicorp/go-memdb"

	"github.com/squall-io/squall/cluster/structs"
)

const (
	tableRules            = "rules"
	tableTriggerInstances = "trigger_instances"
	tableEnforcements     = "rule_enforcements"
)

func rulesTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableRules,
		Indexes: map[string]*memdb.IndexSchema{
			"id":      {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "Ref"}},
			"trigger": {Name: "trigger", Indexer: ruleTriggerIndex{}},
		},
	}
}

// ruleTriggerIndex indexes rules by the trigger type they listen to.
type ruleTriggerIndex struct{}

func (ruleTriggerIndex) FromObject(obj any) (bool, []byte, error) {
	r, ok := obj.(*structs.Rule)
	if !ok {
		return false, nil, fmt.Errorf("not a rule: %T", obj)
	}
	return true, []byte(r.Trigger.Type + "\x00"), nil
}

func (ruleTriggerIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("want one trigger type, got %d args", len(args))
	}
	t, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("trigger type must be a string: %T", args[0])
	}
	return []byte(t + "\x00"), nil
}

func triggerInstancesTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableTriggerInstances,
		Indexes: map[string]*memdb.IndexSchema{
			"id":     {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
			"status": {Name: "status", Indexer: &memdb.StringFieldIndex{Field: "Status"}},
		},
	}
}

func enforcementsTableSchema() *memdb.TableSchema {
	return &memdb.TableSchema{
		Name: tableEnforcements,
		Indexes: map[string]*memdb.IndexSchema{
			"id": {Name: "id", Unique: true, Indexer: &memdb.StringFieldIndex{Field: "ID"}},
		},
	}
}

// RuleGet returns a rule by ref or a not-found error.
func (s *Store) RuleGet(ref string) (*structs.Rule, error) {
	return getOne[structs.Rule](s, tableRules, ref, "rule")
}

// RuleGetTxn returns a rule or nil.
func RuleGetTxn(txn *memdb.Txn, ref string) (*structs.Rule, error) {
	obj, err := txn.First(tableRules, "id", ref)
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*structs.Rule), nil
}

// Rules returns every rule, by ref.
func (s *Store) Rules() ([]*structs.Rule, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.Rule](txn, tableRules)
}

// RulePutTxn inserts or replaces a rule.
func RulePutTxn(txn *memdb.Txn, r *structs.Rule) error { return put(txn, tableRules, r, r.Ref) }

// RuleDeleteTxn deletes a rule.
func RuleDeleteTxn(txn *memdb.Txn, r *structs.Rule) error {
	if err := txn.Delete(tableRules, r); err != nil {
		return fmt.Errorf("failed to delete rule %q: %w", r.Ref, err)
	}
	return nil
}

// TriggerInstanceGet returns an instance or a not-found error.
func (s *Store) TriggerInstanceGet(id string) (*structs.TriggerInstance, error) {
	return getOne[structs.TriggerInstance](s, tableTriggerInstances, id, "trigger instance")
}

// TriggerInstanceGetTxn returns an instance or nil.
func TriggerInstanceGetTxn(txn *memdb.Txn, id string) (*structs.TriggerInstance, error) {
	obj, err := txn.First(tableTriggerInstances, "id", id)
	if err != nil || obj == nil {
		return nil, err
	}
	return obj.(*structs.TriggerInstance), nil
}

// TriggerInstancePutTxn inserts or replaces an instance.
func TriggerInstancePutTxn(txn *memdb.Txn, ti *structs.TriggerInstance) error {
	return put(txn, tableTriggerInstances, ti, ti.ID)
}

// TriggerInstances returns every instance, oldest first.
func (s *Store) TriggerInstances() ([]*structs.TriggerInstance, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return all[structs.TriggerInstance](txn, tableTriggerInstances)
}

// PendingTriggerInstances returns the instances waiting for the rules
// engine, oldest first, and a channel that closes when that set changes.
func (s *Store) PendingTriggerInstances() ([]*structs.TriggerInstance, <-chan struct{}, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(tableTriggerInstances, "status", structs.TriggerInstancePending)
	if err != nil {
		return nil, nil, err
	}
	var out []*structs.TriggerInstance
	for obj := it.Next(); obj != nil; obj = it.Next() {
		out = append(out, obj.(*structs.TriggerInstance))
	}
	return out, it.WatchCh(), nil
}

// EnforcementPutTxn inserts an enforcement.
func EnforcementPutTxn(txn *memdb.Txn, e *structs.RuleEnforcement) error {
	return put(txn, tableEnforcements, e, e.ID)
}

// Enforcements returns every rule enforcement, oldest first.
func (s *Store) Enforcements() ([]*structs.RuleEnforcement, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return EnforcementsTxn(txn)
}

// EnforcementsTxn returns every rule enforcement, oldest first.
func EnforcementsTxn(txn *memdb.Txn) ([]*structs.RuleEnforcement, error) {
	return all[structs.RuleEnforcement](txn, tableEnforcements)
}

// RulesListenTxn reports whether an enabled rule listens to trigger type t.
func RulesListenTxn(txn *memdb.Txn, t string) (bool, error) {
	rules, err := byIndexTxn[structs.Rule](txn, tableRules, "trigger", t)
	if err != nil {
		return false, err
	}
	for _, r := range rules {
		if r.Enabled {
			return true, nil
		}
	}
	return false, nil
}

// RulesWatch returns a channel that closes when any rule changes.
func (s *Store) RulesWatch() (<-chan struct{}, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	it, err := txn.Get(tableRules, "id")
	if err != nil {
		return nil, err
	}
	return it.WatchCh(), nil
}

// RulesForTrigger returns the rules listening to trigger type t.
func (s *Store) RulesForTrigger(t string) ([]*structs.Rule, error) {
	txn := s.db.Txn(false)
	defer txn.Abort()
	return byIndexTxn[structs.Rule](txn, tableRules, "trigger", t)
}

// RulesByPackTxn returns a pack's rules.
func RulesByPackTxn(txn *memdb.Txn, pack string) ([]*structs.Rule, error) {
	all, err := all[structs.Rule](txn, tableRules)
	if err != nil {
		return nil, err
	}
	var out []*structs.Rule
	for _, r := range all {
		if r.Pack == pack {
			out = append(out, r)
		}
	}
	return out, nil
}

// TriggerInstanceDeleteTxn deletes an instance.
func TriggerInstanceDeleteTxn(txn *memdb.Txn, ti *structs.TriggerInstance) error {
	return remove(txn, tableTriggerInstances, ti, ti.ID)
}

// EnforcementDeleteTxn deletes an enforcement.
func EnforcementDeleteTxn(txn *memdb.Txn, e *structs.RuleEnforcement) error {
	return remove(txn, tableEnforcements, e, e.ID)
}
