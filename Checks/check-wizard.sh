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
contains "$OUT" "Step 10/10: Summary" "all ten steps run"
for f in kdnet-target.cmd kdnet-target.ps1 kdnet-notes.txt listener.json; do
  [[ $(stat -c %a "kdnet-setup/$f") == 600 ]] && pass "$f is mode 0600" || fail "$f mode $(stat -c %a "kdnet-setup/$f" 2>&1)"
done
key=$(python3 -c 'import json; print(json.load(open("kdnet-setup/listener.json"))["targets"][0]["key"])')
[[ -n $key && $OUT != *"$key"* ]] && pass "the full key is not printed" || fail "the key shows on screen"
grep -q "key:$key" kdnet-setup/kdnet-target.cmd && pass "the script holds the full key" || fail "no key in the script"

# The remembered setup: after the wizard, listen and doctor need no flags, and the
# state directory never holds the key.
RS=$WORK/remember-state
expect_exit 0 "the wizard writes and remembers a setup" -- env XDG_STATE_HOME="$RS" "$KDNETCTL" wizard --simulated-target --non-interactive --no-connect --out ./remembered --port 50033
rkey=$(python3 -c 'import json; print(json.load(open("remembered/listener.json"))["targets"][0]["key"])')
XDG_STATE_HOME="$RS" "$KDNETCTL" listen --bind 127.0.0.1 --timeout 20 --json >remembered-listen.json 2>remembered-listen.err &
lp=$!
if wait_for remembered-listen.err "listening on UDP" 10 $lp; then
  "$KDNETCTL" simulate-target --host-ip 127.0.0.1 --port 50033 --key "$rkey" --poke-interval 1 --duration 15 >/dev/null 2>&1 &
  sp=$!
fi
wait $lp; code=$?
kill ${sp:-} 2>/dev/null; wait ${sp:-} 2>/dev/null
[[ $code -eq 0 && $(json_get "$(cat remembered-listen.json)" 'd["connected"], d["port"]') == "True 50033" ]] \
  && pass "listen without flags connects with the remembered port and key" || fail "remembered listen: exit $code $(cat remembered-listen.json remembered-listen.err)"
[[ $(head -1 remembered-listen.err) == "using the setup in $PWD/remembered (port 50033); give --port/--key or --config to choose another" ]] \
  && pass "listen's first line names the remembered setup" || fail "first line: $(head -1 remembered-listen.err)"
if [[ -s $RS/kdnetctl/last-setup.json ]] && ! grep -rqF -- "${rkey%%.*}" "$RS"; then pass "the state directory holds the setup, not the key"; else fail "state directory: $(ls -la "$RS/kdnetctl" 2>&1)"; fi
[[ $(stat -c %a "$RS/kdnetctl") == 700 && $(stat -c %a "$RS/kdnetctl/last-setup.json") == 600 ]] \
  && pass "the state directory is 0700 and its file 0600" || fail "state modes: $(stat -c '%a %n' "$RS/kdnetctl" "$RS/kdnetctl/last-setup.json")"
env XDG_STATE_HOME="$RS" "$KDNETCTL" doctor >doctor.out 2>doctor.err; code=$?
[[ ($code -eq 0 || $code -eq 1) && $(head -1 doctor.err) == "using the setup in $PWD/remembered (port 50033)"* ]] && grep -q " key " doctor.out \
  && pass "doctor without flags checks the remembered setup, key included (exit $code)" || fail "remembered doctor: exit $code $(cat doctor.err doctor.out)"
env XDG_STATE_HOME="$WORK/empty-state" "$KDNETCTL" doctor >doctor.out 2>doctor.err; code=$?
[[ ($code -eq 0 || $code -eq 1) && $(head -1 doctor.err) == "no setup given or remembered: checking the recommended defaults"* ]] && grep -q " port-free " doctor.out \
  && pass "doctor without flags or a setup checks the defaults (exit $code, never 64)" || fail "default doctor: exit $code $(cat doctor.err doctor.out)"

# --json: one document with steps, choices, files; stdout holds nothing else.
expect_exit 0 "--json run" -- "$KDNETCTL" wizard --simulated-target --non-interactive --out ./json-run --port 50011 --json
[[ $(json_get "$OUT" 'len(d["steps"]), d["choices"]["port"], len(d["files"]), d["mode"]') == "10 50011 4 simulated-target" ]] \
  && pass "--json record: 10 steps, choices, files" || fail "--json record: ${OUT:0:300}"
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
expect_exit 1 "unreadable answers file (a file's problem is a runtime failure)" -- "$KDNETCTL" wizard --non-interactive --answers ./nope.yaml --out ./bad
expect_exit 64 "IPv6 family with an IPv4 address" -- "$KDNETCTL" wizard --simulated-target --non-interactive --family ipv6 --host-ip 127.0.0.1 --out ./bad
expect_exit 64 "windbg host needs its address" -- "$KDNETCTL" wizard --non-interactive --debugger windbg --out ./bad
contains "$ERR" "give --host-ip" "a missing answer names its flag"
[[ ! -e bad ]] && pass "no folder after refused runs" || fail "refused runs wrote files"
touch afile
expect_exit 64 "--out is a file" -- "$KDNETCTL" wizard --simulated-target --non-interactive --no-connect --out ./afile

# The whole answers file is checked before anything is written; a bad answer is named
# by its key and line in the file (connect: is no flag: --connect is libvirt's URI), and
# is a runtime failure (1) as any value read from a file is.
printf 'connect: maybe\n' >late.yaml
expect_exit 1 "a bad answer to the last question" -- "$KDNETCTL" wizard --simulated-target --non-interactive --answers late.yaml --out ./late
expect_one_line_error "bad late answer"
contains "$ERR" "--answers late.yaml line 1: connect: 'maybe' is not one of wait, skip" "the error names the file's key and the allowed values"
[[ ! -e late ]] && pass "nothing written on a bad late answer" || fail "a bad late answer left: $(ls late)"
printf 'timeout: 30\n' >setting.yaml
expect_exit 1 "a run setting in the answers file" -- "$KDNETCTL" wizard --non-interactive --answers setting.yaml --out ./bad
expect_one_line_error "run setting in the answers file"
contains "$ERR" "only a flag gives; use --timeout" "the error names the flag to use"
contains "$("$KDNETCTL" wizard --help | tr '\n' ' ')" "on-failure takes stop or wait" "the help documents every answers key"
expect_exit 64 "this-machine off the target side" -- "$KDNETCTL" wizard --non-interactive --nic-source this-machine --out ./bad
expect_one_line_error "this-machine off the target side"
contains "$ERR" "it works only with --target-side" "the error says where this-machine works"
[[ ! -e bad ]] && pass "no folder after refused answers" || fail "refused answers wrote files"

# An empty --out is refused, not taken as the current folder.
mkdir emptyout
expect_exit 64 "--out ''" -- sh -c 'cd emptyout && exec "$0" wizard --simulated-target --non-interactive --no-connect --out ""' "$KDNETCTL"
expect_one_line_error "--out ''"
contains "$ERR" "--out is empty" "the error names --out"
[[ -z $(ls -A emptyout) ]] && pass "nothing written in the current folder" || fail "--out '' wrote: $(ls emptyout)"

# An existing folder others can read is made 0700 before the key goes in, and the run says so.
mkdir -m 755 open
expect_exit 0 "an existing 0755 --out" -- "$KDNETCTL" wizard --simulated-target --non-interactive --no-connect --out ./open
[[ $(stat -c %a open) == 700 ]] && pass "the folder is now 0700" || fail "the folder is $(stat -c %a open)"
contains "$OUT" "was mode 0755; made it 0700" "the tightening is said"

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

# Against the simulated target in two network namespaces (host kdt-wiz-h 10.77.0.1,
# target kdt-wiz-t 10.77.0.2), non-interactive, as a lab would run it.
H=kdt-wiz-h T=kdt-wiz-t
cleanup_ns() { ip netns del $H 2>/dev/null; ip netns del $T 2>/dev/null; }
trap 'cleanup_ns; rm -rf "$WORK"' EXIT
cleanup_ns
if ip netns add $H && ip netns add $T && ip link add kdtwiz0 type veth peer name kdtwiz1 \
   && ip link set kdtwiz0 netns $H && ip link set kdtwiz1 netns $T \
   && ip -n $H addr add 10.77.0.1/24 dev kdtwiz0 && ip -n $T addr add 10.77.0.2/24 dev kdtwiz1 \
   && ip -n $H link set kdtwiz0 up && ip -n $T link set kdtwiz1 up && ip -n $H link set lo up && ip -n $T link set lo up; then
  KEY=$("$KDNETCTL" key generate)
  OTHER=$("$KDNETCTL" key generate)

  # wizard_in_host NAME EXTRA...: starts the wizard in the host namespace in the background.
  wizard_in_host() {
    local name=$1; shift
    ip netns exec $H "$KDNETCTL" wizard --non-interactive --host-ip 10.77.0.1 --port 50000 --key "$KEY" \
      --out "./$name" --json "$@" >"$name.json" 2>"$name.err" &
    WIZ=$!
    for _ in $(seq 50); do [[ -e $name/listener.json ]] && break; sleep 0.1; done
  }
  simulate() { # simulate KEY: a target that boots now and pokes the host for at most 15 s
    ip netns exec $T "$KDNETCTL" simulate-target --host-ip 10.77.0.1 --port 50000 --key "$1" --poke-interval 1 --duration 15 >/dev/null 2>&1 &
    SIM=$!
  }

  wizard_in_host ok --timeout 15
  simulate "$KEY"
  wait $WIZ; code=$?; kill $SIM 2>/dev/null; wait $SIM 2>/dev/null
  OUT=$(cat ok.json)
  [[ $code -eq 0 ]] && pass "namespaces: the target connects (exit 0)" || fail "namespaces: exit $code: $(cat ok.err | tail -5)"
  [[ $(json_get "$OUT" 'd["outcome"], d["connection"]["from"].split(":")[0], d["connection"]["build"], d["connection"]["architecture"]') == "connected 10.77.0.2 19041 x64" ]] \
    && pass "namespaces: the record gives the target's address, build and architecture" || fail "namespaces: record ${OUT:0:400}"

  wizard_in_host wrongkey --timeout 4
  simulate "$OTHER"
  wait $WIZ; code=$?; kill $SIM 2>/dev/null; wait $SIM 2>/dev/null
  OUT=$(cat wrongkey.json)
  [[ $code -eq 1 && $(json_get "$OUT" 'd["outcome"], d["connection"]["diagnosis"]') == "not-connected wrong-key" ]] \
    && pass "namespaces: a target with another key is diagnosed wrong-key (exit 1)" || fail "namespaces: wrong key: exit $code ${OUT:0:300}"
  contains "$(cat wrongkey.err)" "set a new one there" "namespaces: the wrong-key advice is shown"

  ip netns exec $H nft -f - <<'NFT'
table inet kdtwiz {
  chain input {
    type filter hook input priority 0; policy accept;
    udp dport 50000 drop
  }
}
NFT
  wizard_in_host dropped --timeout 4
  simulate "$KEY"
  wait $WIZ; code=$?; kill $SIM 2>/dev/null; wait $SIM 2>/dev/null
  OUT=$(cat dropped.json)
  [[ $(json_get "$OUT" '[c["verdict"] for c in d["checks"] if c["name"] == "firewall"][0]') == fail ]] \
    && pass "namespaces: the host check finds the drop rule" || fail "namespaces: firewall check ${OUT:0:400}"
  fixes=$(json_get "$OUT" '" ".join(c for x in d["checks"] for c in x["commands"])')
  contains "$fixes" "udp dport 50000 accept" "namespaces: the rule that opens the port is given"
  [[ $code -eq 1 && $(json_get "$OUT" 'd["connection"]["diagnosis"]') == no-traffic ]] \
    && pass "namespaces: dropped traffic is diagnosed no-traffic (exit 1)" || fail "namespaces: drop: exit $code"
  ip netns exec $H nft delete table inet kdtwiz

  wizard_in_host silent --timeout 6
  wait $WIZ; code=$?
  OUT=$(cat silent.json)
  # It gave up on its own after waiting the whole --timeout (the wizard's own record).
  [[ $code -eq 1 && $(json_get "$OUT" 'd["connection"]["diagnosis"], d["connection"]["waited_seconds"] >= 6') == "no-traffic True" ]] \
    && pass "namespaces: a target that never reboots times out as no-traffic" || fail "namespaces: silent: exit $code ${OUT:0:300}"
  contains "$(cat silent.err)" "reboot the target after changing settings" "namespaces: the no-traffic advice is shown"
  # Within the first 60 s silence may be the target's DHCP wait: said live at 5 s and in the diagnosis.
  contains "$(cat silent.err)" "note: no poke after 5 s: possibly DHCP" "namespaces: the wizard names the DHCP wait while waiting"
  [[ $(json_get "$OUT" '"set nodhcp on the target" in d["connection"]["explanation"]') == True ]] \
    && pass "namespaces: the wizard's diagnosis names the DHCP wait and nodhcp" || fail "namespaces: silent explanation ${OUT:0:300}"
  contains "$(cat silent.err)" 'Static IP address: once KDNET owns the NIC, Windows shows it as "Ethernet (Kernel Debugger)"' "namespaces: the precautions name the static-address trap"

  wizard_in_host interrupted --timeout 30
  wait_for_udp 50000 20 $H  # the wizard says nothing on a non-terminal stderr; its bound port shows it waits
  kill -INT $WIZ; wait $WIZ; code=$?
  [[ $code -eq 130 ]] && pass "namespaces: Ctrl-C while waiting exits 130" || fail "namespaces: SIGINT exit $code"
  grep -q "key:$KEY" interrupted/kdnet-target.cmd && pass "namespaces: the files stay complete after Ctrl-C" || fail "namespaces: script incomplete"

  # On the target (a Linux live system): probe the host's `kdnetctl probe listen`.
  ip netns exec $H "$KDNETCTL" probe listen --port 50000 --key "$KEY" --timeout 20 --max 3 >/dev/null 2>probe.err &
  PROBE=$!
  wait_for probe.err "listening on UDP" 10 $PROBE
  expect_exit 0 "namespaces: --target-side run" -- ip netns exec $T "$KDNETCTL" wizard --target-side --non-interactive --host-ip 10.77.0.1 \
    --port 50000 --key "$KEY" --nic-source skip --out ./target-side --json
  kill $PROBE 2>/dev/null; wait $PROBE 2>/dev/null
  [[ $(json_get "$OUT" '[c["verdict"] for c in d["checks"] if c["name"].startswith("UDP probe")][0], d["mode"]') == "pass target-side" ]] \
    && pass "namespaces: the target side reaches the host's probe listener" || fail "namespaces: target side ${OUT:0:400}"
else
  fail "could not create the kdt-wiz- namespaces (needs root and iproute2)"
fi

finish
