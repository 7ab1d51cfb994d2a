#!/usr/bin/env bash
# The README's two set-up commands, exactly as written there: the first (install what is
# missing, then the wizard against the simulated target) must succeed; the second must be
# what .ci/run runs.
source "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.."
mapfile -t commands < <(awk '/^```sh$/ {getline; print}' README.md | head -2)
first=${commands[0]:-}; second=${commands[1]:-}
[[ $first == *"kdnetctl wizard"* ]] && pass "README's first command runs the wizard" || fail "first command: $first"
[[ $second == "bash Checks/run-all.sh" ]] && pass "README's second command is the test command" || fail "second command: $second"
grep -q "exec bash Checks/run-all.sh" .ci/run && pass ".ci/run runs the README's test command" || fail ".ci/run does not run $second"
out=$(echo "$first" | grep -o -- '--out [^ ]*' | cut -d' ' -f2)
rm -rf "$out"
expect_exit 0 "README's first command, verbatim" -- bash -c "$first"
contains "$OUT" "target: Windows build" "it ends connected, naming the target's build"
[[ $(stat -c %a "$out/kdnet-target.cmd" 2>/dev/null) == 600 ]] && pass "the target's script is mode 0600" || fail "no 0600 script in $out"
rm -rf "$out"
finish
