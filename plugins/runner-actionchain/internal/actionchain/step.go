package actionchain

import (
	"fmt"

	"github.com/squall-io/squall/sdk/workflow"
)

// step is one Step call: the request, the chain's state as it changes,
// and the renderer that caches the datastore for this call only.
type step struct {
	req   *workflow.StepRequest
	opts  options
	chain *chain
	st    *chainState
	r     *renderer
}

func (s *step) done() bool {
	switch s.st.Status {
	case workflow.StatusSucceeded, workflow.StatusFailed, workflow.StatusCanceled:
		return true
	}
	return false
}

func (s *step) respond(start []workflow.TaskStart, cancel []string) (*workflow.StepResponse, error) {
	state, err := s.st.encode()
	if err != nil {
		return nil, err
	}
	return &workflow.StepResponse{
		State: state, Status: s.st.Status, Start: start, Cancel: cancel,
		Result: s.st.result(s.opts.displayPublished),
	}, nil
}

// fail ends the chain with a top-level error, as StackStorm does for
// anything that goes wrong outside a task (definition, rendering, links).
func (s *step) fail(msg string) (*workflow.StepResponse, error) {
	s.st.Error = msg
	return s.finish(workflow.StatusFailed)
}

func (s *step) finish(status string) (*workflow.StepResponse, error) {
	s.st.Status, s.st.Running, s.st.Next, s.st.Final = status, nil, "", ""
	return s.respond(nil, nil)
}

// start validates the chain, renders vars and starts the first task.
func (s *step) start() (*workflow.StepResponse, error) {
	var err error
	if s.chain, err = parseChain(s.req.Definition); err != nil {
		return s.fail(err.Error())
	}
	if s.chain.hasVars {
		vars, err := s.r.renderMap(s.chain.vars, s.varsContext())
		if err != nil {
			return s.fail(fmt.Sprintf("failed to initialize the chain's vars: %v", err))
		}
		s.st.Vars = vars
	}
	return s.startNode(s.chain.start)
}

// startNode renders a task's parameters and asks the host to run it.
func (s *step) startNode(name string) (*workflow.StepResponse, error) {
	n := s.chain.byName[name]
	if n == nil {
		// The chain file changed under a paused chain.
		return s.fail(fmt.Sprintf("unable to find task %q", name))
	}
	if s.st.Runs >= s.opts.maxTaskRuns {
		return s.fail(fmt.Sprintf("failed to run task %q: the chain already ran %d tasks (max_task_runs)", name, s.st.Runs))
	}
	params, err := s.r.renderMap(n.params, s.paramsContext(n))
	if err != nil {
		return s.fail(fmt.Sprintf("failed to run task %q: parameter rendering failed: %v", name, err))
	}
	s.st.Runs++
	taskID := fmt.Sprintf("%s.%d", name, s.st.Runs)
	s.st.Running = &running{TaskID: taskID, Node: name}
	s.st.Status = workflow.StatusRunning
	return s.respond([]workflow.TaskStart{{
		TaskID: taskID, Name: name, Action: n.ref, Parameters: params, Context: s.taskContext(n),
	}}, nil)
}

// taskDone records a task's end, publishes, and follows on-success or
// on-failure. As in StackStorm, publish runs whatever the task's status
// (a failed task's result is published too), and the chain ends with the
// status of the last task it ran: a failure handled by an on-failure task
// that succeeds ends the chain succeeded.
func (s *step) taskDone() (*workflow.StepResponse, error) {
	ev := s.req.Event
	run := s.st.Running
	if run == nil || run.TaskID != ev.TaskID {
		return nil, fmt.Errorf("task %q is not running in this chain", ev.TaskID)
	}
	s.st.Running = nil
	s.st.Results[run.Node] = ev.Result
	s.st.Tasks = append(s.st.Tasks, taskRecord{
		ID: run.Node, Name: run.Node, ExecutionID: ev.ExecutionID, State: ev.Status, Result: ev.Result,
	})
	n := s.chain.byName[run.Node]
	if n == nil {
		return s.fail(fmt.Sprintf("task %q is no longer in the chain's definition", run.Node))
	}
	if len(n.publish) > 0 {
		published, err := s.r.renderMap(n.publish, s.publishContext(n, ev.Result))
		if err != nil {
			return s.fail(fmt.Sprintf("failed to publish from task %q: %v", n.name, err))
		}
		for k, v := range published {
			s.st.Vars[k], s.st.Published[k] = v, v
		}
	}
	next, final := n.onFailure, workflow.StatusFailed
	switch ev.Status {
	case workflow.StatusCanceled:
		return s.finish(workflow.StatusCanceled)
	case workflow.StatusSucceeded:
		next, final = n.onSuccess, workflow.StatusSucceeded
	}
	if next != "" && s.chain.byName[next] == nil {
		// Only a Jinja link gets here (validation skips them, as in
		// StackStorm, which does not render links either).
		return s.fail(fmt.Sprintf("failed to get the task after %q: unable to find task %q (links are task names, not templates)", n.name, next))
	}
	switch s.st.Status {
	case workflow.StatusCanceling:
		return s.finish(workflow.StatusCanceled)
	case workflow.StatusPausing:
		s.st.Status, s.st.Next, s.st.Final = workflow.StatusPaused, next, final
		return s.respond(nil, nil)
	}
	return s.follow(next, final)
}

// follow starts the next task, or ends the chain when there is none.
func (s *step) follow(next, final string) (*workflow.StepResponse, error) {
	if next == "" {
		return s.finish(final)
	}
	return s.startNode(next)
}

// pause waits for the running task: the chain is pausing until it ends,
// then paused before the next task.
func (s *step) pause() (*workflow.StepResponse, error) {
	if s.st.Status == workflow.StatusRunning {
		s.st.Status = workflow.StatusPausing
		if s.st.Running == nil {
			s.st.Status = workflow.StatusPaused
		}
	}
	return s.respond(nil, nil)
}

// resume continues where the chain stopped: a pausing chain simply runs
// on; a paused one starts the task it would have started.
func (s *step) resume() (*workflow.StepResponse, error) {
	switch s.st.Status {
	case workflow.StatusPausing:
		s.st.Status = workflow.StatusRunning
	case workflow.StatusPaused:
		next, final := s.st.Next, s.st.Final
		s.st.Status, s.st.Next, s.st.Final = workflow.StatusRunning, "", ""
		return s.follow(next, final)
	}
	return s.respond(nil, nil)
}

// cancel asks the host to cancel the running task; the chain is canceled
// when that task's end is reported. A chain between tasks (paused) is
// canceled at once.
func (s *step) cancel() (*workflow.StepResponse, error) {
	if s.st.Status == workflow.StatusCanceling {
		return s.respond(nil, nil)
	}
	if s.st.Running == nil {
		return s.finish(workflow.StatusCanceled)
	}
	s.st.Status = workflow.StatusCanceling
	return s.respond(nil, []string{s.st.Running.TaskID})
}
