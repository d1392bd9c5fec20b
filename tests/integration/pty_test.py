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
import tempfile
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

    def expect_err(self, pattern, timeout=PATIENCE):
        """Waits until pattern (bytes regex) appears in what archk wrote to stderr."""
        regex = re.compile(pattern, re.S)
        end = time.time() + timeout
        while not regex.search(self.err):
            if time.time() > end:
                raise Failure("timed out waiting for %r on stderr" % pattern)
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
    s.expect(PROMPT)
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


# ---- the shell at a terminal (rootfs/sh) ----

PROMPT = rb"archk:/\$ "


def shell(a, build, *memfs_dirs):
    """The shell as the batch program; with memfs_dirs, under memfs with those writable."""
    argv = [a, build + "/tests.img", "--"]
    if memfs_dirs:
        argv += ["/tests/memfs"] + [x for d in memfs_dirs for x in ("-d", d)]
    s = Session(argv + ["/bin/sh"])
    s.expect(rb"archk shell: ")
    s.expect(PROMPT)
    return s


def run(s, line, output):
    """Types line and Enter; waits for output (a regex), then for the next prompt."""
    s.send(line + b"\r")
    s.expect(output)
    s.expect(PROMPT)


def leave(s, status=0):
    s.send(b"exit %d\r" % status)
    check(s.wait() == status, "status %s" % s.proc.returncode)
    s.check_restored()


def editing(a, build):
    s = shell(a, build)
    run(s, b"echo wrld\x1b[D\x1b[D\x1b[Do", rb"\r+\nworld\r+\n")
    run(s, b"cho abc\x01e\x05 def", rb"\r+\nabc def\r+\n")  # Ctrl-A, Ctrl-E
    run(s, b"echo keep drop\x17\x17keep2", rb"\r+\nkeep2\r+\n")  # Ctrl-W twice
    run(s, b"junk\x15echo after", rb"\r+\nafter\r+\n")  # Ctrl-U
    run(s, b"echo a b c\x1bb\x1bb\x0b", rb"\r+\na\r+\n")  # Alt-b twice, Ctrl-K
    run(s, b"cho x\x1b[He\x1b[F!\x1b[1~\x1b[3~e", rb"\r+\nx!\r+\n")  # Home, End, Delete
    run(s, b"echo 12\x7f\x7f34\x1bOH\x1bOF5", rb"\r+\n345\r+\n")  # Backspace, SS3 Home/End
    leave(s)


def long_line(a, build):
    """A line three rows long: editing in its first row redraws all of it right."""
    s = shell(a, build)
    words = b" ".join(b"w%02d" % i for i in range(40))  # 159 bytes
    s.send(b"echo " + words)
    s.send(b"\x1b[D" * 150 + b"ZZ")
    s.send(b"\r")
    s.expect(rb"\r+\nw00 w01 wZZ02")
    s.expect(rb"w39\r+\n")
    s.expect(PROMPT)
    leave(s)


def history(a, build):
    s = shell(a, build)
    run(s, b"echo first", rb"\r+\nfirst\r+\n")
    run(s, b"echo second", rb"\r+\nsecond\r+\n")
    run(s, b"\x1b[A\x1b[A", rb"\r+\nfirst\r+\n")
    run(s, b"echo new\x1b[A\x1b[B", rb"\r+\nnew\r+\n")
    run(s, b"\x10\x10\x10\x0e", rb"\r+\nfirst\r+\n")  # Ctrl-P 3 times (new, first, second), Ctrl-N
    leave(s)


def history_file(a, build):
    """With a writable /home (memfs) the history is kept in /home/.sh_history."""
    s = shell(a, build, "/home")
    run(s, b"echo kept", rb"\r+\nkept\r+\n")
    run(s, b"cat /home/.sh_history", rb"\r+\necho kept\r+\ncat /home/.sh_history\r+\n")
    leave(s)


def history_home(a, build):
    """With --home the history outlives archk: at the next boot Up recalls the last line."""
    with tempfile.TemporaryDirectory() as d:
        argv = [a, "--home", d + "/home.img", build + "/tests.img", "--", "/bin/sh"]
        for boot in (1, 2):
            s = Session(argv)
            s.expect(rb"archk shell: ")
            s.expect(PROMPT)
            if boot == 1:
                run(s, b"echo kept across boots", rb"\r+\nkept across boots\r+\n")
            else:
                # Up recalls "exit 0", the last line; Up again the one before it.
                run(s, b"\x1b[A\x1b[A", rb"echo kept across boots.*\r+\nkept across boots\r+\n")
            leave(s)


def ctrl_c(a, build):
    """Ctrl-C ends the program in the foreground, not the shell and not archk."""
    s = shell(a, build)
    s.send(b"sleep 100\r")
    time.sleep(0.3)
    s.send(b"\x03")
    s.expect_err(rb"sh: sleep: interrupted \(status 130\)")
    s.expect(PROMPT)
    run(s, b"echo $?", rb"\r+\n130\r+\n")
    # The Ctrl-C that ended sleep is not taken for one at the prompt.
    check(b"^C" not in s.screen, "the Ctrl-C byte came back at the prompt")
    s.send(b"abc\x03")
    s.expect(rb"abc\^C\r+\n")
    s.expect(PROMPT)
    run(s, b"echo alive", rb"\r+\nalive\r+\n")
    # Ctrl-C while several programs run: all of them end.
    s.send(b"sleep 100 | sleep 100\r")
    time.sleep(0.3)
    s.send(b"\x03")
    s.expect(PROMPT)
    leave(s)


def pipes_and_redirections(a, build):
    s = shell(a, build, "/tmp")
    run(s, b"echo hi | cat | cat", rb"\r+\nhi\r+\n")
    run(s, b"echo saved > /tmp/a", rb"\r+\n")
    run(s, b"echo more >> /tmp/a", rb"\r+\n")
    run(s, b"cat < /tmp/a", rb"\r+\nsaved\r+\nmore\r+\n")
    leave(s)


def jobs(a, build):
    s = shell(a, build)
    s.send(b"sleep 0.5 &\r")
    s.expect_err(rb"\[1\] \d+\n")
    s.expect(PROMPT)
    run(s, b"jobs", rb"\[1\]\+ Running +sleep 0.5")
    time.sleep(0.8)
    s.send(b"\r")
    s.expect_err(rb"\[1\]\+ Done +sleep 0.5")
    s.expect(PROMPT)
    s.send(b"sleep 100 &\r")
    s.expect_err(rb"\[1\] \d+\n")
    s.expect(PROMPT)
    s.send(b"fg\r")
    s.expect(rb"sleep 100\r+\n")
    time.sleep(0.3)
    s.send(b"\x03")  # fg put it in the foreground: Ctrl-C ends it
    s.expect_err(rb"sleep: interrupted")
    s.expect(PROMPT)
    leave(s)


def completion(a, build):
    s = shell(a, build, "/tmp")
    run(s, b"echo a > /tmp/alpha", rb"\r+\n")
    run(s, b"echo b > /tmp/beta", rb"\r+\n")
    run(s, b"cat /tmp/al\t", rb"cat /tmp/alpha \r+\na\r+\n")
    s.send(b"cat /tmp/\t")  # two names: listed under the line, which comes back
    s.expect(rb"alpha/?\s+beta")
    s.expect(rb"archk:/\$ cat /tmp/")
    s.send(b"\x15")
    s.send(b"exp\tQ=1\r")  # a builtin's name
    s.expect(rb"export Q=1")
    s.expect(PROMPT)
    run(s, b"echo $Q", rb"\r+\n1\r+\n")
    leave(s)


def ctrl_d(a, build):
    s = shell(a, build)
    run(s, b"false", rb"\r+\n")
    s.send(b"\x04")
    check(s.wait() == 1, "status %s after Ctrl-D" % s.proc.returncode)
    s.check_restored()


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
    "editing": editing,
    "long_line": long_line,
    "history": history,
    "history_file": history_file,
    "history_home": history_home,
    "ctrl_c": ctrl_c,
    "pipes_and_redirections": pipes_and_redirections,
    "jobs": jobs,
    "completion": completion,
    "ctrl_d": ctrl_d,
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
