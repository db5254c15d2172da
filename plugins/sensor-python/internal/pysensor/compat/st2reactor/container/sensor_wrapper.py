"""The sensor service: what self.sensor_service offers a sensor.

Dispatches and datastore calls go to the squall host over the bridge
(squall_bridge), from whichever thread makes them.
"""
import logging

import squall_bridge
from st2common.constants.keyvalue import SYSTEM_SCOPE
from st2common.services.datastore import SensorDatastoreService

__all__ = ["SensorService"]


class SensorService(object):
    """StackStorm's SensorService: dispatch, loggers, the datastore.

    sensor_wrapper is any object with pack, class_name and logger (the
    sensor's root logger, "SensorWrapper.<pack>.<Class>").
    """

    def __init__(self, sensor_wrapper):
        self._sensor_wrapper = sensor_wrapper
        self._logger = sensor_wrapper.logger
        self._datastore_service = SensorDatastoreService(
            logger=self._logger, pack_name=sensor_wrapper.pack,
            class_name=sensor_wrapper.class_name, api_username="sensor_service",
        )

    @property
    def datastore_service(self):
        return self._datastore_service

    def get_logger(self, name):
        """A logger under the sensor's; its records reach the host's log."""
        logger = logging.getLogger("%s.%s" % (self._logger.name, name))
        logger.propagate = True
        return logger

    def dispatch(self, trigger, payload=None, trace_tag=None):
        """Fire a trigger instance: trigger is the trigger type's ref."""
        self._dispatch(trigger, payload, trace_tag or None)

    def dispatch_with_context(self, trigger, payload=None, trace_context=None):
        """dispatch, with a trace context (an object or a dict with trace_tag)."""
        tag = None
        if isinstance(trace_context, dict):
            tag = trace_context.get("trace_tag")
        elif trace_context is not None:
            tag = getattr(trace_context, "trace_tag", None)
        self._dispatch(trigger, payload, tag)

    def _dispatch(self, trigger, payload, trace_tag):
        if not isinstance(trigger, str):
            raise TypeError("trigger must be a trigger type's ref (a string), not %r" % (trigger,))
        if payload is not None and not isinstance(payload, dict):
            raise TypeError("payload must be a dict or None, not %s" % type(payload).__name__)
        self._logger.debug("Dispatching trigger (trigger=%s,payload=%s)", trigger, payload)
        squall_bridge.call("dispatch", trigger=trigger, payload=payload or {}, trace_tag=trace_tag or "")

    def list_values(self, local=True, prefix=None):
        return self._datastore_service.list_values(local=local, prefix=prefix)

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        return self._datastore_service.get_value(name, local=local, scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        return self._datastore_service.set_value(
            name, value, ttl=ttl, local=local, scope=scope, encrypt=encrypt)

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        return self._datastore_service.delete_value(name, local=local, scope=scope)
