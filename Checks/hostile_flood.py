#!/usr/bin/env python3
"""Sends COUNT datagrams cycled from a pool file (2-byte big-endian length + bytes, as
`kdnetctl-fuzz --flood-pool` writes it) to HOST PORT, as fast as the socket takes them.
Usage: hostile_flood.py POOL HOST PORT COUNT. Prints the number sent; says "flooding" on
stderr once the first datagram is out."""
import socket, sys

pool_path, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
data = open(pool_path, "rb").read()
pool, i = [], 0
while i + 2 <= len(data):
    n = int.from_bytes(data[i:i + 2], "big")
    pool.append(data[i + 2:i + 2 + n])
    i += 2 + n
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
dest, send, sent = (host, port), s.sendto, 0
m = len(pool)
for k in range(count):
    try:
        send(pool[k % m], dest)
        sent += 1
    except OSError:  # a refused or full send is dropped traffic, as on a real wire
        pass
    if k == 0:  # for checks that wait until the flood is under way
        print("flooding", file=sys.stderr, flush=True)
print(sent)
