#!/usr/bin/env bash
# `kdnetctl vm` against a real libvirtd (Debian's libvirt-daemon, QEMU driver, no KVM needed
# to define domains), real paused QEMU processes and Proxmox configuration files; then the
# whole VM network path: libvirt's default network, a namespace on virbr0 with a DHCP lease
# standing in for the VM, `simulate-target` there connecting to `listen` on the bridge
# address, and a drop rule that `vm check` must name. If libvirtd cannot start, this fails
# and says why: nothing is skipped.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/libvirt-lib.sh"
FIX=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures/vm
export XDG_STATE_HOME=$WORK/state
libvirt_cleanup_on_exit
cleanup_drop() { nft delete table inet kdt_vm_drop 2>/dev/null; }
trap 'cleanup_drop; libvirt_cleanup; rm -rf "$WORK"' EXIT

if ! { libvirt_install && libvirt_start && libvirt_net_start; }; then
  fail "libvirt could not be set up (see the lines above): the VM checks need a running libvirtd"
  finish; exit 1
fi
pass "libvirtd and its default network run"
host_bridge br-kdt && ip addr add 10.99.0.1/24 dev br-kdt
for f in virtio-q35 virtio-pc virtio-non-transitional e1000e rtl8139 hyperv-no-vendor hyperv-vendor ovmf-secboot macvtap user-net bridge two-nics; do
  libvirt_define "$FIX/libvirt/$f.xml" >/dev/null || fail "virsh define $f.xml"
done
vc() { json_get "$OUT" "$1"; }        # a value from the last --json output
verdict() { json_get "$OUT" "[c['verdict'] for c in d['checks'] if c['id'] == '$1'][0]"; }

# ---- vm list
expect_exit 0 "vm list --json" -- "$KDNETCTL" vm list --json
[[ $(vc "sorted(v['name'] for v in d['vms'] if v['source'] == 'libvirt' and v['name'].startswith('kdt-vm-'))") == \
  "['kdt-vm-bridge', 'kdt-vm-e1000e', 'kdt-vm-hyperv-no-vendor', 'kdt-vm-hyperv-vendor', 'kdt-vm-macvtap', 'kdt-vm-ovmf-secboot', 'kdt-vm-rtl8139', 'kdt-vm-two-nics', 'kdt-vm-user-net', 'kdt-vm-virtio-non-transitional', 'kdt-vm-virtio-pc', 'kdt-vm-virtio-q35']" ]] \
  && pass "vm list: every defined domain, from libvirt" || fail "vm list: $OUT"
expect_exit 0 "vm list, human" -- "$KDNETCTL" vm list
contains "$OUT" "kdt-vm-e1000e" "vm list names the domains"
expect_exit 0 "vm list with an unreachable libvirt says so" -- "$KDNETCTL" vm list --connect qemu+unix:///system?socket=/nonexistent --json
contains "$(vc 'd["problems"]')" "cannot connect to libvirt" "vm list: the unreadable source is named"
# libvirt is loaded when a VM command needs it, not linked: without its library the
# other sources still work and the problem names the library and the fix.
objdump -p "$KDNETCTL" | awk '/NEEDED/ {print $2}' | grep -q '^libvirt' \
  && fail "kdnetctl links libvirt (it should load it with dlopen when needed)" || pass "kdnetctl does not link libvirt"
libvirt_so=$(readlink -f "$(library_path libvirt.so.0)")
expect_exit 0 "vm list with libvirt.so.0 unloadable (a mount namespace hides it)" -- \
  unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' sh "$libvirt_so" \
  "$KDNETCTL" vm list --connect qemu:///system --proxmox-config "$FIX/proxmox" --json
contains "$(vc 'd["problems"]')" "libvirt cannot be used here" "vm list: a libvirt that cannot be loaded is named"
contains "$(vc 'd["problems"]')" "apt-get install libvirt0" "vm list: and how to install it"
[[ $(vc "len([v for v in d['vms'] if v['source'] == 'proxmox']) > 0") == True ]] \
  && pass "vm list: the Proxmox configs are still read" || fail "vm list without libvirt: $OUT"

# ---- vm check, one domain per check
expect_exit 0 "vm check e1000e" -- "$KDNETCTL" vm check kdt-vm-e1000e --json
[[ $(vc "d['nics'][0]['device_id'], d['nics'][0]['supported'], d['host_ip']['address'], d['host_ip']['interface'], d['recommended_nic'] == d['nics'][0]['mac']") == "10d3 True 192.168.122.1 virbr0 True" ]] \
  && pass "e1000e: supported, hostip is virbr0's address" || fail "e1000e: $OUT"
[[ $(vc "[c['verdict'] for c in d['checks']]") == "['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass']" ]] && pass "e1000e: every check passes" || fail "e1000e checks: $OUT"
[[ $(vc "d['vm']['source'], d['windows']['from'], d['windows']['build']") == "libvirt os_hint 26100" ]] && pass "the Windows comes from the libosinfo id" || fail "windows: $OUT"
expect_exit 0 "vm check virtio on q35" -- "$KDNETCTL" vm check kdt-vm-virtio-q35 --json
[[ $(vc "d['nics'][0]['device_id'], d['nics'][0]['virtio'], d['nics'][0]['basis'], d['nics'][0]['busparams']") == "1041 modern shipped_module 1.0.0" ]] \
  && pass "virtio on q35: modern behind a root port, supported through the shipped module" || fail "virtio-q35: $OUT"
expect_exit 0 "vm check virtio on pc (warn only)" -- "$KDNETCTL" vm check kdt-vm-virtio-pc --json
[[ $(vc "d['nics'][0]['device_id'], d['nics'][0]['virtio'], d['nics'][0]['supported']") == "1000 transitional None" && $(verdict nic-model) == warn ]] \
  && pass "virtio on pc: transitional, not known" || fail "virtio-pc: $OUT"
expect_exit 0 "vm check virtio-non-transitional" -- "$KDNETCTL" vm check kdt-vm-virtio-non-transitional --json
[[ $(vc "d['nics'][0]['device_id']") == 1041 ]] && pass "virtio-non-transitional is modern on pc too" || fail "non-transitional: $OUT"
expect_exit 0 "vm check virtio on 22H2 with --windows" -- "$KDNETCTL" vm check kdt-vm-virtio-q35 --windows 22000 --json
[[ $(vc "d['nics'][0]['supported'], d['windows']['from']") == "None flag" ]] && pass "--windows overrides the hint; 22000 is not known" || fail "windows flag: $OUT"
expect_exit 1 "vm check rtl8139 fails" -- "$KDNETCTL" vm check kdt-vm-rtl8139 --json
[[ $(verdict nic-model) == fail ]] && pass "rtl8139: nic-model fails" || fail "rtl8139: $OUT"
expect_exit 0 "vm check two NICs" -- "$KDNETCTL" vm check kdt-vm-two-nics --json
[[ $(vc "[n['mac'] for n in d['nics'] if n['model'] == 'e1000e'][0] == d['recommended_nic'], d['bcdedit']") == "True bcdedit /set {dbgsettings} busparams 2.0.0" ]] \
  && pass "two NICs: the listed e1000e is recommended, with busparams" || fail "two-nics: $OUT"
expect_exit 1 "vm check Hyper-V without vendor id" -- "$KDNETCTL" vm check kdt-vm-hyperv-no-vendor
contains "$OUT" "reported by: the virtio-win maintainers" "hyperv-vendor-id names its public source"
expect_exit 0 "vm check Hyper-V with vendor id" -- "$KDNETCTL" vm check kdt-vm-hyperv-vendor --json
[[ $(verdict hyperv-vendor-id) == pass ]] && pass "vendor id set: pass" || fail "hyperv-vendor: $OUT"
expect_exit 1 "vm check Secure Boot" -- "$KDNETCTL" vm check kdt-vm-ovmf-secboot --json
[[ $(verdict secure-boot) == fail ]] && pass "OVMF Secure Boot fails" || fail "secboot: $OUT"
expect_exit 1 "vm check macvtap" -- "$KDNETCTL" vm check kdt-vm-macvtap --json
[[ $(verdict host-reachable) == fail && $(vc 'd["host_ip"]') == None ]] && pass "macvtap: the host is not reachable" || fail "macvtap: $OUT"
expect_exit 0 "vm check user networking" -- "$KDNETCTL" vm check kdt-vm-user-net --json
[[ $(vc "d['host_ip']['address'], d['host_ip']['interface']") == "10.0.2.2 lo" ]] && pass "user networking: 10.0.2.2, listen on loopback" || fail "user-net: $OUT"
expect_exit 0 "vm check bridge" -- "$KDNETCTL" vm check kdt-vm-bridge --json
[[ $(vc "d['host_ip']['address'], d['host_ip']['interface']") == "10.99.0.1 br-kdt" ]] && pass "bridge: the host's address on br-kdt" || fail "bridge: $OUT"
expect_exit 64 "vm check an unknown VM" -- "$KDNETCTL" vm check kdt-vm-nope
expect_one_line_error "unknown VM"
contains "$ERR" "kdt-vm-e1000e" "unknown VM: the message lists the known ones"
expect_exit 64 "vm check with a bad port" -- "$KDNETCTL" vm check kdt-vm-e1000e --port 0

expect_exit 1 "doctor --vm with Secure Boot on" -- "$KDNETCTL" doctor --vm kdt-vm-ovmf-secboot --port 50000 --json
[[ $(vc "[c['verdict'] for c in d['checks'] if c['name'] == 'vm-secure-boot'][0], 'port' in [c['name'] for c in d['checks']]") == "fail True" ]] \
  && pass "doctor --vm adds the VM checks to its own" || fail "doctor --vm: $OUT"
expect_exit 0 "doctor --vm of a good VM" -- "$KDNETCTL" doctor --vm kdt-vm-e1000e --json

# ---- vm fix: dry run, --apply, --revert, checked through virsh dumpxml
dump() { virsh -q -c qemu:///system dumpxml --inactive "$1"; }
before=$(dump kdt-vm-rtl8139)
expect_exit 0 "vm fix rtl8139 (dry run)" -- "$KDNETCTL" vm fix kdt-vm-rtl8139
contains "$OUT" "+      <model type='e1000e'/>" "the dry run shows the diff"
contains "$OUT" "-      <model type='rtl8139'/>" "the dry run shows the line it replaces"
contains "$OUT" "power the VM off and start it again" "every fix ends with the power-cycle instruction"
[[ $(dump kdt-vm-rtl8139) == "$before" ]] && pass "a dry run changes nothing" || fail "the dry run changed the domain"
expect_exit 0 "vm fix rtl8139 --apply" -- "$KDNETCTL" vm fix kdt-vm-rtl8139 --apply --json
backup=$(vc 'd["backup"]')
[[ -f $backup && $(stat -c %a "$backup") == 600 && $(stat -c %a "$(dirname "$backup")") == 700 ]] && pass "the backup is kept 0600 in a 0700 folder" || fail "backup: $backup"
dump kdt-vm-rtl8139 | grep -q "<model type='e1000e'/>" && pass "virsh dumpxml shows the e1000e" || fail "apply did not change the model"
expect_exit 0 "vm check after the fix passes" -- "$KDNETCTL" vm check kdt-vm-rtl8139 --json
expect_exit 0 "vm fix --revert" -- "$KDNETCTL" vm fix kdt-vm-rtl8139 --revert
[[ $(dump kdt-vm-rtl8139) == "$before" ]] && pass "--revert restores the definition exactly" || fail "revert: $(dump kdt-vm-rtl8139 | grep model)"
expect_exit 0 "vm fix hyperv --apply" -- "$KDNETCTL" vm fix kdt-vm-hyperv-no-vendor --apply
dump kdt-vm-hyperv-no-vendor | grep -q "<vendor_id state='on' value='KVMKVMKVM'/>" && pass "the vendor id is in the definition" || fail "vendor id not applied"
expect_exit 0 "vm fix secure boot --apply" -- "$KDNETCTL" vm fix kdt-vm-ovmf-secboot --apply
contains "$OUT" "BitLocker" "turning Secure Boot off warns about BitLocker"
dump kdt-vm-ovmf-secboot | grep -q "<feature enabled='no' name='secure-boot'/>" && pass "Secure Boot is off in the definition" || fail "secure boot not applied: $(dump kdt-vm-ovmf-secboot | grep -i secure)"
expect_exit 0 "vm check after the Secure Boot fix" -- "$KDNETCTL" vm check kdt-vm-ovmf-secboot --json
[[ $(verdict secure-boot) == pass ]] && pass "secure-boot passes after the fix" || fail "secboot after fix: $OUT"
expect_exit 0 "vm fix macvtap --add-debug-nic default --apply" -- "$KDNETCTL" vm fix kdt-vm-macvtap --add-debug-nic default --apply
dump kdt-vm-macvtap | grep -q "<source network='default'/>" && pass "a debug NIC on the default network was added" || fail "no debug NIC"
dump kdt-vm-macvtap | grep -q "type='direct'" && pass "the macvtap NIC is left alone" || fail "macvtap NIC removed"
expect_exit 64 "vm fix --add-debug-nic with an unknown network" -- "$KDNETCTL" vm fix kdt-vm-e1000e --add-debug-nic nosuchnet
expect_exit 64 "vm fix --revert without a backup" -- "$KDNETCTL" vm fix kdt-vm-e1000e --revert
expect_exit 64 "vm fix --apply --revert" -- "$KDNETCTL" vm fix kdt-vm-e1000e --apply --revert

# ---- power-cycle: a running domain whose next-boot definition changed
pid=$(libvirt_domain_start kdt-vm-rtl8139) || fail "could not start kdt-vm-rtl8139 paused"
expect_exit 0 "vm fix a running domain --apply" -- "$KDNETCTL" vm fix kdt-vm-rtl8139 --apply
expect_exit 0 "vm check a changed running domain" -- "$KDNETCTL" vm check kdt-vm-rtl8139 --json
[[ $(verdict power-cycle) == warn && $(verdict nic-model) == pass ]] && pass "power-cycle: the running domain needs a cold start" || fail "power-cycle: $OUT"
contains "$(vc "[c['fix'] for c in d['checks'] if c['id'] == 'power-cycle'][0]")" "virsh shutdown kdt-vm-rtl8139" "power-cycle says how"
virsh -q -c qemu:///system destroy kdt-vm-rtl8139 >/dev/null 2>&1

# ---- a QEMU process started by hand, read through --qemu-pid
qpid=$(qemu_paused -name kdt-qemu -machine q35 -device pcie-root-port,id=rp1,bus=pcie.0,chassis=1 \
  -netdev user,id=n0 -device virtio-net-pci,netdev=n0,bus=rp1,mac=52:54:00:12:34:56 -cpu qemu64,hv-relaxed) || fail "qemu did not start"
expect_exit 1 "vm check --qemu-pid" -- "$KDNETCTL" vm check --qemu-pid "$qpid" --json
[[ $(vc "d['vm']['source'], d['vm']['name'], d['nics'][0]['device_id'], d['nics'][0]['mode']") == "qemu kdt-qemu 1041 user" && $(verdict hyperv-vendor-id) == fail ]] \
  && pass "QEMU: modern virtio behind a root port, user networking, hv flags without a vendor id" || fail "qemu: $OUT"
expect_exit 0 "vm list finds the QEMU process" -- "$KDNETCTL" vm list --json
contains "$OUT" "kdt-qemu" "vm list: the qemu-system process is listed"
expect_exit 0 "vm fix --qemu-pid prints the new command line" -- "$KDNETCTL" vm fix --qemu-pid "$qpid"
contains "$OUT" "hv-vendor-id=KVMKVMKVM" "the QEMU command line gains the vendor id"
expect_exit 64 "vm fix --qemu-pid --apply is refused" -- "$KDNETCTL" vm fix --qemu-pid "$qpid" --apply
expect_exit 64 "vm check --qemu-pid of no process" -- "$KDNETCTL" vm check --qemu-pid 999999

# ---- QEMU's Hyper-V synthetic debugger (hw/hyperv/syndbg.c): KDNET through the hypervisor
syndbg=(-machine q35 -netdev user,id=n0 -device e1000e,netdev=n0 -device vmbus-bridge -device hv-syndbg,host_ip=127.0.0.1,host_port=50001)
qpid=$(qemu_paused -name kdt-syndbg "${syndbg[@]}" -cpu qemu64,hv-relaxed,hv-syndbg) || fail "qemu with hv-syndbg did not start"
expect_exit 0 "vm check --qemu-pid of a QEMU with hv-syndbg" -- "$KDNETCTL" vm check --qemu-pid "$qpid" --json
[[ $(verdict hv-syndbg) == pass && $(verdict hyperv-vendor-id) == pass && $(vc "[c['cause'] for c in d['checks'] if c['id'] == 'hv-syndbg'][0]") == *host_ip=127.0.0.1* ]] \
  && pass "hv-syndbg: said so, and the default vendor id is required, not flagged" || fail "hv-syndbg: $OUT"
qpid=$(qemu_paused -name kdt-syndbg-vendor "${syndbg[@]}" -cpu qemu64,hv-relaxed,hv-syndbg,hv-vendor-id=KVMKVMKVM) || fail "qemu with hv-syndbg did not start"
expect_exit 1 "vm check --qemu-pid of a QEMU with hv-syndbg and a vendor id" -- "$KDNETCTL" vm check --qemu-pid "$qpid" --json
[[ $(verdict hyperv-vendor-id) == fail ]] && pass "hv-syndbg: a vendor id of its own fails" || fail "hv-syndbg vendor: $OUT"

# ---- Proxmox configuration files
expect_exit 1 "vm check a Proxmox VM" -- "$KDNETCTL" vm check --proxmox-config "$FIX/proxmox/100.conf" --json
[[ $(vc "d['vm']['source'], d['nics'][0]['virtio']") == "proxmox transitional" && $(verdict secure-boot) == fail ]] \
  && pass "Proxmox: transitional virtio on its PCI bridge, pre-enrolled keys mean Secure Boot" || fail "proxmox: $OUT"
expect_exit 0 "vm fix a Proxmox VM prints qm set" -- "$KDNETCTL" vm fix --proxmox-config "$FIX/proxmox/100.conf"
contains "$OUT" "qm set 100 --net0 e1000e=" "Proxmox: the NIC becomes e1000e with qm set"
expect_exit 1 "vm check of a file that is no Proxmox config (a bad file is a runtime failure)" -- "$KDNETCTL" vm check --proxmox-config /etc/passwd
expect_one_line_error "not a Proxmox config"
expect_exit 64 "vm check --windows 7" -- "$KDNETCTL" vm check kdt-vm-e1000e --windows 7
expect_one_line_error "--windows 7"
expect_exit 0 "vm list --proxmox-config DIR" -- "$KDNETCTL" vm list --proxmox-config "$FIX/proxmox" --json
[[ $(vc "len([v for v in d['vms'] if v['source'] == 'proxmox'])") -ge 6 ]] && pass "every Proxmox config is listed" || fail "proxmox list: $OUT"

# ---- doctor --vm and wizard --vm
expect_exit 0 "wizard --vm writes the set-up for the VM" -- "$KDNETCTL" wizard --non-interactive --vm kdt-vm-e1000e --no-connect --out "$WORK/wiz" --json
grep -q "hostip:192.168.122.1" "$WORK/wiz/kdnet-target.cmd" && ! grep -q "busparams" "$WORK/wiz/kdnet-target.cmd" \
  && pass "wizard --vm: hostip from the VM's network, no busparams for its only NIC" || fail "wizard --vm: $(grep dbgsettings "$WORK/wiz/kdnet-target.cmd")"

# ---- the whole path: a stand-in VM on virbr0 takes a lease and connects to listen on the bridge
KEY=$("$KDNETCTL" key generate)
if ip4=$(vm_standin kdt-vm-ns kdt-vm-v0); then
  pass "the stand-in VM got $ip4 from libvirt's DHCP"
  ip netns exec kdt-vm-ns "$KDNETCTL" simulate-target --host-ip 192.168.122.1 --port 50011 --key "$KEY" --json >"$WORK/sim.json" 2>"$WORK/sim.err" &
  sim=$!
  expect_exit 0 "listen on the bridge address connects the VM" -- "$KDNETCTL" listen --port 50011 --key "$KEY" --timeout 30 --json
  [[ $(vc "d['connected']") == True ]] && pass "the target connected over virbr0" || fail "listen: $OUT"
  contains "$OUT" "$ip4" "the listener saw the stand-in VM's leased address"
  kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null
  # A drop rule for the port: vm check names it.
  nft -f - <<'EOF'
table inet kdt_vm_drop {
  chain input {
    type filter hook input priority 0; policy accept;
    udp dport 50011 counter drop
  }
}
EOF
  expect_exit 1 "vm check with a drop rule" -- "$KDNETCTL" vm check kdt-vm-e1000e --port 50011 --json
  [[ $(verdict firewall) == fail ]] && pass "the firewall check fails" || fail "firewall: $OUT"
  contains "$(vc "[' '.join(c['details']) for c in d['checks'] if c['id'] == 'firewall'][0]")" "udp dport 50011" "vm check names the rule that drops"
  ip netns exec kdt-vm-ns "$KDNETCTL" simulate-target --host-ip 192.168.122.1 --port 50011 --key "$KEY" --max-pokes 3 >/dev/null 2>&1 &
  sim=$!
  expect_exit 1 "with the drop rule the target does not connect" -- "$KDNETCTL" listen --port 50011 --key "$KEY" --timeout 4
  kill "$sim" 2>/dev/null; wait "$sim" 2>/dev/null
  cleanup_drop
else
  fail "the stand-in VM got no DHCP lease on virbr0"
fi
finish
