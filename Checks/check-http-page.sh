#!/usr/bin/env bash
# The lab service's status page in a real browser: headless Chromium (Debian's, installed
# here when missing) signs in with the token, waits for the live update that connects
# lab-01, and the DOM shows it with its build; a screenshot has the window's size and
# shows the rendered table.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)

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

# What serves the page: until `serve` is merged, a Swift Testing fixture
# (LabHTTPPageFixture) serving a fleet whose lab-01 connects with build 22631 once a page
# listens. With `serve`, this becomes the one line
#   "$KDNETCTL" serve --config "$WORK/listener.json" --http "$ADDR" --http-token "$TOKEN" 2>"$WORK/server.log" &
# plus a simulate-target for lab-01 (build 22631) started after the first page load.
start_server() {
  (cd "$ROOT" && KDNETCTL_HTTP_FIXTURE=$ADDR KDNETCTL_HTTP_FIXTURE_TOKEN=$TOKEN KDNETCTL_HTTP_FIXTURE_STOP=$WORK/stop \
    exec swift test --skip-build --filter LabHTTPPageFixture) >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
}
stop_server() { touch "$WORK/stop"; wait "$SERVER_PID" 2>/dev/null; }

start_server
ready=
for ((i = 0; i < 1200; i++)); do  # at most 60 s: the test runner starts slowly on a busy host
  code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://$ADDR/api/targets")
  [[ $code == 200 ]] && { ready=1; break; }
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.05
done
if [[ -z $ready ]]; then fail "the page server did not come up: $(tail -5 "$WORK/server.log")"; finish; exit; fi
pass "the server answers /api/targets with the token"
contains "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/")" 401 "without the token the page is refused (401)"

chrome() {
  timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
    --user-data-dir="$WORK/profile-$1" --window-size=1280,800 "${@:2}" 2>>"$WORK/chromium.log"
}

# --virtual-time-budget lets the page's script run and its event stream deliver before
# the DOM is dumped. Virtual time stands still while a request is open, so
# stream_seconds=1 has the server end each event stream after a second (the page
# reconnects by itself). The token in the URL becomes the session cookie (LabHTTPRouter).
chrome dom --virtual-time-budget=10000 --dump-dom "http://$ADDR/?token=$TOKEN&stream_seconds=1" >"$WORK/dom.html"
DOM=$(cat "$WORK/dom.html")
# The fixture connects lab-01 (generation 2) only once the page's event stream is open:
# the page served to Chromium showed generation 1, with lab-01 waiting.
contains "$DOM" 'data-generation="2"' "the page applied the live update from its event stream"
if grep -Eq '<tr class="state-connected"><td>lab-01</td><td>50001</td><td>connected</td>(<td>[^<]*</td>){2}<td>22631</td><td>x64</td>' "$WORK/dom.html"; then
  pass "the DOM shows lab-01 connected with build 22631 (after the live update)"
else
  fail "no connected lab-01 with build 22631 in the DOM: $(grep -o '<tr class="state-[a-z_]*"><td>lab-01</td>.\{0,200\}' "$WORK/dom.html")"
fi
contains "$DOM" "1 of 4 connected" "the summary counts the connected target"
contains "$DOM" "&lt;img src=x onerror=alert(1)&gt;" "a hostile target name is shown as text"

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
stop_server
finish
