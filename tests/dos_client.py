#!/usr/bin/python3
"""dos_client.py — client actions for tests/dos.bats (smtplib, poplib, raw).

Usage: dos_client.py ACTION PORT [--from ADDR] [ARGS...]
  auth USER PASS           one SMTP session, AUTH PLAIN (no TLS); prints the
                           reply code and text, and the seconds it took
  send N RCPTS [USER PASS] one session, N messages to the comma-separated
                           RCPTS (after AUTH when USER is given); prints each
                           MAIL/RCPT/DATA reply that is not 2xx
  greet [PROXY-SRC]        connect (first sending a PROXY v1 header naming
                           PROXY-SRC), print the greeting
  pop-login USER PASS      one POP3 session: USER/PASS; prints the answer
--from ADDR binds the client to that loopback address (127.0.0.2...).
"""
import base64, smtplib, socket, sys, time

args = sys.argv[1:]
src = None
if "--from" in args:
    i = args.index("--from")
    src = (args[i + 1], 0)
    del args[i:i + 2]
action, port, rest = args[0], int(args[1]), args[2:]


def smtp():
    s = smtplib.SMTP(timeout=20, source_address=src)
    s.connect("127.0.0.1", port)
    s.ehlo("c.example")
    return s


def plain(user, pw):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + pw.encode()).decode()


if action == "auth":
    s = smtp()
    t = time.time()
    code, text = s.docmd("AUTH", "PLAIN " + plain(rest[0], rest[1]))
    print(code, text.decode(), "%.2f" % (time.time() - t))
elif action == "send":
    n, rcpts = int(rest[0]), rest[1].split(",")
    s = smtp()
    if len(rest) > 2:
        code, text = s.docmd("AUTH", "PLAIN " + plain(rest[2], rest[3]))
        print(code, text.decode())
    for k in range(n):
        code, text = s.docmd("MAIL", "FROM:<%s>" % (rest[2] if len(rest) > 2 else "a@c.example"))
        if code != 250:
            print("MAIL", code, text.decode())
            s.rset()
            continue
        ok = 0
        for r in rcpts:
            code, text = s.docmd("RCPT", "TO:<%s>" % r)
            if code != 250:
                print("RCPT", code, text.decode())
            else:
                ok += 1
        if not ok:
            s.rset()
            continue
        code, text = s.data(b"Subject: %d\r\n\r\nmessage %d\r\n" % (k, k))
        print("DATA", code, text.decode())
    s.quit()
elif action == "greet":
    s = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=src)
    if rest:
        s.sendall(("PROXY TCP4 %s 127.0.0.1 4000 25\r\n" % rest[0]).encode())
    print(s.makefile("rb").readline().decode().rstrip())
elif action == "pop-login":
    s = socket.create_connection(("127.0.0.1", port), timeout=20, source_address=src)
    f = s.makefile("rb")
    f.readline()
    s.sendall(("USER %s\r\n" % rest[0]).encode())
    f.readline()
    s.sendall(("PASS %s\r\n" % rest[1]).encode())
    print(f.readline().decode().rstrip())
else:
    sys.exit("unknown action " + action)
