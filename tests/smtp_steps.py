#!/usr/bin/python3
"""smtp_steps.py — an SMTP client that pipelines exactly as told.

Usage: smtp_steps.py PORT STEP... (STEP: printf-style text, \\r\\n escapes)
Reads the greeting, then sends each STEP in one write and prints every
reply line that comes within 1 s of it (or until the server closes). A
step may hold several commands: they go out together, as a pipelining
client (or a smuggler) sends them. Prints "[closed]" when the server
closes the connection.
"""
import socket, sys, time

port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=20)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

def drain(quiet=1.0):
    out = b""
    s.settimeout(quiet)
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            return out, False
        except ConnectionResetError:
            return out, True
        if not b:
            return out, True
        out += b

out, closed = drain()
sys.stdout.write(out.decode("latin-1"))
for step in sys.argv[2:]:
    if closed:
        break
    try:
        s.sendall(step.encode("latin-1").decode("unicode_escape").encode("latin-1"))
    except (BrokenPipeError, ConnectionResetError):
        closed = True
        break
    out, closed = drain()
    sys.stdout.write(out.decode("latin-1"))
if closed:
    print("[closed]")
