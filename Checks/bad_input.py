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
import socket
import subprocess
import sys
import tempfile
import time

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

# The one KDNET port policy (DebugPort, 49152-65535), by --port: the commands that set or
# serve a target's port refuse 80 as a usage error, as they refuse 70000; those that only
# test or judge a port (a probe may test another port on purpose) take 80 and warn with the
# same words. A --port in neither set fails the check until it is classified here.
PORT_REFUSING = {"bcdedit", "listen", "wizard", "simulate-target"}
PORT_WARNING = {"probe listen", "probe send", "probe port", "doctor", "firewall", "vm check"}
POLICY = "port 80 is outside 49152-65535; pick one from 50000-50039"

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
            os.chmod(os.path.join(folder, name), 0o600)  # settings.txt holds a key
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


def judge_port_warning(command, option):
    what = "%s --%s 80" % (command, option)
    rc, out, err, left = run(command, replace(BASE[command], option, "80"), False)
    if rc is None:
        return fail(what + ": did not finish in 40 s")
    # Taken, so judged as any port is (the verdict for port 80 may differ from the base's).
    if rc not in (0, 1):
        return fail("%s: exit %s, wanted 0 or 1 (80 is taken with a warning, not refused): %s" % (what, rc, err[-300:]))
    if POLICY not in out + err:
        return fail("%s: no warning %r: %s" % (what, POLICY, (out + err)[-400:]))
    if raw_unsafe(out) or raw_unsafe(err):
        return fail(what + ": a raw control character reached the terminal")
    ok(what)


# Files given to the commands: key modes, bad encodings and endless inputs. Each case
# makes its files in the run's folder, then asserts the exit code, one error line that
# holds (and does not hold) the words given, nothing left behind, the time taken and
# the child's own peak memory.
CAPTURE = os.path.join(FIXTURES, "vectors/windbg-8.8.8.8-v4.pcapng")
LISTENER = '{"version": 1, "targets": [{"name": "a", "port": 50994, "key": "%s"}]}\n' % KEY
# Random-looking bytes that are not UTF-8 and hold no NUL (fixed, so a failure repeats).
JUNK = bytes((i * 167 + 131) % 128 + 128 for i in range(4096))
UTF16 = "name: win\nnet0: e1000e=BC:24:11:2E:3F:4B,bridge=vmbr1\n".encode("utf-16-le")


def owned_by(path, uid):
    os.chown(path, uid, uid)


# (what, {file: (bytes, mode, owner uid or None)}, argv, exit, must hold, must not hold, seconds)
FILE_CASES = [
    ("key file 0640", {"k": (KEY.encode() + b"\n", 0o640, None)},
     ["listen", "--port", "50994", "--key-file", "k", "--timeout", "0.2"], 1, ["mode 0640", "chmod 600 k", "exposed"], [KEY], 10),
    ("key file 0660", {"k": (KEY.encode() + b"\n", 0o660, None)},
     ["inspect", CAPTURE, "--key-file", "k"], 1, ["mode 0660", "chmod 600 k"], [KEY], 10),
    ("key file 0604", {"k": (KEY.encode() + b"\n", 0o604, None)},
     ["doctor", "--port", "50000", "--key-file", "k"], 1, ["mode 0604", "chmod 600 k"], [KEY], 10),
    ("key file 0610", {"k": (KEY.encode() + b"\n", 0o610, None)},
     ["simulate-target", "--host-ip", "127.0.0.1", "--port", "50994", "--key-file", "k", "--max-pokes", "1"], 1, ["mode 0610", "chmod 600 k"], [KEY], 10),
    ("key file of another user", {"k": (KEY.encode() + b"\n", 0o644, 65534)},
     ["listen", "--port", "50994", "--key-file", "k", "--timeout", "0.2"], 1, ["uid 65534", "not yours to fix", "exposed"], ["chmod 600", KEY], 10),
    ("--key-file /etc/passwd", {}, ["listen", "--port", "50994", "--key-file", "/etc/passwd", "--timeout", "0.2"], 1, ["/etc/passwd"], ["chmod"], 10),
    ("listen --config 0644", {"listener.json": (LISTENER.encode(), 0o644, None)},
     ["listen", "--config", "listener.json", "--timeout", "0.2"], 1, ["listener.json holds the targets' keys", "mode 0644", "chmod 600 /", "listener.json` and consider"], [KEY], 10),
    ("serve --config 0644", {"listener.json": (LISTENER.encode(), 0o644, None)},
     ["serve", "--config", "listener.json", "--no-http"], 1, ["mode 0644", "chmod 600 /", "listener.json` and consider"], [KEY], 10),
    ("inspect --config 0640", {"listener.json": (LISTENER.encode(), 0o640, None)},
     ["inspect", CAPTURE, "--config", "listener.json"], 1, ["mode 0640", "chmod 600 /", "listener.json` and consider"], [KEY], 10),
    ("plan --inventory with keys 0644", {"inv.csv": (("name,key\nlab-1,%s\n" % KEY).encode(), 0o644, None)},
     ["plan", "--inventory", "inv.csv", "--out", "out", "--host-ip", "192.168.1.10"], 1, ["mode 0644", "chmod 600 /", "inv.csv` and consider"], [KEY], 10),
    ("wizard --answers with a key 0644", {"a.yaml": (("key: %s\n" % KEY).encode(), 0o644, None)},
     ["wizard", "--non-interactive", "--simulated-target", "--no-connect", "--no-remember", "--answers", "a.yaml", "--out", "out"], 1, ["mode 0644", "chmod 600 a.yaml"], [KEY], 20),
    ("dbgsettings lint of a paste with the key 0644", {"s.txt": (SEED_FILES["settings.txt"].encode(), 0o644, None)},
     ["dbgsettings", "lint", "s.txt", "--skip-host-check"], 1, ["s.txt holds the target's key", "mode 0644", "chmod 600 s.txt"], [KEY], 10),
    ("doctor --dbgsettings of a paste with the key 0640", {"s.txt": (SEED_FILES["settings.txt"].encode(), 0o640, None)},
     ["doctor", "--dbgsettings", "s.txt"], 1, ["mode 0640", "chmod 600 s.txt"], [KEY], 10),
    ("plan --inventory with port 80", {"inv.csv": (b"name,port\nlab-1,80\n", 0o600, None)},
     ["plan", "--inventory", "inv.csv", "--out", "out", "--host-ip", "192.168.1.10"], 1, ["inv.csv:2", "target lab-1", POLICY], [], 10),
    ("listen --config with port 80", {"listener.json": (LISTENER.replace("50994", "80").encode(), 0o600, None)},
     ["listen", "--config", "listener.json", "--timeout", "0.2"], 1, ["listener.json: target 'a'", POLICY], [KEY], 10),
    ("wizard --answers with port 80", {"a.yaml": (b"port: 80\n", 0o600, None)},
     ["wizard", "--non-interactive", "--simulated-target", "--no-connect", "--no-remember", "--answers", "a.yaml", "--out", "out"], 1, ["a.yaml line 1", POLICY], [], 20),
    ("nics --pci-dump /dev/zero", {}, ["nics", "--pci-dump", "/dev/zero"], 1, ["larger than 16 MiB"], [], 10),
    ("inspect --hex-lines /dev/zero", {}, ["inspect", "/dev/zero", "--hex-lines", "--key", "1.1.1.1"], 1, ["/dev/zero line 1 is longer than 1 MiB"], [], 10),
    ("firewall --ruleset /dev/zero", {}, ["firewall", "--port", "50000", "--ruleset", "/dev/zero"], 1, ["larger than 16 MiB"], [], 10),
    ("wizard --answers /dev/zero", {}, ["wizard", "--non-interactive", "--answers", "/dev/zero", "--out", "out"], 1, ["larger than 1 MiB"], [], 10),
    ("nics --pci-dump of 17 MiB", {"dump": (b"0" * (17 << 20), 0o644, None)},
     ["nics", "--pci-dump", "dump"], 1, ["larger than 16 MiB"], [], 10),
    ("dbgsettings lint /dev/zero", {}, ["dbgsettings", "lint", "/dev/zero", "--skip-host-check"], 1, ["larger than 16 MiB"], [], 10),
    ("vm check --proxmox-config of random bytes", {"100.conf": (JUNK, 0o644, None)},
     ["vm", "check", "--proxmox-config", "100.conf"], 1, ["100.conf is not UTF-8", "iconv -f latin1 -t utf-8 100.conf"], ["\ufffd"], 10),
    ("vm check --proxmox-config of NUL bytes", {"100.conf": (bytes(512), 0o644, None)},
     ["vm", "check", "100", "--proxmox-config", "100.conf"], 1, ["100.conf is not a text file"], ["\ufffd"], 10),
    ("vm fix --proxmox-config in UTF-16", {"100.conf": (UTF16, 0o644, None)},
     ["vm", "fix", "--proxmox-config", "100.conf"], 1, ["iconv -f utf-16le -t utf-8 100.conf"], ["\ufffd"], 10),
    ("wizard --answers in Latin-1", {"a.yaml": (b"windows: caf\xe9\n", 0o644, None)},
     ["wizard", "--non-interactive", "--answers", "a.yaml", "--out", "out"], 1, ["iconv -f latin1 -t utf-8 a.yaml"], ["\ufffd"], 10),
    ("wizard --answers with a duplicate key", {"a.yaml": (b"port: 50001\nfamily: ipv4\nport: 50002\n", 0o644, None)},
     ["wizard", "--non-interactive", "--answers", "a.yaml", "--out", "out"], 1, ["duplicate key 'port' on line 3"], [], 10),
    ("wizard lab-service: /etc/shadow", {"a.yaml": (b"lab-service: /etc/shadow\n", 0o644, None)},
     ["wizard", "--non-interactive", "--simulated-target", "--no-connect", "--no-remember", "--answers", "a.yaml", "--out", "out"], 1, ["line 1: lab-service: /etc/shadow"], [], 20),
    ("wizard lab-service in a missing folder", {"a.yaml": (b"lab-service: /nonexistent/dir/listener.json\n", 0o644, None)},
     ["wizard", "--non-interactive", "--simulated-target", "--no-connect", "--no-remember", "--answers", "a.yaml", "--out", "out"], 1, ["does not exist, nor does its folder"], [], 20),
    ("wizard lab-service port clash", {"a.yaml": (b"port: 50994\nlab-service: listener.json\n", 0o644, None),
                                       "listener.json": (LISTENER.encode(), 0o600, None)},
     ["wizard", "--non-interactive", "--simulated-target", "--no-connect", "--no-remember", "--answers", "a.yaml", "--out", "out"], 1, ["port 50994 is already given to target a"], [], 20),
]


def run_file_case(what, files, args, want_rc, holds, lacks, seconds):
    import resource
    import time
    folder = tempfile.mkdtemp(prefix="kdnet-bad-file-")
    try:
        for name, (data, mode, owner) in files.items():
            path = os.path.join(folder, name)
            with open(path, "wb") as f:
                f.write(data)
            os.chmod(path, mode)
            if owner is not None:
                owned_by(path, owner)
        before = sorted(os.listdir(folder))
        env = dict(os.environ, NO_COLOR="1")
        env.pop("KDNETCTL_KEY", None)
        out_path, err_path = os.path.join(folder, ".out"), os.path.join(folder, ".err")
        started = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            p = subprocess.Popen([KDNETCTL] + args, cwd=folder, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
            deadline = started + seconds
            while True:
                pid, status, usage = os.wait4(p.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    p.kill()
                    os.wait4(p.pid, 0)
                    return fail("%s: did not finish in %d s" % (what, seconds))
                time.sleep(0.05)
        rc = os.waitstatus_to_exitcode(status)
        peak_mib = usage.ru_maxrss / 1024
        with open(err_path, "rb") as f:
            err = f.read().decode("utf-8", "replace")
        os.unlink(out_path); os.unlink(err_path)
        left = sorted(os.listdir(folder)) != before
        lines = err.rstrip("\n").splitlines()
        if rc != want_rc:
            return fail("%s: exit %s, wanted %d: %s" % (what, rc, want_rc, err[-400:]))
        if len(lines) != 1 or not lines[0].startswith("error: "):
            return fail("%s: wanted one error line, got: %s" % (what, err[-400:]))
        for word in holds:
            if word not in lines[0]:
                return fail("%s: the error does not say %r: %s" % (what, word, lines[0]))
        for word in lacks:
            if word in lines[0]:
                return fail("%s: the error says %r: %s" % (what, word, lines[0]))
        if left:
            return fail(what + ": files were left behind")
        if peak_mib > 200:
            return fail("%s: peaked at %d MiB" % (what, peak_mib))
        ok(what)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# Host and Origin headers the status page must refuse (DNS rebinding): each request is
# sent raw to a running `serve --http 127.0.0.1:PORT` and must get its status with a
# one-line body that holds no raw control or bidi character and none of the fleet.
# (what, Host or None for none, Origin or None, path, wanted status)
HEADER_CASES = [
    ("a rebound name", "evil.example", None, "/api/targets", 421),
    ("a rebound name with the server's port", "evil.example:{port}", None, "/", 421),
    ("a name under localhost", "localhost.evil.example", None, "/metrics", 421),
    ("a look-alike address name", "127.0.0.1.nip.io:{port}", None, "/api/targets", 421),
    ("another loopback address", "127.0.0.2:{port}", None, "/api/targets", 421),
    ("user info before the name", "user@localhost", None, "/api/targets", 421),
    # Control characters in any header are a bad request before the Host is looked at.
    ("a Host of control and bidi characters", ESC, None, "/api/targets", 400),
    ("a Host with a bidi override", "evil\u202e.example", None, "/api/targets", 421),
    ("a Host of 5000 characters", "a" * 5000, None, "/api/targets", 421),
    ("an empty Host", "", None, "/api/targets", 421),
    ("no Host on HTTP/1.1", None, None, "/api/targets", 421),
    ("a rebound name on the event stream", "evil.example", None, "/events", 421),
    ("a foreign Origin on the event stream", "127.0.0.1:{port}", "http://evil.example:{port}", "/events", 403),
    ("a null Origin on the event stream", "127.0.0.1:{port}", "null", "/events", 403),
    ("an Origin of another local port", "127.0.0.1:{port}", "http://127.0.0.1:1", "/events", 403),
    ("an Origin of control characters", "127.0.0.1:{port}", "http://" + ESC, "/events", 400),
    ("an Origin with a bidi override", "127.0.0.1:{port}", "http://evil\u202e.example", "/events", 403),
    ("the server's own name (answered)", "localhost:{port}", None, "/api/targets", 200),
]


def http_status(port, host, origin, path):
    head = "GET %s HTTP/1.1\r\n" % path
    if host is not None:
        head += "Host: %s\r\n" % host
    if origin is not None:
        head += "Origin: %s\r\n" % origin
    head += "Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(head.encode("utf-8"))
        data = b""
        while len(data) < 1 << 20:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if path == "/events" and b"\r\n\r\n" in data and not data.startswith(b"HTTP/1.1 4"):
                break
    header, _, body = data.partition(b"\r\n\r\n")
    status = int(header.split(b" ", 2)[1]) if header.startswith(b"HTTP/") else None
    return status, body.decode("utf-8", "replace")


def run_header_cases():
    folder = tempfile.mkdtemp(prefix="kdnet-hosts-")
    try:
        config = os.path.join(folder, "listener.json")
        with open(config, "w") as f:
            f.write(LISTENER.replace('"name": "a"', '"name": "lab-visible"'))
        os.chmod(config, 0o600)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = open(os.path.join(folder, "serve.log"), "w+")
        serve = subprocess.Popen([KDNETCTL, "serve", "--config", config, "--http", "127.0.0.1:%d" % port],
                                 stdout=subprocess.DEVNULL, stderr=log, cwd=folder)
        try:
            deadline = time.monotonic() + 20
            while "status on http://" not in open(log.name).read():
                if serve.poll() is not None or time.monotonic() > deadline:
                    return fail("Host cases: serve did not come up: " + open(log.name).read()[-300:])
                time.sleep(0.05)
            for what, host, origin, path, want in HEADER_CASES:
                host = host.replace("{port}", str(port)) if host is not None else None
                origin = origin.replace("{port}", str(port)) if origin is not None else None
                status, body = http_status(port, host, origin, path)
                what = "Host/Origin: " + what
                if status != want:
                    fail("%s: status %s, wanted %d: %s" % (what, status, want, body[:200]))
                elif want != 200 and (body.count("\n") != 1 or not body.endswith("\n")):
                    fail("%s: the refusal is not one line: %r" % (what, body[:300]))
                elif raw_unsafe(body):
                    fail("%s: a raw control or bidi character in the body: %r" % (what, body[:300]))
                elif want != 200 and "lab-visible" in body:
                    fail("%s: the refusal shows the fleet" % what)
                elif want == 200 and "lab-visible" not in body:
                    fail("%s: the fleet is not in the answer: %r" % (what, body[:300]))
                else:
                    ok(what)
        finally:
            serve.terminate()
            serve.wait(timeout=20)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    for case in FILE_CASES:
        run_file_case(*case)
    print("check-bad-input: %d file cases (key modes, encodings, endless inputs)" % len(FILE_CASES))
    run_header_cases()
    print("check-bad-input: %d Host and Origin cases against serve's status page" % len(HEADER_CASES))
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
            if option == "port":
                if command in PORT_REFUSING:
                    values = values + ["80"]
                elif command in PORT_WARNING:
                    judge_port_warning(command, option)
                else:
                    fail("%s --port is in neither PORT_REFUSING nor PORT_WARNING; classify it in Checks/bad_input.py" % command)
            for i, value in enumerate(values):
                judge(command, option, value, kind, json_mode=False, base_rc=base_rc)
                if i == 0:
                    judge(command, option, value if kind else ESC, kind, json_mode=True, base_rc=base_rc)
                seen += 1
    print("check-bad-input: %d values over every option of every command" % seen)
    print("check-bad-input: %d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


main()
