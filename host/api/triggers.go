package api

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/packs"
	"github.com/squall-io/squall/host/rules"
)

func (a *API) triggerRoutes(r *mux.Router) {
	r.HandleFunc("/triggertypes", a.authed(a.listTriggerTypes)).Methods(http.MethodGet)
	r.HandleFunc("/triggertypes", a.authed(a.createTriggerType)).Methods(http.MethodPost)
	r.HandleFunc("/triggertypes/{ref}", a.authed(a.getTriggerType)).Methods(http.MethodGet)
	r.HandleFunc("/triggertypes/{ref}", a.authed(a.updateTriggerType)).Methods(http.MethodPut)
	r.HandleFunc("/triggertypes/{ref}", a.authed(a.deleteTriggerType)).Methods(http.MethodDelete)
	r.HandleFunc("/triggers", a.authed(a.listTriggers)).Methods(http.MethodGet)
	r.HandleFunc("/triggers/{ref}", a.authed(a.getTrigger)).Methods(http.MethodGet)
	r.HandleFunc("/timers", a.authed(a.listTimers)).Methods(http.MethodGet)
	r.HandleFunc("/timers/{ref}", a.authed(a.getTimer)).Methods(http.MethodGet)
	r.HandleFunc("/triggerinstances/{id}/re_emit", a.authed(a.reEmit)).Methods(http.MethodPost)
	r.HandleFunc("/traces", a.authed(a.listTraces)).Methods(http.MethodGet)
	r.HandleFunc("/traces/{id}", a.authed(a.getTrace)).Methods(http.MethodGet)
}

func triggerTypeView(t *structs.TriggerType) map[string]any {
	return map[string]any{
		"id": t.ID, "uid": t.UID(), "ref": t.Ref, "name": t.Name, "pack": t.Pack, "description": t.Description,
		"parameters_schema": nonNilMap(t.ParametersSchema), "payload_schema": nonNilMap(t.PayloadSchema),
		"tags": nonNilTags(t.Tags),
	}
}

func nonNilTags(t []map[string]any) []map[string]any {
	if t == nil {
		return []map[string]any{}
	}
	return t
}

func (a *API) listTriggerTypes(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	q := r.URL.Query()
	var out []map[string]any
	for _, t := range a.cfg.Rules.TriggerTypes() {
		if (q.Get("pack") != "" && t.Pack != q.Get("pack")) || (q.Get("name") != "" && t.Name != q.Get("name")) {
			continue
		}
		out = append(out, triggerTypeView(t))
	}
	return writePage(w, r, out)
}

func (a *API) getTriggerType(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	t, err := a.cfg.Rules.GetTriggerType(mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, triggerTypeView(t))
	return nil
}

func (a *API) createTriggerType(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	return a.putTriggerType(w, r, id, true)
}

func (a *API) updateTriggerType(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	return a.putTriggerType(w, r, id, false)
}

func (a *API) putTriggerType(w http.ResponseWriter, r *http.Request, id *auth.Identity, create bool) error {
	if err := requireAdmin(id.IsAdmin, "changing trigger types"); err != nil {
		return err
	}
	var m packs.TriggerTypeMeta
	if err := decodeLenient(r, &m); err != nil {
		return err
	}
	t, err := a.cfg.Rules.PutTriggerType(r.Context(), m, mux.Vars(r)["ref"], create)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	writeJSON(w, status, triggerTypeView(t))
	return nil
}

func (a *API) deleteTriggerType(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "deleting trigger types"); err != nil {
		return err
	}
	if err := a.cfg.Rules.DeleteTriggerType(r.Context(), mux.Vars(r)["ref"]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func triggerView(t rules.Trigger) map[string]any {
	return map[string]any{
		"id": t.ID, "uid": t.UID, "ref": t.Ref, "name": t.Name, "pack": t.Pack, "type": t.Type,
		"parameters": nonNilMap(t.Parameters),
	}
}

func (a *API) listTriggers(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	return a.writeTriggers(w, r)
}

func (a *API) writeTriggers(w http.ResponseWriter, r *http.Request, types ...string) error {
	all, err := a.cfg.Rules.Triggers(types...)
	if err != nil {
		return err
	}
	var out []map[string]any
	for _, t := range all {
		out = append(out, triggerView(t))
	}
	return writePage(w, r, out)
}

func (a *API) getTrigger(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	return a.writeOneTrigger(w, mux.Vars(r)["ref"])
}

func (a *API) writeOneTrigger(w http.ResponseWriter, refOrID string, types ...string) error {
	all, err := a.cfg.Rules.Triggers(types...)
	if err != nil {
		return err
	}
	for _, t := range all {
		if t.Ref == refOrID || t.ID == refOrID || t.Name == refOrID {
			writeJSON(w, http.StatusOK, triggerView(t))
			return nil
		}
	}
	return structs.Errorf(structs.KindNotFound, "Resource with a reference or id %q not found", refOrID)
}

var timerTypes = []string{rules.TriggerIntervalTimer, rules.TriggerDateTimer, rules.TriggerCronTimer}

// listTimers lists the timers rules use; timer_type filters by type ref.
func (a *API) listTimers(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	types := timerTypes
	if t := r.URL.Query().Get("timer_type"); t != "" {
		found := false
		for _, known := range timerTypes {
			found = found || known == t
		}
		if !found {
			return structs.Errorf(structs.KindInvalid, "timer_type %q is not one of %s", t, strings.Join(timerTypes, ", "))
		}
		types = []string{t}
	}
	return a.writeTriggers(w, r, types...)
}

func (a *API) getTimer(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	return a.writeOneTrigger(w, mux.Vars(r)["ref"], timerTypes...)
}

// reEmit fires a copy of an instance, as StackStorm's re_emit does: same
// trigger and payload, a new id, a new trace.
func (a *API) reEmit(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "re-emitting trigger instances"); err != nil {
		return err
	}
	old, err := a.cfg.State().TriggerInstanceGet(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	payload := map[string]any{}
	for k, v := range old.Payload {
		payload[k] = v
	}
	payload["__context"] = map[string]any{"original_id": old.ID}
	ti, err := a.cfg.Rules.Fire(r.Context(), old.Trigger, old.Parameters, payload, "")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": "Trigger instance " + old.ID + " succesfully re-sent.", "payload": payload, "id": ti.ID})
	return nil
}

func timestampFilter(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	v = strings.Replace(v, " ", "T", 1)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999Z0700", "2006-01-02T15:04:05.999999-07"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, structs.Errorf(structs.KindInvalid, "%s %q is not a timestamp like 2024-01-02T15:04:05.000000Z", name, v)
}

func traceComponents(cs []structs.TraceComponent) []map[string]any {
	out := make([]map[string]any, 0, len(cs))
	for _, c := range cs {
		out = append(out, map[string]any{
			"object_id": c.ObjectID, "ref": c.Ref, "updated_at": c.UpdatedAt.UTC().Format(timeFormat), "caused_by": c.CausedBy,
		})
	}
	return out
}

func traceView(t *structs.Trace) map[string]any {
	return map[string]any{
		"id": t.ID, "uid": "trace:" + t.ID, "trace_tag": t.Tag, "start_timestamp": t.StartTimestamp.UTC().Format(timeFormat),
		"trigger_instances": traceComponents(t.TriggerInstances), "rules": traceComponents(t.Rules),
		"action_executions": traceComponents(t.Executions),
	}
}

func traceHas(cs []structs.TraceComponent, id string) bool {
	for _, c := range cs {
		if c.ObjectID == id || c.Ref == id {
			return true
		}
	}
	return false
}

// listTraces lists traces newest first with StackStorm's filters:
// trace_tag, execution, rule (id or ref), trigger_instance.
func (a *API) listTraces(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.State().Traces()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	asc := q.Get("sort_asc") != "" || q.Get("sort") == "start_timestamp"
	sort.Slice(all, func(i, j int) bool {
		if asc {
			return all[i].StartTimestamp.Before(all[j].StartTimestamp)
		}
		return all[i].StartTimestamp.After(all[j].StartTimestamp)
	})
	var out []map[string]any
	for _, t := range all {
		if (q.Get("trace_tag") != "" && t.Tag != q.Get("trace_tag")) ||
			(q.Get("execution") != "" && !traceHas(t.Executions, q.Get("execution"))) ||
			(q.Get("rule") != "" && !traceHas(t.Rules, q.Get("rule"))) ||
			(q.Get("trigger_instance") != "" && !traceHas(t.TriggerInstances, q.Get("trigger_instance"))) {
			continue
		}
		out = append(out, traceView(t))
	}
	return writePage(w, r, out)
}

func (a *API) getTrace(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	t, err := a.cfg.State().TraceGet(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, traceView(t))
	return nil
}
