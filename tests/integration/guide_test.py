#!/usr/bin/env python3
"""Follows docs/guide.md word for word against an SDK installed from this build.

Usage: guide_test.py GUIDE BUILD_DIR

The guide marks what it asks the reader to do with HTML comments before
fenced blocks:
  <!-- guide: sdk -->        installing the SDK: done here instead, into a
                             temporary prefix (ARCHK_SDK points there)
  <!-- guide: file NAME -->  write the block to NAME in the project folder
  <!-- guide: run -->        run the block with bash -e in the project folder
The project folder is an empty temporary one, outside the archk tree. The
only change made to the guide's commands is the gdb port (1234 becomes a
free one), so that parallel test runs do not collide. Then the output of
the runs must show what the guide says it shows.
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile

MARK = re.compile(r"^<!-- guide: (sdk|run|file (\S+)) -->$")


def blocks(guide):
    """(kind, name, text) for each marked fenced block of the guide, in order."""
    lines = open(guide).read().split("\n")
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        i += 1
        if not m:
            continue
        if not lines[i].startswith("```"):
            sys.exit(f"guide_test: no fenced block after line {i}: {lines[i - 1]}")
        end = lines.index("```", i + 1)
        kind = m.group(1).split()[0]
        yield kind, m.group(2), "\n".join(lines[i + 1:end]) + "\n"
        i = end + 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    guide, build = sys.argv[1], os.path.abspath(sys.argv[2])
    work = tempfile.mkdtemp(prefix="archk-guide-")
    try:
        sdk, project = os.path.join(work, "sdk"), os.path.join(work, "first")
        os.mkdir(project)
        env = dict(os.environ, ARCHK_SDK=sdk, PATH=f"{sdk}/bin:{os.environ['PATH']}")
        port = str(free_port())
        log = []
        for kind, name, text in blocks(guide):
            if kind == "sdk":
                subprocess.run(["cmake", "--install", build, "--prefix", sdk], check=True,
                               stdout=subprocess.DEVNULL)
            elif kind == "file":
                with open(os.path.join(project, name), "w") as f:
                    f.write(text)
            else:
                script = text.replace(":1234", ":" + port)
                run = subprocess.run(["bash", "-e", "-c", script], cwd=project, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, timeout=120)
                log.append(run.stdout)
                if run.returncode != 0:
                    print(run.stdout)
                    sys.exit(f"FAIL: exit status {run.returncode} from:\n{script}")
        out = "".join(log)
        gdb_run = open(os.path.join(project, "run.log")).read()
        wanted = [
            (out, r"^Hello from my own guest, process [0-9]+\.$"),
            (out, r"^  argv\[2\] = world$"),
            (out, r"^  /bin/myprog \([0-9]+ bytes\)$"),
            (out, r"^Breakpoint 1, main \(argc=2, argv=0x[0-9a-f]+\) at .*myprog\.c:[0-9]+$"),
            (out, r'^\$1 = 0x[0-9a-f]+ "hello"$'),
            (out, r"^\[Inferior 1 \(Remote target\) exited normally\]$"),
            (gdb_run, rf"^archk: listening on 127\.0\.0\.1:{port}, waiting for gdb$"),
            (out, r"^  argv\[1\] = again$"),
        ]
        failed = [rx for text, rx in wanted if not re.search(rx, text, re.M)]
        for rx in failed:
            print(f"FAIL: the output lacks /{rx}/")
        if failed:
            print("--- output\n" + out + "--- run.log\n" + gdb_run)
            return 1
        print("ok: the guide's program built against the SDK, ran, and was debugged")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
