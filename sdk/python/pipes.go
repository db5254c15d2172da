package python

import (
	"os"
	"os/exec"
	"syscall"
)

// Pipes are one interpreter's channels. The exported files are our ends;
// the child gets the others, in fd order 1 (stdout), 2 (stderr), 3
// (requests), 4 (answers) and, when asked for, 5 (events).
type Pipes struct {
	Stdout   *os.File // read end of its stdout
	Stderr   *os.File // read end of its stderr
	Requests *os.File // read end of its fd 3: calls from Python
	Answers  *os.File // write end of its fd 4: the answers
	Events   *os.File // write end of its fd 5 (nil unless asked for)

	theirs []*os.File
}

// NewPipes makes the pipes; events adds fd 5.
func NewPipes(events bool) (*Pipes, error) {
	p := &Pipes{}
	type pair struct {
		ours **os.File
		toUs bool // the child writes, we read
	}
	pairs := []pair{{&p.Stdout, true}, {&p.Stderr, true}, {&p.Requests, true}, {&p.Answers, false}}
	if events {
		pairs = append(pairs, pair{&p.Events, false})
	}
	for _, pr := range pairs {
		r, w, err := os.Pipe()
		if err != nil {
			p.Close()
			p.CloseTheirs()
			return nil, err
		}
		if pr.toUs {
			*pr.ours = r
			p.theirs = append(p.theirs, w)
		} else {
			*pr.ours = w
			p.theirs = append(p.theirs, r)
		}
	}
	return p, nil
}

// Theirs are the child's ends in fd order from 1, for handing them to a
// process started some other way (a fork server).
func (p *Pipes) Theirs() []*os.File { return p.theirs }

// Command returns python with args wired to the pipes, in a process group
// of its own so that killing the group kills whatever it started. The
// caller sets Dir and Env, starts it, then calls CloseTheirs.
func (p *Pipes) Command(python string, args ...string) *exec.Cmd {
	cmd := exec.Command(python, args...)
	cmd.Stdout, cmd.Stderr = p.theirs[0], p.theirs[1]
	cmd.ExtraFiles = p.theirs[2:] // from fd 3
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// CloseTheirs closes our copies of the child's ends once it has them, so
// that we see EOF when it exits.
func (p *Pipes) CloseTheirs() {
	for _, f := range p.theirs {
		f.Close()
	}
}

// Close closes our ends.
func (p *Pipes) Close() {
	for _, f := range []*os.File{p.Stdout, p.Stderr, p.Requests, p.Answers, p.Events} {
		if f != nil {
			f.Close()
		}
	}
}
