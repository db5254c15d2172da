#!/usr/bin/env bash
# Enforces STYLE.md's one-way imports:
#   sdk imports only proto; plugins import only sdk and proto;
#   cluster imports no host, sdk or plugins; host imports cluster, sdk, proto
#   and packs (the embedded built-in packs), which import nothing;
#   nothing outside host imports host, and inside host only the main
#   (host/cmd/squall) is imported by nobody.
set -euo pipefail
mod=$(go list -m)
fail=0
while read -r pkg imports; do
  rel=${pkg#"$mod"/}
  for imp in $imports; do
    case $imp in "$mod"/*) ;; *) continue ;; esac
    dep=${imp#"$mod"/}
    top=${rel%%/*}; deptop=${dep%%/*}
    bad=""
    case $top in
      sdk) [[ $deptop == sdk || $deptop == proto ]] || bad=1 ;;
      proto) [[ $deptop == proto ]] || bad=1 ;;
      packs) bad=1 ;;
      plugins) plugin=$(cut -d/ -f1-2 <<<"$rel")
               [[ $deptop == sdk || $deptop == proto || $dep == "$plugin"/* ]] || bad=1 ;;
      cluster) [[ $deptop == cluster ]] || bad=1 ;;
      host) [[ $deptop == host || $deptop == cluster || $deptop == sdk || $deptop == proto || $deptop == packs ]] || bad=1
            [[ $dep == host/cmd/* ]] && bad=1 ;;
      integration) [[ $deptop == host ]] && bad=1 ;;
    esac
    if [[ -n $bad ]]; then
      echo "import direction violated: $rel imports $dep" >&2
      fail=1
    fi
  done
done < <(go list -f '{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}}' ./...)
exit $fail
