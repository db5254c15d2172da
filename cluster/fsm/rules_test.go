package fsm

import (
	"bytes"
	"io"
	"testing"

	"github.com/squall-io/squall/cluster/command"
	"github.com/squall-io/squall/cluster/structs"
)

func TestRuleEnforcementIsOnce(t *testing.T) {
	f := testFSM(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	rule := structs.Rule{ID: "r1", Ref: "p.r", Pack: "p", Name: "r", Enabled: true, Type: structs.RuleStandard,
		Trigger: structs.RuleTrigger{Type: "core.st2.webhook"}, Action: structs.RuleAction{Ref: "core.noop"}}
	must(apply(t, f, 1, command.RulePut, command.RulePutRequest{Rule: rule, Mode: command.RuleCreate, Now: t0}))
	if err := apply(t, f, 2, command.RulePut, command.RulePutRequest{Rule: rule, Mode: command.RuleCreate, Now: t0}); structs.KindOf(err) != structs.KindConflict {
		t.Fatalf("duplicate rule: %v", err)
	}
	ti := structs.TriggerInstance{ID: "ti1", Trigger: "core.st2.webhook", Status: structs.TriggerInstancePending, OccurrenceTime: t0}
	must(apply(t, f, 3, command.TriggerFire, command.TriggerFireRequest{Instance: ti}))
	must(apply(t, f, 4, command.TriggerFire, command.TriggerFireRequest{Instance: ti})) // a retried forward
	enforce := command.RuleEnforceRequest{
		Instance: "ti1", Status: structs.TriggerInstanceProcessed,
		Enforcements: []structs.RuleEnforcement{{ID: "en1", Rule: "p.r", TriggerInstance: "ti1", Execution: "ex1", EnforcedAt: t0}},
		Executions:   []structs.Execution{{ID: "ex1", Status: structs.ExecScheduled, Node: "n1", StartTimestamp: t0}},
	}
	must(apply(t, f, 5, command.RuleEnforce, enforce))
	// A new leader evaluating the same instance again changes nothing.
	enforce.Enforcements[0].ID, enforce.Executions[0].ID = "en2", "ex2"
	must(apply(t, f, 6, command.RuleEnforce, enforce))

	check := func(f *FSM) {
		t.Helper()
		s := f.State()
		got, err := s.TriggerInstanceGet("ti1")
		must(err)
		ens, _ := s.Enforcements()
		execs, _ := s.Executions()
		pending, _, _ := s.PendingTriggerInstances()
		if got.Status != structs.TriggerInstanceProcessed || len(ens) != 1 || len(execs) != 1 || execs[0].ID != "ex1" || len(pending) != 0 {
			t.Fatalf("instance %s, %d enforcements, %d executions, %d pending", got.Status, len(ens), len(execs), len(pending))
		}
		if r, err := s.RuleGet("p.r"); err != nil || r.CreatedAt != t0 {
			t.Fatalf("rule: %+v %v", r, err)
		}
	}
	check(f)
	snap, err := f.Snapshot()
	must(err)
	sink := &memSink{}
	must(snap.Persist(sink))
	g := testFSM(t)
	must(g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))))
	check(g)
	must(apply(t, g, 7, command.RuleDelete, command.RuleDeleteRequest{Ref: "p.r"}))
	if err := apply(t, g, 8, command.RuleDelete, command.RuleDeleteRequest{Ref: "p.r"}); structs.KindOf(err) != structs.KindNotFound {
		t.Fatalf("second delete: %v", err)
	}
}

func TestActionTriggerOnlyWhenListenedTo(t *testing.T) {
	f := testFSM(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	finish := func(index uint64, id string) {
		t.Helper()
		must(apply(t, f, index, command.ExecCreate, command.ExecCreateRequest{Execution: structs.Execution{
			ID: id, Status: structs.ExecScheduled, Node: "n1", StartTimestamp: t0, Action: structs.ExecAction{Ref: "core.noop", Name: "noop"},
		}}))
		must(apply(t, f, index+1, command.ExecUpdate, command.ExecUpdateRequest{ID: id, Status: structs.ExecSucceeded,
			Result: []byte(`{"ok":true}`), Now: t0}))
	}
	finish(1, "quiet")
	if all, _ := f.State().TriggerInstances(); len(all) != 0 {
		t.Fatalf("an instance nobody listens to: %d", len(all))
	}
	must(apply(t, f, 3, command.RulePut, command.RulePutRequest{Mode: command.RuleCreate, Now: t0, Rule: structs.Rule{
		Ref: "p.on_done", Pack: "p", Name: "on_done", Enabled: true, Type: structs.RuleStandard,
		Trigger: structs.RuleTrigger{Type: structs.TriggerActionTrigger}, Action: structs.RuleAction{Ref: "core.noop"},
	}}))
	finish(4, "heard")
	ti, err := f.State().TriggerInstanceGet("actiontrigger-heard")
	must(err)
	if ti.Status != structs.TriggerInstancePending || ti.Payload["status"] != "succeeded" || ti.Payload["action_ref"] != "core.noop" {
		t.Fatalf("instance: %+v", ti)
	}
	if res, _ := ti.Payload["result"].(map[string]any); res["ok"] != true {
		t.Fatalf("result in payload: %+v", ti.Payload)
	}
}

// TestFireWithVerdictAndTraces: an instance fired with the leader's
// verdict is processed in the same command, and its trace links the
// instance, the rule and the execution; a datastore create fires
// core.st2.key_value_pair.create only while a rule listens.
func TestFireWithVerdictAndTraces(t *testing.T) {
	f := testFSM(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	ti := structs.TriggerInstance{ID: "ti1", Trigger: "core.st2.webhook", Status: structs.TriggerInstancePending, OccurrenceTime: t0, TraceTag: "tag-1"}
	verdict := &command.RuleEnforceRequest{
		Instance: "ti1", Status: structs.TriggerInstanceProcessed,
		Enforcements: []structs.RuleEnforcement{{ID: "en1", Rule: "p.r", RuleID: "r1", TriggerInstance: "ti1", Execution: "ex1", EnforcedAt: t0}},
		Executions:   []structs.Execution{{ID: "ex1", Status: structs.ExecScheduled, Node: "n1", StartTimestamp: t0, Action: structs.ExecAction{Ref: "core.noop"}}},
	}
	must(apply(t, f, 1, command.TriggerFire, command.TriggerFireRequest{Instance: ti, Verdict: verdict}))
	s := f.State()
	got, err := s.TriggerInstanceGet("ti1")
	must(err)
	if got.Status != structs.TriggerInstanceProcessed || got.TraceID == "" {
		t.Fatalf("instance: %+v", got)
	}
	tr, err := s.TraceGet(got.TraceID)
	must(err)
	if tr.Tag != "tag-1" || len(tr.TriggerInstances) != 1 || len(tr.Rules) != 1 || len(tr.Executions) != 1 ||
		tr.Executions[0].CausedBy["id"] != "r1:ti1" || tr.Rules[0].CausedBy["id"] != "ti1" {
		t.Fatalf("trace: %+v", tr)
	}
	if e, err := s.ExecGet("ex1"); err != nil || e.TraceID != tr.ID || e.TraceTag != "tag-1" {
		t.Fatalf("execution's trace: %+v %v", e, err)
	}
	// A child execution joins its parent's trace.
	must(apply(t, f, 2, command.ExecCreate, command.ExecCreateRequest{Execution: structs.Execution{
		ID: "child", Parent: "ex1", Status: structs.ExecScheduled, Node: "n1", StartTimestamp: t0, Action: structs.ExecAction{Ref: "core.noop"},
	}}))
	if tr, _ := s.TraceGet(got.TraceID); len(tr.Executions) != 2 || tr.Executions[1].CausedBy["id"] != "ex1" {
		t.Fatalf("child not in the trace: %+v", tr)
	}

	kvSet := func(index uint64, name string) {
		must(apply(t, f, index, command.KVSet, command.KVSetRequest{Item: structs.KeyValuePair{Name: name, Value: "v", Scope: structs.ScopeSystem}, Now: t0}))
	}
	kvSet(3, "quiet")
	must(apply(t, f, 4, command.RulePut, command.RulePutRequest{Mode: command.RuleCreate, Now: t0, Rule: structs.Rule{
		Ref: "p.kv", Pack: "p", Name: "kv", Enabled: true, Type: structs.RuleStandard,
		Trigger: structs.RuleTrigger{Type: "core.st2.key_value_pair.create"}, Action: structs.RuleAction{Ref: "core.noop"},
	}}))
	kvSet(5, "heard")
	pending, _, _ := s.PendingTriggerInstances()
	if len(pending) != 1 {
		t.Fatalf("kv instances: %d", len(pending))
	}
	obj, _ := pending[0].Payload["object"].(map[string]any)
	if pending[0].Trigger != "core.st2.key_value_pair.create" || obj["name"] != "heard" {
		t.Fatalf("kv instance: %+v", pending[0])
	}
}

// TestSensorPutKeepsUnchanged: a plugin publishing the same sensors again
// (every node start) does not touch them, so a running sensor is not
// restarted; an operator's disable survives; a dropped sensor goes.
func TestSensorPutKeepsUnchanged(t *testing.T) {
	f := testFSM(t)
	put := func(index uint64, sensors ...structs.Sensor) {
		t.Helper()
		if err := apply(t, f, index, command.SensorPut, command.SensorPutRequest{Plugin: "squall-sensor-x", Sensors: sensors, Now: t0,
			TriggerTypes: []structs.TriggerType{{Ref: "x.ev", Pack: "x", Name: "ev", PayloadSchema: map[string]any{"type": "object"}}}}); err != nil {
			t.Fatal(err)
		}
	}
	a := structs.Sensor{ID: "a1", Ref: "x.A", Pack: "x", Name: "A", Enabled: true, TriggerTypes: []string{"x.ev"}, Plugin: "squall-sensor-x"}
	b := structs.Sensor{ID: "b1", Ref: "x.B", Pack: "x", Name: "B", Enabled: true, Plugin: "squall-sensor-x"}
	put(1, a, b)
	if err := apply(t, f, 2, command.SensorPut, command.SensorPutRequest{Sensors: []structs.Sensor{func() structs.Sensor { d := a; d.Enabled = false; return d }()}}); err != nil {
		t.Fatal(err)
	}
	a.ID = "a2" // a new id from the publishing node is not taken
	put(3, a)
	got, err := f.State().SensorGet("x.A")
	if err != nil || got.ModifyIdx != 2 || got.Enabled || got.ID != "a1" {
		t.Fatalf("sensor A: %+v %v", got, err)
	}
	if tt, err := f.State().TriggerTypeGet("x.ev"); err != nil || tt.ModifyIdx != 1 {
		t.Fatalf("trigger type rewritten: %+v %v", tt, err)
	}
	if _, err := f.State().SensorGet("x.B"); structs.KindOf(err) != structs.KindNotFound {
		t.Fatalf("dropped sensor: %v", err)
	}
	// Sensors, trigger types and traces survive a snapshot.
	ti := structs.TriggerInstance{ID: "ti1", Trigger: "x.ev", Status: structs.TriggerInstancePending, OccurrenceTime: t0}
	if err := apply(t, f, 4, command.TriggerFire, command.TriggerFireRequest{Instance: ti}); err != nil {
		t.Fatal(err)
	}
	snap, err := f.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	sink := &memSink{}
	if err := snap.Persist(sink); err != nil {
		t.Fatal(err)
	}
	g := testFSM(t)
	if err := g.Restore(io.NopCloser(bytes.NewReader(sink.Bytes()))); err != nil {
		t.Fatal(err)
	}
	traces, _ := g.State().Traces()
	if s, err := g.State().SensorGet("x.A"); err != nil || s.Enabled || len(traces) != 1 || traces[0].Tag != "trigger_instance-ti1" {
		t.Fatalf("after restore: %+v %v, traces %+v", s, err, traces)
	}
	if _, err := g.State().TriggerTypeGet("x.ev"); err != nil {
		t.Fatalf("trigger type after restore: %v", err)
	}
}

// TestWorkflowStep: a step records the engine's state and the children,
// a stale step is a no-op, and the final step ends the workflow
// execution with its result.
func TestWorkflowStep(t *testing.T) {
	f := testFSM(t)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(apply(t, f, 1, command.ExecCreate, command.ExecCreateRequest{Execution: structs.Execution{
		ID: "wf", Status: structs.ExecScheduled, StartTimestamp: t0, TraceTag: "tag", Action: structs.ExecAction{Ref: "p.chain", RunnerType: "action-chain"},
	}}))
	child := func(id string) command.WorkflowChild {
		return command.WorkflowChild{TaskID: id, Name: id, Execution: structs.Execution{
			ID: "c-" + id, Status: structs.ExecScheduled, Node: "n1", StartTimestamp: t0, Action: structs.ExecAction{Ref: "core.noop"}}}
	}
	must(apply(t, f, 2, command.WorkflowStep, command.WorkflowStepRequest{ExecutionID: "wf", Version: 0, State: []byte(`1`),
		Status: "running", Tasks: []command.WorkflowChild{child("a")}, Now: t0}))
	// The same step again, as a stale leader would send it: nothing new.
	must(apply(t, f, 3, command.WorkflowStep, command.WorkflowStepRequest{ExecutionID: "wf", Version: 0, State: []byte(`9`),
		Status: "running", Tasks: []command.WorkflowChild{child("x")}, Now: t0}))
	s := f.State()
	wf, err := s.WorkflowGet("wf")
	must(err)
	if wf.Version != 1 || string(wf.State) != "1" || len(wf.Tasks) != 1 {
		t.Fatalf("workflow: %+v", wf)
	}
	if _, err := s.ExecGet("c-x"); structs.KindOf(err) != structs.KindNotFound {
		t.Fatalf("a stale step created a child: %v", err)
	}
	c, err := s.ExecGet("c-a")
	must(err)
	e, err := s.ExecGet("wf")
	must(err)
	if c.Parent != "wf" || c.TraceID != e.TraceID || e.Status != structs.ExecRunning {
		t.Fatalf("child %+v, workflow %s", c, e.Status)
	}
	must(apply(t, f, 4, command.WorkflowStep, command.WorkflowStepRequest{ExecutionID: "wf", Version: 1, State: []byte(`2`),
		Status: "succeeded", Reported: "a", Result: []byte(`{"tasks":[]}`), Now: t0}))
	e, _ = s.ExecGet("wf")
	wf, _ = s.WorkflowGet("wf")
	if e.Status != structs.ExecSucceeded || string(e.Result) != `{"tasks":[]}` || e.EndTimestamp.IsZero() || !wf.Tasks[0].Reported {
		t.Fatalf("end: %+v %+v", e, wf)
	}
	// An ended workflow takes no more steps.
	must(apply(t, f, 5, command.WorkflowStep, command.WorkflowStepRequest{ExecutionID: "wf", Version: 2, Status: "running", Now: t0}))
	if e, _ = s.ExecGet("wf"); e.Status != structs.ExecSucceeded {
		t.Fatalf("a step after the end: %s", e.Status)
	}
}
