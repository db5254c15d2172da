"""The channel between Python code and the squall plugin that started it.

The plugin starts the interpreter with two extra pipes: requests go out on
file descriptor 3 and answers come back on file descriptor 4, one JSON
document per line. Datastore calls (and a plugin's own calls: an action's
result, a sensor's dispatches and logs) travel this way, so stdout and
stderr stay the code's own. Any thread may call: one request and its
answer hold the channel at a time.
"""
import json
import os
import threading

_lock = threading.Lock()
_out = None
_in = None


def _channel():
    """Open the pipes once; the caller holds _lock."""
    global _out, _in
    if _out is None:
        _out = os.fdopen(3, "w", buffering=1, encoding="utf-8")
        _in = os.fdopen(4, "r", encoding="utf-8")
    return _out, _in


def _encode(fields):
    # default=str: a value JSON cannot carry (a datetime in a payload)
    # travels as its text rather than failing the call.
    return json.dumps(fields, default=str) + "\n"


def call(op, **fields):
    """Send one request and return its answer; raise on a failed call."""
    fields["op"] = op
    text = _encode(fields)
    with _lock:
        out, inp = _channel()
        out.write(text)
        out.flush()
        line = inp.readline()
    if not line:
        raise RuntimeError("the squall plugin closed the channel")
    answer = json.loads(line)
    if not answer.get("ok"):
        if answer.get("not_found"):
            return None
        raise RuntimeError(answer.get("error", "host service call failed"))
    return answer.get("value")


def send(op, **fields):
    """Send a request that has no answer (a log line, a status)."""
    fields["op"] = op
    text = _encode(fields)
    with _lock:
        out, _ = _channel()
        out.write(text)
        out.flush()


def answers_channel():
    """The answer channel, for a plugin whose first line on it is the
    invocation (read before any call)."""
    with _lock:
        return _channel()[1]


def send_result(status, result):
    """Report an action's outcome; the plugin reads nothing after it."""
    try:
        json.dumps(result)
    except (TypeError, ValueError):
        result = str(result)
    send("result", status=status, result=result)
