#!/usr/bin/env bash
# Installed like a tool: builds the Debian package (Checks/package.sh), installs it with
# dpkg, runs the installed kdnetctl with no Swift on PATH and neither the toolchain nor
# the build tree visible, checks what the package holds, then purges it and checks that
# everything it put on the machine is gone. Needs root; refuses to touch a kdnetctl
# that was installed before.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
root=$PWD

if [[ $(id -u) -ne 0 ]]; then fail "needs root (dpkg -i)"; finish; exit 1; fi
if status=$(dpkg-query -W -f='${Status} ${Version}' kdnetctl 2>/dev/null) && [[ $status != *not-installed* ]]; then
  fail "a kdnetctl package is already on this machine ($status); not replacing or removing it: run this check elsewhere"
  finish; exit 1
fi
if [[ -e /usr/bin/kdnetctl ]]; then
  fail "/usr/bin/kdnetctl exists outside any package; not overwriting it"
  finish; exit 1
fi

start=$SECONDS
if ! deb=$(bash Checks/package.sh 2>"$WORK/package.log" | tail -1) || [[ ! -f $deb ]]; then
  fail "package.sh failed: $(tail -15 "$WORK/package.log")"
  finish; exit 1
fi
pass "package.sh wrote $(basename "$deb") ($(du -h "$deb" | cut -f1)) in $((SECONDS - start)) s"
version=$(dpkg-deb -f "$deb" Version)
depends=$(dpkg-deb -f "$deb" Depends)
[[ $(basename "$deb") == "kdnetctl_${version}_$(dpkg --print-architecture).deb" ]] &&
  pass "named after its version and architecture" || fail "named $(basename "$deb"), version $version"

# Depends names the package of every library the binary links (computed, not a list).
dpkg-deb -x "$deb" "$WORK/unpacked"
needed=$(objdump -p "$WORK/unpacked/usr/bin/kdnetctl" | awk '/NEEDED/ {print $2}')
for lib in libpci libnl-3 libnl-route-3 libsodium libpcap libnftables; do
  grep -q "^$lib\.so" <<<"$needed" && pass "links $lib" || fail "does not link $lib (NEEDED: $(tr '\n' ' ' <<<"$needed"))"
done
[[ $(dpkg-deb -f "$deb" Recommends) == libvirt0 ]] && pass "Recommends libvirt0 (the vm commands load it when used)" \
  || fail "Recommends is '$(dpkg-deb -f "$deb" Recommends)', wanted libvirt0"
dep_names=$(tr ',' '\n' <<<"$depends" | sed -E 's/^ *([^ |(]+).*/\1/')
owner_of() { # the package holding a library path, however merged-usr spells it
  local real; real=$(readlink -f "$1")
  for p in "$1" "$real" "$(dirname "$1")/$(basename "$real")"; do
    dpkg -S "$p" 2>/dev/null | head -1 | cut -d: -f1 | grep . && return
  done
}
for soname in $needed; do
  path=$(library_path "$soname")
  owner=$(owner_of "$path")
  if [[ -n $owner ]] && grep -qxF "$owner" <<<"$dep_names"; then pass "Depends has $owner (for $soname)"
  else fail "Depends lacks the package of $soname (${owner:-no owner found}): $depends"; fi
done

# Depends first (already on a machine that builds kdnetctl), then the package itself.
missing=()
for name in $dep_names; do
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" || missing+=("$name")
done
if ((${#missing[@]})); then
  echo "  (installing Depends: ${missing[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$WORK/apt.log" 2>&1 ||
    fail "cannot install Depends ${missing[*]}: $(tail -3 "$WORK/apt.log")"
fi
# What exists before, so that the purge can be checked against it.
dpkg-deb -c "$deb" | awk '{print substr($6, 2)}' | sed 's:/$::' | grep . >"$WORK/paths"
while read -r p; do [[ -e $p || -L $p ]] && echo "$p"; done <"$WORK/paths" >"$WORK/existed"
installed=0
trap 'if ((installed)); then dpkg --purge kdnetctl >/dev/null 2>&1; fi; rm -rf "$WORK"' EXIT
expect_exit 0 "dpkg -i installs it" -- dpkg -i "$deb"
installed=1
dpkg -L kdnetctl >"$WORK/listed"

# Run the installed binary as a user would on a machine without Swift: a clean
# environment whose PATH holds no swift, and, in a private mount namespace, neither the
# toolchain's libraries nor this build tree (where Bundle.module would otherwise look).
hide=("$root/.build-release" "$root/.build")
if swift=$(command -v swift); then
  toolchain=$(cd "$(dirname "$(readlink -f "$swift")")/.." && pwd)
  [[ $toolchain != /usr ]] && hide+=("$toolchain") && hidden_swift=$swift
fi
run_installed() {
  unshare --mount --propagation private bash -c '
    for d in "${@:2:$1}"; do [[ -d $d ]] && mount -t tmpfs none "$d"; done
    shift $(($1 + 1)); exec env -i PATH=/usr/bin:/bin HOME=/root "$@"' _ "${#hide[@]}" "${hide[@]}" "$@"
}
if run_installed true 2>"$WORK/err"; then pass "hides ${hide[*]} for the runs below"
else fail "cannot hide the toolchain and build tree (unshare: $(cat "$WORK/err"))"; run_installed() { env -i PATH=/usr/bin:/bin HOME=/root "$@"; }; fi
expect_exit 1 "no swift on the clean PATH" -- run_installed bash -c 'command -v swift'
[[ -n ${hidden_swift:-} ]] && expect_exit 1 "the toolchain is hidden" -- run_installed test -e "$hidden_swift"

expect_exit 0 "kdnetctl --version" -- run_installed /usr/bin/kdnetctl --version
[[ $OUT == "$version" ]] && pass "--version equals the package version $version" || fail "--version says '$OUT', the package is $version"
expect_exit 0 "kdnetctl key generate" -- run_installed kdnetctl key generate
[[ $OUT =~ ^[0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+$ ]] && pass "key generate prints a key" || fail "key generate printed '$OUT'"
expect_exit 0 "kdnetctl key check accepts it" -- run_installed kdnetctl key check "$OUT"
# The NIC table is data in /usr/share/kdnetctl: ids need no PCI bus.
expect_exit 0 "kdnetctl nics --ids (the built-in NIC table)" -- run_installed kdnetctl nics --ids 8086:10d3
contains "$OUT" "on Microsoft's list" "nics judges 8086:10d3 from the installed data"
# This machine's PCI bus: 0, or 1 when no NIC is supported or there is no PCI bus to read.
run_installed kdnetctl nics >"$WORK/out" 2>"$WORK/err"; rc=$?
if [[ $rc -eq 0 ]] || { [[ $rc -eq 1 ]] && grep -qE "^Target:|cannot list this machine's PCI devices" "$WORK/out" "$WORK/err"; }; then
  pass "kdnetctl nics on this machine (exit $rc)"
else fail "kdnetctl nics exit $rc: $(head -3 "$WORK/err")"; fi

# No Swift runtime from the toolchain: the standard library and Foundation are inside.
run_installed ldd /usr/bin/kdnetctl >"$WORK/ldd" 2>&1
if grep -qE 'libswift|libFoundation|lib_Foundation|libdispatch|libBlocksRuntime' "$WORK/ldd"; then
  fail "ldd shows the Swift runtime: $(grep -E 'swift|Foundation|dispatch|Blocks' "$WORK/ldd" | tr '\n' ' ')"
else pass "ldd shows no Swift runtime"; fi
grep -q 'not found' "$WORK/ldd" && fail "unresolved libraries: $(grep 'not found' "$WORK/ldd" | tr '\n' ' ')" || pass "ldd resolves every library"

for f in /usr/share/kdnetctl/nic-support.json /usr/share/kdnetctl/kdnet-modules.json /usr/share/kdnetctl/vm-pitfalls.json /usr/share/kdnetctl/target-traps.json \
  /usr/share/bash-completion/completions/kdnetctl /usr/share/zsh/vendor-completions/_kdnetctl \
  /usr/share/fish/vendor_completions.d/kdnetctl.fish /usr/share/man/man1/kdnetctl.1.gz \
  /lib/systemd/system/kdnetctl-serve.service /usr/share/doc/kdnetctl/README /usr/share/doc/kdnetctl/copyright; do
  grep -qx "$f" "$WORK/listed" && [[ -s $f ]] && pass "installs $f" || fail "does not install $f"
done
grep -qx /etc/kdnetctl "$WORK/listed" && [[ -d /etc/kdnetctl ]] && pass "installs /etc/kdnetctl/" || fail "no /etc/kdnetctl/"
expect_exit 0 "bash -n of the bash completion" -- bash -n /usr/share/bash-completion/completions/kdnetctl
contains "$(bash -c 'source /usr/share/bash-completion/completions/kdnetctl; complete -p kdnetctl' 2>&1)" "kdnetctl" "the bash completion registers for kdnetctl"
if command -v zsh >/dev/null; then expect_exit 0 "zsh -n of the zsh completion" -- zsh -n /usr/share/zsh/vendor-completions/_kdnetctl
else echo "  (no zsh here: its completion is checked for presence only)"; fi
if command -v fish >/dev/null; then expect_exit 0 "fish -n of the fish completion" -- fish -n /usr/share/fish/vendor_completions.d/kdnetctl.fish
else echo "  (no fish here: its completion is checked for presence only)"; fi
contains "$(zcat /usr/share/man/man1/kdnetctl.1.gz)" ".Dt KDNETCTL 1" "the man page is gzipped mdoc"
if command -v man >/dev/null; then
  contains "$(MANWIDTH=80 man -l /usr/share/man/man1/kdnetctl.1.gz 2>&1)" "Set up and troubleshoot Windows network kernel debugging" "man -l renders the page"
fi

unit=/lib/systemd/system/kdnetctl-serve.service
for line in 'ExecStart=/usr/bin/kdnetctl serve --config /run/kdnetctl/listener.json' 'DynamicUser=yes' 'CapabilityBoundingSet=' \
  'ProtectSystem=strict' 'NoNewPrivileges=yes' 'ConditionPathExists=/etc/kdnetctl/listener.json' 'ExecReload=/bin/kill -HUP $MAINPID'; do
  grep -q "^$(sed 's/[$]/[$]/g' <<<"$line")" "$unit" && pass "unit: $line" || fail "unit lacks $line"
done
# The privileged copy step the unit runs before start and reload: a root-only config
# becomes a copy only the runtime directory's owner (the dynamic user) reads.
mkdir -p "$WORK/etc/kdnetctl" "$WORK/run/kdnetctl"
echo '{"targets": []}' >"$WORK/etc/kdnetctl/listener.json"; chmod 0600 "$WORK/etc/kdnetctl/listener.json"
chown nobody "$WORK/run/kdnetctl"
copy=$(sed -n "s/^ExecStartPre=+\/bin\/sh -c '\(.*\)'$/\1/p" "$unit")
[[ $(grep -c "^Exec\(StartPre\|Reload\)=+/bin/sh -c '$copy'$" "$unit") -eq 2 ]] &&
  pass "the unit copies the config before start and before reload" || fail "the unit's ExecStartPre and ExecReload copy steps differ"
copy=${copy//\/etc\/kdnetctl/$WORK\/etc\/kdnetctl}; copy=${copy//\/run\/kdnetctl/$WORK\/run\/kdnetctl}
if sh -c "$copy" 2>"$WORK/err" && [[ $(stat -c '%U %a' "$WORK/run/kdnetctl/listener.json") == "nobody 400" ]]; then
  pass "the unit's copy step gives the service user a 0400 copy"
else fail "the unit's copy step: $(cat "$WORK/err"), $(stat -c '%U %a' "$WORK/run/kdnetctl/listener.json" 2>&1)"; fi
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$unit" >"$WORK/verify" 2>&1; rc=$?
  # Offline (no systemd running), verify also reports on units it cannot reach; only
  # lines about this unit count.
  if [[ $rc -eq 0 ]] || ! grep -q kdnetctl-serve "$WORK/verify"; then pass "systemd-analyze verify of the unit"
  else fail "systemd-analyze verify: $(grep kdnetctl-serve "$WORK/verify" | head -5)"; fi
else echo "  (no systemd-analyze here: the unit is not verified)"; fi

# Purge: every path the package brought is gone; what was there before stays.
expect_exit 0 "dpkg --purge kdnetctl" -- dpkg --purge kdnetctl
installed=0
left=()
while read -r p; do
  grep -qxF "$p" "$WORK/existed" && continue
  [[ -e $p || -L $p ]] && left+=("$p")
done <"$WORK/paths"
((${#left[@]} == 0)) && pass "the purge leaves nothing the package brought" || fail "left behind: ${left[*]}"
while read -r p; do [[ -e $p || -L $p ]] || fail "the purge removed $p, which existed before"; done <"$WORK/existed"
dpkg-query -W kdnetctl >/dev/null 2>&1 && [[ $(dpkg-query -W -f='${Status}' kdnetctl) != *not-installed* ]] &&
  fail "dpkg still knows kdnetctl: $(dpkg-query -W -f='${Status}' kdnetctl)" || pass "dpkg no longer lists kdnetctl"
finish
