#!/usr/bin/env python3
"""Drives archk on a pseudo-terminal the way a person at a keyboard would.

Usage: pty_test.py SCENARIO ARCHK BUILD_DIR

Each scenario starts archk with a pty as its stdin and stdout (stderr goes to
a pipe, so what archk says there can be checked apart), types keys, waits for
what should appear, and checks archk's exit status and that the terminal has
its settings back afterwards. The harness answers the cursor position query
(ESC [ 6 n) as a terminal 80 columns wide would, since the shell's line
editor asks it for the width. Every wait has a deadline; a scenario fails
with the screen so far and archk's stderr.
"""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

COLUMNS = 80
PATIENCE = 10.0  # seconds any one expected thing may take
SESSIONS = []  # every session started, shown when a scenario fails


class Failure(Exception):
    pass


class Session:
    """archk on a fresh pty; the screen is everything it wrote, escapes included."""

    def __init__(self, argv, columns=COLUMNS):
        self.master, self.slave = os.openpty()
        self.columns = columns
        self.resize(columns, 24)
        self.before = termios.tcgetattr(self.slave)
        self.screen = b""
        self.seen = 0  # expect() looks after this offset
        self.proc = subprocess.Popen(argv, stdin=self.slave, stdout=self.slave,
                                     stderr=subprocess.PIPE, start_new_session=True)
        os.set_blocking(self.proc.stderr.fileno(), False)
        self.err = b""
        SESSIONS.append(self)

    def resize(self, columns, rows):
        self.columns = columns
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def pump(self, timeout):
        """Reads what archk wrote within timeout; answers cursor position queries."""
        ready, _, _ = select.select([self.master, self.proc.stderr], [], [], timeout)
        if self.proc.stderr in ready:
            chunk = self.proc.stderr.read()
            self.err += chunk or b""
        if self.master in ready:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                chunk = b""
            queries = chunk.count(b"\x1b[6n")
            self.screen += chunk
            for _ in range(queries):
                os.write(self.master, b"\x1b[1;%dR" % self.columns)
            return bool(chunk)
        return False

    def expect(self, pattern, timeout=PATIENCE):
        """Waits until pattern (bytes regex) appears after what earlier expects matched."""
        regex = re.compile(pattern, re.S)
        end = time.time() + timeout
        while True:
            m = regex.search(self.screen, self.seen)
            if m:
                self.seen = m.end()
                return m
            if time.time() > end:
                raise Failure("timed out waiting for %r" % pattern)
            self.pump(0.05)

    def settle(self, quiet=0.3):
        """Reads until archk has been silent for quiet seconds."""
        while self.pump(quiet):
            pass

    def send(self, keys, pause=0.0):
        os.write(self.master, keys)
        if pause:
            time.sleep(pause)

    def wait(self, timeout=PATIENCE):
        end = time.time() + timeout
        while self.proc.poll() is None:
            if time.time() > end:
                self.proc.kill()
                raise Failure("archk did not exit")
            self.pump(0.05)
        self.settle(0.1)
        return self.proc.returncode

    def termios_now(self):
        return termios.tcgetattr(self.slave)

    def check_restored(self):
        """The terminal has the settings it had before archk, as stty -a also says."""
        if self.termios_now() != self.before:
            raise Failure("terminal settings not restored")
        stty = subprocess.run(["stty", "-a"], stdin=self.slave, capture_output=True, text=True)
        for flag in ("icanon", "echo", "isig", "icrnl"):
            if not re.search(r"(^|\s)%s(\s|$)" % flag, stty.stdout):
                raise Failure("stty -a lacks %s after archk:\n%s" % (flag, stty.stdout))

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


def check(cond, what):
    if not cond:
        raise Failure(what)


def check_raw(s):
    """While archk runs, its terminal is raw with ISIG off, output processing on."""
    iflag, oflag, cflag, lflag = s.termios_now()[:4]
    check(not lflag & (termios.ICANON | termios.ECHO | termios.ISIG), "terminal not raw")
    check(oflag & termios.OPOST, "output processing turned off")
    check(iflag & termios.ICRNL, "Enter is not newline")


# ---- the terminal (host/terminal.c, kernel/console.c) ----

def ctrl_a_x(a, build):
    s = Session([a, build + "/rootfs.img"])
    s.expect(rb"init started \(process \d+\); type Ctrl-a x to end archk")
    s.expect(rb"init: the system is up")
    check_raw(s)
    s.send(b"\x01x")
    check(s.wait() == 130, "Ctrl-a x: status %s" % s.proc.returncode)
    check(b"ended from the keyboard (Ctrl-a x)" in s.err, "no message on stderr")
    s.check_restored()


def keys(a, build):
    """Ctrl-C raises USER0 while nobody reads and is byte 3 in the input; Ctrl-a escapes."""
    s = Session([a, build + "/tests.img", "--", "/tests/conf_console", "keys"])
    s.expect(rb"ready")
    s.send(b"\x03")
    s.expect(rb"interrupted")
    s.expect(rb"key 03")
    s.send(b"a\r")
    s.expect(rb"key 61\r\nkey 0a")  # Enter is a newline
    s.send(b"\x01\x01")
    s.expect(rb"key 01")
    s.send(b"\x01b")
    s.expect(rb"key 01\r\nkey 62")
    s.send(b"q")
    check(s.wait() == 0, "status %s" % s.proc.returncode)
    s.check_restored()


def meta(a, build):
    s = Session([a, build + "/tests.img", "--", "/tests/conf_console", "terminal"])
    s.expect(rb"conf_console: \d+ passed, 0 failed")
    check(s.wait() == 0, "status %s" % s.proc.returncode)
    s.check_restored()


def fatal_signal(sig):
    def scenario(a, build):
        s = Session([a, build + "/rootfs.img"])
        s.expect(rb"init: the system is up")
        check_raw(s)
        s.proc.send_signal(sig)
        check(s.wait() == -sig, "status %s, not killed by signal %d" % (s.proc.returncode, sig))
        s.check_restored()
    return scenario


def host_fault(a, build):
    s = Session([a, "--debug-host-fault", "segv", build + "/rootfs.img"])
    check(s.wait() == 70, "status %s" % s.proc.returncode)
    check(b"internal error" in s.err, "no diagnostic")
    s.check_restored()


def resize(a, build):
    """A window size change in the middle of a line breaks nothing."""
    s = Session([a, build + "/rootfs.img"])
    s.expect(rb"archk:/\$ ")
    s.send(b"echo one")
    s.resize(40, 10)
    os.killpg(s.proc.pid, signal.SIGWINCH)
    s.send(b" two\r")
    s.expect(rb"\r\none two\r\n")
    s.send(b"exit 4\r")
    check(s.wait() == 4, "status %s" % s.proc.returncode)
    s.check_restored()


def not_a_terminal(a, build):
    """With stdin a pipe, SIGINT ends archk as it always did, bytes pass unchanged."""
    p = subprocess.Popen([a, build + "/tests.img", "--", "/bin/cat"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(b"\x01x\x03\n")
    p.stdin.flush()
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=PATIENCE)
    check(p.returncode == -signal.SIGINT, "status %s" % p.returncode)
    check(out == b"\x01x\x03\n", "bytes changed: %r" % out)


SCENARIOS = {
    "ctrl_a_x": ctrl_a_x,
    "keys": keys,
    "meta": meta,
    "sigterm": fatal_signal(signal.SIGTERM),
    "sighup": fatal_signal(signal.SIGHUP),
    "sigint": fatal_signal(signal.SIGINT),
    "host_fault": host_fault,
    "resize": resize,
    "not_a_terminal": not_a_terminal,
}


def main():
    name, archk, build = sys.argv[1:4]
    status = 0
    try:
        SCENARIOS[name](archk, build)
        print("ok: %s" % name)
    except Failure as f:
        print("FAIL: %s: %s" % (name, f))
        for s in SESSIONS:
            s.settle(0.1)
            print("--- screen\n%s\n--- stderr\n%s" % (s.screen.decode(errors="replace"),
                                                    s.err.decode(errors="replace")))
        status = 1
    for s in SESSIONS:
        s.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
