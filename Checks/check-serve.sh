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
python3 - "$LOG" "$P1" "$P2" "$P3" "$P4" <<'PY' && pass "the ready line's counts are JSON numbers, its ports a list of numbers" || fail "ready: $(grep '"event":"ready"' "$LOG")"
import json, sys
ready = [json.loads(l) for l in open(sys.argv[1]) if '"event":"ready"' in l][0]
assert type(ready["targets"]) is int and ready["targets"] == 4, ready
assert ready["ports"] == [int(p) for p in sys.argv[2:]] and all(type(p) is int for p in ready["ports"]), ready
PY

# seen NAME KEY VALUE: a JSON log line of target NAME has KEY == VALUE; a VALUE of
# digits must be a JSON number there, not a string.
seen() {
  python3 - "$LOG" "$1" "$2" "$3" <<'PY'
import json, sys
path, name, key, value = sys.argv[1:]
want = int(value) if value.isdigit() else value
for line in open(path, errors="replace"):
    try: d = json.loads(line)
    except ValueError: continue
    got = d.get(key)
    if d.get("target") == name and got == want and type(got) is type(want): sys.exit(0)
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
wait_for "$LOG" '"added":\["added"\]' 20 $SERVE && pass "SIGHUP: config reloaded" || fail "no reload line: $(tail -3 "$LOG")"
contains "$(grep -F '"added":["added"]' "$LOG")" '"removed":["wrong"]' "reload names the removed target"
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
# Typed values: counts are numbers (not "51610"), lists are lists, names raw.
python3 - "$LOG" <<'PY' && pass "the JSON log's numbers are numbers and its lists lists" || fail "typed values: $(grep -E '"event":"(summary|config|reboot|version)"' "$LOG" | head -5)"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
numbers = {"port", "datagrams", "wrong_key", "unexpected_source", "reboots", "targets", "build", "dropped", "from", "to", "hard"}
checked = 0
for d in lines:
    for k in numbers & d.keys():
        if d["event"] == "state" and k == "from": continue  # the state it came from
        assert type(d[k]) is int, (k, d)
        checked += 1
    for k in ("added", "removed", "rekeyed", "moved", "ports"):
        if k in d: assert type(d[k]) is list, (k, d)
summaries = [d for d in lines if d["event"] == "summary"]
assert len(summaries) == 4 and all(type(d["port"]) is int and type(d["datagrams"]) is int for d in summaries), summaries
reload = [d for d in lines if d["event"] == "config" and "reloaded" in d["message"]][0]
assert reload["added"] == ["added"] and reload["removed"] == ["wrong"] and reload["rekeyed"] == [] and reload["targets"] == 4, reload
assert checked >= 20, checked
PY
# stdout: one JSON document when serve ends, the fleet as /api/targets has it.
python3 - "$WORK/serve.out" <<'PY' && pass "stdout is one JSON document: the fleet at exit" || fail "stdout: $(head -c 400 "$WORK/serve.out")"
import json, sys
d = json.load(open(sys.argv[1]))
names = [t["name"] for t in d["targets"]]
assert names and "right" in names and all(type(t["port"]) is int for t in d["targets"]), d
PY

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
  "$KDNETCTL" serve --config "$WORK/one-bad.json" --no-http --log-dir "$WORK/full" --json 2>"$LOG" >/dev/null &
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

# Usage errors: status-page options with --no-http, short tokens, bad --http-host names.
for opt in "--http 127.0.0.1:8470" "--http-host lab.example" "--http-token 0123456789abcdef0123" "--http-token-file $WORK/tok"; do
  # shellcheck disable=SC2086
  expect_exit 64 "--no-http with $opt" -- "$KDNETCTL" serve --config "$CONFIG" --no-http $opt
  expect_one_line_error "--no-http with ${opt%% *}"
  contains "$ERR" "--no-http turns the status page off, but ${opt%% *}" "the error names --no-http and ${opt%% *}"
done
expect_exit 64 "a 15-character --http-token" -- "$KDNETCTL" serve --config "$CONFIG" --http-token 0123456789abcde
expect_one_line_error "short token"
contains "$ERR" "fewer than 16; generate one with e.g. \`openssl rand -hex 16\`" "the error says the minimum and how to make a token"
expect_exit 64 "a one-character --http-token" -- "$KDNETCTL" serve --config "$CONFIG" --http-token x --json
[[ $(json_get "$OUT" 'd["error"]') == *"--http-token: the token has 1 character"* ]] && pass "--json: the refusal is the error document" || fail "--json error: $OUT"
expect_exit 64 "--http-token and --http-token-file together" -- "$KDNETCTL" serve --config "$CONFIG" --http-token 0123456789abcdef --http-token-file "$WORK/tok"
expect_one_line_error "both token options"
for bad in "evil.example:80" "-x.example" "a b" "http://lab"; do
  expect_exit 64 "--http-host '$bad'" -- "$KDNETCTL" serve --config "$CONFIG" --http-host "$bad"
  expect_one_line_error "--http-host '$bad'"
done
contains "$ERR" "--http-host: 'http://lab' is not a DNS name or an IP address" "the error names --http-host and the value"

# --http-token-file: the token on its one line; a file others may use is refused (1), with
# the chmod line only for the file's owner; a short token in it too.
TP=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
FILE_TOKEN=$(openssl rand -hex 16)
printf '\n%s\n\n' "$FILE_TOKEN" >"$WORK/tok"
for mode in 640 604 660 620; do
  chmod $mode "$WORK/tok"
  expect_exit 1 "a token file of mode 0$mode" -- "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$TP" --http-token-file "$WORK/tok"
  expect_one_line_error "token file 0$mode"
  contains "$ERR" "mode 0$mode" "the error names mode 0$mode"
  contains "$ERR" "chmod 600 $WORK/tok" "and the chmod line for its owner"
done
if id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null && [[ $(id -u) -eq 0 ]]; then
  cp "$WORK/tok" "$WORK/tok-root"; chmod 644 "$WORK/tok-root"; chmod o+x "$WORK"
  expect_exit 1 "another user's token file of mode 0644" -- setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$TP" --http-token-file "$WORK/tok-root"
  [[ $ERR != *"chmod 600"* && $ERR == *"not yours to fix"* ]] && pass "no chmod advice on a file the user does not own" || fail "advice for another's file: $ERR"
  chmod o-x "$WORK"
fi
printf 'short\n' >"$WORK/tok-short"; chmod 600 "$WORK/tok-short"
expect_exit 1 "a short token in the file" -- "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$TP" --http-token-file "$WORK/tok-short"
contains "$ERR" "fewer than 16" "the short token in the file is named"
printf 'a\nb\n' >"$WORK/tok-two"; chmod 600 "$WORK/tok-two"
expect_exit 1 "a token file of two lines" -- "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$TP" --http-token-file "$WORK/tok-two"
mkfifo "$WORK/tok-fifo"
expect_exit 1 "a FIFO as the token file" -- timeout 10 "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$TP" --http-token-file "$WORK/tok-fifo"
head -c 100000 /dev/zero | tr '\0' 'a' >"$WORK/tok-big"; chmod 600 "$WORK/tok-big"
expect_exit 1 "a 100 kB token file" -- "$KDNETCTL" serve --config "$CONFIG" --http "127.0.0.1:$TP" --http-token-file "$WORK/tok-big"
contains "$ERR" "is 100000 bytes; a token file holds one line of at most 4096" "the bound on the token file is said"
chmod 600 "$WORK/tok"
"$KDNETCTL" serve --config "$CONFIG" --http "0.0.0.0:$TP" --http-token-file "$WORK/tok" --bind 127.0.0.1 2>"$WORK/tok.log" &
TOKSERVE=$!
if wait_for "$WORK/tok.log" "status on http://0.0.0.0:$TP/" 20 $TOKSERVE; then
  [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $FILE_TOKEN" "http://127.0.0.1:$TP/api/targets") == 200 ]] \
    && pass "the token from the file opens the page on 0.0.0.0" || fail "the file's token was refused"
  [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$TP/api/targets") == 401 ]] && pass "without it: 401" || fail "no token: not 401"
  ! grep -q "$FILE_TOKEN" /proc/$TOKSERVE/cmdline && pass "the token is not in the process list" || fail "token in cmdline"
  kill -TERM $TOKSERVE; wait $TOKSERVE
else
  fail "serve with --http-token-file did not come up: $(tail -3 "$WORK/tok.log")"
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
expect_exit 1 "missing config, --json" -- "$KDNETCTL" serve --config "$WORK/none.json" --no-http --json
[[ $(json_get "$OUT" 'd["error"]') == *none.json* ]] && pass "--json: a failed start is the one {\"error\": ...} document on stdout" || fail "--json failure stdout: $OUT"

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
  "$KDNETCTL" serve --config "$WORK/fd-live.json" --bind 127.0.0.1 --no-http --json 2>"$WORK/fd.err" >/dev/null &
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
