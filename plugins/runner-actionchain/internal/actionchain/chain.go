package actionchain

import (
	"fmt"
	"sort"

	"go.yaml.in/yaml/v3"

	"github.com/squall-io/squall/sdk/expr/jinja"
)

// chain is a parsed action-chain definition (StackStorm's ActionChain
// model): the nodes in file order, the start node and the raw vars.
type chain struct {
	nodes   []*node
	byName  map[string]*node
	start   string
	vars    map[string]any
	hasVars bool
}

// node is one task of the chain.
type node struct {
	name      string
	ref       string
	params    map[string]any
	onSuccess string
	onFailure string
	publish   map[string]any
	notify    map[string]any
	// spec is the node as written, handed to the child as context.chain
	// (StackStorm passes the node's attributes there).
	spec map[string]any
}

var (
	chainKeys = map[string]bool{"chain": true, "default": true, "vars": true}
	nodeKeys  = map[string]bool{
		"name": true, "ref": true, "params": true, "parameters": true,
		"on-success": true, "on-failure": true, "publish": true, "notify": true,
	}
)

// parseChain reads and validates a chain file. StackStorm does this
// before running anything (pre_run), so every error here fails the chain
// without a task having started.
func parseChain(def []byte) (*chain, error) {
	var raw map[string]any
	if err := yaml.Unmarshal(def, &raw); err != nil {
		return nil, fmt.Errorf("failed to parse action chain definition: %w", err)
	}
	if raw == nil {
		return nil, fmt.Errorf("the action chain definition is empty")
	}
	for _, k := range sortedKeys(raw) {
		if !chainKeys[k] {
			return nil, fmt.Errorf("the action chain definition has an unknown property %q", k)
		}
	}
	list, ok := raw["chain"].([]any)
	if !ok {
		return nil, fmt.Errorf(`the action chain definition needs a "chain" list of tasks`)
	}
	c := &chain{byName: map[string]*node{}}
	for i, item := range list {
		n, err := parseNode(i, item)
		if err != nil {
			return nil, err
		}
		if _, dup := c.byName[n.name]; dup {
			return nil, fmt.Errorf("task name %q is used by more than one task", n.name)
		}
		c.nodes = append(c.nodes, n)
		c.byName[n.name] = n
	}
	if v, set := raw["vars"]; set && v != nil {
		if c.vars, ok = v.(map[string]any); !ok {
			return nil, fmt.Errorf(`"vars" must be a mapping of names to values`)
		}
		c.hasVars = true
	}
	if d, set := raw["default"]; set && d != nil {
		if c.start, ok = d.(string); !ok {
			return nil, fmt.Errorf(`"default" must be a task name`)
		}
	}
	return c, c.validate()
}

func parseNode(i int, item any) (*node, error) {
	spec, ok := item.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("task #%d of the chain is not a mapping", i+1)
	}
	n := &node{spec: spec}
	if n.name, ok = spec["name"].(string); !ok || n.name == "" {
		return nil, fmt.Errorf(`task #%d of the chain has no "name"`, i+1)
	}
	for _, k := range sortedKeys(spec) {
		if !nodeKeys[k] {
			return nil, fmt.Errorf("task %q has an unknown property %q", n.name, k)
		}
	}
	if n.ref, ok = spec["ref"].(string); !ok || n.ref == "" {
		return nil, fmt.Errorf(`task %q has no "ref" (the action to run)`, n.name)
	}
	var err error
	if n.params, err = mapping(spec, "params", n.name); err != nil {
		return nil, err
	}
	parameters, err := mapping(spec, "parameters", n.name)
	if err != nil {
		return nil, err
	}
	if len(n.params) > 0 && len(parameters) > 0 {
		return nil, fmt.Errorf(`task %q: give either "params" or "parameters", not both`, n.name)
	}
	if len(parameters) > 0 {
		n.params = parameters
	}
	if n.publish, err = mapping(spec, "publish", n.name); err != nil {
		return nil, err
	}
	if n.notify, err = mapping(spec, "notify", n.name); err != nil {
		return nil, err
	}
	for _, key := range []string{"on-success", "on-failure"} {
		v, set := spec[key]
		if !set || v == nil {
			continue
		}
		target, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("task %q: %q must be a task name", n.name, key)
		}
		if key == "on-success" {
			n.onSuccess = target
		} else {
			n.onFailure = target
		}
	}
	return n, nil
}

func mapping(spec map[string]any, key, name string) (map[string]any, error) {
	v, set := spec[key]
	if !set || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("task %q: %q must be a mapping", name, key)
	}
	return m, nil
}

// validate checks the links between tasks and picks the start task.
// Targets written as Jinja are left alone, as StackStorm does: they can
// only be known at run time.
func (c *chain) validate() error {
	if len(c.nodes) == 0 {
		return fmt.Errorf("the action chain has no tasks")
	}
	for _, n := range c.nodes {
		for _, link := range [...][2]string{{"on-success", n.onSuccess}, {"on-failure", n.onFailure}} {
			if target := link[1]; target != "" && !jinja.HasTemplate(target) && c.byName[target] == nil {
				return fmt.Errorf("unable to find task %q referenced in %q in task %q", target, link[0], n.name)
			}
		}
	}
	if c.start != "" {
		if c.byName[c.start] == nil {
			return fmt.Errorf("unable to find task %q referenced in \"default\"", c.start)
		}
		return nil
	}
	c.start = c.firstUnreferenced()
	return nil
}

// firstUnreferenced is StackStorm's default start: the first task no
// other task links to, or the first task when every task is a target
// (a chain that is one loop).
func (c *chain) firstUnreferenced() string {
	referenced := map[string]bool{}
	for _, n := range c.nodes {
		referenced[n.onSuccess], referenced[n.onFailure] = true, true
	}
	for _, n := range c.nodes {
		if !referenced[n.name] {
			return n.name
		}
	}
	return c.nodes[0].name
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
