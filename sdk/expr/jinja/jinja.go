// Package jinja renders StackStorm-compatible Jinja templates for action
// parameters, on top of gonja with StackStorm's custom filters.
package jinja

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/nikolalohinski/gonja/v2/builtins"
	"github.com/nikolalohinski/gonja/v2/config"
	"github.com/nikolalohinski/gonja/v2/exec"
	"github.com/nikolalohinski/gonja/v2/loaders"
	"github.com/nikolalohinski/gonja/v2/nodes"
	"github.com/nikolalohinski/gonja/v2/tokens"
)

const (
	// MaxOutput caps the rendered output in bytes.
	MaxOutput = 1 << 20
	// MaxDuration caps the wall time of one render.
	MaxDuration = 2 * time.Second
	// maxRange mirrors Jinja's sandbox MAX_RANGE: range(10000000000) would
	// otherwise spin long after its render has timed out.
	maxRange = 100000
	// noneMagic is what StackStorm's use_none filter yields for None; a whole
	// value equal to it stands for None (StackStorm casts it the same way).
	noneMagic = "%*****__%NONE%__*****%"
	rootName  = "/template"
)

var (
	errTooLong   = errors.New("template rendering took too long")
	errTooLarge  = fmt.Errorf("rendered output exceeds %d bytes", MaxOutput)
	environment  = newEnvironment()
	renderConfig = newConfig()
	strictConfig = newStrictConfig()
)

func newConfig() *config.Config {
	c := config.New()
	// StackStorm renders with trim_blocks and lstrip_blocks on.
	c.TrimBlocks = true
	c.LeftStripBlocks = true
	return c
}

func newStrictConfig() *config.Config {
	c := newConfig()
	c.StrictUndefined = true
	return c
}

func newEnvironment() *exec.Environment {
	// Copy gonja's filter set: registering into builtins.Filters would leak our
	// filters into every other gonja user of the process. NewFilterSet keeps
	// the map it is given, which lets us wrap every filter below.
	all := map[string]exec.FilterFunction{}
	filters := exec.NewFilterSet(all).Update(builtins.Filters)
	all["format"] = filterFormat
	for name, fn := range st2Filters {
		all[name] = fn
	}
	for name, fn := range all {
		all[name] = guarded(fn)
	}
	globals := exec.EmptyContext().Update(builtins.GlobalFunctions).Update(builtins.GlobalVariables)
	globals.Set("range", boundedRange)
	return &exec.Environment{
		Context:           globals,
		Filters:           filters,
		Tests:             builtins.Tests,
		ControlStructures: builtins.ControlStructures,
		Methods:           builtins.Methods,
	}
}

// stateKey holds the *renderState of a render in its context: filters and
// range look at it to stop a render whose caller has given up.
const stateKey = "__squall_render"

type renderState struct {
	deadline time.Time
	decrypt  func(string) (string, error)
	strict   bool
}

// config is the gonja configuration of a render.
func (s *renderState) config() *config.Config {
	if s.strict {
		return strictConfig
	}
	return renderConfig
}

// Options change how one render behaves.
type Options struct {
	// Decrypt turns a datastore ciphertext into its plaintext for the
	// decrypt_kv filter; without it decrypt_kv fails.
	Decrypt func(ciphertext string) (string, error)
	// StrictUndefined makes a reference to an undefined name an error
	// instead of "" (jinja2.StrictUndefined: StackStorm's action-chain
	// renders its params, publish and vars this way).
	StrictUndefined bool
}

// state returns the render state behind e, or nil.
func state(e *exec.Evaluator) *renderState {
	if e == nil || e.Environment == nil || e.Environment.Context == nil {
		return nil
	}
	v, _ := e.Environment.Context.Get(stateKey)
	s, _ := v.(*renderState)
	return s
}

// expired reports whether the render behind e is past its deadline; a
// template that overwrote the key counts as expired.
func expired(e *exec.Evaluator) bool {
	if e == nil || e.Environment == nil || e.Environment.Context == nil {
		return false
	}
	v, _ := e.Environment.Context.Get(stateKey)
	s, ok := v.(*renderState)
	return !ok || time.Now().After(s.deadline)
}

// guarded makes a filter fail once the render has timed out, so that an
// abandoned render stops at its next filter call instead of spinning on.
func guarded(fn exec.FilterFunction) exec.FilterFunction {
	return func(e *exec.Evaluator, in *exec.Value, params *exec.VarArgs) *exec.Value {
		if expired(e) {
			return exec.AsValue(errTooLong)
		}
		return fn(e, in, params)
	}
}

// HasTemplate reports whether s contains Jinja syntax (StackStorm's markers).
func HasTemplate(s string) bool {
	return strings.Contains(s, "{{") || strings.Contains(s, "{%")
}

// Render renders tmpl against ctx. A template that is a single "{{ expr }}"
// (whitespace around allowed) yields the expression's native value; anything
// else yields the rendered string. A string without Jinja syntax is returned
// unchanged.
func Render(tmpl string, ctx map[string]any) (any, error) {
	return RenderWith(tmpl, ctx, Options{})
}

// RenderWith is Render with options.
func RenderWith(tmpl string, ctx map[string]any, o Options) (any, error) {
	if !HasTemplate(tmpl) {
		return tmpl, nil
	}
	v, err := run(tmpl, ctx, true, o)
	if err != nil {
		return nil, err
	}
	if s, ok := v.(string); ok && s == noneMagic {
		return nil, nil
	}
	return v, nil
}

// RenderString renders tmpl against ctx and always returns a string.
func RenderString(tmpl string, ctx map[string]any) (string, error) {
	if !HasTemplate(tmpl) {
		return tmpl, nil
	}
	v, err := run(tmpl, ctx, false, Options{})
	if err != nil {
		return "", err
	}
	return v.(string), nil
}

// run renders in a goroutine so that a runaway template cannot hold the
// caller past MaxDuration. gonja offers no cancellation: the goroutine is
// abandoned, and stops at its next write, filter call or range().
func run(tmpl string, ctx map[string]any, native bool, o Options) (any, error) {
	deadline := time.Now().Add(MaxDuration)
	type result struct {
		v   any
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("template panicked: %v", p)}
			}
			done <- r
		}()
		r.v, r.err = render(tmpl, ctx, native, &renderState{deadline: deadline, decrypt: o.Decrypt, strict: o.StrictUndefined})
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return nil, fmt.Errorf("failed to render %s: %w", quote(tmpl), r.err)
		}
		return r.v, nil
	case <-timer.C:
		return nil, fmt.Errorf("failed to render %s: %w", quote(tmpl), errTooLong)
	}
}

// quote shortens the template for error messages: parameters can be large.
func quote(tmpl string) string {
	const limit = 120
	if len(tmpl) > limit {
		tmpl = tmpl[:limit] + "..."
	}
	return strconv.Quote(tmpl)
}

// Check parses tmpl without rendering it: a syntax error is reported
// before the template is ever used (a rule's criteria at create).
func Check(tmpl string) error {
	if !HasTemplate(tmpl) {
		return nil
	}
	loader, err := loaders.NewMemoryLoader(map[string]string{rootName: tmpl})
	if err != nil {
		return err
	}
	if _, err := exec.NewTemplate(rootName, renderConfig, loader, environment); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "failed to parse template '"+tmpl+"': "))
	}
	return checkPercentFormat(tmpl)
}

func render(tmpl string, ctx map[string]any, native bool, st *renderState) (any, error) {
	// An in-memory loader holding only this template: include/import/extends
	// must not read the host's files.
	loader, err := loaders.NewMemoryLoader(map[string]string{rootName: tmpl})
	if err != nil {
		return nil, err
	}
	t, err := exec.NewTemplate(rootName, st.config(), loader, environment)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "failed to parse template '"+tmpl+"': "))
	}
	if err := checkPercentFormat(tmpl); err != nil {
		return nil, err
	}
	vars := normalizeMap(ctx)
	vars[stateKey] = st
	data := exec.NewContext(vars)
	if native {
		if expr := singleOutput(t.Root()); expr != nil {
			return evalNative(expr, loader, data, st.config())
		}
	}
	w := &limitedWriter{deadline: st.deadline}
	if err := t.Execute(w, data); err != nil {
		return nil, err
	}
	return w.b.String(), nil
}

// singleOutput returns the only {{ }} of a template made of that output and
// whitespace, or nil.
func singleOutput(root *nodes.Template) *nodes.Output {
	if root.Parent != nil {
		return nil
	}
	var out *nodes.Output
	for _, n := range root.Nodes {
		switch n := n.(type) {
		case *nodes.Data:
			if strings.TrimSpace(n.Data.Val) != "" {
				return nil
			}
		case *nodes.Output:
			if out != nil {
				return nil
			}
			out = n
		default:
			return nil
		}
	}
	return out
}

func evalNative(out *nodes.Output, loader loaders.Loader, data *exec.Context, cfg *config.Config) (any, error) {
	e := &exec.Evaluator{
		Config: cfg.Inherit(),
		Environment: &exec.Environment{
			Context:           environment.Context.Inherit().Update(data),
			Filters:           environment.Filters,
			Tests:             environment.Tests,
			ControlStructures: environment.ControlStructures,
			Methods:           environment.Methods,
		},
		Loader: loader,
	}
	expr := out.Expression
	if out.Condition != nil {
		cond := e.Eval(out.Condition)
		if cond.IsError() {
			return nil, cond.Interface().(error)
		}
		if !cond.IsTrue() {
			if out.Alternative == nil {
				return "", nil
			}
			expr = out.Alternative
		}
	}
	v := e.Eval(expr)
	if v.IsError() {
		return nil, v.Interface().(error)
	}
	if v.IsNil() {
		// Undefined renders as "" in StackStorm (jinja2.Undefined).
		return "", nil
	}
	p, err := plain(v)
	if err != nil {
		return v.String(), nil
	}
	if s, ok := p.(string); ok && len(s) > MaxOutput {
		return nil, errTooLarge
	}
	return p, nil
}

// checkPercentFormat refuses 'literal' % args: gonja computes an integer
// modulo there, so Python's %-formatting would silently render "0".
func checkPercentFormat(tmpl string) error {
	s := tokens.LexAll(tmpl, renderConfig)
	for ; !s.End(); s.Next() {
		if s.Current().Type == tokens.String && s.Peek() != nil && s.Peek().Type == tokens.Modulo {
			return fmt.Errorf("python %%-formatting is not supported (line %d), use the format filter: '%%s-%%s' | format(a, b)", s.Current().Line)
		}
	}
	return nil
}

// limitedWriter enforces MaxOutput and the deadline on every write, which is
// where a runaway loop shows up.
type limitedWriter struct {
	b        strings.Builder
	deadline time.Time
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxOutput {
		return 0, errTooLarge
	}
	if time.Now().After(w.deadline) {
		return 0, errTooLong
	}
	return w.b.Write(p)
}

// boundedRange replaces gonja's range (a lazy generator goroutine) with an
// eager, capped one.
func boundedRange(e *exec.Evaluator, params *exec.VarArgs) ([]int, error) {
	if expired(e) {
		return nil, errTooLong
	}
	start, stop, step := 0, 0, 1
	for _, a := range params.Args {
		if !a.IsInteger() {
			return nil, errors.New("range expects integer arguments")
		}
	}
	switch len(params.Args) {
	case 1:
		stop = params.Args[0].Integer()
	case 2:
		start, stop = params.Args[0].Integer(), params.Args[1].Integer()
	case 3:
		start, stop, step = params.Args[0].Integer(), params.Args[1].Integer(), params.Args[2].Integer()
	default:
		return nil, errors.New("range expects [start, ]stop[, step]")
	}
	if step == 0 {
		return nil, errors.New("range step cannot be 0")
	}
	n := 0
	if step > 0 && stop > start {
		n = (stop - start + step - 1) / step
	} else if step < 0 && stop < start {
		n = (start - stop - step - 1) / -step
	}
	if n > maxRange {
		return nil, fmt.Errorf("range of %d items exceeds the limit of %d", n, maxRange)
	}
	out := make([]int, n)
	for i := range out {
		out[i] = start + i*step
	}
	return out, nil
}

// normalizeMap deep-copies ctx so that templates cannot mutate the caller's
// data, turning json.Number into int64 or float64 as Python's json would.
func normalizeMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = normalize(v)
	}
	return out
}

func normalize(v any) any {
	switch v := v.(type) {
	case map[string]any:
		return normalizeMap(v)
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalize(e)
		}
		return out
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		if f, err := v.Float64(); err == nil {
			return f
		}
		return v.String()
	case int:
		return int64(v)
	case float64:
		// Values that went through Go's JSON decoding are float64 even
		// when they were written as integers; Python's json would have an
		// int. A whole number renders as one ("5", not "5.0").
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int64(v)
		}
	}
	return v
}

// plain converts a gonja value to plain data (map[string]any, []any, string,
// int64, float64, bool, nil).
func plain(v *exec.Value) (any, error) {
	if v.IsError() {
		return nil, v.Interface().(error)
	}
	if v.IsCallable() {
		return nil, errors.New("a callable is not data")
	}
	p := v.ToGoSimpleType(false)
	if err, ok := p.(error); ok {
		return nil, err
	}
	return fixInts(p)
}

func fixInts(v any) (any, error) {
	switch v := v.(type) {
	case nil, bool, string, float64, int64:
		return v, nil
	case int:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case []any:
		for i, e := range v {
			f, err := fixInts(e)
			if err != nil {
				return nil, err
			}
			v[i] = f
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			f, err := fixInts(e)
			if err != nil {
				return nil, err
			}
			v[k] = f
		}
		return v, nil
	}
	return nil, fmt.Errorf("%T is not data", v)
}
