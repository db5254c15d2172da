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
	"github.com/squall-io/squall/host/events"
	"github.com/squall-io/squall/host/executions"
)

func (a *API) streamRoutes(r *mux.Router) {
	r.HandleFunc("/stream", a.authed(a.stream)).Methods(http.MethodGet)
}

// streamHeartbeat keeps idle connections (and proxies) alive.
const streamHeartbeat = 15 * time.Second

// stream serves StackStorm's event stream (server-sent events: `event: X`
// then `data: JSON`): datastore changes (st2.key_value_pair__*), execution
// changes (st2.execution__create/update), and from this node's bus the
// output of executions it runs (st2.execution.output__create) and
// announcements. ?events=a,b filters by name.
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
	sub := a.cfg.Bus.Subscribe(1024)
	defer sub.Close()
	s := &streamer{w: w, filter: filter}
	cursor := a.cfg.Datastore.LastEventSeq()
	execCursor, _ := a.cfg.State().ExecLastModified()
	for s.err == nil {
		evs, ws, next, err := a.cfg.Datastore.EventsSince(caller(id), cursor)
		if err != nil {
			return nil // headers are sent; the client reconnects
		}
		cursor = next
		for _, ev := range evs {
			s.send("st2.key_value_pair__"+ev.Type, ev.Item)
		}
		st := a.cfg.State()
		execs, execCh, err := st.ExecsModifiedSince(execCursor)
		if err != nil {
			return nil
		}
		for _, e := range execs {
			name := "st2.execution__update"
			if e.CreateIdx == e.ModifyIdx {
				name = "st2.execution__create"
			}
			if s.filter(name) {
				s.send(name, executions.View(st, e))
			}
			execCursor = max(execCursor, e.ModifySeq)
		}
		s.drain(sub.C)
		flusher.Flush()
		ws.Add(execCh)
		ctx, cancel := context.WithTimeout(r.Context(), streamHeartbeat)
		select {
		case err = <-ws.WatchCh(ctx):
		case ev := <-sub.C:
			s.send(ev.Name, ev.Data)
		}
		cancel()
		if r.Context().Err() != nil {
			return nil
		}
		if err != nil { // heartbeat: a comment line
			s.comment("keep-alive")
		}
		flusher.Flush()
	}
	return nil
}

// streamer writes server-sent events and remembers the first write error.
type streamer struct {
	w      http.ResponseWriter
	filter func(string) bool
	err    error
}

func (s *streamer) send(name string, data any) {
	if s.err != nil || !s.filter(name) {
		return
	}
	b, err := json.Marshal(data)
	if err != nil {
		return
	}
	_, s.err = fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", name, b)
}

func (s *streamer) comment(text string) {
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, ": %s\n\n", text)
	}
}

// drain sends the bus events already waiting.
func (s *streamer) drain(c <-chan events.Event) {
	for {
		select {
		case ev := <-c:
			s.send(ev.Name, ev.Data)
		default:
			return
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
