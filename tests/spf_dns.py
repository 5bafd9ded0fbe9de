#!/usr/bin/python3
"""spf_dns.py — a DNS server on loopback answering from an OpenSPF-suite
`zonedata` map, the way pyspf's own test driver reads it:

  - a name's SPF entries are also served as TXT unless it has TXT entries;
  - an entry NONE is no record (but still counts as "has TXT entries");
  - TIMEOUT: a query for that name gets no answer at all, unless a record
    of the asked type comes before the TIMEOUT entry;
  - names under error. that are not listed time out; other unlisted names
    are NXDOMAIN;
  - a CNAME answer carries the target's records of the asked type (loops
    stop where a name repeats);
  - TXT values are one string or a list of strings (split into 255-octet
    character-strings when longer); MX is [preference, host], "" the root.

UDP answers over 512 octets are truncated (TC) and served in full over
TCP on the same port.

Usage: spf_dns.py ZONE.yml PORT     serve the `zonedata` of ZONE.yml
       (as a module: Zone(zonedata), serve(zone) -> (port, stop function))
"""
import socket
import struct
import sys
import threading

from dnslib import AAAA, CNAME, MX, PTR, QTYPE, RCODE, RR, TXT, A, DNSLabel, DNSRecord

TYPES = {"A": QTYPE.A, "AAAA": QTYPE.AAAA, "MX": QTYPE.MX, "PTR": QTYPE.PTR,
         "TXT": QTYPE.TXT, "SPF": 99, "CNAME": QTYPE.CNAME}
TIMEOUT = object()


def _label(name):
    name = name.rstrip(".")
    return DNSLabel([p.encode("utf-8") for p in name.split(".")] if name else [])


def _strings(value):
    parts = value if isinstance(value, list) else [value]
    out = []
    for p in parts:
        b = p.encode("utf-8") if isinstance(p, str) else bytes(p)
        out.extend(b[i:i + 255] for i in range(0, len(b), 255)) if b else out.append(b"")
    return out


def _rdata(kind, value):
    if kind == "A":
        return A(value)
    if kind == "AAAA":
        return AAAA(value)
    if kind == "MX":
        return MX(_label(value[1]), value[0])
    if kind == "PTR":
        return PTR(_label(value))
    if kind == "CNAME":
        return CNAME(_label(value))
    return TXT(_strings(value))


class Zone:
    """zonedata → entries per lower-case name: ('TIMEOUT',) or (kind, value)."""

    def __init__(self, zonedata):
        self.names = {}
        for name, records in (zonedata or {}).items():
            entries, spf, has_txt = [], [], False
            for rec in records:
                if rec == "TIMEOUT":
                    entries.append(TIMEOUT)
                    continue
                (kind, value), = rec.items()
                if kind == "TXT":
                    has_txt = True
                if kind == "SPF":
                    spf.append(value)
                if value != "NONE":
                    entries.append((kind, value))
            if not has_txt:
                entries += [("TXT", v) for v in spf if v != "NONE"]
            self.names[name.lower().rstrip(".")] = entries

    def lookup(self, name, qtype, seen=()):
        """(rcode, [RR]) or TIMEOUT."""
        entries = self.names.get(name.lower())
        if entries is None:
            return TIMEOUT if name.lower().startswith("error.") else (RCODE.NXDOMAIN, [])
        rrs, typed = [], False
        for e in entries:
            if e is TIMEOUT:
                if not typed:
                    return TIMEOUT
                continue
            kind, value = e
            if TYPES[kind] == qtype:
                typed = True
                rrs.append(RR(_label(name), qtype, rdata=_rdata(kind, value), ttl=60))
            elif kind == "CNAME" and qtype != QTYPE.CNAME:
                typed = True
                rrs.append(RR(_label(name), QTYPE.CNAME, rdata=_rdata(kind, value), ttl=60))
                target = value.rstrip(".")
                if target.lower() in seen:
                    return RCODE.NOERROR, rrs
                more = self.lookup(target, qtype, seen + (name.lower(),))
                if more is TIMEOUT:
                    return TIMEOUT
                return more[0], rrs + more[1]
        return RCODE.NOERROR, rrs

    def answer(self, wire):
        """The answer to a query packet, or None to stay silent."""
        try:
            q = DNSRecord.parse(wire)
        except Exception:
            return None
        name = b".".join(q.q.qname.label).decode("utf-8", "replace")
        got = self.lookup(name, q.q.qtype)
        if got is TIMEOUT:
            return None
        reply = q.reply()
        reply.header.rcode = got[0]
        reply.rr = got[1]
        return reply


def _bind(host, port):
    """UDP and TCP sockets bound to one port (0: any free one, kept bound
    from the moment it is chosen)."""
    while True:
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((host, port))
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            tcp.bind((host, udp.getsockname()[1]))
            return udp, tcp
        except OSError:
            udp.close()
            tcp.close()
            if port:
                raise


def serve(zone, port=0, host="127.0.0.1"):
    """Serve zone on UDP and TCP port (0: a free one); returns the port
    and a function that stops the server."""
    udp, tcp = _bind(host, port)
    tcp.listen(16)
    stopping = threading.Event()

    def udp_loop():
        while not stopping.is_set():
            try:
                wire, peer = udp.recvfrom(4096)
            except OSError:
                return
            reply = zone.answer(wire)
            if reply is None:
                continue
            packed = reply.pack()
            if len(packed) > 512:
                packed = reply.truncate().pack()
            udp.sendto(packed, peer)

    def tcp_one(conn):
        with conn:
            conn.settimeout(5)
            try:
                n = struct.unpack("!H", conn.recv(2, socket.MSG_WAITALL))[0]
                reply = zone.answer(conn.recv(n, socket.MSG_WAITALL))
                if reply is not None:
                    packed = reply.pack()
                    conn.sendall(struct.pack("!H", len(packed)) + packed)
            except (OSError, struct.error):
                pass

    def tcp_loop():
        while not stopping.is_set():
            try:
                conn, _ = tcp.accept()
            except OSError:
                return
            threading.Thread(target=tcp_one, args=(conn,), daemon=True).start()

    for loop in (udp_loop, tcp_loop):
        threading.Thread(target=loop, daemon=True).start()

    def stop():
        stopping.set()
        udp.close()
        tcp.close()

    return udp.getsockname()[1], stop


if __name__ == "__main__":
    import signal

    import yaml
    if len(sys.argv) != 3:
        sys.exit("usage: spf_dns.py ZONE.yml PORT")
    with open(sys.argv[1], encoding="utf-8") as f:
        data = yaml.safe_load(f)
    serve(Zone(data["zonedata"]), int(sys.argv[2]))
    print("ready", flush=True)
    signal.sigwait([signal.SIGTERM, signal.SIGINT])
