#!/usr/bin/env bash
# kdnetctl listen under hostile and broken conditions, across two network namespaces
# (host 10.79.0.1, target 10.79.0.2; 10.79.0.3 on the host side for the lossy relay):
# a million-datagram flood during a connect, 20% loss + duplication + reordering, and a
# listener killed mid-session. Every sender and relay is bounded in count and time.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPLAYER=$(dirname "$KDNETCTL")/kdnetctl-fuzz
FLOOD_COUNT=${FLOOD_COUNT:-1000000}
RSS_LIMIT_KB=$((64 * 1024))

NS_H=kdt-hos-h$$; NS_T=kdt-hos-t$$
VETH_H=kdt-hos-a$$; VETH_T=kdt-hos-b$$
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null
  ip netns del "$NS_H" 2>/dev/null; ip netns del "$NS_T" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NS_H" && ip netns add "$NS_T" || { fail "cannot create network namespaces (need root)"; finish; exit 1; }
link "$NS_H" "$VETH_H" 10.79.0.1/24 "$NS_T" "$VETH_T" 10.79.0.2/24
ip -n "$NS_H" addr add 10.79.0.3/24 dev "$VETH_H"
for ns in "$NS_H" "$NS_T"; do ip -n "$ns" link set lo up; done
H=(ip netns exec "$NS_H"); T=(ip netns exec "$NS_T")
KEY=$("$KDNETCTL" key generate)

# sim NAME ARGS...: a simulated target in the target namespace, in the background.
sim() { local name=$1; shift; "${T[@]}" "$KDNETCTL" simulate-target "$@" --json >"$WORK/$name.json" 2>"$WORK/$name.err" & }
BOOT_LINES=("KDTARGET: Refreshing KD connection" "CmInitSystem1: registry hives loaded" "PnP: boot-start drivers initialised" "Session Manager: smss.exe started")

# -- flood: a million random and near-valid datagrams while a target connects
KDNET_FLOOD_KEY=$KEY "$REPLAYER" --flood-pool "$WORK/pool" || fail "cannot build the flood pool with $REPLAYER"
"${H[@]}" /usr/bin/time -v -o "$WORK/flood.time" "$KDNETCTL" listen --port 50000 --key "$KEY" --timeout 60 --json >"$WORK/flood.out" 2>"$WORK/flood.err" &
lpid=$!
wait_for "$WORK/flood.err" "listening on UDP" 20 $lpid
start=$(date +%s)
"${T[@]}" python3 "$ROOT/Checks/hostile_flood.py" "$WORK/pool" 10.79.0.1 50000 "$FLOOD_COUNT" >"$WORK/flood.sent" 2>"$WORK/flood.started" &
fpid=$!
wait_for "$WORK/flood.started" flooding 20 $fpid
sim flood --host-ip 10.79.0.1 --port 50000 --key "$KEY" --poke-interval 1 --duration 20
wait "$lpid"; rc=$?
flood_running=$(kill -0 "$fpid" 2>/dev/null && echo yes || echo no)
wait "$fpid"
OUT=$(cat "$WORK/flood.out")
[[ $rc -eq 0 && $(json_get "$OUT" 'd["connected"], d["build"], d["target"]["address"]') == "True 19041 10.79.0.2" ]] \
  && pass "target confirmed during the flood (in $(( $(date +%s) - start )) s; flood still running at the end: $flood_running)" \
  || fail "flood: exit $rc: $OUT $(tail -3 "$WORK/flood.err")"
[[ $(cat "$WORK/flood.sent") -eq $FLOOD_COUNT ]] && pass "flood sent $FLOOD_COUNT datagrams" || fail "flood sent $(cat "$WORK/flood.sent")"
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$WORK/flood.time")
(( rss > 0 && rss <= RSS_LIMIT_KB )) && pass "peak RSS ${rss} KiB within 64 MiB" || fail "peak RSS ${rss:-?} KiB (limit $RSS_LIMIT_KB)"
[[ $(json_get "$OUT" 'all(d["seen"][k] > 0 for k in ("not_kdnet", "wrong_key", "kdnet_data", "malformed")) and d["seen"]["total"] > d["seen"]["authenticated"]') == "True" ]] \
  && pass "rejected counts reported: $(json_get "$OUT" '" ".join("%s=%s" % (k, v) for k, v in sorted(d["seen"].items()) if k != "sources")')" \
  || fail "seen counts: $OUT"
wait

# -- 20% loss, duplication and reordering each way: confirm, three seeds
"${H[@]}" python3 "$ROOT/Checks/lossy_relay.py" --listen 10.79.0.3 50001 --upstream 10.79.0.1 50001 --loss 0.2 --seed 0 --duration 1 >/dev/null
for seed in 1 2 3; do
  "${H[@]}" python3 "$ROOT/Checks/lossy_relay.py" --listen 10.79.0.3 50001 --upstream 10.79.0.1 50001 --loss 0.2 --seed "$seed" --duration 40 >"$WORK/relay$seed.json" 2>"$WORK/relay$seed.err" &
  rpid=$!
  wait_for "$WORK/relay$seed.err" bound 10 $rpid
  sim lossy$seed --host-ip 10.79.0.3 --port 50001 --key "$KEY" --poke-interval 1 --duration 35
  spid=$!
  expect_exit 0 "confirmed through a lossy relay (seed $seed)" -- "${H[@]}" "$KDNETCTL" listen --bind 10.79.0.1 --port 50001 --key "$KEY" --timeout 35 --json
  [[ $(json_get "$OUT" 'd.get("build")') == "19041" ]] || fail "lossy seed $seed: $OUT $ERR"
  kill "$spid" "$rpid" 2>/dev/null; wait
  [[ $(json_get "$(cat "$WORK/relay$seed.json")" 'd["dropped"] > 0 and d["duplicated"] > 0 and d["reordered"] > 0') == "True" ]] \
    || fail "relay $seed did not drop, duplicate and reorder: $(cat "$WORK/relay$seed.json")"
done

# -- --follow through the same relay: every boot message printed exactly once, in order
"${H[@]}" python3 "$ROOT/Checks/lossy_relay.py" --listen 10.79.0.3 50001 --upstream 10.79.0.1 50001 --loss 0.2 --seed 7 --duration 30 >"$WORK/relayf.json" 2>"$WORK/relayf.err" &
wait_for "$WORK/relayf.err" bound 10 $!
sim lossyf --host-ip 10.79.0.3 --port 50001 --key "$KEY" --poke-interval 1 --duration 25
expect_exit 0 "--follow through a lossy relay" -- "${H[@]}" "$KDNETCTL" listen --bind 10.79.0.1 --port 50001 --key "$KEY" --follow --timeout 24
got=$(grep -E "^($(IFS='|'; echo "${BOOT_LINES[*]}"))" <<<"$OUT" | sed 's/ (simulated target)//')
want=$(printf '%s\n' "${BOOT_LINES[@]}")
[[ $got == "$want" ]] && pass "boot messages streamed once each, in order, despite loss/dup/reorder" || fail "follow output: $OUT // $ERR"
wait

# -- a listener killed mid-session (SIGKILL) and restarted reconnects on the next poke
sim killed --host-ip 10.79.0.1 --port 50002 --key "$KEY" --poke-interval 1 --duration 16
"${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --follow >"$WORK/killed.out" 2>"$WORK/killed.err" &
lpid=$!
for _ in $(seq 1 50); do grep -q "KDTARGET" "$WORK/killed.out" && break; sleep 0.1; done
kill -KILL "$lpid"; wait "$lpid" 2>/dev/null
grep -q "KDTARGET" "$WORK/killed.out" && pass "first listener was in a session when killed" || fail "first listener never connected: $(cat "$WORK/killed.err")"
expect_exit 0 "restarted listener confirms the target" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 10 --json
[[ $(json_get "$OUT" 'd["connected"], d["build"]') == "True 19041" ]] && pass "restarted listener read the version" || fail "restart: $OUT"
wait
[[ $(json_get "$(cat "$WORK/killed.json")" 'd["record"]["handshakes"] >= 2, d["halted"]') == "True False" ]] \
  && pass "target re-keyed by the new listener and left running" || fail "killed sim: $(cat "$WORK/killed.json")"
finish
