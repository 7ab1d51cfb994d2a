#!/usr/bin/env python3
"""Runs commands with long output on a pseudo-terminal 80 columns wide and checks that
kdnetctl wraps them itself: no line drawn is wider than the terminal, no word is split
across lines (every word of the same command's piped output shows whole), lists of
choices are wrapped rather than cut with "…", and a wait's status line is redrawn with
a spinner while nothing arrives. Prints `ok ...` / `FAIL ...` lines for
check-terminal.sh to count.

usage: terminal_width_pty.py KDNETCTL WORKDIR NETNS
"""
from check_report import finish, report
import fcntl, os, re, resource, select, struct, subprocess, sys, termios, time, unicodedata

KDNETCTL, WORK, NS = sys.argv[1], sys.argv[2], sys.argv[3]
COLUMNS = 80
KEY = "3az3b6wygij1v.vvf1e2p0f14w.3eizg9vvq0n4q.16bvlj67sgj8i"
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def cells(text):
    n = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Cf", "Cc", "Mn", "Me"):
            continue
        n += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return n


def drawn_lines(raw):
    """Every stretch of text drawn from the start of a line: split at line feeds and at
    carriage returns (a status line redrawn in place), escape sequences removed."""
    return [seg for line in raw.split("\n") for seg in CSI.sub("", line).split("\r")]


def words(text):
    """Words worth comparing between two runs: without digits (times, ports, keys differ)."""
    return {w for w in CSI.sub("", text).split() if not any(c.isdigit() for c in w) and w != "…"}


def run_pty(argv, cwd, timeout=60, keys=(), expect_before_keys=None):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    env = dict(os.environ, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    env.pop("COLUMNS", None)
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=env, start_new_session=True)
    os.close(slave)
    raw = b""
    end = time.time() + timeout
    pending = list(keys)
    while time.time() < end:
        r, _, _ = select.select([master], [], [], 0.2)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if not data and proc.poll() is not None:
                break
            raw += data
        elif proc.poll() is not None:
            break
        if pending and expect_before_keys and expect_before_keys in CSI.sub("", raw.decode("utf-8", "replace")):
            for k in pending:
                os.write(master, k.encode())
                time.sleep(0.3)
                try:
                    while select.select([master], [], [], 0.2)[0]:
                        raw += os.read(master, 65536)
                except OSError:
                    pass
            pending = []
    if proc.poll() is None:
        proc.kill()
    code = proc.wait()
    os.close(master)
    return raw.decode("utf-8", "replace"), code


def run_piped(argv, cwd, timeout=60):
    p = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env={k: v for k, v in os.environ.items() if k != "COLUMNS"})
    return p.stdout + p.stderr


def in_ns(*args):
    return ["ip", "netns", "exec", NS, KDNETCTL] + list(args)


def fresh_dir(name):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    return d


def check_wrapped(what, argv, timeout=60, literal=lambda line: False):
    """`literal`: lines kept whole on purpose (commands to copy), allowed to be wider."""
    # Each run has its own folder; the words compared name it the same way.
    piped_dir, pty_dir = fresh_dir(what + "-piped"), fresh_dir(what + "-pty")
    piped = run_piped(argv, piped_dir, timeout).replace(piped_dir, "DIR")
    widest = max((cells(l) for l in piped.split("\n")), default=0)
    report(widest > COLUMNS, f"{what}: piped output has a line of {widest} cells, so it needs wrapping at {COLUMNS}")
    shown, _ = run_pty(argv, pty_dir, timeout)
    shown = shown.replace(pty_dir, "DIR")
    too_wide = [l for l in drawn_lines(shown) if cells(l) > COLUMNS and not (literal(l) and l in piped.split("\n"))]
    report(not too_wide, f"{what}: no line on the {COLUMNS}-column terminal is wider than it"
           + (f"; {len(too_wide)} are, e.g. {too_wide[0]!r}" if too_wide else ""))
    missing = sorted(words(piped) - words(shown))
    report(not missing, f"{what}: every word of the piped output shows whole on the terminal"
           + (f"; split or missing: {missing[:8]}" if missing else ""))
    return shown


check_wrapped("listen", in_ns("listen", "--port", "50000", "--key", KEY, "--timeout", "1"))
check_wrapped("doctor", in_ns("doctor", "--port", "50000", "--key", KEY, "--listen", "1", "--host-ip", "192.0.2.1"))
check_wrapped("wizard", [KDNETCTL, "wizard", "--simulated-target", "--non-interactive", "--out", "./kdnet-setup", "--timeout", "15"], 90)
# --json on a terminal is never wrapped: the document is the same as piped.
doctor_json = in_ns("doctor", "--port", "50000", "--key", KEY, "--host-ip", "192.0.2.1", "--json")
piped = subprocess.run(doctor_json, capture_output=True, text=True, timeout=60).stdout
shown, _ = run_pty(doctor_json, fresh_dir("doctor-json"))
shown = shown.replace("\r\n", "\n")
report(max(cells(l) for l in piped.split("\n")) > COLUMNS and shown == piped,
       "doctor --json on the terminal: the same lines as piped, long ones unwrapped")

# The commands to copy stay whole lines (a break would run half a command); the prose wraps.
check_wrapped("bcdedit", [KDNETCTL, "bcdedit", "--host-ip", "10.0.0.1", "--port", "50000", "--key", KEY],
              literal=lambda line: line.startswith("  ") and not line.startswith("  ("))

# The wizard's arrow-key list at 80 columns: the selected choice's detail is wrapped under
# it, not cut with "…" (only "Type another…" ends in one).
shown, code = run_pty([KDNETCTL, "wizard", "--simulated-target", "--out", "./never"], fresh_dir("wizard-list"), 30,
                      keys=["\x1b[B", "\x03"], expect_before_keys="Where will the debugger run?")
text = " ".join(CSI.sub("", shown).replace("\r", " ").split())
report("tells its Windows build, or why it did not connect" in text and "as its `ipconfig` shows it" in text,
       "wizard list: both choices' details show in full at 80 columns")
report("…" not in CSI.sub("", shown).replace("Type another…", ""), "wizard list: no choice is cut with …")
too_wide = [l for l in drawn_lines(shown) if cells(l) > COLUMNS]
report(not too_wide, "wizard list: no line wider than the terminal" + (f": {too_wide[0]!r}" if too_wide else ""))
report(code == 130, f"wizard list: Ctrl-C leaves with 130 (got {code})")

# A quiet wait on a terminal: the spinner line is redrawn while nothing arrives, with the
# seconds waited and the timeout.
before = resource.getrusage(resource.RUSAGE_CHILDREN)
shown, code = run_pty(in_ns("listen", "--port", "50001", "--key", KEY, "--timeout", "3"), fresh_dir("spinner"), 30)
after = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
report(cpu < 0.5, f"redrawing the waiting line costs next to no CPU ({cpu:.2f} s in a 3 s wait, start-up included)")
frames = re.findall(r"\r([|/\\-]) waiting (\d+) s of 3: no datagrams yet", CSI.sub("", shown))
report(len(frames) >= 5, f"listen on a terminal redraws its waiting line while nothing arrives ({len(frames)} redraws in 3 s)")
report(len({f for f, _ in frames}) == 4 and {"0", "1", "2"} <= {s for _, s in frames},
       f"the spinner turns and the seconds count (frames {sorted({f for f, _ in frames})}, seconds {sorted({s for _, s in frames})})")
report(code == 1 and "no-traffic" in shown, f"and then gives the no-traffic diagnosis (exit {code})")

# The other waits say the same: a live capture and the doctor's listen.
for what, argv, pattern in [
        ("inspect --live", in_ns("inspect", "--live", "lo", "--key", KEY, "--duration", "2"), r"\r[|/\\-] capturing 1 s of 2: lo, "),
        ("doctor --listen", in_ns("doctor", "--port", "50002", "--key", KEY, "--listen", "2"),
         r"\r[|/\\-] waiting 1 s of 2: listening on UDP port 50002, 0 datagrams"),
        ("probe listen", in_ns("probe", "listen", "--port", "50003", "--key", "secret", "--timeout", "2"),
         r"\r[|/\\-] waiting 1 s of 2: answering probes on UDP port 50003")]:
    shown, _ = run_pty(argv, fresh_dir(what.replace(" ", "-")), 30)
    report(re.search(pattern, CSI.sub("", shown)) is not None, f"{what} on a terminal shows the seconds and the limit with a spinner")

finish()
