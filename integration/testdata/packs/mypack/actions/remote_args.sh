#!/bin/sh
# Prints its arguments one per line, and where it runs from.
for a in "$@"; do echo "arg:$a"; done
echo "dir:$(dirname "$0")"
