package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// keySpace is how many distinct keys each client writes and reads.
const keySpace = 1000

type result struct {
	ops       int
	errors    int
	latencies []time.Duration
	elapsed   time.Duration
}

func (r result) print(cluster, scenario string, clients int) {
	sort.Slice(r.latencies, func(i, j int) bool { return r.latencies[i] < r.latencies[j] })
	pct := func(p float64) string {
		if len(r.latencies) == 0 {
			return "-"
		}
		d := r.latencies[int(p*float64(len(r.latencies)-1))]
		return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
	}
	fmt.Printf("%-10s %-22s %7d %10.0f %9s %9s %7d\n", cluster, scenario, clients,
		float64(r.ops)/r.elapsed.Seconds(), pct(0.50), pct(0.99), r.errors)
}

// load runs clients goroutines against one node for the bench duration,
// each with its own keep-alive connection.
func (b *bench) load(n *harness.Node, token string, clients int, write bool) result {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	defer transport.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"value": b.value})
	if !write {
		// Reads need something to read.
		for i := 0; i < keySpace; i++ {
			_, _, _ = n.Request("PUT", fmt.Sprintf("/api/v1/keys/bench-r-%d", i), token, map[string]string{"value": b.value})
		}
	}
	var mu sync.Mutex
	total := result{}
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(b.duration)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var r result
			for i := 0; time.Now().Before(deadline); i++ {
				var req *http.Request
				if write {
					req, _ = http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/keys/bench-%d-%d", n.URL, w, i%keySpace), bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				} else {
					req, _ = http.NewRequest("GET", fmt.Sprintf("%s/api/v1/keys/bench-r-%d", n.URL, (w*7919+i)%keySpace), nil)
				}
				req.Header.Set("X-Auth-Token", token)
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				r.latencies = append(r.latencies, time.Since(t0))
				if err != nil || resp.StatusCode != 200 {
					r.errors++
				} else {
					r.ops++
				}
			}
			mu.Lock()
			total.ops += r.ops
			total.errors += r.errors
			total.latencies = append(total.latencies, r.latencies...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}
