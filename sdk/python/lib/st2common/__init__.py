"""squall's compatibility layer for StackStorm content: only what actions and sensors import."""
