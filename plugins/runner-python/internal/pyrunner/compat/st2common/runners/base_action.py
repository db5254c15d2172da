"""StackStorm's Action base class, as squall runs it."""
import abc
import logging
import sys

from st2common.services.datastore import ActionDatastoreService


class ActionService(object):
    """What self.action_service offers: the datastore (StackStorm's names)."""

    def __init__(self, action_wrapper):
        self._wrapper = action_wrapper
        self._datastore = ActionDatastoreService(
            logger=action_wrapper.logger,
            pack_name=action_wrapper.pack,
            class_name=action_wrapper.class_name,
        )

    def get_value(self, name, local=True, scope="system", decrypt=False):
        return self._datastore.get_value(name, local=local, scope=scope, decrypt=decrypt)

    def set_value(self, name, value, ttl=None, local=True, scope="system", encrypt=False):
        return self._datastore.set_value(name, value, ttl=ttl, local=local, scope=scope, encrypt=encrypt)

    def delete_value(self, name, local=True, scope="system"):
        return self._datastore.delete_value(name, local=local, scope=scope)

    def list_values(self, local=True, prefix=None):
        return self._datastore.list_values(local=local, prefix=prefix)


class _Wrapper(object):
    pack = ""
    class_name = ""
    logger = None


class Action(object):
    """Base class of python-script actions: subclass it and implement run()."""

    __metaclass__ = abc.ABCMeta
    description = None

    def __init__(self, config=None, action_service=None):
        self.config = config or {}
        self.logger = self._set_up_logger()
        if action_service is None:
            wrapper = _Wrapper()
            wrapper.pack = _Context.pack
            wrapper.class_name = self.__class__.__name__
            wrapper.logger = self.logger
            action_service = ActionService(wrapper)
        self.action_service = action_service
        self.entry_point = None

    @abc.abstractmethod
    def run(self, **kwargs):
        raise NotImplementedError()

    def _set_up_logger(self):
        name = "%s.%s" % (_Context.pack, self.__class__.__name__)
        logger = logging.getLogger(name)
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s [-] %(message)s"))
            logger.addHandler(handler)
        logger.setLevel(getattr(logging, _Context.log_level, logging.DEBUG))
        logger.propagate = False
        return logger


class _Context(object):
    """Set by the wrapper before the action class is instantiated."""

    pack = ""
    log_level = "DEBUG"
