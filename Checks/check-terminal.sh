#!/usr/bin/env bash
# Text from files and the network (CSV names, listener.json names, pasted dbgsettings
# values, capture text) must not reach the terminal with live escape sequences: human
# output shows them as \x1b, while --json keeps the raw text (as \u001b).
source "$(dirname "$0")/lib.sh"
KEY=3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i
# Retitles an xterm, then turns everything after it red.
HOSTILE=$'\e]0;owned\a\e[31m'
SHOWN='\x1b]0;owned\x07\x1b[31m'

# As UTF-8 bytes: ESC, a C1 control, and the bidi formatting characters (U+200E,
# U+200F, U+202A-U+202E, U+2066-U+2069, U+061C) that reorder or hide what a line says.
RAW_UNSAFE=$'\e|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c'

# no_raw_escape WHAT: neither stdout nor stderr of the last command holds a raw ESC, C1
# control or bidi formatting character.
no_raw_escape() {
  if LC_ALL=C grep -qE "$RAW_UNSAFE" "$WORK/out" "$WORK/err"; then fail "$1: a raw ESC, C1 or bidi character reached the terminal: $(cat -v "$WORK/out" "$WORK/err" | head -c 400)"
  else pass "$1: no raw ESC, C1 or bidi character"; fi
}

# -- plan: a CSV name is refused, quoting it; the error line shows it escaped.
printf 'name,port\nlab%s,50001\n' "$HOSTILE" >"$WORK/fleet.csv"
expect_exit 1 "CSV name with ESC refused" -- "$KDNETCTL" plan --inventory "$WORK/fleet.csv" --out "$WORK/out1"
no_raw_escape "plan error quoting a CSV name"
contains "$ERR" "lab$SHOWN" "the CSV name is shown escaped"
expect_exit 1 "CSV name with ESC refused (--json)" -- "$KDNETCTL" plan --inventory "$WORK/fleet.csv" --out "$WORK/out1" --json
contains "$OUT" 'lab\u001b]0;owned\u0007\u001b[31m' "--json error keeps the name (JSON-escaped)"

# -- plan: an earlier listener.json whose target name holds control characters is
# refused, and the refusal quotes the name escaped.
prior() {
  mkdir -p "$1"
  python3 -c 'import json, sys; print(json.dumps({"version": 1, "targets": [{"name": "old" + sys.argv[1], "port": 50001, "key": sys.argv[2]}]}))' "$HOSTILE" "$KEY" >"$1/listener.json"
  chmod 600 "$1/listener.json"  # refused for the name, not for its mode
}
printf 'name,port\nlab-1,50002\n' >"$WORK/fleet.csv"
prior "$WORK/out2"
expect_exit 1 "plan with a hostile earlier listener.json" -- "$KDNETCTL" plan --inventory "$WORK/fleet.csv" --out "$WORK/out2" --host-ip 10.0.0.1
no_raw_escape "plan refusing a hostile listener.json"
contains "$ERR" "name 'old\\x1b]0;owned" "the refused name is shown escaped"
prior "$WORK/out3"
expect_exit 1 "plan with a hostile earlier listener.json (--json)" -- "$KDNETCTL" plan --inventory "$WORK/fleet.csv" --out "$WORK/out3" --host-ip 10.0.0.1 --json
no_raw_escape "plan --json refusing a hostile listener.json"
contains "$(json_get "$OUT" 'd["error"]')" "is not usable as a file name" "--json error document names the problem"
expect_exit 0 "plan into a folder whose name holds ESC" -- "$KDNETCTL" plan --inventory "$WORK/fleet.csv" --out "$WORK/x$HOSTILE" --host-ip 10.0.0.1
no_raw_escape "plan printing its folder"

# -- dbgsettings lint: a pasted value is quoted in a finding.
printf 'key                     %s\ndebugtype               NET\nhostip                  10.0.0.1%s\nport                    50000\nThe operation completed successfully.\n' "$KEY" "$HOSTILE" >"$WORK/settings.txt"
chmod 600 "$WORK/settings.txt"  # it holds the key: the key-file rule
expect_exit 1 "dbgsettings value with ESC" -- "$KDNETCTL" dbgsettings lint "$WORK/settings.txt" --skip-host-check
no_raw_escape "dbgsettings lint"
contains "$OUT" "10.0.0.1$SHOWN" "the value is shown escaped"
expect_exit 1 "dbgsettings value with ESC (--json)" -- "$KDNETCTL" dbgsettings lint "$WORK/settings.txt" --skip-host-check --json
contains "$OUT" '10.0.0.1\u001b]0;owned\u0007\u001b[31m' "--json keeps the value"

# -- dbgsettings lint: a right-to-left override in a pasted value would make the line
# read in another order; it is shown as \u{202e}, and --json keeps it.
printf 'key                     %s\ndebugtype               NET\nhostip                  10.0.0.1\xe2\x80\xae\xe2\x81\xa6evil\xe2\x81\xa9\nport                    50000\n' "$KEY" >"$WORK/settings.txt"
chmod 600 "$WORK/settings.txt"  # it holds the key: the key-file rule
expect_exit 1 "dbgsettings value with U+202E" -- "$KDNETCTL" dbgsettings lint "$WORK/settings.txt" --skip-host-check
no_raw_escape "dbgsettings lint with bidi overrides"
contains "$OUT" '10.0.0.1\u{202e}\u{2066}evil\u{2069}' "the override and isolates are shown escaped"
expect_exit 1 "dbgsettings value with U+202E (--json)" -- "$KDNETCTL" dbgsettings lint "$WORK/settings.txt" --skip-host-check --json
[[ $(json_get "$OUT" '"10.0.0.1\u202e\u2066evil\u2069" in " ".join(f["message"] for f in d["findings"])') == True ]] \
  && pass "--json keeps the bidi characters raw" || fail "dbgsettings json: ${OUT:0:300}"

FIXTURES=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures
# -- firewall: table names from a ruleset file, in the verdict and in the printed nft
# command, which pasted into bash names the table exactly.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for o in d["nftables"]:
    for v in o.values():
        if isinstance(v, dict) and v.get("table") == "filter": v["table"] = sys.argv[2]
        if isinstance(v, dict) and "family" in v and v.get("name") == "filter": v["name"] = sys.argv[2]
json.dump(d, open(sys.argv[3], "w"))' "$FIXTURES/nft/policy-drop.json" $'filt\e[31m\xe2\x80\xaeer' "$WORK/ruleset.json"
expect_exit 1 "firewall with a hostile table name" -- "$KDNETCTL" firewall --port 50000 --ruleset "$WORK/ruleset.json"
no_raw_escape "firewall verdict and nft command"
nft_line=$(grep '^  nft insert rule' <<<"$OUT")
contains "$nft_line" "nft insert rule inet \$'filt\\x1b[31m\\xe2\\x80\\xaeer' input" "the table is quoted as \$'...' in the printed command"
eval "set -- $nft_line"
[[ $# -eq 10 && $5 == $'filt\e[31m\xe2\x80\xaeer' ]] && pass "the printed nft command, parsed by bash, names the table exactly" || fail "nft command words: $*"

# -- inspect: a capture's line names (and what they hold) in -v.
printf 'evil%s 4d444247060100\n' "$HOSTILE" >"$WORK/lines.txt"
expect_exit 1 "inspect a capture with ESC in it" -- "$KDNETCTL" inspect "$WORK/lines.txt" --hex-lines --key 1.1.1.1 -v
no_raw_escape "inspect -v"
contains "$OUT" "evil$SHOWN" "the line name is shown escaped"
expect_exit 1 "inspect (--json)" -- "$KDNETCTL" inspect "$WORK/lines.txt" --hex-lines --key 1.1.1.1 --json
[[ $(json_get "$OUT" 'd["records"][0]["label"] == "evil\x1b]0;owned\x07\x1b[31m"') == True ]] && pass "--json keeps the raw line name" || fail "inspect json: ${OUT:0:300}"

# -- vm fix --qemu-pid: a QEMU whose -name holds ESC and U+202E. The command line it
# prints, parsed by bash, is exactly that QEMU's argv with the NIC changed.
VMNAME=$'evil\e[31m\xe2\x80\xaevm'
QARGS=(-S -display none -nodefaults -accel tcg -name "$VMNAME" -netdev user,id=n0 -device rtl8139,netdev=n0,mac=52:54:00:12:34:56)
qemu-system-x86_64 "${QARGS[@]}" </dev/null >"$WORK/qemu.log" 2>&1 &
QPID=$!
trap 'kill "$QPID" 2>/dev/null; rm -rf "$WORK"' EXIT
for ((i = 0; i < 100; i++)); do [[ -n $(tr -d '\0' <"/proc/$QPID/cmdline" 2>/dev/null) ]] && break; sleep 0.1; done
expect_exit 0 "vm fix --qemu-pid of a QEMU named with ESC and U+202E" -- "$KDNETCTL" vm fix --qemu-pid "$QPID"
no_raw_escape "vm fix --qemu-pid"
qline=$(grep '^  qemu-system-x86_64 ' <<<"$OUT")
contains "$qline" "-name \$'evil\\x1b[31m\\xe2\\x80\\xaevm'" "the name is quoted as \$'...'"
eval "set -- $qline"
want=(qemu-system-x86_64 "${QARGS[@]/rtl8139,/e1000e,}")
[[ $(printf '%s\0' "$@" | od -An -tx1) == $(printf '%s\0' "${want[@]}" | od -An -tx1) ]] \
  && pass "the printed QEMU command line, parsed by bash, is the argv with e1000e" || fail "QEMU words: $(printf '[%s] ' "$@" | cat -v)"
kill "$QPID"; wait "$QPID" 2>/dev/null
trap 'rm -rf "$WORK"' EXIT

# -- listen --config: target names in the report (nothing connects; bounded by --timeout).
NS=kdt-term-$$
ip netns add "$NS" && ip -n "$NS" link set lo up || { fail "cannot create namespace $NS"; finish; exit 1; }
trap 'ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"' EXIT
prior "$WORK/listen"
expect_exit 1 "listen --config with ESC in a name" -- ip netns exec "$NS" "$KDNETCTL" listen --config "$WORK/listen/listener.json" --timeout 1
no_raw_escape "listen refusing the config"
contains "$ERR" "name 'old\\x1b]0;owned" "the refused name is shown escaped"

# -- On an 80-column pseudo-terminal long output is wrapped by kdnetctl at word
# boundaries (never wider than the terminal, no word split), the wizard's lists are
# wrapped rather than cut, and a quiet wait's spinner line is redrawn.
while IFS= read -r line; do
  case $line in
    "ok   "*) pass "pty 80 columns: ${line#ok   }" ;;
    "FAIL "*) fail "pty 80 columns: ${line#FAIL }" ;;
  esac
done < <(python3 "$(dirname "$0")/terminal_width_pty.py" "$KDNETCTL" "$WORK" "$NS" 2>&1 || echo "FAIL terminal_width_pty.py exited $?")
finish
