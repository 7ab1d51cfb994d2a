#!/usr/bin/env bash
# IPv6 link-local end to end: kdnetctl listen and kdnetctl simulate-target on the two
# ends of a veth pair between two network namespaces, with nothing but fe80::1 and
# fe80::2 on it. A link-local address names its interface (fe80::1%eth0); the zone must
# survive parsing, the socket address both ways, and every printed endpoint ([addr]:port).
source "$(dirname "$0")/lib.sh"

host_and_target v6
ip link add "$VETH_H" netns "$NS_H" type veth peer name "$VETH_T" netns "$NS_T"
for end in "$NS_H $VETH_H fe80::1" "$NS_T $VETH_T fe80::2"; do
  read -r ns dev addr <<<"$end"
  # Only the addresses given here: no autoconfigured fe80::<mac> beside them. nodad makes
  # them usable at once instead of after duplicate address detection.
  ip -n "$ns" link set "$dev" addrgenmode none
  ip -n "$ns" addr add "$addr/64" dev "$dev" nodad
  ip -n "$ns" link set lo up; ip -n "$ns" link set "$dev" up
done
# A second link on each side that the kernel prefers for fe80::/64 (metric 1): a datagram
# whose zone was lost leaves by it and never arrives, so only a kept zone connects.
for ns in "$NS_H" "$NS_T"; do
  ip -n "$ns" link add "${ns/v6-?/v6-x}" type veth peer name "${ns/v6-?/v6-y}"
  for dev in "${ns/v6-?/v6-x}" "${ns/v6-?/v6-y}"; do ip -n "$ns" link set "$dev" addrgenmode none; ip -n "$ns" link set "$dev" up; done
  ip -n "$ns" -6 route add fe80::/64 dev "${ns/v6-?/v6-x}" metric 1
done
H=(ip netns exec "$NS_H"); T=(ip netns exec "$NS_T")
# Ready when both ends have carrier and their address is no longer tentative.
ready() { ip -n "$NS_H" -6 addr show dev "$VETH_H" | grep -v tentative | grep -q 'fe80::1/64' \
  && ip -n "$NS_T" -6 addr show dev "$VETH_T" | grep -v tentative | grep -q 'fe80::2/64' \
  && ip -n "$NS_H" link show "$VETH_H" | grep -q LOWER_UP && ip -n "$NS_T" link show "$VETH_T" | grep -q LOWER_UP; }
for ((i = 0; i < 200; i++)); do ready && break; sleep 0.05; done
ready && pass "veth pair up with fe80::1 and fe80::2" || { fail "veth pair never became ready"; finish; exit 1; }

KEY=$("$KDNETCTL" key generate)

# listen_bg NAME ARGS...: a listener in the host namespace; waits until it is bound.
listen_bg() {
  local name=$1; shift
  "${H[@]}" "$KDNETCTL" listen "$@" --key "$KEY" --timeout 15 --json >"$WORK/$name.json" 2>"$WORK/$name.err" &
  LISTEN_PID=$!
  wait_for "$WORK/$name.err" "listening on UDP" 10 "$LISTEN_PID" || fail "$name: listener never said it was listening: $(cat "$WORK/$name.err")"
}

# -- listen bound to the link-local address with its zone; the target names the host with its own zone
listen_bg bound --port 50000 --bind "fe80::1%$VETH_H"
expect_exit 0 "simulate-target --host-ip fe80::1%IFACE connects to listen --bind fe80::1%IFACE" -- \
  "${T[@]}" "$KDNETCTL" simulate-target --host-ip "fe80::1%$VETH_T" --port 50000 --key "$KEY" --poke-interval 0.2 --max-pokes 40 --json
[[ $(json_get "$OUT" 'd["connected"], d["host"], d["source"]') == "True [fe80::1%$VETH_T]:50000 [fe80::2%$VETH_T]:50000" ]] \
  && pass "simulator report: connected, endpoints in brackets with their zone" || fail "simulator report: $OUT"
contains "$ERR" "poking [fe80::1%$VETH_T]:50000 every" "simulate-target prints the host as [addr%zone]:port"
wait "$LISTEN_PID"; rc=$?
LOUT=$(cat "$WORK/bound.json")
[[ $rc -eq 0 && $(json_get "$LOUT" 'd["connected"], d["target"]["address"], d["target"]["port"]') == "True fe80::2%$VETH_H 50000" ]] \
  && pass "listen --bind reports the link-local target with the zone it arrived on" || fail "listen --bind (exit $rc): $LOUT $(cat "$WORK/bound.err")"

# -- a listener on the wildcard answers a link-local target on the interface the poke came in on
listen_bg wildcard --port 50001
expect_exit 0 "simulate-target reaches a wildcard listen over link-local" -- \
  "${T[@]}" "$KDNETCTL" simulate-target --host-ip "fe80::1%$VETH_T" --port 50001 --key "$KEY" --poke-interval 0.2 --max-pokes 40
wait "$LISTEN_PID"; rc=$?
LOUT=$(cat "$WORK/wildcard.json")
[[ $rc -eq 0 && $(json_get "$LOUT" 'd["connected"], d["target"]["address"]') == "True fe80::2%$VETH_H" ]] \
  && pass "wildcard listen answers through the zone the poke came in on" || fail "wildcard listen (exit $rc): $LOUT $(cat "$WORK/wildcard.err")"

# -- a send the kernel refuses (no route to the host here) is said once, not swallowed
expect_exit 1 "simulate-target towards an unroutable host does not connect" -- \
  "${T[@]}" "$KDNETCTL" simulate-target --host-ip 2001:db8::1 --port 50002 --key "$KEY" --poke-interval 0.1 --max-pokes 3
contains "$ERR" "cannot send to [2001:db8::1]:50002" "a refused send is reported, with the endpoint in brackets"
[[ $(grep -c "cannot send to" <<<"$ERR") -eq 1 ]] && pass "the refused send is said once, not per poke" || fail "refused send lines: $ERR"
expect_exit 1 "simulate-target --json towards an unroutable host" -- \
  "${T[@]}" "$KDNETCTL" simulate-target --host-ip 2001:db8::1 --port 50002 --key "$KEY" --poke-interval 0.1 --max-pokes 3 --json
[[ $(json_get "$OUT" 'd["connected"], d["unsent_datagrams"]') == "False 3" ]] \
  && pass "simulate-target --json counts the refused sends" || fail "simulate-target --json report: $OUT"

# -- a zone that names no interface here is a usage error
expect_exit 64 "listen --bind with an unknown zone" -- "${H[@]}" "$KDNETCTL" listen --port 50003 --key "$KEY" --bind fe80::1%nosuch0 --timeout 1
expect_one_line_error "listen --bind fe80::1%nosuch0"
contains "$ERR" "no interface nosuch0" "the unknown zone is named"
expect_exit 64 "simulate-target --host-ip with an unknown zone" -- "${T[@]}" "$KDNETCTL" simulate-target --host-ip fe80::1%nosuch0 --port 50003 --key "$KEY" --max-pokes 1
expect_one_line_error "simulate-target --host-ip fe80::1%nosuch0"

# -- towards ::1 nothing holds the port: IPv6 has one loopback address, the host's, so the
# simulated target sends from another port, and says that (not "taken by a listener").
expect_exit 1 "simulate-target --host-ip ::1 with the port free" -- \
  "${T[@]}" "$KDNETCTL" simulate-target --host-ip ::1 --port 50004 --key "$KEY" --poke-interval 0.1 --max-pokes 1
contains "$ERR" "::1 is IPv6's only loopback address and the host's own, which leaves no other address to send from at port 50004" "::1: the true reason for another source port"
grep -q "is taken" <<<"$ERR" && fail "::1: a free port is said to be taken: $ERR" || pass "::1: no port is said to be taken"
# Without ::1 (IPv6 off on lo) there is nothing to send from, and that is what is said.
expect_exit 1 "simulate-target --host-ip ::1 where lo has no ::1" -- \
  unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv6.conf.lo.disable_ipv6=1 && exec "$@"' sh \
  "$KDNETCTL" simulate-target --host-ip ::1 --port 50004 --key "$KEY" --poke-interval 0.1 --max-pokes 1
expect_one_line_error "simulate-target --host-ip ::1 without ::1"
contains "$ERR" "::1 is not an address of this host (IPv6 turned off, or lo has no ::1?)" "no ::1: named as such"

finish
