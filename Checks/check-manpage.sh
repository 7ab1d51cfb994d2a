#!/usr/bin/env bash
# The committed man page must match what the current commands generate. The plugin builds
# in debug, which run-all.sh has just built (its default, release, built everything again:
# about 10 minutes of a CI run).
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
date=$(sed -n 's/^\.Dd \(.*\)$/\1/p' man/kdnetctl.1 | head -1)
iso=$(date -d "$date" +%Y-%m-%d 2>/dev/null || echo 2026-11-25)
if swift package --allow-writing-to-package-directory generate-manual --configuration debug --date "$iso" --section 1 >"$WORK/gen.log" 2>&1; then
  if diff -u man/kdnetctl.1 .build/plugins/GenerateManual/outputs/kdnetctl/kdnetctl.1 >"$WORK/diff"; then
    pass "man/kdnetctl.1 matches the commands"
  else
    fail "man/kdnetctl.1 is stale; regenerate it: swift package --allow-writing-to-package-directory generate-manual --configuration debug --date $iso --section 1 && cp .build/plugins/GenerateManual/outputs/kdnetctl/kdnetctl.1 man/ ($(head -c 600 "$WORK/diff"))"
  fi
else
  fail "generate-manual failed: $(tail -5 "$WORK/gen.log")"
fi
finish
