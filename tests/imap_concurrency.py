#!/usr/bin/python3
"""imap_concurrency.py — one Maildir under concurrent writers and readers
for a bounded time (tests/imap_concurrency.bats):

  * DELIVERERS threads run `postbox deliver` again and again, each message
    with a unique Message-ID and a random body;
  * IMAP session "flagger" (Python's imaplib): every round it selects
    INBOX, flags some messages \\Flagged, marks some \\Deleted and
    UID EXPUNGEs them;
  * IMAP session "fetcher": fetches the body of every UID it has not seen;
  * a POP3 client (poplib) logs in every round, RETRs one message and
    DELEs it.

Usage: imap_concurrency.py POSTBOX MAILDIR IMAP_PORT POP3_PORT SECONDS

Afterwards (deliveries stopped) it checks, and exits 1 naming what broke:
  - no message lost: every Message-ID delivered is in the Maildir (one
    file), or was removed by the flagger's EXPUNGE or by POP3's DELE;
  - no message duplicated: no Message-ID in two files, none both removed
    and still there, every body the fetcher read is the body delivered;
  - UIDs stable: a UID never names two Message-IDs, a Message-ID never
    gets two UIDs, across every answer of both sessions and a last one;
  - UIDVALIDITY the same in every SELECT.
Prints "delivered N present N expunged N pop3-deleted N uids N fetched N".
"""
import hashlib
import imaplib
import os
import poplib
import random
import re
import subprocess
import sys
import threading
import time

PB, MD, IMAP_PORT, POP_PORT, SECONDS = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
USER, PASS = "ann@test.example", "secret"
DELIVERERS = 2

lock = threading.Lock()
delivered = {}        # Message-ID -> sha256 of the body
imap_removed = set()  # Message-IDs the flagger expunged
pop_removed = set()   # Message-IDs POP3 deleted
uid_of = {}           # Message-ID -> UID, as first seen
msgid_of = {}         # UID -> Message-ID, as first seen
validities = set()
errors = []
stop = threading.Event()
counts = {"fetched": 0}


def fail(what):
    with lock:
        errors.append(what)
    stop.set()


def body_hash(raw):
    """The body (after the header) with LF line ends: deliver adds header
    fields, IMAP and POP3 send CRLF."""
    raw = raw.replace(b"\r\n", b"\n")
    return hashlib.sha256(raw.split(b"\n\n", 1)[1]).hexdigest()


MSGID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.I | re.M)


def msgid(raw):
    m = MSGID.search(raw)
    return m.group(1).decode() if m else None


def saw(uid, mid, who):
    """Record that uid names mid; a UID that names another message, or a
    message with another UID, is an error."""
    with lock:
        if msgid_of.setdefault(uid, mid) != mid:
            errors.append("%s: UID %d names %s, earlier %s" % (who, uid, mid, msgid_of[uid]))
        if uid_of.setdefault(mid, uid) != uid:
            errors.append("%s: %s has UID %d, earlier %d" % (who, mid, uid, uid_of[mid]))


def deliverer(k):
    n = 0
    while not stop.is_set():
        n += 1
        mid = "<%d.%d.%d@concurrency.test>" % (k, n, os.getpid())
        body = b"token %s\n%s\n" % (os.urandom(8).hex().encode(), os.urandom(300).hex().encode())
        msg = b"From: s@x.example\nTo: ann@test.example\nSubject: c %d %d\nMessage-ID: %s\n\n%s" % (
            k, n, mid.encode(), body)
        r = subprocess.run([PB, "deliver", "-f", "s@x.example", MD + "/"], input=msg, capture_output=True)
        if r.returncode != 0:
            fail("deliver exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
            return
        with lock:
            delivered[mid] = hashlib.sha256(body).hexdigest()


def select(m, who):
    typ, data = m.select("INBOX")
    if typ != "OK":
        fail("%s: SELECT %s %r" % (who, typ, data))
        return None
    v = m.response("UIDVALIDITY")[1]
    if v and v[0]:
        with lock:
            validities.add(int(v[0]))
    return int(data[0])


FETCH_RE = re.compile(rb"UID (\d+)")


def fetched_items(data):
    """(uid, bytes) pairs of a FETCH answer with one literal per message."""
    out = []
    for item in data:
        if isinstance(item, tuple):
            m = FETCH_RE.search(item[0])
            if m:
                out.append((int(m.group(1)), item[1]))
    return out


def flagger():
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=30)
    m.login(USER, PASS)
    rnd = random.Random(1)
    while not stop.is_set():
        if select(m, "flagger") is None:
            return
        typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        if typ != "OK":
            fail("flagger: FETCH %s %r" % (typ, data))
            return
        seen = {}
        for uid, head in fetched_items(data):
            mid = msgid(head)
            if mid:
                saw(uid, mid, "flagger")
                seen[uid] = mid
        uids = sorted(seen)
        if uids:
            flag = [u for u in uids if rnd.random() < 0.3]
            if flag:
                m.uid("STORE", ",".join(map(str, flag)), "+FLAGS", "(\\Flagged)")
            gone = [u for u in uids if rnd.random() < 0.2][:5]
            if gone:
                s = ",".join(map(str, gone))
                typ, data = m.uid("STORE", s, "+FLAGS", "(\\Deleted)")
                if typ != "OK":
                    fail("flagger: STORE \\Deleted %s %r" % (typ, data))
                    return
                typ, data = m.uid("EXPUNGE", s)
                if typ != "OK":
                    fail("flagger: UID EXPUNGE %s %r" % (typ, data))
                    return
                with lock:
                    imap_removed.update(seen[u] for u in gone)
        time.sleep(0.2)
    m.logout()


def fetcher():
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=30)
    m.login(USER, PASS)
    have = set()
    while not stop.is_set():
        if select(m, "fetcher") is None:
            return
        typ, data = m.uid("SEARCH", None, "ALL")
        if typ != "OK":
            fail("fetcher: SEARCH %s %r" % (typ, data))
            return
        new = [int(u) for u in data[0].split() if int(u) not in have]
        if new:
            typ, data = m.uid("FETCH", ",".join(map(str, new)), "(UID BODY.PEEK[])")
            if typ != "OK" and not (typ == "NO" and b"EXPUNGE" in b" ".join(d for d in data if isinstance(d, bytes))):
                fail("fetcher: FETCH %s %r" % (typ, data))
                return
            for uid, raw in fetched_items(data):
                mid = msgid(raw)
                if not mid:
                    fail("fetcher: UID %d has no Message-ID" % uid)
                    return
                saw(uid, mid, "fetcher")
                with lock:
                    want = delivered.get(mid)
                # deliver's run may not have returned yet: its hash comes later
                if want is not None and want != body_hash(raw):
                    fail("fetcher: UID %d (%s): body differs from what was delivered" % (uid, mid))
                have.add(uid)
                counts["fetched"] += 1
        time.sleep(0.1)
    m.logout()


def pop3():
    while not stop.is_set():
        time.sleep(0.5)
        p = poplib.POP3("127.0.0.1", POP_PORT, timeout=30)
        try:
            p.user(USER)
            p.pass_(PASS)
        except poplib.error_proto as e:
            fail("pop3: login %r" % (e,))
            return
        n = len(p.list()[1])
        if n:
            k = random.randint(1, n)
            try:
                raw = b"\n".join(p.retr(k)[1])
            except poplib.error_proto as e:
                # An IMAP session expunged it after this one's LIST: pop3d
                # says so (RFC 1939 lets RETR fail), and nothing is lost.
                if b"is gone (removed by someone else)" not in e.args[0]:
                    fail("pop3: RETR %d: %r" % (k, e))
                    return
                p.quit()
                continue
            mid = msgid(raw)
            p.dele(k)
            p.quit()  # the deletion happens here
            with lock:
                pop_removed.add(mid)
        else:
            p.quit()


def maildir_msgids():
    out = {}
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(MD, sub)):
            with open(os.path.join(MD, sub, name), "rb") as f:
                mid = msgid(f.read())
            out.setdefault(mid, []).append(name)
    return out


def main():
    threads = [threading.Thread(target=deliverer, args=(k,)) for k in range(DELIVERERS)]
    threads += [threading.Thread(target=f) for f in (flagger, fetcher, pop3)]
    for t in threads:
        t.start()
    stop.wait(SECONDS)
    stop.set()
    for t in threads:
        t.join(60)
        if t.is_alive():
            errors.append("a client did not finish within 60 s")
    # A last session: the UIDs of everything still there.
    m = imaplib.IMAP4("127.0.0.1", IMAP_PORT, timeout=30)
    m.login(USER, PASS)
    n = select(m, "last")
    present_imap = {}
    if n:
        typ, data = m.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
        for uid, raw in fetched_items(data):
            mid = msgid(raw)
            saw(uid, mid, "last")
            present_imap[mid] = uid
            if delivered.get(mid) != body_hash(raw):
                errors.append("last: UID %d (%s): body differs from what was delivered" % (uid, mid))
    m.logout()
    files = maildir_msgids()
    removed = imap_removed | pop_removed
    for mid, names in files.items():
        if len(names) > 1:
            errors.append("duplicated: %s in %s" % (mid, names))
        if mid in removed:
            errors.append("removed, yet still there: %s" % mid)
        if mid not in delivered:
            errors.append("never delivered: %s" % mid)
    for mid in delivered:
        if mid not in files and mid not in removed:
            errors.append("lost: %s" % mid)
    if set(files) != set(present_imap):
        errors.append("IMAP shows %d messages, the Maildir has %d" % (len(present_imap), len(files)))
    if len(validities) != 1:
        errors.append("UIDVALIDITY changed: %s" % sorted(validities))
    print("delivered %d present %d expunged %d pop3-deleted %d uids %d fetched %d" % (
        len(delivered), len(files), len(imap_removed), len(pop_removed), len(msgid_of), counts["fetched"]))
    for e in errors[:20]:
        print("ERROR", e)
    if not delivered or not imap_removed or not pop_removed or not counts["fetched"]:
        print("ERROR the run did too little to prove anything")
        sys.exit(1)
    sys.exit(1 if errors else 0)


main()
