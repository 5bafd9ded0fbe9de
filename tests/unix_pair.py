#!/usr/bin/python3
"""unix_pair.py — run a command with a UNIX socket pair as its stdin and
stdout (as stunnel's exec mode or socat's EXEC do), send it the bytes read
from our stdin, print everything it writes until it closes (at most 20 s).

Usage: unix_pair.py COMMAND [ARG...] < bytes
The command's stderr is ours; its exit status becomes ours.
"""
import socket, subprocess, sys

ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
proc = subprocess.Popen(sys.argv[1:], stdin=theirs, stdout=theirs)
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
