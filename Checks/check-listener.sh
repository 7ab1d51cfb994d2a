#!/usr/bin/env bash
# kdnetctl listen against kdnetctl simulate-target across two network namespaces
# (host 10.77.0.1 / fd77::1, target 10.77.0.2 / fd77::2 on a veth pair), the target
# sending from the KDNET port itself as a real one does. Every sender is bounded.
source "$(dirname "$0")/lib.sh"

NS_H=kdt-lst-h$$; NS_T=kdt-lst-t$$
VETH_H=kdt-lst-a$$; VETH_T=kdt-lst-b$$
cleanup() {
  jobs -p | xargs -r kill 2>/dev/null
  ip netns del "$NS_H" 2>/dev/null; ip netns del "$NS_T" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NS_H" && ip netns add "$NS_T" || { fail "cannot create network namespaces (need root)"; finish; exit 1; }
link "$NS_H" "$VETH_H" 10.77.0.1/24 "$NS_T" "$VETH_T" 10.77.0.2/24
ip -n "$NS_H" addr add fd77::1/64 dev "$VETH_H" nodad; ip -n "$NS_T" addr add fd77::2/64 dev "$VETH_T" nodad
for ns in "$NS_H" "$NS_T"; do ip -n "$ns" link set lo up; done
H=(ip netns exec "$NS_H"); T=(ip netns exec "$NS_T")
TARGET_MAC=$(ip -n "$NS_T" link show "$VETH_T" | awk '/link\/ether/ {print $2}')

KEY=$("$KDNETCTL" key generate); OTHER=$("$KDNETCTL" key generate)

# sim NAME ARGS...: a simulated target in the target namespace, in the background.
sim() { local name=$1; shift; "${T[@]}" "$KDNETCTL" simulate-target "$@" --json >"$WORK/$name.json" 2>"$WORK/$name.err" & }

# garbage PORT COUNT [KIND]: datagrams from the target side, bounded: non-KDNET text and
# a bogus MDBG header alternating (mixed), or only text, only MDBG of protocol version 6,
# or only malformed MDBG of a known version.
garbage() {
  "${T[@]}" python3 - "$1" "$2" "${3:-mixed}" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
text = lambda i: b"hello, this is not kdnet %d" % i
pick = {"mixed": lambda i: text(i) if i % 2 else b"MDBG\x02\x01" + bytes(20), "text": text,
        "v6": lambda i: b"MDBG\x06\x01" + bytes(32), "malformed": lambda i: b"MDBG\x02\x01" + bytes(20)}[sys.argv[3]]
for i in range(int(sys.argv[2])):
    s.sendto(pick(i), ("10.77.0.1", int(sys.argv[1])))
    time.sleep(0.1)
PY
}

# -- right key: connected, build reported, target left running
sim right --host-ip 10.77.0.1 --port 50000 --key "$KEY" --poke-interval 1 --build 9600 --protocol-version 4 --duration 8
expect_exit 0 "right key connects" -- "${H[@]}" "$KDNETCTL" listen --port 50000 --key "$KEY" --timeout 15 --json
[[ $(json_get "$OUT" 'd["connected"], d["build"], d["machine"], d["protocol_version"], d["target"]["address"], d["target"]["port"]') == "True 9600 x64 4 10.77.0.2 50000" ]] \
  && pass "report: build, machine, protocol, address" || fail "report: $OUT"
[[ $(json_get "$OUT" 'd["target"].get("mac")') == "$TARGET_MAC" ]] && pass "MAC from the neighbour table" || fail "mac: $OUT (want $TARGET_MAC)"
[[ $(json_get "$OUT" 'd["kernel_base"], d["confirm_ms"] >= 0') == "0xfffff8026bc18000 True" ]] && pass "kernel base and confirm time" || fail "kernel base: $OUT"
wait
SIMOUT=$(cat "$WORK/right.json")
[[ $(json_get "$SIMOUT" 'd["connected"], d["continued"], d["halted"], d["record"]["break_ins"], d["record"]["pokes"] > 3') == "True True False 1 True" ]] \
  && pass "target continued and kept running (and poking) after listen exited" || fail "simulator record: $SIMOUT"

# -- KDNET versions not seen before (6, and 1 below the known ones): an authentic poke is
# answered in the target's version, as WinDbg does, and said once; with another key the
# refusal is "a wrong key or a new layout", not a plain wrong key.
for v in 6 1; do
  sim new$v --host-ip 10.77.0.1 --port 50010 --key "$KEY" --poke-interval 1 --build 26100 --protocol-version $v --duration 8
  expect_exit 0 "version $v connects" -- "${H[@]}" "$KDNETCTL" listen --port 50010 --key "$KEY" --timeout 15
  [[ $(grep -c "^KDNET version $v, not seen before: answered as the target speaks it$" "$WORK/err") -eq 1 ]] \
    && pass "version $v: said once" || fail "version $v message: $ERR"
  contains "$ERR" "KDNET protocol $v (not seen before), Windows build 26100" "version $v: the build is reported"
  wait
  [[ $(json_get "$(cat "$WORK/new$v.json")" 'd["connected"], d["continued"]') == "True True" ]] \
    && pass "version $v: the simulated target was answered and continued" || fail "version $v sim: $(cat "$WORK/new$v.json")"
done
sim new6json --host-ip 10.77.0.1 --port 50010 --key "$KEY" --poke-interval 1 --protocol-version 6 --duration 6
expect_exit 0 "version 6 (--json)" -- "${H[@]}" "$KDNETCTL" listen --port 50010 --key "$KEY" --timeout 15 --json
[[ $(json_get "$OUT" 'd["connected"], d["protocol_version"], d["protocol_version_seen_before"], d["build"]') == "True 6 False 19041" ]] \
  && pass "--json: protocol_version 6, protocol_version_seen_before false" || fail "version 6 json: $OUT"
wait
sim new6wrong --host-ip 10.77.0.1 --port 50010 --key "$OTHER" --poke-interval 1 --protocol-version 6 --duration 4
expect_exit 1 "version 6 with another key" -- "${H[@]}" "$KDNETCTL" listen --port 50010 --key "$KEY" --timeout 3 --json
[[ $(json_get "$OUT" 'd["connected"], d["diagnosis"], d["seen"]["wrong_key"], d["seen"]["unsupported_versions"]') == "False unsupported-version 0 [6]" ]] \
  && pass "version 6 with another key: unsupported-version, not wrong-key" || fail "version 6 wrong key: $OUT"
contains "$(json_get "$OUT" 'd["explanation"]')" "unknown version 6: a wrong key or a new layout" "the refusal reads: a wrong key or a new layout"
wait

# -- a second listen against a target still bound to the first one re-keys it (keepalive answered)
sim twice --host-ip 10.77.0.1 --port 50009 --key "$KEY" --poke-interval 1 --duration 9
expect_exit 0 "first listen" -- "${H[@]}" "$KDNETCTL" listen --port 50009 --key "$KEY" --timeout 10 --json
expect_exit 0 "second listen takes the bound target over" -- "${H[@]}" "$KDNETCTL" listen --port 50009 --key "$KEY" --timeout 10
contains "$ERR" "re-keying" "the take-over is explained"
wait
[[ $(json_get "$(cat "$WORK/twice.json")" 'd["record"]["handshakes"], d["record"]["continues"], d["halted"]') == "2 2 False" ]] \
  && pass "target re-keyed once per listen and left running" || fail "twice: $(cat "$WORK/twice.json")"

# -- human report
sim human --host-ip 10.77.0.1 --port 50000 --key "$KEY" --poke-interval 1 --build 22621 --machine arm64 --duration 6
expect_exit 0 "human report" -- "${H[@]}" "$KDNETCTL" listen --port 50000 --key "$KEY" --timeout 15
contains "$ERR" "Windows build 22621, ARM64" "human report names build and architecture"
wait

# -- wrong key: diagnosed, no connection, exit 1 after --timeout
sim wrong --host-ip 10.77.0.1 --port 50001 --key "$OTHER" --poke-interval 1 --duration 5
expect_exit 1 "wrong key does not connect" -- "${H[@]}" "$KDNETCTL" listen --port 50001 --key "$KEY" --timeout 4 --json
[[ $(json_get "$OUT" 'd["connected"], d["diagnosis"], d["seen"]["wrong_key"] >= 2, d["seen"]["sources"][0]') == "False wrong-key True 10.77.0.2:50001" ]] \
  && pass "diagnosed as wrong-key with counts and source" || fail "wrong key json: $OUT"
wait
[[ $(json_get "$(cat "$WORK/wrong.json")" 'd["connected"], d["record"]["handshakes"]') == "False 0" ]] && pass "wrong-key target never got a handshake" || fail "wrong-key sim: $(cat "$WORK/wrong.json")"
sim wrong2 --host-ip 10.77.0.1 --port 50001 --key "$OTHER" --poke-interval 1 --duration 4
expect_exit 1 "wrong key (human)" -- "${H[@]}" "$KDNETCTL" listen --port 50001 --key "$KEY" --timeout 3
contains "$ERR" "fix: listen with the key" "wrong key explained with a fix"
wait

# -- nothing, garbage only, unexpected source
expect_exit 1 "silence" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 1 --json
[[ $(json_get "$OUT" 'd["diagnosis"], d["seen"]["total"]') == "no-traffic 0" ]] && pass "diagnosed as no-traffic" || fail "silence: $OUT"
[[ $(grep -c . "$WORK/err") -eq 1 ]] && ! grep -q "^waiting" "$WORK/err" && pass "--json: no waiting line on stderr, only the ready line" || fail "--json silence wrote to stderr: $ERR"
# A long quiet wait off a terminal says it is still waiting, every 10 s, before the diagnosis.
expect_exit 1 "silence for 12 s (piped)" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 12
WAITING_AT=$(grep -n "^waiting 10 s of 12: no datagrams yet$" "$WORK/err" | cut -d: -f1); DIAGNOSIS_AT=$(grep -n "^not connected" "$WORK/err" | cut -d: -f1)
[[ -n $WAITING_AT && -n $DIAGNOSIS_AT ]] && (( WAITING_AT < DIAGNOSIS_AT )) \
  && pass "a piped wait prints 'waiting 10 s of 12: no datagrams yet' before the diagnosis" || fail "no plain waiting line before the diagnosis: $ERR"
[[ $(grep -c "^waiting" "$WORK/err") -eq 1 ]] && pass "one plain waiting line in 12 s" || fail "waiting lines: $ERR"
[[ $(grep -c "^no poke after 10 s: possibly DHCP" "$WORK/err") -eq 1 ]] && pass "a quiet wait names the DHCP wait once, live" || fail "no live DHCP hint: $ERR"
expect_exit 1 "silence for 3 s (piped)" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 3
! grep -q "^waiting" "$WORK/err" && pass "a short piped wait prints no waiting line" || fail "short wait printed: $ERR"
# Silence within the first 60 s may be the target asking DHCP for its address (the default):
# the diagnosis names it and nodhcp with its cost; the 12 s wait said it live at 10 s.
expect_exit 1 "silence for 2 s with no target" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 2
contains "$ERR" "or possibly DHCP: the target uses DHCP unless its settings say nodhcp" "2 s of silence names the DHCP wait"
contains "$ERR" "set nodhcp on the target" "the DHCP hint names nodhcp"
contains "$ERR" "link-local 169.254.x.x address at once, so the host must be reachable on that segment" "the DHCP hint says what nodhcp costs"
contains "$ERR" "its own choice, not a documented figure" "the DHCP hint says 60 s is a choice"
expect_exit 1 "silence for 2 s (--json)" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 2 --json
[[ $(json_get "$OUT" 'd["diagnosis"], "possibly DHCP" in d["explanation"]') == "no-traffic True" ]] && pass "--json: the explanation names the DHCP wait" || fail "silence json: $OUT"
garbage 50002 15 text
expect_exit 1 "garbage only" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 2 --json
[[ $(json_get "$OUT" 'd["diagnosis"], d["seen"]["not_kdnet"] > 3') == "not-kdnet True" ]] && pass "diagnosed as not-kdnet" || fail "garbage: $OUT"
wait
# MDBG of protocol version 6 that does not authenticate: a wrong key or a new layout, not another program.
garbage 50002 15 v6
expect_exit 1 "KDNET version 6 only" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 2 --json
[[ $(json_get "$OUT" 'd["diagnosis"], d["seen"]["unsupported_version"] > 3, d["seen"]["unsupported_versions"], d["seen"]["not_kdnet"]') == "unsupported-version True [6] 0" ]] \
  && pass "version 6 diagnosed as unsupported-version" || fail "version 6: $OUT"
contains "$(json_get "$OUT" 'd["explanation"]')" "unknown version 6: a wrong key or a new layout" "the explanation names version 6"
wait
garbage 50002 15 v6
expect_exit 1 "KDNET version 6 (human)" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 2
contains "$ERR" "unsupported-version" "human report: unsupported-version"
contains "$ERR" "sends KDNET that does not authenticate, unknown version 6: a wrong key or a new layout" "the narration names version 6"
[[ $ERR != *"another program sends to this port"* ]] && pass "version 6 is not called another program" || fail "version 6 human: $ERR"
wait
# Malformed MDBG of a known version counts as malformed, not as not-KDNET.
garbage 50002 15 malformed
expect_exit 1 "malformed MDBG only" -- "${H[@]}" "$KDNETCTL" listen --port 50002 --key "$KEY" --timeout 2 --json
[[ $(json_get "$OUT" 'd["diagnosis"], d["seen"]["malformed"] > 3, d["seen"]["not_kdnet"]') == "malformed True 0" ]] \
  && pass "malformed MDBG counted as malformed" || fail "malformed: $OUT"
wait
sim unexpected --host-ip 10.77.0.1 --port 50003 --key "$KEY" --poke-interval 1 --duration 4
expect_exit 1 "unexpected source" -- "${H[@]}" "$KDNETCTL" listen --port 50003 --key "$KEY" --expect 10.77.0.9 --timeout 3 --json
[[ $(json_get "$OUT" 'd["diagnosis"]') == "unexpected-source" ]] && pass "diagnosed as unexpected-source" || fail "unexpected: $OUT"
wait

# -- garbage mixed into a real session
sim mixed --host-ip 10.77.0.1 --port 50004 --key "$KEY" --poke-interval 1 --duration 6
garbage 50004 30
expect_exit 0 "connects with garbage mixed in" -- "${H[@]}" "$KDNETCTL" listen --port 50004 --key "$KEY" --timeout 15 --json
[[ $(json_get "$OUT" 'd["connected"], d["build"]') == "True 19041" ]] && pass "garbage ignored" || fail "mixed: $OUT"
wait

# -- IPv6: the listener's second socket
sim v6 --host-ip fd77::1 --port 50005 --key "$KEY" --poke-interval 1 --duration 6
expect_exit 0 "IPv6 target connects" -- "${H[@]}" "$KDNETCTL" listen --port 50005 --key "$KEY" --timeout 15 --json
[[ $(json_get "$OUT" 'd["target"]["address"]') == "fd77::2" ]] && pass "IPv6 address reported" || fail "v6: $OUT"
[[ $(json_get "$OUT" 'd["target"].get("mac")') == "$TARGET_MAC" ]] && pass "IPv6 target's MAC from the neighbour (NDP) table" || fail "v6 mac: $OUT (want $TARGET_MAC)"
wait

# -- --target: a connect request makes the (simulated) target poke at once
sim connect --host-ip 10.77.0.1 --port 50006 --key "$KEY" --poke-interval 30 --duration 6
wait_for "$WORK/connect.err" "simulated target" 10
expect_exit 0 "--target connects without waiting for the next poke" -- "${H[@]}" "$KDNETCTL" listen --port 50006 --key "$KEY" --target 10.77.0.2 --timeout 10 --json
wait
# The target's next own poke was 30 s away and it ran 6 s: it poked because it was asked.
[[ $(json_get "$(cat "$WORK/connect.json")" 'd["record"]["connect_requests"] >= 1 and d["record"]["handshakes"] >= 1') == True ]] \
  && pass "--target: the target answered the connect request with a poke" || fail "connect sim: $(cat "$WORK/connect.json")"

# -- --follow: DbgPrint on stdout, a reboot starts a new session, no break-in
sim follow --host-ip 10.77.0.1 --port 50007 --key "$KEY" --poke-interval 1 --reboot-after 4 --duration 8
expect_exit 0 "--follow runs to its timeout" -- "${H[@]}" "$KDNETCTL" listen --port 50007 --key "$KEY" --follow --timeout 7
[[ $(grep -c "KDTARGET: Refreshing KD connection" <<<"$OUT") -eq 2 ]] && pass "boot DbgPrint output streamed for both boots" || fail "follow stdout: $OUT"
contains "$ERR" "rebooted" "a reboot is reported as a new session"
wait
[[ $(json_get "$(cat "$WORK/follow.json")" 'd["record"]["break_ins"], d["record"]["reboots"], d["record"]["handshakes"], d["halted"]') == "0 1 2 False" ]] \
  && pass "follow never broke in; the reboot got a new handshake" || fail "follow sim: $(cat "$WORK/follow.json")"

# -- --follow stopped with Ctrl-C leaves the target running
sim sigint --host-ip 10.77.0.1 --port 50008 --key "$KEY" --poke-interval 1 --duration 6
spid=$!
"${H[@]}" "$KDNETCTL" listen --port 50008 --key "$KEY" --follow --json >"$WORK/sigint.out" 2>"$WORK/sigint.err" &
lpid=$!
# Ctrl-C once the target has run its course (its boot messages acknowledged, so read).
wait "$spid"
kill -INT "$lpid"; wait "$lpid"; rc=$?
[[ $rc -eq 0 ]] && pass "SIGINT stops --follow cleanly (exit 0)" || fail "SIGINT exit $rc: $(cat "$WORK/sigint.err")"
[[ $(json_get "$(cat "$WORK/sigint.out")" 'd["connected"], d["sessions"], len(d["debug_output"]) >= 1') == "True 1 True" ]] \
  && pass "--follow --json records the debug output" || fail "follow json: $(cat "$WORK/sigint.out")"
wait
[[ $(json_get "$(cat "$WORK/sigint.json")" 'd["halted"], d["record"]["break_ins"]') == "False 0" ]] && pass "target not halted after Ctrl-C" || fail "sigint sim"

# -- several targets at once from a listener config
cat >"$WORK/listener.json" <<JSON
{"version": 1, "host_ip": "10.77.0.1", "targets": [
  {"name": "alpha", "port": 50010, "key": "$KEY", "address": "10.77.0.2"},
  {"name": "beta", "port": 50011, "key": "$OTHER"},
  {"name": "gamma", "port": 50012, "key": "$KEY"}]}
JSON
chmod 600 "$WORK/listener.json"  # it holds keys: one others can read is refused
sim alpha --host-ip 10.77.0.1 --port 50010 --key "$KEY" --poke-interval 1 --build 9600 --duration 8
sim beta --host-ip 10.77.0.1 --port 50011 --key "$OTHER" --poke-interval 1 --build 17763 --duration 8
sim gamma --host-ip 10.77.0.1 --port 50012 --key "$KEY" --poke-interval 1 --build 22000 --duration 8
expect_exit 0 "--config: three targets connect" -- "${H[@]}" "$KDNETCTL" listen --config "$WORK/listener.json" --timeout 15 --json
[[ $(json_get "$OUT" '" ".join("%s=%s" % (t["name"], t["build"]) for t in d["targets"])') == "alpha=9600 beta=17763 gamma=22000" ]] \
  && pass "each target reported with its name and build" || fail "config: $OUT"
wait
sim alpha2 --host-ip 10.77.0.1 --port 50010 --key "$KEY" --poke-interval 1 --duration 4
expect_exit 1 "--config: a missing target fails the whole run" -- "${H[@]}" "$KDNETCTL" listen --config "$WORK/listener.json" --timeout 3 --json
[[ $(json_get "$OUT" '[t["connected"] for t in d["targets"]]') == "[True, False, False]" ]] && pass "per-target outcome" || fail "partial config: $OUT"
wait

# -- 100 targets on ports 50100-50199 at once: all bound, idle costs no CPU (blocked in poll)
python3 - "$KEY" >"$WORK/l100.json" <<'PY'
import json, sys
print(json.dumps({"version": 1, "targets": [{"name": "t%d" % i, "port": 50100 + i, "key": sys.argv[1]} for i in range(100)]}))
PY
chmod 600 "$WORK/l100.json"
"${H[@]}" "$KDNETCTL" listen --config "$WORK/l100.json" --timeout 4 --json >"$WORK/l100.out" 2>"$WORK/l100.err" &
lpid=$!
# Measured from readiness (all 100 bound) over 2 s: the interval is the measurement.
wait_for "$WORK/l100.err" "listening on UDP" 10 $lpid
t0=$(awk '{print $14 + $15}' "/proc/$lpid/stat"); sleep 2; t1=$(awk '{print $14 + $15}' "/proc/$lpid/stat")
(( t1 - t0 <= 2 )) && pass "100 idle ports use no CPU ($((t1 - t0)) ticks in 2 s)" || fail "idle listener used $((t1 - t0)) ticks in 2 s"
wait "$lpid"
[[ $(json_get "$(cat "$WORK/l100.out")" 'len(d["targets"]), set(t["diagnosis"] for t in d["targets"])') == "100 {'no-traffic'}" ]] \
  && pass "100 targets reported" || fail "100 targets: $(head -c 300 "$WORK/l100.out")"

# -- 2,000 idle targets: a few KiB each. Each socket held a 64 KiB receive buffer
# (131 KiB a target, 305 MB for 2,000); allow 8 KiB a target over a one-target run.
ulimit -n 8192 2>/dev/null
fleet() { python3 -c 'import json, sys; print(json.dumps({"version": 1, "targets": [{"name": "t%d" % i, "port": 52000 + i, "key": sys.argv[1]} for i in range(int(sys.argv[2]))]}))' "$KEY" "$1"; }
fleet 1 >"$WORK/l1.json"; fleet 2000 >"$WORK/l2000.json"
chmod 600 "$WORK/l1.json" "$WORK/l2000.json"  # they hold keys: one others can read is refused
peak() { "${H[@]}" /usr/bin/time -f %M -o "$WORK/rss" "$KDNETCTL" listen --config "$1" --timeout 1 --json >"$WORK/rss.out" 2>/dev/null; tail -1 "$WORK/rss"; }
rss1=$(peak "$WORK/l1.json"); rss2000=$(peak "$WORK/l2000.json")
[[ $(json_get "$(cat "$WORK/rss.out")" 'len(d["targets"])') == 2000 ]] || fail "2,000 targets not all reported: $(head -c 300 "$WORK/rss.out")"
(( rss1 > 0 && rss2000 - rss1 < 2000 * 8 )) && pass "2,000 idle targets: peak ${rss2000} KiB, $(( (rss2000 - rss1) * 1024 / 2000 )) B a target over one target (${rss1} KiB)" \
  || fail "2,000 idle targets: peak ${rss2000} KiB vs ${rss1} KiB for one (limit 8 KiB a target)"

# -- bad input
expect_exit 64 "--port without --key" -- "$KDNETCTL" listen --port 50000
expect_one_line_error "missing key"
expect_exit 64 "port 0" -- "$KDNETCTL" listen --port 0 --key "$KEY"
expect_exit 64 "bad --bind" -- "$KDNETCTL" listen --port 50000 --key "$KEY" --bind not-an-ip
expect_exit 64 "--config with --port" -- "$KDNETCTL" listen --config "$WORK/listener.json" --port 50000
# a broken config is refused before anything listens: exit 1, one line naming the entry and field
bad_config() { # bad_config DESCRIPTION JSON EXPECTED-MESSAGE-PART
  printf '%s' "$2" >"$WORK/bad.json"
  expect_exit 1 "--config: $1" -- "$KDNETCTL" listen --config "$WORK/bad.json" --bind 127.0.0.1 --timeout 1
  expect_one_line_error "--config: $1"
  contains "$ERR" "$WORK/bad.json: $3" "--config: $1 named"
}
T='"key": "'$KEY'"'
bad_config "port 80" '{"version": 1, "targets": [{"name": "lab-07", "port": 80, '"$T"'}]}' "target 'lab-07': port 80 is outside 49152-65535"
bad_config "port 0" '{"version": 1, "targets": [{"name": "a", "port": 0, '"$T"'}]}' "target 'a': port 0 is outside 49152-65535"
bad_config "port 65536" '{"version": 1, "targets": [{"name": "a", "port": 65536, '"$T"'}]}' "target 'a': port 65536 is outside"
bad_config "missing port" '{"version": 1, "targets": [{"name": "a", '"$T"'}]}' "target 'a': port is missing"
bad_config "missing name" '{"version": 1, "targets": [{"port": 50000, '"$T"'}]}' 'targets[0]: name is missing'
bad_config "duplicate names" '{"version": 1, "targets": [{"name": "a", "port": 50000, '"$T"'}, {"name": "a", "port": 50001, '"$T"'}]}' "targets[1]: its name 'a' is also used by targets[0]"
bad_config "wrong version" '{"version": 2, "targets": [{"name": "a", "port": 50000, '"$T"'}]}' 'version 2 is not supported'
bad_config "bad host_ip" '{"version": 1, "host_ip": "999.1.1.1", "targets": [{"name": "a", "port": 50000, '"$T"'}]}' "host_ip '999.1.1.1' is not an IPv4 or IPv6 address"
head -c 40 "$WORK/listener.json" >"$WORK/cut.json"
expect_exit 1 "--config: a truncated file" -- "$KDNETCTL" listen --config "$WORK/cut.json"
expect_one_line_error "--config: truncated"
contains "$ERR" "$WORK/cut.json is damaged (it ends early, as if cut off); to write it again, move it aside and re-run \`kdnetctl plan\`" "truncation and recovery explained"
expect_exit 64 "bad machine" -- "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50000 --key "$KEY" --machine sparc
for v in 0 256; do
  expect_exit 64 "protocol version $v" -- "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50000 --key "$KEY" --protocol-version $v
  expect_one_line_error "--protocol-version $v"
done
contains "$ERR" "pick 1-255 (real targets were seen speaking 2, 4 and 5)" "the version range and the versions seen are named"
expect_exit 64 "--bind of the other family" -- "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50000 --key "$KEY" --bind ::1
expect_one_line_error "--bind ::1 towards IPv4"
contains "$ERR" "--bind ::1 is IPv6 but --host-ip 127.0.0.1 is IPv4" "the family mismatch is named"
expect_exit 64 "a poke flood" -- "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50000 --key "$KEY" --poke-interval 1e-9
expect_one_line_error "--poke-interval 1e-9"
contains "$ERR" "outside 0.05-60 seconds" "the poke interval's range is named"
expect_exit 64 "a negative poke count" -- "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50000 --key "$KEY" --max-pokes=-1
expect_one_line_error "--max-pokes -1"
contains "$ERR" "outside 1-10000" "the poke count's range is named"

# -- the README's try-out on one machine: a default listen (every address) and
# simulate-target towards loopback on the same port (in the host namespace's lo)
"${H[@]}" "$KDNETCTL" listen --port 50030 --key "$KEY" --timeout 15 --json >"$WORK/lo.json" 2>"$WORK/lo.err" &
lpid=$!
wait_for "$WORK/lo.err" "listening on UDP" 10 $lpid
expect_exit 0 "simulate-target beside a default listen on loopback" -- "${H[@]}" "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50030 --key "$KEY" --poke-interval 0.5
contains "$ERR" "so it sends from port" "it says it sends from another port"
wait "$lpid"; code=$?
[[ $code -eq 0 && $(json_get "$(cat "$WORK/lo.json")" 'd["connected"], d["target"]["address"]') == "True 127.0.0.2" ]] \
  && pass "the default listen connects to it" || fail "listen beside the simulator: exit $code $(cat "$WORK/lo.err" | tail -3)"

"${H[@]}" python3 -c 'import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 50020)); print("bound", flush=True); time.sleep(3)' >"$WORK/holder.out" &
wait_for "$WORK/holder.out" "bound" 10 $!
expect_exit 1 "port in use" -- "${H[@]}" "$KDNETCTL" listen --port 50020 --key "$KEY" --timeout 1
contains "$ERR" "already in use" "busy port explained"
wait
finish
