package api

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/squall-io/squall/cluster/structs"
	"github.com/squall-io/squall/host/auth"
)

func (a *API) sensorRoutes(r *mux.Router) {
	r.HandleFunc("/sensortypes", a.authed(a.listSensors)).Methods(http.MethodGet)
	r.HandleFunc("/sensortypes/{ref}", a.authed(a.getSensor)).Methods(http.MethodGet)
	r.HandleFunc("/sensortypes/{ref}", a.authed(a.updateSensor)).Methods(http.MethodPut)
}

func (a *API) sensorView(x *structs.Sensor) map[string]any {
	v := map[string]any{
		"id": x.ID, "uid": x.UID(), "ref": x.Ref, "pack": x.Pack, "name": x.Name, "class_name": x.ClassName,
		"description": x.Description, "entry_point": x.EntryPoint, "enabled": x.Enabled,
		"trigger_types": nonNilStrings(x.TriggerTypes), "metadata_file": x.MetadataFile,
	}
	if x.PollInterval > 0 {
		v["poll_interval"] = x.PollInterval
	}
	if x.Plugin != "" {
		v["plugin"] = x.Plugin
	}
	if a.cfg.Sensors != nil { // the leader knows how its sensors run
		if st, ok := a.cfg.Sensors.Statuses()[x.Ref]; ok {
			v["status"] = st
		}
	}
	return v
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (a *API) listSensors(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	all, _, err := a.cfg.State().Sensors()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var out []map[string]any
	for _, x := range all {
		if (q.Get("pack") != "" && x.Pack != q.Get("pack")) || (q.Get("enabled") != "" && (q.Get("enabled") == "true") != x.Enabled) ||
			(q.Get("trigger") != "" && !contains(x.TriggerTypes, q.Get("trigger"))) {
			continue
		}
		out = append(out, a.sensorView(x))
	}
	return writePage(w, r, out)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (a *API) sensor(refOrID string) (*structs.Sensor, error) {
	st := a.cfg.State()
	if x, err := st.SensorGet(refOrID); err == nil {
		return x, nil
	}
	all, _, err := st.Sensors()
	if err != nil {
		return nil, err
	}
	for _, x := range all {
		if x.ID == refOrID {
			return x, nil
		}
	}
	return nil, structs.Errorf(structs.KindNotFound, "Resource with a reference or id %q not found", refOrID)
}

func (a *API) getSensor(w http.ResponseWriter, r *http.Request, _ *auth.Identity) error {
	x, err := a.sensor(mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.sensorView(x))
	return nil
}

// updateSensor changes what an operator may change of a sensor: enabled.
func (a *API) updateSensor(w http.ResponseWriter, r *http.Request, id *auth.Identity) error {
	if err := requireAdmin(id.IsAdmin, "changing sensors"); err != nil {
		return err
	}
	x, err := a.sensor(mux.Vars(r)["ref"])
	if err != nil {
		return err
	}
	var body struct {
		Enabled *bool `json:"enabled"`
	}
	if err := decodeLenient(r, &body); err != nil {
		return err
	}
	if body.Enabled == nil {
		return structs.Errorf(structs.KindInvalid, "give \"enabled\": true or false (the only field a sensor update changes)")
	}
	next, err := a.cfg.Sensors.SetEnabled(r.Context(), x, *body.Enabled)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a.sensorView(next))
	return nil
}
