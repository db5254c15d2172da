package api

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/rules"
)

func (a *API) ruleRoutes(r *mux.Router) {
	r.HandleFunc("/rules", a.authed(a.listRules)).Methods(http.MethodGet)
	r.HandleFunc("/rules", a.authed(a.createRule)).Methods(http.MethodPost)
	r.HandleFunc("/rules/{ref}", a.authed(a.getRule)).Methods(http.MethodGet)
	r.HandleFunc("/rules/{ref}", a.authed(a.updateRule)).Methods(http.MethodPut)
	r.HandleFunc("/rules/{ref}", a.authed(a.deleteRule)).Methods(http.MethodDelete)
	r.HandleFunc("/triggerinstances", a.authed(a.listTriggerInstances)).Methods(http.MethodGet)
	r.HandleFunc("/triggerinstances/{id}", a.authed(a.getTriggerInstance)).Methods(http.MethodGet)
	r.HandleFunc("/ruleenforcements", a.authed(a.listEnforcements)).Methods(http.MethodGet)
	r.HandleFunc("/ruleenforcements/{id}", a.authed(a.getEnforcement)).Methods(http.MethodGet)
	r.HandleFunc("/webhooks/{url:.+}", a.authed(a.webhook)).Methods(http.MethodPost)
	r.HandleFunc("/webhooks", a.authed(a.listWebhooks)).Methods(http.MethodGet)
	r.HandleFunc("/webhooks/{url:.+}", a.authed(a.getWebhook)).Methods(http.MethodGet)
	a.triggerRoutes(r)
}

const timeFormat = "2006-01-02T15:04:05.000000Z"

func ruleView(r *structs.Rule) map[string]any {
	return map[string]any{
		"id": r.ID, "uid": r.UID(), "ref": r.Ref, "name": r.Name, "pack": r.Pack, "description": r.Description,
		"enabled": r.Enabled, "type": map[string]any{"ref": r.Type, "parameters": map[string]any{}},
		"trigger":  map[string]any{"type": r.Trigger.Type, "parameters": nonNilMap(r.Trigger.Parameters), "ref": r.Trigger.Type},
		"criteria": nonNilMap(r.Criteria),
		"action":   map[string]any{"ref": r.Action.Ref, "parameters": nonNilMap(r.Action.Parameters)},
		"tags":     r.Tags,
	}
}

func (a *API) listRules(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.State().Rules()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var out []map[string]any
	for _, x := range all {
		if (q.Get("pack") != "" && x.Pack != q.Get("pack")) || (q.Get("action") != "" && x.Action.Ref != q.Get("action")) ||
			(q.Get("trigger") != "" && x.Trigger.Type != q.Get("trigger")) ||
			(q.Get("enabled") != "" && (q.Get("enabled") == "true" || q.Get("enabled") == "True") != x.Enabled) {
			continue
		}
		out = append(out, ruleView(x))
	}
	return writePage(w, r, out)
}

func (a *API) getRule(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	x, err := a.cfg.Rules.Get(mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleView(x))
	return nil
}

func (a *API) createRule(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "creating rules"); err != nil {
		return err
	}
	var m rules.Meta
	if err := decodeLenient(r, &m); err != nil {
		return err
	}
	x, err := a.cfg.Rules.Create(r.Context(), m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ruleView(x))
	return nil
}

func (a *API) updateRule(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "updating rules"); err != nil {
		return err
	}
	var m rules.Meta
	if err := decodeLenient(r, &m); err != nil {
		return err
	}
	x, err := a.cfg.Rules.Update(r.Context(), mux.Vars(r)["ref"], m)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ruleView(x))
	return nil
}

func (a *API) deleteRule(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "deleting rules"); err != nil {
		return err
	}
	if err := a.cfg.Rules.Delete(r.Context(), mux.Vars(r)["ref"]); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func triggerInstanceView(ti *structs.TriggerInstance) map[string]any {
	v := map[string]any{
		"id": ti.ID, "trigger": ti.Trigger, "payload": nonNilMap(ti.Payload), "status": ti.Status,
		"occurrence_time": ti.OccurrenceTime.UTC().Format(timeFormat),
	}
	if ti.TraceTag != "" {
		v["trace_tag"] = ti.TraceTag
	}
	return v
}

func (a *API) listTriggerInstances(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.State().TriggerInstances()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	gt, err := timestampFilter(q.Get("timestamp_gt"), "timestamp_gt")
	if err != nil {
		return err
	}
	lt, err := timestampFilter(q.Get("timestamp_lt"), "timestamp_lt")
	if err != nil {
		return err
	}
	trigger := q.Get("trigger")
	if trigger == "" {
		trigger = q.Get("trigger_type")
	}
	var out []map[string]any
	for i := len(all) - 1; i >= 0; i-- { // newest first
		ti := all[i]
		if (trigger != "" && ti.Trigger != trigger) || (q.Get("status") != "" && ti.Status != q.Get("status")) ||
			(!gt.IsZero() && !ti.OccurrenceTime.After(gt)) || (!lt.IsZero() && !ti.OccurrenceTime.Before(lt)) {
			continue
		}
		out = append(out, triggerInstanceView(ti))
	}
	return writePage(w, r, out)
}

func (a *API) getTriggerInstance(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	ti, err := a.cfg.State().TriggerInstanceGet(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, triggerInstanceView(ti))
	return nil
}

func (a *API) listEnforcements(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.State().Enforcements()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	gt, err := timestampFilter(q.Get("enforced_at_gt"), "enforced_at_gt")
	if err != nil {
		return err
	}
	lt, err := timestampFilter(q.Get("enforced_at_lt"), "enforced_at_lt")
	if err != nil {
		return err
	}
	var out []map[string]any
	for i := len(all) - 1; i >= 0; i-- {
		en := all[i]
		if (q.Get("rule_ref") != "" && en.Rule != q.Get("rule_ref")) || (q.Get("trigger_instance") != "" && en.TriggerInstance != q.Get("trigger_instance")) ||
			(q.Get("execution") != "" && en.Execution != q.Get("execution")) ||
			(!gt.IsZero() && !en.EnforcedAt.After(gt)) || (!lt.IsZero() && !en.EnforcedAt.Before(lt)) {
			continue
		}
		out = append(out, enforcementView(en))
	}
	return writePage(w, r, out)
}

func enforcementView(en *structs.RuleEnforcement) map[string]any {
	v := map[string]any{
		"id": en.ID, "rule": map[string]any{"ref": en.Rule, "id": en.RuleID}, "trigger_instance_id": en.TriggerInstance,
		"execution_id": en.Execution, "enforced_at": en.EnforcedAt.UTC().Format(timeFormat),
		"status": "succeeded",
	}
	if en.FailureReason != "" {
		v["failure_reason"], v["status"] = en.FailureReason, "failed"
	}
	return v
}

func (a *API) getEnforcement(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.State().Enforcements()
	if err != nil {
		return err
	}
	id := mux.Vars(r)["id"]
	for _, en := range all {
		if en.ID == id {
			writeJSON(w, http.StatusOK, enforcementView(en))
			return nil
		}
	}
	return structs.Errorf(structs.KindNotFound, "Resource with an id %q not found", id)
}

// getWebhook shows one webhook url with the rules listening on it.
func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	hook := strings.Trim(mux.Vars(r)["url"], "/")
	matched, err := a.cfg.Rules.WebhookRules(hook)
	if err != nil {
		return err
	}
	if len(matched) == 0 {
		return structs.Errorf(structs.KindNotFound, "Webhook with url %q not found", hook)
	}
	refs := make([]string, 0, len(matched))
	for _, x := range matched {
		refs = append(refs, x.Ref)
	}
	writeJSON(w, http.StatusOK, map[string]any{"type": rules.TriggerWebhook, "parameters": map[string]any{"url": hook}, "rules": refs})
	return nil
}

// strippedHeaders never reach a stored payload: they are credentials.
var strippedHeaders = map[string]bool{
	"X-Auth-Token": true, "St2-Api-Key": true, "Authorization": true, "Cookie": true,
}

// webhook fires core.st2.webhook for the rules on url, or, on "st2", any
// trigger named in the body. It answers 202 once the instance is committed.
func (a *API) webhook(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	hook := mux.Vars(r)["url"]
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return err
	}
	body, err := webhookBody(r.Header.Get("Content-Type"), raw)
	if err != nil {
		return err
	}
	if hook == "st2" {
		m, _ := body.(map[string]any)
		trigger, _ := m["trigger"].(string)
		if _, ok := a.cfg.Rules.TriggerType(trigger); !ok {
			return structs.Errorf(structs.KindInvalid, "trigger %q: give a known trigger type in \"trigger\"", trigger)
		}
		payload, _ := m["payload"].(map[string]any)
		tag, _ := m["trace_tag"].(string)
		if _, err := a.cfg.Rules.Fire(r.Context(), trigger, nil, payload, tag); err != nil {
			return err
		}
		writeJSON(w, http.StatusAccepted, body)
		return nil
	}
	matched, err := a.cfg.Rules.WebhookRules(hook)
	if err != nil {
		return err
	}
	if len(matched) == 0 {
		return structs.Errorf(structs.KindNotFound, "Webhook with url %q not found", hook)
	}
	headers := map[string]any{}
	for k, v := range r.Header {
		if !strippedHeaders[http.CanonicalHeaderKey(k)] {
			headers[k] = strings.Join(v, ", ")
		}
	}
	payload := map[string]any{"headers": headers, "body": body}
	if _, err := a.cfg.Rules.Fire(r.Context(), rules.TriggerWebhook, map[string]any{"url": strings.Trim(hook, "/")}, payload, r.Header.Get("St2-Trace-Tag")); err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, body)
	return nil
}

// webhookBody parses JSON or a form; anything else is kept as text.
func webhookBody(contentType string, raw []byte) (any, error) {
	ct := strings.ToLower(contentType)
	switch {
	case len(raw) == 0:
		return map[string]any{}, nil
	case strings.Contains(ct, "application/x-www-form-urlencoded"):
		vals, err := url.ParseQuery(string(raw))
		if err != nil {
			return nil, structs.Errorf(structs.KindInvalid, "failed to parse the form body: %v", err)
		}
		out := map[string]any{}
		for k, v := range vals {
			out[k] = strings.Join(v, ",")
		}
		return out, nil
	case strings.Contains(ct, "json") || ct == "":
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, structs.Errorf(structs.KindInvalid, "failed to parse the request body as JSON: %v", err)
		}
		return v, nil
	}
	return string(raw), nil
}

// listWebhooks lists the webhook urls the enabled rules listen on.
func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, err := a.cfg.State().Rules()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	var out []map[string]any
	for _, x := range all {
		u, _ := x.Trigger.Parameters["url"].(string)
		u = strings.Trim(u, "/")
		if x.Enabled && x.Trigger.Type == rules.TriggerWebhook && !seen[u] {
			seen[u] = true
			out = append(out, map[string]any{"type": rules.TriggerWebhook, "parameters": map[string]any{"url": u}})
		}
	}
	return writePage(w, r, out)
}
