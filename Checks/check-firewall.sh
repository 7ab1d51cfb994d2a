#!/usr/bin/env bash
# kdnetctl firewall against real nftables rulesets loaded into a host namespace H, each
# verdict checked against reality: a probe sent from target namespace T through the
# same rules gets through, is dropped, or is rejected as the verdict says.
source "$(dirname "$0")/lib.sh"
H=kdt-prb-fh$$ T=kdt-prb-ft$$
RULES=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures/nft
trap 'ip netns del $H 2>/dev/null; ip netns del $T 2>/dev/null; rm -rf "$WORK"' EXIT
ip netns add $H; ip netns add $T
ip link add kdt-prb-vh netns $H type veth peer name kdt-prb-vt netns $T
ip -n $H addr add 10.77.0.1/24 dev kdt-prb-vh; ip -n $T addr add 10.77.0.2/24 dev kdt-prb-vt
for ns in $H $T; do ip -n $ns link set lo up; done
ip -n $H link set kdt-prb-vh up; ip -n $T link set kdt-prb-vt up
host() { ip netns exec $H "$@"; }

expect_exit 0 "no ruleset" -- host "$KDNETCTL" firewall --port 50000
contains "$OUT" "no firewall to check" "says there is no firewall"

# reality PORT: what a probe from T to H's PORT meets: accepted, dropped or rejected.
reality() {
  host "$KDNETCTL" probe listen --port "$1" --key fw --max 2 --timeout 4 >/dev/null 2>"$WORK/reality.err" &
  local listener=$!
  wait_for "$WORK/reality.err" "listening on UDP" 10 $listener >/dev/null
  local r; r=$(ip netns exec $T "$KDNETCTL" probe send 10.77.0.1 --port "$1" --key fw --count 2 --timeout 0.7 --json 2>/dev/null)
  kill $listener 2>/dev/null; wait $listener 2>/dev/null
  json_get "$r" '"accepted" if d["answered"] > 0 else "rejected" if d["refused_by_icmp"] > 0 else "dropped"'
}

# verdict FIXTURE PORT WANTED: the binary's verdict, then the same packet for real.
verdict() {
  host nft flush ruleset
  host nft -f "$RULES/$1.nft"
  local want_exit=0; [[ $3 == accepted ]] || want_exit=1
  expect_exit $want_exit "$1: port $2 $3" -- host "$KDNETCTL" firewall --port "$2" --interface kdt-prb-vh --source 10.77.0.2 --json
  local got; got=$(json_get "$OUT" 'd["outcome"]')
  [[ $got == "$3" ]] && pass "$1: verdict $3" || fail "$1 port $2: verdict $got, wanted $3: $OUT"
  local real; real=$(reality "$2")
  [[ $real == "$3" ]] && pass "$1: a real probe is $3 too" || fail "$1 port $2: a real probe was $real, verdict $3"
}

verdict accept 50000 accepted
verdict drop-rule 50000 dropped
verdict reject-rule 50010 rejected
verdict policy-drop 50000 dropped
verdict jump 50020 accepted
verdict jump 50040 dropped
verdict other-port 50000 dropped
verdict other-port 50001 accepted
verdict two-tables 50000 dropped
verdict source-and-goto 50000 accepted

# The named rule, then the printed fix applied for real.
host nft flush ruleset; host nft -f "$RULES/drop-rule.nft"
expect_exit 1 "dropped, human report" -- host "$KDNETCTL" firewall --port 50000 --interface kdt-prb-vh
contains "$OUT" "udp dport 50000 counter drop" "names the rule"
contains "$OUT" "handle 2" "names the handle"
open=$(grep '^  nft insert rule' <<<"$OUT" | sed 's/^  //')
contains "$open" 'nft insert rule inet filter input iifname "kdt-prb-vh" udp dport 50000 accept' "prints the opening rule"
eval "host $open"
expect_exit 0 "accepted once the printed rule is inserted" -- host "$KDNETCTL" firewall --port 50000 --interface kdt-prb-vh
[[ $(reality 50000) == accepted ]] && pass "and a real probe passes" || fail "printed rule did not open the port"

host nft flush ruleset; host nft -f "$RULES/two-tables.nft"
expect_exit 0 "undetermined without --interface" -- host "$KDNETCTL" firewall --port 50000 --json
[[ $(json_get "$OUT" 'd["outcome"]') == undetermined ]] && pass "undetermined outcome" || fail "two-tables without interface: $OUT"
contains "$OUT" "--interface" "says which flag settles it"

expect_exit 1 "reading the ruleset needs root" -- host setpriv --reuid=65534 --regid=65534 --clear-groups "$KDNETCTL" firewall --port 50000
contains "$ERR" "needs root" "says to use sudo"
expect_exit 1 "saved ruleset file, no root needed" -- setpriv --reuid=65534 --regid=65534 --clear-groups "$KDNETCTL" firewall --port 50000 --ruleset "$RULES/policy-drop.json" --json
[[ $(json_get "$OUT" 'd["outcome"], d["decided_by"]["by_policy"]') == "dropped True" ]] && pass "policy drop from a file" || fail "file: $OUT"
expect_exit 1 "missing ruleset file (a file that cannot be read is a runtime failure)" -- "$KDNETCTL" firewall --port 50000 --ruleset /nonexistent.json
expect_exit 64 "port 0" -- "$KDNETCTL" firewall --port 0
expect_one_line_error "port 0"

expect_exit 0 "windows host" -- "$KDNETCTL" firewall --port 50005 --host-os windows
contains "$OUT" 'netsh advfirewall firewall add rule name="WinDbg KDNET" dir=in action=allow protocol=UDP localport=50005 profile=domain,private,public' "netsh line"
contains "$OUT" 'New-NetFirewallRule -DisplayName "WinDbg KDNET" -Direction Inbound -Protocol UDP -LocalPort 50005 -Action Allow -Profile Domain,Private,Public' "PowerShell line"
contains "$OUT" "Allow an app through Windows Firewall" "Control Panel path"
expect_exit 0 "windows host --json" -- "$KDNETCTL" firewall --port 50005 --host-os windows --json
[[ $(json_get "$OUT" '"profile=domain,private,public" in d["netsh"]') == True ]] && pass "windows json" || fail "windows json: $OUT"
expect_exit 64 "unknown host OS" -- "$KDNETCTL" firewall --port 50005 --host-os macos
finish
