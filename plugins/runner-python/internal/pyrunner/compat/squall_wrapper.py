"""Runs one StackStorm python-script action for squall.

The invocation (entry point, pack, config, parameters) is the first line
the plugin writes on the answer channel; the outcome goes back on the
request channel (see squall_bridge). stdout and stderr are the action's.
"""
import importlib.util
import json
import os
import sys
import traceback

import squall_bridge
from st2common.runners import base_action


def _load(entry_point):
    name = os.path.splitext(os.path.basename(entry_point))[0]
    spec = importlib.util.spec_from_file_location(name, entry_point)
    if spec is None:
        raise ImportError("cannot load %s as a Python module" % entry_point)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _action_class(module, entry_point):
    found = [
        c for c in vars(module).values()
        if isinstance(c, type) and issubclass(c, base_action.Action) and c is not base_action.Action
        and c.__module__ == module.__name__
    ]
    if not found:
        raise TypeError("%s defines no subclass of st2common.runners.base_action.Action" % entry_point)
    if len(found) > 1:
        raise TypeError("%s defines more than one Action subclass: %s" % (
            entry_point, ", ".join(sorted(c.__name__ for c in found))))
    return found[0]


def main():
    channel_in = squall_bridge.answers_channel()
    invocation = json.loads(channel_in.readline())
    if "env" in invocation:  # forked by squall_forkserver: this run's environment
        os.environ.clear()
        os.environ.update(invocation["env"])
        os.chdir(invocation.get("cwd") or "/")
    entry_point = invocation["entry_point"]
    for path in (os.path.join(os.path.dirname(entry_point), "lib"), os.path.dirname(entry_point)):
        sys.path.insert(0, path)
    base_action._Context.pack = invocation.get("pack", "")
    base_action._Context.log_level = invocation.get("log_level", "DEBUG").upper()
    try:
        cls = _action_class(_load(entry_point), entry_point)
        action = cls(config=invocation.get("config") or {})
        action.entry_point = entry_point
        output = action.run(**(invocation.get("parameters") or {}))
    except Exception as e:  # the action's own failure: traceback to stderr
        traceback.print_exc()
        squall_bridge.send_result("failed", None)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
    status = "succeeded"
    if isinstance(output, tuple) and len(output) == 2 and isinstance(output[0], bool):
        status = "succeeded" if output[0] else "failed"
        output = output[1]
    sys.stdout.flush()
    sys.stderr.flush()
    squall_bridge.send_result(status, output)
    os._exit(0 if status == "succeeded" else 1)


if __name__ == "__main__":
    main()
