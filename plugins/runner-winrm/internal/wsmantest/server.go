// Package wsmantest is a fake WinRM endpoint for tests: an HTTP server that
// speaks the WS-Management Windows Remote Shell protocol (MS-WSMV) the way
// a Windows host does, with HTTP basic authentication. It parses the
// client's SOAP envelopes, checks their actions, selectors and auth, records
// what it was asked to run, and answers each command as the test scripts.
package wsmantest

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf16"
)

// Action URIs. Create and Delete are WS-Transfer's; the rest are the
// Windows shell's own.
const (
	ActionCreate  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
	ActionDelete  = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
	ActionCommand = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Command"
	ActionReceive = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive"
	ActionSignal  = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal"

	ResourceCmd     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
	SignalTerminate = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/signal/terminate"
	stateDone       = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Done"
	stateRunning    = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandState/Running"
)

// Command is one command the server received, with the shell it ran in.
type Command struct {
	ShellID, ID string
	Line        string            // the CommandLine's Command element
	Args        []string          // its Arguments elements
	Env         map[string]string // the shell's Environment variables
	Cwd         string            // the shell's WorkingDirectory
	Options     map[string]string // the Create request's WINRS_* options
}

// PowerShell is the script of a "powershell -encodedcommand <base64>"
// line, decoded from UTF-16LE; ok is false for any other line.
func (c Command) PowerShell() (script string, ok bool) {
	const prefix = "powershell -encodedcommand "
	if !strings.HasPrefix(c.Line, prefix) {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(c.Line, prefix))
	if err != nil || len(raw)%2 != 0 {
		return "", false
	}
	units := make([]uint16, len(raw)/2)
	for i := range units {
		units[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	return string(utf16.Decode(units)), true
}

// Reply scripts how a command behaves.
type Reply struct {
	Stdout, Stderr []string // chunks, one per Receive answer
	ExitCode       int
	Hang           bool   // never reach Done: Receive long-polls until the client gives up
	TimedOutPolls  int    // answer this many Receives with w:TimedOut first, as an idle command does
	Fault          *Fault // answer the Command request with this fault instead
}

// Fault is a WS-Management SOAP fault.
type Fault struct {
	Subcode string // e.g. w:InvalidSelectors, w:AccessDenied
	Reason  string
	Code    string // the WSManFault Code attribute
	Message string // the WSManFault Message, if any
}

// Op is one request the server handled, in order.
type Op struct {
	Action    string // the short name: Create, Command, Receive, Signal, Delete
	ShellID   string
	CommandID string
	Signal    string // Signal's code
}

// TB is what the server needs of its test: testing.TB has it, and so
// does wsmanserver's stand-in for use outside `go test`.
type TB interface {
	Cleanup(func())
	Errorf(format string, args ...any)
}

// Server is the fake endpoint.
type Server struct {
	*httptest.Server
	t              TB
	user, password string
	reply          func(Command) Reply
	// CreateFault, when set, answers every Create with it.
	CreateFault *Fault

	mu       sync.Mutex
	nextID   int
	shells   map[string]*shell
	commands []Command
	ops      []Op
}

type shell struct {
	cmd      Command // the shell's settings; Line and ID are per command
	commands map[string]*running
}

type running struct {
	reply  Reply
	polls  int
	signal chan struct{} // closed by Signal
}

// New starts a plain-HTTP server accepting user and password; reply
// decides each command's outcome. It closes when the test ends.
func New(t TB, user, password string, reply func(Command) Reply) *Server {
	return start(t, user, password, reply, httptest.NewServer)
}

// NewTLS is New over HTTPS with httptest's self-signed certificate.
func NewTLS(t TB, user, password string, reply func(Command) Reply) *Server {
	return start(t, user, password, reply, httptest.NewTLSServer)
}

func start(t TB, user, password string, reply func(Command) Reply, mk func(http.Handler) *httptest.Server) *Server {
	s := &Server{t: t, user: user, password: password, reply: reply, shells: map[string]*shell{}}
	s.Server = mk(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Host and Port are where the server listens.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.Listener.Addr().String()); return h }

// Port is the listening port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Listener.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// Commands returns the commands received so far.
func (s *Server) Commands() []Command {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Command(nil), s.commands...)
}

// Ops returns the requests handled so far.
func (s *Server) Ops() []Op {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Op(nil), s.ops...)
}

// OpenShells counts shells created and not yet deleted.
func (s *Server) OpenShells() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.shells)
}

// envelope is the part of a client request the server reads.
type envelope struct {
	Action           string      `xml:"Header>Action"`
	MessageID        string      `xml:"Header>MessageID"`
	ResourceURI      string      `xml:"Header>ResourceURI"`
	OperationTimeout string      `xml:"Header>OperationTimeout"`
	Selectors        []nameValue `xml:"Header>SelectorSet>Selector"`
	Options          []nameValue `xml:"Header>OptionSet>Option"`
	Shell            *struct {
		InputStreams     string      `xml:"InputStreams"`
		OutputStreams    string      `xml:"OutputStreams"`
		WorkingDirectory string      `xml:"WorkingDirectory"`
		Environment      []nameValue `xml:"Environment>Variable"`
	} `xml:"Body>Shell"`
	CommandLine *struct {
		Command   string   `xml:"Command"`
		Arguments []string `xml:"Arguments"`
	} `xml:"Body>CommandLine"`
	Receive *struct {
		CommandID string `xml:"CommandId,attr"`
		Streams   string `xml:",chardata"`
	} `xml:"Body>Receive>DesiredStream"`
	Signal *struct {
		CommandID string `xml:"CommandId,attr"`
		Code      string `xml:"Code"`
	} `xml:"Body>Signal"`
}

type nameValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/wsman" || r.Method != http.MethodPost {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.password {
		w.Header().Set("WWW-Authenticate", `Basic realm="WSMAN"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/soap+xml") {
		s.t.Errorf("wsmantest: Content-Type %q, want application/soap+xml", ct)
		http.Error(w, "bad content type", http.StatusUnsupportedMediaType)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var env envelope
	if err := xml.Unmarshal(body, &env); err != nil {
		s.t.Errorf("wsmantest: malformed envelope: %v\n%s", err, body)
		http.Error(w, "malformed envelope", http.StatusBadRequest)
		return
	}
	h := &env
	if !strings.HasPrefix(h.MessageID, "uuid:") || h.ResourceURI != ResourceCmd {
		s.t.Errorf("wsmantest: MessageID %q / ResourceURI %q", h.MessageID, h.ResourceURI)
		s.fault(w, h.MessageID, &Fault{Subcode: "w:InvalidParameter", Reason: "bad header"})
		return
	}
	shellID := ""
	for _, sel := range h.Selectors {
		if sel.Name == "ShellId" {
			shellID = sel.Value
		}
	}
	switch h.Action {
	case ActionCreate:
		s.create(w, &env)
	case ActionCommand, ActionReceive, ActionSignal, ActionDelete:
		s.mu.Lock()
		sh := s.shells[shellID]
		s.mu.Unlock()
		if sh == nil {
			s.fault(w, h.MessageID, &Fault{Subcode: "w:InvalidSelectors", Code: "2150858843",
				Reason: "The WS-Management service cannot process the request because the request contained invalid selectors for the resource."})
			return
		}
		switch h.Action {
		case ActionCommand:
			s.command(w, &env, shellID, sh)
		case ActionReceive:
			s.receive(w, r, &env, shellID, sh)
		case ActionSignal:
			s.signal(w, &env, shellID, sh)
		default:
			s.mu.Lock()
			delete(s.shells, shellID)
			s.ops = append(s.ops, Op{Action: "Delete", ShellID: shellID})
			s.mu.Unlock()
			s.respond(w, h.MessageID, "http://schemas.xmlsoap.org/ws/2004/09/transfer/DeleteResponse", "")
		}
	default:
		s.t.Errorf("wsmantest: unexpected action %q", h.Action)
		s.fault(w, h.MessageID, &Fault{Subcode: "w:ActionNotSupported", Reason: "The action is not supported by the service."})
	}
}

func (s *Server) create(w http.ResponseWriter, env *envelope) {
	if f := s.CreateFault; f != nil {
		s.fault(w, env.MessageID, f)
		return
	}
	if env.Shell == nil || env.Shell.InputStreams != "stdin" || env.Shell.OutputStreams != "stdout stderr" {
		s.t.Errorf("wsmantest: Create without a proper Shell body: %+v", env.Shell)
		s.fault(w, env.MessageID, &Fault{Subcode: "w:SchemaValidationError", Reason: "bad Shell"})
		return
	}
	cmd := Command{Env: map[string]string{}, Cwd: env.Shell.WorkingDirectory, Options: map[string]string{}}
	for _, v := range env.Shell.Environment {
		cmd.Env[v.Name] = v.Value
	}
	for _, o := range env.Options {
		cmd.Options[o.Name] = o.Value
	}
	s.mu.Lock()
	s.nextID++
	id := fmt.Sprintf("SHELL-%04d", s.nextID)
	cmd.ShellID = id
	s.shells[id] = &shell{cmd: cmd, commands: map[string]*running{}}
	s.ops = append(s.ops, Op{Action: "Create", ShellID: id})
	s.mu.Unlock()
	s.respond(w, env.MessageID, "http://schemas.xmlsoap.org/ws/2004/09/transfer/CreateResponse",
		`<x:ResourceCreated><a:Address>`+esc(s.URL)+`/wsman</a:Address><a:ReferenceParameters>`+
			`<w:ResourceURI>`+ResourceCmd+`</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">`+id+
			`</w:Selector></w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>`)
}

func (s *Server) command(w http.ResponseWriter, env *envelope, shellID string, sh *shell) {
	if env.CommandLine == nil {
		s.t.Errorf("wsmantest: Command without a CommandLine")
		s.fault(w, env.MessageID, &Fault{Subcode: "w:SchemaValidationError", Reason: "no CommandLine"})
		return
	}
	s.mu.Lock()
	s.nextID++
	cmd := sh.cmd
	cmd.ID = fmt.Sprintf("CMD-%04d", s.nextID)
	cmd.Line, cmd.Args = env.CommandLine.Command, env.CommandLine.Arguments
	s.commands = append(s.commands, cmd)
	s.ops = append(s.ops, Op{Action: "Command", ShellID: shellID, CommandID: cmd.ID})
	s.mu.Unlock()
	reply := s.reply(cmd) // outside the lock: tests may call back into the server
	if reply.Fault != nil {
		s.fault(w, env.MessageID, reply.Fault)
		return
	}
	s.mu.Lock()
	sh.commands[cmd.ID] = &running{reply: reply, signal: make(chan struct{})}
	s.mu.Unlock()
	s.respond(w, env.MessageID, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/CommandResponse",
		`<rsp:CommandResponse><rsp:CommandId>`+cmd.ID+`</rsp:CommandId></rsp:CommandResponse>`)
}

// receive answers one Receive: the next output chunk, Done with the exit
// code after the last, or, like Windows, a w:TimedOut fault when there is
// nothing to say within the request's OperationTimeout.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, env *envelope, shellID string, sh *shell) {
	if env.Receive == nil || env.Receive.Streams != "stdout stderr" {
		s.t.Errorf("wsmantest: Receive without DesiredStream stdout stderr: %+v", env.Receive)
	}
	id := ""
	if env.Receive != nil {
		id = env.Receive.CommandID
	}
	s.mu.Lock()
	run := sh.commands[id]
	s.ops = append(s.ops, Op{Action: "Receive", ShellID: shellID, CommandID: id})
	var chunk int
	if run != nil {
		chunk = run.polls
		run.polls++
	}
	s.mu.Unlock()
	if run == nil {
		s.fault(w, env.MessageID, &Fault{Subcode: "w:InvalidParameter", Reason: "unknown CommandId " + id})
		return
	}
	timedOut := &Fault{Subcode: "w:TimedOut", Code: "2150858793",
		Reason: "The WS-Management service cannot complete the operation within the time specified in OperationTimeout."}
	if chunk < run.reply.TimedOutPolls {
		s.fault(w, env.MessageID, timedOut)
		return
	}
	chunk -= run.reply.TimedOutPolls
	n := max(len(run.reply.Stdout), len(run.reply.Stderr), 1)
	if chunk >= n && run.reply.Hang {
		select {
		case <-r.Context().Done():
			return
		case <-run.signal:
		case <-time.After(parseDuration(env.OperationTimeout)):
		}
		s.fault(w, env.MessageID, timedOut)
		return
	}
	var b strings.Builder
	b.WriteString("<rsp:ReceiveResponse>")
	for _, stream := range []struct {
		name   string
		chunks []string
	}{{"stdout", run.reply.Stdout}, {"stderr", run.reply.Stderr}} {
		if chunk < len(stream.chunks) && stream.chunks[chunk] != "" {
			fmt.Fprintf(&b, `<rsp:Stream Name="%s" CommandId="%s">%s</rsp:Stream>`, stream.name, id,
				base64.StdEncoding.EncodeToString([]byte(stream.chunks[chunk])))
		}
	}
	if chunk >= n-1 && !run.reply.Hang {
		fmt.Fprintf(&b, `<rsp:Stream Name="stdout" CommandId="%[1]s" End="true"></rsp:Stream>`+
			`<rsp:Stream Name="stderr" CommandId="%[1]s" End="true"></rsp:Stream>`+
			`<rsp:CommandState CommandId="%[1]s" State="%[2]s"><rsp:ExitCode>%[3]d</rsp:ExitCode></rsp:CommandState>`,
			id, stateDone, run.reply.ExitCode)
	} else {
		fmt.Fprintf(&b, `<rsp:CommandState CommandId="%s" State="%s"/>`, id, stateRunning)
	}
	b.WriteString("</rsp:ReceiveResponse>")
	s.respond(w, env.MessageID, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/ReceiveResponse", b.String())
}

func (s *Server) signal(w http.ResponseWriter, env *envelope, shellID string, sh *shell) {
	if env.Signal == nil {
		s.t.Errorf("wsmantest: Signal without a Signal body")
		s.fault(w, env.MessageID, &Fault{Subcode: "w:SchemaValidationError", Reason: "no Signal"})
		return
	}
	s.mu.Lock()
	run := sh.commands[env.Signal.CommandID]
	s.ops = append(s.ops, Op{Action: "Signal", ShellID: shellID, CommandID: env.Signal.CommandID, Signal: env.Signal.Code})
	if run != nil {
		select {
		case <-run.signal:
		default:
			close(run.signal)
		}
	}
	s.mu.Unlock()
	if run == nil {
		s.fault(w, env.MessageID, &Fault{Subcode: "w:InvalidParameter", Reason: "unknown CommandId"})
		return
	}
	s.respond(w, env.MessageID, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/SignalResponse", "<rsp:SignalResponse/>")
}

const namespaces = `xmlns:s="http://www.w3.org/2003/05/soap-envelope" ` +
	`xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" ` +
	`xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" ` +
	`xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" ` +
	`xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" ` +
	`xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"`

func (s *Server) respond(w http.ResponseWriter, relatesTo, action, body string) {
	s.write(w, http.StatusOK, relatesTo, action, body)
}

// fault answers as Windows does: HTTP 500 with a SOAP 1.2 Fault.
func (s *Server) fault(w http.ResponseWriter, relatesTo string, f *Fault) {
	code := "s:Sender"
	if f.Subcode == "w:TimedOut" {
		code = "s:Receiver"
	}
	detail := ""
	if f.Code != "" || f.Message != "" {
		detail = fmt.Sprintf(`<s:Detail><f:WSManFault Code="%s" Machine="wsmantest"><f:Message>%s</f:Message></f:WSManFault></s:Detail>`,
			esc(f.Code), esc(f.Message))
	}
	s.write(w, http.StatusInternalServerError, relatesTo, "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault",
		`<s:Fault><s:Code><s:Value>`+code+`</s:Value><s:Subcode><s:Value>`+esc(f.Subcode)+`</s:Value></s:Subcode></s:Code>`+
			`<s:Reason><s:Text xml:lang="en-US">`+esc(f.Reason)+`</s:Text></s:Reason>`+detail+`</s:Fault>`)
}

func (s *Server) write(w http.ResponseWriter, status int, relatesTo, action, body string) {
	w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<s:Envelope xml:lang="en-US" %s><s:Header><a:Action>%s</a:Action>`+
		`<a:MessageID>uuid:00000000-0000-0000-0000-%012d</a:MessageID>`+
		`<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>`+
		`<a:RelatesTo>%s</a:RelatesTo></s:Header><s:Body>%s</s:Body></s:Envelope>`,
		namespaces, action, time.Now().UnixNano()%1e12, esc(relatesTo), body)
}

func esc(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// parseDuration reads an xs:duration of seconds such as PT20S or PT1.5S;
// anything else counts as 60s, WinRM's default.
func parseDuration(d string) time.Duration {
	if f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(d, "PT"), "S"), 64); err == nil && f > 0 {
		return time.Duration(f * float64(time.Second))
	}
	return 60 * time.Second
}
