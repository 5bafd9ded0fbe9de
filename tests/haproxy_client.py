#!/usr/bin/python3
"""Clients for tests/haproxy.bats, each bound to a loopback address of its
own (never HAProxy's 127.0.0.1), so that the servers behind the balancer
can tell the real client from the balancer.

  haproxy_client.py bulk SRC PORT SESSIONS PER_SESSION
      SESSIONS sessions from SRC, PER_SESSION messages each, to
      ann@test.example; each message's Subject is "bulk N"
  haproxy_client.py relay SRC PORT
      one RCPT to a remote domain; prints the reply code
  haproxy_client.py probe SRC PORT
      connect and close at once (is it listening?)
  haproxy_client.py connect SRC PORT
      connect, print the greeting's first line, QUIT
  haproxy_client.py pop SRC PORT
      log in as ann, RETR every message, QUIT; prints "N HOSTS": how
      many messages and the smtpd hosts (Received: by) they came through
"""
import poplib
import re
import smtplib
import socket
import sys

HOST = "127.0.0.1"


def smtp(src, port):
    return smtplib.SMTP(HOST, port, timeout=20, source_address=(src, 0))


def bulk(src, port, sessions, per):
    n = 0
    for _ in range(sessions):
        c = smtp(src, port)
        c.ehlo("client.example")
        for _ in range(per):
            n += 1
            msg = "Subject: bulk %d\r\nFrom: s@client.example\r\n\r\nmessage %d\r\n" % (n, n)
            refused = c.sendmail("s@client.example", ["ann@test.example"], msg)
            if refused:
                sys.exit("refused: %r" % refused)
        c.quit()
    print(n)


def relay(src, port):
    c = smtp(src, port)
    c.ehlo("client.example")
    c.mail("s@client.example")
    code, _ = c.rcpt("far@elsewhere.example")
    c.rset()
    c.quit()
    print(code)


def connect(src, port):
    s = socket.create_connection((HOST, port), timeout=20, source_address=(src, 0))
    line = s.makefile("rb").readline().decode().rstrip("\r\n")
    try:
        s.sendall(b"QUIT\r\n")
    except OSError:
        pass
    s.close()
    print(line)


def probe(src, port):
    socket.create_connection((HOST, port), timeout=5, source_address=(src, 0)).close()


class BoundPOP3(poplib.POP3):
    def __init__(self, src, port):
        self.src = src
        poplib.POP3.__init__(self, HOST, port, timeout=20)

    def _create_socket(self, timeout):
        return socket.create_connection((self.host, self.port), timeout, source_address=(self.src, 0))


def pop(src, port):
    p = BoundPOP3(src, port)
    p.stls()
    p.user("ann@test.example")
    p.pass_("secret")
    count, _ = p.stat()
    hosts = set()
    for i in range(1, count + 1):
        text = b"\n".join(p.retr(i)[1]).decode()
        hosts.update(re.findall(r"\tby (\S+) \(postbox\)", text))
    p.quit()
    print(count, ",".join(sorted(hosts)))


if __name__ == "__main__":
    mode, src, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "bulk":
        bulk(src, port, int(sys.argv[4]), int(sys.argv[5]))
    else:
        {"relay": relay, "connect": connect, "probe": probe, "pop": pop}[mode](src, port)
