package api

import (
	"strconv"
	"strings"

	"github.com/squall-io/squall/cluster/structs"
)

// parseBool reads a boolean query parameter the way StackStorm's API
// accepts them; empty is false.
func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return false, structs.Errorf(structs.KindInvalid, "query parameter %q must be a boolean, got %q", name, v)
}

// parseInt reads an integer query parameter; empty gives dflt.
func parseInt(name, v string, dflt int) (int, error) {
	if v == "" {
		return dflt, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, structs.Errorf(structs.KindInvalid, "query parameter %q must be an integer, got %q", name, v)
	}
	return n, nil
}

// requireAdmin refuses non-admin callers.
func requireAdmin(isAdmin bool, what string) error {
	if !isAdmin {
		return structs.Errorf(structs.KindForbidden, "%s requires administrator access", what)
	}
	return nil
}
