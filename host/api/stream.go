package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
)

func (a *API) streamRoutes(r *mux.Router) {
	r.HandleFunc("/stream", a.authed(a.stream)).Methods(http.MethodGet)
}

// streamHeartbeat keeps idle connections (and proxies) alive.
const streamHeartbeat = 15 * time.Second

// stream serves StackStorm's event stream (server-sent events: `event: X`
// then `data: JSON`). For now it carries datastore changes as
// st2.key_value_pair__create/update/value_change/delete; later milestones
// add executions and trigger instances. ?events=a,b filters by name.
func (a *API) stream(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	flusher, ok := w.(http.Flusher)
	if !ok {
		return structs.Errorf(structs.KindInternal, "streaming is not supported by this connection")
	}
	filter := eventFilter(r.URL.Query().Get("events"))
	w.Header().Set("Content-Type", "text/event-stream; charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	_, _ = fmt.Fprint(w, "retry: 5000\n\n")
	flusher.Flush()
	cursor := a.cfg.Datastore.LastEventSeq()
	for {
		evs, ws, next, err := a.cfg.Datastore.EventsSince(caller(id), cursor)
		if err != nil {
			return nil // headers are sent; the client reconnects
		}
		cursor = next
		for _, ev := range evs {
			name := "st2.key_value_pair__" + ev.Type
			if !filter(name) {
				continue
			}
			data, _ := json.Marshal(ev.Item)
			if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data); err != nil {
				return nil
			}
		}
		flusher.Flush()
		ctx, cancel := context.WithTimeout(r.Context(), streamHeartbeat)
		err = ws.WatchCtx(ctx)
		cancel()
		if r.Context().Err() != nil {
			return nil
		}
		if err != nil { // heartbeat: a comment line
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return nil
			}
			flusher.Flush()
		}
	}
}

// eventFilter matches event names against a comma-separated list; an
// empty list matches everything.
func eventFilter(list string) func(string) bool {
	if list == "" {
		return func(string) bool { return true }
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		want[strings.TrimSpace(n)] = true
	}
	return func(name string) bool { return want[name] }
}
