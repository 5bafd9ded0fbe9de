#!/usr/bin/python3
"""pop3_util.py — small POP3 client actions for tests/pop3d.bats (poplib and
raw sockets). Usage: pop3_util.py ACTION PORT [ARGS...]; prints results,
exits non-zero on an unexpected answer."""
import hashlib
import os
import poplib
import socket
import ssl
import sys
import time

def ctx():
    c = ssl.create_default_context(cafile=os.environ["CERT"])
    return c

def connect(port, mode):
    if mode == "ssl":
        return poplib.POP3_SSL("localhost", port, context=ctx(), timeout=20)
    p = poplib.POP3("localhost", port, timeout=20)
    if mode == "stls":
        p.stls(context=ctx())
    return p

def login(p, user="ann@test.example", pw="secret"):
    p.user(user)
    p.pass_(pw)

def main():
    action, port = sys.argv[1], int(sys.argv[2])
    args = sys.argv[3:]
    if action == "fetch-all":           # mode outdir: RETR every message, DELE, QUIT
        mode, out = args
        p = connect(port, mode)
        login(p)
        n, _ = p.stat()
        for i in range(1, n + 1):
            resp, lines, octets = p.retr(i)
            data = b"\r\n".join(lines) + b"\r\n"
            with open(os.path.join(out, "%d" % i), "wb") as f:
                f.write(data)
            p.dele(i)
        print(p.quit().decode())
        print(n)
    elif action == "sizes":             # mode: "N LIST-size RETR-octets" lines, then "STAT total sum"
        p = connect(port, args[0])
        login(p)
        n, total = p.stat()
        sent = 0
        for l in p.list()[1]:
            i, size = l.split()
            lines = p.retr(int(i))[1]       # poplib removes the byte-stuffing
            octets = len(b"\r\n".join(lines) + b"\r\n") if lines else 0
            sent += octets
            print(i.decode(), size.decode(), octets)
        print("STAT", total, sent)
        p.quit()
    elif action == "uidl":              # mode: print "N UID" lines
        p = connect(port, args[0])
        login(p)
        for l in p.uidl()[1]:
            print(l.decode())
        p.quit()
    elif action == "list-count":
        p = connect(port, args[0])
        login(p)
        t = time.time()
        n, size = p.stat()
        lst = p.list()[1]
        uid = p.uidl()[1]
        last = p.retr(n)[1]
        print(n, len(lst), len(uid), b"\r\n".join(last).decode(errors="replace").count("Subject"),
              "%.2f" % (time.time() - t))
        p.quit()
    elif action == "retr-hash":         # mode n: sha256 of the message as CRLF, and its octets
        mode, n = args[0], int(args[1])
        p = connect(port, mode)
        login(p)
        size = int(p.list(n).split()[2])
        resp, lines, octets = p.retr(n)
        data = b"\r\n".join(lines) + b"\r\n"
        print(hashlib.sha256(data).hexdigest(), len(data), size)
        p.quit()
    elif action == "file-hash":         # path: sha256 of the file with CRLF line ends
        data = open(args[0], "rb").read().replace(b"\n", b"\r\n")
        print(hashlib.sha256(data).hexdigest(), len(data), len(data))
    elif action == "drop":              # DELE everything, then vanish without QUIT
        p = connect(port, args[0])
        login(p)
        n, _ = p.stat()
        for i in range(1, n + 1):
            p.dele(i)
        p.sock.close()
        print(n)
    elif action == "raw":               # send args joined by CRLF in one write, print replies
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        f = s.makefile("rb")
        print(f.readline().decode().rstrip())
        s.sendall(("\r\n".join(args) + "\r\n").encode("latin-1"))
        s.shutdown(socket.SHUT_WR)
        for l in f:
            print(l.decode("latin-1").rstrip("\r\n"))
    elif action == "stls-inject":       # STLS and a command in one packet
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        f = s.makefile("rb")
        f.readline()
        s.sendall(b"STLS\r\nCAPA\r\n")
        print(f.readline().decode().rstrip())
        t = ctx().wrap_socket(s, server_hostname="localhost")
        t.sendall(b"QUIT\r\n")
        g = t.makefile("rb")
        for l in g:
            print(l.decode().rstrip())
    elif action == "login-time":        # user pass: seconds to the answer of PASS
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        f = s.makefile("rb")
        f.readline()
        s.sendall(("USER %s\r\n" % args[0]).encode())
        f.readline()
        t = time.time()
        s.sendall(("PASS %s\r\n" % args[1]).encode())
        l = f.readline().decode().rstrip()
        print("%.3f %s" % (time.time() - t, l))
    elif action == "hold":              # log in and keep the session for N seconds
        p = connect(port, args[0])
        login(p)
        print(p.stat()[0], flush=True)
        time.sleep(float(args[1]))
        p.quit()
    else:
        sys.exit("unknown action " + action)

main()
