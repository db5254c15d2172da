"""squall's compatibility layer for StackStorm actions: only what actions import."""
