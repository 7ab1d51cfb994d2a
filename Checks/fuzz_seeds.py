#!/usr/bin/env python3
"""Seed corpora for the fuzz harnesses, made from the committed fixtures: one folder per
harness under OUT. Usage: fuzz_seeds.py FIXTURES OUT"""
import os, struct, sys

fixtures, out = sys.argv[1], sys.argv[2]


def put(harness, name, data):
    os.makedirs(os.path.join(out, harness), exist_ok=True)
    with open(os.path.join(out, harness, name), "wb") as f:
        f.write(data)


vector = []
with open(os.path.join(fixtures, "vectors", "libkdnet-1.1.1.1-v2.txt")) as f:
    for line in f:
        parts = line.split()
        if len(parts) == 2:
            vector.append((parts[0], bytes.fromhex(parts[1])))
for i, (name, data) in enumerate(vector):
    put("datagram", "%02d-%s" % (i, name), data)


def kd_packet(leader, ptype, pid, data=b""):
    checksum = sum(data) & 0xFFFFFFFF
    trailer = b"\xaa" if leader == 0x30303030 else b""
    return struct.pack("<IHHII", leader, ptype, len(data), pid, checksum) + data + trailer


manipulate = struct.pack("<IHHI", 0x3146, 0, 0, 0) + bytes(40)  # GetVersion request
put("kdpacket", "get-version", kd_packet(0x30303030, 2, 0x80800000, manipulate))
debug_io = struct.pack("<IHHI", 0x3230, 0, 0, 6) + bytes(8) + b"hello\n"
put("kdpacket", "debug-print", kd_packet(0x30303030, 3, 0, debug_io))
state = struct.pack("<IHHI", 0x3030, 0, 1, 0) + bytes(236)
put("kdpacket", "state-change", kd_packet(0x30303030, 7, 2, state))
put("kdpacket", "ack", kd_packet(0x69696969, 4, 0x80800000))
put("kdpacket", "reset", kd_packet(0x69696969, 6, 0x80800000))

for i, k in enumerate(["1.1.1.1", "8.8.8.8", "2steg4fzbj2sz.2e0cq1bkd5vwf.1a0b2c3d4e5f6.zzzzzzzzzzzzz", " 0.0.0.0 ", "a.b.c"]):
    put("key", "k%d" % i, k.encode())

for name in sorted(os.listdir(os.path.join(fixtures, "dbgsettings"))):
    with open(os.path.join(fixtures, "dbgsettings", name), "rb") as f:
        put("dbgsettings", name, f.read())
put("dbgsettings", "denied", b"C:\\> bcdedit /dbgsettings\r\nAn error occurred while attempting to reference the specified entry.\r\nAccess is denied.\r\n")

put("inventory", "csv", b"name,port,key,busparams,family\nweb1,,,0.25.0,\nweb2,50005,1.2.3.4,,ipv6\ndb1,,,3b:00.0,\n")
put("inventory", "yaml", b"host_ip: 192.168.1.10\nhost_ipv6: [fd00::1]\ntargets:\n  - name: y1\n  - name: y2\n    port: 50010\n    key: 1.2.3.4\n    busparams: 0.25.0\n")
put("inventory", "quoted-csv", b'name,port\n"a,b",50001\n')


def frame(payload, src="192.168.0.13", dst="192.168.0.11", port=50000):
    udp = struct.pack(">HHHH", port, port, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(map(int, src.split("."))), bytes(map(int, dst.split("."))))
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp


def pcap(frames):
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    for i, f in enumerate(frames):
        data += struct.pack("<IIII", i, 0, len(f), len(f)) + f
    return data


to_host = {"poke", "conncheck", "poke_repeat"}
frames = [frame(d) if n.split("_")[0] in to_host or n.startswith("poke") and "resp" not in n
          else frame(d, src="192.168.0.11", dst="192.168.0.13") for n, d in vector[:12]]
put("pcap", "libkdnet.pcap", pcap(frames))
put("pcap", "empty.pcap", pcap([]))
with open(os.path.join(fixtures, "vectors", "windbg-8.8.8.8-v4.pcapng"), "rb") as f:
    put("pcap", "windbg-head.pcapng", f.read()[:6000])

# Conversation op codes (see FuzzedConversation.swift): 0/1 deliver, 2/3 drop, 4 duplicate,
# 5/6 reorder, 7 N let N*50 ms pass, 8 corrupt, 9/10 inject, 11 reboot.
put("session", "clean", bytes([0, 1] * 60))
put("session", "lossy", bytes(([0, 1, 2, 7, 25, 0, 1, 4, 1, 5, 0, 1, 3, 7, 25] * 12)))
put("session", "reboot", bytes([0, 1] * 30 + [11, 7, 70] + [0, 1] * 40))
