#!/usr/bin/env python3
"""Networking seen from the host: httpd reached with curl and with hostile
clients, and netfw deciding what a guest may do (docs/abi.md 18.15, 18.16).

Usage: net_http.py MODE ARCHK IMAGE PORT [INIT_CONF]
  curl       httpd in IMAGE (the default image: init starts the net driver)
             answers curl: status codes, bodies, HEAD, keep-alive; INIT_CONF
             is the source of /etc/init.conf, to compare a file's bytes
  malformed  httpd answers a corpus of bad requests with 400 (405, 408) while
             a good keep-alive connection goes on being served, and archk
             stays up
  fw-connect netfw (IMAGE a bare test image: netrun starts the driver) lets a
             guest client connect where its rules allow, refuses the rest
             with ACCESS_DENIED, logs each decision
  fw-curl    curl reaches httpd behind netfw on an allowed port, not on a
             refused one
PORT is the first of a few free ports (with_ports.sh). Exit 0 if every
check passed; each failure is one line.
"""
import os
import socket
import subprocess
import sys
import threading
import time

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print("FAIL:", what, flush=True)


class Archk:
    """archk running a batch job; its output lines are collected as they come."""

    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.out, self.err = [], []
        self.threads = [threading.Thread(target=self._collect, args=(f, lines), daemon=True)
                        for f, lines in ((self.proc.stdout, self.out),
                                         (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _collect(f, lines):
        for line in f:
            lines.append(line.rstrip("\n"))

    def wait_for(self, text, seconds=15):
        """Waits until a line of stdout contains text; False if it never comes."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if any(text in line for line in self.out):
                return True
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        return any(text in line for line in self.out)

    def finish(self, seconds=15):
        """Waits for archk to exit by itself; its status (None if it had to be killed)."""
        try:
            status = self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            status = None
            self.proc.kill()
            self.proc.wait()
        for t in self.threads:
            t.join(5)
        return status

    def stop(self):
        """Kills archk (a server runs until killed) after checking it still runs."""
        alive = self.proc.poll() is None
        self.proc.kill()
        self.proc.wait()
        for t in self.threads:
            t.join(5)
        return alive


def curl(*args):
    """curl's exit status, stdout (bytes) and stderr (text)."""
    r = subprocess.run(["curl", "-sS", "--max-time", "5", *args], capture_output=True)
    return r.returncode, r.stdout, r.stderr.decode(errors="replace")


def start_httpd(archk, image, port, *extra):
    a = Archk([archk, f"--net-listen=127.0.0.1:{port}", image, "--", "/bin/httpd", "-a",
               "127.0.0.1", "-p", str(port), *extra])
    if not a.wait_for(f"httpd: listening on 127.0.0.1:{port}"):
        print("httpd did not start:", a.out, a.err)
        a.stop()
        sys.exit(1)
    return a


# ---- curl ----

def mode_curl(archk, image, port, init_conf):
    a = start_httpd(archk, image, port)
    url = f"http://127.0.0.1:{port}"
    conf = open(init_conf, "rb").read()

    rc, body, _ = curl("-D", "-", f"{url}/hello")
    head, _, body = body.partition(b"\r\n\r\n")
    check(rc == 0 and head.startswith(b"HTTP/1.1 200 OK") and body == b"Hello, world!\n",
          f"GET /hello: {rc} {head!r} {body!r}")
    check(b"Content-Length: 14" in head, f"GET /hello Content-Length: {head!r}")

    rc, body, _ = curl("-w", "%{http_code}", f"{url}/etc/init.conf")
    check(rc == 0 and body == conf + b"200", f"GET /etc/init.conf: {rc}, {len(body)} bytes")

    rc, out, _ = curl("-I", f"{url}/etc/init.conf")
    check(rc == 0 and out.startswith(b"HTTP/1.1 200 OK") and
          f"Content-Length: {len(conf)}\r\n".encode() in out and out.endswith(b"\r\n\r\n"),
          f"HEAD /etc/init.conf: {rc} {out!r}")

    for path, want in (("/nope", "404"), ("/bin", "404"), ("/etc/init.conf%zz", "400")):
        rc, out, _ = curl("-o", "/dev/null", "-w", "%{http_code}", "--path-as-is", url + path)
        check(rc == 0 and out == want.encode(), f"GET {path}: {rc} {out!r}, want {want}")
    rc, out, _ = curl("-o", "/dev/null", "-w", "%{http_code}", "--path-as-is",
                      f"{url}/../etc/init.conf")
    check(rc == 0 and out == b"400", f"GET /../etc/init.conf: {rc} {out!r}")
    rc, out, _ = curl("-X", "POST", "-D", "-", "-o", "/dev/null", f"{url}/hello")
    check(rc == 0 and out.startswith(b"HTTP/1.1 405") and b"Allow: GET, HEAD" in out,
          f"POST /hello: {rc} {out!r}")

    # Keep-alive: two URLs on one connection, both answered in full.
    rc, out, err = curl("-v", f"{url}/hello", f"{url}/etc/init.conf")
    check(rc == 0 and out == b"Hello, world!\n" + conf, f"two URLs: {rc}, {len(out)} bytes")
    check("Re-using existing connection" in err and err.count("Connected to") == 1,
          "two URLs: the connection was not kept alive")
    # HTTP/1.0 closes unless asked to keep alive.
    rc, out, _ = curl("-0", "-D", "-", "-o", "/dev/null", f"{url}/hello")
    check(rc == 0 and b"Connection: close" in out, f"HTTP/1.0: {out!r}")
    check(a.stop(), "archk ended while serving")


# ---- malformed requests ----

def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_all(s):
    """Everything until the server closes (or 10 s pass)."""
    data = b""
    try:
        while chunk := s.recv(65536):
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def status_of(response):
    line = response.split(b"\r\n", 1)[0].split(b" ")
    return int(line[1]) if len(line) > 1 and line[1].isdigit() else None


def send_then_read(port, *pieces, gap=0.0, shut=False):
    """Sends the pieces (gap seconds apart), optionally ends its side, reads the answer."""
    s = connect(port)
    try:
        for p in pieces:
            s.sendall(p)
            time.sleep(gap)
        if shut:
            s.shutdown(socket.SHUT_WR)
        return read_all(s)
    except (BrokenPipeError, ConnectionResetError) as e:
        return f"{e}".encode()
    finally:
        s.close()


class Good:
    """A keep-alive connection that asks for /hello again and again."""
    GET = b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"

    def __init__(self, port):
        self.s = connect(port)
        self.buf = b""
        self.count = 0

    def ask(self, what):
        self.s.sendall(self.GET)
        while b"Hello, world!\n" not in self.buf:
            try:
                chunk = self.s.recv(4096)
            except (socket.timeout, ConnectionResetError):
                chunk = b""
            if not chunk:
                check(False, f"good connection ended after {self.count} answers ({what})")
                return
            self.buf += chunk
        ok = self.buf.startswith(b"HTTP/1.1 200 OK\r\n")
        check(ok, f"good connection ({what}): {self.buf[:40]!r}")
        self.buf = self.buf[self.buf.index(b"Hello, world!\n") + 14:]
        self.count += 1


CORPUS = [
    # (name, pieces, want, shut)
    ("truncated head", [b"GET /hello HTTP/1.1\r\nHost: t\r\n"], 400, True),
    ("truncated request line", [b"GET /hel"], 400, True),
    ("bare LF", [b"GET /hello HTTP/1.1\nHost: t\n\n"], 400, False),
    ("bare CR", [b"GET /hello HTTP/1.1\rHost: t\r\n\r\n"], 400, False),
    ("no version", [b"GET /hello\r\nHost: t\r\n\r\n"], 400, False),
    ("HTTP/2.0", [b"GET /hello HTTP/2.0\r\nHost: t\r\n\r\n"], 400, False),
    ("no Host", [b"GET /hello HTTP/1.1\r\n\r\n"], 400, False),
    ("bad method token", [b"G(T /hello HTTP/1.1\r\nHost: t\r\n\r\n"], 400, False),
    ("method BREW", [b"BREW /hello HTTP/1.1\r\nHost: t\r\n\r\n"], 405, False),
    ("method DELETE", [b"DELETE /hello HTTP/1.1\r\nHost: t\r\n\r\n"], 405, False),
    ("relative target", [b"GET hello HTTP/1.1\r\nHost: t\r\n\r\n"], 400, False),
    ("bad escape", [b"GET /%4 HTTP/1.1\r\nHost: t\r\n\r\n"], 400, False),
    ("NUL in target", [b"GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n"], 400, False),
    ("dot-dot", [b"GET /etc/../../x HTTP/1.1\r\nHost: t\r\n\r\n"], 400, False),
    ("header without colon", [b"GET /hello HTTP/1.1\r\nHost: t\r\nOops\r\n\r\n"], 400, False),
    ("space before colon", [b"GET /hello HTTP/1.1\r\nHost : t\r\n\r\n"], 400, False),
    ("a body", [b"POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"], 400,
     False),
    ("chunked", [b"GET /hello HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"],
     400, False),
    ("huge header", [b"GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"],
     400, False),
    ("many headers", [b"GET /hello HTTP/1.1\r\nHost: t\r\n" + b"X-A: b\r\n" * 3000 + b"\r\n"],
     400, False),
    ("binary", [bytes(range(256)) * 4], 400, False),
]


def never_reads(port, stop):
    """A client that sends many pipelined requests and never reads an answer."""
    s = connect(port)
    s.settimeout(0.2)
    sent = 0
    req = Good.GET * 64
    while not stop.is_set() and sent < 4 << 20:
        try:
            sent += s.send(req)
        except socket.timeout:
            time.sleep(0.05)
        except OSError:
            break
    stop.wait()
    s.close()


def mode_malformed(archk, image, port):
    a = start_httpd(archk, image, port, "-t", "1")
    good = Good(port)
    good.ask("first")
    stop = threading.Event()
    hog = threading.Thread(target=never_reads, args=(port, stop))
    hog.start()
    idle = [connect(port) for _ in range(40)]  # connected, never send a byte
    slowloris = connect(port)
    slowloris.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\n")
    for name, pieces, want, shut in CORPUS:
        got = send_then_read(port, *pieces, shut=shut)
        check(status_of(got) == want and b"Connection: close" in got,
              f"{name}: {got[:60]!r}, want {want}")
        good.ask(name)
    # A slow sender within the time limit is served; one that stalls gets 408.
    slow = send_then_read(port, *[bytes([c]) for c in Good.GET[:-2]], b"Connection: close\r\n\r\n",
                          gap=0.01)
    check(status_of(slow) == 200 and slow.endswith(b"Hello, world!\n"),
          f"slow sender: {slow[:60]!r}")
    got = read_all(slowloris)
    check(status_of(got) == 408, f"stalled head: {got[:60]!r}, want 408")
    # Pipelined requests on one connection: answered in order, the last closes.
    got = send_then_read(port, Good.GET * 3 + b"GET /nope HTTP/1.1\r\nHost: t\r\n"
                         b"Connection: close\r\n\r\n")
    check(got.count(b"200 OK") == 3 and got.count(b"HTTP/1.1 404 Not Found") == 1,
          f"pipelined: {got.count(b'200 OK')} 200s")
    good.ask("after the corpus")
    stop.set()
    hog.join()
    for s in idle + [slowloris]:
        s.close()
    good.ask("after the hostile clients left")
    rc, body, _ = curl(f"http://127.0.0.1:{port}/hello")
    check(rc == 0 and body == b"Hello, world!\n", f"curl afterwards: {rc} {body!r}")
    check(a.stop(), "archk ended while serving")


# ---- netfw ----

def listener(port, got):
    """A host server on port that records what each connection sends."""
    srv = socket.create_server(("127.0.0.1", port))

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            c.settimeout(5)
            got.append(read_all(c))
            c.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv


def mode_fw_connect(archk, image, port):
    allowed, refused = [], []
    servers = [listener(port, allowed), listener(port + 1, refused)]
    paths = [f"tcp/connect/127.0.0.1/{port}", f"tcp/connect/127.0.0.1/{port + 1}",
             "tcp/connect/10.9.8.7/80", f"127.0.0.1/tcp/listen/{port + 2}", "udp/bind/9",
             "tcp/nowhere"]
    a = Archk([archk, f"--net-listen=127.0.0.1:{port + 2}", image, "--", "/bin/netrun",
               "/bin/netfw", f"allow:connect:127.0.0.1:{port},deny:*:*:*", "/tests/conf_net",
               "connect", *paths])
    status = a.finish()
    want = ["OK", "ACCESS_DENIED", "ACCESS_DENIED", "ACCESS_DENIED", "ACCESS_DENIED",
            "NOT_FOUND"]
    check(status == 0, f"archk exited with {status}: {a.err}")
    check(a.out == [f"conf_net: connect {p}: {w}" for p, w in zip(paths, want)],
          f"the client saw {a.out}")
    check(a.err == [f"netfw: allow connect 127.0.0.1:{port}",
                    f"netfw: deny connect 127.0.0.1:{port + 1}",
                    "netfw: deny connect 10.9.8.7:80",
                    f"netfw: deny listen 127.0.0.1:{port + 2}",
                    "netfw: deny bind 0.0.0.0:9"], f"netfw logged {a.err}")
    time.sleep(0.1)
    check(allowed == [f"hello {paths[0]}\n".encode()], f"the allowed server got {allowed}")
    check(refused == [], f"the refused server got {refused}")
    for s in servers:
        s.close()


def mode_fw_curl(archk, image, port):
    rules = f"allow:listen:127.0.0.1:{port},allow:accept:127.0.0.1:*"
    script = (f"/bin/httpd -a 127.0.0.1 -p {port + 1}; "
              f"/bin/httpd -a 127.0.0.1 -p {port}")
    a = Archk([archk, f"--net-listen=127.0.0.1:{port}-{port + 1}", image, "--",
               "/bin/netrun", "/bin/netfw", rules, "/bin/sh", "-c", script])
    check(a.wait_for(f"httpd: listening on 127.0.0.1:{port}"), f"httpd did not start: {a.err}")
    rc, body, _ = curl(f"http://127.0.0.1:{port}/hello")
    check(rc == 0 and body == b"Hello, world!\n", f"allowed port: {rc} {body!r}")
    rc, body, err = curl(f"http://127.0.0.1:{port + 1}/hello")
    check(rc == 7, f"refused port: curl exited {rc}: {err.strip()}")
    check(a.stop(), "archk ended while serving")
    check(f"netfw: deny listen 127.0.0.1:{port + 1}" in a.err and
          f"httpd: 127.0.0.1/tcp/listen/{port + 1}: ACCESS_DENIED" in a.err and
          f"netfw: allow listen 127.0.0.1:{port}" in a.err and
          any(e.startswith("netfw: allow accept 127.0.0.1:") for e in a.err),
          f"netfw logged {a.err}")


def main():
    mode, archk, image, port = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    if mode == "curl":
        mode_curl(archk, image, port, sys.argv[5])
    elif mode == "malformed":
        mode_malformed(archk, image, port)
    elif mode == "fw-connect":
        mode_fw_connect(archk, image, port)
    elif mode == "fw-curl":
        mode_fw_curl(archk, image, port)
    else:
        sys.exit(__doc__)
    print(f"net_http {mode}: {len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
