package pysensor

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/squall-io/squall/sdk/hostservice"
	"github.com/squall-io/squall/sdk/hostservice/hostservicetest"
	"github.com/squall-io/squall/sdk/sensor"
)

const pollingSensor = `
from st2reactor.sensor.base import PollingSensor


class MySensor(PollingSensor):
    def setup(self):
        self.count = 0
        self.log = self.sensor_service.get_logger(__name__)

    def poll(self):
        self.count += 1
        s = self.sensor_service
        s.set_value("count", self.count)
        print("polled %d" % self.count)
        self.log.info("poll number %d", self.count)
        s.dispatch(trigger="mypack.event", payload={
            "count": self.count,
            "greeting": s.get_value("greeting"),
            "shared": s.get_value("shared", local=False),
            "names": sorted(kv.name for kv in s.list_values()),
            "interval": self.get_poll_interval(),
            "region": self.config.get("region"),
            "same_service": self._sensor_service is s and self._config is self.config,
        })

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
`

func TestPollingSensor(t *testing.T) {
	p := newTestPlugin(t)
	host := hostservicetest.NewMemoryHost()
	ctx := context.Background()
	for name, value := range map[string]string{"mypack.MySensor:greeting": "hello", "shared": "global"} {
		if err := host.Set(ctx, "", hostservice.SetRequest{Name: name, Value: value}); err != nil {
			t.Fatal(err)
		}
	}
	r := startRun(t, p, host, "MySensor", pollingSensor, sensor.Run{
		PollInterval: time.Second, Config: map[string]any{"region": "eu"},
	})
	waitFor(t, "two polls", func() bool { return len(host.Dispatched()) >= 2 })
	select {
	case <-r.started:
	default:
		t.Fatal("started was not called")
	}
	for i, d := range host.Dispatched()[:2] {
		b, _ := json.Marshal(d.Payload)
		want := fmt.Sprintf(`{"count":%d,"greeting":"hello","interval":1,"names":["mypack.MySensor:count","mypack.MySensor:greeting"],"region":"eu","same_service":true,"shared":"global"}`, i+1)
		if d.Trigger != "mypack.event" || string(b) != want {
			t.Fatalf("dispatch %d: %s %s, want mypack.event %s", i, d.Trigger, b, want)
		}
	}
	kv, err := host.Get(ctx, "", hostservice.GetRequest{Name: "mypack.MySensor:count"})
	if err != nil || kv.Value == "" {
		t.Fatalf("set_value(local=True) did not write mypack.MySensor:count: %+v %v", kv, err)
	}
	waitFor(t, "the sensor's log record and output", func() bool {
		var record, printed bool
		for _, l := range host.Logs() {
			record = record || (l.Message == "poll number 1" && l.Level == "info" && l.Fields["logger"] == "SensorWrapper.mypack.MySensor.my_sensor")
			printed = printed || (l.Message == "polled 1" && l.Fields["stream"] == "stdout")
		}
		return record && printed
	})
}

const pushSensor = `
import threading

from st2reactor.sensor.base import Sensor


class Push(Sensor):
    def setup(self):
        self._stop = threading.Event()

    def run(self):
        s = self.sensor_service

        def burst(n):
            for i in range(25):
                s.dispatch("mypack.burst", {"thread": n, "i": i})

        threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        s.dispatch_with_context("mypack.ran", {}, trace_context={"trace_tag": "tag-1"})
        self._stop.wait()

    def cleanup(self):
        self._stop.set()

    def add_trigger(self, trigger):
        self._seen("add", trigger)

    def update_trigger(self, trigger):
        self._seen("update", trigger)

    def remove_trigger(self, trigger):
        self._seen("remove", trigger)

    def _seen(self, op, trigger):
        self.sensor_service.dispatch(trigger="mypack.seen", payload={"op": op, "trigger": trigger})
`

func TestPushSensorTriggers(t *testing.T) {
	p := newTestPlugin(t)
	host := hostservicetest.NewMemoryHost()
	t1 := sensor.Trigger{ID: "t1", Ref: "mypack.t1", Name: "t1", Type: "mypack.webhook", Parameters: map[string]any{"url": "/a"}}
	r := startRun(t, p, host, "Push", pushSensor, sensor.Run{Triggers: []sensor.Trigger{t1}})

	seen := func() []string {
		var out []string
		for _, d := range host.Dispatched() {
			switch d.Trigger {
			case "mypack.seen":
				tr := d.Payload["trigger"].(map[string]any)
				out = append(out, fmt.Sprintf("%s %s %v", d.Payload["op"], tr["id"], tr["parameters"]))
			case "mypack.ran":
				out = append(out, "ran "+d.TraceTag)
			}
		}
		return out
	}
	waitFor(t, "the initial trigger and run", func() bool { return len(seen()) == 2 })
	if got := strings.Join(seen(), ", "); got != "add t1 map[url:/a], ran tag-1" {
		t.Fatalf("before any update: %s", got)
	}
	bursts := 0
	for _, d := range host.Dispatched() {
		if d.Trigger == "mypack.burst" {
			bursts++
		}
	}
	if bursts != 100 {
		t.Fatalf("%d of the 100 dispatches from 4 threads arrived", bursts)
	}

	// The whole dict StackStorm hands a sensor, uid included.
	first := host.Dispatched()[0].Payload["trigger"]
	sum := md5.Sum([]byte(`{"url": "/a"}`)) // json.dumps(parameters, sort_keys=True)
	want := map[string]any{"id": "t1", "ref": "mypack.t1", "name": "t1", "pack": "mypack", "type": "mypack.webhook",
		"parameters": map[string]any{"url": "/a"}, "uid": "trigger:mypack:t1:" + hex.EncodeToString(sum[:])}
	if fmt.Sprint(first) != fmt.Sprint(want) {
		t.Fatalf("trigger dict %v, want %v", first, want)
	}

	t1b := t1
	t1b.Parameters = map[string]any{"url": "/b"}
	t2 := sensor.Trigger{ID: "t2", Ref: "mypack.t2", Name: "t2", Type: "mypack.webhook"}
	r.updates <- []sensor.Trigger{t1b, t2}
	waitFor(t, "update and add", func() bool { return len(seen()) == 4 })
	r.updates <- []sensor.Trigger{t2, t2} // t2 unchanged: nothing for it
	waitFor(t, "remove", func() bool { return len(seen()) == 5 })
	got := strings.Join(seen()[2:], ", ")
	if got != "update t1 map[url:/b], add t2 map[], remove t1 map[url:/b]" {
		t.Fatalf("trigger calls: %s", got)
	}
}

func TestSensorFailures(t *testing.T) {
	tests := []struct {
		name, class, src, want string
		started                bool // setup() returned
	}{
		{"setup raises", "Broken", `
from st2reactor.sensor.base import Sensor

class Broken(Sensor):
    def setup(self):
        raise RuntimeError("no database")
    def run(self): pass
    def cleanup(self): pass
    def add_trigger(self, t): pass
    def update_trigger(self, t): pass
    def remove_trigger(self, t): pass
`, "sensor mypack.Broken: setup() raised RuntimeError: no database", false},
		{"run returns", "Quits", `
from st2reactor.sensor.base import Sensor

class Quits(Sensor):
    def setup(self): pass
    def run(self): return
    def cleanup(self): pass
    def add_trigger(self, t): pass
    def update_trigger(self, t): pass
    def remove_trigger(self, t): pass
`, "sensor mypack.Quits: run() returned", true},
		{"run raises", "Crashes", `
from st2reactor.sensor.base import Sensor

class Crashes(Sensor):
    def setup(self): pass
    def run(self): {}["missing"]
    def cleanup(self): pass
    def add_trigger(self, t): pass
    def update_trigger(self, t): pass
    def remove_trigger(self, t): pass
`, "sensor mypack.Crashes: run() raised KeyError: 'missing'", true},
		{"no such class", "Absent", "x = 1\n", `sensor mypack.Absent: failed to load: ValueError: Sensor module is missing a class with name "Absent"`, false},
		{"syntax error", "Bad", "class Bad(:\n", "sensor mypack.Bad: failed to load: SyntaxError", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPlugin(t)
			host := hostservicetest.NewMemoryHost()
			r := startRun(t, p, host, tc.class, tc.src, sensor.Run{})
			err := r.wait(t, 20*time.Second)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("Run returned %v, want %q", err, tc.want)
			}
			select {
			case <-r.started:
				if !tc.started {
					t.Fatal("started was called")
				}
			default:
				if tc.started {
					t.Fatal("started was not called")
				}
			}
			var traceback bool
			for _, l := range host.Logs() {
				traceback = traceback || (l.Fields["stream"] == "stderr" && strings.HasPrefix(l.Message, "Traceback"))
			}
			if wantTraceback := tc.name != "run returns"; traceback != wantTraceback {
				t.Fatalf("traceback in the host log: %v, want %v: %+v", traceback, wantTraceback, host.Logs())
			}
		})
	}
}

const stoppingSensor = `
import os
import subprocess
import time

from st2reactor.sensor.base import Sensor


class Stops(Sensor):
    def setup(self):
        self.child = subprocess.Popen(["sleep", "300"])
        with open(self.config["pidfile"], "w") as f:
            f.write(str(self.child.pid))

    def run(self):
        while True:  # never returns: only SIGTERM ends it
            time.sleep(1)

    def cleanup(self):
        if self.config.get("hang"):
            time.sleep(300)
        self.sensor_service.set_value("stopped", "yes")
        with open(self.config["marker"], "w") as f:
            f.write("cleaned up")

    def add_trigger(self, t): pass
    def update_trigger(self, t): pass
    def remove_trigger(self, t): pass
`

func TestStop(t *testing.T) {
	tests := []struct {
		name    string
		hang    bool
		cleaned bool
	}{
		{"cleanup runs", false, true},
		{"a hanging cleanup is killed", true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newTestPlugin(t)
			p.grace = 500 * time.Millisecond
			host := hostservicetest.NewMemoryHost()
			dir := t.TempDir()
			marker, pidfile := filepath.Join(dir, "cleaned"), filepath.Join(dir, "child.pid")
			r := startRun(t, p, host, "Stops", stoppingSensor, sensor.Run{
				Config: map[string]any{"marker": marker, "pidfile": pidfile, "hang": tc.hang},
			})
			select {
			case <-r.started:
			case err := <-r.done:
				t.Fatalf("the sensor ended: %v", err)
			case <-time.After(20 * time.Second):
				t.Fatal("the sensor did not start")
			}
			r.cancel()
			if err := r.wait(t, 4*time.Second); err != nil {
				t.Fatalf("a stopped sensor's Run returned %v", err)
			}
			_, statErr := os.Stat(marker)
			kv, getErr := host.Get(context.Background(), "", hostservice.GetRequest{Name: "mypack.Stops:stopped"})
			if cleaned := statErr == nil && getErr == nil && kv.Value == "yes"; cleaned != tc.cleaned {
				t.Fatalf("cleanup done: %v, want %v (%v, %v)", cleaned, tc.cleaned, statErr, getErr)
			}
			b, err := os.ReadFile(pidfile)
			if err != nil {
				t.Fatal(err)
			}
			pid, _ := strconv.Atoi(string(b))
			waitFor(t, "the sensor's child to be killed", func() bool { return !alive(pid) })
		})
	}
}

// alive reports whether pid runs (a zombie waiting for init does not).
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestPackVirtualenv: a pack with a requirements.txt runs in its own
// virtualenv, as its actions do.
func TestPackVirtualenv(t *testing.T) {
	p := newTestPlugin(t)
	host := hostservicetest.NewMemoryHost()
	pack, entry := writeSensor(t, `
import sys
from st2reactor.sensor.base import PollingSensor

class Where(PollingSensor):
    def setup(self): pass
    def poll(self): self.sensor_service.dispatch("mypack.where", {"prefix": sys.prefix})
    def cleanup(self): pass
    def add_trigger(self, t): pass
    def update_trigger(self, t): pass
    def remove_trigger(self, t): pass
`)
	if err := os.WriteFile(filepath.Join(pack, "requirements.txt"), []byte("# nothing to install\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	startRunIn(t, p, host, pack, entry, "Where", sensor.Run{})
	waitFor(t, "a poll", func() bool { return len(host.Dispatched()) > 0 })
	if prefix, _ := host.Dispatched()[0].Payload["prefix"].(string); !strings.Contains(prefix, "/mypack-") {
		t.Fatalf("the sensor did not run in the pack's virtualenv: %q", prefix)
	}
}
