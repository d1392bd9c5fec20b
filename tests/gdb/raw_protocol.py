#!/usr/bin/env python3
"""Drives archk's gdb server with raw protocol bytes, including hostile ones.

Usage: raw_protocol.py ARCHK IMAGE

Checks, each printed as it passes: bad checksums and oversized packets get
'-'; unknown packets get an empty reply; memory outside the process gets E14;
the initial stop is T05; Ctrl-C (0x03) interrupts a running process with T02;
kill ends it (archk exits 137); a client that disconnects while the process
is stopped detaches, and the process runs on to its normal exit.
"""
import socket
import subprocess
import sys
import time

ARCHK, IMAGE = sys.argv[1], sys.argv[2]
PACKET_MAX = 16384


def checksum(payload):
    return sum(payload) & 0xFF


def frame(payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return b"$" + payload + b"#%02x" % checksum(payload)


class Session:
    """archk with --gdb on a free loopback port, and a connected client."""

    def __init__(self, program):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.archk = subprocess.Popen(
            [ARCHK, "--gdb", "127.0.0.1:%d" % self.port, IMAGE, "--"] + program,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                break
            except ConnectionRefusedError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        self.buffer = b""

    def read_byte(self):
        while not self.buffer:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("archk closed the connection")
            self.buffer += data
        byte, self.buffer = self.buffer[:1], self.buffer[1:]
        return byte

    def reply(self):
        """The next packet's payload (acks before it are skipped)."""
        while self.read_byte() != b"$":
            pass
        payload = b""
        while True:
            byte = self.read_byte()
            if byte == b"#":
                sent = int(self.read_byte() + self.read_byte(), 16)
                assert sent == checksum(payload), "bad checksum from archk"
                self.sock.sendall(b"+")
                return payload.decode()
            payload += byte

    def ask(self, payload):
        self.sock.sendall(frame(payload))
        return self.reply()

    def expect_ack(self, raw, want):
        self.sock.sendall(raw)
        got = self.read_byte()
        assert got == want, "sent %r..., got %r instead of %r" % (raw[:20], got, want)

    def finish(self):
        out, _ = self.archk.communicate(timeout=20)
        return self.archk.returncode, out.decode(errors="replace")


def check(what, condition, detail=""):
    if not condition:
        print("FAIL: %s %s" % (what, detail))
        sys.exit(1)
    print("ok: %s" % what)


def hostile_then_interrupt_then_kill():
    s = Session(["/gdbtest/debuggee", "spin"])
    s.sock.sendall(b"garbage before any packet")
    s.expect_ack(b"$?#00", b"-")
    check("bad checksum gets '-'", True)
    s.expect_ack(b"$" + b"m" * (PACKET_MAX + 100) + b"#00", b"-")
    check("oversized packet gets '-'", True)
    stop = s.ask("?")
    check("initial stop before the first instruction is T05", stop.startswith("T05"), stop)
    check("unknown packet gets an empty reply", s.ask("qArchkNoSuchThing") == "")
    check("memory outside the process gets E14", s.ask("m0,10") == "E14")
    check("memory write outside the process gets E14", s.ask("M10,2:abcd") == "E14")
    check("malformed packet gets an error", s.ask("mzz").startswith("E"))
    regs = s.ask("g")
    check("registers come back whole", len(regs) > 1000 and all(c in "0123456789abcdef" for c in regs),
          "(%d chars)" % len(regs))
    s.sock.sendall(frame("vCont;c"))
    time.sleep(0.3)
    s.sock.sendall(b"\x03")
    stop = s.reply()
    check("Ctrl-C stops the running process with T02", stop.startswith("T02"), stop)
    s.sock.sendall(frame("k"))
    status, out = s.finish()
    check("kill ends it: archk exits 137", status == 137, "(status %d) %s" % (status, out))


def disconnect_detaches():
    s = Session(["/gdbtest/debuggee"])
    check("second session stops at T05", s.ask("?").startswith("T05"))
    s.sock.close()
    status, out = s.finish()
    check("after a disconnect the process runs on to its normal exit",
          status == 0 and "value=42" in out, "(status %d) %s" % (status, out))


hostile_then_interrupt_then_kill()
disconnect_detaches()
print("raw_protocol: all passed")
