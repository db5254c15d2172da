"""The datastore as actions and sensors see it (StackStorm's
ActionDatastoreService and SensorDatastoreService).

Every call goes to the squall host, which applies the rights of the
caller: the user who ran the execution, or the sensor. "local" names are
prefixed with the pack and the class ("<pack>.<Class>:"), as StackStorm
does, so that two classes' keys never collide.
"""
import squall_bridge
from st2common.constants.keyvalue import (
    DATASTORE_KEY_SEPARATOR,
    FULL_SYSTEM_SCOPE,
    FULL_USER_SCOPE,
    SYSTEM_SCOPE,
    USER_SCOPE,
)


def _scope(scope):
    if scope in (SYSTEM_SCOPE, FULL_SYSTEM_SCOPE, None):
        return SYSTEM_SCOPE
    if scope in (USER_SCOPE, FULL_USER_SCOPE):
        return USER_SCOPE
    raise ValueError("Invalid scope: %s" % scope)


class KeyValuePair(object):
    """A datastore item, with the attributes StackStorm's client object has."""

    def __init__(self, item):
        self.name = item.get("name")
        self.value = item.get("value")
        self.scope = item.get("scope")
        self.user = item.get("user")
        self.secret = item.get("secret", False)
        self.encrypted = item.get("encrypted", False)
        self.expire_timestamp = item.get("expire_timestamp")

    def __repr__(self):
        return "<KeyValuePair name=%s,value=%s>" % (self.name, self.value)


class BaseDatastoreService(object):
    DATASTORE_NAME_SEPARATOR = DATASTORE_KEY_SEPARATOR

    def __init__(self, logger, pack_name, class_name):
        self._logger = logger
        self._pack_name = pack_name
        self._class_name = class_name

    def _prefix(self):
        return "%s.%s%s" % (self._pack_name, self._class_name, self.DATASTORE_NAME_SEPARATOR)

    def _name(self, name, local):
        return self._prefix() + name if local else name

    def list_values(self, local=True, prefix=None):
        full = (self._prefix() if local else "") + (prefix or "")
        items = squall_bridge.call("list", prefix=full, scope=SYSTEM_SCOPE) or []
        return [KeyValuePair(i) for i in items]

    def get_value(self, name, local=True, scope=SYSTEM_SCOPE, decrypt=False):
        item = squall_bridge.call("get", name=self._name(name, local), scope=_scope(scope), decrypt=bool(decrypt))
        if item is None:
            return None
        return item.get("value")

    def set_value(self, name, value, ttl=None, local=True, scope=SYSTEM_SCOPE, encrypt=False):
        if ttl is not None and int(ttl) <= 0:
            raise ValueError("ttl must be a positive number of seconds")
        squall_bridge.call(
            "set", name=self._name(name, local), value=str(value), scope=_scope(scope),
            ttl=int(ttl or 0), encrypt=bool(encrypt),
        )
        return True

    def delete_value(self, name, local=True, scope=SYSTEM_SCOPE):
        answer = squall_bridge.call("delete", name=self._name(name, local), scope=_scope(scope))
        return bool(answer)


class ActionDatastoreService(BaseDatastoreService):
    """An action's datastore; StackStorm's auth_token is not needed."""

    def __init__(self, logger, pack_name, class_name, auth_token=None):
        super(ActionDatastoreService, self).__init__(logger, pack_name, class_name)


class SensorDatastoreService(BaseDatastoreService):
    """A sensor's datastore; StackStorm's api_username is not needed."""

    def __init__(self, logger, pack_name, class_name, api_username=None):
        super(SensorDatastoreService, self).__init__(logger, pack_name, class_name)
