# Shared helpers for the end-to-end checks. Each check script sources this, runs the
# built binary as a user would, and calls pass/fail; run-all.sh sums them up.
set -uo pipefail
KDNETCTL=${KDNETCTL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/.build/debug/kdnetctl}
export NO_COLOR=1
CHECK_PASSED=0
CHECK_FAILED=0
CHECK_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# A wizard or plan run by a check must not become the remembered setup of the user
# running the checks (nor of the next check).
export XDG_STATE_HOME="$WORK/state"

pass() { CHECK_PASSED=$((CHECK_PASSED + 1)); echo "  ok   $CHECK_NAME: $*"; }
fail() { CHECK_FAILED=$((CHECK_FAILED + 1)); echo "  FAIL $CHECK_NAME: $*"; }

# expect_exit CODE DESCRIPTION -- command...: runs the command, stores its output in
# $OUT and $ERR, and checks the exit code.
expect_exit() {
  local want=$1 what=$2; shift 3
  "$@" >"$WORK/out" 2>"$WORK/err"
  local got=$?
  OUT=$(cat "$WORK/out"); ERR=$(cat "$WORK/err")
  if [[ $got -eq $want ]]; then pass "$what"; else fail "$what (exit $got, wanted $want; stderr: $ERR)"; fi
}

# expect_one_line_error: the last command's stderr is exactly one line.
expect_one_line_error() {
  local n; n=$(printf '%s' "$ERR" | grep -c '')
  if [[ $n -eq 1 ]]; then pass "$1: one-line error"; else fail "$1: error is $n lines: $ERR"; fi
}

contains() { # contains HAYSTACK NEEDLE DESCRIPTION
  if [[ $1 == *"$2"* ]]; then pass "$3"; else fail "$3 (no '$2' in: ${1:0:400})"; fi
}

# wait_for FILE PATTERN [SECONDS] [PID]: waits until FILE holds PATTERN (a line a
# program prints once it is ready, such as listen's "listening on UDP"), polling
# every 50 ms for at most SECONDS (default 20); gives up early if PID has exited.
wait_for() {
  local file=$1 pattern=$2 limit=${3:-20} pid=${4:-} i
  for ((i = 0; i < limit * 20; i++)); do
    grep -qs -- "$pattern" "$file" && return 0
    [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null && { grep -qs -- "$pattern" "$file"; return; }
    sleep 0.05
  done
  echo "  (waited ${limit} s for '$pattern' in $file)"
  return 1
}

# wait_for_udp PORT [SECONDS] [NETNS]: waits until something has UDP PORT bound (in
# network namespace NETNS when given), for programs that say nothing when they are ready.
wait_for_udp() {
  local port=$1 limit=${2:-20} i run=()
  [[ -n ${3:-} ]] && run=(ip netns exec "$3")
  for ((i = 0; i < limit * 20; i++)); do
    "${run[@]}" ss -Hunl "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  echo "  (waited ${limit} s for UDP port $port to be bound)"
  return 1
}

# library_path SONAME: where the dynamic linker finds SONAME, the native 64-bit entry
# first. awk reads all of ldconfig's output: exiting at the match would SIGPIPE ldconfig
# once its output outgrows the pipe, which pipefail turns into a failure.
library_path() {
  ldconfig -p | awk -v s="$1" '$1 == s && !any {any = $NF} $1 == s && /x86-64|AArch64|64bit/ && !native {native = $NF}
    END {if (native != "") print native; else if (any != "") print any}'
}
json_get() { # json_get JSON PYTHON-EXPR-ON-d
  python3 -c "import json,sys; d=json.load(sys.stdin); print($2)" <<<"$1"
}

finish() {
  echo "$CHECK_NAME: $CHECK_PASSED passed, $CHECK_FAILED failed"
  [[ $CHECK_FAILED -eq 0 ]]
}

# Network namespaces for the checks that need several hosts (we run as root).
inns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# link NS1 IF1 ADDR1 NS2 IF2 ADDR2: a veth pair between two namespaces, addressed and up.
link() {
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  inns "$1" ip addr add "$3" dev "$2"; inns "$1" ip link set "$2" up
  inns "$4" ip addr add "$6" dev "$5"; inns "$4" ip link set "$5" up
}

# host_and_target TAG: two network namespaces, $NS_H (host) and $NS_T (target), with
# veth names $VETH_H and $VETH_T for them; removed, with every background job, on exit.
# Exits the check when namespaces cannot be made.
host_and_target() {
  NS_H=kdt-$1-h$$; NS_T=kdt-$1-t$$
  VETH_H=kdt-$1-a$$; VETH_T=kdt-$1-b$$
  trap 'jobs -p | xargs -r kill 2>/dev/null; ip netns del "$NS_H" 2>/dev/null; ip netns del "$NS_T" 2>/dev/null; rm -rf "$WORK"' EXIT
  ip netns add "$NS_H" && ip netns add "$NS_T" || { fail "cannot create network namespaces (need root)"; finish; exit 1; }
}
