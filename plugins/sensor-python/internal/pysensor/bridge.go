package pysensor

import (
	"bytes"
	"encoding/json"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/python"
)

// request is one line from the sensor: a datastore call (sdk/python), or
// dispatch, log, started, failed.
type request struct {
	python.DatastoreCall
	Trigger  string         `json:"trigger"`
	Payload  map[string]any `json:"payload"`
	TraceTag string         `json:"trace_tag"`
	Level    string         `json:"level"`
	Message  string         `json:"message"`
	Logger   string         `json:"logger"`
}

// serve answers the sensor's calls until it closes the channel.
func (s *session) serve() {
	python.Serve(s.pipes.Requests, s.pipes.Answers, func(line []byte) (python.Answer, bool) {
		var r request
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.UseNumber()
		if err := dec.Decode(&r); err != nil {
			return python.Answer{Error: "bad request from the sensor: " + err.Error()}, true
		}
		return s.handle(r)
	})
}

func (s *session) handle(r request) (python.Answer, bool) {
	host := s.run.Host
	switch r.Op {
	case "started":
		s.markStarted()
		return python.Answer{}, false
	case "failed":
		s.mu.Lock()
		s.failure = r.Message
		s.mu.Unlock()
		return python.Answer{}, false
	case "log":
		fields := map[string]string{"logger": r.Logger}
		if err := host.Log(s.calls, hostservice.LogRequest{Level: r.Level, Message: r.Message, Fields: fields}); err != nil {
			s.logger.Debug("failed to log a sensor's record", "error", err)
		}
		return python.Answer{}, false
	case "dispatch":
		id, err := host.Dispatch(s.calls, hostservice.DispatchRequest{Trigger: r.Trigger, Payload: r.Payload, TraceTag: r.TraceTag})
		if err != nil {
			return python.Answer{Error: err.Error()}, true
		}
		return python.Answer{OK: true, Value: id}, true
	}
	return python.Datastore(s.calls, host, r.DatastoreCall), true
}
