from st2common.runners.base_action import Action


class Hello(Action):
    def run(self, who, fail):
        greeting = self.action_service.get_value("greeting", local=False)
        self.action_service.set_value("last_who", who)
        print("running for %s" % who)
        if fail:
            return (False, {"who": who})
        return {"message": "%s, %s" % (greeting, who), "region": self.config["region"],
                "retries": self.config["retries"]}
