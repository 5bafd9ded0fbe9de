#!/usr/bin/python3
"""hostile_dns.py — a DNS server (python3-dnslib) that answers as an
attacker or a broken zone would, for the queue runner's resolver.

Usage: hostile_dns.py PORT MXADDR   (UDP and TCP on 127.0.0.1:PORT)
Names (all under .example):
  loop.example       MX mx.loop.example; mx.loop.example is a CNAME to
                     a.loop.example, which is a CNAME back (a CNAME loop)
  cname.example      MX alias.cname.example, a CNAME to real.cname.example
                     (A MXADDR): an MX pointing at a CNAME
  trunc.example      UDP: TC set; TCP: the answer cut off in the middle
  bigtxt.example     MX question answered with 60 KB of TXT records (TCP; UDP
                     gets TC), and no MX
  other.example      MX question answered with records for evil.example
                     (MX evil.example, A 192.0.2.66)
  wrongid.example    an answer whose id does not match the question's
Every other question: NXDOMAIN. Each query is logged to stdout.
"""
import socket, struct, sys, threading
from dnslib import A, CNAME, MX, QTYPE, RCODE, RR, TXT, DNSRecord

port, mxaddr = int(sys.argv[1]), sys.argv[2]


def answer(req, tcp):
    q = req.q
    name = str(q.qname).lower().rstrip(".")
    qt = QTYPE[q.qtype]
    r = req.reply()
    print("query", name, qt, "tcp" if tcp else "udp", flush=True)
    if name == "loop.example" and qt == "MX":
        r.add_answer(RR(q.qname, QTYPE.MX, rdata=MX("mx.loop.example.", 10)))
    elif name == "mx.loop.example":
        r.add_answer(RR(q.qname, QTYPE.CNAME, rdata=CNAME("a.loop.example.")))
        r.add_answer(RR("a.loop.example.", QTYPE.CNAME, rdata=CNAME("mx.loop.example.")))
    elif name == "a.loop.example":
        r.add_answer(RR(q.qname, QTYPE.CNAME, rdata=CNAME("mx.loop.example.")))
        r.add_answer(RR("mx.loop.example.", QTYPE.CNAME, rdata=CNAME("a.loop.example.")))
    elif name == "cname.example" and qt == "MX":
        r.add_answer(RR(q.qname, QTYPE.MX, rdata=MX("alias.cname.example.", 10)))
    elif name == "alias.cname.example":
        r.add_answer(RR(q.qname, QTYPE.CNAME, rdata=CNAME("real.cname.example.")))
        if qt == "A":
            r.add_answer(RR("real.cname.example.", QTYPE.A, rdata=A(mxaddr)))
    elif name == "trunc.example":
        if not tcp:
            r.header.tc = 1
            return r.pack()
        r.add_answer(RR(q.qname, QTYPE.MX, rdata=MX("mx.trunc.example.", 10)))
        whole = r.pack()
        return whole[: len(whole) - 7]          # cut inside the record
    elif name == "bigtxt.example":
        if not tcp:
            r.header.tc = 1
            return r.pack()
        for i in range(240):
            r.add_answer(RR(q.qname, QTYPE.TXT, rdata=TXT(["%03d" % i + "x" * 240])))
    elif name == "other.example":
        r.add_answer(RR("evil.example.", QTYPE.MX, rdata=MX("evil.example.", 10)))
        r.add_answer(RR("evil.example.", QTYPE.A, rdata=A("192.0.2.66")))
    elif name == "wrongid.example":
        r.add_answer(RR(q.qname, QTYPE.MX, rdata=MX("mx.wrongid.example.", 10)))
        r.header.id = (req.header.id + 1) & 0xFFFF
    else:
        r.header.rcode = RCODE.NXDOMAIN
    return r.pack()


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", port))
    while True:
        data, peer = s.recvfrom(4096)
        try:
            s.sendto(answer(DNSRecord.parse(data), False), peer)
        except Exception as e:  # a malformed question: no answer
            print("error", e, flush=True)


def tcp_conn(c):
    with c:
        try:
            n = struct.unpack("!H", c.recv(2))[0]
            data = b""
            while len(data) < n:
                data += c.recv(n - len(data))
            out = answer(DNSRecord.parse(data), True)
            c.sendall(struct.pack("!H", len(out)) + out)
        except Exception as e:
            print("error", e, flush=True)


def tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_conn, args=(c,), daemon=True).start()


threading.Thread(target=tcp, daemon=True).start()
print("ready", flush=True)
udp()
