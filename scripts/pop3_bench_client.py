#!/usr/bin/python3
"""pop3_bench_client.py HOST PORT USER PASS — log in, RETR every message with
pipelined batches of 100 commands, QUIT without deleting. Prints
"MESSAGES OCTETS SECONDS" (the time from the first RETR to the last byte;
OCTETS counts everything received, +OK lines and terminators included)."""
import socket
import sys
import time

host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
s = socket.create_connection((host, port))
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
buf = b""

def line():
    global buf
    while b"\r\n" not in buf:
        d = s.recv(1 << 20)
        if not d:
            sys.exit("connection closed")
        buf += d
    l, buf = buf.split(b"\r\n", 1)
    return l

def ok(l):
    if not l.startswith(b"+OK"):
        sys.exit("unexpected: %r" % l)
    return l

ok(line())
s.sendall(b"USER %s\r\nPASS %s\r\nSTAT\r\n" % (user.encode(), pw.encode()))
ok(line()); ok(line())
n = int(ok(line()).split()[1])
total = 0
t0 = time.time()
i = 1
# Count the ends of messages (CRLF.CRLF: never inside a body, thanks to
# byte-stuffing) at C speed instead of parsing each message in Python,
# so that the client is never the bottleneck being measured.
END = b"\r\n.\r\n"
tail = buf
while i <= n:
    batch = min(n, i + 99) - i + 1
    s.sendall(b"".join(b"RETR %d\r\n" % k for k in range(i, i + batch)))
    seen = 0
    while seen < batch:
        d = s.recv(1 << 20)
        if not d:
            sys.exit("connection closed")
        total += len(d)
        chunk = tail + d
        seen += chunk.count(END)
        tail = chunk[-4:]
    if seen != batch:
        sys.exit("protocol error: %d answers to %d commands" % (seen, batch))
    i += batch
dt = time.time() - t0
s.sendall(b"QUIT\r\n")
ok(line())
print(n, total, "%.3f" % dt)
