#!/usr/bin/python3
"""accept_exec.py ADDR:PORT COMMAND ARGS...

Does what systemd does for a socket unit with Accept=yes (and inetd with
"nowait"): listens on ADDR:PORT and, for each connection, runs COMMAND in a
new process whose stdin and stdout are the connected socket. No process
outlives its connection, so nothing is shared between sessions but what
the command keeps on disk."""
import os
import signal
import socket
import sys

host, port = sys.argv[1].rsplit(":", 1)
command = sys.argv[2:]
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # reap the sessions
ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((host, int(port)))
ls.listen(16)
while True:
    conn, _ = ls.accept()
    if os.fork() == 0:
        ls.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.dup2(conn.fileno(), 0)
        os.dup2(conn.fileno(), 1)
        conn.close()
        os.execv(command[0], command)
    conn.close()
