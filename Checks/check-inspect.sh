#!/usr/bin/env bash
# kdnetctl inspect against the real vectors, a real tcpdump capture of KDNET on
# loopback, a live capture, and bad input. Traffic stays inside a network namespace
# this script creates (so other tests' loopback traffic cannot interfere).
source "$(dirname "$0")/lib.sh"
VECTORS=$(cd "$(dirname "$0")/.." && pwd)/Tests/KDNetKitTests/Fixtures/vectors
WINDBG=$VECTORS/windbg-8.8.8.8-v4.pcapng
LIBKDNET=$VECTORS/libkdnet-1.1.1.1-v2.txt
NS=kdnetctl-inspect-$$
cleanup() { ip netns del "$NS" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

# The windbg vector through the binary.
expect_exit 0 "windbg vector with key 8.8.8.8" -- "$KDNETCTL" inspect "$WINDBG" --key 8.8.8.8 --json
[[ $(json_get "$OUT" 'd["summary"]["datagrams"], d["summary"]["authenticated"], d["summary"]["failed_authentication"], len(d["records"])') == "955 955 0 955" ]] \
  && pass "all 955 datagrams authenticate" || fail "counts: $(json_get "$OUT" 'd["summary"]')"
[[ $(json_get "$OUT" '[(s["target"], s["build"], s["machine"]) for s in d["summary"]["sessions"]]') == "[('192.168.2.72', 10586, 'x64')]" ]] \
  && pass "one session, build 10586 x64" || fail "sessions: $(json_get "$OUT" 'd["summary"]["sessions"]')"
expect_exit 0 "human summary" -- "$KDNETCTL" inspect "$WINDBG" --key 8.8.8.8
contains "$OUT" "Windows build 10586 x64 (boot debugger" "summary names the build"

# A wrong key: every datagram fails, exit 1, and the diagnosis says the key is wrong.
expect_exit 1 "wrong key exits 1" -- "$KDNETCTL" inspect "$WINDBG" --key 8.8.8.9 --json
[[ $(json_get "$OUT" 'd["summary"]["failed_authentication"], d["summary"]["authenticated"]') == "955 0" ]] \
  && pass "wrong key: all 955 fail authentication" || fail "wrong key counts: $(json_get "$OUT" 'd["summary"]')"
contains "$(json_get "$OUT" 'd["summary"]["diagnosis"]')" "the key is wrong" "wrong key diagnosed"

# Bad input: one line naming the file, exit 1; bad flags exit 64.
expect_exit 1 "missing file" -- "$KDNETCTL" inspect "$WORK/nope.pcap" --key 1.1.1.1
expect_one_line_error "missing file"
contains "$ERR" "$WORK/nope.pcap" "error names the missing file"
expect_exit 1 "missing file, no key given" -- env -u KDNETCTL_KEY "$KDNETCTL" inspect --json "$WORK/nope.pcap"
contains "$ERR" "cannot read capture $WORK/nope.pcap" "a missing file is said before the missing key"
expect_exit 1 "not a pcap" -- "$KDNETCTL" inspect "$LIBKDNET" --key 1.1.1.1
expect_one_line_error "not a pcap"
contains "$ERR" "not a pcap or pcapng" "says it is not a capture"
expect_exit 64 "no key is a usage error" -- "$KDNETCTL" inspect "$WINDBG"
expect_exit 64 "--count without --live" -- "$KDNETCTL" inspect "$WINDBG" --key 8.8.8.8 --count 3
head -c 3000 "$WINDBG" >"$WORK/cut.pcapng"
expect_exit 1 "capture cut short" -- "$KDNETCTL" inspect "$WORK/cut.pcapng" --key 8.8.8.8
contains "$ERR" "cut short" "cut capture warns"
contains "$OUT" "authenticated" "cut capture still reports what was read"

# Several keys: from a listener config, and repeated --key; the right one is found.
cat >"$WORK/listener.json" <<JSON
{"version": 1, "host_ip": "192.168.2.1", "targets": [
  {"name": "other", "port": 50001, "key": "1.2.3.4"},
  {"name": "lab-pc", "port": 51111, "key": "8.8.8.8"}]}
JSON
chmod 600 "$WORK/listener.json"  # it holds keys: one others can read is refused
expect_exit 0 "keys from --config" -- "$KDNETCTL" inspect "$WINDBG" --config "$WORK/listener.json" --json
[[ $(json_get "$OUT" 'd["summary"]["authenticated"], d["summary"]["sessions"][0]["key"]') == "955 lab-pc" ]] \
  && pass "config: the lab-pc key opens all 955" || fail "config: $(json_get "$OUT" 'd["summary"]')"
expect_exit 0 "repeated --key" -- "$KDNETCTL" inspect "$WINDBG" --key 1.2.3.4 --key 8.8.8.8
contains "$OUT" "key 2, KDNET v4" "the second key is named"

# --hex-lines: the libKDNET vector.
expect_exit 0 "libkdnet lines" -- "$KDNETCTL" inspect "$LIBKDNET" --hex-lines --key 1.1.1.1 --json
[[ $(json_get "$OUT" 'd["summary"]["authenticated"], d["summary"]["sessions"][0]["build"]') == "17 9600" ]] \
  && pass "libkdnet: 17 authenticate, build 9600" || fail "libkdnet: $(json_get "$OUT" 'd["summary"]')"

# --hex-lines is streamed: 80 MB of lines (the vector, then 10,000 lines of 4,000 bytes)
# must not cost 80 MB. It was read whole first (107 MB for 200k lines).
{ cat "$LIBKDNET"; python3 -c 'import sys; sys.stdout.write(("noise " + "00" * 4000 + "\n") * 10000)'; } >"$WORK/big.txt"
/usr/bin/time -f %M -o "$WORK/big.rss" "$KDNETCTL" inspect "$WORK/big.txt" --hex-lines --key 1.1.1.1 --json >"$WORK/big.json"; rc=$?
/usr/bin/time -f %M -o "$WORK/small.rss" "$KDNETCTL" inspect "$LIBKDNET" --hex-lines --key 1.1.1.1 --json >/dev/null
big=$(tail -1 "$WORK/big.rss"); small=$(tail -1 "$WORK/small.rss")
[[ $rc -eq 0 && $(json_get "$(cat "$WORK/big.json")" 'len(d["records"]), d["summary"]["authenticated"], d["summary"]["not_kdnet"]') == "10017 17 10000" ]] \
  && pass "80 MB of hex lines read: 10,017 records" || fail "big hex lines: exit $rc $(head -c 300 "$WORK/big.json")"
(( small > 0 && big - small < 16 * 1024 )) && pass "80 MB of hex lines in flat memory (peak ${big} KiB, ${small} KiB for 17 lines)" \
  || fail "80 MB of hex lines peaked at ${big} KiB (${small} KiB for 17 lines)"
rm -f "$WORK/big.txt" "$WORK/big.json"
# A bad line is found before anything is printed: --json stays one document.
{ for _ in $(seq 300); do cat "$LIBKDNET"; done; echo "broken line"; } >"$WORK/bad.txt"
expect_exit 1 "a bad hex line after 5,100 good ones" -- "$KDNETCTL" inspect "$WORK/bad.txt" --hex-lines --key 1.1.1.1 --json
[[ $(json_get "$OUT" 'list(d), "line 5101" in d["error"]') == "['error'] True" ]] && pass "the bad line is the only output, named by number" || fail "bad hex line: ${OUT:0:300}"

# MDBG of protocol version 6 that no key opens is named as listen and doctor name it; exit 1.
printf 'v6 4d4442470601%s\nshort 4d444247020100\n' "$(printf '00%.0s' $(seq 32))" >"$WORK/v6.txt"
expect_exit 1 "KDNET version 6 in a capture" -- "$KDNETCTL" inspect "$WORK/v6.txt" --hex-lines --key 1.1.1.1 --json
[[ $(json_get "$OUT" '[r["status"] for r in d["records"]], d["summary"]["unsupported_version"], d["summary"]["unsupported_versions"], d["summary"]["malformed"]') == "['unsupported_version', 'malformed'] 1 [6] 1" ]] \
  && pass "version 6 is unsupported_version, a short MDBG is malformed" || fail "v6: ${OUT:0:600}"
contains "$(json_get "$OUT" 'd["summary"]["diagnosis"]')" "unknown version 6: a wrong key or a new layout" "the diagnosis names version 6"
[[ $(json_get "$OUT" 'd["records"][0]["protocol_version_seen_before"], d["records"][1]["protocol_version_seen_before"]') == "False None" ]] \
  && pass "the version 6 record is protocol_version_seen_before false (null where no version was read)" || fail "seen_before: ${OUT:0:600}"
expect_exit 0 "libkdnet (seen before)" -- "$KDNETCTL" inspect "$LIBKDNET" --hex-lines --key 1.1.1.1 --json
[[ $(json_get "$OUT" 'sorted({str(r["protocol_version_seen_before"]) for r in d["records"]}), d["summary"]["sessions"][0]["protocol_version_seen_before"]') == "['True'] True" ]] \
  && pass "the libKDNET capture's version 2 is seen before, in records and session" || fail "libkdnet seen_before: ${OUT:0:600}"
expect_exit 1 "KDNET version 6 (human)" -- "$KDNETCTL" inspect "$WORK/v6.txt" --hex-lines --key 1.1.1.1
contains "$OUT" "unknown version 1, malformed 1" "human counts: unknown version and malformed"

# A link type inspect does not read is named, with what it reads (it printed "(NULL)").
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))' >"$WORK/user0.pcap"
expect_exit 1 "link type 147" -- "$KDNETCTL" inspect "$WORK/user0.pcap" --key 1.1.1.1
expect_one_line_error "link type 147"
contains "$ERR" "link type 147, not supported; kdnetctl reads Ethernet" "says what is supported"
[[ $ERR != *NULL* ]] && pass "no (NULL) for an unnamed link type" || fail "link type 147: $ERR"
# Zero-length frames are empty, not cut short.
python3 -c 'import struct, sys; sys.stdout.buffer.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1) + struct.pack("<IIII", 1700000000, 0, 0, 0) * 3)' >"$WORK/empty.pcap"
expect_exit 0 "three zero-length frames" -- "$KDNETCTL" inspect "$WORK/empty.pcap" --key 1.1.1.1
contains "$OUT" "empty frames 3" "counted as empty frames"
contains "$OUT" "3 zero-length (empty) frame(s)" "called zero-length in the diagnosis"
[[ $OUT != *"snap length"* ]] && pass "not blamed on the snap length" || fail "empty frames: $OUT"

# Real captures: the libKDNET payloads sent over UDP inside a namespace, recorded by
# tcpdump and, separately, by inspect --live.
ip netns add "$NS" && ip -n "$NS" link set lo up || { fail "cannot create namespace $NS"; finish; exit; }
PORT=50017
send_payloads() { # bounded: 17 datagrams, once
  ip netns exec "$NS" python3 - "$LIBKDNET" "$PORT" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for line in open(sys.argv[1]):
    name, hexbytes = line.split()
    s.sendto(bytes.fromhex(hexbytes), ("127.0.0.1", int(sys.argv[2])))
    time.sleep(0.005)
PY
}
# -c 17: tcpdump ends once it has written all 17, so nothing waits a guessed time.
ip netns exec "$NS" timeout 20 tcpdump -i lo --immediate-mode -U -c 17 -w "$WORK/lo.pcap" udp port $PORT 2>"$WORK/tcpdump.err" &
TCPDUMP=$!
wait_for "$WORK/tcpdump.err" "listening on" 10 $TCPDUMP
send_payloads
wait "$TCPDUMP" 2>/dev/null
expect_exit 0 "tcpdump capture of loopback KDNET" -- "$KDNETCTL" inspect "$WORK/lo.pcap" --key 1.1.1.1 --json
[[ $(json_get "$OUT" 'd["summary"]["datagrams"], d["summary"]["authenticated"], d["summary"]["failed_authentication"], len(d["summary"]["sessions"])') == "17 17 0 1" ]] \
  && pass "tcpdump capture: 17 datagrams authenticate, one session" || fail "tcpdump capture: $(json_get "$OUT" 'd["summary"]')"
contains "$(json_get "$OUT" '[(r["version"] or {}).get("build") for r in d["records"]]')" "9600" "tcpdump capture: version reply read"

ip netns exec "$NS" "$KDNETCTL" inspect --live lo --key 1.1.1.1 --count 17 --duration 15 --json >"$WORK/live.json" 2>"$WORK/live.err" &
LIVE=$!
wait_for "$WORK/live.err" "capturing on lo" 10 $LIVE
send_payloads
wait "$LIVE"; rc=$?
[[ $rc -eq 0 ]] && pass "live capture exits 0" || fail "live capture exit $rc: $(cat "$WORK/live.err")"
LIVEOUT=$(cat "$WORK/live.json")
[[ $(json_get "$LIVEOUT" 'd["summary"]["datagrams"], d["summary"]["authenticated"], d["summary"]["sessions"][0]["build"]') == "17 17 9600" ]] \
  && pass "live capture: 17 datagrams authenticate, build 9600" || fail "live capture: ${LIVEOUT:0:600}"
# Ctrl-C ends a live capture with its whole report, not half a JSON document.
ip netns exec "$NS" "$KDNETCTL" inspect --live lo --key 1.1.1.1 --duration 60 --json >"$WORK/int.json" 2>"$WORK/int.err" &
LIVE=$!
wait_for "$WORK/int.err" "capturing on lo" 10 $LIVE
# Loopback frames are captured while sendto runs, so all 17 are held once send_payloads
# returns; Ctrl-C reports them even if the capture has not read them yet.
send_payloads
kill -INT "$LIVE"; wait "$LIVE"; rc=$?
[[ $rc -eq 0 ]] && pass "live capture stopped by SIGINT exits 0" || fail "SIGINT exit $rc: $(cat "$WORK/int.err")"
[[ $(json_get "$(cat "$WORK/int.json")" 'd["summary"]["datagrams"], d["summary"]["authenticated"]') == "17 17" ]] \
  && pass "SIGINT: the report is complete JSON with what was captured" || fail "SIGINT report: $(head -c 600 "$WORK/int.json")"
# A quiet interface still ends at --duration (libpcap's immediate mode would block forever).
# Exit 0 (not timeout's 124) shows it ended by itself; without --duration it would not.
expect_exit 0 "live capture on a quiet interface ends at --duration" -- timeout 20 ip netns exec "$NS" "$KDNETCTL" inspect --live lo --key 1.1.1.1 --duration 2 --json
expect_exit 1 "live on a missing interface" -- "$KDNETCTL" inspect --live nosuchif0 --key 1.1.1.1 --duration 1
expect_one_line_error "missing interface"
finish
