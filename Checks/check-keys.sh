#!/usr/bin/env bash
source "$(dirname "$0")/lib.sh"

expect_exit 0 "key generate" -- "$KDNETCTL" key generate
key=$OUT
expect_exit 0 "generated key checks as valid" -- "$KDNETCTL" key check "$key"
expect_exit 0 "key check --json" -- "$KDNETCTL" key check "$key" --json
[[ $(json_get "$OUT" 'd["valid"], d["weak"], len(d["bytes"])') == "True False 64" ]] && pass "json shape" || fail "json shape: $OUT"
expect_exit 1 "part 2^64 rejected" -- "$KDNETCTL" key check 1.2.3.3w5e11264sgsg
expect_one_line_error "part 2^64"
contains "$ERR" "part 4" "error names the part"
expect_exit 64 "unknown subcommand is a usage error" -- "$KDNETCTL" key frobnicate
expect_one_line_error "unknown subcommand"
expect_exit 64 "unknown option is a usage error" -- "$KDNETCTL" key generate --bogus
expect_one_line_error "unknown option"
contains "$ERR" "--help" "usage error says where the options are"
expect_exit 0 "--version" -- "$KDNETCTL" --version

# Colour only on a terminal, and never with NO_COLOR.
esc=$'\e['
tty_out=$(env -u NO_COLOR script -qec "$KDNETCTL key check 1.z.10.3w5e11264sgsf" /dev/null)
[[ $tty_out == *"$esc"* ]] && pass "colour on a terminal" || fail "no colour on a terminal: $tty_out"
no_color=$(NO_COLOR=1 script -qec "$KDNETCTL key check 1.z.10.3w5e11264sgsf" /dev/null)
[[ $no_color != *"$esc"* && $no_color == *valid* ]] && pass "no colour with NO_COLOR on a terminal" || fail "colour despite NO_COLOR: $no_color"
piped=$(env -u NO_COLOR "$KDNETCTL" key check 1.z.10.3w5e11264sgsf 2>&1)
[[ $piped != *"$esc"* ]] && pass "no colour into a pipe" || fail "colour into a pipe: $piped"
finish
