#!/usr/bin/python3
"""Run a command with stdout (and, with --stderr-too, stderr) on a new
pseudo-terminal, as a person at a terminal would, and print what the
terminal got as a Python bytes literal (so \\r and escapes stay visible).

  pty_run.py [--stderr-too] CMD...
"""
import os
import pty
import subprocess
import sys

args = sys.argv[1:]
both = args[:1] == ["--stderr-too"]
if both:
    args = args[1:]
master, slave = pty.openpty()
p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave if both else subprocess.DEVNULL,
                     env=dict(os.environ, TERM="xterm"))
os.close(slave)
out = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: every writer has closed the terminal
        break
    if not chunk:
        break
    out += chunk
sys.stdout.write(repr(out) + "\n")
sys.exit(p.wait())
