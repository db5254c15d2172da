package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/squall-io/squall/cluster/structs"
)

// statusOf maps an error's Kind to an HTTP status.
func statusOf(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch structs.KindOf(err) {
	case structs.KindNotFound:
		return http.StatusNotFound
	case structs.KindConflict:
		return http.StatusConflict
	case structs.KindInvalid:
		return http.StatusBadRequest
	case structs.KindUnauthorized:
		return http.StatusUnauthorized
	case structs.KindForbidden:
		return http.StatusForbidden
	case structs.KindUnavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// fault is StackStorm's error body.
type fault struct {
	Faultstring string `json:"faultstring"`
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	msg := err.Error()
	if status == http.StatusRequestEntityTooLarge {
		msg = "request body is larger than the limit of " + humanBytes(a.maxBody(r)) + " for this endpoint"
	}
	if status == http.StatusInternalServerError {
		a.logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "error", err)
		msg = "Internal Server Error: " + msg
	}
	writeJSON(w, status, fault{Faultstring: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// decodeBody reads a JSON body strictly: unknown fields, trailing data and
// wrong types are errors that name the problem.
func decodeBody(r *http.Request, out any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return finishDecode(dec, out)
}

func finishDecode(dec *json.Decoder, out any) error {
	if err := dec.Decode(out); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return structs.Errorf(structs.KindInvalid, "invalid request body: field %q must be of type %s, got %s", te.Field, jsonType(te.Type.String()), te.Value)
		}
		return structs.Errorf(structs.KindInvalid, "invalid request body: %v", err)
	}
	if dec.More() {
		return structs.Errorf(structs.KindInvalid, "invalid request body: unexpected data after the JSON value")
	}
	return nil
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return itoa(n>>20) + " MiB"
	case n >= 1<<10:
		return itoa(n>>10) + " KiB"
	}
	return itoa(n) + " bytes"
}

// jsonType names a Go type the way a JSON user thinks of it.
func jsonType(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "int", "int64", "int32", "uint64":
		return "integer"
	case "float64":
		return "number"
	}
	if strings.HasPrefix(goType, "[]") {
		return "array"
	}
	return "object"
}
