#!/usr/bin/env bash
# Fuzzes every harness of kdnetctl-fuzz with libFuzzer for a bounded time, seeded from the
# committed fixtures, and replays the committed regression corpus through the normal
# build's replayer. Any crash, sanitizer report or leak fails the check; a new crash's
# input is kept in $FUZZ_ARTIFACTS (default /tmp/kdnetctl-fuzz-artifacts) to commit
# under Tests/KDNetKitTests/Fixtures/fuzz-regressions/<harness>/.
source "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_EACH=${FUZZ_SECONDS:-12}
ARTIFACTS=${FUZZ_ARTIFACTS:-/tmp/kdnetctl-fuzz-artifacts}
HARNESSES=(datagram kdpacket key dbgsettings inventory pcap session)
REGRESSIONS="$ROOT/Tests/KDNetKitTests/Fixtures/fuzz-regressions"
REPLAYER=$(dirname "$KDNETCTL")/kdnetctl-fuzz
mkdir -p "$ARTIFACTS"

# -- the committed regressions, through the replayer of the normal build
if [[ -x $REPLAYER ]]; then
  for h in "${HARNESSES[@]}"; do
    files=("$REGRESSIONS/$h"/*)
    [[ -e ${files[0]} ]] || continue
    expect_exit 0 "replay $h regressions (${#files[@]} inputs)" -- env KDNET_FUZZ_TARGET="$h" "$REPLAYER" "${files[@]}"
  done
else
  fail "no replayer at $REPLAYER; run swift build first"
fi

# -- libFuzzer, each harness for a bounded time
( cd "$ROOT" && swift build --product kdnetctl-fuzz --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DKDNET_LIBFUZZER ) >"$WORK/build.log" 2>&1 \
  || { fail "fuzz build failed: $(tail -5 "$WORK/build.log")"; finish; exit 1; }
FUZZER="$ROOT/.build-fuzz/debug/kdnetctl-fuzz"
python3 "$ROOT/Checks/fuzz_seeds.py" "$ROOT/Tests/KDNetKitTests/Fixtures" "$WORK/seeds"
for h in "${HARNESSES[@]}"; do
  mkdir -p "$WORK/corpus/$h"
  cp "$WORK/seeds/$h"/* "$WORK/corpus/$h/" 2>/dev/null
  [[ -d $REGRESSIONS/$h ]] && cp "$REGRESSIONS/$h"/* "$WORK/corpus/$h/"
  # -timeout: one input taking more than 10 s is a hang, and reported as a crash.
  KDNET_FUZZ_TARGET=$h timeout $((SECONDS_EACH + 60)) "$FUZZER" -max_total_time="$SECONDS_EACH" -timeout=10 \
    -rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$ARTIFACTS/$h-" "$WORK/corpus/$h" >"$WORK/$h.log" 2>&1
  rc=$?
  runs=$(grep -oE 'Done [0-9]+ runs' "$WORK/$h.log" | grep -oE '[0-9]+')
  if [[ $rc -eq 0 && -n $runs ]]; then
    pass "fuzz $h: $runs runs in ${SECONDS_EACH} s, no crash"
  else
    fail "fuzz $h (exit $rc): $(grep -E 'ERROR|Fatal|panic|Test unit written' "$WORK/$h.log" | head -3)"
  fi
done
finish
