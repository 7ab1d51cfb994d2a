#!/usr/bin/env python3
"""A bad network between a KDNET target and the listener, for checks (netem is missing
here). The target is configured with this relay as its host: datagrams from it go on
to the listener, the listener's answers come back from the relay's own address and port.
Each datagram, either way, is dropped, duplicated or held back behind the next one
(reordered), each with probability LOSS, from a seeded generator. Bounded by --duration
and --max datagrams. Says "bound" on stderr once it listens; prints counts as JSON when done.

Usage: lossy_relay.py --listen ADDR PORT --upstream ADDR PORT [--loss 0.2] [--seed 1]
                      [--duration 30] [--max 100000]"""
import argparse, json, random, select, signal, socket, sys, time

p = argparse.ArgumentParser()
p.add_argument("--listen", nargs=2, required=True)
p.add_argument("--upstream", nargs=2, required=True)
p.add_argument("--loss", type=float, default=0.2)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--duration", type=float, default=30)
p.add_argument("--max", type=int, default=100000)
a = p.parse_args()
rng = random.Random(a.seed)
fam = socket.AF_INET6 if ":" in a.listen[0] else socket.AF_INET
front = socket.socket(fam, socket.SOCK_DGRAM)
front.bind((a.listen[0], int(a.listen[1])))
back = socket.socket(fam, socket.SOCK_DGRAM)
back.bind((a.listen[0], 0))
print("bound", file=sys.stderr, flush=True)  # checks wait for this before starting the target
upstream = (a.upstream[0], int(a.upstream[1]))
target = None
held = {"up": None, "down": None}  # a datagram waiting to be sent after the next one
counts = {"forwarded": 0, "dropped": 0, "duplicated": 0, "reordered": 0, "received": 0}
end = time.monotonic() + a.duration
# Stopped early by the check: still report what was done.
signal.signal(signal.SIGTERM, lambda *_: (print(json.dumps(counts), flush=True), sys.exit(0)))


def emit(direction, data):
    if direction == "up":
        back.sendto(data, upstream)
    elif target:
        front.sendto(data, target)
    counts["forwarded"] += 1


def relay(direction, data):
    r = rng.random()
    if r < a.loss:
        counts["dropped"] += 1
        return
    if r < 2 * a.loss:
        counts["duplicated"] += 1
        emit(direction, data)
    elif r < 3 * a.loss and held[direction] is None:
        counts["reordered"] += 1
        held[direction] = (data, time.monotonic() + 0.2)
        return
    emit(direction, data)
    if held[direction]:
        emit(direction, held[direction][0])
        held[direction] = None


while time.monotonic() < end and counts["received"] < a.max:
    ready, _, _ = select.select([front, back], [], [], 0.05)
    for s in ready:
        data, src = s.recvfrom(65536)
        counts["received"] += 1
        if s is front:
            target = src
            relay("up", data)
        else:
            relay("down", data)
    # A held datagram with nothing behind it still goes out, late.
    for d in ("up", "down"):
        if held[d] and time.monotonic() >= held[d][1]:
            emit(d, held[d][0])
            held[d] = None
print(json.dumps(counts))
