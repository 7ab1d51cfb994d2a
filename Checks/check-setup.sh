#!/usr/bin/env bash
# kdnetctl bcdedit, plan and dbgsettings lint, driven as a user would, bad input included.
source "$(dirname "$0")/lib.sh"
SEED_FIXTURES=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures/dbgsettings
# The pasted settings hold a key: copies of the fixtures (0644 in a clone) made 0600, as
# the key-file rule asks of any file holding one.
SEED=$WORK/seed
mkdir -p "$SEED" && install -m 600 "$SEED_FIXTURES"/* "$SEED"/
KEY=3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i

# --- bcdedit
expect_exit 0 "bcdedit text" -- "$KDNETCTL" bcdedit --host-ip 192.168.1.10 --key "$KEY" --busparams 3b:00.0
contains "$OUT" "bcdedit /dbgsettings net hostip:192.168.1.10 port:50000 key:$KEY" "dbgsettings line"
contains "$OUT" "bcdedit /set {dbgsettings} busparams 59.0.0" "lspci busparams converted"
contains "$OUT" 'Windows shows it as "Ethernet (Kernel Debugger)" and the static IP configuration set on the NIC is lost (source: MicrosoftDocs/windows-driver-docs#2293, https://github.com/MicrosoftDocs/windows-driver-docs/issues/2293)' "bcdedit notes the static-address trap with its source"
contains "$OUT" "netsh interface ip set address" "bcdedit says how to set the static address again"
contains "$OUT" "windbg -k net:port=50000,key=$KEY" "windbg line"
contains "$OUT" "kdnetctl listen --port 50000 --key $KEY" "listen line"
contains "$ERR$OUT" "3b:00.0 (lspci, hex) is 59.0.0" "conversion explained"
expect_exit 0 "bcdedit generates a key" -- "$KDNETCTL" bcdedit --host-ip 10.0.0.1 --json
gen=$(json_get "$OUT" 'd["key"]')
expect_exit 0 "generated key is valid" -- "$KDNETCTL" key check "$gen"
expect_exit 0 "bcdedit ipv6 hypervisor" -- "$KDNETCTL" bcdedit --host-ip fd00::10 --key "$KEY" --hypervisor --target-address fd00::20 --host-os windows
contains "$OUT" "hostipv6:fd00::10" "hostipv6 element"
contains "$OUT" "/hypervisorsettings net hostipv6:fd00::10 port:50001 key:$KEY" "hypervisor on port+1"
contains "$OUT" ",target=fd00::20" "target= for the debugger"
contains "$OUT" "profile=domain,private,public" "netsh rule, all profiles"
contains "$OUT" "New-NetFirewallRule" "PowerShell firewall rule"
expect_exit 0 "bcdedit cmd script" -- "$KDNETCTL" bcdedit --host-ip 10.0.0.1 --key "$KEY" --format cmd
contains "$OUT" "goto :not_elevated" "cmd stops unless elevated"
contains "$OUT" "if errorlevel 1 goto :failed" "cmd stops on failure"
[[ $OUT == *"shutdown /r /t 0"* ]] && fail "cmd reboots without --reboot" || pass "cmd does not reboot unasked"
expect_exit 0 "bcdedit ps1 script" -- "$KDNETCTL" bcdedit --host-ip 10.0.0.1 --key "$KEY" --busparams 0.25.0 --format ps1 --reboot
contains "$OUT" "Invoke-Bcdedit /set '{dbgsettings}' busparams 0.25.0" "ps1 quotes braces"
contains "$OUT" "Restart-Computer -Force" "ps1 reboots with --reboot"
expect_exit 0 "bcdedit --port 60000 warns" -- "$KDNETCTL" bcdedit --host-ip 10.0.0.1 --port 60000
contains "$ERR" "network policy may block it" "policy warning"
expect_exit 0 "bcdedit --delete port" -- "$KDNETCTL" bcdedit --delete port
contains "$OUT" "bcdedit /deletevalue {dbgsettings} port" "deletevalue"
contains "$OUT" "5364" "fallback port named"
expect_exit 0 "bcdedit --off" -- "$KDNETCTL" bcdedit --off
contains "$OUT" "bcdedit /debug off" "debug off"
for bad in "--host-ip 10.0.0.1 --port 80" "--host-ip 10.0.0.1 --port abc" "--host-ip 1.2.3" "--host-ip 10.0.0.1 --busparams 0.40.0" \
           "--host-ip 10.0.0.1 --key 1.2" "--delete frob" "--host-ip 10.0.0.1 --format xml" ""; do
  # shellcheck disable=SC2086
  expect_exit 64 "bcdedit $bad is refused" -- "$KDNETCTL" bcdedit $bad
  expect_one_line_error "bcdedit $bad"
done

# --- plan
OUTDIR=$WORK/fleet
printf 'name,port,key,busparams,family\nweb1,,,0.25.0,\nweb2,50005,,,\ndb1,,,3b:00.0,\n' >"$WORK/inv.csv"
expect_exit 0 "plan csv" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$OUTDIR" --host-ip 192.168.1.10
[[ $(grep -c 'issues/2293).*netsh interface ip set address' "$WORK/err") -eq 1 ]] && pass "plan notes the static-address trap once, with its source" || fail "plan's notes: $ERR"
for f in web1.cmd web1.ps1 web2.cmd db1.ps1 host-table.txt listener.json; do
  [[ -f $OUTDIR/$f ]] && pass "plan wrote $f" || fail "plan did not write $f"
done
modes=$(stat -c %a "$OUTDIR"/* | sort -u | tr '\n' ' ')
[[ $modes == "600 " ]] && pass "plan files are 0600" || fail "plan file modes: $modes"
before=$(cat "$OUTDIR/listener.json")
expect_exit 0 "plan again" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$OUTDIR" --host-ip 192.168.1.10
[[ $(cat "$OUTDIR/listener.json") == "$before" ]] && pass "second run keeps ports and keys" || fail "second run changed listener.json"
echo "new1,,,," >>"$WORK/inv.csv"
expect_exit 0 "plan with an added target" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$OUTDIR" --host-ip 192.168.1.10 --json
[[ $(json_get "$OUT" '[t["name"] for t in d["targets"] if t["status"] == "new"]') == "['new1']" ]] && pass "only the added target is new" || fail "statuses: $OUT"
expect_exit 0 "plan --rotate-keys" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$OUTDIR" --host-ip 192.168.1.10 --rotate-keys
old=$(json_get "$before" '[t["key"] for t in d["targets"]]'); new=$(json_get "$(cat "$OUTDIR/listener.json")" '[t["key"] for t in d["targets"]][:3]')
[[ $old != "$new" ]] && pass "--rotate-keys changes keys" || fail "keys unchanged after --rotate-keys"
printf 'host_ip: 192.168.1.10\ntargets:\n  - name: y1\n  - name: y2\n    port: 50010\n' >"$WORK/inv.yaml"
expect_exit 0 "plan yaml" -- "$KDNETCTL" plan --inventory "$WORK/inv.yaml" --out "$WORK/yfleet"
[[ $(json_get "$(cat "$WORK/yfleet/listener.json")" '[t["port"] for t in d["targets"]]') == "[50000, 50010]" ]] && pass "yaml ports" || fail "yaml ports"
printf 'name,port\na,50001\nb,50001\n' >"$WORK/dup.csv"
expect_exit 1 "duplicate ports refused" -- "$KDNETCTL" plan --inventory "$WORK/dup.csv" --out "$WORK/dupout" --host-ip 10.0.0.1
expect_one_line_error "duplicate ports"
[[ ! -e $WORK/dupout ]] && pass "nothing written on error" || fail "files left in $WORK/dupout"
printf 'name,port\nweb1,80\n' >"$WORK/badport.csv"
expect_exit 1 "bad port in inventory refused" -- "$KDNETCTL" plan --inventory "$WORK/badport.csv" --out "$OUTDIR" --host-ip 10.0.0.1
expect_one_line_error "bad port in inventory"
contains "$ERR" "badport.csv:2:" "error names the line"
left=$(find "$OUTDIR" -name '.*.tmp' -o -name '.kdnetctl-staging.*' | wc -l)
[[ $left -eq 0 ]] && pass "no temporary files left" || fail "$left temporary files left"
expect_exit 64 "plan without host ip" -- "$KDNETCTL" plan --inventory "$WORK/dup.csv" --out "$WORK/nohost"
expect_one_line_error "plan without host ip"
expect_exit 1 "plan with missing inventory" -- "$KDNETCTL" plan --inventory "$WORK/none.csv" --out "$WORK/none" --host-ip 10.0.0.1
expect_one_line_error "missing inventory"

# all files or none: a folder named like one output blocks the whole run, old files stay
printf 'name\nwa\nwb\n' >"$WORK/ab.csv"
mkdir -p "$WORK/blocked/wb.ps1"
expect_exit 1 "a folder in the way of one output" -- "$KDNETCTL" plan --inventory "$WORK/ab.csv" --out "$WORK/blocked" --host-ip 10.0.0.1
expect_one_line_error "folder in the way"
contains "$ERR" "cannot write wb.ps1 into $WORK/blocked: a folder of that name is in the way" "blocking folder named"
[[ $(ls -A "$WORK/blocked") == "wb.ps1" ]] && pass "nothing written next to the blocking folder" || fail "left: $(ls -A "$WORK/blocked")"
before=$(cd "$OUTDIR" && sha256sum -- * .[!.]* 2>/dev/null)
mkdir "$OUTDIR/new2.cmd"; echo "new2,,,," >>"$WORK/inv.csv"
expect_exit 1 "a folder in the way of a re-plan" -- "$KDNETCTL" plan --inventory "$WORK/inv.csv" --out "$OUTDIR" --host-ip 192.168.1.10 --rotate-keys
rmdir "$OUTDIR/new2.cmd"
[[ $(cd "$OUTDIR" && sha256sum -- * .[!.]* 2>/dev/null) == "$before" ]] && pass "previous plan untouched, no staging left" || fail "the failed re-plan changed $OUTDIR"
sed -i '/^new2,/d' "$WORK/inv.csv"
mkdir -p "$WORK/cwd" && cp "$WORK/ab.csv" "$WORK/cwd/"
expect_exit 64 "--out '' is refused" -- bash -c "cd '$WORK/cwd' && '$KDNETCTL' plan --inventory ab.csv --out '' --host-ip 10.0.0.1"
expect_one_line_error "empty --out"
[[ $(ls -A "$WORK/cwd") == "ab.csv" ]] && pass "empty --out writes nothing into the current folder" || fail "left: $(ls -A "$WORK/cwd")"

# a readable existing folder is tightened to 0700, and the user is told
mkdir -m 0755 "$WORK/open"
expect_exit 0 "plan into a 0755 folder" -- "$KDNETCTL" plan --inventory "$WORK/ab.csv" --out "$WORK/open" --host-ip 10.0.0.1
[[ $(stat -c %a "$WORK/open") == 700 ]] && pass "folder tightened to 0700" || fail "folder mode $(stat -c %a "$WORK/open")"
contains "$ERR" "note: $WORK/open was mode 0755; made it 0700, as it holds the keys" "tightening reported"

# damaged or foreign input: say what is wrong and how to recover
head -c 60 "$OUTDIR/listener.json" >"$WORK/cut.json"; cp "$WORK/cut.json" "$WORK/open/listener.json"
expect_exit 1 "plan over a truncated listener.json" -- "$KDNETCTL" plan --inventory "$WORK/ab.csv" --out "$WORK/open" --host-ip 10.0.0.1
expect_one_line_error "truncated listener.json"
contains "$ERR" "listener.json is damaged (it ends early, as if cut off); to write it again, move it aside and re-run \`kdnetctl plan\`" "damage and recovery explained"
printf 'name\ncaf\xe9\n' >"$WORK/latin1.csv"
expect_exit 1 "a Latin-1 inventory" -- "$KDNETCTL" plan --inventory "$WORK/latin1.csv" --out "$WORK/l1" --host-ip 10.0.0.1
expect_one_line_error "Latin-1 inventory"
contains "$ERR" "is not UTF-8 text (byte 0xE9 at offset 8); convert it with \`iconv -f latin1 -t utf-8" "conversion explained"

# warnings: shared keys, a stray quote; Windows device names refused
printf 'name,key\nk1,%s\n"k2,%s\n' "$KEY" "$KEY" >"$WORK/warn.csv"
chmod 600 "$WORK/warn.csv"  # it gives keys: one others can read is refused
expect_exit 0 "plan with a shared key and a stray quote" -- "$KDNETCTL" plan --inventory "$WORK/warn.csv" --out "$WORK/warn" --host-ip 10.0.0.1
contains "$ERR" "warning: targets k1, k2 share one key" "shared key warned about"
contains "$ERR" "warn.csv:3: unterminated quote" "stray quote warned about"
for name in CON nul.lab Com1 LPT9.x; do
  printf 'name\n%s\n' "$name" >"$WORK/res.csv"
  expect_exit 1 "reserved name $name refused" -- "$KDNETCTL" plan --inventory "$WORK/res.csv" --out "$WORK/res" --host-ip 10.0.0.1
  expect_one_line_error "reserved name $name"
done
[[ ! -e $WORK/res ]] && pass "nothing written for reserved names" || fail "files left in $WORK/res"
python3 -c 'print("name"); [print("t%d" % i) for i in range(300)]' >"$WORK/many.csv"
expect_exit 0 "plan for 300 targets" -- "$KDNETCTL" plan --inventory "$WORK/many.csv" --out "$WORK/many" --host-ip 10.0.0.1
[[ $(grep -c 'outside the recommended' <<<"$ERR") -eq 1 ]] && pass "one line for all ports outside 50000-50039" || fail "port warnings: $(grep -c 'outside the recommended' <<<"$ERR")"
contains "$ERR" "260 targets use ports outside the recommended 50000-50039 (from 50040 to 50299)" "port summary counts"

# --prune: the scripts (and so the keys) of targets gone from the inventory go with the
# same all-or-none write, and only plan's own files for them; without it they are named.
printf 'name\np1\np2\np3\n' >"$WORK/prune3.csv"; printf 'name\np1\n' >"$WORK/prune1.csv"
expect_exit 0 "plan three targets" -- "$KDNETCTL" plan --inventory "$WORK/prune3.csv" --out "$WORK/prune" --host-ip 10.0.0.1 --no-remember
echo mine >"$WORK/prune/p3.txt"; echo mine >"$WORK/prune/notes.md"
cp -a "$WORK/prune" "$WORK/prune-kept"; cp -a "$WORK/prune" "$WORK/prune-human"
expect_exit 0 "plan without two targets" -- "$KDNETCTL" plan --inventory "$WORK/prune1.csv" --out "$WORK/prune-kept" --host-ip 10.0.0.1 --no-remember
contains "$OUT" "No longer in the inventory: p2, p3; their scripts, which hold their keys, are left in place (--prune removes them)" "gone targets named, --prune offered"
[[ -f $WORK/prune-kept/p2.cmd && -f $WORK/prune-kept/p3.ps1 ]] && pass "without --prune their scripts stay" || fail "scripts removed without --prune: $(ls "$WORK/prune-kept")"
expect_exit 0 "plan --prune --json" -- "$KDNETCTL" plan --inventory "$WORK/prune1.csv" --out "$WORK/prune" --host-ip 10.0.0.1 --no-remember --prune --json
[[ $(json_get "$OUT" '",".join(d["removed"]) + " " + ",".join(d["pruned"])') == "p2,p3 p2.cmd,p2.ps1,p3.cmd,p3.ps1" ]] \
  && pass "--prune --json says what it removed" || fail "--prune json: $OUT"
[[ $(cd "$WORK/prune" && ls | tr '\n' ' ') == "host-table.txt listener.json notes.md p1.cmd p1.ps1 p3.txt " ]] \
  && pass "--prune removed only the gone targets' scripts" || fail "left after --prune: $(ls "$WORK/prune")"
expect_exit 0 "plan --prune" -- "$KDNETCTL" plan --inventory "$WORK/prune1.csv" --out "$WORK/prune-human" --host-ip 10.0.0.1 --no-remember --prune
contains "$OUT" "No longer in the inventory: p2, p3; removed (--prune): p2.cmd, p2.ps1, p3.cmd, p3.ps1" "--prune says what it removed"
# A documentation-range host address: one warning for the fleet, not one per target.
expect_exit 0 "plan with a documentation-range host" -- "$KDNETCTL" plan --inventory "$WORK/prune3.csv" --out "$WORK/doc" --host-ip 192.0.2.10 --no-remember
[[ $(grep -c 'documentation example range' <<<"$ERR") -eq 1 ]] && pass "the host warning is said once" || fail "host warnings: $ERR"

# --- one rule for target names: plan's inventory and every listener.json reader
# (serve, listen --config, inspect --config) refuse the same names, so serve's log
# stays DIR/NAME.log.
for name in '../x' 'a/b' '<script>'; do
  printf 'name\n%s\n' "$name" >"$WORK/badname.csv"
  expect_exit 1 "plan refuses target name $name" -- "$KDNETCTL" plan --inventory "$WORK/badname.csv" --out "$WORK/badname" --host-ip 10.0.0.1
  expect_one_line_error "plan refuses target name $name"
  contains "$ERR" "target name '$name' is not usable as a file name; use letters, digits, '-', '_' and '.'" "plan names the name and the rule ($name)"
done
printf '{"version": 1, "targets": [{"name": "../x", "port": 50001, "key": "%s"}]}\n' "$KEY" >"$WORK/badname.json"
chmod 600 "$WORK/badname.json"
expect_exit 1 "serve refuses a listener.json with a ../x name" -- timeout 20 "$KDNETCTL" serve --config "$WORK/badname.json" --log-dir "$WORK/badname-logs"
contains "$ERR" "$WORK/badname.json: targets[0]: name '../x' is not usable as a file name; use letters, digits, '-', '_' and '.'" "serve names the file, the name and the rule"
[[ ! -e $WORK/x.log && -z $(ls -A "$WORK/badname-logs" 2>/dev/null) ]] && pass "serve wrote no log outside (or inside) --log-dir" || fail "log files: $(ls "$WORK" "$WORK/badname-logs")"
expect_exit 1 "listen --config refuses a ../x name" -- "$KDNETCTL" listen --config "$WORK/badname.json"
expect_one_line_error "listen --config with a ../x name"
contains "$ERR" "$WORK/badname.json: targets[0]: name '../x' is not usable as a file name" "listen names the file, the name and the rule"
expect_exit 1 "inspect --config refuses a ../x name" -- "$KDNETCTL" inspect --config "$WORK/badname.json" "$WORK/badname.json"
contains "$ERR" "$WORK/badname.json: targets[0]: name '../x' is not usable as a file name" "inspect names the file, the name and the rule"

# --- dbgsettings lint
# kdnet.exe's wrong device (MicrosoftDocs/windows-driver-docs#2303): the xHCI controller at 0.20.0, hostip 169.254.255.255.
PCI=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures/pci
expect_exit 1 "lint kdnet.exe's wrong-device paste" -- "$KDNETCTL" dbgsettings lint "$SEED/kdnet-wrong-device.txt" --skip-host-check --json
[[ $(json_get "$OUT" '[(f["code"], f["severity"], f["source"]) for f in d["findings"] if f["code"].startswith("hostip")]') == "[('hostip-kdnet-wrong-device', 'error', 'https://github.com/MicrosoftDocs/windows-driver-docs/issues/2303')]" ]] \
  && pass "hostip 169.254.255.255 is kdnet.exe's wrong-device failure, with its source" || fail "wrong-device lint: $OUT"
expect_exit 1 "lint --pci-dump: busparams name the xHCI controller" -- "$KDNETCTL" dbgsettings lint "$SEED/kdnet-wrong-device.txt" --skip-host-check --pci-dump "$PCI/xhci-at-busparams.lspci"
contains "$OUT" "busparams 0.20.0 is 00:14.0, a USB xHCI controller" "lint names the device busparams name"
contains "$OUT" 'busparams 0.31.6` (00:1f.6, an Ethernet controller' "lint names the dump's NIC as the fix"
sed 's/0\.20\.0/0.31.6/; s/169\.254\.255\.255/192.168.1.10/' "$SEED/kdnet-wrong-device.txt" >"$WORK/nic.txt" && chmod 600 "$WORK/nic.txt"
expect_exit 0 "lint --pci-dump: busparams name the NIC" -- "$KDNETCTL" dbgsettings lint "$WORK/nic.txt" --skip-host-check --pci-dump "$PCI/xhci-at-busparams.lspci" --json
[[ $(json_get "$OUT" '[f["code"] for f in d["findings"] if f["code"].startswith("busparams")]') == "['busparams-network-controller']" ]] && pass "busparams naming the NIC pass" || fail "NIC busparams: $OUT"
expect_exit 1 "lint --pci-dump: no device at busparams" -- "$KDNETCTL" dbgsettings lint "$WORK/nic.txt" --skip-host-check --pci-dump "$PCI/several.lspci"
contains "$OUT" "busparams 0.31.6 names no device in the dump" "lint says no device is at busparams"
expect_exit 1 "lint --pci-dump with a missing dump" -- "$KDNETCTL" dbgsettings lint "$WORK/nic.txt" --skip-host-check --pci-dump "$WORK/none.lspci"
expect_one_line_error "lint missing dump"
expect_exit 1 "lint the seed's IPv4 sample" -- "$KDNETCTL" dbgsettings lint "$SEED/seed-ipv4.txt"
contains "$OUT" "placeholder" "placeholder key reported"
contains "$OUT" "169.168.1.1" "suspicious host ip reported"
contains "$OUT" "50085" "port outside the recommended range reported"
contains "$OUT" "busparams" "missing busparams reported"
expect_exit 0 "lint the seed's IPv6 sample, CRLF, from stdin" -- bash -c "sed 's/\$/\r/' '$SEED/seed-ipv6.txt' | '$KDNETCTL' dbgsettings lint - --skip-host-check --json"
[[ $(json_get "$OUT" 'd["ok"], d["settings"]["port"]') == "True 50010" ]] && pass "lint json" || fail "lint json: $OUT"
expect_exit 1 "lint key mismatch" -- "$KDNETCTL" dbgsettings lint "$SEED/seed-ipv6.txt" --key "$KEY"
contains "$OUT" "differs" "mismatch reported"
expect_exit 64 "lint with a bad --key" -- "$KDNETCTL" dbgsettings lint "$SEED/seed-ipv6.txt" --key 1.2
expect_one_line_error "lint bad key"
# A paste shows the target's key, so its file follows the key-file rule; one without a
# key is any text file.
install -m 644 "$SEED/seed-ipv6.txt" "$WORK/open.txt"
expect_exit 1 "lint a paste with the key that others can read" -- "$KDNETCTL" dbgsettings lint "$WORK/open.txt" --skip-host-check
expect_one_line_error "lint an exposed paste"
contains "$ERR" "holds the target's key but its mode 0644" "the exposed paste is named with its mode"
grep -v '^key' "$SEED/seed-ipv6.txt" >"$WORK/open-nokey.txt"; chmod 644 "$WORK/open-nokey.txt"
"$KDNETCTL" dbgsettings lint "$WORK/open-nokey.txt" --skip-host-check --json >"$WORK/out" 2>"$WORK/err"
[[ $(json_get "$(cat "$WORK/out")" 'd["settings"]["port"]') == "50010" ]] && pass "a paste without the key is read whatever its mode" || fail "keyless paste: $(cat "$WORK/err")"
expect_exit 1 "lint a missing file" -- "$KDNETCTL" dbgsettings lint "$WORK/nope.txt"
expect_one_line_error "lint missing file"
# PowerShell 5.1's `>` writes UTF-16LE with a BOM; pipes have no size to stat
iconv -f utf-8 -t utf-16 "$SEED/seed-ipv6.txt" >"$WORK/u16.txt"
chmod 600 "$WORK/u16.txt"  # it holds the key: the key-file rule
expect_exit 0 "lint UTF-16 (BOM) output" -- "$KDNETCTL" dbgsettings lint "$WORK/u16.txt" --skip-host-check --json
[[ $(json_get "$OUT" 'd["settings"]["port"]') == "50010" ]] && pass "UTF-16 decoded" || fail "UTF-16: $OUT"
iconv -f utf-8 -t utf-16le "$SEED/seed-ipv6.txt" >"$WORK/u16nobom.txt"
chmod 600 "$WORK/u16nobom.txt"  # it holds the key: the key-file rule
expect_exit 1 "lint UTF-16 without a BOM" -- "$KDNETCTL" dbgsettings lint "$WORK/u16nobom.txt"
expect_one_line_error "UTF-16 without BOM"
contains "$ERR" "iconv -f utf-16le -t utf-8" "conversion named"
expect_exit 0 "lint from <(...)" -- bash -c "'$KDNETCTL' dbgsettings lint <(cat '$SEED/seed-ipv6.txt') --skip-host-check"
expect_exit 0 "lint /dev/stdin from a pipe" -- bash -c "cat '$SEED/seed-ipv6.txt' | '$KDNETCTL' dbgsettings lint /dev/stdin --skip-host-check"
expect_exit 1 "lint empty standard input" -- bash -c "true | '$KDNETCTL' dbgsettings lint -"
expect_one_line_error "lint empty stdin"
contains "$ERR" "standard input was empty" "empty stdin named"
expect_exit 1 "doctor --dbgsettings with empty standard input" -- bash -c "true | '$KDNETCTL' doctor --dbgsettings -"
expect_one_line_error "doctor empty stdin"
expect_exit 1 "doctor --dbgsettings reads UTF-16 (its documentation hostipv6 is not this host's)" -- "$KDNETCTL" doctor --dbgsettings "$WORK/u16.txt" --json
[[ $(json_get "$OUT" '[c["verdict"] for c in d["checks"] if c["name"] == "target-settings"]') == "['pass']" ]] && pass "doctor decoded UTF-16" || fail "doctor UTF-16: $OUT"
# a setting given twice: warned about, the last value wins (the later output is the newer)
{ cat "$SEED/seed-ipv6.txt"; echo "port 50020"; } >"$WORK/twice.txt"
chmod 600 "$WORK/twice.txt"  # it holds the key: the key-file rule
expect_exit 0 "lint a setting given twice" -- "$KDNETCTL" dbgsettings lint "$WORK/twice.txt" --skip-host-check --json
[[ $(json_get "$OUT" 'd["settings"]["port"], [f["code"] for f in d["findings"] if f["code"].startswith("repeated-")]') == "50020 ['repeated-port']" ]] \
  && pass "repeat warned, last value used" || fail "repeat: $OUT"
finish
