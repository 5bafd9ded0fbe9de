#!/usr/bin/python3
"""sd_activate.py [--pid-offset N] ADDR:PORT... -- COMMAND ARGS...

Does what systemd does for a socket unit with Accept=no: binds and listens
on each ADDR:PORT, passes the sockets as fds 3, 4, ... with LISTEN_FDS and
LISTEN_PID set to the pid the command will have (exec keeps this process's
pid), then runs the command. --pid-offset names another pid, to check that
sockets meant for another process are ignored."""
import os
import socket
import sys

args = sys.argv[1:]
offset = 0
if args[:1] == ["--pid-offset"]:
    offset = int(args[1])
    args = args[2:]
split = args.index("--")
addrs, command = args[:split], args[split + 1:]
socks = []
for a in addrs:
    host, port = a.rsplit(":", 1)
    host = host.strip("[]")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((host, int(port)))
    s.listen(16)
    socks.append(s)
for i, s in enumerate(socks):
    os.dup2(s.fileno(), 3 + i, inheritable=True)
os.environ["LISTEN_FDS"] = str(len(socks))
os.environ["LISTEN_PID"] = str(os.getpid() + offset)
os.environ["LISTEN_FDNAMES"] = ":".join(["postbox"] * len(socks))
os.execv(command[0], command)
