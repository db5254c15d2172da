"""Runs one StackStorm sensor for squall.

The plugin writes on file descriptor 5 first the invocation (entry point,
class, pack, config, poll interval, the triggers rules want), then a line
per trigger change: {"op": "add_trigger" | "update_trigger" |
"remove_trigger", "trigger": {...}}. Calls to the host (dispatch, the
datastore, log records, "started", "failed") go over squall_bridge.

Lifecycle, as StackStorm's sensor container: setup(), add_trigger() for
each trigger already there, run(). SIGTERM, or the plugin closing fd 5,
stops the sensor: cleanup() runs on its own thread (the signal may arrive
while the main thread holds the bridge) and the process exits. A sensor
whose setup() raises, or whose run() returns or raises, reports why and
exits 1: the host restarts it.
"""
import hashlib
import importlib.util
import json
import logging
import os
import signal
import sys
import threading
import traceback

import squall_bridge
from st2reactor.container.sensor_wrapper import SensorService
from st2reactor.sensor import base

DEFAULT_POLL_INTERVAL = 60

_LEVELS = {logging.DEBUG: "debug", logging.INFO: "info", logging.WARNING: "warn"}


class _HostHandler(logging.Handler):
    """Sends log records to the host's log."""

    def emit(self, record):
        try:
            level = _LEVELS.get(record.levelno, "error" if record.levelno > logging.WARNING else "info")
            squall_bridge.send("log", level=level, message=self.format(record), logger=record.name)
        except Exception:
            self.handleError(record)


class _Wrapper(object):
    """What SensorService needs to know of the running sensor."""

    def __init__(self, pack, class_name):
        self.pack = pack
        self.class_name = class_name
        self.logger = logging.getLogger("SensorWrapper.%s.%s" % (pack, class_name))


class _Run(object):
    def __init__(self, invocation, events):
        self.inv = invocation
        self.events = events
        self.wrapper = _Wrapper(invocation.get("pack", ""), invocation["class_name"])
        self.log = self.wrapper.logger
        self.sensor = None
        self._stop_lock = threading.Lock()
        self._stopping = False

    # Stopping -------------------------------------------------------------

    def request_stop(self, *_):
        """Signal handler: cleanup runs on another thread."""
        threading.Thread(target=self.stop, name="squall-stop", daemon=True).start()

    def stopping(self):
        with self._stop_lock:
            return self._stopping

    def stop(self):
        with self._stop_lock:
            if self._stopping:
                return
            self._stopping = True
        base.stopping.set()
        if self.sensor is not None:
            try:
                self.sensor.cleanup()
            except Exception:
                self.log.exception("Sensor cleanup raised")
        _exit(0)

    def fail(self, message):
        """The sensor cannot go on: tell the plugin why, and exit."""
        if self.stopping():
            _park()
        traceback.print_exc()
        try:
            squall_bridge.send("failed", message=message)
        finally:
            _exit(1)

    # Triggers -------------------------------------------------------------

    def trigger_event(self, op, trigger):
        method = getattr(self.sensor, op, None)
        if method is None:
            self.log.warning("Sensor has no %s method", op)
            return
        try:
            method(_trigger_dict(trigger))
        except Exception:
            self.log.exception("Sensor %s raised (trigger %s)", op, trigger.get("id"))

    def watch(self):
        """Reads trigger changes until the plugin closes the channel."""
        for line in self.events:
            try:
                msg = json.loads(line)
            except ValueError:
                self.log.error("Bad message from the squall plugin: %r", line)
                continue
            if msg.get("op") in ("add_trigger", "update_trigger", "remove_trigger") and not self.stopping():
                self.trigger_event(msg["op"], msg.get("trigger") or {})
        self.stop()

    # Running --------------------------------------------------------------

    def instantiate(self):
        cls = _load_class(self.inv["entry_point"], self.inv["class_name"])
        kwargs = {"sensor_service": SensorService(self.wrapper), "config": self.inv.get("config") or {}}
        if issubclass(cls, base.PollingSensor):
            kwargs["poll_interval"] = self.inv.get("poll_interval") or DEFAULT_POLL_INTERVAL
        return cls(**kwargs)

    def main(self):
        try:
            self.sensor = self.instantiate()
        except Exception as e:
            self.fail("failed to load: %s" % _last_line(e))
        try:
            self.sensor.setup()
        except Exception as e:
            self.fail("setup() raised %s" % _last_line(e))
        squall_bridge.send("started")
        for trigger in self.inv.get("triggers") or []:
            self.trigger_event("add_trigger", trigger)
        threading.Thread(target=self.watch, name="squall-triggers", daemon=True).start()
        try:
            self.sensor.run()
        except BaseException as e:  # SystemExit too: a sensor ends only when stopped
            self.fail("run() raised %s" % _last_line(e))
        if self.stopping():
            _park()
        squall_bridge.send("failed", message="run() returned")
        _exit(1)


def _trigger_dict(t):
    """A trigger as StackStorm hands it to sensors (TriggerAPI's dict)."""
    ref = t.get("ref") or ""
    pack = ref.split(".", 1)[0] if "." in ref else ""
    name = t.get("name") or ""
    params = t.get("parameters") or {}
    digest = hashlib.md5(json.dumps(params, sort_keys=True).encode("utf-8")).hexdigest()
    return {
        "id": t.get("id"), "ref": ref, "uid": "trigger:%s:%s:%s" % (pack, name, digest),
        "name": name, "pack": pack, "type": t.get("type"), "parameters": params,
    }


def _load_class(entry_point, class_name):
    name = os.path.splitext(os.path.basename(entry_point))[0]
    spec = importlib.util.spec_from_file_location(name, entry_point)
    if spec is None:
        raise ImportError("cannot load %s as a Python module" % entry_point)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    cls = getattr(module, class_name, None)
    if not isinstance(cls, type):
        raise ValueError('Sensor module is missing a class with name "%s"' % class_name)
    return cls


def _last_line(e):
    return traceback.format_exception_only(type(e), e)[-1].strip()


def _park():
    """The stop thread is running cleanup and will exit the process."""
    threading.Event().wait()


def _exit(code):
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def main():
    events = os.fdopen(5, "r", encoding="utf-8")
    invocation = json.loads(events.readline())
    entry_point = invocation["entry_point"]
    # StackStorm imports a sensor with its directory on the path (so that
    # "from lib.x import y" finds sensors/lib), and the pack's lib when
    # packs.enable_common_libs is on: it costs nothing to have both.
    sys.path.insert(0, os.path.dirname(entry_point))
    if invocation.get("pack_path"):
        sys.path.append(os.path.join(invocation["pack_path"], "lib"))
    root = logging.getLogger()
    root.addHandler(_HostHandler())
    root.setLevel(logging.INFO)  # StackStorm's sensor container logs at INFO
    run = _Run(invocation, events)
    signal.signal(signal.SIGTERM, run.request_stop)
    run.main()


if __name__ == "__main__":
    main()
