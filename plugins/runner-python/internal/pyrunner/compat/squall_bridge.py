"""The channel between a Python action and the squall runner plugin.

The plugin starts the interpreter with two extra pipes: requests go out on
file descriptor 3 and answers come back on file descriptor 4, one JSON
document per line. The datastore calls of ``action_service`` and the final
result travel this way, so stdout and stderr stay the action's own.
"""
import json
import os
import threading

_lock = threading.Lock()
_out = None
_in = None


def _channel():
    global _out, _in
    if _out is None:
        _out = os.fdopen(3, "w", buffering=1, encoding="utf-8")
        _in = os.fdopen(4, "r", encoding="utf-8")
    return _out, _in


def call(op, **fields):
    """Send one request and return its answer; raise on a failed call."""
    out, inp = _channel()
    fields["op"] = op
    with _lock:
        out.write(json.dumps(fields) + "\n")
        out.flush()
        line = inp.readline()
    if not line:
        raise RuntimeError("the squall runner plugin closed the channel")
    answer = json.loads(line)
    if not answer.get("ok"):
        if answer.get("not_found"):
            return None
        raise RuntimeError(answer.get("error", "host service call failed"))
    return answer.get("value")


def send_result(status, result):
    """Report the action's outcome; the plugin reads nothing after it."""
    out, _ = _channel()
    try:
        text = json.dumps({"op": "result", "status": status, "result": result})
    except (TypeError, ValueError):
        text = json.dumps({"op": "result", "status": status, "result": str(result)})
    with _lock:
        out.write(text + "\n")
        out.flush()
