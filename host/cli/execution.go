package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/urfave/cli/v3"
)

func (a *app) executionCommand() *cli.Command {
	std := func(extra ...cli.Flag) []cli.Flag { return flags(authFlags(), outputFlags(), extra) }
	getFlags := std(
		&cli.BoolFlag{Name: "detail", Aliases: []string{"d"}, Usage: "show every attribute"},
		&cli.StringFlag{Name: "key", Aliases: []string{"k"}, Usage: "show only this key of the result"},
		&cli.StringSliceFlag{Name: "attr", Usage: "attributes to show"},
		&cli.BoolFlag{Name: "exclude-result", Aliases: []string{"x"}, Usage: "leave out the result"},
		&cli.BoolFlag{Name: "show-tasks", Usage: "show a workflow's tasks"},
	)
	return &cli.Command{
		Name: "execution", Usage: "action executions",
		Commands: []*cli.Command{
			{Name: "list", Usage: "list executions, newest first", Action: a.executionList, Flags: std(
				&cli.IntFlag{Name: "last", Aliases: []string{"n"}, Value: 50, Usage: "how many executions"},
				&cli.StringFlag{Name: "sort", Aliases: []string{"s"}, Value: "descending", Usage: "ascending or descending"},
				&cli.StringFlag{Name: "action", Usage: "only this action's executions"},
				&cli.StringFlag{Name: "status", Usage: "only executions with this status"},
				&cli.StringFlag{Name: "user", Usage: "only this user's executions"},
				&cli.StringFlag{Name: "trigger_instance", Usage: "only executions of this trigger instance"},
				&cli.StringFlag{Name: "timestamp-gt", Aliases: []string{"tg"}, Usage: "started after (ISO 8601)"},
				&cli.StringFlag{Name: "timestamp-lt", Aliases: []string{"tl"}, Usage: "started before (ISO 8601)"},
				&cli.BoolFlag{Name: "showall", Aliases: []string{"l"}, Usage: "show every attribute"},
				&cli.StringSliceFlag{Name: "attr", Aliases: []string{"a"}, Usage: "attributes to show"},
				&cli.StringSliceFlag{Name: "width", Aliases: []string{"w"}, Usage: "column widths"},
			)},
			{Name: "get", Usage: "show executions", ArgsUsage: "id [id ...]", Action: a.executionGet, Flags: getFlags},
			{Name: "cancel", Usage: "cancel executions", ArgsUsage: "id [id ...]", Action: a.executionCancel, Flags: std()},
			{Name: "pause", Usage: "pause workflow executions", ArgsUsage: "ids [ids ...]", Action: a.executionSetStatus("pausing"), Flags: std()},
			{Name: "resume", Usage: "resume paused workflow executions", ArgsUsage: "ids [ids ...]", Action: a.executionSetStatus("resuming"), Flags: std()},
			{Name: "re-run", Usage: "run an execution's action again with its parameters", ArgsUsage: "id [parameters ...]",
				Action: a.executionReRun, Flags: std(
					&cli.BoolFlag{Name: "async", Aliases: []string{"a"}, Usage: "do not wait for it to finish"},
					&cli.StringSliceFlag{Name: "tasks", Usage: "workflow tasks to re-run"},
					&cli.StringSliceFlag{Name: "no-reset", Usage: "with-items tasks not to reset"},
					&cli.BoolFlag{Name: "detail", Aliases: []string{"d"}, Usage: "show every attribute"},
					&cli.StringFlag{Name: "key", Aliases: []string{"k"}, Usage: "show only this key of the result"},
				)},
			{Name: "tail", Usage: "stream an execution's output until it ends", ArgsUsage: "id", Action: a.executionTail, Flags: std(
				&cli.StringFlag{Name: "type", Usage: "stdout or stderr (default: both)"},
				&cli.BoolFlag{Name: "include-metadata", Usage: "prefix each line with its stream and time"},
			)},
		},
	}
}

func (a *app) executionList(ctx context.Context, cmd *cli.Command) error {
	q := url.Values{}
	for flag, param := range map[string]string{
		"action": "action", "status": "status", "user": "user", "trigger_instance": "trigger_instance",
		"timestamp-gt": "timestamp_gt", "timestamp-lt": "timestamp_lt",
	} {
		setIf(q, param, cmd.String(flag))
	}
	last := cmd.Int("last")
	if last == 0 || last < -1 {
		return usagef("-n/--last must be a positive number or -1 for all")
	}
	q.Set("limit", strconv.Itoa(int(last)))
	switch cmd.String("sort") {
	case "asc", "ascending":
		q.Set("sort_asc", "true")
	case "desc", "descending", "":
	default:
		return usagef("-s/--sort must be ascending or descending")
	}
	var items []map[string]any
	h, err := a.call(cmd, "GET", "/executions", q, nil, &items)
	if err != nil {
		return err
	}
	p := newPrinter(a, cmd)
	if p.structured(items) {
		return nil
	}
	rows := make([]any, 0, len(items))
	for _, e := range items {
		rows = append(rows, flattenExecution(e))
	}
	p.list(rows, executionColumns)
	if total, _ := strconv.Atoi(h.Get("X-Total-Count")); last > 0 && total > int(last) {
		fmt.Fprintf(a.opts.Stderr, "Note: Only first %d action executions are displayed. Use -n/--last flag for more results.\n", last)
	}
	return nil
}

func (a *app) executionGet(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() == 0 {
		return usagef("execution get: expected at least one id")
	}
	for _, id := range cmd.Args().Slice() {
		var e map[string]any
		if _, err := a.call(cmd, "GET", "/executions/"+url.PathEscape(id), nil, nil, &e); err != nil {
			return err
		}
		if cmd.Bool("exclude-result") {
			delete(e, "result")
		}
		p := newPrinter(a, cmd)
		switch {
		case p.structured(e):
		case len(cmd.StringSlice("attr")) > 0:
			p.object(flattenExecution(e), nil)
		case cmd.Bool("detail"):
			p.object(e, sortedKeys(e))
		default:
			printExecution(a.opts.Stdout, e, cmd.String("key"))
		}
	}
	return nil
}

func (a *app) executionCancel(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() == 0 {
		return usagef("execution cancel: expected at least one id")
	}
	for _, id := range cmd.Args().Slice() {
		var e map[string]any
		if _, err := a.call(cmd, "DELETE", "/executions/"+url.PathEscape(id), nil, nil, &e); err != nil {
			return err
		}
		if !newPrinter(a, cmd).structured(e) {
			fmt.Fprintf(a.opts.Stdout, "action execution with id %s canceled.\n", id)
		}
	}
	return nil
}

func (a *app) executionSetStatus(status string) cli.ActionFunc {
	return func(ctx context.Context, cmd *cli.Command) error {
		if cmd.Args().Len() == 0 {
			return usagef("expected at least one id")
		}
		for _, id := range cmd.Args().Slice() {
			var e map[string]any
			if _, err := a.call(cmd, "PUT", "/executions/"+url.PathEscape(id), nil, map[string]any{"status": status}, &e); err != nil {
				return err
			}
			if p := newPrinter(a, cmd); !p.structured(e) {
				printExecution(a.opts.Stdout, e, "")
			}
		}
		return nil
	}
}

func (a *app) executionReRun(ctx context.Context, cmd *cli.Command) error {
	args := cmd.Args().Slice()
	if len(args) == 0 {
		return usagef("execution re-run: expected an id")
	}
	p := map[string]any{}
	for _, arg := range args[1:] {
		k, v, ok := strings.Cut(arg, "=")
		if !ok {
			return usagef("parameter without a key: %q (use key=value)", arg)
		}
		p[k] = v
	}
	body := map[string]any{"parameters": p, "tasks": cmd.StringSlice("tasks"), "reset": cmd.StringSlice("no-reset")}
	var e map[string]any
	if _, err := a.call(cmd, "POST", "/executions/"+url.PathEscape(args[0])+"/re_run", nil, body, &e); err != nil {
		return err
	}
	id := fmt.Sprint(e["id"])
	if cmd.Bool("async") {
		if !newPrinter(a, cmd).structured(e) {
			fmt.Fprintf(a.opts.Stdout, "To get the results, execute:\n st2 execution get %s\n", id)
		}
		return nil
	}
	e, err := a.waitExecution(ctx, cmd, id)
	if err != nil {
		return err
	}
	return a.showExecution(cmd, e)
}

func (a *app) executionTail(ctx context.Context, cmd *cli.Command) error {
	if cmd.Args().Len() != 1 {
		return usagef("execution tail: expected one id")
	}
	id := cmd.Args().First()
	var e map[string]any
	if _, err := a.call(cmd, "GET", "/executions/"+url.PathEscape(id), nil, nil, &e); err != nil {
		return err
	}
	if status := fmt.Sprint(e["status"]); executionDone(status) {
		fmt.Fprintf(a.opts.Stdout, "Execution %s has completed (status=%s).\n", id, status)
		return nil
	}
	return a.tail(ctx, cmd, id, cmd.String("type"))
}

// tail prints an execution's output from the event stream until the
// execution ends. Output printed before the stream connected is fetched
// first, so nothing is lost.
func (a *app) tail(ctx context.Context, cmd *cli.Command, id, only string) error {
	c, err := a.client(cmd)
	if err != nil {
		return err
	}
	q := url.Values{"events": {"st2.execution.output__create,st2.execution__update"}}
	req, err := http.NewRequestWithContext(ctx, "GET", c.s.streamURL+"/stream?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	if err := c.authenticate(req, request{}); err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: c.http.Transport}).Do(req)
	if err != nil {
		return fmt.Errorf("failed to reach the stream at %s: %w", c.s.streamURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the stream answered %s", resp.Status)
	}
	// Connected: now nothing printed from here on is missed.
	var status map[string]any
	if _, err := c.api("GET", "/executions/"+url.PathEscape(id), nil, nil, &status); err != nil {
		return err
	}
	seen := 0
	if out, err := c.text("/executions/"+url.PathEscape(id)+"/output", nil); err == nil {
		if only == "" {
			fmt.Fprint(a.opts.Stdout, out)
		}
		seen = len(out)
	}
	if executionDone(fmt.Sprint(status["status"])) {
		return nil
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var event string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var data map[string]any
			if json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &data) != nil {
				continue
			}
			switch event {
			case "st2.execution.output__create":
				if data["execution_id"] != id || (only != "" && data["output_type"] != only) {
					continue
				}
				// Output read before may arrive again: skip by offset.
				chunk := fmt.Sprint(data["data"])
				offset := 0
				if n, ok := data["offset"].(float64); ok {
					offset = int(n)
				}
				if offset+len(chunk) <= seen {
					continue
				}
				if offset < seen {
					chunk = chunk[seen-offset:]
				}
				fmt.Fprint(a.opts.Stdout, chunk)
			case "st2.execution__update":
				if data["id"] == id && executionDone(fmt.Sprint(data["status"])) {
					return nil
				}
			}
		}
	}
	return sc.Err()
}
