package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// runRules measures trigger instances per second through webhooks into
// 100 rules on one url, each matching one value of the body's k: one
// instance in ten fires one rule (core.noop); then webhook-to-action-
// finished latency. The rate counts instances
// accepted (202) and then processed by the rules engine, so it includes
// draining what the load left pending.
func (b *bench) runRules(label string, n *harness.Node, token string) {
	for j := 0; j < 100; j++ {
		rule := map[string]any{
			"name": fmt.Sprintf("bench_%d", j), "pack": "bench",
			"trigger":  map[string]any{"type": "core.st2.webhook", "parameters": map[string]any{"url": "bench"}},
			"criteria": map[string]any{"trigger.body.k": map[string]any{"type": "equals", "pattern": fmt.Sprintf("v%d", j)}},
			"action":   map[string]any{"ref": "core.noop"},
		}
		if status, body, err := n.Request("POST", "/api/v1/rules", token, rule); err != nil || status != 201 {
			fail(fmt.Errorf("create bench rule: %v %d %s", err, status, body))
		}
	}
	for _, clients := range b.execClients {
		accepted, errs, elapsed, p50, p99 := b.webhookLoad(n, token, clients)
		drained := waitProcessed(n, token)
		total := elapsed + drained
		r := result{rate: float64(accepted) / total.Seconds(), p50: p50, p99: p99, errors: errs}
		r.print(label, "webhook -> 100 rules", clients)
		fmt.Printf("%-10s %-28s %7s %10s accepted at %.0f/s, all processed %.2fs after the load\n", "", "", "", "",
			float64(accepted)/elapsed.Seconds(), drained.Seconds())
	}
	b.runLatency(label, n, token)
}

// runLatency measures, one webhook at a time, how long from the POST
// until the stream reports the execution it started (core.local true)
// succeeded.
func (b *bench) runLatency(label string, n *harness.Node, token string) {
	rule := map[string]any{
		"name": "bench_latency", "pack": "bench",
		"trigger": map[string]any{"type": "core.st2.webhook", "parameters": map[string]any{"url": "latency"}},
		"action":  map[string]any{"ref": "core.local", "parameters": map[string]any{"cmd": "true {{ trigger.body.seq }}"}},
	}
	if status, body, err := n.Request("POST", "/api/v1/rules", token, rule); err != nil || status != 201 {
		fail(fmt.Errorf("create latency rule: %v %d %s", err, status, body))
	}
	req, _ := http.NewRequest("GET", n.URL+"/stream/v1/stream?events=st2.execution__update", nil)
	req.Header.Set("X-Auth-Token", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		fail(fmt.Errorf("open the stream: %v", err))
	}
	defer resp.Body.Close()
	done := make(chan string, 16) // the cmd of each succeeded execution
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev struct {
				Status     string         `json:"status"`
				Parameters map[string]any `json:"parameters"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Status == "succeeded" {
				if cmd, ok := ev.Parameters["cmd"].(string); ok {
					done <- cmd
				}
			}
		}
		close(done)
	}()
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(b.duration)
	for seq := 0; time.Now().Before(deadline); seq++ {
		want := fmt.Sprintf("true %d", seq)
		t0 := time.Now()
		status, _, err := n.Request("POST", "/api/v1/webhooks/latency", token, map[string]any{"seq": seq})
		if err != nil || status != 202 {
			errs++
			continue
		}
		timeout := time.After(10 * time.Second)
	wait:
		for {
			select {
			case cmd, ok := <-done:
				if !ok {
					fail(fmt.Errorf("the stream ended"))
				}
				if cmd == want {
					lat = append(lat, time.Since(t0))
					break wait
				}
			case <-timeout:
				errs++
				break wait
			}
		}
	}
	p50, p99 := percentiles(lat)
	r := result{rate: float64(len(lat)) / b.duration.Seconds(), p50: p50, p99: p99, errors: errs}
	r.print(label, "webhook -> core.local done", 1)
}

func (b *bench) webhookLoad(n *harness.Node, token string, clients int) (int, int, time.Duration, time.Duration, time.Duration) {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: transport, Timeout: 30 * time.Second}
	defer transport.CloseIdleConnections()
	var mu sync.Mutex
	var ok, errs int
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(b.duration)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(deadline); i++ {
				body, _ := json.Marshal(map[string]any{"k": fmt.Sprintf("v%d", (w*7919+i)%1000)})
				req, _ := http.NewRequest("POST", n.URL+"/api/v1/webhooks/bench", bytes.NewReader(body))
				req.Header.Set("X-Auth-Token", token)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := hc.Do(req)
				d := time.Since(t0)
				good := err == nil && resp.StatusCode == http.StatusAccepted
				if err == nil {
					resp.Body.Close()
				}
				mu.Lock()
				if good {
					ok++
					lat = append(lat, d)
				} else {
					errs++
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	p50, p99 := percentiles(lat)
	return ok, errs, elapsed, p50, p99
}

// waitProcessed waits until no trigger instance is pending.
func waitProcessed(n *harness.Node, token string) time.Duration {
	start := time.Now()
	for time.Since(start) < 2*time.Minute {
		var pending []any
		status, body, err := n.Request("GET", "/api/v1/triggerinstances?status=pending&limit=1", token, nil)
		if err == nil && status == 200 && json.Unmarshal(body, &pending) == nil && len(pending) == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start)
}

func percentiles(lat []time.Duration) (time.Duration, time.Duration) {
	if len(lat) == 0 {
		return 0, 0
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)/2], lat[int(0.99*float64(len(lat)-1))]
}
