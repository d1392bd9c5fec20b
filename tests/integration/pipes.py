#!/usr/bin/env python3
"""Runs archk with its stdin and stdout on pipes this program drives, and checks
what a user would see, like expect.sh.

Usage: pipes.py STATUS [--out REGEX]... [--err REGEX]... [--no-err REGEX]...
                [--err-lines N] [--seconds S] [--slow-stdout DELAY]
                [--trickle-stdin SECONDS] [--stdin TEXT] -- COMMAND [ARG...]

--slow-stdout DELAY  reads nothing from archk's stdout for DELAY seconds, so
                     that its writes fill the pipe and block (then reads all);
--trickle-stdin S    writes a line to archk's stdin every 10 ms for S seconds,
                     then closes it, so that console reads stay pending a while;
--stdin TEXT         writes TEXT (with \\n escapes) and closes stdin (default:
                     closes it at once).
Fails unless the command exits with STATUS (not a signal) within S seconds
(default 20), every --out/--err regex matches (re.search) a line of
stdout/stderr, no --no-err regex matches one, and stderr has N lines if given.
"""
import os
import re
import signal
import subprocess
import sys
import threading
import time


def parse(argv):
    opts = {"status": int(argv[0]), "out": [], "err": [], "no_err": [], "err_lines": None,
            "seconds": 20.0, "slow": 0.0, "trickle": None, "stdin": ""}
    i = 1
    while argv[i] != "--":
        name, value = argv[i], argv[i + 1]
        if name == "--out":
            opts["out"].append(value)
        elif name == "--err":
            opts["err"].append(value)
        elif name == "--no-err":
            opts["no_err"].append(value)
        elif name == "--err-lines":
            opts["err_lines"] = int(value)
        elif name == "--seconds":
            opts["seconds"] = float(value)
        elif name == "--slow-stdout":
            opts["slow"] = float(value)
        elif name == "--trickle-stdin":
            opts["trickle"] = float(value)
        elif name == "--stdin":
            opts["stdin"] = value.encode().decode("unicode_escape")
        else:
            sys.exit("pipes.py: bad option " + name)
        i += 2
    opts["command"] = argv[i + 1:]
    return opts


def read_all(stream, sink, delay=0.0):
    """Appends everything stream yields to sink, starting after delay seconds."""
    time.sleep(delay)
    while True:
        chunk = stream.read1(65536)
        if not chunk:
            return
        sink.append(chunk)


def feed(stream, text, trickle):
    """Writes text, or a line every 10 ms for trickle seconds; then closes stream."""
    try:
        if trickle is None:
            stream.write(text.encode())
        else:
            end, n = time.monotonic() + trickle, 0
            while time.monotonic() < end:
                stream.write(b"line %d\n" % n)
                stream.flush()
                n += 1
                time.sleep(0.01)
        stream.close()
    except BrokenPipeError:
        pass


def lines_of(chunks):
    return b"".join(chunks).decode(errors="replace").splitlines()


def main():
    o = parse(sys.argv[1:])
    proc = subprocess.Popen(o["command"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    out, err = [], []
    threads = [threading.Thread(target=read_all, args=(proc.stdout, out, o["slow"])),
               threading.Thread(target=read_all, args=(proc.stderr, err)),
               threading.Thread(target=feed, args=(proc.stdin, o["stdin"], o["trickle"]))]
    for t in threads:
        t.daemon = True
        t.start()
    failures = []
    try:
        status = proc.wait(timeout=o["seconds"])
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        status = None
        failures.append("timed out after %gs" % o["seconds"])
    for t in threads[:2]:
        t.join(timeout=5)
    out_lines, err_lines = lines_of(out), lines_of(err)
    if status is not None and status != o["status"]:
        failures.append("exit status %s, expected %d" % (
            status if status >= 0 else "signal %d" % -status, o["status"]))
    for regex in o["out"]:
        if not any(re.search(regex, line) for line in out_lines):
            failures.append("no stdout line matches " + regex)
    for regex in o["err"]:
        if not any(re.search(regex, line) for line in err_lines):
            failures.append("no stderr line matches " + regex)
    for regex in o["no_err"]:
        if any(re.search(regex, line) for line in err_lines):
            failures.append("a stderr line matches " + regex)
    if o["err_lines"] is not None and len(err_lines) != o["err_lines"]:
        failures.append("stderr has %d lines, expected %d" % (len(err_lines), o["err_lines"]))
    if failures:
        for f in failures:
            print("FAIL: %s: %s" % (f, " ".join(o["command"])))
        print("--- stdout (lines of dots left out)")
        print("\n".join(line for line in out_lines if line.strip(".")))
        print("--- stderr")
        print("\n".join(err_lines))
        sys.exit(1)
    print("ok: " + " ".join(o["command"]))


if __name__ == "__main__":
    main()
