#!/usr/bin/env bash
# kdnetctl serve (the lab service) against simulated targets on loopback: four targets
# from `plan` (one connects, one has another key, one never starts, one reboots), their
# states read from the --json log lines and from the HTTP API and metrics with curl,
# DbgPrint in the log files and at /api/targets/NAME/log, SIGHUP with a target added
# and one removed, SIGTERM exits 0. Every sender is bounded
# (--duration); every wait is for a line the programs print, never a fixed sleep.
source "$(dirname "$0")/lib.sh"

cleanup() { jobs -p | xargs -r kill 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# Five UDP ports free on IPv4 and IPv6 loopback, from the KDNET range.
read -r P1 P2 P3 P4 P5 < <(python3 - <<'PY'
import random, socket
found = []
while len(found) < 5:
    p = random.randint(50100, 60900)
    try:
        for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            if fam == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s.bind((addr, p)); s.close()
        if p not in found:
            found.append(p)
    except OSError:
        pass
print(*found)
PY
)
OTHER=$("$KDNETCTL" key generate)
printf 'name,port\nright,%s\nwrong,%s\nnever,%s\nreboots,%s\n' "$P1" "$P2" "$P3" "$P4" >"$WORK/inv.csv"
expect_exit 0 "plan writes the listener config" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$WORK/fleet" --host-ip 192.0.2.10
# The host address only goes into the targets' scripts; serve listens on every address.
CONFIG=$WORK/fleet/listener.json
[[ $(json_get "$(cat "$CONFIG")" '",".join(t["name"] for t in d["targets"])') == "right,wrong,never,reboots" ]] \
  && pass "plan names the targets as the inventory does" || fail "names in listener.json: $(cat "$CONFIG")"
key_of() { json_get "$(cat "$CONFIG")" "[t['key'] for t in d['targets'] if t['name'] == '$1'][0]"; }

LOG=$WORK/serve.err
HP=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
API=http://127.0.0.1:$HP
"$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$HP" --log-dir "$WORK/logs" --silence 20 --json 2>"$LOG" >"$WORK/serve.out" &
SERVE=$!
wait_for "$LOG" '"event":"ready"' 20 $SERVE && pass "readiness line" || fail "no readiness line: $(cat "$LOG")"
contains "$(grep '"event":"ready"' "$LOG")" "serving 4 targets on UDP" "readiness names the targets and ports"
contains "$(grep '"event":"ready"' "$LOG")" "status on $API/" "readiness names the status page"

# seen NAME KEY VALUE: a JSON log line of target NAME has KEY == VALUE.
seen() {
  python3 - "$LOG" "$1" "$2" "$3" <<'PY'
import json, sys
path, name, key, value = sys.argv[1:]
for line in open(path, errors="replace"):
    try: d = json.loads(line)
    except ValueError: continue
    if d.get("target") == name and d.get(key) == value: sys.exit(0)
sys.exit(1)
PY
}
# wait_seen NAME KEY VALUE [SECONDS]
wait_seen() {
  local i limit=${4:-20}
  for ((i = 0; i < limit * 10; i++)); do seen "$1" "$2" "$3" && return 0; kill -0 $SERVE 2>/dev/null || break; sleep 0.1; done
  seen "$1" "$2" "$3"
}
SIMS=()
sim() { local name=$1; shift; "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --poke-interval 0.5 "$@" >"$WORK/$name.sim" 2>&1 & SIMS+=($!); }

sim right --port "$P1" --key "$(key_of right)" --duration 20 --build 22621
sim wrong --port "$P2" --key "$OTHER" --duration 20
sim reboots --port "$P4" --key "$(key_of reboots)" --reboot-after 3 --duration 20

wait_seen right state connected && pass "right key: connected" || fail "right: not connected: $(grep right "$LOG")"
wait_seen right build 22621 && pass "right key: its build was read" || fail "right: no version line"
wait_seen wrong state wrong_key && pass "other key: wrong_key" || fail "wrong: $(grep wrong "$LOG")"
wait_seen reboots event reboot && pass "reboot noticed" || fail "reboots: $(grep reboots "$LOG")"
wait_seen reboots reboots 1 && pass "reboot counted" || fail "reboot not counted"
for ((i = 0; i < 100; i++)); do grep -qs "KDTARGET" "$WORK/logs/right.log" && break; sleep 0.1; done
contains "$(cat "$WORK/logs/right.log" 2>/dev/null)" "KDTARGET: Refreshing KD connection" "DbgPrint lands in right.log"
seen never state connected && fail "never: a target that never sent is not connected" || pass "never: no state change (waiting)"

# The same fleet over HTTP, with a real client (curl).
TARGETS=$(curl -sf "$API/api/targets")
python3 - "$TARGETS" <<'PY' && pass "/api/targets: every field, the states, build and reboots" || fail "/api/targets: $TARGETS"
import json, sys
d = json.loads(sys.argv[1])
fields = {"name", "port", "state", "address", "mac", "build", "machine", "kernel_base", "since", "last_seen",
          "datagrams", "wrong_key", "unexpected_source", "reboots"}
by = {t["name"]: t for t in d["targets"]}
assert all(fields <= t.keys() for t in by.values()), "missing fields"
assert by["right"]["state"] == "connected" and by["right"]["build"] == 22621 and by["right"]["machine"] == "x64", by["right"]
assert by["right"]["kernel_base"].startswith("0x") and by["right"]["address"].startswith("127."), by["right"]
assert by["wrong"]["state"] == "wrong_key" and by["wrong"]["wrong_key"] > 0 and by["wrong"]["build"] is None, by["wrong"]
assert by["never"]["state"] == "waiting" and by["never"]["datagrams"] == 0 and by["never"]["last_seen"] is None, by["never"]
assert by["reboots"]["reboots"] >= 1, by["reboots"]
PY
contains "$(curl -sf "$API/api/targets/right/log")" "KDTARGET: Refreshing KD connection" "/api/targets/right/log serves its DbgPrint text"
[[ $(curl -s -o /dev/null -w '%{http_code}' "$API/api/targets/nosuch/log") == 404 ]] && pass "an unknown target's log is 404" || fail "unknown log not 404"
METRICS=$(curl -sf "$API/metrics")
grep -qE "^kdnet_target_up\{target=\"right\",port=\"$P1\"\} 1(\.0)?$" <<<"$METRICS" && grep -qE "^kdnet_target_up\{target=\"wrong\",port=\"$P2\"\} 0(\.0)?$" <<<"$METRICS" \
  && pass "/metrics: kdnet_target_up is 1 for the connected target, 0 for the wrong key" || fail "/metrics up: $(grep kdnet_target_up <<<"$METRICS")"
grep -qE "^kdnet_target_reboots_total\{target=\"reboots\",port=\"$P4\"\} [1-9]" <<<"$METRICS" \
  && pass "/metrics: the reboot is counted" || fail "/metrics reboots: $(grep reboots_total <<<"$METRICS")"
grep -qE "^kdnet_datagrams_total\{target=\"wrong\",port=\"$P2\",status=\"wrong-key\"\} [1-9]" <<<"$METRICS" \
  && pass "/metrics: datagrams by status" || fail "/metrics datagrams: $(grep 'datagrams_total{target="wrong"' <<<"$METRICS")"
PAGE=$(curl -sf "$API/")
contains "$PAGE" "<td>right</td>" "the status page lists the targets"
leaked=0
for name in right wrong never reboots; do
  k=$(key_of $name)
  [[ $TARGETS$METRICS$PAGE == *"$k"* || $TARGETS$METRICS$PAGE == *"${k%%.*}"* ]] && leaked=1
done
[[ $leaked -eq 0 ]] && pass "no key is served (API, metrics, page)" || fail "a key was served"

# SIGHUP: add a fifth target, drop "wrong".
printf 'name,port\nright,%s\nnever,%s\nreboots,%s\nadded,%s\n' "$P1" "$P3" "$P4" "$P5" >"$WORK/inv.csv"
expect_exit 0 "plan writes the changed config" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$WORK/fleet" --host-ip 192.0.2.10
kill -HUP $SERVE
wait_for "$LOG" '"added":"added"' 20 $SERVE && pass "SIGHUP: config reloaded" || fail "no reload line: $(tail -3 "$LOG")"
contains "$(grep '"added":"added"' "$LOG")" '"removed":"wrong"' "reload names the removed target"
ss -Hunl "sport = :$P5" | grep -q . && pass "added port bound" || fail "port $P5 not bound"
ss -Hunl "sport = :$P2" | grep -q . && fail "removed port $P2 still bound" || pass "removed port closed"
sim added --port "$P5" --key "$(key_of added)" --duration 10
wait_seen added state connected && pass "added target connects" || fail "added: $(grep added "$LOG")"
seen right event reboot && fail "right: its session was restarted by the reload" || pass "right: session kept across the reload"
[[ $(json_get "$(curl -sf "$API/api/targets")" '",".join(sorted(t["name"] for t in d["targets"]))') == "added,never,reboots,right" ]] \
  && pass "/api/targets follows the reload" || fail "after reload: $(curl -s "$API/api/targets")"

# Malformed traffic on a served port (short, long, MDBG-prefixed garbage): counted, survived.
python3 - "$P3" <<'PY'
import os, random, socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
random.seed(7)
for i in range(300):  # bounded
    body = os.urandom(random.choice([0, 1, 5, 40, 300, 1400]))
    s.sendto((b"MDBG" + bytes([random.randint(0, 9)]) + body) if i % 2 else body, ("127.0.0.1", int(__import__("sys").argv[1])))
    # In bursts of 20: 300 at once overflow the socket's receive buffer (about 200 KiB)
    # before a debug build has read them, and the kernel's drops are not the service's.
    if i % 20 == 19:
        time.sleep(0.002)
PY
for ((i = 0; i < 100; i++)); do
  n=$(json_get "$(curl -sf "$API/api/targets")" '[t["datagrams"] for t in d["targets"] if t["name"] == "never"][0]' 2>/dev/null)
  [[ ${n:-0} -ge 300 ]] && break; sleep 0.1
done
kill -0 $SERVE 2>/dev/null && [[ ${n:-0} -ge 300 ]] && pass "300 malformed datagrams counted, the service goes on" || fail "after garbage: alive=$(kill -0 $SERVE 2>/dev/null && echo yes) counted=${n:-none}"
[[ $(json_get "$(curl -sf "$API/api/targets")" '[t["state"] for t in d["targets"] if t["name"] == "right"][0] in ("connected", "silent")') == True ]] \
  && pass "the other targets are unaffected" || fail "right after garbage: $(curl -s "$API/api/targets")"

# A config that no longer reads: said, the running one kept.
cp "$CONFIG" "$WORK/good.json"; echo '{"version": 1, "targets": [' >"$CONFIG"
kill -HUP $SERVE
wait_for "$LOG" 'reload refused' 20 $SERVE && pass "broken config on SIGHUP is refused" || fail "no refusal: $(tail -2 "$LOG")"
kill -0 $SERVE 2>/dev/null && pass "still serving after a broken config" || fail "serve died"
cp "$WORK/good.json" "$CONFIG"

kill -TERM $SERVE
wait $SERVE; rc=$?
[[ $rc -eq 0 ]] && pass "SIGTERM exits 0" || fail "SIGTERM: exit $rc: $(tail -5 "$LOG")"
curl -s -o /dev/null "$API/api/targets" && fail "the status page still answers after SIGTERM" || pass "the status page stopped with the service"
seen right event summary && pass "summary per target at exit" || fail "no summary lines"
seen never state waiting && pass "never: still waiting at exit" || fail "never: $(grep never "$LOG")"
python3 - "$LOG" <<'PY' && pass "every stderr line is one JSON object" || fail "non-JSON lines in the log"
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    assert {"time", "level", "event", "target", "message"} <= d.keys(), line
PY
[[ ! -s $WORK/serve.out ]] && pass "nothing on stdout" || fail "stdout: $(cat "$WORK/serve.out")"

# A config with one bad entry: that entry is refused and said, the others run. The
# log folder is a full tmpfs: writing is said once to fail, the session goes on.
python3 - "$WORK/good.json" "$WORK/one-bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["targets"].append({"name": "bad-port", "port": 80, "key": d["targets"][0]["key"]})
json.dump(d, open(sys.argv[2], "w"))
PY
chmod 600 "$WORK/one-bad.json"  # it holds keys: one others can read is refused
# The first simulated targets must not poke the second service.
kill "${SIMS[@]}" 2>/dev/null; wait "${SIMS[@]}" 2>/dev/null
LOG=$WORK/serve2.err
mkdir -p "$WORK/full"
if mount -t tmpfs -o size=64k tmpfs "$WORK/full" 2>/dev/null; then
  dd if=/dev/zero of="$WORK/full/filler" bs=4k 2>/dev/null
  "$KDNETCTL" serve --config "$WORK/one-bad.json" --no-http --log-dir "$WORK/full" --json 2>"$LOG" &
  SERVE=$!
  wait_for "$LOG" '"event":"ready"' 20 $SERVE && pass "serves with a bad entry" || fail "no readiness: $(cat "$LOG")"
  contains "$(grep '"event":"ready"' "$LOG")" "serving 4 targets" "the good entries run"
  contains "$(grep 'entry refused' "$LOG")" "target 'bad-port': port 80 is outside 49152-65535" "the bad entry is refused and named"
  sim right2 --port "$P1" --key "$(key_of right)" --duration 10
  wait_seen right event log-write && pass "a full disk is said" || fail "no log-write line: $(grep right "$LOG")"
  contains "$(grep '"event":"log-write"' "$LOG")" "No space left on device" "the reason is the full disk"
  [[ $(grep -c '"event":"log-write"' "$LOG") -eq 1 ]] && pass "said once" || fail "log-write said $(grep -c '"event":"log-write"' "$LOG") times"
  wait_seen right state connected && pass "the session goes on with a full disk" || fail "right not connected"
  kill -TERM $SERVE; wait $SERVE; rc=$?
  [[ $rc -eq 0 ]] && pass "SIGTERM exits 0 (full disk)" || fail "exit $rc"
  umount "$WORK/full"
else
  echo "  (no tmpfs mount here: the full-disk case is left to the unit tests)"
fi

# Usage errors.
expect_exit 64 "non-loopback --http without a token" -- "$KDNETCTL" serve --config "$CONFIG" --http 0.0.0.0:8470
expect_one_line_error "--http without token"
contains "$ERR" "--http-token" "the error names --http-token"
expect_exit 64 "malformed --http" -- "$KDNETCTL" serve --config "$CONFIG" --http 8470
expect_one_line_error "malformed --http"
contains "$ERR" "--http: no port; give ADDR:PORT" "the error names the option and why"
python3 -c 'import socket,time,sys; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(30)' >"$WORK/busy" &
BUSY=$!
wait_for "$WORK/busy" '[0-9]' 10 $BUSY
expect_exit 1 "a busy --http port" -- "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$(cat "$WORK/busy")"
expect_one_line_error "busy --http port"
kill $BUSY 2>/dev/null
expect_exit 1 "missing config" -- "$KDNETCTL" serve --config "$WORK/none.json" --no-http --log-dir "$WORK/not-made"
[[ ! -e $WORK/not-made ]] && pass "no log folder left by a failed start" || fail "log folder made"

# ---- the open-file limit: 40 targets on one address need 40 + 24 descriptors
python3 - >"$WORK/fd-inv.csv" <<'PY'
import random, socket
found = []
while len(found) < 40:
    p = random.randint(50100, 60900)
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", p)); s.close()
        if p not in found: found.append(p)
    except OSError:
        pass
print("name,port")
for i, p in enumerate(found): print(f"fd{i:02},{p}")
PY
expect_exit 0 "plan 40 targets" -- "$KDNETCTL" plan --inventory "$WORK/fd-inv.csv" --out "$WORK/fd" --host-ip 192.0.2.10
# Without CAP_SYS_RESOURCE (as a service's dynamic user is) a hard limit of 48 cannot be raised.
expect_exit 1 "serve with a hard limit too low for its targets" -- setpriv --bounding-set=-sys_resource -- \
  bash -c 'ulimit -n 48 && exec "$@"' bash "$KDNETCTL" serve --config "$WORK/fd/listener.json" --bind 127.0.0.1 --no-http
expect_one_line_error "hard open-file limit too low"
contains "$ERR" "kdnetctl needs 64 open files for these targets (40 UDP sockets and 24 for the rest) but may open at most 48" "the error names what is needed and the limit"
contains "$ERR" "ulimit -Hn 64" "and the fix"
# A reload past the hard limit serves what fits: the soft limit goes up to the hard one
# (root with CAP_SYS_RESOURCE would raise both; the unit tests cover that).
head -3 "$WORK/fd-inv.csv" >"$WORK/fd2-inv.csv"
expect_exit 0 "plan 2 of them" -- "$KDNETCTL" plan --inventory "$WORK/fd2-inv.csv" --out "$WORK/fd2" --host-ip 192.0.2.10
cp "$WORK/fd2/listener.json" "$WORK/fd-live.json"
setpriv --bounding-set=-sys_resource -- bash -c 'ulimit -Sn 32 && ulimit -Hn 48 && exec "$@"' bash \
  "$KDNETCTL" serve --config "$WORK/fd-live.json" --bind 127.0.0.1 --no-http --json 2>"$WORK/fd.err" &
FDSERVE=$!
wait_for "$WORK/fd.err" '"event":"ready"' 20 $FDSERVE && pass "serve of 2 targets within a soft limit of 32" || fail "no readiness: $(cat "$WORK/fd.err")"
cp "$WORK/fd/listener.json" "$WORK/fd-live.json"
kill -HUP $FDSERVE
wait_for "$WORK/fd.err" 'reloaded' 20 $FDSERVE || fail "no reload line: $(tail -3 "$WORK/fd.err")"
reloaded=$(grep '"event":"config"' "$WORK/fd.err" | grep reloaded | tail -1)
served=$(json_get "$reloaded" 'int(d["targets"])')
# 32 descriptors left room for about 15 sockets; the hard limit of 48 for about 30.
[[ $served -ge 25 && $served -lt 40 ]] && pass "the reload serves $served of 40 targets: as many as the hard limit allows" \
  || fail "the reload serves $served of 40: $reloaded"
contains "$(grep '"event":"fd-limit"' "$WORK/fd.err")" "may open at most 48" "the reload says the hard limit is too low"
[[ $(awk '/^Max open files/ {print $4 " " $5}' /proc/$FDSERVE/limits) == "48 48" ]] \
  && pass "the soft limit went up to the hard one" || fail "limits: $(grep 'open files' /proc/$FDSERVE/limits)"
kill -TERM $FDSERVE; wait $FDSERVE; rc=$?
[[ $rc -eq 0 ]] && pass "SIGTERM stops it (exit 0)" || fail "exit $rc after SIGTERM"
finish
