#!/usr/bin/env bash
# The wizard as a user runs it: by keyboard on a pseudo-terminal, from a pipe, and
# non-interactively with flags and answer files (against the simulated target).
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"
cd "$WORK" || exit 1

# Interactive, through a pseudo-terminal (arrow keys, typing, Enter, Ctrl-C).
while IFS= read -r line; do
  case $line in
    "ok   "*) pass "pty: ${line#ok   }" ;;
    "FAIL "*) fail "pty: ${line#FAIL }" ;;
    *) echo "      $line" ;;
  esac
done < <(python3 "$HERE/wizard_pty.py" "$KDNETCTL" "$WORK" 2>&1 || echo "FAIL wizard_pty.py exited $?")

# The README's first command, on this machine.
expect_exit 0 "README's first command succeeds" -- "$KDNETCTL" wizard --simulated-target --non-interactive --out ./kdnet-setup
contains "$OUT" "Step 9/9: Summary" "all nine steps run"
for f in kdnet-target.cmd kdnet-target.ps1 kdnet-notes.txt listener.json; do
  [[ $(stat -c %a "kdnet-setup/$f") == 600 ]] && pass "$f is mode 0600" || fail "$f mode $(stat -c %a "kdnet-setup/$f" 2>&1)"
done
key=$(python3 -c 'import json; print(json.load(open("kdnet-setup/listener.json"))["targets"][0]["key"])')
[[ -n $key && $OUT != *"$key"* ]] && pass "the full key is not printed" || fail "the key shows on screen"
grep -q "key:$key" kdnet-setup/kdnet-target.cmd && pass "the script holds the full key" || fail "no key in the script"

# --json: one document with steps, choices, files; stdout holds nothing else.
expect_exit 0 "--json run" -- "$KDNETCTL" wizard --simulated-target --non-interactive --out ./json-run --port 50011 --json
[[ $(json_get "$OUT" 'len(d["steps"]), d["choices"]["port"], len(d["files"]), d["mode"]') == "9 50011 4 simulated-target" ]] \
  && pass "--json record: 9 steps, choices, files" || fail "--json record: ${OUT:0:300}"
[[ $OUT != *"$(python3 -c 'import json; print(json.load(open("json-run/listener.json"))["targets"][0]["key"])')"* ]] \
  && pass "--json record redacts the key" || fail "--json record holds the key"

# --answers in YAML and JSON; flags override the file.
cat >answers.yaml <<'YAML'
host_ip: 127.0.0.1
port: 50021
nic-source: busparams
busparams: "3b:00.0"
windows: 10 22H2
connect: skip
YAML
expect_exit 0 "--answers YAML" -- "$KDNETCTL" wizard --simulated-target --non-interactive --answers answers.yaml --out ./yaml-run
grep -q "hostip:127.0.0.1 port:50021" yaml-run/kdnet-target.cmd && grep -q "busparams 59.0.0" yaml-run/kdnet-target.cmd \
  && pass "answers file sets host, port and converted busparams" || fail "answers not applied: $(grep bcdedit yaml-run/kdnet-target.cmd)"
contains "$OUT" "3b:00.0 (lspci, hex) is 59.0.0" "the lspci conversion is explained"
echo '{"port": 50022, "connect": "skip"}' >answers.json
expect_exit 0 "--answers JSON with a flag overriding it" -- "$KDNETCTL" wizard --simulated-target --non-interactive --answers answers.json --port 50023 --out ./json-answers
grep -q "port:50023" json-answers/kdnet-target.cmd && pass "flag wins over the answers file" || fail "flag did not override"

# Bad answers: one-line usage errors, nothing written.
expect_exit 64 "bad port preset" -- "$KDNETCTL" wizard --non-interactive --port 80 --out ./bad
expect_one_line_error "bad port preset"
contains "$ERR" "--port: port 80 is outside 49152-65535" "the error names the flag and the range"
[[ ! -e bad ]] && pass "nothing written on a bad answer" || fail "bad run wrote files"
expect_exit 64 "loopback without the simulated target" -- "$KDNETCTL" wizard --non-interactive --host-ip 127.0.0.1 --out ./bad
contains "$ERR" "loopback" "loopback is refused for a real target"
expect_exit 64 "windbg with the simulated target" -- "$KDNETCTL" wizard --simulated-target --non-interactive --debugger windbg --out ./bad
expect_exit 64 "unreadable answers file" -- "$KDNETCTL" wizard --non-interactive --answers ./nope.yaml --out ./bad
expect_exit 64 "IPv6 family with an IPv4 address" -- "$KDNETCTL" wizard --simulated-target --non-interactive --family ipv6 --host-ip 127.0.0.1 --out ./bad
expect_exit 64 "windbg host needs its address" -- "$KDNETCTL" wizard --non-interactive --debugger windbg --out ./bad
contains "$ERR" "give --host-ip" "a missing answer names its flag"
[[ ! -e bad ]] && pass "no folder after refused runs" || fail "refused runs wrote files"
touch afile
expect_exit 64 "--out is a file" -- "$KDNETCTL" wizard --simulated-target --non-interactive --no-connect --out ./afile

# Plain prompts when stdin is not a terminal: one answer per line, Enter for defaults.
printf '\n\n127.0.0.1\n99999\n50031\n\nskip\n\nskip\n' >lines
expect_exit 0 "line prompts from a pipe" -- sh -c "\"$KDNETCTL\" wizard --simulated-target --out ./piped < lines"
contains "$OUT" "port 99999 is outside" "a refused line answer is explained and asked again"
grep -q "port:50031" piped/kdnet-target.cmd && pass "piped answers used" || fail "piped answers not used"
expect_exit 64 "a pipe that ends early names the missing answer" -- sh -c "printf '\n' | \"$KDNETCTL\" wizard --simulated-target --out ./bad"

# A WinDbg host: Windows firewall lines, no listener config, no waiting.
expect_exit 0 "windbg host" -- "$KDNETCTL" wizard --non-interactive --debugger windbg --host-ip 198.51.100.7 --out ./windbg
contains "$OUT" "netsh advfirewall firewall add rule" "the Windows firewall rule is given"
[[ ! -e windbg/listener.json ]] && pass "no listener config for a WinDbg host" || fail "listener.json written for WinDbg"

finish
