#!/usr/bin/env bash
# kdnetctl doctor, each verdict reached by setting up its real cause inside network
# namespaces made here: host H and target T on one link, and N behind router R.
source "$(dirname "$0")/lib.sh"
H=kdt-doc-h$$ T=kdt-doc-t$$ R=kdt-doc-r$$ N=kdt-doc-n$$
ROOT=$(cd "$(dirname "$0")/.." && pwd)
RULES=$ROOT/Tests/KDNetKitTests/Fixtures/nft
VECTOR=$ROOT/Tests/KDNetKitTests/Fixtures/vectors/libkdnet-1.1.1.1-v2.txt
cleanup() {
  [[ -n ${HOLDER:-} ]] && kill "$HOLDER" 2>/dev/null
  for ns in $H $T $R $N; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$WORK"
}
trap cleanup EXIT
for ns in $H $T $R $N; do ip netns add "$ns"; inns "$ns" ip link set lo up; done
link $H vh 10.77.0.1/24 $T vt 10.77.0.2/24
link $H vr 10.79.0.2/24 $R rh 10.79.0.1/24
link $R rn 10.88.0.1/24 $N nr 10.88.0.2/24
inns $H ip addr add 169.254.7.1/16 dev vh
inns $H ip route add 10.88.0.0/24 via 10.79.0.1
inns $N ip route add default via 10.88.0.1
inns $R sysctl -qw net.ipv4.ip_forward=1
host() { inns $H "$@"; }
doctor() { inns $H "$KDNETCTL" doctor "$@"; }
# line JSON NAME: "verdict|cause|fix|details" of one check.
line() { json_get "$1" "next(('|'.join([c['verdict'], c['cause'], str(c['fix']), ' / '.join(c['details'] or [])]) for c in d['checks'] if c['name'] == '$2'), 'missing')"; }
# verdict_is JSON NAME WANT WHAT
verdict_is() {
  local l; l=$(line "$1" "$2")
  [[ ${l%%|*} == "$3" ]] && pass "$4" || fail "$4: $2 is ${l:0:500}"
}
KEY=2steg4fzbj2sy.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p
OTHER=3steg4fzbj2sy.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p

# Port range and policy.
expect_exit 0 "port 80 only warns (the doctor may test another port on purpose)" -- doctor --port 80 --json
verdict_is "$OUT" port warn "port 80 is outside 49152-65535"
contains "$(line "$OUT" port)" "port 80 is outside 49152-65535; pick one from 50000-50039" "the doctor says what bcdedit and listen would refuse"
contains "$(line "$OUT" port)" "bcdedit /dbgsettings net hostip:" "port fix is the bcdedit line"
expect_exit 0 "port 50085 only warns" -- doctor --port 50085 --json
verdict_is "$OUT" port warn "port 50085: network policy warning"
contains "$(line "$OUT" port)" "network policy" "says network policy may block it"
expect_exit 0 "port 50000 passes" -- doctor --port 50000
contains "$OUT" "port 50000 is in the recommended range" "human table line for the port"
contains "$OUT" "pass, 0 warn, 0 fail" "summary line"

# The host address.
expect_exit 0 "host-ip of this host" -- doctor --host-ip 10.77.0.1 --json
verdict_is "$OUT" host-ip pass "10.77.0.1 is this host's"
expect_exit 1 "host-ip of another machine" -- doctor --host-ip 10.77.0.2 --json
verdict_is "$OUT" host-ip fail "10.77.0.2 is not this host's"
contains "$(line "$OUT" host-ip)" "this host has 10.77.0.1 on vh" "lists this host's addresses"
expect_exit 0 "link-local host-ip warns" -- doctor --host-ip 169.254.7.1 --json
verdict_is "$OUT" host-ip warn "169.254.7.1 is link-local"
contains "$(line "$OUT" host-ip)" "same switch" "link-local needs one switch"
expect_exit 1 "loopback host-ip" -- doctor --host-ip 127.0.0.1 --json
verdict_is "$OUT" host-ip fail "loopback cannot be reached by a target"

# Who holds the port.
# ip netns exec execs python3, so $! is python3's own pid.
ip netns exec $H python3 -c 'import socket,time; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 50000)); print("bound", flush=True); time.sleep(30)' >"$WORK/holder.out" &
HOLDER=$!
wait_for "$WORK/holder.out" bound 10 $HOLDER
expect_exit 1 "port held by python3" -- doctor --port 50000 --json
verdict_is "$OUT" port-free fail "port-free fails while python3 holds it"
contains "$(line "$OUT" port-free)" "python3 (pid $HOLDER" "names the holder and its pid"
contains "$(line "$OUT" port-free)" "kill $HOLDER" "fix says how to stop it"
kill $HOLDER; wait $HOLDER 2>/dev/null; HOLDER=
expect_exit 0 "port free again" -- doctor --port 50000 --json
verdict_is "$OUT" port-free pass "port-free passes once it is released"

# The firewall, for each kind of ruleset.
verdict_is "$OUT" firewall pass "empty ruleset passes"
contains "$(line "$OUT" firewall)" "no firewall to check" "no ruleset: no firewall to check"
fw() { # fw FIXTURE PORT WANT WHAT
  host nft flush ruleset; host nft -f "$RULES/$1.nft"
  local code=0; [[ $3 == fail ]] && code=1
  expect_exit $code "$1: exit code" -- doctor --port "$2" --host-ip 10.77.0.1 --target 10.77.0.2 --json
  verdict_is "$OUT" firewall "$3" "$1 port $2: $4"
}
fw accept 50000 pass "accepted"
fw drop-rule 50000 fail "dropped by a rule"
contains "$(line "$OUT" firewall)" "udp dport 50000 counter drop" "names the dropping rule"
contains "$(line "$OUT" firewall)" 'nft insert rule inet filter input iifname "vh" udp dport 50000 accept' "gives the rule that opens it, on the host-ip's interface"
open=$(json_get "$OUT" "[c for c in d['checks'] if c['name']=='firewall'][0]['details'][-1].replace('to open it: ', '')")
eval "host $open"
expect_exit 0 "the printed rule opens it" -- doctor --port 50000 --host-ip 10.77.0.1 --json
verdict_is "$OUT" firewall pass "accepted after the printed rule"
fw reject-rule 50010 fail "rejected"
contains "$(line "$OUT" firewall)" "rejected" "says rejected"
fw policy-drop 50000 fail "dropped by policy"
contains "$(line "$OUT" firewall)" "policy" "names the policy"
fw jump 50020 pass "accepted in a user chain reached by a jump"
fw jump 50040 fail "dropped after the user chain returns"
fw other-port 50000 fail "only another port is open"
fw other-port 50001 pass "the opened port"
expect_exit 0 "ruleset unreadable without root" -- inns $H setpriv --reuid=65534 --regid=65534 --clear-groups "$KDNETCTL" doctor --port 50000 --json
verdict_is "$OUT" firewall warn "not root: firewall not checked"
contains "$(line "$OUT" firewall)" "needs root" "says it needs root"
host nft flush ruleset
expect_exit 0 "windows host" -- doctor --port 50005 --host-os windows
contains "$OUT" 'netsh advfirewall firewall add rule name="WinDbg KDNET" dir=in action=allow protocol=UDP localport=50005 profile=domain,private,public' "netsh line"
contains "$OUT" "New-NetFirewallRule" "PowerShell line"
contains "$OUT" "Allow an app through Windows Firewall" "Control Panel steps"
[[ $OUT != *"nftables"* ]] && pass "windows: no nftables talk" || fail "windows output mentions nftables: $OUT"

# Route and ping.
expect_exit 0 "target on the link" -- doctor --target 10.77.0.2 --json
verdict_is "$OUT" route pass "directly connected"
verdict_is "$OUT" target-ping pass "the target answers ping"
expect_exit 0 "target behind a router" -- doctor --target 10.88.0.2 --host-ip 10.79.0.2 --json
verdict_is "$OUT" route warn "behind a router"
contains "$(line "$OUT" route)" "behind the router 10.79.0.1" "names the router"
verdict_is "$OUT" target-ping pass "the router forwards ping"
expect_exit 1 "link-local host address across a router" -- doctor --target 10.88.0.2 --host-ip 169.254.7.1 --json
verdict_is "$OUT" route fail "link-local cannot cross the router"
contains "$(line "$OUT" route)" "never cross a router" "says why"
expect_exit 1 "no route" -- doctor --target 192.0.2.9 --json
verdict_is "$OUT" route fail "no route to 192.0.2.9"
inns $T nft -f - <<'NFT'
table inet noping {
  chain input {
    type filter hook input priority 0;
    icmp type echo-request drop
  }
}
NFT
expect_exit 0 "target that blocks ping" -- doctor --target 10.77.0.2 --json
verdict_is "$OUT" target-ping warn "no answer is only a warning"
contains "$(line "$OUT" target-ping)" "may only mean it blocks ping" "says ping may just be blocked"
inns $T nft flush ruleset
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
host sysctl -qw net.ipv4.ping_group_range="1 0"
expect_exit 0 "ping refused without ping sockets" -- inns $H "${nobody[@]}" "$KDNETCTL" doctor --target 10.77.0.2 --json
verdict_is "$OUT" target-ping warn "refused ping is a warning"
contains "$(line "$OUT" target-ping)" 'sysctl -w net.ipv4.ping_group_range="0 2147483647"' "says how to allow ping sockets"
host sysctl -qw net.ipv4.ping_group_range="0 2147483647"
expect_exit 0 "ping socket allowed" -- inns $H "${nobody[@]}" "$KDNETCTL" doctor --target 10.77.0.2 --json
verdict_is "$OUT" target-ping pass "unprivileged ping socket works"
contains "$(line "$OUT" target-ping)" "ping-socket" "used a ping socket"

# The target's bcdedit /dbgsettings.
settings() { # settings HOSTIP PORT KEY
  printf 'busparams               0.25.0\r\nkey                     %s\r\ndebugtype               NET\r\nhostip                  %s\r\nport                    %s\r\ndhcp                    Yes\r\nThe operation completed successfully.\r\n' "$3" "$1" "$2"
}
settings 10.77.0.1 50000 $KEY > "$WORK/good.txt"
chmod 600 "$WORK/good.txt"  # it holds the key: the key-file rule
expect_exit 0 "consistent dbgsettings" -- doctor --port 50000 --key $KEY --host-ip 10.77.0.1 --dbgsettings "$WORK/good.txt" --json
for n in target-settings target-port target-hostip target-key target-busparams; do verdict_is "$OUT" $n pass "consistent: $n"; done
[[ $OUT != *23418vzkd4ko3* ]] && pass "the key is not printed" || fail "key printed: $OUT"
# --pci-dump: busparams must name a network controller there (kdnet.exe once chose the xHCI controller).
expect_exit 1 "dbgsettings with busparams on no device of the dump" -- doctor --dbgsettings "$WORK/good.txt" --pci-dump "$ROOT/Tests/KDNetKitTests/Fixtures/pci/xhci-at-busparams.lspci" --json
verdict_is "$OUT" target-busparams fail "busparams 0.25.0 name no device in the dump"
sed 's/0\.25\.0/0.20.0/' "$WORK/good.txt" >"$WORK/xhci.txt" && chmod 600 "$WORK/xhci.txt"
expect_exit 1 "dbgsettings with busparams on the xHCI controller" -- doctor --dbgsettings "$WORK/xhci.txt" --pci-dump "$ROOT/Tests/KDNetKitTests/Fixtures/pci/xhci-at-busparams.lspci" --json
verdict_is "$OUT" target-busparams fail "busparams naming the xHCI controller fail"
contains "$(line "$OUT" target-busparams)" "a USB xHCI controller" "the doctor names the device busparams name"
settings 10.77.0.1 50001 $KEY > "$WORK/port.txt"
chmod 600 "$WORK/port.txt"  # it holds the key: the key-file rule
expect_exit 1 "port mismatch" -- doctor --port 50000 --key $KEY --dbgsettings "$WORK/port.txt" --json
verdict_is "$OUT" target-port fail "target port 50001 vs 50000"
settings 10.77.0.1 50000 $OTHER > "$WORK/key.txt"
chmod 600 "$WORK/key.txt"  # it holds the key: the key-file rule
expect_exit 1 "key mismatch" -- doctor --port 50000 --key $KEY --dbgsettings "$WORK/key.txt" --json
verdict_is "$OUT" target-key fail "the target's key differs"
contains "$(line "$OUT" target-key)" 'bcdedit /dbgsettings` in an elevated prompt' "says how to read the key on the target"
settings 10.77.0.5 50000 $KEY > "$WORK/host.txt"
chmod 600 "$WORK/host.txt"  # it holds the key: the key-file rule
expect_exit 1 "hostip mismatch" -- doctor --port 50000 --key $KEY --host-ip 10.77.0.1 --dbgsettings "$WORK/host.txt" --json
verdict_is "$OUT" target-hostip fail "hostip 10.77.0.5 is not this host"
contains "$(line "$OUT" target-hostip)" "--host-ip is 10.77.0.1" "names the mismatch with --host-ip"
grep -v busparams "$WORK/good.txt" > "$WORK/nobus.txt"
expect_exit 0 "no busparams" -- doctor --dbgsettings - --json < "$WORK/nobus.txt"
verdict_is "$OUT" target-busparams warn "missing busparams warns (read from stdin)"

# --listen: passive, classifies what arrives.
# listen_bg KEY SECONDS [FLAGS]: the doctor in the background, once it listens (the
# checks before it, such as ping, take a while).
listen_bg() {
  doctor --port 50000 --key "$1" --listen "$2" "${@:3}" --json >"$WORK/listen.out" 2>"$WORK/listen.err" & LISTENER=$!
  wait_for_udp 50000 10 $H
}
listen_wait() { wait $LISTENER; LCODE=$?; OUT=$(cat "$WORK/listen.out"); }
expect_exit 1 "nothing arrives" -- doctor --port 50000 --key $KEY --listen 1 --json
verdict_is "$OUT" listen fail "nothing arrived"
contains "$(line "$OUT" listen)" "not rebooted" "names the causes of silence"
contains "$(line "$OUT" listen)" "or possibly DHCP: the target uses DHCP unless its settings say nodhcp" "1 s of silence names the DHCP wait"
contains "$(line "$OUT" listen)" "--listen 90" "and says to listen past the assumed DHCP wait"
sed 's/Yes/No/' "$WORK/good.txt" >"$WORK/nodhcp.txt" && chmod 600 "$WORK/nodhcp.txt"
expect_exit 1 "nothing arrives from a nodhcp target" -- doctor --port 50000 --key $KEY --listen 1 --dbgsettings "$WORK/nodhcp.txt" --json
[[ $(line "$OUT" listen) != *DHCP* ]] && pass "a target with nodhcp gets no DHCP hint" || fail "nodhcp listen: $(line "$OUT" listen)"
# Off a terminal a long listen says every 10 s that it is still waiting, on stderr only.
expect_exit 1 "nothing arrives in 11 s (piped)" -- doctor --port 50000 --key $KEY --listen 11
[[ $(grep -c "^waiting 10 s of 11: listening on UDP port 50000, 0 datagrams" "$WORK/err") -eq 1 && $OUT != *waiting\ 10* ]] \
  && pass "a piped --listen prints one plain waiting line on stderr" || fail "waiting line: stderr: $ERR"
listen_bg $KEY 2.5
inns $T python3 -c 'import socket,time
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(8): s.sendto(b"not kdnet at all", ("10.77.0.1", 50000)); time.sleep(0.2)'
listen_wait
[[ $LCODE -eq 1 ]] && pass "junk: exit 1" || fail "junk: exit $LCODE"
verdict_is "$OUT" listen fail "non-KDNET UDP"
contains "$(line "$OUT" listen)" "none of it is KDNET" "says it is not KDNET"
# MDBG of protocol version 6 that does not authenticate: a wrong key or a new layout, not another program.
listen_bg $KEY 2.5
inns $T python3 -c 'import socket,time
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(8): s.sendto(b"MDBG\x06\x01" + bytes(32), ("10.77.0.1", 50000)); time.sleep(0.2)'
listen_wait
verdict_is "$OUT" listen fail "KDNET version 6"
contains "$(line "$OUT" listen)" "unknown version 6: a wrong key or a new layout arrived from 10.77.0.2" "names the unknown KDNET version"
contains "$(line "$OUT" listen)" "datagrams of an unknown KDNET version" "counts them as such"
[[ $(line "$OUT" listen) != *"another program sends to this port"* ]] && pass "version 6 is not called another program" || fail "version 6: $(line "$OUT" listen)"
sim() { inns $T "$KDNETCTL" simulate-target --host-ip 10.77.0.1 --port 50000 --key "$1" --poke-interval 0.4 --duration 2 "${@:2}" >/dev/null 2>&1; }
listen_bg $KEY 3
sim $OTHER; SIM=$?
listen_wait
verdict_is "$OUT" listen fail "KDNET with another key"
contains "$(line "$OUT" listen)" "fails authentication" "says authentication fails"
contains "$(line "$OUT" listen)" 'bcdedit /dbgsettings` in an elevated prompt' "says how to read the target's key"
listen_bg $KEY 3 --target 10.77.0.3
sim $KEY; SIM2=$?
listen_wait
verdict_is "$OUT" listen fail "right key from an unexpected address"
contains "$(line "$OUT" listen)" "not from the expected target 10.77.0.3" "names the expected target"
listen_bg $KEY 3 --target 10.77.0.2
sim $KEY; SIM3=$?
listen_wait
[[ $LCODE -eq 0 ]] && pass "authenticated: exit 0" || fail "authenticated: exit $LCODE: $OUT"
verdict_is "$OUT" listen pass "KDNET that authenticates"
contains "$(line "$OUT" listen)" "kdnetctl listen --port 50000 --key" "hands over to kdnetctl listen"
# An authentic version not seen before is a warning (listen answers it), no longer a failure.
listen_bg $KEY 3 --target 10.77.0.2
sim $KEY --protocol-version 6; SIM4=$?
listen_wait
[[ $LCODE -eq 0 ]] && pass "KDNET version 6 that authenticates: exit 0" || fail "version 6 authentic: exit $LCODE: $OUT"
verdict_is "$OUT" listen warn "KDNET version 6 that authenticates"
contains "$(line "$OUT" listen)" "KDNET version 6, not seen before: answered as the target speaks it" "names the version not seen before"
[[ $SIM -eq 1 && $SIM2 -eq 1 && $SIM3 -eq 1 && $SIM4 -eq 1 ]] && pass "passive: no simulated target was ever answered" || fail "a target connected: $SIM $SIM2 $SIM3 $SIM4"
listen_bg 1.1.1.1 2.5
inns $T python3 -c 'import socket,time,sys
poke=bytes.fromhex(next(l.split()[1] for l in open(sys.argv[1]) if l.startswith("poke ")))
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(4): s.sendto(poke, ("10.77.0.1", 50000)); time.sleep(0.3)' "$VECTOR"
listen_wait
verdict_is "$OUT" listen pass "the libkdnet vector's poke authenticates with 1.1.1.1"
listen_bg 2.2.2.2 2.5
inns $T python3 -c 'import socket,time,sys
poke=bytes.fromhex(next(l.split()[1] for l in open(sys.argv[1]) if l.startswith("poke ")))
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(4): s.sendto(poke, ("10.77.0.1", 50000)); time.sleep(0.3)' "$VECTOR"
listen_wait
verdict_is "$OUT" listen fail "the vector's poke with another --key"

# Bad input.
# No flags and nothing remembered: the recommended defaults are checked, never refused.
"$KDNETCTL" doctor >"$WORK/bare.out" 2>"$WORK/bare.err"; code=$?
[[ ($code -eq 0 || $code -eq 1) && $(head -1 "$WORK/bare.err") == "no setup given or remembered: checking the recommended defaults"* ]] \
  && grep -q " port-free " "$WORK/bare.out" && grep -qE "^[0-9]+ pass, [0-9]+ warn, [0-9]+ fail$" "$WORK/bare.out" \
  && pass "doctor without flags checks the defaults (exit $code, not 64)" || fail "doctor without flags: exit $code $(cat "$WORK/bare.err" "$WORK/bare.out")"
expect_exit 64 "--listen without --key" -- "$KDNETCTL" doctor --port 50000 --listen 5
contains "$ERR" '--listen needs the key (--key, --key-file or $KDNETCTL_KEY)' "says --listen needs the key and where it may come from"
expect_exit 64 "--port 0" -- "$KDNETCTL" doctor --port 0 --json
json_get "$OUT" 'd["error"]' >/dev/null && pass "--json error document" || fail "no JSON error: $OUT"
expect_exit 64 "bad --host-ip" -- "$KDNETCTL" doctor --host-ip 10.0.0.300
expect_exit 64 "bad --target" -- "$KDNETCTL" doctor --target nowhere
expect_exit 64 "bad --key" -- "$KDNETCTL" doctor --key 1.2
expect_exit 64 "unknown --host-os" -- "$KDNETCTL" doctor --port 50000 --host-os macos
expect_exit 64 "--listen 0" -- "$KDNETCTL" doctor --port 50000 --key $KEY --listen 0
finish
