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

// result is one scenario's figures.
type result struct {
	rate     float64 // successful operations per second
	p50, p99 time.Duration
	errors   int
}

func (r result) print(cluster, scenario string, clients int) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }
	fmt.Printf("%-10s %-28s %7d %10.0f %9s %9s %7d\n", cluster, scenario, clients, r.rate, ms(r.p50), ms(r.p99), r.errors)
}

// seedReads writes the keys that the read scenarios fetch.
func seedReads(n *harness.Node, token, value string) {
	for i := 0; i < keySpace; i++ {
		_, _, _ = n.Request("PUT", fmt.Sprintf("/api/v1/keys/bench-r-%d", i), token, map[string]string{"value": value})
	}
	// On a follower the last writes may not be applied yet: catch up.
	_, _, _ = n.Request("GET", fmt.Sprintf("/api/v1/keys/bench-r-%d?consistent=true", keySpace-1), token, nil)
}

// load runs clients goroutines against one node for the bench duration,
// each with its own keep-alive connection.
func (b *bench) load(n *harness.Node, token string, clients int, o op) result {
	transport := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	defer transport.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"value": b.value})
	var mu sync.Mutex
	var ops, errors int
	var latencies []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(b.duration)
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			var myOps, myErrs int
			var mine []time.Duration
			for i := 0; time.Now().Before(deadline); i++ {
				var req *http.Request
				switch o {
				case opSet:
					req, _ = http.NewRequest("PUT", fmt.Sprintf("%s/api/v1/keys/bench-%d-%d", n.URL, w, i%keySpace), bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
				default:
					req, _ = http.NewRequest("GET", fmt.Sprintf("%s/api/v1/keys/bench-r-%d%s", n.URL, (w*7919+i)%keySpace, o.query()), nil)
				}
				req.Header.Set("X-Auth-Token", token)
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				mine = append(mine, time.Since(t0))
				if err != nil || resp.StatusCode != 200 {
					myErrs++
				} else {
					myOps++
				}
			}
			mu.Lock()
			ops, errors = ops+myOps, errors+myErrs
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	r := result{rate: float64(ops) / time.Since(start).Seconds(), errors: errors}
	if len(latencies) > 0 {
		r.p50 = latencies[len(latencies)/2]
		r.p99 = latencies[int(0.99*float64(len(latencies)-1))]
	}
	return r
}

// query is the read's query string.
func (o op) query() string {
	if o == opGetConsistent {
		return "?consistent=true"
	}
	return ""
}
