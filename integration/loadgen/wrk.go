package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

// The peers in shared/bench were measured with wrk; when wrk is installed
// the benchmark uses it too, so the figures compare side by side (and the
// load generator takes less of the two cores than a Go client would).

// wrkScript writes a Lua script: PUTs over keySpace keys, or GETs of one
// existing key.
func wrkScript(dir, token, value string, o op) string {
	var s string
	if o == opSet {
		s = fmt.Sprintf(`wrk.method = "PUT"
wrk.body = '{"value":"%s"}'
wrk.headers["X-Auth-Token"] = "%s"
wrk.headers["Content-Type"] = "application/json"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/v1/keys/bench-w-" .. (counter %% %d))
end
`, value, token, keySpace)
	} else {
		s = fmt.Sprintf(`wrk.method = "GET"
wrk.headers["X-Auth-Token"] = "%s"
counter = 0
request = function()
  counter = counter + 1
  return wrk.format(nil, "/api/v1/keys/bench-r-" .. (counter %% %d) .. "%s")
end
`, token, keySpace, o.query())
	}
	path := filepath.Join(dir, fmt.Sprintf("bench-%d.lua", o))
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		fail(err)
	}
	return path
}

var (
	reqPerSec = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	pctLine   = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s)`)
	non2xx    = regexp.MustCompile(`Non-2xx or 3xx responses:\s+([0-9]+)`)
	sockErr   = regexp.MustCompile(`Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+)`)
)

// wrkLoad runs wrk and returns its figures as a result.
func (b *bench) wrkLoad(n *harness.Node, token string, clients int, o op, dir string) result {
	threads := min(clients, 2)
	script := wrkScript(dir, token, b.value, o)
	secs := max(1, int(b.duration.Seconds()))
	out, err := exec.Command("wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(clients),
		"-d"+strconv.Itoa(secs)+"s", "--latency", "-s", script, n.URL).CombinedOutput()
	if err != nil {
		fail(fmt.Errorf("wrk: %v\n%s", err, out))
	}
	return parseWrk(string(out))
}

func parseWrk(out string) result {
	var r result
	if m := reqPerSec.FindStringSubmatch(out); m != nil {
		r.rate, _ = strconv.ParseFloat(m[1], 64)
	}
	for _, m := range pctLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		d := time.Duration(v * float64(map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]))
		if m[1] == "50" {
			r.p50 = d
		} else {
			r.p99 = d
		}
	}
	if m := non2xx.FindStringSubmatch(out); m != nil {
		r.errors, _ = strconv.Atoi(m[1])
	}
	if m := sockErr.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.errors += n
		}
	}
	return r
}

func haveWrk() bool {
	_, err := exec.LookPath("wrk")
	return err == nil && !strings.EqualFold(os.Getenv("SQUALL_BENCH_CLIENT"), "go")
}
