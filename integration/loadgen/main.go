// Command loadgen is `make bench`: it starts real squall nodes (one, then
// a three-node cluster) on loopback and drives the REST API: key set and
// key get at 1 and 32 concurrent clients, then core.noop and core.local
// executions end to end (request to final status) at 1 and 16 clients,
// printing operations per second, p50/p99 latency, errors, raft entries
// per execution and peak memory per node.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/squall-io/squall/integration/harness"
)

func main() {
	bin := flag.String("bin", "bin/squall", "squall binary to run")
	duration := flag.Duration("duration", 5*time.Second, "how long each scenario runs")
	clientsFlag := flag.String("clients", "1,32", "concurrent clients of the datastore scenarios, comma-separated")
	execClientsFlag := flag.String("exec-clients", "1,16", "concurrent clients of the execution scenarios, comma-separated")
	only := flag.String("only", "", "run only the datastore or the executions scenarios")
	valueSize := flag.Int("value-size", 64, "bytes per value")
	flag.Parse()
	abs, err := filepath.Abs(*bin)
	if err != nil {
		fail(err)
	}
	os.Setenv("SQUALL_BIN", abs)
	b := &bench{
		duration: *duration, clients: parseClients("clients", *clientsFlag), execClients: parseClients("exec-clients", *execClientsFlag),
		value: strings.Repeat("v", *valueSize), wrk: haveWrk(), only: *only,
	}
	if b.only != "" && b.only != "datastore" && b.only != "executions" {
		fail(fmt.Errorf("-only must be datastore or executions"))
	}
	client := "Go HTTP client (install wrk to compare with shared/bench/peers)"
	if b.wrk {
		client = "wrk, as the peers in shared/bench were measured"
	}
	fmt.Printf("squall datastore benchmark: %s per scenario, %d-byte values, REST API on loopback, load from %s\n\n",
		*duration, *valueSize, client)
	fmt.Printf("%-10s %-28s %7s %10s %9s %9s %7s\n", "cluster", "scenario", "clients", "ops/s", "p50", "p99", "errors")
	b.run(1)
	b.run(3)
}

func parseClients(name, list string) []int {
	var out []int
	for _, c := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			fail(fmt.Errorf("bad -%s %q", name, list))
		}
		out = append(out, n)
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "loadgen:", err)
	os.Exit(1)
}

// runT lets the harness run outside `go test`.
type runT struct {
	cleanups []func()
	failed   bool
}

func (t *runT) Helper()                         {}
func (t *runT) Logf(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) }
func (t *runT) Fatalf(format string, args ...any) {
	t.failed = true
	t.close()
	fail(fmt.Errorf(format, args...))
}
func (t *runT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *runT) Failed() bool     { return t.failed }
func (t *runT) TempDir() string {
	dir, err := os.MkdirTemp("", "squall-bench-")
	if err != nil {
		t.Fatalf("temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func (t *runT) close() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
	t.cleanups = nil
}

type bench struct {
	duration    time.Duration
	clients     []int
	execClients []int
	value       string
	wrk         bool
	only        string
	sshd        *harness.SSHD
}

// op is what a scenario does.
type op int

const (
	opSet           op = iota // PUT /api/v1/keys/{name}
	opGet                     // GET, served locally
	opGetConsistent           // GET ?consistent=true, linearizable
)

func (b *bench) measure(t *runT, n *harness.Node, token string, clients int, o op) result {
	if o != opSet {
		seedReads(n, token, b.value)
	}
	if b.wrk {
		return b.wrkLoad(n, token, clients, o, t.TempDir())
	}
	return b.load(n, token, clients, o)
}

func (b *bench) run(size int) {
	t := &runT{}
	defer t.close()
	var nodes []*harness.Node
	packs := writeBenchPack(t.TempDir())
	if b.only != "datastore" {
		b.sshd = harness.StartSSHD(t)
		// The nodes (and their SSH plugins) trust the bench sshd.
		os.Setenv("SQUALL_SSH_KNOWN_HOSTS", b.sshd.KnownHosts)
	}
	args := []string{"--packs-path", packs}
	if size == 1 {
		nodes = []*harness.Node{harness.StartNode(t, harness.Options{ID: "bench", Args: args})}
	} else {
		nodes = harness.StartCluster(t, size, args...)
	}
	tok := nodes[0].Token(t)
	leader := harness.Leader(t, nodes, tok)
	if status, body, err := leader.Request("POST", "/api/v1/packs/register", tok, map[string]any{"packs": []string{"bench"}}); err != nil || status != 200 {
		fail(fmt.Errorf("register the bench pack: %v %d %s", err, status, body))
	}
	label := fmt.Sprintf("%d node", size)
	if size > 1 {
		label += "s"
	}
	targets := []struct {
		name string
		node *harness.Node
	}{{"on leader", leader}}
	if size > 1 {
		for _, n := range nodes {
			if n != leader {
				targets = append(targets, struct {
					name string
					node *harness.Node
				}{"on follower", n})
				break
			}
		}
	}
	scenarios := []struct {
		name string
		o    op
	}{{"key set", opSet}, {"key get", opGet}}
	if size > 1 {
		scenarios = append(scenarios, struct {
			name string
			o    op
		}{"consistent get", opGetConsistent})
	}
	for _, sc := range scenarios {
		if b.only == "executions" {
			break
		}
		for _, tg := range targets {
			for _, c := range b.clients {
				b.measure(t, tg.node, tok, c, sc.o).print(label, sc.name+" "+tg.name, c)
			}
		}
	}
	if b.only != "datastore" {
		b.runExecs(label, leader, leader, tok)
		b.runRules(label, leader, tok)
	}
	var rss []string
	for _, n := range nodes {
		rss = append(rss, fmt.Sprintf("%s %s", n.ID, peakRSS(n.Pid())))
	}
	fmt.Printf("%-10s peak RSS per node: %s\n\n", label, strings.Join(rss, ", "))
}

// peakRSS reads VmHWM, the process's peak resident set.
func peakRSS(pid int) string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "?"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return fmt.Sprintf("%.1f MB", float64(kb)/1024)
		}
	}
	return "?"
}
