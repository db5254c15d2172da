#!/bin/sh
# Prints a new UUID of the type named by $1 (uuid1 or uuid4).
case "${1:-uuid4}" in
  uuid4) cat /proc/sys/kernel/random/uuid ;;
  uuid1) python3 -c 'import uuid; print(uuid.uuid1())' ;;
  *) echo "unknown uuid type: $1" >&2; exit 1 ;;
esac
