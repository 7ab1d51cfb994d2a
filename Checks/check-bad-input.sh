#!/usr/bin/env bash
# The hostile-input table: bad values of each kind for every option of every command
# (the command tree is read from the binary itself), asserting the exit code, one
# error line, the JSON error document, nothing left behind and no raw control
# characters. See Checks/bad_input.py for the table and the rules.
source "$(dirname "$0")/lib.sh"
exec python3 "$(dirname "$0")/bad_input.py" "$KDNETCTL"
