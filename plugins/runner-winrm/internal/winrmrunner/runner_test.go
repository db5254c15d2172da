package winrmrunner

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/squall-io/squall/plugins/runner-winrm/internal/wsmantest"
	"github.com/squall-io/squall/sdk/runner"
	"github.com/squall-io/squall/sdk/runner/runnertest"
)

const user, password = `CORP\st2`, "s3cr3t!"

func num(n int) json.Number { return json.Number(strconv.Itoa(n)) }

// ok answers every command with out and exit code 0.
func ok(out ...string) func(wsmantest.Command) wsmantest.Reply {
	return func(wsmantest.Command) wsmantest.Reply { return wsmantest.Reply{Stdout: out} }
}

// lastPS is the decoded PowerShell of the last command the server ran.
func lastPS(t *testing.T, srv *wsmantest.Server) string {
	t.Helper()
	cmds := srv.Commands()
	if len(cmds) == 0 {
		t.Fatal("the server received no command")
	}
	ps, isPS := cmds[len(cmds)-1].PowerShell()
	if !isPS {
		t.Fatalf("command %q is not powershell -encodedcommand <UTF-16LE base64>", cmds[len(cmds)-1].Line)
	}
	return ps
}

func actions(srv *wsmantest.Server) string {
	var out []string
	for _, op := range srv.Ops() {
		out = append(out, op.Action)
	}
	return strings.Join(out, ",")
}

func TestWinRMThroughGRPC(t *testing.T) {
	h := runnertest.New(t, New(), nil)
	if info := h.Info(t); len(info.RunnerTypes) != 3 || info.RunnerTypes[2].Name != TypePSScript {
		t.Fatalf("info: %+v", info)
	}
	dir := t.TempDir()
	script := "param([string]$Name, [int]$Count, [double]$Ratio, [switch]$Force, [string[]]$Tags, [hashtable]$Opts, [string]$Path)\n" +
		"Write-Output \"Hello $Name\"\n"
	entry := filepath.Join(dir, "hello.ps1")
	if err := os.WriteFile(entry, []byte("\ufeff"+script), 0o644); err != nil {
		t.Fatal(err)
	}
	big := "# " + strings.Repeat("padding ", 600) + "\nWrite-Output done\n" // > 8191 chars once encoded
	bigEntry := filepath.Join(dir, "big.ps1")
	if err := os.WriteFile(bigEntry, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	specs := map[string]any{
		"Name": map[string]any{"type": "string"}, "Count": map[string]any{"type": "integer"},
		"Ratio": map[string]any{"type": "number"}, "Force": map[string]any{"type": "boolean"},
		"Tags": map[string]any{"type": "array"}, "Opts": map[string]any{"type": "object"},
		"Path": map[string]any{"type": "string", "position": num(0)},
	}
	uploaded := map[string]string{} // the big script, reassembled from its chunks

	tests := []struct {
		name    string
		typ     string
		rp      map[string]any // on top of host, username, password
		req     runner.Request // Parameters and Action only
		reply   func(wsmantest.Command) wsmantest.Reply
		badPass bool
		tls     bool
		status  runner.Status
		want    map[string]any // result fields that must match exactly
		has     string         // a substring of the JSON result
		check   func(t *testing.T, srv *wsmantest.Server, o runnertest.Outcome)
	}{
		{name: "winrm-cmd runs ipconfig", typ: TypeCmd, rp: map[string]any{"cmd": "ipconfig /all"},
			reply:  ok("Windows IP Configuration\r\n", "   IPv4 Address. . . : 10.0.0.5\r\n"),
			status: runner.StatusSucceeded,
			want: map[string]any{"stdout": "Windows IP Configuration\r\n   IPv4 Address. . . : 10.0.0.5\r\n",
				"stderr": "", "return_code": num(0), "succeeded": true, "failed": false},
			check: func(t *testing.T, srv *wsmantest.Server, o runnertest.Outcome) {
				c := srv.Commands()[0]
				if c.Line != "ipconfig /all" || len(c.Args) != 0 || c.Options["WINRS_CODEPAGE"] != "65001" {
					t.Fatalf("server received %+v", c)
				}
				if o.Stdout != "Windows IP Configuration\r\n   IPv4 Address. . . : 10.0.0.5\r\n" {
					t.Fatalf("streamed %q", o.Stdout)
				}
				if got := actions(srv); got != "Create,Command,Receive,Receive,Signal,Delete" {
					t.Fatalf("ops %s", got)
				}
			}},
		{name: "winrm-cmd keeps XML and CDATA terminators intact", typ: TypeCmd,
			rp: map[string]any{"cmd": `echo a]]>b & echo <c> "d"`}, reply: ok("x"), status: runner.StatusSucceeded,
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				if c := srv.Commands()[0]; c.Line != `echo a]]>b & echo <c> "d"` {
					t.Fatalf("server received %q", c.Line)
				}
			}},
		{name: "winrm-ps-cmd encodes the command", typ: TypePSCmd,
			rp:    map[string]any{"cmd": `Get-Service -Name "W32Time" | Select-Object -ExpandProperty Status`},
			reply: ok("Running\r\n"), status: runner.StatusSucceeded, want: map[string]any{"stdout": "Running\r\n"},
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				if ps := lastPS(t, srv); ps != `Get-Service -Name "W32Time" | Select-Object -ExpandProperty Status` {
					t.Fatalf("decoded %q", ps)
				}
			}},
		{name: "JSON output is parsed", typ: TypePSCmd, rp: map[string]any{"cmd": "Get-Date | ConvertTo-Json"},
			reply: ok(`{"Year": 2024,`, ` "Tags": ["a"]}`+"\r\n"), status: runner.StatusSucceeded,
			want: map[string]any{"stdout": map[string]any{"Year": json.Number("2024"), "Tags": []any{"a"}}}},
		{name: "winrm-ps-script passes named and positional parameters", typ: TypePSScript, rp: map[string]any{},
			req: runner.Request{Action: runner.Action{EntryPoint: entry, ParameterSpecs: specs}, Parameters: map[string]any{
				"Name": "it's \"$HOME\"\n`x`", "Count": num(3), "Ratio": num(2), "Force": true, "Tags": []any{"a", "b c"},
				"Opts": map[string]any{"k": "v", "n": nil, "deep": map[string]any{"l": []any{json.Number("1.5"), false}}},
				"Path": `C:\Program Files\x`}},
			reply: ok("Hello\r\n"), status: runner.StatusSucceeded,
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				want := "& {" + script + "} -Count 3 -Force $true -Name \"it`'s `\"`$HOME`\"`n``x``\" " +
					`-Opts @{"deep" = @{"l" = @(1.5, $false)}; "k" = "v"; "n" = $null} -Ratio 2.0 -Tags @("a", "b c") ` +
					`"C:\Program Files\x"`
				if ps := lastPS(t, srv); ps != want {
					t.Fatalf("decoded\n%s\nwant\n%s", ps, want)
				}
			}},
		{name: "winrm-ps-script with kwarg_op and no parameters", typ: TypePSScript, rp: map[string]any{"kwarg_op": "/"},
			req:   runner.Request{Action: runner.Action{EntryPoint: entry}},
			reply: ok(), status: runner.StatusSucceeded, want: map[string]any{"stdout": ""},
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				if ps := lastPS(t, srv); ps != script {
					t.Fatalf("decoded %q", ps)
				}
			}},
		{name: "a script too long for one command line is uploaded", typ: TypePSScript,
			req: runner.Request{Action: runner.Action{EntryPoint: bigEntry, ParameterSpecs: specs}, Parameters: map[string]any{"Name": "n"}},
			reply: func(c wsmantest.Command) wsmantest.Reply {
				ps, _ := c.PowerShell()
				switch {
				case strings.Contains(ps, "GetRandomFileName"):
					return wsmantest.Reply{Stdout: []string{`C:\Users\st 2\AppData\Local\Temp\abc.xyz` + "\r\n"}}
				case strings.Contains(ps, "FromBase64String"):
					uploaded["chunks"] += strings.SplitN(strings.SplitN(ps, "('", 2)[1], "')", 2)[0] + "|"
				}
				return wsmantest.Reply{Stdout: []string{"done"}}
			},
			status: runner.StatusSucceeded, want: map[string]any{"stdout": "done"},
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				var data []byte
				for _, b64 := range strings.Split(strings.TrimSuffix(uploaded["chunks"], "|"), "|") {
					chunk, err := base64.StdEncoding.DecodeString(b64)
					if err != nil || len(chunk) > uploadChunk {
						t.Fatalf("chunk %q: %v", b64, err)
					}
					data = append(data, chunk...)
				}
				if string(data) != big {
					t.Fatalf("uploaded %d bytes, want the %d-byte script", len(data), len(big))
				}
				cmds := srv.Commands()
				run, _ := cmds[len(cmds)-2].PowerShell()
				rm, _ := cmds[len(cmds)-1].PowerShell()
				if run != `& "C:\Users\st 2\AppData\Local\Temp\abc.xyz\script.ps1" -Name "n" ""` ||
					rm != `Remove-Item -Force -Recurse -LiteralPath "C:\Users\st 2\AppData\Local\Temp\abc.xyz"` {
					t.Fatalf("ran %q then %q", run, rm)
				}
				for _, c := range cmds {
					if len(c.Line) > maxCmdLength {
						t.Fatalf("a %d-char command line", len(c.Line))
					}
				}
			}},
		{name: "env and cwd set on the shell", typ: TypeCmd,
			rp:    map[string]any{"cmd": "set", "cwd": `C:\Temp & <x>`, "env": map[string]any{"FOO": "bar <&> \"q\"\nline2", "N": num(1)}},
			reply: ok("ok"), status: runner.StatusSucceeded,
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				c := srv.Commands()[0]
				if c.Cwd != `C:\Temp & <x>` || !reflect.DeepEqual(c.Env, map[string]string{"FOO": "bar <&> \"q\"\nline2", "N": "1"}) {
					t.Fatalf("shell cwd %q env %v", c.Cwd, c.Env)
				}
			}},
		{name: "env and cwd set on the shell for PowerShell too", typ: TypePSCmd,
			rp:    map[string]any{"cmd": "$env:FOO", "cwd": `D:\work`, "env": map[string]any{"FOO": "bar"}},
			reply: ok("bar"), status: runner.StatusSucceeded,
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				c := srv.Commands()[0]
				if c.Cwd != `D:\work` || c.Env["FOO"] != "bar" || lastPS(t, srv) != "$env:FOO" {
					t.Fatalf("shell cwd %q env %v", c.Cwd, c.Env)
				}
			}},
		{name: "non-zero exit fails", typ: TypeCmd, rp: map[string]any{"cmd": "exit /b 3"},
			reply: func(wsmantest.Command) wsmantest.Reply {
				return wsmantest.Reply{Stdout: []string{"partial"}, Stderr: []string{"boom"}, ExitCode: 3}
			},
			status: runner.StatusFailed,
			want:   map[string]any{"return_code": num(3), "failed": true, "succeeded": false, "stdout": "partial", "stderr": "boom"}},
		{name: "PowerShell CLIXML errors are made readable", typ: TypePSCmd, rp: map[string]any{"cmd": "throw 'oops'"},
			reply: func(wsmantest.Command) wsmantest.Reply {
				return wsmantest.Reply{ExitCode: 1, Stderr: []string{"#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\">" +
					"<Obj S=\"progress\" RefId=\"0\"><TN RefId=\"0\"><T>System.Management.Automation.PSCustomObject</T></TN></Obj>" +
					"<S S=\"Error\">oops_x000D__x000A_</S><S S=\"Error\">At line:1 char:1_x000D__x000A_</S></Objs>"}}
			},
			status: runner.StatusFailed, want: map[string]any{"stderr": "oops\nAt line:1 char:1", "return_code": num(1)}},
		{name: "idle polls time out and are retried", typ: TypeCmd, rp: map[string]any{"cmd": "ping -n 30 localhost"},
			reply: func(wsmantest.Command) wsmantest.Reply {
				return wsmantest.Reply{TimedOutPolls: 2, Stdout: []string{"pong"}}
			},
			status: runner.StatusSucceeded, want: map[string]any{"stdout": "pong"}},
		{name: "SOAP fault fails with its reason", typ: TypeCmd, rp: map[string]any{"cmd": "dir"},
			reply: func(wsmantest.Command) wsmantest.Reply {
				return wsmantest.Reply{Fault: &wsmantest.Fault{Subcode: "w:InvalidSelectors", Code: "2150858843",
					Reason:  "The WS-Management service cannot process the request because the request contained invalid selectors for the resource.",
					Message: "The request for the Windows Remote Shell with ShellId X failed because the shell was not found on the server."}}
			},
			status: runner.StatusFailed,
			has:    `WinRM fault w:InvalidSelectors: The WS-Management service cannot process the request because the request contained invalid selectors for the resource. (The request for the Windows Remote Shell`,
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				if got := actions(srv); got != "Create,Command,Delete" {
					t.Fatalf("ops %s", got)
				}
			}},
		{name: "access denied on Create", typ: TypeCmd, rp: map[string]any{"cmd": "dir"}, reply: ok(),
			status: runner.StatusFailed, has: `"error":"WinRM fault w:AccessDenied: Access is denied."`},
		{name: "wrong password", typ: TypeCmd, rp: map[string]any{"cmd": "dir"}, reply: ok(), badPass: true,
			status: runner.StatusFailed, has: `authentication failed: host 127.0.0.1 rejected user \"CORP\\\\st2\" (HTTP 401 with basic transport)`},
		{name: "ntlm falls back to basic when the host offers only basic", typ: TypeCmd,
			rp: map[string]any{"cmd": "hostname", "transport": "ntlm"}, reply: ok("WIN01"), status: runner.StatusSucceeded,
			want: map[string]any{"stdout": "WIN01"}},
		{name: "https with verify_ssl_cert false", typ: TypeCmd, tls: true,
			rp: map[string]any{"cmd": "hostname", "scheme": "https", "verify_ssl_cert": false}, reply: ok("WIN01"),
			status: runner.StatusSucceeded, want: map[string]any{"stdout": "WIN01"}},
		{name: "https verifies the certificate by default", typ: TypeCmd, tls: true,
			rp: map[string]any{"cmd": "hostname", "scheme": "https"}, reply: ok(), status: runner.StatusFailed,
			has: "TLS certificate of host 127.0.0.1 not trusted (set verify_ssl_cert to false"},
		{name: "timeout terminates the command and closes the shell", typ: TypeCmd,
			rp: map[string]any{"cmd": "ping -t localhost", "timeout": num(1)},
			reply: func(wsmantest.Command) wsmantest.Reply {
				return wsmantest.Reply{Stdout: []string{"Reply from ::1\r\n"}, Hang: true}
			},
			status: runner.StatusTimeout,
			want: map[string]any{"return_code": num(-1), "failed": true, "succeeded": false, "stdout": "Reply from ::1\r\n",
				"error": "Action failed to complete in 1 seconds"},
			check: func(t *testing.T, srv *wsmantest.Server, _ runnertest.Outcome) {
				ops := srv.Ops()
				n := len(ops)
				if n < 2 || ops[n-2].Action != "Signal" || ops[n-2].Signal != wsmantest.SignalTerminate || ops[n-1].Action != "Delete" {
					t.Fatalf("ops %s, want Signal(terminate) then Delete last", actions(srv))
				}
			}},
		{name: "missing cmd", typ: TypeCmd, rp: map[string]any{}, reply: ok(), status: runner.StatusFailed,
			has: `runner parameter \"cmd\" is required`},
		{name: "unsupported transport", typ: TypeCmd, rp: map[string]any{"cmd": "dir", "transport": "kerberos"}, reply: ok(),
			status: runner.StatusFailed, has: `\"transport\" \"kerberos\" is not supported: use basic or ntlm`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mk := wsmantest.New
			if tc.tls {
				mk = wsmantest.NewTLS
			}
			srv := mk(t, user, password, tc.reply)
			if strings.HasPrefix(tc.name, "access denied") {
				srv.CreateFault = &wsmantest.Fault{Subcode: "w:AccessDenied", Reason: "Access is denied.", Code: "5"}
			}
			rp := map[string]any{"host": srv.Host(), "port": num(srv.Port()), "scheme": "http", "transport": "basic",
				"username": user, "password": password}
			if tc.badPass {
				rp["password"] = "wrong"
			}
			for k, v := range tc.rp {
				rp[k] = v
			}
			req := tc.req
			req.RunnerType, req.RunnerParameters = tc.typ, rp
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			o := h.Run(ctx, &req)
			if o.Err != nil {
				t.Fatal(o.Err)
			}
			b, _ := json.Marshal(o.Result.Value)
			if o.Result.Status != tc.status {
				t.Fatalf("status %s, want %s: %s", o.Result.Status, tc.status, b)
			}
			m, _ := o.Result.Value.(map[string]any)
			for k, v := range tc.want {
				if !reflect.DeepEqual(m[k], v) {
					t.Fatalf("result %s = %#v, want %#v (%s)", k, m[k], v, b)
				}
			}
			if tc.has != "" && !strings.Contains(string(b), tc.has) {
				t.Fatalf("result %s lacks %s", b, tc.has)
			}
			if tc.check != nil {
				tc.check(t, srv, o)
			}
			if n := srv.OpenShells(); n != 0 {
				t.Fatalf("%d shells left open on the host", n)
			}
			if time.Since(start) > 8*time.Second {
				t.Fatalf("the run took %s", time.Since(start))
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	h := runnertest.New(t, New(), nil)
	o := h.Run(context.Background(), &runner.Request{RunnerType: TypeCmd, RunnerParameters: map[string]any{
		"host": "127.0.0.1", "port": num(1), "scheme": "http", "username": user, "password": password, "cmd": "dir"}})
	b, _ := json.Marshal(o.Result.Value)
	if o.Result.Status != runner.StatusFailed ||
		!strings.Contains(string(b), "failed to connect to WinRM on host 127.0.0.1 port 1") ||
		!strings.Contains(string(b), "connection refused") {
		t.Fatalf("status %s result %s", o.Result.Status, b)
	}
}

func TestCancel(t *testing.T) {
	srv := wsmantest.New(t, user, password, func(wsmantest.Command) wsmantest.Reply { return wsmantest.Reply{Hang: true} })
	h := runnertest.New(t, New(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan runnertest.Outcome, 1)
	go func() {
		done <- h.Run(ctx, &runner.Request{RunnerType: TypeCmd, RunnerParameters: map[string]any{
			"host": srv.Host(), "port": num(srv.Port()), "scheme": "http", "transport": "basic",
			"username": user, "password": password, "cmd": "pause"}})
	}()
	for len(srv.Commands()) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case o := <-done:
		if o.Err == nil {
			t.Fatalf("a cancelled run must end with the context's error, got %+v", o.Result)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not stop the run")
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.OpenShells() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if srv.OpenShells() != 0 {
		t.Fatalf("the cancelled run left its shell open: %s", actions(srv))
	}
}
