package winrmrunner

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/Azure/go-ntlmssp"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// masterzen/winrm builds and parses the SOAP messages; this file sends
// them. Its Client cannot: it takes no context (so no timeout or cancel of
// a long-polling Receive), opens shells without Environment or
// WorkingDirectory, and flattens SOAP faults into strings. StackStorm
// likewise re-implements pywinrm's run loop for env, cwd and timeouts.

// operationTimeout is how long the host holds a Receive open waiting for
// output before answering w:TimedOut (pywinrm's default); requests get
// requestSlack more before the HTTP client gives up.
const (
	operationTimeout = 20 * time.Second
	requestSlack     = 10 * time.Second
	cleanupTimeout   = 5 * time.Second
)

var wsmanParams = winrm.NewParameters(fmt.Sprintf("PT%dS", int(operationTimeout/time.Second)), "en-US", 153600)

// session is one run's connection to one host.
type session struct {
	url, host      string
	port           int
	user, password string
	transport      string
	client         *http.Client
}

func newSession(p params) *session {
	tr := &http.Transport{
		Proxy:           http.ProxyFromEnvironment,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: !p.verifySSL}, // verify_ssl_cert
		DialContext:     (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
	}
	var rt http.RoundTripper = tr
	if p.transport == "ntlm" {
		// Negotiator turns the request's basic credentials into an NTLM
		// handshake when the host asks for it (as masterzen/winrm's ClientNTLM).
		rt = ntlmssp.Negotiator{RoundTripper: tr}
	}
	return &session{
		url: p.url(), host: p.host, port: p.port, user: p.username, password: p.password,
		transport: p.transport, client: &http.Client{Transport: rt},
	}
}

func (s *session) close() { s.client.CloseIdleConnections() }

// Fault is a WS-Management SOAP fault from the host.
type Fault struct {
	Subcode string // e.g. w:InvalidSelectors
	Reason  string
	Code    string // WSManFault code, e.g. 2150858793
	Message string // WSManFault message, often more specific than Reason
}

func (f *Fault) Error() string {
	msg := "WinRM fault"
	if f.Subcode != "" {
		msg += " " + f.Subcode
	}
	msg += ": " + f.Reason
	if f.Message != "" && f.Message != f.Reason {
		msg += " (" + f.Message + ")"
	}
	return msg
}

// timedOut is the fault a Receive gets when the command printed nothing
// within the operation timeout: a cue to ask again, not a failure.
func (f *Fault) timedOut() bool {
	return strings.HasSuffix(f.Subcode, ":TimedOut") || f.Code == "2150858793"
}

// post sends one SOAP message and returns the response envelope.
func (s *session) post(ctx context.Context, msg *soap.SoapMessage) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout+requestSlack)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, strings.NewReader(msg.String()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/soap+xml;charset=UTF-8")
	req.SetBasicAuth(s.user, s.password)
	resp, err := s.client.Do(req)
	if err != nil {
		return "", s.transportError(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return "", s.transportError(err)
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		return string(body), nil
	case resp.StatusCode == http.StatusUnauthorized:
		return "", fmt.Errorf("authentication failed: host %s rejected user %q (HTTP 401 with %s transport); check username, password and transport",
			s.host, s.user, s.transport)
	}
	if f := parseFault(body); f != nil {
		return "", f
	}
	snippet := strings.TrimSpace(string(body))
	if len(snippet) > 300 {
		snippet = snippet[:300] + "..."
	}
	return "", fmt.Errorf("WinRM on host %s answered HTTP %d: %s", s.host, resp.StatusCode, snippet)
}

// transportError names the host when it cannot be reached.
func (s *session) transportError(err error) error {
	var opErr *net.OpError
	var certErr *tls.CertificateVerificationError
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &certErr):
		return fmt.Errorf("TLS certificate of host %s not trusted (set verify_ssl_cert to false to skip the check): %w", s.host, err)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("failed to connect to WinRM on host %s port %d: %w", s.host, s.port, opErr)
	}
	return fmt.Errorf("WinRM request to %s failed: %w", s.url, err)
}

// parseFault reads a SOAP 1.2 Fault; nil if body is not one.
func parseFault(body []byte) *Fault {
	var env struct {
		Fault *struct {
			Subcode string   `xml:"Code>Subcode>Value"`
			Reason  []string `xml:"Reason>Text"`
			Detail  struct {
				Code    string `xml:"Code,attr"`
				Message struct {
					Inner []byte `xml:",innerxml"`
				} `xml:"Message"`
			} `xml:"Detail>WSManFault"`
		} `xml:"Body>Fault"`
	}
	if xml.Unmarshal(body, &env) != nil || env.Fault == nil {
		return nil
	}
	f := env.Fault
	return &Fault{Subcode: strings.TrimSpace(f.Subcode), Reason: strings.TrimSpace(strings.Join(f.Reason, " ")),
		Code: f.Detail.Code, Message: textOf(f.Detail.Message.Inner)}
}

// textOf is the character data of an XML fragment: a WSManFault Message
// may nest provider faults whose text is the useful part.
func textOf(fragment []byte) string {
	dec := xml.NewDecoder(strings.NewReader("<x>" + string(fragment) + "</x>"))
	var b strings.Builder
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if cd, ok := tok.(xml.CharData); ok {
			b.Write(cd)
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// openShell creates a cmd shell with the env and working directory, as
// StackStorm does (pywinrm's open_shell with env_vars, working_directory
// and the UTF-8 code page).
func (s *session) openShell(ctx context.Context, env map[string]string, cwd string) (string, error) {
	msg := soap.NewMessage()
	msg.Header().To(s.url).ReplyTo("http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous").
		MaxEnvelopeSize(wsmanParams.EnvelopeSize).Id(messageID()).Locale(wsmanParams.Locale).Timeout(wsmanParams.Timeout).
		Action("http://schemas.xmlsoap.org/ws/2004/09/transfer/Create").
		ResourceURI("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd").
		AddOption(soap.NewHeaderOption("WINRS_NOPROFILE", "FALSE")).
		AddOption(soap.NewHeaderOption("WINRS_CODEPAGE", "65001")).
		Build()
	shell := msg.CreateBodyElement("Shell", soap.DOM_NS_WIN_SHELL)
	msg.CreateElement(shell, "InputStreams", soap.DOM_NS_WIN_SHELL).SetContent("stdin")
	msg.CreateElement(shell, "OutputStreams", soap.DOM_NS_WIN_SHELL).SetContent("stdout stderr")
	// simplexml writes content and attributes verbatim: escape them here.
	if cwd != "" {
		msg.CreateElement(shell, "WorkingDirectory", soap.DOM_NS_WIN_SHELL).SetContent(escapeXML(cwd))
	}
	if len(env) > 0 {
		vars := msg.CreateElement(shell, "Environment", soap.DOM_NS_WIN_SHELL)
		names := make([]string, 0, len(env))
		for k := range env {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			msg.CreateElement(vars, "Variable", soap.DOM_NS_WIN_SHELL).SetAttr("Name", escapeXML(k)).SetContent(escapeXML(env[k]))
		}
	}
	resp, err := s.post(ctx, msg)
	if err != nil {
		return "", err
	}
	id, err := winrm.ParseOpenShellResponse(resp)
	if err != nil || id == "" {
		return "", fmt.Errorf("host %s answered Create without a ShellId", s.host)
	}
	return id, nil
}

// execute runs command in the shell until it ends or ctx does, writing its
// output as it arrives, then terminates it as pywinrm's cleanup_command.
func (s *session) execute(ctx context.Context, shellID, command string, stdout, stderr io.Writer) (int, error) {
	// The library wraps the line in CDATA; split any "]]>" across sections.
	command = strings.ReplaceAll(command, "]]>", "]]]]><![CDATA[>")
	resp, err := s.post(ctx, winrm.NewExecuteCommandRequest(s.url, shellID, command, nil, wsmanParams))
	if err != nil {
		return -1, err
	}
	cmdID, err := winrm.ParseExecuteCommandResponse(resp)
	if err != nil || cmdID == "" {
		return -1, fmt.Errorf("host %s answered Command without a CommandId", s.host)
	}
	defer s.cleanup(ctx, func(ctx context.Context) error {
		_, err := s.post(ctx, winrm.NewSignalRequest(s.url, shellID, cmdID, wsmanParams))
		return err
	})
	for {
		resp, err := s.post(ctx, winrm.NewGetOutputRequest(s.url, shellID, cmdID, "stdout stderr", wsmanParams))
		var f *Fault
		if errors.As(err, &f) && f.timedOut() {
			continue
		}
		if err != nil {
			return -1, err
		}
		done, code, err := winrm.ParseSlurpOutputErrResponse(resp, stdout, stderr)
		if err != nil {
			return -1, fmt.Errorf("host %s sent an unreadable Receive response: %w", s.host, err)
		}
		if done {
			return code, nil
		}
	}
}

// deleteShell closes the shell on the host.
func (s *session) deleteShell(ctx context.Context, shellID string) {
	s.cleanup(ctx, func(ctx context.Context) error {
		_, err := s.post(ctx, winrm.NewDeleteShellRequest(s.url, shellID, wsmanParams))
		return err
	})
}

// cleanup runs f even when the run's context has ended (a timeout must
// still terminate the command and close the shell), bounded on its own.
func (s *session) cleanup(ctx context.Context, f func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	_ = f(ctx) // best effort: the host reaps idle shells itself
}

func messageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func escapeXML(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
