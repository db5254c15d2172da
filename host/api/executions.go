package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
	"github.com/squall-io/squall/host/executions"
)

// DefaultExecutionLimit is StackStorm's default page of executions.
const DefaultExecutionLimit = 50

func (a *API) executionRoutes(r *mux.Router) {
	r.HandleFunc("/executions", a.authed(a.listExecutions)).Methods(http.MethodGet)
	r.HandleFunc("/executions", a.authed(a.createExecution)).Methods(http.MethodPost)
	r.HandleFunc("/executions/{id}", a.authed(a.getExecution)).Methods(http.MethodGet)
	r.HandleFunc("/executions/{id}", a.authed(a.cancelExecution)).Methods(http.MethodDelete)
	r.HandleFunc("/executions/{id}", a.authed(a.updateExecution)).Methods(http.MethodPut)
	r.HandleFunc("/executions/{id}/re_run", a.authed(a.reRunExecution)).Methods(http.MethodPost)
	r.HandleFunc("/executions/{id}/output", a.authed(a.executionOutput)).Methods(http.MethodGet)
}

func execCaller(id *auth.Identity) executions.Caller {
	return executions.Caller{User: id.User, IsAdmin: id.IsAdmin}
}

func (a *API) createExecution(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var req executions.CreateRequest
	if err := decodeLenient(r, &req); err != nil {
		return err
	}
	e, err := a.cfg.Executions.Create(r.Context(), execCaller(id), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, executions.View(a.cfg.State(), e))
	return nil
}

func (a *API) getExecution(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	e, err := a.cfg.Executions.Get(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	v := executions.View(a.cfg.State(), e)
	q := r.URL.Query()
	v = executions.Exclude(executions.Select(v, splitList(q.Get("include_attributes"))), splitList(q.Get("exclude_attributes")))
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) listExecutions(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	q := r.URL.Query()
	o := executions.ListOptions{
		Action: q.Get("action"), Status: q.Get("status"), User: q.Get("user"),
		Parent: q.Get("parent"), TriggerInstance: q.Get("trigger_instance"),
	}
	if o.Status != "" && !validStatus(o.Status) {
		return structs.Errorf(structs.KindInvalid, "query parameter \"status\": %q is not an execution status", o.Status)
	}
	var err error
	if o.Limit, err = parseInt("limit", q.Get("limit"), DefaultExecutionLimit); err != nil {
		return err
	}
	if o.Limit < 0 {
		o.Limit = 0 // -1: everything, as StackStorm
	}
	if o.Offset, err = parseInt("offset", q.Get("offset"), 0); err != nil || o.Offset < 0 {
		return structs.Errorf(structs.KindInvalid, "query parameter \"offset\" must be a non-negative integer")
	}
	for name, into := range map[string]*time.Time{"timestamp_gt": &o.TimestampGT, "timestamp_lt": &o.TimestampLT} {
		if v := q.Get(name); v != "" {
			t, err := parseTime(v)
			if err != nil {
				return structs.Errorf(structs.KindInvalid, "query parameter %q: %q is not an ISO 8601 time", name, v)
			}
			*into = t
		}
	}
	if s := q.Get("sort_asc"); s != "" {
		o.Ascending, _ = parseBool("sort_asc", s)
	}
	if q.Get("sort_desc") == "false" {
		o.Ascending = true
	}
	list, total, err := a.cfg.Executions.List(o)
	if err != nil {
		return err
	}
	st := a.cfg.State()
	include, exclude := splitList(q.Get("include_attributes")), splitList(q.Get("exclude_attributes"))
	out := make([]map[string]any, 0, len(list))
	for _, e := range list {
		out = append(out, executions.Exclude(executions.Select(executions.View(st, e), include), exclude))
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(total))
	w.Header().Set("X-Limit", strconv.Itoa(o.Limit))
	writeJSON(w, http.StatusOK, out)
	return nil
}

func validStatus(s string) bool {
	for _, st := range structs.ExecStatuses {
		if string(st) == s {
			return true
		}
	}
	return false
}

func parseTime(v string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000000Z", "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, structs.Errorf(structs.KindInvalid, "bad time")
}

func (a *API) cancelExecution(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	e, err := a.cfg.Executions.Cancel(r.Context(), execCaller(id), mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, executions.View(a.cfg.State(), e))
	return nil
}

// updateExecution pauses or resumes a workflow ({"status": "pausing" or
// "resuming"}), as StackStorm's API does.
func (a *API) updateExecution(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var body struct {
		Status string `json:"status"`
	}
	if err := decodeLenient(r, &body); err != nil {
		return err
	}
	e, err := a.cfg.Executions.SetStatus(r.Context(), execCaller(id), mux.Vars(r)["id"], structs.ExecStatus(body.Status))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, executions.View(a.cfg.State(), e))
	return nil
}

func (a *API) reRunExecution(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	var req executions.ReRunRequest
	if r.ContentLength != 0 {
		if err := decodeLenient(r, &req); err != nil {
			return err
		}
	}
	e, err := a.cfg.Executions.ReRun(r.Context(), execCaller(id), mux.Vars(r)["id"], req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, executions.View(a.cfg.State(), e))
	return nil
}

// executionOutput returns what an execution printed, as plain text: live
// from this node while it runs here, else from its result.
func (a *API) executionOutput(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	e, err := a.cfg.Executions.Get(mux.Vars(r)["id"])
	if err != nil {
		return err
	}
	typ := r.URL.Query().Get("output_type")
	if typ != "" && typ != "stdout" && typ != "stderr" {
		return structs.Errorf(structs.KindInvalid, "query parameter \"output_type\" must be stdout or stderr")
	}
	if !e.Status.Done() && e.Node != a.cfg.NodeID && r.Header.Get(headerProxied) == "" {
		if text, err := a.remoteOutput(r, e); err == nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(text)
			return nil
		}
	}
	var sb strings.Builder
	if chunks, live := a.cfg.Output.Output(e.ID); live {
		for _, c := range chunks {
			if typ == "" || c.OutputType == typ {
				sb.WriteString(c.Data)
			}
		}
	} else {
		var res map[string]any
		_ = json.Unmarshal(e.Result, &res)
		for _, stream := range []string{"stdout", "stderr"} {
			if s, ok := res[stream].(string); ok && s != "" && (typ == "" || typ == stream) {
				sb.WriteString(s)
				if !strings.HasSuffix(s, "\n") {
					sb.WriteString("\n")
				}
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte(sb.String()))
	return nil
}

// headerProxied marks a request one node makes to another for a client,
// so that it is never passed on again.
const headerProxied = "X-Squall-Proxied"

// remoteOutput fetches a running execution's output from the node that
// runs it, with the caller's own credentials.
func (a *API) remoteOutput(r *http.Request, e *structs.Execution) ([]byte, error) {
	nodes, err := a.cfg.State().NodeRunners()
	if err != nil {
		return nil, err
	}
	addr := ""
	for _, n := range nodes {
		if n.Node == e.Node {
			addr = n.APIAddr
		}
	}
	if addr == "" {
		return nil, fmt.Errorf("node %s has no API address", e.Node)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	u := "http://" + addr + "/api/v1/executions/" + url.PathEscape(e.ID) + "/output"
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	for _, h := range []string{auth.HeaderToken, auth.HeaderAPIKey} {
		if v := r.Header.Get(h); v != "" {
			req.Header.Set(h, v)
		}
	}
	req.Header.Set(headerProxied, "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("node %s answered %s", e.Node, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 16<<20))
}
