package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"

	"github.com/urfave/cli/v3"
	"go.yaml.in/yaml/v3"
)

// loadFields are what `key load` sends of each item; the rest of what
// `key list -j` prints (id, uid, expire_timestamp) is the server's.
var loadFields = []string{"name", "value", "scope", "user", "secret", "encrypted", "ttl", "description"}

func (a *app) keyLoad(ctx context.Context, cmd *cli.Command) error {
	path, err := oneArg(cmd, "file")
	if err != nil {
		return err
	}
	items, err := readKVFile(path, cmd.Bool("convert"))
	if err != nil {
		return err
	}
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	var stored []any
	_, err = c.api("POST", "/keys", nil, items, &stored)
	if notSupported(err) {
		stored, err = c.putEach(items)
	}
	if err != nil {
		return err
	}
	newPrinter(a, cmd).list(stored, kvColumns)
	return nil
}

// putEach is key load against StackStorm: one PUT per item (not atomic).
func (c *client) putEach(items []map[string]any) ([]any, error) {
	var out []any
	for _, it := range items {
		var stored any
		if _, err := c.api("PUT", "/keys/"+url.PathEscape(it["name"].(string)), nil, it, &stored); err != nil {
			return out, err
		}
		out = append(out, stored)
	}
	return out, nil
}

// readKVFile reads and checks every item before anything is sent: a list
// of items, one item, or a plain {name: value} mapping, in JSON or YAML.
func readKVFile(path string, convert bool) ([]map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("failed to read %s: %w", path, err)
	}
	var doc any
	if json.Valid(bytes.TrimSpace(data)) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		err = dec.Decode(&doc)
	} else {
		err = yaml.Unmarshal(data, &doc)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is neither valid JSON nor YAML: %w", path, err)
	}
	var raw []any
	switch t := doc.(type) {
	case []any:
		raw = t
	case map[string]any:
		if _, ok := t["name"]; ok {
			raw = []any{t}
		} else {
			for k, v := range t {
				raw = append(raw, map[string]any{"name": k, "value": v})
			}
		}
	default:
		return nil, fmt.Errorf("%s: expected a list of items or a mapping", path)
	}
	items := make([]map[string]any, 0, len(raw))
	for i, r := range raw {
		it, err := checkItem(i+1, r, convert)
		if err != nil {
			return nil, fmt.Errorf("%s: %w; nothing was loaded", path, err)
		}
		items = append(items, it)
	}
	return items, nil
}

func checkItem(n int, raw any, convert bool) (map[string]any, error) {
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("item %d is not an object", n)
	}
	name, ok := m["name"].(string)
	if !ok || name == "" {
		return nil, fmt.Errorf("item %d has no name", n)
	}
	v, ok := m["value"]
	if !ok {
		return nil, fmt.Errorf("item %d (%q) has no value", n, name)
	}
	if _, isString := v.(string); !isString {
		if !convert {
			return nil, fmt.Errorf("item %d (%q) has a non-string value; use -c/--convert to store it as JSON", n, name)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("item %d (%q): %w", n, name, err)
		}
		m["value"] = string(b)
	}
	out := map[string]any{}
	for _, f := range loadFields {
		if val, ok := m[f]; ok && val != nil {
			out[f] = val
		}
	}
	// An item listed with its secret encrypted loads as ciphertext; one
	// listed decrypted loads as a secret to encrypt again.
	if enc, _ := out["encrypted"].(bool); enc {
		out["secret"] = true
	}
	return out, nil
}
