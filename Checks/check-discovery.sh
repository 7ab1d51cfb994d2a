#!/usr/bin/env bash
# `nics` against lspci -x dumps, Windows ids and this machine; `host` inside network
# namespaces built here (veth pairs, a link-local-only host, a host on two subnets).
source "$(dirname "$0")/lib.sh"
FIX=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures/pci
export KDNETCTL_PCI_IDS=$FIX/pci.ids

# ---- nics
expect_exit 0 "nics: supported NIC in a dump" -- "$KDNETCTL" nics --pci-dump "$FIX/supported.lspci" --json
[[ $(json_get "$OUT" 'd["recommended"], d["nics"][0]["busparams"], d["nics"][0]["supported"], d["nics"][0]["subsystem"]') == "00:1f.6 0.31.6 True 1462:7a72" ]] \
  && pass "nics: busparams decimal and subsystem" || fail "nics json: $OUT"
contains "$(json_get "$OUT" 'd["bcdedit"]')" "bcdedit /set {dbgsettings} busparams 0.31.6" "nics: bcdedit line"
expect_exit 0 "nics: human output" -- "$KDNETCTL" nics --pci-dump "$FIX/supported.lspci"
contains "$OUT" "busparams 0.31.6" "nics: human output names busparams"

expect_exit 1 "nics: later-build-only NIC on 10 1809 exits 1" -- "$KDNETCTL" nics --pci-dump "$FIX/later-build.lspci" --windows "10 1809" --json
[[ $(json_get "$OUT" 'd["nics"][0]["min_build"], d["nics"][0]["supported"], d["windows"]["build"]') == "18362 False 17763" ]] \
  && pass "nics: min build of RTL8125" || fail "later build json: $OUT"
expect_exit 0 "nics: same NIC on 10 1903" -- "$KDNETCTL" nics --pci-dump "$FIX/later-build.lspci" --windows 1903

# virtio-net: modern through the module Windows ships from 22621, transitional not known,
# legacy-only reported to send nothing; a 64-byte dump cannot tell 1af4:1000's transport.
expect_exit 0 "nics: 16-byte virtio dump on 23H2" -- "$KDNETCTL" nics --pci-dump "$FIX/virtio.lspci" --windows "11 23H2" --json
[[ $(json_get "$OUT" '[n["supported"] for n in d["nics"]], [n["basis"] for n in d["nics"]], d["recommended"]') == "[None, True] [None, 'shipped_module'] 00:04.0" ]] \
  && pass "nics: 1af4:1000 unknown, 1af4:1041 supported by the shipped module" || fail "virtio json: $OUT"
expect_exit 0 "nics: modern virtio from lspci -xxx" -- "$KDNETCTL" nics --pci-dump "$FIX/virtio-modern.lspci"
contains "$OUT" "basis: a KDNET module Windows ships; reported by Cloud Hypervisor" "nics: the basis line names the public report"
contains "$OUT" "busparams 0.3.0" "nics: modern virtio gets busparams"
expect_exit 1 "nics: transitional virtio is not known" -- "$KDNETCTL" nics --pci-dump "$FIX/virtio-transitional.lspci" --json
[[ $(json_get "$OUT" 'd["nics"][0]["virtio"], d["nics"][0]["supported"], d["nics"][0]["basis"]') == "transitional None None" ]] \
  && pass "nics: transitional read from the capability list" || fail "transitional json: $OUT"
contains "$(json_get "$OUT" 'd["nics"][0]["advice"]')" "disable-legacy=on" "nics: transitional advice says how to get the modern device"
expect_exit 1 "nics: legacy-only virtio is not supported" -- "$KDNETCTL" nics --pci-dump "$FIX/virtio-legacy-only.lspci" --json
[[ $(json_get "$OUT" 'd["nics"][0]["virtio"], d["nics"][0]["supported"], d["nics"][0]["basis"]') == "legacy-only False shipped_module" ]] \
  && pass "nics: legacy-only virtio" || fail "legacy-only json: $OUT"
contains "$(json_get "$OUT" 'd["nics"][0]["reported_by"]')" "Parallels" "nics: legacy-only verdict names its report"
expect_exit 1 "nics: virtio before 22621 is not known" -- "$KDNETCTL" nics --ids 1af4:1041 --windows 22000 --json
[[ $(json_get "$OUT" 'd["nics"][0]["supported"], d["nics"][0]["basis"]') == "None None" ]] && pass "nics: not known, not no" || fail "early virtio: $OUT"
expect_exit 0 "nics: virtio on 22621" -- "$KDNETCTL" nics --ids 1af4:1041 --windows 22621
contains "$OUT" "kd_02_1af4.dll" "nics: names the module"

# The XML list's first build wins over the pages: vmxnet3 from 26006, ENA from 27900, e1000e from 8.1.
expect_exit 1 "nics: vmxnet3 on 23H2" -- "$KDNETCTL" nics --ids 15ad:07b0 --windows 22631
contains "$OUT" "listed on the Windows 11 23H2 page; Microsoft's XML list says from build 26006" "nics: vmxnet3 names page and XML list"
expect_exit 0 "nics: vmxnet3 on 26006" -- "$KDNETCTL" nics --ids 15ad:07b0 --windows 26006
expect_exit 1 "nics: ENA on 24H2" -- "$KDNETCTL" nics --ids 1d0f:ec20 --windows 26100 --json
[[ $(json_get "$OUT" 'd["nics"][0]["supported"], d["nics"][0]["min_build"]') == "False 27900" ]] && pass "nics: ENA from 27900" || fail "ENA: $OUT"
expect_exit 0 "nics: ENA on 27900" -- "$KDNETCTL" nics --ids 1d0f:ec20 --windows 27900
expect_exit 0 "nics: e1000e on 8.1" -- "$KDNETCTL" nics --ids 8086:10d3 --windows 8.1

# The doctor judges NICs with the same code.
expect_exit 0 "doctor: nic check on a modern virtio dump" -- "$KDNETCTL" doctor --pci-dump "$FIX/virtio-modern.lspci" --json
[[ $(json_get "$OUT" 'd["checks"][0]["name"], d["checks"][0]["verdict"]') == "nic pass" ]] && pass "doctor: nic pass" || fail "doctor nic: $OUT"
contains "$(json_get "$OUT" 'd["checks"][0]["cause"]')" "public report" "doctor: nic cause says it rests on a public report"
expect_exit 1 "doctor: nic check fails for vmxnet3 on 23H2" -- "$KDNETCTL" doctor --ids 15ad:07b0 --windows "11 23H2"
expect_exit 64 "doctor: --windows alone is a usage error" -- "$KDNETCTL" doctor --windows 11
expect_one_line_error "doctor --windows alone"

expect_exit 0 "nics: several NICs" -- "$KDNETCTL" nics --pci-dump "$FIX/several.lspci" --windows 1809 --json
[[ $(json_get "$OUT" 'd["recommended"], len(d["nics"]), [n["kind"] for n in d["nics"]][:2]') == "3c:00.0 5 ['usb-xhci', 'wireless']" ]] \
  && pass "nics: recommends the supported I210 among 5" || fail "several json: $OUT"

expect_exit 1 "nics: malformed dump exits 1" -- "$KDNETCTL" nics --pci-dump "$FIX/malformed.lspci"
expect_one_line_error "malformed dump"
contains "$ERR" "lspci -x" "malformed dump: error says how to make one"
expect_exit 1 "nics: missing dump exits 1" -- "$KDNETCTL" nics --pci-dump "$WORK/nope"
expect_one_line_error "missing dump"
expect_exit 1 "nics: a dump naming device 3f function 9 is refused" -- "$KDNETCTL" nics --pci-dump "$FIX/impossible-address.lspci"
expect_one_line_error "impossible PCI address"
contains "$ERR" "00:3f.9" "impossible address: the error names it"
expect_exit 1 "nics: a NIC in PCI domain 0001 is not recommended" -- "$KDNETCTL" nics --pci-dump "$FIX/domain-1.lspci" --windows 8.1 --json
[[ $(json_get "$OUT" 'd["recommended"], d["bcdedit"], d["nics"][0]["busparams"]') == "None None None" ]] && pass "nics: no busparams outside domain 0" || fail "domain 1: $OUT"
expect_exit 1 "nics: text without config bytes is refused" -- "$KDNETCTL" nics --pci-dump "$FIX/not-a-dump.lspci"

expect_exit 0 "nics: Windows ids" -- "$KDNETCTL" nics --ids 'PCI\VEN_8086&DEV_15B8&SUBSYS_7A721462&REV_00\3&11583659&0&FE' --ids 1af4:1041,USB\\VID_0BDA\&PID_8153 --json
[[ $(json_get "$OUT" '[n["supported"] for n in d["nics"]], d["nics"][2]["kind"], d["recommended"]') == "[True, True, False] usb-attached None" ]] \
  && pass "nics: ids verdicts" || fail "ids json: $OUT"
expect_exit 64 "nics: bad id is a usage error" -- "$KDNETCTL" nics --ids 'VEN_80'
expect_one_line_error "bad id"
expect_exit 64 "nics: unknown Windows" -- "$KDNETCTL" nics --ids 8086:15b8 --windows 12
expect_exit 64 "nics: ambiguous 21H2" -- "$KDNETCTL" nics --ids 8086:15b8 --windows 21H2
expect_exit 64 "nics: missing pci.ids" -- "$KDNETCTL" nics --ids 8086:15b8 --pci-ids "$WORK/none"

# This machine's own NIC, as `lspci -x` (64 bytes) and `lspci -xxx` show it, when it is a virtio VM.
if command -v lspci >/dev/null && lspci -n 2>/dev/null | grep -q ' 0200: 1af4:'; then
  lspci -x >"$WORK/own-x.lspci" 2>/dev/null; lspci -xxx >"$WORK/own-xxx.lspci" 2>/dev/null
  for f in own-x own-xxx; do
    "$KDNETCTL" nics --pci-dump "$WORK/$f.lspci" --json >"$WORK/$f.json" 2>"$WORK/$f.err"
    got=$(json_get "$(cat "$WORK/$f.json")" '[(n["device_id"], n["virtio"], n["supported"]) for n in d["nics"] if n["vendor_id"] == "1af4"]')
    want=$(lspci -n | awk '$2 == "0200:" && $3 ~ /^1af4:/ {split($3, a, ":"); printf "%s ", a[2]}')
    ok=1
    for dev in $want; do
      case $dev in
        1041) [[ $got == *"('1041', 'modern', True)"* ]] || ok=0 ;;
        1000) [[ $f == own-x && $got == *"('1000', None, None)"* ]] || [[ $f == own-xxx && $got =~ \('1000',\ '(transitional|legacy-only)' ]] || ok=0 ;;
      esac
    done
    [[ $ok -eq 1 && -n $want ]] && pass "nics: this virtio VM's own NIC from lspci ${f#own-} ($got)" || fail "own NIC from $f: want $want, got $got $(cat "$WORK/$f.err")"
  done
else
  pass "nics: this machine has no virtio NIC to dump (nothing to compare)"
fi

# This machine: whatever it has, every NIC has a verdict, and the JSON keeps its shape.
"$KDNETCTL" nics --json >"$WORK/local" 2>"$WORK/local.err"; rc=$?
if [[ $rc -le 1 ]] && json_get "$(cat "$WORK/local")" 'all(set(n) >= {"pci_address","busparams","vendor_id","device_id","subsystem","vendor_name","device_name","class","interface","link","virtio","supported","basis","reported_by","min_build","reason","advice"} for n in d["nics"])' | grep -q True; then
  pass "nics: this machine (exit $rc)"
else
  fail "nics on this machine: rc=$rc $(cat "$WORK/local" "$WORK/local.err" | head -5)"
fi

# ---- host, in namespaces
NS_HOST=kdt-disc-host NS_LL=kdt-disc-ll NS_TWO=kdt-disc-two NS_PEER=kdt-disc-peer
cleanup() { for ns in $NS_HOST $NS_LL $NS_TWO $NS_PEER; do ip netns del "$ns" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
cleanup; WORK=$(mktemp -d)
for ns in $NS_HOST $NS_LL $NS_TWO $NS_PEER; do ip netns add "$ns" && ip -n "$ns" link set lo up; done
# veth NAME NS PEER: a pair whose far end waits in the peer namespace, both up.
veth() { ip -n "$2" link add "$1" type veth peer name "$3" netns $NS_PEER && ip -n "$2" link set "$1" up && ip -n $NS_PEER link set "$3" up; }
veth kdt-disc-h0 $NS_HOST p-h0
ip -n $NS_HOST addr add 198.51.100.10/24 dev kdt-disc-h0
ip -n $NS_HOST addr add 2001:db8:1::10/64 dev kdt-disc-h0 nodad
ip -n $NS_HOST route add default via 198.51.100.1
veth docker0 $NS_HOST p-d0  # names are per namespace; no dummy module here
ip -n $NS_HOST addr add 203.0.113.1/24 dev docker0
veth kdt-disc-l0 $NS_LL p-l0
ip -n $NS_LL addr add 169.254.20.5/16 dev kdt-disc-l0
veth kdt-disc-a0 $NS_TWO p-a0
veth kdt-disc-b0 $NS_TWO p-b0
ip -n $NS_TWO addr add 198.51.100.20/24 dev kdt-disc-a0
ip -n $NS_TWO addr add 203.0.113.20/24 dev kdt-disc-b0

expect_exit 0 "host: default route namespace" -- ip netns exec $NS_HOST "$KDNETCTL" host --json
[[ $(json_get "$OUT" 'd["recommended"]["address"], d["recommended"]["interface"], d["warnings"]') == "198.51.100.10 kdt-disc-h0 []" ]] \
  && pass "host: recommends the default route's address" || fail "host json: $OUT"
contains "$(json_get "$OUT" 'd["recommended"]["reason"]')" "default route" "host: reason names the default route"
contains "$(json_get "$OUT" '[i["note"] for i in d["interfaces"] if i["name"]=="docker0"]')" "container or VM bridge" "host: docker0 skipped with a reason"
contains "$(json_get "$OUT" '[a["address"] for i in d["interfaces"] for a in i["addresses"]]')" "2001:db8:1::10" "host: IPv6 address listed"
[[ $(json_get "$OUT" '[(r["destination"], r["gateway"], r["interface"]) for r in d["routes"] if r["destination"]=="default"]') == "[('default', '198.51.100.1', 'kdt-disc-h0')]" ]] \
  && pass "host: default route listed" || fail "host routes: $OUT"
[[ $(json_get "$OUT" '[(i["mtu"], i["link"], len(i["mac"])) for i in d["interfaces"] if i["name"]=="kdt-disc-h0"]') == "[(1500, 'up', 17)]" ]] \
  && pass "host: link, mtu and mac" || fail "host iface: $OUT"

expect_exit 0 "host: --target on the LAN" -- ip netns exec $NS_HOST "$KDNETCTL" host --target 198.51.100.77 --json
[[ $(json_get "$OUT" 'd["route_to_target"]["directly_connected"], d["recommended"]["address"]') == "True 198.51.100.10" ]] \
  && pass "host: target directly connected" || fail "host target: $OUT"
expect_exit 0 "host: --target behind docker0" -- ip netns exec $NS_HOST "$KDNETCTL" host --target 203.0.113.9 --json
contains "$(json_get "$OUT" 'd["warnings"]')" "--include-virtual" "host: route through a bridge needs --include-virtual"
[[ $(json_get "$OUT" 'd["recommended"]["address"]') != "203.0.113.1" ]] && pass "host: bridge address not recommended" || fail "bridge recommended: $OUT"
expect_exit 0 "host: --include-virtual" -- ip netns exec $NS_HOST "$KDNETCTL" host --target 203.0.113.9 --include-virtual --json
[[ $(json_get "$OUT" 'd["recommended"]["address"], d["recommended"]["interface"]') == "203.0.113.1 docker0" ]] \
  && pass "host: VM bridge used when asked" || fail "include virtual: $OUT"
expect_exit 0 "host: target via gateway" -- ip netns exec $NS_HOST "$KDNETCTL" host --target 192.0.2.200 --json
[[ $(json_get "$OUT" 'd["route_to_target"]["gateway"], d["route_to_target"]["directly_connected"]') == "198.51.100.1 False" ]] \
  && pass "host: remote target goes via the gateway" || fail "via gateway: $OUT"

expect_exit 0 "host: link-local only" -- ip netns exec $NS_LL "$KDNETCTL" host --json
[[ $(json_get "$OUT" 'd["recommended"]["address"]') == "169.254.20.5" ]] && pass "host: link-local address recommended" || fail "ll: $OUT"
contains "$(json_get "$OUT" 'd["warnings"]')" "same switch" "host: link-local warning"

expect_exit 0 "host: two subnets" -- ip netns exec $NS_TWO "$KDNETCTL" host --json
contains "$(json_get "$OUT" 'd["warnings"]')" "2 subnets" "host: several-subnets warning"
expect_exit 0 "host: two subnets, --target picks by route" -- ip netns exec $NS_TWO "$KDNETCTL" host --target 203.0.113.50 --json
[[ $(json_get "$OUT" 'd["recommended"]["address"], d["recommended"]["interface"]') == "203.0.113.20 kdt-disc-b0" ]] \
  && pass "host: --target chooses the subnet" || fail "two target: $OUT"
expect_exit 0 "host: human output" -- ip netns exec $NS_TWO "$KDNETCTL" host
contains "$OUT" "Recommended hostip:" "host: human output names the hostip"
contains "$ERR" "warning:" "host: warnings on stderr"

# dbgsettings lint says whether the target's hostip is one of this host's addresses, and where.
lint_input() { printf 'key                     2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p\r\ndebugtype               NET\r\nhostip                  %s\r\nport                    50000\r\nbusparams               0.25.0\r\nThe operation completed successfully.\r\n' "$1"; }
lint_input 198.51.100.10 >"$WORK/mine.txt"
chmod 600 "$WORK/mine.txt"  # it holds the key: the key-file rule
expect_exit 0 "lint: hostip of this host" -- ip netns exec $NS_HOST "$KDNETCTL" dbgsettings lint "$WORK/mine.txt" --json
[[ $(json_get "$OUT" '[f["message"] for f in d["findings"] if f["code"]=="hostip-this-host"][0]') == *"on kdt-disc-h0"* ]] \
  && pass "lint: names the interface holding hostip" || fail "lint json: $OUT"
lint_input 198.51.100.99 >"$WORK/other.txt"
chmod 600 "$WORK/other.txt"  # it holds the key: the key-file rule
expect_exit 1 "lint: hostip of another machine" -- ip netns exec $NS_HOST "$KDNETCTL" dbgsettings lint "$WORK/other.txt"
contains "$OUT" "is not an address of this host" "lint: says hostip is not this host"
expect_exit 0 "lint: --skip-host-check" -- ip netns exec $NS_HOST "$KDNETCTL" dbgsettings lint "$WORK/other.txt" --skip-host-check

expect_exit 0 "host: nothing usable" -- ip netns exec $NS_PEER "$KDNETCTL" host --json
contains "$(json_get "$OUT" 'd["recommended"], d["warnings"]')" "no usable address" "host: no candidate explained"
expect_exit 64 "host: bad --target" -- "$KDNETCTL" host --target 300.1.1.1
expect_one_line_error "bad target"
finish
