#!/usr/bin/env bash
# Regenerates each X.json from X.nft: loads the rules into a throw-away network
# namespace and saves what `nft -j list ruleset` prints there. Run as root.
set -euo pipefail
cd "$(dirname "$0")"
ns=kdt-prb-fixtures
trap 'ip netns del $ns 2>/dev/null || true' EXIT
ip netns add $ns
for f in *.nft; do
  ip netns exec $ns nft flush ruleset
  ip netns exec $ns nft -f "$f"
  ip netns exec $ns nft -j list ruleset | python3 -m json.tool --indent 1 > "${f%.nft}.json"
done
