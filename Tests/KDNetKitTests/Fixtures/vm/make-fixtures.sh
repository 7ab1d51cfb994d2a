#!/usr/bin/env bash
# Regenerates what libvirt and QEMU made of the hand-written fixtures here, on a real
# libvirtd (as root; see Checks/libvirt-lib.sh): libvirt/NAME.defined.xml (virsh dumpxml
# after virsh define), libvirt/NAME.running.xml and qemu/libvirt-NAME.cmdline/.args (the
# domain started paused: its live XML and QEMU's /proc/PID/cmdline), libvirt/network-default.xml, libvirt/dhcp-leases.txt (after a
# stand-in namespace took a lease), qemu/NAME.cmdline (/proc/PID/cmdline of a paused QEMU,
# NUL-separated as /proc gives it) with qemu/NAME.args (the same, one argument a line),
# and nft-with-libvirt.txt/.json (the host ruleset while libvirt's default network is up).
# Everything started is stopped again; the packages stay installed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
checks=$(cd "$here/../../../../Checks" && pwd)
source "$checks/lib.sh"
LIBVIRT_STATE=/tmp/kdt-libvirt.fixtures # a fixed path: it appears in the QEMU command lines
source "$checks/libvirt-lib.sh"
libvirt_cleanup_on_exit
now() { date +%s.%N; }
took() { printf '%s: %.1f s\n' "$1" "$(echo "$(now) - $2" | bc)" >&2; }

t=$(now); libvirt_install || exit 1; took "libvirt_install" "$t"
t=$(now); libvirt_start || exit 1; took "libvirt_start" "$t"
t=$(now); libvirt_net_start || exit 1; took "libvirt_net_start" "$t"

status=0
host_bridge br-kdt || status=1 # for bridge.xml
for xml in "$here"/libvirt/*.xml; do
  case $xml in *.defined.xml | *.running.xml | */network-default.xml) continue ;; esac
  base=${xml##*/}; base=${base%.xml}
  t=$(now)
  if name=$(libvirt_define "$xml"); then
    lv_virsh dumpxml "$name" >"$here/libvirt/$base.defined.xml"
    took "define+dumpxml $base" "$t"
    # started paused, for the command line libvirt gives QEMU; not macvtap.xml, which
    # would put a macvtap on the host's own eth0
    if [[ $base != macvtap ]]; then
      t=$(now)
      if pid=$(libvirt_domain_start "$name"); then
        cat "/proc/$pid/cmdline" >"$here/qemu/libvirt-$base.cmdline"
        tr '\0' '\n' <"/proc/$pid/cmdline" >"$here/qemu/libvirt-$base.args"
        lv_virsh dumpxml "$name" >"$here/libvirt/$base.running.xml"
        took "start --paused $base" "$t"
      else
        status=1
      fi
    fi
    t=$(now); libvirt_undefine "$name"; took "destroy+undefine $base" "$t"
  else
    status=1
  fi
done
lv_virsh net-dumpxml default >"$here/libvirt/network-default.xml"

t=$(now)
if addr=$(vm_standin kdt-vm-fx kdt-vm-fxv eth0 52:54:00:6b:ff:01); then
  took "vm_standin (lease $addr)" "$t"
  virsh -c "$LIBVIRT_URI" net-dhcp-leases default >"$here/libvirt/dhcp-leases.txt"
else
  status=1
fi
nft list ruleset >"$here/nft-with-libvirt.txt"
nft -j list ruleset | python3 -m json.tool --indent 1 >"$here/nft-with-libvirt.json" # as nft/make-fixtures.sh

# qemu NAME ARGS...: a paused QEMU with ARGS; saves its command line.
qemu() {
  local name=$1 pid; shift
  if pid=$(qemu_paused -name "kdt-vm-$name" "$@"); then
    cat "/proc/$pid/cmdline" >"$here/qemu/$name.cmdline"
    tr '\0' '\n' <"/proc/$pid/cmdline" >"$here/qemu/$name.args"
    qemu_stop "$pid"
  else
    status=1
  fi
}
m=52:54:00:12:34
qemu q35-virtio-hv-vendor -machine q35 -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=$m:56 \
  -cpu qemu64,hv-relaxed,hv-vendor-id=KVMKVMKVM
qemu q35-rootport-virtio-hv-no-vendor -machine q35 -cpu qemu64,hv-relaxed,hv-vapic,hv-spinlocks=0x1fff,hv-time \
  -netdev user,id=hostnet0 -device pcie-root-port,port=16,chassis=1,id=pci.1,bus=pcie.0,multifunction=on,addr=0x2 \
  -device virtio-net-pci,netdev=hostnet0,id=net0,mac=$m:57,bus=pci.1,addr=0x0
qemu q35-e1000e -machine q35 -netdev user,id=n0 -device e1000e,netdev=n0,mac=$m:58
qemu pc-e1000 -machine pc -netdev user,id=n0 -device e1000,netdev=n0,mac=$m:59
qemu pc-virtio-transitional -machine pc -netdev user,id=n0 -device virtio-net-pci,netdev=n0,mac=$m:5a
qemu pc-virtio-disable-legacy -machine pc -netdev user,id=n0 -device virtio-net-pci,netdev=n0,disable-legacy=on,mac=$m:5b
qemu pc-legacy-net-option -machine pc -net nic,model=e1000,macaddr=$m:5c -net user
qemu q35-nic-option -machine q35 -nic user,model=virtio-net-pci,mac=$m:5d
# QEMU's Hyper-V synthetic debugger (hw/hyperv/syndbg.c). Under TCG hv-vpindex and hv-synic
# are refused ("kernel doesn't allow setting HyperV VP_INDEX"), so only hv-relaxed joins it.
qemu q35-hv-syndbg -machine q35 -netdev user,id=n0 -device e1000e,netdev=n0,mac=$m:5e \
  -cpu qemu64,hv-relaxed,hv-syndbg -device vmbus-bridge -device hv-syndbg,host_ip=192.168.122.1,host_port=50001
# Proxmox's layout for proxmox/100.conf (qemu-server PCI.pm, pve-q35-4.0.cfg, CPUConfig.pm) as
# far as upstream QEMU under TCG allows: net0 at pci.0 addr 0x12 behind the DMI-PCI bridge,
# underscore hv_* flags, no vendor id; user networking instead of tap100i0
qemu proxmox-style-q35-virtio -no-shutdown -machine type=pc-q35-7.2 \
  -device i82801b11-bridge,id=pcidmi,bus=pcie.0,addr=1e.0 -device pci-bridge,id=pci.0,chassis_nr=1,bus=pcidmi,addr=0x1 \
  -netdev user,id=net0 -device virtio-net-pci,mac=BC:24:11:AA:BB:01,netdev=net0,bus=pci.0,addr=0x12,id=net0,rx_queue_size=1024,tx_queue_size=256 \
  -cpu qemu64,+kvm_pv_eoi,+kvm_pv_unhalt,hv_relaxed,hv_spinlocks=0x1fff,hv_time,hv_vapic

exit $status
