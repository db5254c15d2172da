#!/bin/sh
# Named arguments come first (--greeting=..., --region=..., --shout), then
# the positional one (who), as StackStorm passes them.
for a in "$@"; do
  case "$a" in
    --greeting=*) g=${a#--greeting=} ;;
    --region=*) r=${a#--region=} ;;
    --shout) s=1 ;;
    *) who=$a ;;
  esac
done
msg="$g, $who from $r"
if [ -n "$s" ]; then msg=$(echo "$msg" | tr a-z A-Z); fi
echo "$msg"
echo "pack=$ST2_ACTION_PACK_NAME" >&2
