#!/usr/bin/python3
"""ttl_dns.py — a DNS server (python3-dnslib, UDP on loopback) whose
answers change while it runs, to test how long a resolver keeps them.

Usage: ttl_dns.py PORT ZONE [DELAY]
ZONE is read again for every question; its lines:
  NAME TTL TEXT     a TXT record (TEXT: the rest of the line)
  SOA TTL           NXDOMAIN answers carry a SOA record with this TTL and
                    MINIMUM (RFC 2308); without the line they carry none
Every other question: NXDOMAIN. Each question is logged to stdout as
"query NAME TYPE". With DELAY (seconds), each answer is sent that long
after its question, while other questions are taken, and each question
is also logged as "at NAME TYPE SECONDS" (a monotonic clock).
"""
import socket
import sys
import threading
import time

from dnslib import QTYPE, RCODE, RR, SOA, TXT, DNSRecord

port, zone_path = int(sys.argv[1]), sys.argv[2]
delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0


def zone():
    records, soa = {}, None
    with open(zone_path) as f:
        for line in f:
            parts = line.rstrip("\n").split(" ", 2)
            if parts[0] == "SOA":
                soa = int(parts[1])
            elif len(parts) == 3:
                records.setdefault(parts[0].lower(), []).append((int(parts[1]), parts[2]))
    return records, soa


def answer(req):
    q = req.q
    name = str(q.qname).lower().rstrip(".")
    print("query", name, QTYPE[q.qtype], flush=True)
    if delay:
        print("at", name, QTYPE[q.qtype], "%.3f" % time.monotonic(), flush=True)
    records, soa = zone()
    r = req.reply()
    if name in records and q.qtype == QTYPE.TXT:
        for ttl, text in records[name]:
            r.add_answer(RR(q.qname, QTYPE.TXT, ttl=ttl, rdata=TXT(text.encode())))
    elif name not in records:
        r.header.rcode = RCODE.NXDOMAIN
        if soa is not None:
            r.add_auth(RR("example.", QTYPE.SOA, ttl=soa,
                          rdata=SOA("ns.example.", "hostmaster.example.", (1, 3600, 600, 86400, soa))))
    return r.pack()


sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", port))
print("listening", port, flush=True)
while True:
    data, peer = sock.recvfrom(4096)
    try:
        reply = answer(DNSRecord.parse(data))
    except Exception as ex:  # a malformed question: no answer
        print("error", ex, flush=True)
        continue
    if delay:
        threading.Timer(delay, sock.sendto, (reply, peer)).start()
    else:
        sock.sendto(reply, peer)
