"""squall's compatibility layer for StackStorm sensors: st2reactor as sensors import it."""
