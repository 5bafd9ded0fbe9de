#!/usr/bin/python3
"""imap_util.py — IMAP client actions for tests/imapd.bats with Python's
imaplib (STARTTLS and implicit TLS). Usage: imap_util.py ACTION PORT MODE
[ARGS...] (MODE: starttls, ssl or plain); prints results, exits non-zero
on an unexpected answer."""
import os
import imaplib
import ssl
import subprocess
import sys
import time

USER, PASS = "ann@test.example", "secret"


def ctx():
    return ssl.create_default_context(cafile=os.environ["CERT"])


def connect(port, mode):
    if mode == "ssl":
        return imaplib.IMAP4_SSL("localhost", port, ssl_context=ctx(), timeout=20)
    m = imaplib.IMAP4("localhost", port, timeout=20)
    if mode == "starttls":
        m.starttls(ssl_context=ctx())
    return m


def ok(r):
    typ, data = r
    if typ != "OK":
        sys.exit("unexpected: %r %r" % (typ, data))
    return data


def main():
    action, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    args = sys.argv[4:]
    m = connect(port, mode)
    if action == "login":
        # Log in, say what the server offers, log out.
        print("caps-before", " ".join(m.capabilities))
        ok(m.login(USER, PASS))
        ok(m.noop())
        print("logged-in")
        m.logout()
    elif action == "badlogin":
        try:
            m.login(USER, "wrong")
        except imaplib.IMAP4.error as e:
            print("refused", e)
    elif action == "read":
        # Every message of INBOX: UID, flags, size and the body's bytes.
        ok(m.login(USER, PASS))
        n = int(ok(m.select("INBOX"))[0])
        print("exists", n)
        for i in range(1, n + 1):
            d = ok(m.fetch(str(i), "(UID FLAGS RFC822.SIZE BODY.PEEK[])"))
            head, body = d[0]
            print("msg", i, head.decode().split(" (", 1)[1].split(" BODY[]")[0], len(body))
            sys.stdout.write(body.decode("utf-8", "replace").replace("\r\n", "\n"))
            if os.environ.get("OUT"):
                with open(os.path.join(os.environ["OUT"], str(i)), "wb") as f:
                    f.write(body.replace(b"\r\n", b"\n"))
        m.logout()
    elif action == "work":
        # Folders and flags: create, append, copy, move, search, expunge.
        ok(m.login(USER, PASS))
        ok(m.create("Work"))
        print("list", sorted(x.decode() for x in ok(m.list())))
        typ, d = m.append("Work", "(\\Flagged)", None, b"Subject: appended\r\n\r\nhello\r\n")
        print("append", typ, d[0].decode())
        ok(m.select("INBOX"))
        print("search-all", ok(m.search(None, "ALL"))[0].decode())
        print("search-subject", ok(m.search(None, "SUBJECT", "m2"))[0].decode())
        print("store", ok(m.store("1", "+FLAGS", "(\\Seen \\Deleted)"))[0].decode())
        print("copy", m.copy("2", "Work")[1][0].decode())
        print("move", m._simple_command("MOVE", "2", "Work")[0])
        print("expunge", ok(m.expunge())[0])
        ok(m.select("Work"))
        print("work-all", ok(m.uid("SEARCH", None, "ALL"))[0].decode())
        print("work-flagged", ok(m.search(None, "FLAGGED"))[0].decode())
        m.logout()
    elif action == "idle":
        # IDLE; run the command in args while idling; report what came.
        ok(m.login(USER, PASS))
        ok(m.select("INBOX"))
        tag = m._new_tag()
        m.send(tag + b" IDLE\r\n")
        line = m.readline()
        if not line.startswith(b"+"):
            sys.exit("no continuation: %r" % line)
        start = time.time()
        subprocess.run(args, check=True)
        m.sock.settimeout(10)
        line = m.readline()
        print("idle-got", line.decode().strip(), "after %.1f s" % (time.time() - start))
        m.send(b"DONE\r\n")
        while True:
            line = m.readline()
            if line.startswith(tag):
                print("idle-end", line.decode().strip())
                break
        m.logout()
    elif action == "watch":
        # Select, show the sizes, run the command in args (another reader
        # changes the mailbox), then NOOP and show what was reported.
        ok(m.login(USER, PASS))
        ok(m.select("INBOX"))
        for line in ok(m.fetch("1:*", "(UID RFC822.SIZE)")):
            print("size", line.decode())
        out = subprocess.run(args, check=True, capture_output=True).stdout.decode()
        print("command", out.replace("\r", "").replace("\n", " | "))
        ok(m.noop())
        print("noop EXPUNGE", m.untagged_responses.get("EXPUNGE"))
        m.logout()
    elif action == "two":
        # Session a watches while session b changes the mailbox and a
        # delivery (the command in args) adds to it.
        ok(m.login(USER, PASS))
        print("a-select", int(ok(m.select("INBOX"))[0]))
        b = connect(port, mode)
        ok(b.login(USER, PASS))
        ok(b.select("INBOX"))
        ok(b.store("2", "+FLAGS", "(\\Flagged)"))
        ok(b.store("1", "+FLAGS", "(\\Deleted)"))
        print("b-expunge", ok(b.expunge()))
        b.logout()
        subprocess.run(args, input=b"Subject: new\n\nnew\n", check=True)
        ok(m.noop())
        for kind in ("EXPUNGE", "FETCH", "EXISTS"):
            print("a-noop", kind, m.untagged_responses.get(kind))
        m.logout()
    elif action == "flags":
        # Two sessions add flags to one message, b without having heard of
        # a's change: both stay, and b's STORE .SILENT tells it of a's.
        ok(m.login(USER, PASS))
        ok(m.select("INBOX"))
        b = connect(port, mode)
        ok(b.login(USER, PASS))
        ok(b.select("INBOX"))
        ok(m.store("1", "+FLAGS", "(\\Seen $a)"))
        print("b-silent", ok(b.store("1", "+FLAGS.SILENT", "(\\Flagged)")))
        ok(m.store("1", "-FLAGS.SILENT", "(\\Seen)"))
        b.logout()
        m.logout()
    elif action == "rev2":
        # ENABLE IMAP4rev2 (RFC 9051), then what a rev2 client relies on.
        ok(m.login(USER, PASS))
        print("caps", " ".join(m.capabilities))
        ok(m.enable("IMAP4rev2"))
        print("enabled", m.untagged_responses.pop("ENABLED", None))
        m._mode_utf8()  # rev2 names are UTF-8, as after UTF8=ACCEPT
        ok(m.create('"Entwürfe"'))  # 8-bit needs a quoted string
        print("list", [x.decode() for x in ok(m.list('""', "Entw*"))])
        n = int(ok(m.select("INBOX"))[0])
        print("select", n, "RECENT", m.untagged_responses.get("RECENT"),
              "LIST", m.untagged_responses.get("LIST"))
        print("flags", [x.decode() for x in ok(m.fetch("1:*", "(FLAGS)"))])
        print("search", ok(m.search(None, "SUBJECT", "m2")),
              "ESEARCH", m.untagged_responses.pop("ESEARCH", None))
        ok(m.store("1", "+FLAGS", "(\\Deleted)"))
        print("status", ok(m.status("INBOX", "(MESSAGES DELETED SIZE)"))[0].decode())
        print("binary", ok(m.fetch("2", "(BINARY.PEEK[1])"))[0][1])
        ok(m.append('"Entwürfe"', None, None, b"Subject: draft\r\n\r\nx\r\n"))
        print("status-utf8", ok(m.status('"Entwürfe"', "(MESSAGES)"))[0].decode())
        m.logout()
    else:
        sys.exit("unknown action " + action)


main()
