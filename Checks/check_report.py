"""What the Python halves of the checks share: `ok ...` / `FAIL ...` lines for the
bash side to count, and the exit status they add up to."""
import sys

failures = 0


def report(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures += 1


def finish():
    sys.exit(1 if failures else 0)
