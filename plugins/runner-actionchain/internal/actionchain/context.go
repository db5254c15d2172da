package actionchain

// The render contexts below follow StackStorm's action-chain runner: each
// later layer hides an earlier name (a var named like a task hides the
// task's result; __results still reaches it).

// varsContext is what vars see at start: the chain's input parameters and
// the datastore.
func (s *step) varsContext() map[string]any {
	ctx := map[string]any{}
	s.r.withDatastore(ctx, s.chain.vars)
	for k, v := range s.req.Parameters {
		ctx[k] = v
	}
	return ctx
}

// paramsContext is what a task's parameters see: input parameters, each
// earlier task's latest result by task name, the chain's vars and
// published values, __results, the datastore, action_context (the chain's
// execution as parent) and config_context.
func (s *step) paramsContext(n *node) map[string]any {
	ctx := s.chainContext()
	s.r.withDatastore(ctx, n.params)
	ctx["action_context"] = map[string]any{"parent": s.parentContext()}
	// The pack's config is not part of a step request; StackStorm's
	// config_context stays empty here rather than undefined.
	ctx["config_context"] = map[string]any{}
	return ctx
}

// publishContext is what publish sees once a task ended: the same as its
// parameters, with the task's own result under its name, and without
// action_context.
func (s *step) publishContext(n *node, result any) map[string]any {
	ctx := s.chainContext()
	ctx[n.name] = result
	s.r.withDatastore(ctx, n.publish)
	return ctx
}

func (s *step) chainContext() map[string]any {
	ctx := map[string]any{}
	for k, v := range s.req.Parameters {
		ctx[k] = v
	}
	for k, v := range s.st.Results {
		ctx[k] = v
	}
	for k, v := range s.st.Vars {
		ctx[k] = v
	}
	ctx["__results"] = s.st.Results
	return ctx
}

// parentContext is the chain execution's context with its id, which
// StackStorm gives tasks as action_context.parent.
func (s *step) parentContext() map[string]any {
	parent := map[string]any{"execution_id": s.req.ExecutionID}
	for k, v := range s.req.Context {
		parent[k] = v
	}
	return parent
}

// taskContext is merged into the task's execution context: "chain" is the
// task as written (StackStorm's context.chain). "notify" is the task's own
// notify settings; "skip_notify" says the task is in the skip_notify
// runner parameter, so that it inherits no notification from the chain.
func (s *step) taskContext(n *node) map[string]any {
	ctx := map[string]any{"chain": n.spec}
	switch {
	case s.opts.skipNotify[n.name]:
		ctx["skip_notify"] = true
	case len(n.notify) > 0:
		ctx["notify"] = n.notify
	}
	return ctx
}
