package harness

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// Request sends a JSON request with an optional token and returns the
// status and body.
func (n *Node) Request(method, path, token string, body any) (int, []byte, error) {
	var rd io.Reader
	if raw, ok := body.([]byte); ok {
		rd = bytes.NewReader(raw) // sent as is, valid JSON or not
	} else if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, n.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// JSON is Request that decodes a 2xx answer into out, and fails the test
// on transport errors.
func (n *Node) JSON(t T, method, path, token string, body, out any) int {
	t.Helper()
	status, b, err := n.Request(method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if out != nil && status < 300 && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return status
}

// Login gets a token for user.
func (n *Node) Login(user, password string) (string, error) { return n.LoginTTL(user, password, 0) }

// LoginTTL gets a token that lives ttl seconds (0: the default).
func (n *Node) LoginTTL(user, password string, ttl int) (string, error) {
	var body io.Reader
	if ttl > 0 {
		body = bytes.NewReader([]byte(fmt.Sprintf(`{"ttl": %d}`, ttl)))
	}
	req, _ := http.NewRequest("POST", n.URL+"/auth/v1/tokens", body)
	req.SetBasicAuth(user, password)
	resp, err := httpClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var tok struct{ Token string }
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("login %s: %s %s", user, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil {
		return "", err
	}
	return tok.Token, nil
}

// Token logs st2admin in, waiting for the admin to exist.
func (n *Node) Token(t T) string {
	t.Helper()
	var tok string
	WaitFor(t, 20*time.Second, func() error {
		var err error
		tok, err = n.Login("st2admin", AdminPassword)
		return err
	})
	return tok
}

// Member is one row of GET /api/v1/cluster/members.
type Member struct {
	ID       string `json:"id"`
	RaftAddr string `json:"raft_addr"`
	HTTPAddr string `json:"http_addr"`
	State    string `json:"state"`
	Leader   bool   `json:"leader"`
	Voter    bool   `json:"voter"`
	// LastIndex is the member's last raft log index.
	LastIndex uint64 `json:"last_index"`
}

// Members asks a node for the cluster's members.
func (n *Node) Members(token string) ([]Member, error) {
	status, b, err := n.Request("GET", "/api/v1/cluster/members", token, nil)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("members: %d %s", status, b)
	}
	var ms []Member
	return ms, json.Unmarshal(b, &ms)
}

// CLIResult is what one CLI run printed.
type CLIResult struct {
	Stdout, Stderr string
	Code           int
}

// CLI runs the st2 link with HOME=home and ST2_BASE_URL pointing at n,
// plus extra environment.
func (n *Node) CLI(t T, home string, env []string, args ...string) CLIResult {
	t.Helper()
	return n.CLIAs(t, "st2", home, env, args...)
}

// CLIAs is CLI run as prog: "st2" (the link) or "squall".
func (n *Node) CLIAs(t T, prog, home string, env []string, args ...string) CLIResult {
	t.Helper()
	bin := filepath.Join(filepath.Dir(Binary(t)), prog)
	cmd := exec.Command(bin, args...)
	cmd.Env = append([]string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "ST2_BASE_URL=" + n.URL}, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run st2 %v: %v", args, err)
	}
	return CLIResult{Stdout: out.String(), Stderr: errb.String(), Code: code}
}
