import json
import os
import urllib.request

from st2common.runners.base_action import Action


class InjectTriggerAction(Action):
    """Fires a trigger through the API with the execution's own token."""

    def run(self, trigger, payload=None, trace_tag=None):
        body = {"trigger": trigger, "payload": payload or {}}
        if trace_tag:
            body["trace_tag"] = trace_tag
        req = urllib.request.Request(
            os.environ["ST2_ACTION_API_URL"] + "/webhooks/st2",
            data=json.dumps(body).encode("utf-8"),
            headers={"Content-Type": "application/json",
                     "X-Auth-Token": os.environ.get("ST2_ACTION_AUTH_TOKEN", "")},
            method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read().decode("utf-8") or "{}")
