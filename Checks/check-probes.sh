#!/usr/bin/env bash
# ping, probe listen/send (direct and through a NAT router), probe port and probe route,
# all inside network namespaces made here: host H, target T on one link, and target N
# behind router R that masquerades.
source "$(dirname "$0")/lib.sh"
H=kdt-prb-h$$ T=kdt-prb-t$$ R=kdt-prb-r$$ N=kdt-prb-n$$
cleanup() { for ns in $H $T $R $N; do ip netns del "$ns" 2>/dev/null; done; kill "${HOLDER:-}" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
for ns in $H $T $R $N; do
  ip netns add "$ns"; inns "$ns" ip link set lo up
  # No duplicate address detection: link-local addresses are usable at once.
  inns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
link $H vh 10.77.0.1/24 $T vt 10.77.0.2/24
link $H vr 10.79.0.2/24 $R rh 10.79.0.1/24
link $R rn 10.78.0.1/24 $N nr 10.78.0.2/24
inns $N ip route add default via 10.78.0.1
inns $R sysctl -qw net.ipv4.ip_forward=1
inns $R nft -f - <<'RULES'
table ip nat {
  chain post {
    type nat hook postrouting priority 100;
    oifname "rh" masquerade
  }
}
RULES
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# ping
expect_exit 0 "ping across the veth as root" -- inns $T "$KDNETCTL" ping 10.77.0.1 --count 2
contains "$OUT" "2 sent, 2 received" "ping counts replies"
inns $T sysctl -qw net.ipv4.ping_group_range="1 0"
expect_exit 1 "ping refused without ping sockets or root" -- inns $T "${nobody[@]}" "$KDNETCTL" ping 10.77.0.1 --count 1
contains "$OUT" 'sysctl -w net.ipv4.ping_group_range="0 2147483647"' "refusal says how to allow ping sockets"
inns $T sysctl -qw net.ipv4.ping_group_range="0 2147483647"
expect_exit 0 "unprivileged ping once allowed" -- inns $T "${nobody[@]}" "$KDNETCTL" ping 10.77.0.1 --count 1 --json
[[ $(json_get "$OUT" 'd["method"], d["received"]') == "ping-socket 1" ]] && pass "ping socket used" || fail "ping socket: $OUT"
expect_exit 1 "no answer" -- inns $T "$KDNETCTL" ping 10.77.0.99 --count 1 --timeout 0.5
contains "$OUT" "blocks ping" "silence may only mean ping is blocked"
ll=$(inns $H ip -6 -o addr show dev vh scope link | awk '{print $4}' | cut -d/ -f1)
expect_exit 0 "IPv6 link-local ping" -- inns $T "$KDNETCTL" ping "$ll%vt" --count 1
expect_exit 64 "bad address is a usage error" -- "$KDNETCTL" ping 10.0.0.256
expect_one_line_error "bad address"
expect_exit 64 "count 0 is a usage error" -- inns $T "$KDNETCTL" ping 10.77.0.1 --count 0

# probe listen / send
inns $H "$KDNETCTL" probe listen --port 50000 --key secret --max 3 --timeout 10 --json >"$WORK/listen.json" 2>"$WORK/listen.err" &
wait_for "$WORK/listen.err" "listening on UDP" 10 $!
expect_exit 0 "probe send direct" -- inns $T "$KDNETCTL" probe send 10.77.0.1 --port 50000 --key secret --count 3 --json
[[ $(json_get "$OUT" 'd["answered"], d["reached_responder"], d["nat_detected"], len(d["rtt_ms"])') == "3 3 False 3" ]] \
  && pass "both directions, RTTs, no NAT" || fail "send report: $OUT"
wait
[[ $(json_get "$(cat "$WORK/listen.json")" 'd["answered"], d["stopped_because"], d["peers"][0]["from"]["address"]') == "3 max 10.77.0.2" ]] \
  && pass "listener stops at --max and names the sender" || fail "listen report: $(cat "$WORK/listen.json")"

inns $H "$KDNETCTL" probe listen --port 50000 --key secret --timeout 3 --json >"$WORK/listen.json" 2>"$WORK/listen.err" &
wait_for "$WORK/listen.err" "listening on UDP" 10 $!
expect_exit 1 "wrong key gets no answer" -- inns $T "$KDNETCTL" probe send 10.77.0.1 --port 50000 --key wrong --count 2 --timeout 0.5
contains "$OUT" "no answer" "sender says nothing came back"
wait
[[ $(json_get "$(cat "$WORK/listen.json")" 'd["rejected"], d["answered"]') == "2 0" ]] && pass "listener refuses unauthenticated probes" \
  || fail "listen with wrong key: $(cat "$WORK/listen.json")"
contains "$(json_get "$(cat "$WORK/listen.json")" 'd["fix"]')" "same --key" "listener says to use the same key"

expect_exit 1 "nothing listening: ICMP port unreachable" -- inns $T "$KDNETCTL" probe send 10.77.0.1 --port 50009 --key k --count 2 --timeout 0.5 --json
[[ $(json_get "$OUT" 'd["refused_by_icmp"] > 0') == True ]] && pass "refusal counted" || fail "refusal: $OUT"

inns $H "$KDNETCTL" probe listen --port 50001 --key secret --max 2 --timeout 10 >/dev/null 2>"$WORK/nat.err" &
wait_for "$WORK/nat.err" "listening on UDP" 10 $!
expect_exit 0 "probe send through the NAT router" -- inns $N "$KDNETCTL" probe send 10.79.0.2 --port 50001 --key secret --count 2 --json
[[ $(json_get "$OUT" 'd["nat_detected"], d["seen_as"]["address"], d["local_address"]["address"]') == "True 10.79.0.1 10.78.0.2" ]] \
  && pass "NAT detected" || fail "NAT report: $OUT"
wait

SECONDS=0
expect_exit 1 "listen stops by itself" -- inns $H "$KDNETCTL" probe listen --port 50002 --key k --timeout 1
((SECONDS < 4)) && pass "listen --timeout bounds the wait" || fail "listen took ${SECONDS}s"
contains "$OUT" "no probe arrived" "listener says nothing arrived"
expect_exit 64 "empty key is a usage error" -- inns $H "$KDNETCTL" probe listen --port 50002 --key ' ' --timeout 1
expect_exit 64 "port 0 is a usage error" -- inns $T "$KDNETCTL" probe send 10.77.0.1 --port 0 --key k

# probe port
inns $H python3 -c 'import socket,time; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("0.0.0.0",50003)); time.sleep(30)' &
HOLDER=$!
for _ in $(seq 20); do inns $H grep -qi ':C353 ' /proc/net/udp && break; sleep 0.1; done
expect_exit 1 "held port" -- inns $H "$KDNETCTL" probe port --port 50003 --json
pid=$(json_get "$OUT" 'd["holders"][0]["pid"]')
[[ $(ps -o comm= -p "$pid") == python3* && $(json_get "$OUT" 'd["holders"][0]["command"]') == python3* ]] \
  && pass "holder pid and command" || fail "holder: $OUT (python pid $HOLDER)"
expect_exit 1 "held port, human" -- inns $H "$KDNETCTL" probe port --port 50003
contains "$OUT" "kill $pid" "says how to free it"
expect_exit 0 "free port" -- inns $H "$KDNETCTL" probe port --port 50004
expect_exit 1 "bind on a held port fails clearly" -- inns $H "$KDNETCTL" probe listen --port 50003 --key k --timeout 1 --address 0.0.0.0
contains "$ERR" "probe port" "bind failure points to probe port"

# probe route
expect_exit 0 "directly connected" -- inns $T "$KDNETCTL" probe route 10.77.0.1 --json
[[ $(json_get "$OUT" 'd["directly_connected"], d["route"]["interface"]') == "True vt" ]] && pass "route on vt" || fail "route: $OUT"
expect_exit 0 "behind a router" -- inns $N "$KDNETCTL" probe route 10.79.0.2 --json
[[ $(json_get "$OUT" 'd["verdict"], d["route"]["gateway"]') == "warn 10.78.0.1" ]] && pass "router named" || fail "routed: $OUT"
expect_exit 1 "link-local across a router" -- inns $N "$KDNETCTL" probe route 169.254.10.20
contains "$OUT" "never cross a router" "explains link-local"
expect_exit 1 "link-local host address across a router" -- inns $N "$KDNETCTL" probe route 10.79.0.2 --host-ip 169.254.1.1
expect_exit 1 "no route" -- inns $T "$KDNETCTL" probe route 192.0.2.1
expect_exit 0 "route to this host's own address" -- inns $T "$KDNETCTL" probe route 127.0.0.1
contains "$OUT" "directly connected" "own address is directly connected (local table), not behind a router"
finish
