#!/usr/bin/python3
"""smtp_raw.py — send raw bytes to an SMTP server, print what it answers.

Usage: smtp_raw.py PORT [--host H] [--wait-greeting] [--chunks] < bytes
Reads all of stdin and sends it (with --chunks: one byte per TCP segment
around the data, to cross every read boundary), half-closes, then prints
everything the server writes until it closes (at most 20 s).
"""
import socket, sys, time

port = int(sys.argv[1])
host = "127.0.0.1"
if "--host" in sys.argv:
    host = sys.argv[sys.argv.index("--host") + 1]
data = sys.stdin.buffer.read()
s = socket.create_connection((host, port), timeout=20)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
out = b""
if "--wait-greeting" in sys.argv:
    out += s.recv(4096)
if "--chunks" in sys.argv:
    for i in range(len(data)):
        s.sendall(data[i:i + 1])
        if i % 7 == 0:
            time.sleep(0.001)
else:
    s.sendall(data)
try:
    s.shutdown(socket.SHUT_WR)
except OSError:
    pass
while True:
    try:
        b = s.recv(65536)
    except (ConnectionResetError, socket.timeout):
        break
    if not b:
        break
    out += b
sys.stdout.write(out.decode("latin-1"))
