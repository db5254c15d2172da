from st2reactor.sensor.base import PollingSensor


class CounterSensor(PollingSensor):
    """Unmodified StackStorm polling sensor: state in the datastore."""

    def setup(self):
        self._logger = self.sensor_service.get_logger(name=self.__class__.__name__)
        self._count = int(self.sensor_service.get_value("count", local=True) or 0)

    def poll(self):
        self._count += 1
        self.sensor_service.set_value("count", str(self._count), local=True)
        greeting = self.sensor_service.get_value("greeting", local=False)
        self._logger.info("tick %d", self._count)
        self.sensor_service.dispatch(trigger="sensordemo.tick",
                                     payload={"count": self._count, "greeting": greeting})

    def cleanup(self):
        pass

    def add_trigger(self, trigger):
        pass

    def update_trigger(self, trigger):
        pass

    def remove_trigger(self, trigger):
        pass
