"""StackStorm's sensor base classes, as squall runs them.

A passive sensor (Sensor) blocks in run() and dispatches when something
happens; an active one (PollingSensor) has poll() called every poll
interval. squall_sensor calls setup() once, add_trigger() for the triggers
rules want, then run(); cleanup() when the sensor is stopped. Trigger
changes come in on another thread, at any time.
"""
import abc
import threading

__all__ = ["BaseSensor", "Sensor", "PollingSensor"]

# Set when the sensor is being stopped, so that the polling loop neither
# sleeps out its interval nor polls after cleanup() began.
stopping = threading.Event()


class BaseSensor(object, metaclass=abc.ABCMeta):
    """What every sensor has; not instantiated directly."""

    def __init__(self, sensor_service, config=None):
        self.sensor_service = sensor_service
        self._sensor_service = sensor_service  # the older name, still used by packs
        self.config = config or {}
        self._config = self.config

    @abc.abstractmethod
    def setup(self):
        """Prepare the sensor; called once, before anything else."""

    @abc.abstractmethod
    def run(self):
        """Run the sensor."""

    @abc.abstractmethod
    def cleanup(self):
        """Release what setup() took; called when the sensor stops."""

    @abc.abstractmethod
    def add_trigger(self, trigger):
        """A rule started to use trigger (a dict)."""

    @abc.abstractmethod
    def update_trigger(self, trigger):
        """A trigger's parameters changed."""

    @abc.abstractmethod
    def remove_trigger(self, trigger):
        """No rule uses trigger any more."""


class Sensor(BaseSensor):
    """A passive sensor: run() blocks while it listens."""

    @abc.abstractmethod
    def run(self):
        """Listen, and dispatch what happens."""


class PollingSensor(BaseSensor):
    """An active sensor: poll() is called every poll_interval seconds."""

    def __init__(self, sensor_service, config=None, poll_interval=5):
        super(PollingSensor, self).__init__(sensor_service=sensor_service, config=config)
        self._poll_interval = poll_interval

    @abc.abstractmethod
    def poll(self):
        """Look at the outside system once, and dispatch what is new."""

    def run(self):
        while not stopping.is_set():
            self.poll()
            stopping.wait(self._poll_interval)

    def get_poll_interval(self):
        return self._poll_interval

    def set_poll_interval(self, poll_interval):
        self._poll_interval = poll_interval
