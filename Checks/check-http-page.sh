#!/usr/bin/env bash
# The lab service's status page in a real browser, served by `kdnetctl serve`: headless
# Chromium (Debian's, installed here when missing) signs in with the token, lab-01 (a
# simulated target) connects while the page watches, and the DOM shows it with its build
# after the live update; a screenshot has the window's size and shows the rendered table.
# Then DNS rebinding: a Host or an Origin that does not name the server is refused, by curl
# and by the browser loading the page under a foreign name (--host-resolver-rules).
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
TOKEN=check-$(python3 -c 'import secrets; print(secrets.token_hex(8))')
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
code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }
# The token does not stand in for the name: a rebinding page could have been given it.
[[ $(code -H 'Host: evil.example' -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/targets") == 421 ]] \
  && pass "a foreign Host is refused (421) with the token too" || fail "a foreign Host with the token was answered"
kill -TERM $SERVER_PID; wait $SERVER_PID; rc=$?
[[ $rc -eq 0 ]] && pass "serve stops on SIGTERM (exit 0)" || fail "serve exit $rc"
kill ${SIM_PID:-} 2>/dev/null; wait ${SIM_PID:-} 2>/dev/null

# DNS rebinding, without a token (the loopback default): a page on evil.example that
# points its name at 127.0.0.1 sends `Host: evil.example`.
# rebind_serve TAG ARGS...: serve without a token on a free port (HP), its log in $WORK/TAG.log.
rebind_serve() {
  HP=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$KDNETCTL" serve --config "$WORK/fleet/listener.json" --http "127.0.0.1:$HP" --bind 127.0.0.1 "${@:2}" 2>"$WORK/$1.log" &
  RB_PID=$!
  wait_for "$WORK/$1.log" "status on http://127.0.0.1:$HP/" 20 $RB_PID || fail "serve ($1) did not come up: $(tail -3 "$WORK/$1.log")"
}
rebind_serve plain
for path in /api/targets / /metrics "/events?seconds=1"; do
  [[ $(code -H 'Host: evil.example' "http://127.0.0.1:$HP$path") == 421 ]] && pass "Host: evil.example gets 421 on $path" \
    || fail "Host: evil.example on $path: $(code -H 'Host: evil.example' "http://127.0.0.1:$HP$path")"
  [[ $(code -H "Host: evil.example:$HP" "http://127.0.0.1:$HP$path") == 421 ]] || fail "Host: evil.example:$HP on $path was answered"
  [[ $(code "http://127.0.0.1:$HP$path") == 200 ]] && pass "the server's own address gets 200 on $path" || fail "own Host on $path refused"
done
[[ $(code -H "Host: LOCALHOST.:$HP" "http://127.0.0.1:$HP/api/targets") == 200 ]] && pass "localhost (any case, trailing dot) is accepted" || fail "localhost refused"
[[ $(code -H "Host: localhost:$((HP + 1))" "http://127.0.0.1:$HP/api/targets") == 200 ]] && pass "a forwarded port in Host (ssh -L) is answered: the name is judged" || fail "a forwarded port in Host was refused"
[[ $(code -H "Host: evil.example:$HP" "http://127.0.0.1:$HP/api/targets") == 421 ]] && pass "a foreign name with the server's port gets 421" || fail "a foreign name with the server's port was answered"
[[ $(curl -s --http1.1 -H 'Host:' --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HP/api/targets") == 421 ]] \
  && pass "no Host on HTTP/1.1 gets 421" || fail "a request without Host was answered"
BODY=$(curl -s --max-time 10 -H 'Host: evil.example' "http://127.0.0.1:$HP/api/targets")
contains "$BODY" "--http-host evil.example" "the 421 says how to allow the name"
[[ $BODY != *lab-01* ]] && pass "the 421 holds no target" || fail "the 421 served the fleet: $BODY"
[[ $(code -H "Origin: http://evil.example:$HP" "http://127.0.0.1:$HP/events?seconds=1") == 403 ]] \
  && pass "a foreign Origin on the event stream gets 403" || fail "a foreign Origin on /events was answered"
[[ $(code -H "Origin: http://127.0.0.1:$HP" "http://127.0.0.1:$HP/events?seconds=1") == 200 ]] \
  && pass "the page's own Origin on the event stream gets 200" || fail "the own Origin on /events was refused"
[[ $(code -X POST -H "Origin: http://evil.example:$HP" "http://127.0.0.1:$HP/api/targets") == 403 ]] \
  && pass "a foreign Origin on a POST gets 403" || fail "a foreign Origin on POST was not refused"

# The browser: Chromium resolves evil.example to 127.0.0.1, as a rebinding page makes it.
chrome evil --host-resolver-rules="MAP evil.example 127.0.0.1" --virtual-time-budget=5000 --dump-dom "http://evil.example:$HP/?stream_seconds=1" >"$WORK/evil.html"
if grep -q 'does not go by the name' "$WORK/evil.html" && ! grep -q 'lab-01' "$WORK/evil.html"; then
  pass "Chromium loading the page as evil.example gets the refusal, not the fleet"
else
  fail "Chromium as evil.example: $(head -c 300 "$WORK/evil.html")"
fi
kill -TERM $RB_PID; wait $RB_PID

rebind_serve allowed --http-host evil.example
[[ $(code -H "Host: evil.example:$HP" "http://127.0.0.1:$HP/api/targets") == 200 ]] && pass "--http-host evil.example makes the name accepted" || fail "--http-host evil.example still refused"
[[ $(code -H "Host: other.example:$HP" "http://127.0.0.1:$HP/api/targets") == 421 ]] && pass "other names stay refused with --http-host" || fail "other.example was answered"
chrome allowed --host-resolver-rules="MAP evil.example 127.0.0.1" --virtual-time-budget=5000 --dump-dom "http://evil.example:$HP/?stream_seconds=1" >"$WORK/allowed.html"
grep -q '<td>lab-01</td>' "$WORK/allowed.html" && pass "Chromium gets the fleet as evil.example once --http-host names it" \
  || fail "Chromium with --http-host evil.example: $(head -c 300 "$WORK/allowed.html")"
kill -TERM $RB_PID; wait $RB_PID
finish
