#!/usr/bin/python3
"""unix_pair.py — run a command with a UNIX socket pair as its stdin and
stdout (as stunnel's exec mode or socat's EXEC do), send it the bytes read
from our stdin, print everything it writes until it closes (at most 20 s).

Usage: unix_pair.py [--stderr] COMMAND [ARG...] < bytes
The command's stderr is ours, or with --stderr the socket too (as xinetd
or systemd's StandardError=socket hand it over); its exit status becomes
ours.
"""
import socket, subprocess, sys

ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
argv = sys.argv[1:]
as_stderr = argv[0] == "--stderr"
if as_stderr:
    argv = argv[1:]
proc = subprocess.Popen(argv, stdin=theirs, stdout=theirs, stderr=theirs if as_stderr else None)
theirs.close()
ours.settimeout(20)
ours.sendall(sys.stdin.buffer.read())
out = b""
try:
    while True:
        chunk = ours.recv(65536)
        if not chunk:
            break
        out += chunk
except socket.timeout:
    pass
sys.stdout.buffer.write(out)
sys.exit(proc.wait(timeout=20))
