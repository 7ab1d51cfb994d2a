#!/usr/bin/env bash
# The lab service's status page in a real browser, served by `kdnetctl serve`: headless
# Chromium (Debian's, installed here when missing) signs in with the token, lab-01 (a
# simulated target) connects while the page watches, and the DOM shows it with its build
# after the live update; a screenshot has the window's size and shows the rendered table.
source "$(dirname "$0")/lib.sh"

if ! command -v chromium >/dev/null; then
  echo "  (installing chromium)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 chromium >"$WORK/apt.log" 2>&1 ||
    { apt-get update >>"$WORK/apt.log" 2>&1 && apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=600 chromium >>"$WORK/apt.log" 2>&1; } ||
    { fail "cannot install chromium: $(tail -1 "$WORK/apt.log")"; finish; exit; }
fi

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
ADDR=127.0.0.1:$PORT
TOKEN=check-$RANDOM$RANDOM$RANDOM
cleanup() { jobs -p | xargs -r kill 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# A fleet of four from `plan`, plus a target whose name is markup; lab-01 connects
# (simulated, build 22631) only once the page's event stream is open.
read -r P1 P2 P3 P4 < <(python3 -c '
import socket
ports = []
while len(ports) < 4:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if 49152 <= p and p not in ports: ports.append(p)
print(*ports)')
printf 'name,port\nlab-01,%s\nlab-02,%s\nlab-03,%s\n' "$P1" "$P2" "$P3" >"$WORK/inv.csv"
"$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$WORK/fleet" --host-ip 192.0.2.10 --no-remember >/dev/null 2>&1 \
  || { fail "plan failed"; finish; exit; }
python3 - "$WORK/fleet/listener.json" "$P4" "$("$KDNETCTL" key generate)" <<'PY'
import json, sys
path, port, key = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = json.load(open(path))
d["targets"].append({"name": "<img src=x onerror=alert(1)>", "port": port, "key": key})
json.dump(d, open(path, "w"))
PY
KEY1=$(json_get "$(cat "$WORK/fleet/listener.json")" 'd["targets"][0]["key"]')
"$KDNETCTL" serve --config "$WORK/fleet/listener.json" --http "$ADDR" --http-token "$TOKEN" --bind 127.0.0.1 2>"$WORK/server.log" &
SERVER_PID=$!
if ! wait_for "$WORK/server.log" "status on http://$ADDR/" 20 $SERVER_PID; then fail "serve did not come up: $(tail -5 "$WORK/server.log")"; finish; exit; fi
contains "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/targets")" 200 "the service answers /api/targets with the token"
contains "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/")" 401 "without the token the page is refused (401)"

# connect_when_watched: starts lab-01 once a browser holds the page's event stream open
# (the one connection to the page that stays established).
connect_when_watched() {
  local i
  for ((i = 0; i < 1200; i++)); do
    ss -Htn state established "( dport = :$PORT )" | grep -q . && break
    sleep 0.05
  done
  "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port "$P1" --key "$KEY1" --build 22631 --poke-interval 0.5 --duration 60 >"$WORK/sim.log" 2>&1 &
  SIM_PID=$!
}

chrome() {
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$WORK/profile-$1" --window-size=1280,800 "${@:2}" 2>>"$WORK/chromium.log"
}

# --virtual-time-budget lets the page's script run and its event stream deliver before
# the DOM is dumped. Virtual time stands still while a request is open, so
# stream_seconds=1 has the server end each event stream after a second (the page
# reconnects by itself). The token in the URL becomes the session cookie (LabHTTPRouter).
chrome dom --virtual-time-budget=10000 --dump-dom "http://$ADDR/?token=$TOKEN&stream_seconds=1" >"$WORK/dom.html" &
CHROME_PID=$!
connect_when_watched
wait $CHROME_PID
DOM=$(cat "$WORK/dom.html")
# The page was served with lab-01 waiting (it connects only once the page watches):
# a generation above the one served means the page took the update from its stream.
python3 - "$WORK/dom.html" <<'PY' && pass "the page applied the live update from its event stream" || fail "no live update: $(grep -o '<table id="fleet"[^>]*>' "$WORK/dom.html")"
import re, sys
m = re.search(r'data-generation="(\d+)" data-served-generation="(\d+)"', open(sys.argv[1]).read())
sys.exit(0 if m and int(m.group(1)) > int(m.group(2)) else 1)
PY
if grep -Eq '<tr class="state-connected"><td>lab-01</td><td>'"$P1"'</td><td>connected</td>(<td>[^<]*</td>){2}<td>22631</td><td>x64</td>' "$WORK/dom.html"; then
  pass "the DOM shows lab-01 connected with build 22631 (after the live update)"
else
  fail "no connected lab-01 with build 22631 in the DOM: $(grep -o '<tr class="state-[a-z_]*"><td>lab-01</td>.\{0,200\}' "$WORK/dom.html")"
fi
contains "$DOM" "1 of 3 connected" "the summary counts the connected target"
# A hostile name no longer reaches the page: the name rule refuses its entry (the page's
# escaping of names is held by LabHTTPRouterTests).
contains "$(cat "$WORK/server.log")" "name '<img src=x onerror=alert(1)>' is not usable as a file name" "a hostile target name is refused by the name rule"
[[ $DOM != *"<img src=x"* ]] && pass "no hostile name in the DOM" || fail "a raw <img> in the DOM"

chrome shot --virtual-time-budget=10000 --hide-scrollbars --screenshot="$WORK/page.png" "http://$ADDR/?token=$TOKEN&stream_seconds=1" >/dev/null
if [[ -s $WORK/page.png ]]; then pass "a screenshot was written"; else fail "no screenshot: $(tail -3 "$WORK/chromium.log")"; fi
# The connected state's green (#c9f2d0) must be there: the table rendered with its styles.
if PNG=$(python3 "$(dirname "$0")/png_check.py" "$WORK/page.png" 1280 800 201,242,208 2>&1); then
  pass "the screenshot is 1280x800 and shows the rendered page ($PNG)"
else
  fail "the screenshot is not the rendered page: $PNG"
fi
[[ -n ${KEEP_SCREENSHOT:-} ]] && cp "$WORK/page.png" "$KEEP_SCREENSHOT"

[[ -n ${KEEP_DOM:-} ]] && cp "$WORK/dom.html" "$KEEP_DOM"
kill -TERM $SERVER_PID; wait $SERVER_PID; rc=$?
[[ $rc -eq 0 ]] && pass "serve stops on SIGTERM (exit 0)" || fail "serve exit $rc"
kill ${SIM_PID:-} 2>/dev/null
finish
