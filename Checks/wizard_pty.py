#!/usr/bin/env python3
"""Drives `kdnetctl wizard` through a pseudo-terminal as a person would: waits for each
question on the screen, types answers, arrow keys, Enter and Ctrl-C, and checks what the
screen says and which files were written. Prints `ok ...` / `FAIL ...` lines for
check-wizard.sh to count.

usage: wizard_pty.py KDNETCTL WORKDIR
"""
from check_report import finish, report
import fcntl, os, re, select, signal, stat, struct, subprocess, sys, termios, time

KDNETCTL, WORK = sys.argv[1], sys.argv[2]
UP, DOWN, ENTER, CTRL_C, CTRL_U = "\x1b[A", "\x1b[B", "\r", "\x03", "\x15"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Session:
    """One wizard run on a pseudo-terminal 120 columns wide."""

    def __init__(self, args, cwd):
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        env = dict(os.environ, TERM="xterm-256color")
        env.pop("NO_COLOR", None)
        self.proc = subprocess.Popen([KDNETCTL, "wizard"] + args, stdin=self.slave, stdout=self.slave,
                                     stderr=self.slave, cwd=cwd, env=env, start_new_session=True)
        self.raw = b""
        self.mark = 0

    @property
    def screen(self):
        return ANSI.sub("", self.raw.decode("utf-8", "replace")).replace("\r", "")

    def pump(self, wait):
        r, _, _ = select.select([self.master], [], [], wait)
        if r:
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return False
            self.raw += data
            return bool(data)
        return False

    def expect(self, needle, timeout=20):
        """Waits until `needle` shows after the last thing expected; returns whether it did."""
        end = time.time() + timeout
        while time.time() < end:
            i = self.screen.find(needle, self.mark)
            if i >= 0:
                self.mark = i + len(needle)
                return True
            if not self.pump(0.2) and self.proc.poll() is not None:
                self.pump(0.1)
                break
        i = self.screen.find(needle, self.mark)
        if i >= 0:
            self.mark = i + len(needle)
            return True
        report(False, f"screen never showed {needle!r}; last screen:\n" + self.screen[-1500:])
        return False

    def type(self, keys, pause=0.15):
        for k in keys:
            os.write(self.master, k.encode())
            time.sleep(pause)
            self.pump(0)

    def finish(self, timeout=60):
        end = time.time() + timeout
        while self.proc.poll() is None and time.time() < end:
            self.pump(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
        while self.pump(0.1):
            pass
        return self.proc.wait()

    def terminal_restored(self):
        attrs = termios.tcgetattr(self.slave)
        return bool(attrs[3] & termios.ECHO) and bool(attrs[3] & termios.ICANON) and bool(attrs[3] & termios.ISIG)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


# 1. A whole run by keyboard: arrow keys, a refused address and port, ids typed, Enter for defaults.
out = os.path.join(WORK, "pty-run")
s = Session(["--simulated-target", "--out", out, "--timeout", "15"], WORK)
ok = s.expect("Step 2/10: The host") and s.expect("Where will the debugger run?") and s.expect("Here, with kdnetctl")
report(ok, "step 2 shows the debugger question with its choices")
s.type([ENTER])
report(s.expect("✔ Here, with kdnetctl's integrated listener"), "Enter takes the default choice")
s.expect("IPv4 or IPv6?"); s.type([ENTER])
s.expect("The host's address the target sends to")
report("Type another" in s.screen, "the address list offers to type another")
s.type([UP, ENTER])  # Up from the first choice wraps to "Type another…"
s.expect("The host's address the target sends to")
s.type(list("300.1.1.1") + [ENTER])
report(s.expect("is not an IPv4 or IPv6 address"), "a malformed address is refused with the reason")
s.type([UP, ENTER] + list("127.0.0.1") + [ENTER])
report(s.expect("host address: 127.0.0.1 (hostip)"), "the typed loopback address is taken for the simulated target")
s.expect("Step 3/10: The port"); s.expect("UDP port for this target")
s.type(list("80") + [ENTER])
report(s.expect("port 80 is outside 49152-65535"), "an out-of-range port is refused with the range")
s.type(list("5000x") + ["\x7f"] + list("7") + [ENTER])
report(s.expect("port: 50007"), "Backspace edits the typed port")
s.expect("Which Windows does the target run?")
s.type([DOWN, ENTER])
report(s.expect("✔ Windows 11 23H2"), "Down arrow moves the choice")
s.expect("How should the target's NIC be found?")
s.type([DOWN, DOWN, ENTER])  # the default is the last choice (skip): Down wraps to the first
s.expect("Device ids (comma-separated)")
s.type([ENTER])
report(s.expect("an answer is needed"), "Enter with no default asks for an answer")
s.type(list("8086:15b8") + [ENTER])
s.expect("Which NIC will carry the debugger?"); s.type([ENTER])
s.expect("busparams (b.d.f"); s.type(list("0.31.6") + [ENTER])
report(s.expect("busparams: 0.31.6"), "the NIC step shows the busparams typed")
report(s.expect("Secure Boot") and s.expect("Ready to generate the key"), "precautions are shown before going on")
s.type([ENTER])
report(s.expect("Step 7/10") and s.expect("kdnet-target.cmd  0600"), "the result step lists the files with mode 0600")
s.expect("Step 9/10: The connection"); s.expect("Start the listener"); s.type([ENTER])
report(s.expect("Step 10/10: Summary") and s.expect("to turn debugging off"), "the summary says how to turn debugging off")
code = s.finish()
report("connected: the target sent from 127.0.0.2:50007" in s.screen and "Windows build 26100, x64" in s.screen,
       "the simulated target connects and its build and architecture are shown")
report(code == 0, f"a connected run exits 0 (got {code})")
cmd = os.path.join(out, "kdnet-target.cmd")
report(os.path.exists(cmd) and "hostip:127.0.0.1 port:50007" in open(cmd).read() and "busparams 0.31.6" in open(cmd).read(),
       "the script holds the answers typed")
report(all(mode(os.path.join(out, f)) == 0o600 for f in os.listdir(out)), "every file written is mode 0600")
report(mode(out) == 0o700, "the folder is mode 0700")
report(s.terminal_restored(), "the terminal is back in cooked mode after the run")

# 2. Ctrl-C at the port question: exit 130, nothing written, terminal restored.
out2 = os.path.join(WORK, "pty-cancel")
s = Session(["--simulated-target", "--out", out2], WORK)
s.expect("Where will the debugger run?"); s.type([ENTER])
s.expect("IPv4 or IPv6?"); s.type([ENTER])
s.expect("The host's address"); s.type([ENTER])
s.expect("UDP port for this target"); s.type(list("500"), pause=0.05); s.type([CTRL_C])
code = s.finish(10)
report(code == 130, f"Ctrl-C exits 130 (got {code})")
report("nothing was written" in s.screen, "Ctrl-C says nothing was written")
report(not os.path.exists(out2), "Ctrl-C leaves no output folder")
report(s.terminal_restored(), "Ctrl-C restores the terminal")

# 3. Ctrl-C inside an arrow-key list, after the answers that matter.
s = Session(["--simulated-target", "--out", out2, "--port", "50003", "--windows", "10 22H2", "--nic-source", "skip"], WORK)
s.expect("Where will the debugger run?"); s.type([ENTER])
s.expect("IPv4 or IPv6?"); s.type([ENTER])
s.expect("The host's address"); s.type([ENTER])
s.expect("Ready to generate the key"); s.type([DOWN, CTRL_C])
code = s.finish(10)
report(code == 130 and not os.path.exists(out2), "Ctrl-C in a list at step 4 exits 130 with nothing written")
report("UDP port for this target" not in s.screen, "answers given as flags are not asked")

finish()
