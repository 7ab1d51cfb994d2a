#!/usr/bin/env bash
# Builds a release of kdnetctl with the Swift standard library and Foundation linked in,
# and packs it as dist/kdnetctl_VERSION_ARCH.deb: the binary and its data, the man page,
# bash/zsh/fish completions, and the lab service's systemd unit. Depends is computed
# from the libraries the binary really links (dpkg-shlibdeps, from dpkg-dev).
# The release build has its own scratch path, so the debug build stays as it is.
# Prints the package's path last.
set -euo pipefail
# set -e stops at the first failing command; say which, or the caller sees only a warning.
trap 'echo "package.sh: line $LINENO failed (exit $?): $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.build-release
for tool in dpkg-deb dpkg-shlibdeps strip gzip; do
  command -v "$tool" >/dev/null || { echo "package.sh: $tool is missing; apt-get install dpkg-dev binutils" >&2; exit 1; }
done

swift build -c release --product kdnetctl --static-swift-stdlib --scratch-path "$scratch" >&2
built=$scratch/release
version=$("$built/kdnetctl" --version)
[[ $version =~ ^[0-9][A-Za-z0-9.+~-]*$ ]] || { echo "package.sh: '$version' from kdnetctl --version is not a Debian version" >&2; exit 1; }
arch=$(dpkg --print-architecture)

stage=$(mktemp -d)
shlib=$(mktemp -d)
trap 'rm -rf "$stage" "$shlib"' EXIT
chmod 0755 "$stage"
install -d -m 0755 "$stage"/{DEBIAN,usr/bin,usr/share/kdnetctl,usr/share/man/man1,usr/share/doc/kdnetctl} \
  "$stage"/{usr/share/bash-completion/completions,usr/share/zsh/vendor-completions,usr/share/fish/vendor_completions.d} \
  "$stage"/{lib/systemd/system,etc/kdnetctl}

install -m 0755 "$built/kdnetctl" "$stage/usr/bin/kdnetctl"
strip --remove-section=.comment --remove-section=.note "$stage/usr/bin/kdnetctl"

# The data files Bundle.module finds in the build tree; installed, the binary reads them
# from /usr/share/kdnetctl (KDNetKit's BundledData). No other bundle may appear unseen.
bundles=("$built"/*.resources)
[[ ${bundles[*]} == "$built/kdnetctl_KDNetKit.resources" ]] || { echo "package.sh: unexpected resource bundles: ${bundles[*]}; teach package.sh and the code where they go when installed" >&2; exit 1; }
install -m 0644 "$built/kdnetctl_KDNetKit.resources/Resources/"*.json "$stage/usr/share/kdnetctl/"

for page in man/*.[1-9]; do
  gzip -9n <"$page" >"$stage/usr/share/man/man1/$(basename "$page").gz"
done
chmod 0644 "$stage"/usr/share/man/man1/*

# bash-completion sources the script: no #! line (lintian: bash-completion-with-hashbang).
"$built/kdnetctl" --generate-completion-script bash | sed '1{/^#!/d}' >"$stage/usr/share/bash-completion/completions/kdnetctl"
"$built/kdnetctl" --generate-completion-script zsh >"$stage/usr/share/zsh/vendor-completions/_kdnetctl"
"$built/kdnetctl" --generate-completion-script fish >"$stage/usr/share/fish/vendor_completions.d/kdnetctl.fish"

install -m 0644 Packaging/kdnetctl-serve.service "$stage/lib/systemd/system/"
install -m 0644 Packaging/README Packaging/copyright "$stage/usr/share/doc/kdnetctl/"
when=$(git log -1 --format=%aD 2>/dev/null || date -R)
maintainer=${KDNETCTL_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || echo "kdnetctl maintainers <root@localhost>")}
printf 'kdnetctl (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
  "$version" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" "$maintainer" "$when" |
  gzip -9n >"$stage/usr/share/doc/kdnetctl/changelog.gz"
chmod 0644 "$stage/usr/share/doc/kdnetctl/changelog.gz"

# dpkg-shlibdeps reads the package's name from a debian/control; it maps each library
# the binary links to its package, with the lowest version having the symbols it uses.
mkdir "$shlib/debian"
printf 'Source: kdnetctl\n\nPackage: kdnetctl\nArchitecture: any\n' >"$shlib/debian/control"
depends=$(cd "$shlib" && dpkg-shlibdeps -O --warnings=0 -e "$stage/usr/bin/kdnetctl" | sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "package.sh: dpkg-shlibdeps found no libraries for kdnetctl" >&2; exit 1; }
# libvirt is loaded with dlopen by the vm commands (not linked, so dpkg-shlibdeps cannot
# see it): the package that ships libvirt.so.0 is recommended, not required.
# awk reads all of ldconfig's output, as library_path in Checks/lib.sh does (this script
# stands alone): exiting at the match would SIGPIPE ldconfig once its output outgrows the
# pipe, and pipefail would then fail the script.
libvirt_so=$(ldconfig -p | awk '$1 == "libvirt.so.0" && !found {print $NF; found = 1}')
[[ -n $libvirt_so ]] || { echo "package.sh: libvirt.so.0 is not installed, so the package it recommends is unknown (apt-get install libvirt0)" >&2; exit 1; }
recommends=$(dpkg -S "$(readlink -f "$libvirt_so")" 2>/dev/null | head -1 | cut -d: -f1 || true)
[[ -n $recommends ]] || { echo "package.sh: no installed package ships libvirt.so.0 (apt-get install libvirt0)" >&2; exit 1; }

cat >"$stage/DEBIAN/control" <<EOF
Package: kdnetctl
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Recommends: $recommends
Section: net
Priority: optional
Description: set up and troubleshoot Windows network kernel debugging (KDNET)
 kdnetctl does each step of the manual KDNET set-up from a Linux debugger
 host: keys, bcdedit commands, the target's NIC against Microsoft's supported
 lists, the host's address, firewall and reachability checks, and a listener
 that proves the target connects with the right key.
 .
 The kdnetctl-serve service watches a fleet of lab targets (from the
 listener.json of kdnetctl plan in /etc/kdnetctl) and shows their state,
 builds and DbgPrint output on a local status page.
EOF

mkdir -p dist
# xz -1: a fifth of the default level's time for the 70 MB binary, a sixth larger; zstd
# is faster still but lintian and Debian 11's dpkg refuse it.
deb=dist/kdnetctl_${version}_${arch}.deb
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s) \
  dpkg-deb --root-owner-group -Zxz -z1 --build "$stage" "$deb" >&2
echo "$root/$deb"
