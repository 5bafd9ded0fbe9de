#!/usr/bin/python3
"""Drive smtpd, pop3d or imapd through a fixed set of sessions whose outcomes the
metrics file must then count exactly (tests/metrics.bats).

  metrics_drive.py smtpd MTA SUB SMTPS    (MTA: STARTTLS; SUB: submission;
                                           SMTPS: submission, implicit TLS)
  metrics_drive.py pop3d POP POPS         (POP: STLS; POPS: implicit TLS)
  metrics_drive.py imapd IMAP IMAPS       (IMAP: STARTTLS; IMAPS: implicit TLS)

Each step asserts the reply it expects, so a count in the file is never the
result of a scenario that went differently. Prints the expected counts as
"name value" lines.
"""
import base64
import imaplib
import poplib
import smtplib
import socket
import ssl
import sys

HOST = "127.0.0.1"
CTX = ssl.create_default_context()
CTX.check_hostname = False
CTX.verify_mode = ssl.CERT_NONE
MSG = "Subject: metrics\r\n\r\nbody\r\n"


def expect(got, code, what):
    if got[0] != code:
        sys.exit("%s: expected %d, got %r" % (what, code, got))


def bad_handshake(port):
    """Plain text where TLS is expected: the server's handshake fails."""
    s = socket.create_connection((HOST, port), timeout=10)
    s.sendall(b"EHLO not-tls\r\n" * 4)
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()


def smtpd(mta, sub, smtps):
    # 1. recipient, relay, then a message: recipient 1, relay 1, messages 1
    c = smtplib.SMTP(HOST, mta, timeout=10)
    c.ehlo("client.example")
    expect(c.mail("s@client.example"), 250, "MAIL")
    expect(c.rcpt("ann@test.example"), 250, "RCPT known")
    expect(c.rcpt("nobody@test.example"), 550, "RCPT unknown")
    expect(c.rcpt("far@elsewhere.example"), 554, "RCPT relay")
    expect(c.data(MSG), 250, "DATA")
    # 2. SIZE past max_message_size: size 1
    expect(c.mail("s@client.example", ["SIZE=999999999"]), 552, "MAIL SIZE")
    c.quit()
    # 3. STARTTLS and a second message: tls ok 1, messages 2
    c = smtplib.SMTP(HOST, mta, timeout=10)
    c.starttls(context=CTX)
    c.ehlo("client.example")
    c.sendmail("s@client.example", ["ann@test.example"], MSG)
    c.quit()
    # 4. submission without TLS: auth_required 1
    c = smtplib.SMTP(HOST, sub, timeout=10)
    c.ehlo("client.example")
    expect(c.mail("ann@test.example"), 530, "MAIL before STARTTLS")
    c.quit()
    # 5. implicit TLS, AUTH right, a message: tls ok 2, auth ok 1, messages 3
    c = smtplib.SMTP_SSL(HOST, smtps, timeout=10, context=CTX)
    c.ehlo("client.example")
    c.login("ann@test.example", "secret")
    c.sendmail("ann@test.example", ["far@elsewhere.example"], MSG)
    # a sender ann does not own: sender 1
    expect(c.mail("eve@test.example"), 553, "MAIL not owned")
    c.quit()
    # 6. implicit TLS, two wrong passwords, then locked out
    #    (auth_failure_limit 2): tls ok 3, auth failed 2, locked 1
    c = smtplib.SMTP_SSL(HOST, smtps, timeout=10, context=CTX)
    c.ehlo("client.example")
    plain = base64.b64encode(b"\0ann@test.example\0wrong").decode()
    for _ in range(2):
        expect(c.docmd("AUTH", "PLAIN " + plain), 535, "AUTH wrong")
    expect(c.docmd("AUTH", "PLAIN " + plain), 454, "AUTH locked")
    c.quit()
    # 7. a failed handshake: tls failed 1
    bad_handshake(smtps)
    # 8. max_sessions_per_ip 3: three held, the fourth refused by the
    #    parent: max_sessions_per_ip 1 (three sessions, none refused inside)
    held = []
    for _ in range(3):
        s = socket.create_connection((HOST, mta), timeout=10)
        if not s.recv(100).startswith(b"220"):
            sys.exit("held session: no greeting")
        held.append(s)
    s = socket.create_connection((HOST, mta), timeout=10)
    line = s.recv(200)
    if not line.startswith(b"421 4.7.0"):
        sys.exit("fourth session: expected 421, got %r" % line)
    s.close()
    for s in held:
        s.sendall(b"QUIT\r\n")
        s.recv(100)
        s.close()
    expected = {
        "postbox_smtpd_sessions_total": 9,
        "postbox_smtpd_sessions_active": 0,
        "postbox_smtpd_messages_accepted_total": 3,
        'postbox_smtpd_refusals_total{reason="recipient"}': 1,
        'postbox_smtpd_refusals_total{reason="relay"}': 1,
        'postbox_smtpd_refusals_total{reason="size"}': 1,
        'postbox_smtpd_refusals_total{reason="auth_required"}': 1,
        'postbox_smtpd_refusals_total{reason="sender"}': 1,
        'postbox_smtpd_refusals_total{reason="max_sessions_per_ip"}': 1,
        'postbox_smtpd_refusals_total{reason="max_sessions"}': 0,
        'postbox_smtpd_refusals_total{reason="rate_limit"}': 0,
        'postbox_smtpd_refusals_total{reason="content"}': 0,
        'postbox_smtpd_refusals_total{reason="storage"}': 0,
        'postbox_smtpd_refusals_total{reason="protocol"}': 0,
        'postbox_smtpd_tls_handshakes_total{result="ok"}': 3,
        'postbox_smtpd_tls_handshakes_total{result="failed"}': 1,
        'postbox_smtpd_auth_total{result="ok"}': 1,
        'postbox_smtpd_auth_total{result="failed"}': 2,
        'postbox_smtpd_auth_total{result="locked"}': 1,
    }
    return expected


def pop_expect(f, prefix, what):
    try:
        got = f()
    except poplib.error_proto as e:
        got = e.args[0]
    if not got.startswith(prefix):
        sys.exit("%s: expected %r, got %r" % (what, prefix, got))


def pop3d(pop, pops):
    # 1. USER before TLS: plaintext 1
    p = poplib.POP3(HOST, pop, timeout=10)
    pop_expect(lambda: p.user("ann@test.example"), b"-ERR [AUTH]", "USER in the clear")
    p.quit()
    # 2. STLS, login, RETR 1, DELE 1, QUIT: tls ok 1, auth ok 1,
    #    retrieved 1, deleted 1; a second session meanwhile finds the
    #    maildrop in use: tls ok 2, auth ok 2, in_use 1
    p = poplib.POP3(HOST, pop, timeout=10)
    p.stls(context=CTX)
    p.user("ann@test.example")
    p.pass_("secret")
    p.retr(1)
    p.dele(1)
    q = poplib.POP3_SSL(HOST, pops, timeout=10, context=CTX)
    q.user("ann@test.example")
    pop_expect(lambda: q.pass_("secret"), b"-ERR [IN-USE]", "second login")
    q.close()  # the root process of a separated session ends it
    p.quit()
    # 3. implicit TLS, two wrong passwords, then locked out
    #    (auth_failure_limit 2): tls ok 3, auth failed 2, locked 1
    p = poplib.POP3_SSL(HOST, pops, timeout=10, context=CTX)
    for what in ("wrong", "wrong", "locked"):
        p.user("ann@test.example")
        pop_expect(lambda: p.pass_("wrong"), b"-ERR [AUTH]", "PASS " + what)
    p.close()
    # 4. a failed handshake: tls failed 1
    bad_handshake(pops)
    return {
        "postbox_pop3d_sessions_total": 5,
        "postbox_pop3d_sessions_active": 0,
        "postbox_pop3d_messages_retrieved_total": 1,
        "postbox_pop3d_messages_deleted_total": 1,
        'postbox_pop3d_refusals_total{reason="plaintext"}': 1,
        'postbox_pop3d_refusals_total{reason="in_use"}': 1,
        'postbox_pop3d_refusals_total{reason="max_sessions"}': 0,
        'postbox_pop3d_refusals_total{reason="max_sessions_per_ip"}': 0,
        'postbox_pop3d_refusals_total{reason="protocol"}': 0,
        'postbox_pop3d_tls_handshakes_total{result="ok"}': 3,
        'postbox_pop3d_tls_handshakes_total{result="failed"}': 1,
        'postbox_pop3d_auth_total{result="ok"}': 2,
        'postbox_pop3d_auth_total{result="failed"}': 2,
        'postbox_pop3d_auth_total{result="locked"}': 1,
    }


def imap_expect(f, prefix, what):
    try:
        typ, data = f()
        got = ("%s %s" % (typ, data[-1].decode() if data and data[-1] else "")).encode()
    except imaplib.IMAP4.error as e:
        got = ("NO " + str(e)).encode()
    if not got.startswith(prefix):
        sys.exit("%s: expected %r, got %r" % (what, prefix, got))


def raw_imap(port, lines):
    """A session in the clear: send lines, return everything read until
    the server closes (or 10 s)."""
    s = socket.create_connection((HOST, port), timeout=10)
    s.sendall(b"".join(l + b"\r\n" for l in lines))
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except OSError:
        pass
    s.close()
    return out


def imapd(imap, imaps):
    # 1. LOGIN before TLS: plaintext 1
    out = raw_imap(imap, [b"a LOGIN ann@test.example secret", b"b LOGOUT"])
    if b"a NO [PRIVACYREQUIRED]" not in out:
        sys.exit("LOGIN in the clear: %r" % out)
    # 2. STARTTLS, login, a body fetched (and a flags-only FETCH, which
    #    is not counted), one message expunged, one appended:
    #    tls ok 1, auth ok 1, fetched 1, expunged 1, appended 1
    m = imaplib.IMAP4(HOST, imap, timeout=10)
    m.starttls(ssl_context=CTX)
    imap_expect(lambda: m.login("ann@test.example", "secret"), b"OK", "LOGIN")
    imap_expect(lambda: m.select("INBOX"), b"OK 2", "SELECT")
    imap_expect(lambda: m.fetch("1", "(BODY.PEEK[])"), b"OK", "FETCH BODY")
    imap_expect(lambda: m.fetch("1:*", "(FLAGS RFC822.SIZE ENVELOPE)"), b"OK", "FETCH FLAGS")
    imap_expect(lambda: m.store("1", "+FLAGS", "(\\Deleted)"), b"OK", "STORE")
    imap_expect(lambda: m.expunge(), b"OK", "EXPUNGE")
    imap_expect(lambda: m.append("INBOX", None, None, MSG.encode()), b"OK", "APPEND")
    m.logout()
    # 3. implicit TLS, two wrong passwords, then locked out
    #    (auth_failure_limit 2): tls ok 2, auth failed 2, locked 1
    m = imaplib.IMAP4_SSL(HOST, imaps, timeout=10, ssl_context=CTX)
    for what in ("wrong", "wrong", "locked"):
        imap_expect(lambda: m.login("ann@test.example", "wrong"), b"NO", "LOGIN " + what)
    m.shutdown()
    # 4. a failed handshake: tls failed 1
    bad_handshake(imaps)
    # 5. twenty bad commands end a session: protocol 1
    out = raw_imap(imap, [b"x BOGUS"] * 20)
    if b"* BYE too many errors" not in out:
        sys.exit("20 errors: %r" % out[-200:])
    return {
        "postbox_imapd_sessions_total": 5,
        "postbox_imapd_sessions_active": 0,
        'postbox_imapd_messages_total{action="fetched"}': 1,
        'postbox_imapd_messages_total{action="appended"}': 1,
        'postbox_imapd_messages_total{action="expunged"}': 1,
        'postbox_imapd_refusals_total{reason="plaintext"}': 1,
        'postbox_imapd_refusals_total{reason="max_sessions"}': 0,
        'postbox_imapd_refusals_total{reason="max_sessions_per_ip"}': 0,
        'postbox_imapd_refusals_total{reason="protocol"}': 1,
        'postbox_imapd_tls_handshakes_total{result="ok"}': 2,
        'postbox_imapd_tls_handshakes_total{result="failed"}': 1,
        'postbox_imapd_auth_total{result="ok"}': 1,
        'postbox_imapd_auth_total{result="failed"}': 2,
        'postbox_imapd_auth_total{result="locked"}': 1,
    }


if __name__ == "__main__":
    ports = [int(a) for a in sys.argv[2:]]
    counts = {"smtpd": smtpd, "pop3d": pop3d, "imapd": imapd}[sys.argv[1]](*ports)
    for name, value in counts.items():
        print(name, value)
