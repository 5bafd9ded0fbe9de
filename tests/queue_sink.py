#!/usr/bin/python3
"""A receiving SMTP server for the queue tests (aiosmtpd, nobody's code here).

Usage: queue_sink.py HOST PORT DIR

Each accepted message is written to DIR/<n>.eml: "X-Sink-From: <sender>",
one "X-Sink-To: <rcpt>" per recipient, "X-Sink-Params: ..." then the data
exactly as received (CRLF, after dot-unstuffing by aiosmtpd). RCPT to a
local part starting with "reject" gets 550 5.1.1, with "defer" 451 4.3.0;
a local part starting with "slow" makes DATA wait 30 s (for kill tests).
With SINK_TLS_CERT and SINK_TLS_KEY in the environment it offers STARTTLS
and notes "X-Sink-TLS: yes" in messages that came over TLS; SINK_IMPLICIT=1
makes it TLS from the first byte (port 465 style). SINK_AUTH=user:password
requires AUTH (PLAIN/LOGIN) and notes "X-Sink-Auth: user". SINK_SIZE sets
the SIZE limit; SINK_NO_UTF8=1 turns SMTPUTF8 off. SINK_DATA_DELAY=SECONDS makes each DATA
wait; DIR/most-at-once holds the most transactions seen in DATA at once.
The file DIR/ready appears once it listens; DIR/connections gets one line
per connection, DIR/ehlo one per EHLO: "tls" when it came over TLS, else
"plain".
"""
import asyncio, os, ssl, sys, time
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP

host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(out, exist_ok=True)
count = [0]
active, most = [0], [0]   # transactions in DATA at once, and the most seen

class Handler:
    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with open(os.path.join(out, "ehlo"), "a") as f:
            f.write("tls\n" if session.ssl or implicit else "plain\n")
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        if local.startswith("defer"):
            return "451 4.3.0 <%s>: try again later" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        active[0] += 1
        most[0] = max(most[0], active[0])
        with open(os.path.join(out, "most-at-once"), "w") as f:
            f.write("%d\n" % most[0])
        try:
            await asyncio.sleep(float(os.environ.get("SINK_DATA_DELAY", "0")))
            return await self.data(server, session, envelope)
        finally:
            active[0] -= 1

    async def data(self, server, session, envelope):
        if any(r.split("@")[0].lower().startswith("slow") for r in envelope.rcpt_tos):
            await asyncio.sleep(30)
        count[0] += 1
        name = os.path.join(out, "%d-%d.eml" % (os.getpid(), count[0]))
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Sink-From: <%s>\r\n" % envelope.mail_from.encode())
            for r in envelope.rcpt_tos:
                f.write(b"X-Sink-To: <%s>\r\n" % r.encode())
            f.write(b"X-Sink-Params: %s\r\n" % " ".join(envelope.mail_options).encode())
            f.write(b"X-Sink-TLS: %s\r\n" % (b"yes" if session.ssl or implicit else b"no"))
            if session.authenticated:
                f.write(b"X-Sink-Auth: %s\r\n" % str(session.auth_data.login, "ascii").encode())
            f.write(envelope.original_content)
        os.rename(name + ".tmp", name)
        return "250 2.0.0 OK queued as %d" % count[0]

tls = None
if os.environ.get("SINK_TLS_CERT"):
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(os.environ["SINK_TLS_CERT"], os.environ["SINK_TLS_KEY"])

auth = os.environ.get("SINK_AUTH")  # "user:password": AUTH offered (after TLS) and required
implicit = os.environ.get("SINK_IMPLICIT") == "1"

def authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword
    ok = isinstance(auth_data, LoginPassword) and auth and \
        (auth_data.login + b":" + auth_data.password) == auth.encode()
    return AuthResult(success=bool(ok), handled=False, auth_data=auth_data)

class Sink(Controller):
    def factory(self):
        with open(os.path.join(out, "connections"), "a") as f:
            f.write("1\n")
        kw = {}
        if auth:
            kw = dict(authenticator=authenticator, auth_required=True,
                      auth_require_tls=not implicit)
        kw["data_size_limit"] = int(os.environ.get("SINK_SIZE", "33554432"))
        return SMTP(self.handler, decode_data=False, ident="queue-sink",
                    enable_SMTPUTF8=os.environ.get("SINK_NO_UTF8") != "1",
                    tls_context=None if implicit else tls, **kw)

c = Sink(Handler(), hostname=host, port=port, ready_timeout=10,
         ssl_context=tls if implicit else None)
c.start()
open(os.path.join(out, "ready"), "w").close()
try:
    while True:
        time.sleep(3600)
finally:
    c.stop()
