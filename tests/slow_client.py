#!/usr/bin/python3
"""slow_client.py — a client that trickles bytes, to test server deadlines.

Usage: slow_client.py PORT PREFIX SLOW RATE [--hold N]
Connects to 127.0.0.1:PORT, reads the greeting, sends PREFIX (Python
escapes: "EHLO x\\r\\n") at once, then SLOW one byte at a time, RATE bytes
per second, until the server closes the connection or SLOW is used up (then
it waits at most 30 s more). Prints everything the server said, then
"closed after S s" (S: seconds since the slow part began, one decimal) or
"still open after S s".
"""
import socket, sys, time

port, prefix, slow, rate = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
prefix = prefix.encode().decode("unicode_escape").encode("latin-1")
slow = slow.encode().decode("unicode_escape").encode("latin-1")
s = socket.create_connection(("127.0.0.1", port), timeout=30)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
out = b""


def drain(wait):
    """Read what has arrived within wait seconds; False once closed."""
    global out
    s.settimeout(wait)
    try:
        while True:
            b = s.recv(65536)
            if not b:
                return False
            out += b
    except socket.timeout:
        return True
    except OSError:
        return False


drain(1.0)
s.sendall(prefix)
drain(0.5)
start = time.monotonic()
open_ = True
for i in range(len(slow)):
    try:
        s.sendall(slow[i:i + 1])
    except OSError:
        open_ = False
        break
    open_ = drain(1.0 / rate)
    if not open_:
        break
if open_:
    open_ = drain(30)
took = time.monotonic() - start
sys.stdout.write(out.decode("latin-1"))
print("%s after %.1f s" % ("still open" if open_ else "closed", took))
