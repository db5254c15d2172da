package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// execScenario is one action run end to end.
type execScenario struct {
	name   string
	action string
	params map[string]any
	// clients overrides -exec-clients: sshd on this machine takes about
	// 300 ms of CPU per connection, so 16 clients times 10 hosts only
	// measure its queue.
	clients []int
}

var execScenarios = []execScenario{
	{"core.noop execution", "core.noop", map[string]any{}, nil},
	{"core.local cmd=true", "core.local", map[string]any{"cmd": "true"}, nil},
	{"python action (trivial)", "bench.py_noop", map[string]any{}, nil},
}

// writeBenchPack writes the pack of the Python scenario under root and
// returns root, for --packs-path.
func writeBenchPack(root string) string {
	files := map[string]string{
		"bench/pack.yaml":            "name: bench\nversion: 0.1.0\ndescription: load generator actions\n",
		"bench/actions/py_noop.yaml": "name: py_noop\nrunner_type: python-script\nentry_point: py_noop.py\n",
		"bench/actions/py_noop.py":   "from st2common.runners.base_action import Action\n\n\nclass Noop(Action):\n    def run(self):\n        return True\n",
	}
	for name, data := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			fail(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
			fail(err)
		}
	}
	return root
}

// finals follows a node's event stream and records when each execution
// reached a final status, for the clients waiting on them.
type finals struct {
	mu      sync.Mutex
	done    map[string]time.Time
	waiters map[string]chan time.Time
	resp    *http.Response
}

func watchFinals(n *harness.Node, token string) (*finals, error) {
	req, _ := http.NewRequest("GET", n.URL+"/stream/v1/stream?events=st2.execution__update", nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	f := &finals{done: map[string]time.Time{}, waiters: map[string]chan time.Time{}, resp: resp}
	go f.read(resp.Body)
	return f, nil
}

func (f *finals) read(body io.Reader) {
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "data: ") {
			continue
		}
		var e struct{ ID, Status string }
		if json.Unmarshal([]byte(line[6:]), &e) != nil {
			continue
		}
		switch e.Status {
		case "succeeded", "failed", "timeout", "canceled", "abandoned":
		default:
			continue
		}
		now := time.Now()
		f.mu.Lock()
		if ch, ok := f.waiters[e.ID]; ok {
			ch <- now
			delete(f.waiters, e.ID)
		} else {
			f.done[e.ID] = now
		}
		f.mu.Unlock()
	}
}

// wait returns when execution id ended, or after timeout.
func (f *finals) wait(id string, timeout time.Duration) (time.Time, bool) {
	f.mu.Lock()
	if t, ok := f.done[id]; ok {
		delete(f.done, id)
		f.mu.Unlock()
		return t, true
	}
	ch := make(chan time.Time, 1)
	f.waiters[id] = ch
	f.mu.Unlock()
	select {
	case t := <-ch:
		return t, true
	case <-time.After(timeout):
		return time.Time{}, false
	}
}

func (f *finals) close() { f.resp.Body.Close() }

// execLoad runs clients that each start an execution and wait for its
// final status, for the bench duration. It also reports raft log entries
// written per execution.
func (b *bench) execLoad(n, leader *harness.Node, token string, clients int, sc execScenario) (result, float64) {
	f, err := watchFinals(n, token)
	if err != nil {
		return result{errors: 1}, 0
	}
	defer f.close()
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	body, _ := json.Marshal(map[string]any{"action": sc.action, "parameters": sc.params})
	startIndex := lastIndex(leader, token)
	var mu sync.Mutex
	var ops, errs int
	var latencies []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(b.duration)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, _ := http.NewRequest("POST", n.URL+"/api/v1/executions", bytes.NewReader(body))
				req.Header.Set("X-Auth-Token", token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				var e struct{ ID string }
				if err == nil {
					_ = json.NewDecoder(resp.Body).Decode(&e)
					resp.Body.Close()
				}
				ok := err == nil && resp.StatusCode == http.StatusCreated
				var end time.Time
				if ok {
					end, ok = f.wait(e.ID, 30*time.Second)
				}
				mu.Lock()
				if ok {
					ops++
					latencies = append(latencies, end.Sub(t0))
				} else {
					errs++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	writes := 0.0
	if ops > 0 {
		writes = float64(lastIndex(leader, token)-startIndex) / float64(ops)
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	r := result{rate: float64(ops) / elapsed.Seconds(), errors: errs}
	if len(latencies) > 0 {
		r.p50 = latencies[len(latencies)/2]
		r.p99 = latencies[int(0.99*float64(len(latencies)-1))]
	}
	return r, writes
}

// lastIndex is the leader's last raft log index.
func lastIndex(leader *harness.Node, token string) uint64 {
	ms, err := leader.Members(token)
	if err != nil {
		return 0
	}
	for _, m := range ms {
		if m.Self(leader) {
			return m.LastIndex
		}
	}
	return 0
}

func (b *bench) runExecs(label string, n, leader *harness.Node, token string) {
	scenarios := execScenarios
	if b.sshd != nil {
		auth := map[string]any{"username": b.sshd.User, "private_key": b.sshd.KeyPath, "cmd": "true"}
		one, ten := map[string]any{"hosts": b.sshd.Addrs[0]}, map[string]any{"hosts": strings.Join(b.sshd.Addrs, ",")}
		for k, v := range auth {
			one[k], ten[k] = v, v
		}
		scenarios = append(scenarios,
			execScenario{"core.remote cmd=true, 1 host", "core.remote", one, []int{1, 4}},
			execScenario{"core.remote, 10 hosts", "core.remote", ten, []int{1, 4}})
	}
	for _, sc := range scenarios {
		clients := b.execClients
		if sc.clients != nil {
			clients = sc.clients
		}
		for _, c := range clients {
			r, writes := b.execLoad(n, leader, token, c, sc)
			r.print(label, sc.name, c)
			fmt.Printf("%-10s %-28s %7s %10s raft entries per execution: %.2f\n", "", "", "", "", writes)
		}
	}
}
