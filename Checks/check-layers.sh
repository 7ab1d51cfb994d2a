#!/usr/bin/env bash
# The protocol core (KDNetProtocol) stays without I/O: it depends only on what its codec,
# keys and ciphers need, and calls no socket, polling or resolver API (Foundation could
# reach them, so the compiler alone does not keep them out, as NIOCore is kept apart).
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
ALLOWED="CDatagramCipher CSodium Crypto"
if swift package dump-package >"$WORK/package.json" 2>"$WORK/dump.err"; then
  deps=$(python3 - "$WORK/package.json" <<'PY'
import json, sys
targets = {t["name"]: t for t in json.load(open(sys.argv[1]))["targets"]}
names = []
for d in targets["KDNetProtocol"]["dependencies"]:
    kind, value = next(iter(d.items()))
    names.append(value[0])
print(" ".join(sorted(names)))
PY
)
  [[ $deps == "$ALLOWED" ]] && pass "KDNetProtocol depends only on $ALLOWED" \
    || fail "KDNetProtocol depends on '$deps'; only '$ALLOWED' may be (sockets, host queries and C shims belong to KDNetKit)"
else
  fail "swift package dump-package failed: $(tail -3 "$WORK/dump.err")"
fi
# Socket, polling and resolver calls, and the Foundation types that wrap them.
PATTERN='\b(socket|bind|connect|listen|accept|sendto|sendmsg|recvfrom|recvmsg|setsockopt|getsockopt|getsockname|poll|ppoll|epoll_[a-z]+|select|getaddrinfo|gethostbyname|if_nametoindex|if_indextoname|getifaddrs)\(|\b(FileHandle|URLSession|InputStream|OutputStream|Process|Thread\.sleep|Date\(\)|usleep|sleep)\b'
hits=$(grep -rnE "$PATTERN" Sources/KDNetProtocol --include='*.swift' | grep -vE '^[^:]+:[0-9]+:\s*///?' || true)
[[ -z $hits ]] && pass "KDNetProtocol calls no socket, polling, resolver, clock or process API" \
  || fail "KDNetProtocol calls I/O it must not (move it to KDNetKit): $(head -5 <<<"$hits")"
# The check itself must be able to fail: the same pattern finds such a call.
grep -qE "$PATTERN" <<<'    let fd = socket(AF_INET, SOCK_DGRAM, 0)' && pass "the pattern finds a socket call" || fail "the pattern misses socket()"
finish
