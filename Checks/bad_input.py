#!/usr/bin/env python3
"""Hostile values for every option of every command, from the binary's own help.

The command tree comes from `kdnetctl --experimental-dump-help`, so a new command
or option is covered as soon as it exists: a command without a base invocation in
BASE fails this check until one is added. Each option is given bad values of its
kind in place of (or added to) a valid base invocation, run in an empty folder:

- typed values (keys, ports, seconds, counts) must be refused as usage errors (64);
- any other value may be taken (0) or refused (1 or 64), but never crash or hang;
- a refusal is one `error:` line on stderr, and under --json also the
  {"error": ...} document on stdout;
- a refused run leaves no file behind;
- no raw control character (C0 but newline and tab, DEL, C1) nor bidi formatting
  character (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C) reaches the terminal;
- a refused key is never repeated in the message.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

KDNETCTL = sys.argv[1]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests/KDNetKitTests/Fixtures")
KEY = "2steg4fzbj2sz.23418vzkd4ko3.1g34ou07z4pev.1sp3yo9yz874p"

# Files each run's empty folder starts with, so that bases can name them.
SEED_FILES = {
    "inv.csv": "name\nlab-1\n",
    "settings.txt": "key                     %s\ndebugtype               NET\nhostip                  192.168.1.10\nport                    50000\ndhcp                    Yes\n" % KEY,
}

# A valid invocation of each command (paths relative to the run's folder).
BASE = {
    "key generate": [],
    "key check": [KEY],
    "bcdedit": ["--host-ip", "192.168.1.10", "--key", KEY],
    "plan": ["--inventory", "inv.csv", "--out", "out", "--host-ip", "192.168.1.10"],
    "dbgsettings lint": ["settings.txt", "--skip-host-check"],
    "nics": ["--ids", "8086:10d3"],
    "host": [],
    "wizard": ["--non-interactive", "--simulated-target", "--no-connect", "--out", "out"],
    "ping": ["127.0.0.1", "--count", "1", "--timeout", "0.2"],
    "probe listen": ["--port", "50991", "--key", "k", "--timeout", "0.2"],
    "probe send": ["127.0.0.1", "--port", "50991", "--key", "k", "--count", "1", "--timeout", "0.2"],
    "probe port": ["--port", "50991"],
    "probe route": ["127.0.0.1"],
    "firewall": ["--port", "50000", "--ruleset", os.path.join(FIXTURES, "nft/accept.json")],
    "inspect": [os.path.join(FIXTURES, "vectors/windbg-8.8.8.8-v4.pcapng"), "--key", "8.8.8.8"],
    "listen": ["--port", "50992", "--key", KEY, "--timeout", "0.2"],
    "simulate-target": ["--host-ip", "127.0.0.1", "--port", "50993", "--key", KEY, "--max-pokes", "1", "--poke-interval", "0.1"],
    "doctor": ["--port", "50000"],
    # No listener.json in the folder: the base stops at reading it (1), after every flag was
    # checked and before the status page binds (with --no-http its options are refused whole).
    "serve": ["--config", "listener.json"],
    "vm list": ["--proxmox-config", os.path.join(FIXTURES, "vm/proxmox/100.conf")],
    "vm check": ["100", "--proxmox-config", os.path.join(FIXTURES, "vm/proxmox/100.conf")],
    "vm fix": ["100", "--proxmox-config", os.path.join(FIXTURES, "vm/proxmox/100.conf")],
}

# Retitles an xterm, turns the text red, then reverses the rest of the line (U+202E).
ESC = "\x1b]0;pwned\x07\x1b[31m\u202eevil"
BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def raw_unsafe(text):
    """The first character a terminal would act on or reorder by, or None."""
    for c in text:
        o = ord(c)
        if (o < 0x20 and c not in "\n\t") or 0x7f <= o <= 0x9f or c in BIDI:
            return c
    return None
TYPED = {
    "key": ["1.2", "", "zz.zz.zz.z!", "1.2.3.4.5"],
    "port": ["-3", "0", "70000", "x", ""],
    "seconds": ["-1", "0", "nan", "inf", "1e999", "x", ""],
    "count": ["-1", "0", "x", "99999999999999999999", ""],
    "token": ["", "x", "0123456789abcde", "0123456789abcdef 0", ESC],
    "hostname": ["", ESC, "a b", "evil.example:80", "-x.example", "http://x", "a" * 300],
}
TEXT = ["", ESC, "A" * 5000, "../../../../nonexistent/x"]

# Options whose values are typed, by name; per-command exceptions first.
EXCEPTIONS = {("probe listen", "key"): None, ("probe send", "key"): None, ("simulate-target", "build"): None}
KINDS = {
    "key": "key", "simulated-key": "key",
    "port": "port", "source-port": "port",
    "timeout": "seconds", "duration": "seconds", "listen": "seconds", "poke-interval": "seconds", "reboot-after": "seconds",
    "silence": "seconds", "lost-after": "seconds", "log-max-mib": "count", "log-keep": "count",
    "http-token": "token", "http-host": "hostname",
    "count": "count", "max": "count", "max-pokes": "count", "qemu-pid": "count", "protocol-version": "count",
}

passed = failed = 0


def ok(what):
    global passed
    passed += 1


def fail(what):
    global failed
    failed += 1
    print("  FAIL check-bad-input: " + what)


def commands():
    tree = json.loads(subprocess.run([KDNETCTL, "--experimental-dump-help"], capture_output=True, text=True, check=True).stdout)

    def walk(c, path):
        subs = [s for s in c.get("subcommands", []) if s["commandName"] != "help"]
        if not subs:
            yield " ".join(path), c.get("arguments", [])
        for s in subs:
            yield from walk(s, path + [s["commandName"]])
    yield from walk(tree["command"], [])


def options_of(arguments):
    for a in arguments:
        if a["kind"] != "option":
            continue
        names = [n["name"] for n in a.get("names", []) if n["kind"] == "long"]
        if names:
            yield names[0]


def replace(base, option, value):
    args = list(base)
    if "--" + option in args:
        i = args.index("--" + option)
        args[i + 1] = value
    else:
        args += ["--" + option, value]
    return args


def run(command, args, json_mode):
    folder = tempfile.mkdtemp(prefix="kdnet-bad-")
    try:
        for name, text in SEED_FILES.items():
            with open(os.path.join(folder, name), "w") as f:
                f.write(text)
        before = sorted(os.listdir(folder))
        argv = [KDNETCTL] + command.split() + args + (["--json"] if json_mode else [])
        env = dict(os.environ, NO_COLOR="1")
        env.pop("KDNETCTL_KEY", None)
        try:
            p = subprocess.run(argv, cwd=folder, capture_output=True, timeout=40, stdin=subprocess.DEVNULL, env=env)
        except subprocess.TimeoutExpired:
            return None, "", "", False
        left = sorted(os.listdir(folder)) != before
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"), left
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def judge(command, option, value, kind, json_mode, base_rc):
    shown = repr(value if len(value) < 40 else value[:20] + "...")
    what = "%s --%s %s%s" % (command, option, shown, " --json" if json_mode else "")
    rc, out, err, left = run(command, replace(BASE[command], option, value), json_mode)
    if rc is None:
        return fail(what + ": did not finish in 40 s")
    if rc < 0 or rc not in (0, 1, 64):
        return fail("%s: exit %s (crash?): %s" % (what, rc, err[-300:]))
    if kind is not None and rc != 64:
        return fail("%s: exit %d, wanted 64 (a bad %s value is a usage error): %s" % (what, rc, kind, err[-300:]))
    bad = raw_unsafe(out) or raw_unsafe(err)
    if bad:
        return fail("%s: a raw U+%04X reached the terminal" % (what, ord(bad)))
    errors = [l for l in err.splitlines() if l.startswith("error:")]
    if rc == 0 or (rc == base_rc and not errors):
        return ok(what)  # the value was taken; the run reported as it does without it
    if len(errors) != 1 or not err.rstrip("\n").splitlines()[-1].startswith("error:"):
        return fail("%s: wanted one error line at the end of stderr, got: %s" % (what, err[-400:]))
    if kind == "key" and len(value) > 3 and value in err:
        return fail(what + ": the refused key is repeated in the message")
    if left:
        return fail(what + ": files were left behind")
    if json_mode:
        try:
            doc = json.loads(out)
            assert isinstance(doc, dict) and isinstance(doc.get("error"), str)
        except Exception:
            return fail("%s: stdout is not the JSON error document: %s" % (what, out[:300]))
    ok(what)


def main():
    seen = 0
    for command, arguments in commands():
        if command not in BASE:
            fail("no base invocation for `%s`; add one to BASE in Checks/bad_input.py" % command)
            continue
        base_rc, _, err, _ = run(command, BASE[command], False)
        if base_rc is None or base_rc < 0:
            fail("%s: the base invocation does not finish: %s" % (command, err[-300:]))
            continue
        for option in options_of(arguments):
            kind = EXCEPTIONS.get((command, option), KINDS.get(option))
            values = TYPED[kind] if kind else TEXT
            for i, value in enumerate(values):
                judge(command, option, value, kind, json_mode=False, base_rc=base_rc)
                if i == 0:
                    judge(command, option, value if kind else ESC, kind, json_mode=True, base_rc=base_rc)
                seen += 1
    print("check-bad-input: %d values over every option of every command" % seen)
    print("check-bad-input: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
