# A real libvirtd, its NAT network and paused QEMU processes for the VM checks.
# Source it after lib.sh (needs root; no KVM or systemd needed):
#
#   source "$(dirname "$0")/lib.sh"; source "$(dirname "$0")/libvirt-lib.sh"
#   libvirt_cleanup_on_exit          # libvirt_cleanup, then lib.sh's own EXIT trap
#   libvirt_install && libvirt_start && libvirt_net_start || { fail "no libvirt"; finish; exit; }
#   name=$(libvirt_define "$FIXTURES/vm/libvirt/virtio-q35.xml")
#   ip=$(vm_standin kdt-vm-ns1 kdt-vm-v1)        # a namespace with a DHCP lease on virbr0
#   pid=$(qemu_paused -machine q35 -netdev user,id=n0 -device virtio-net-pci,netdev=n0)
#
# Everything these functions start is written down in $LIBVIRT_STATE (files, so that
# calls made inside $(...) are remembered too), and libvirt_cleanup ends exactly that:
# the daemon and the network only when they were started here, processes by pid.
# The machine is reached as qemu:///system; domains must be named kdt-vm-*.

LIBVIRT_URI=${LIBVIRT_URI:-qemu:///system}
LIBVIRT_PIDFILE=${LIBVIRT_PIDFILE:-/var/run/libvirtd.pid}
LIBVIRT_LOG=${LIBVIRT_LOG:-/var/log/libvirt/libvirtd.log}
LIBVIRT_STATE=${LIBVIRT_STATE:-/tmp/kdt-libvirt.$$} # created on first use; $$ is the same in $(...)
LIBVIRT_TEST_PACKAGES=(
  libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients libvirt-daemon-config-network
  qemu-system-x86 dnsmasq-base iptables busybox ovmf
)

lv_virsh() { virsh -q -c "$LIBVIRT_URI" "$@"; }
lv_say() { echo "libvirt-lib: $*" >&2; }
lv_answering() { virsh -c "$LIBVIRT_URI" version >/dev/null 2>&1; }
lv_state() { mkdir -p "$LIBVIRT_STATE"; }
lv_record() { lv_state; echo "$2" >>"$LIBVIRT_STATE/$1"; } # lv_record LIST VALUE
lv_list() { [[ -f $LIBVIRT_STATE/$1 ]] && cat "$LIBVIRT_STATE/$1"; return 0; }

# libvirt_install: installs the test-only packages that are missing, the user and
# groups the QEMU driver insists on, and libvirt's directories.
libvirt_install() {
  lv_state
  [[ $(id -u) -eq 0 ]] || { lv_say "libvirt_install needs root"; return 1; }
  local p missing=()
  for p in "${LIBVIRT_TEST_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    lv_say "installing ${missing[*]}"
    local log="$LIBVIRT_STATE/apt.log"
    if ! { apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
      lv_say "apt-get failed:"; tail -n 20 "$log" >&2; return 1
    fi
  fi
  # libvirt-daemon-system would create these; the QEMU driver does not load without them
  # (libvirt's dnsmasq needs no user of its own: it runs as nobody).
  getent group kvm >/dev/null || groupadd -r kvm || return 1
  getent group libvirt-qemu >/dev/null || groupadd -r libvirt-qemu || return 1
  getent passwd libvirt-qemu >/dev/null ||
    useradd -r -g libvirt-qemu -G kvm -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu || return 1
  mkdir -p /var/log/libvirt /var/run/libvirt /var/lib/libvirt
  # A /dev/kvm only root may open (crw------- root root, as in some sandboxes): libvirt
  # probes QEMU as root-ish and finds KVM, then checks /dev/kvm as libvirt-qemu, calls
  # its cached capabilities stale ("KVM was enabled when probing ..., but it is not
  # available now") and re-probes QEMU on every lookup: one virsh define then takes
  # 35-65 s instead of a fraction of one. Running QEMU as root makes both agree. Only
  # done when qemu.conf (from libvirt-daemon-system) is absent, so a real set-up is
  # never changed; a daemon already running does not see it until restarted.
  if [[ -e /dev/kvm && ! -e /etc/libvirt/qemu.conf ]] &&
    ! setpriv --reuid libvirt-qemu --regid libvirt-qemu --init-groups test -w /dev/kvm 2>/dev/null; then
    mkdir -p /etc/libvirt
    printf '%s\n' "# Written by kdnetctl's Checks/libvirt-lib.sh (libvirt_install): /dev/kvm is" \
      "# root-only here, so QEMU runs as root for libvirt's capability cache to stay valid." \
      'user = "root"' 'group = "root"' >/etc/libvirt/qemu.conf
  fi
}

# libvirt_start: a libvirtd answering on qemu:///system. Starts one (libvirtd -d) only
# when none answers, waits up to 30 s for it, and remembers its pid for libvirt_stop.
libvirt_start() {
  lv_state
  if lv_answering; then return 0; fi
  command -v libvirtd >/dev/null || { lv_say "no libvirtd (run libvirt_install)"; return 1; }
  # Networks outlive the daemon; note whether virbr0 was there before ours started,
  # so that a network it autostarts counts as started here.
  ip link show virbr0 >/dev/null 2>&1 && touch "$LIBVIRT_STATE/virbr0-was-up"
  mkdir -p "$(dirname "$LIBVIRT_LOG")" /var/run/libvirt
  local mark; mark=$({ wc -l <"$LIBVIRT_LOG"; } 2>/dev/null || echo 0)
  if ! LIBVIRT_LOG_OUTPUTS="3:file:$LIBVIRT_LOG" libvirtd -d; then
    lv_say "libvirtd -d failed; its log:"; tail -n "+$((mark + 1))" "$LIBVIRT_LOG" 2>/dev/null | tail -n 20 >&2
    return 1
  fi
  local pid="" deadline=$((SECONDS + 30)) # by the clock: one virsh version can take seconds
  while ((SECONDS < deadline)); do
    [[ -z $pid && -s $LIBVIRT_PIDFILE ]] && pid=$(<"$LIBVIRT_PIDFILE")
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then break; fi # it died
    lv_answering && break
    sleep 0.2
  done
  if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == libvirtd ]]; then
    echo "$pid" >"$LIBVIRT_STATE/daemon.pid"
  fi
  if ! lv_answering; then
    lv_say "libvirtd does not answer on $LIBVIRT_URI (pid ${pid:-none}); its log:"
    tail -n "+$((mark + 1))" "$LIBVIRT_LOG" 2>/dev/null | grep -v dmidecode | tail -n 20 >&2
    libvirt_stop
    return 1
  fi
  [[ -s $LIBVIRT_STATE/daemon.pid ]] || { lv_say "libvirtd answers but its pid is unknown ($LIBVIRT_PIDFILE)"; return 1; }
}

# libvirt_stop: ends the libvirtd (and virtlogd) started here, by pid, nothing else.
libvirt_stop() {
  lv_end daemon.pid libvirtd
  lv_end virtlogd.pid virtlogd
}
lv_end() { # lv_end PIDFILE-IN-STATE COMM: SIGTERM, then SIGKILL after 15 s
  [[ -s $LIBVIRT_STATE/$1 ]] || return 0
  local pid i; pid=$(<"$LIBVIRT_STATE/$1")
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$2" ]]; then
    kill -TERM "$pid"
    for ((i = 0; i < 150; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { lv_say "$2 $pid ignored SIGTERM; killing it"; kill -KILL "$pid"; }
  fi
  rm -f "$LIBVIRT_STATE/$1"
}

# libvirt_net_start [NETWORK]: the network (default: "default", virbr0 192.168.122.1/24
# with dnsmasq DHCP) active; remembers whether it was started here.
libvirt_net_start() {
  lv_state
  local net=${1:-default} active
  active=$(lv_virsh net-info "$net" 2>"$LIBVIRT_STATE/net.err" | awk '$1 == "Active:" {print $2}')
  if [[ -z $active ]]; then lv_say "no network '$net': $(cat "$LIBVIRT_STATE/net.err")"; return 1; fi
  if [[ $active == yes ]]; then
    # autostarted by a daemon started here, with no virbr0 before it: ours to stop
    [[ $net == default && -s $LIBVIRT_STATE/daemon.pid && ! -e $LIBVIRT_STATE/virbr0-was-up ]] &&
      touch "$LIBVIRT_STATE/net-started.$net"
    return 0
  fi
  nft list tables >"$LIBVIRT_STATE/nft-tables-before.$net" 2>/dev/null
  if ! lv_virsh net-start "$net" >"$LIBVIRT_STATE/net.err" 2>&1; then
    lv_say "virsh net-start $net failed: $(cat "$LIBVIRT_STATE/net.err")"; return 1
  fi
  touch "$LIBVIRT_STATE/net-started.$net"
}

# libvirt_net_stop [NETWORK]: destroys the network if it was started here. libvirt
# then empties its LIBVIRT_* chains but leaves them, and the iptables-nft tables that
# hold them; tables that did not exist before and hold nothing else are deleted too.
libvirt_net_stop() {
  local net=${1:-default} t
  [[ -e $LIBVIRT_STATE/net-started.$net ]] || return 0
  lv_virsh net-destroy "$net" >/dev/null || lv_say "virsh net-destroy $net failed"
  rm -f "$LIBVIRT_STATE/net-started.$net"
  [[ -f $LIBVIRT_STATE/nft-tables-before.$net ]] || return 0
  while read -r t; do
    grep -qxF "$t" "$LIBVIRT_STATE/nft-tables-before.$net" && continue
    # only LIBVIRT_* chains, empty, and base chains whose rules only jump to them
    nft list $t 2>/dev/null | grep -vE '^\s*(table .*\{|chain LIBVIRT_[A-Z]+ \{|chain [A-Z]+ \{|type .* policy accept;|counter packets [0-9]+ bytes [0-9]+ jump LIBVIRT_[A-Z]+|\}|#.*)?\s*$' |
      grep -q . || nft delete $t
  done < <(nft list tables 2>/dev/null)
  rm -f "$LIBVIRT_STATE/nft-tables-before.$net"
}

# libvirt_define FIXTURE_XML: virsh define; echoes the domain name (must be kdt-vm-*).
libvirt_define() {
  lv_state
  local xml=$1 name
  name=$(python3 -c 'import sys, xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().findtext("name") or "")' "$xml") || return 1
  [[ $name == kdt-vm-* ]] || { lv_say "$xml: domain name '$name' does not start with kdt-vm-"; return 1; }
  lv_virsh define "$xml" >"$LIBVIRT_STATE/define.out" 2>&1 ||
    { lv_say "virsh define $xml failed: $(cat "$LIBVIRT_STATE/define.out")"; return 1; }
  echo "$name"
}

# libvirt_undefine NAME: stops (if running) and undefines one kdt-vm-* domain.
libvirt_undefine() {
  [[ $1 == kdt-vm-* ]] || { lv_say "refusing to undefine '$1'"; return 1; }
  [[ $(lv_virsh domstate "$1" 2>/dev/null) == "shut off" ]] || lv_virsh destroy "$1" >/dev/null 2>&1
  lv_virsh undefine --nvram "$1" >/dev/null 2>&1 || lv_virsh undefine "$1" >/dev/null
}

# libvirt_domain_start NAME: starts a defined kdt-vm-* domain paused (virsh start
# --paused: QEMU is built, the guest never runs, taps exist on their bridges); starts
# virtlogd first if none runs (libvirt's QEMU driver needs it). Echoes QEMU's pid.
# libvirt_undefine / libvirt_cleanup destroy it again.
libvirt_domain_start() {
  lv_state
  local name=$1 i pid
  [[ $name == kdt-vm-* ]] || { lv_say "refusing to start '$name'"; return 1; }
  if [[ ! -S /run/libvirt/virtlogd-sock ]]; then
    virtlogd -d || { lv_say "virtlogd -d failed"; return 1; }
    for ((i = 0; i < 50; i++)); do [[ -S /run/libvirt/virtlogd-sock ]] && break; sleep 0.1; done
    pid=$(cat /run/virtlogd.pid 2>/dev/null)
    [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == virtlogd ]] && echo "$pid" >"$LIBVIRT_STATE/virtlogd.pid"
    [[ -S /run/libvirt/virtlogd-sock ]] || { lv_say "virtlogd does not listen"; return 1; }
  fi
  lv_virsh start --paused "$name" >"$LIBVIRT_STATE/start.out" 2>&1 ||
    { lv_say "virsh start $name failed: $(cat "$LIBVIRT_STATE/start.out")"; return 1; }
  pid=$(cat "/run/libvirt/qemu/$name.pid" 2>/dev/null)
  lv_has_cmdline "$pid" || { lv_say "$name: no QEMU process (pid '${pid}')"; return 1; }
  echo "$pid"
}

# host_bridge NAME: an empty Linux bridge, up (e.g. br-kdt for <interface type='bridge'>),
# deleted by libvirt_cleanup.
host_bridge() {
  ip link add "$1" type bridge || return 1
  lv_record links "$1"
  ip link set "$1" up
}

# vm_standin NS VETH [IFACE [MAC]]: a network namespace NS standing in for a VM on
# virbr0: veth VETH (host end, enslaved to virbr0) paired with IFACE (default eth0,
# MAC random unless given) inside NS, which takes a DHCP lease from libvirt's dnsmasq.
# Echoes the leased IPv4 address. Takes ~7 s (STP on virbr0, dnsmasq's ping check).
vm_standin() {
  local ns=$1 veth=$2 ifc=${3:-eth0} mac=${4:-} script="$LIBVIRT_STATE/udhcpc.sh" i addr=""
  lv_state
  ip link show virbr0 >/dev/null 2>&1 || { lv_say "no virbr0 (run libvirt_net_start)"; return 1; }
  cat >"$script" <<'EOF'
#!/bin/sh
# udhcpc event script: applies the lease with ip (busybox udhcpc exports $interface,
# $ip, $mask (prefix length), $router).
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    ip -4 addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    for r in $router; do ip route replace default via "$r" dev "$interface"; break; done ;;
esac
exit 0
EOF
  chmod +x "$script"
  ip netns add "$ns" || return 1
  lv_record netns "$ns"
  ip link add "$veth" type veth peer name "$ifc" ${mac:+address "$mac"} netns "$ns" || return 1
  lv_record links "$veth"
  ip link set "$veth" master virbr0 up || return 1
  ip -n "$ns" link set lo up && ip -n "$ns" link set "$ifc" up || return 1
  # virbr0 runs STP (forward delay 2 s): the new port listens, then learns, ~4 s in all
  for ((i = 0; i < 75; i++)); do
    bridge link show dev "$veth" 2>/dev/null | grep -q "state forwarding" && break
    sleep 0.2
  done
  : >"$LIBVIRT_STATE/udhcpc.$ns.log"
  for ((i = 1; i <= 3; i++)); do # dnsmasq pings a new address ~3 s before it offers it
    echo "try $i" >>"$LIBVIRT_STATE/udhcpc.$ns.log"
    if ip netns exec "$ns" busybox udhcpc -i "$ifc" -n -q -t 4 -T 2 -s "$script" >>"$LIBVIRT_STATE/udhcpc.$ns.log" 2>&1; then
      addr=$(ip -n "$ns" -4 -o addr show dev "$ifc" | awk '{sub("/.*", "", $4); print $4; exit}')
      [[ -n $addr ]] && break
    fi
  done
  if [[ -z $addr ]]; then lv_say "no DHCP lease in $ns after $((i - 1)) tries:"; tail -n 8 "$LIBVIRT_STATE/udhcpc.$ns.log" >&2; return 1; fi
  echo "$addr"
}

# qemu_paused ARGS...: a paused QEMU (-S; TCG even where /dev/kvm works; no disk, no
# display) with the given -machine/-cpu/-netdev/-device/-name arguments. Echoes its pid
# once QEMU has built the machine, or fails with QEMU's error. It runs with -daemonize
# and -pidfile, as Proxmox does: the parent exits only after initialisation, so its
# status says whether QEMU accepted the arguments (a bad -cpu or -device fails late).
qemu_paused() {
  lv_state
  local n; n=$(lv_list qemu.pids | wc -l)
  local pidfile="$LIBVIRT_STATE/qemu-$n.pid" log="$LIBVIRT_STATE/qemu-$n.log" pid i
  if ! qemu-system-x86_64 -S -display none -nodefaults -accel tcg "$@" -pidfile "$pidfile" -daemonize </dev/null >"$log" 2>&1; then
    lv_say "qemu-system-x86_64 refused: $(cat "$log")"; return 1
  fi
  pid=$(<"$pidfile") && lv_record qemu.pids "$pid"
  for ((i = 0; i < 50; i++)); do lv_has_cmdline "$pid" && break; sleep 0.1; done
  lv_has_cmdline "$pid" || { lv_say "qemu $pid is gone: $(cat "$log")"; return 1; }
  echo "$pid"
}

lv_has_cmdline() { [[ -n $(tr -d '\0' <"/proc/$1/cmdline" 2>/dev/null) ]]; } # /proc sizes are 0

# qemu_stop PID: ends one QEMU that qemu_paused started.
qemu_stop() {
  local pid=$1 i
  lv_list qemu.pids | grep -qx "$pid" || { lv_say "qemu $pid was not started here"; return 1; }
  if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system-x86* ]]; then
    kill -TERM "$pid"
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  return 0
}

# libvirt_cleanup: ends everything started here: QEMU processes, kdt-vm-* domains,
# namespaces and veths, the network and the daemon (only when started here).
libvirt_cleanup() {
  local x
  for x in $(lv_list qemu.pids); do qemu_stop "$x"; done
  if lv_answering; then
    for x in $(lv_virsh list --all --name 2>/dev/null | grep '^kdt-vm-'); do libvirt_undefine "$x"; done
  fi
  for x in $(lv_list netns); do ip netns del "$x" 2>/dev/null; done
  for x in $(lv_list links); do ip link del "$x" 2>/dev/null; done
  for x in "$LIBVIRT_STATE"/net-started.*; do [[ -e $x ]] && libvirt_net_stop "${x##*/net-started.}"; done
  libvirt_stop
  rm -rf "$LIBVIRT_STATE" # recreated by the next call that needs it
}

# libvirt_cleanup_on_exit: runs libvirt_cleanup on exit (also on INT/TERM), before
# whatever EXIT trap was already set (lib.sh's removal of $WORK).
libvirt_cleanup_on_exit() {
  local prev; prev=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
  trap "libvirt_cleanup; ${prev:-:}" EXIT
  trap 'exit 130' INT TERM
}
