#!/usr/bin/env bash
# Every test of the project: installs what is missing, builds, runs the unit and binary
# tests (Swift Testing), then every end-to-end check in Checks/ against the built binary.
set -uo pipefail
cd "$(dirname "$0")/.."
# Each stage's seconds, printed as a table at the end: where a run's time goes.
timings=()
stage_started=$SECONDS
stage_done() { timings+=("$(printf '%6d s  %s' $((SECONDS - stage_started)) "$1")"); stage_started=$SECONDS; }
bash Checks/setup.sh || exit 1
stage_done "setup (missing system libraries)"
# The checks' own test-only packages (Chromium for the status page, libvirt and QEMU for
# the VM path) download and unpack while Swift builds and the unit tests run; the checks
# wait for this first and install anything it could not themselves.
prefetch() {
  source Checks/libvirt-lib.sh
  local p missing=()
  for p in "${LIBVIRT_TEST_PACKAGES[@]}" chromium; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [[ $(id -u) -eq 0 ]] || { echo "not root: the checks install ${missing[*]} themselves"; return 0; }
  echo "installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o DPkg::Lock::Timeout=600 "${missing[@]}"
}
prefetch >/tmp/kdnetctl-test-packages.log 2>&1 &
prefetch_pid=$!
swift build --build-tests || exit 1
stage_done "swift build --build-tests"
status=0
swift test --skip-build 2>&1 | tee /tmp/kdnetctl-swift-test.log || status=1
stage_done "swift test (unit and binary tests)"
wait "$prefetch_pid" || echo "(test-only packages not all installed ahead: $(tail -1 /tmp/kdnetctl-test-packages.log); the checks try again)"
passed=0; failed=0
for check in Checks/check-*.sh; do
  echo "== $check"
  out=$(bash "$check" 2>&1); rc=$?
  echo "$out"
  line=$(grep -E '^[a-z0-9-]+: [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)
  p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line"); f=$(sed -E 's/.* ([0-9]+) failed$/\1/' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
  if [[ $rc -ne 0 ]]; then status=1; [[ ${f:-0} -eq 0 ]] && failed=$((failed + 1)); fi
  stage_done "$check"
done
echo "time by stage:"
printf '%s\n' "${timings[@]}"
printf '%6d s  in all\n' "$SECONDS"
echo "checks: $passed passed, $failed failed"
exit $status
