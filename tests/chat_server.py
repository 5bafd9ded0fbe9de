#!/usr/bin/python3
"""chat_server.py — SMTP servers for tests/smtp-chat.bats.

  aio PORT [--tls CERT KEY] [--implicit-tls] [--auth USER:PASS] [--save DIR]
           [--local-domain D] [--proxy]
      aiosmtpd (python3-aiosmtpd), a real server nobody here wrote. Saves each
      message as DIR/N.eml (bytes as received, after un-stuffing) and
      DIR/N.env (PEER, PROXIED, MAIL-OPTIONS, MAIL FROM and RCPT TO lines).
      AUTH PLAIN, LOGIN and CRAM-MD5. --proxy: expect a PROXY header.
      --local-domain: refuse RCPT to any other domain, and local parts that
      are not plain user names (a closed relay with a user table).
      --catch-all: with --local-domain, take every local part there
      ("relaytest%other@local" too) and still refuse other domains.

  vuln PORT [--tls CERT KEY] [--save DIR] [--hostile MODE]
      A deliberately broken server, written here for the probes and for the
      client's hostile-peer tests:
        * DATA ends at any line that is "." once CR and LF are stripped, so
          "\\n.\\n", "\\n.\\r\\n" and "\\r\\n.\\n" end data (SMTP smuggling);
        * after STARTTLS it keeps the plain-text bytes it had read ahead and
          runs them inside TLS (STARTTLS command injection, CVE-2011-0411);
        * it accepts every recipient (an open relay);
        * it offers CHUNKING and takes BDAT.
      --hostile MODE makes it misbehave as a peer: endless (a 220- banner that
      never ends), nocode (a banner without a code), eofmid (EOF in the middle
      of a multi-line banner), slow (a banner at one byte per 0.3 s),
      inject (answers STARTTLS with "220" and "250 injected" in one write),
      noehlo (EHLO refused with 502, HELO works).
      --reject MAIL,RCPT,DATA,. answers those commands (or the end of data)
      with 550/554 — with PIPELINING on, unlike smtp-sink's -f.
      --no-pipelining behaves as OpenSMTPD 6.8 does: no PIPELINING, and a
      command (or the end of data) read while more input is already waiting
      gets "500 5.5.1 Invalid command: Pipelining not supported" and the
      session ends (its smtp_session.c checks io_datalen after each line).
"""
import base64
import hmac
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time


def parse(argv):
    opts = {"mode": argv[1], "port": int(argv[2]), "tls": None, "auth": None,
            "save": None, "local_domain": None, "hostile": None, "implicit": False,
            "proxy": False, "reject": set(), "no_pipelining": False,
            "catch_all": False}
    i = 3
    while i < len(argv):
        a = argv[i]
        if a == "--tls":
            opts["tls"] = (argv[i + 1], argv[i + 2]); i += 3; continue
        if a == "--implicit-tls":
            opts["implicit"] = True
        elif a == "--proxy":
            opts["proxy"] = True
        elif a == "--catch-all":
            opts["catch_all"] = True
        elif a == "--no-pipelining":
            opts["no_pipelining"] = True
        elif a == "--auth":
            opts["auth"] = argv[i + 1].split(":", 1); i += 1
        elif a == "--save":
            opts["save"] = argv[i + 1]; i += 1
        elif a == "--local-domain":
            opts["local_domain"] = argv[i + 1].lower(); i += 1
        elif a == "--reject":
            opts["reject"] = set(argv[i + 1].upper().split(",")); i += 1
        elif a == "--hostile":
            opts["hostile"] = argv[i + 1]; i += 1
        else:
            sys.exit("unknown option " + a)
        i += 1
    return opts


class Saver:
    def __init__(self, d):
        self.dir, self.n, self.lock = d, 0, threading.Lock()

    def save(self, mail_from, rcpts, content, peer="", proxied="", options=""):
        if not self.dir:
            return
        with self.lock:
            self.n += 1
            n = self.n
        base = os.path.join(self.dir, str(n))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(content)
        with open(base + ".env", "w") as f:
            f.write("PEER %s\n" % peer)
            f.write("PROXIED %s\n" % proxied)
            f.write("MAIL-OPTIONS %s\n" % options)
            f.write("MAIL FROM:<%s>\n" % mail_from)
            for r in rcpts:
                f.write("RCPT TO:<%s>\n" % r)
        os.rename(base + ".eml.tmp", base + ".eml")


# --- aiosmtpd -----------------------------------------------------------

def run_aio(o):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    saver = Saver(o["save"])
    chal = b"<4711.1795000000@chat.test>"

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, options):
            dom = address.rsplit("@", 1)[-1].lower()
            if o["local_domain"] and dom != o["local_domain"]:
                return "550 5.7.1 Relaying denied"
            local = address.rsplit("@", 1)[0]
            if o["local_domain"] and not o["catch_all"] and not re.fullmatch(r"[A-Za-z0-9._+-]+", local):
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 2.1.5 OK"

        async def handle_PROXY(self, server, session, envelope, proxy_data):
            session.proxied = "%s:%s" % (proxy_data.src_addr, proxy_data.src_port)
            return True

        async def handle_DATA(self, server, session, envelope):
            saver.save(envelope.mail_from, envelope.rcpt_tos, envelope.original_content,
                       session.peer[0], getattr(session, "proxied", ""),
                       " ".join(envelope.mail_options))
            return "250 2.0.0 Message accepted"

    def authenticator(server, session, envelope, mechanism, data):
        user, pw = o["auth"]
        if isinstance(data, LoginPassword):
            ok = data.login == user.encode() and data.password == pw.encode()
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=bool(data), handled=False)

    class MySMTP(SMTP):
        async def auth_CRAM__MD5(self, _, args):
            resp = await self.challenge_auth(chal)
            if not isinstance(resp, bytes):
                return AuthResult(success=False)
            user, _, digest = resp.decode().partition(" ")
            want = hmac.new(o["auth"][1].encode(), chal, "md5").hexdigest()
            ok = user == o["auth"][0] and hmac.compare_digest(digest, want)
            return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    class MyController(Controller):
        def factory(self):
            return MySMTP(self.handler, **self.SMTP_kwargs)

    kw = {}
    if o["tls"]:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(*o["tls"])
        if o["implicit"]:
            kw["ssl_context"] = ctx
        else:
            kw["tls_context"] = ctx
    if o["proxy"]:
        kw["proxy_protocol_timeout"] = 5
    if o["auth"]:
        kw["authenticator"] = authenticator
        kw["auth_require_tls"] = False
    c = MyController(Handler(), hostname="127.0.0.1", port=o["port"],
                     server_hostname="aio.chat.test", **kw)
    c.start()
    signal.signal(signal.SIGTERM, lambda *a: (c.stop(), os._exit(0)))
    while True:
        time.sleep(3600)


# --- the vulnerable server ----------------------------------------------

class Conn:
    def __init__(self, sock, o, saver, tlsctx):
        self.s, self.o, self.saver, self.tlsctx = sock, o, saver, tlsctx
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        ln, _, self.buf = self.buf.partition(b"\n")
        return ln + b"\n"

    def read(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                return None
            self.buf += d
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def refuse_pipelining(self):
        """OpenSMTPD 6.8: input waiting behind a line is refused, and the end."""
        if self.o["no_pipelining"] and self.buf:
            self.send(b"500 5.5.1 Invalid command: Pipelining not supported\r\n")
            return True
        return False

    def hostile_banner(self, mode):
        if mode == "endless":
            try:
                while True:
                    self.send(b"220-still going\r\n")
            except OSError:
                return True
        if mode == "nocode":
            self.send(b"hello, I am a mail server\r\n")
            return False
        if mode == "eofmid":
            self.send(b"220-first line\r\n220-second")
            return True
        if mode == "slow":
            for b in b"220 slow.chat.test ESMTP\r\n":
                self.send(bytes([b]))
                time.sleep(0.3)
            return False
        return False

    def run(self):
        mode = self.o["hostile"]
        if mode in ("endless", "nocode", "eofmid", "slow"):
            if self.hostile_banner(mode):
                return
        else:
            self.send(b"220 vuln.chat.test ESMTP\r\n")
        frm, rcpts = None, []
        while True:
            ln = self.line()
            if ln is None:
                return
            if self.refuse_pipelining():
                return
            cmd = ln.strip().decode("latin-1")
            verb = cmd.split(" ")[0].upper()
            if verb == "EHLO":
                if mode == "noehlo":
                    self.send(b"502 5.5.1 EHLO not implemented\r\n")
                    continue
                ext = [b"250-vuln.chat.test", b"250-PIPELINING", b"250-SIZE 1000000",
                       b"250-8BITMIME", b"250-CHUNKING", b"250-AUTH PLAIN LOGIN"]
                if self.o["no_pipelining"]:
                    ext.remove(b"250-PIPELINING")
                if self.tlsctx and not isinstance(self.s, ssl.SSLSocket):
                    ext.append(b"250-STARTTLS")
                if isinstance(self.s, ssl.SSLSocket):
                    ext.append(b"250-REQUIRETLS")
                self.send(b"\r\n".join(ext) + b"\r\n250 DSN\r\n")
            elif verb == "HELO":
                self.send(b"250 vuln.chat.test\r\n")
            elif verb == "STARTTLS" and self.tlsctx:
                if mode == "inject":
                    self.send(b"220 2.0.0 go ahead\r\n250 injected\r\n")
                else:
                    self.send(b"220 2.0.0 go ahead\r\n")
                # The bug: self.buf (read ahead in plain text) is kept.
                self.s = self.tlsctx.wrap_socket(self.s, server_side=True)
            elif verb in self.o["reject"]:
                self.send(b"550 5.7.1 %s refused by request\r\n" % verb.encode())
            elif verb == "MAIL":
                frm, rcpts = cmd[10:].split(">")[0].strip("<"), []
                self.mail_cmd = cmd
                self.send(b"250 2.1.0 ok\r\n")
            elif verb == "RCPT":
                rcpts.append(cmd[8:].split(">")[0].strip("<"))
                self.send(b"250 2.1.5 ok\r\n")
            elif verb == "DATA":
                if not rcpts:
                    self.send(b"503 5.5.1 no recipients\r\n")
                    continue
                self.send(b"354 go ahead\r\n")
                data = b""
                while True:
                    ln = self.line()
                    if ln is None:
                        return
                    if ln.rstrip(b"\r\n") == b".":   # the bug: bare LF counts
                        if self.refuse_pipelining():
                            return
                        break
                    if ln.startswith(b"."):
                        ln = ln[1:]
                    data += ln
                if "." in self.o["reject"]:
                    self.send(b"554 5.7.1 message refused by request\r\n")
                    continue
                self.saver.save(frm, rcpts, data, options=self.mail_cmd.partition(">")[2].strip())
                self.send(b"250 2.0.0 queued\r\n")
            elif verb == "BDAT":
                parts = cmd.split()
                chunk = self.read(int(parts[1]))
                if chunk is None:
                    return
                self.bdat = getattr(self, "bdat", b"") + chunk
                if len(parts) > 2 and parts[2].upper() == "LAST":
                    self.saver.save(frm, rcpts, self.bdat)
                    self.bdat = b""
                    self.send(b"250 2.0.0 queued\r\n")
                else:
                    self.send(b"250 2.0.0 chunk ok\r\n")
            elif verb == "AUTH":
                self.send(b"235 2.7.0 ok\r\n")
            elif verb == "RSET":
                frm, rcpts = None, []
                self.send(b"250 2.0.0 ok\r\n")
            elif verb == "NOOP":
                self.send(b"250 2.0.0 ok\r\n")
            elif verb == "QUIT":
                self.send(b"221 2.0.0 bye\r\n")
                return
            else:
                self.send(b"500 5.5.2 what?\r\n")


def run_vuln(o):
    saver = Saver(o["save"])
    tlsctx = None
    if o["tls"]:
        tlsctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tlsctx.load_cert_chain(*o["tls"])
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", o["port"]))
    ls.listen(64)

    def serve(s):
        try:
            Conn(s, o, saver, tlsctx).run()
        except (OSError, ssl.SSLError, ValueError):
            pass
        finally:
            s.close()

    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve, args=(s,), daemon=True).start()


if __name__ == "__main__":
    opts = parse(sys.argv)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    (run_aio if opts["mode"] == "aio" else run_vuln)(opts)
