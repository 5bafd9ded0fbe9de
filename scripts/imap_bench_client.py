#!/usr/bin/python3
"""imap_bench_client.py — the client of scripts/bench-imapd, the same for
both servers. Raw sockets, so that the client is never what is measured:
answers are not parsed, only the tagged completion is looked for.

  imap_bench_client.py select HOST PORT USER PASS
      log in, SELECT INBOX; prints "select SECONDS EXISTS"
  imap_bench_client.py fetch HOST PORT USER PASS FIRST COUNT
      log in, SELECT INBOX (timed), FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE),
      then UID FETCH FIRST:FIRST+COUNT-1 (BODY.PEEK[]); prints
      "select S fetch S OCTETS body S OCTETS"
  imap_bench_client.py idle HOST PORT USER PASS N ROOTPID
      open N sessions, each logged in, INBOX selected and in IDLE; the
      memory (PSS and RSS, from /proc/PID/smaps_rollup) of ROOTPID and all
      its descendants is summed before the first and after the last;
      prints "idle N PSS_KIB_BEFORE PSS_KIB_AFTER RSS_KIB_BEFORE
      RSS_KIB_AFTER PROCS_BEFORE PROCS_AFTER"
Exits non-zero naming the answer on anything but OK."""
import os
import resource
import socket
import sys
import time


class Session:
    def __init__(self, host, port):
        self.s = socket.create_connection((host, port), timeout=600)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.n = 0
        self.line()  # greeting

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        l, self.buf = self.buf.split(b"\r\n", 1)
        return l

    def fill(self):
        d = self.s.recv(1 << 20)
        if not d:
            sys.exit("connection closed")
        self.buf += d
        return len(d)

    def command(self, text, keep=False):
        """Send a command; read to its tagged answer, which must be OK.
        Returns (seconds, octets received, the untagged EXISTS or None).
        Only a window of what arrives is kept (keep: all of it, for the
        EXISTS of a SELECT), so that a 100 MB answer costs one pass."""
        self.n += 1
        tag = b"Bench%d" % self.n
        t0 = time.time()
        self.s.sendall(tag + b" " + text + b"\r\n")
        want = b"\r\n" + tag + b" "
        octets = len(self.buf)
        data = bytearray(b"\r\n" + self.buf)
        head = bytearray()
        while True:
            i = data.find(want)
            if i >= 0:
                end = data.find(b"\r\n", i + 2)
                if end >= 0:
                    break
            d = self.s.recv(1 << 20)
            if not d:
                sys.exit("connection closed")
            octets += len(d)
            if i < 0 and len(data) > 4096:
                cut = len(data) - len(want)
                if keep:
                    head += data[:cut]
                del data[:cut]
            data += d
        dt = time.time() - t0
        answer = bytes(data[i + 2:end])
        head += data[:i]
        self.buf = bytes(data[end + 2:])
        if not answer.startswith(tag + b" OK"):
            sys.exit("unexpected: %r" % answer[:200])
        exists = None
        k = head.rfind(b" EXISTS")
        if k >= 0:
            exists = int(head[head.rfind(b"* ", 0, k) + 2:k])
        return dt, octets, exists

    def login(self, user, pw):
        self.command(b"LOGIN \"%s\" \"%s\"" % (user.encode(), pw.encode()))


def tree(root):
    """PIDs of root and its descendants."""
    children = {}
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % p) as f:
                st = f.read()
        except OSError:
            continue
        ppid = int(st[st.rfind(")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(p))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def memory(root):
    pss = rss = procs = 0
    for p in tree(root):
        try:
            with open("/proc/%d/smaps_rollup" % p) as f:
                for l in f:
                    if l.startswith("Pss:"):
                        pss += int(l.split()[1])
                    elif l.startswith("Rss:"):
                        rss += int(l.split()[1])
            procs += 1
        except OSError:
            pass
    return pss, rss, procs


def main():
    action, host, port, user, pw = sys.argv[1:6]
    port = int(port)
    if action == "select":
        s = Session(host, port)
        s.login(user, pw)
        dt, _, exists = s.command(b"SELECT INBOX", keep=True)
        s.command(b"LOGOUT")
        print("select %.6f %s" % (dt, exists))
    elif action == "fetch":
        first, count = int(sys.argv[6]), int(sys.argv[7])
        s = Session(host, port)
        s.login(user, pw)
        ts, _, _ = s.command(b"SELECT INBOX")
        tf, of, _ = s.command(b"FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)")
        tb, ob, _ = s.command(b"UID FETCH %d:%d (BODY.PEEK[])" % (first, first + count - 1))
        s.command(b"LOGOUT")
        print("select %.6f fetch %.6f %d body %.6f %d" % (ts, tf, of, tb, ob))
    elif action == "idle":
        n, root = int(sys.argv[6]), int(sys.argv[7])
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        want = n + 100
        if soft < want:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(hard, want)))
        time.sleep(1)
        before = memory(root)
        sessions = []
        for _ in range(n):
            s = Session(host, port)
            s.login(user, pw)
            s.command(b"SELECT INBOX")
            s.s.sendall(b"idle IDLE\r\n")
            if not s.line().startswith(b"+"):
                sys.exit("IDLE refused")
            sessions.append(s)
        time.sleep(2)  # let every process settle into its wait
        after = memory(root)
        print("idle %d %d %d %d %d %d %d" % (n, before[0], after[0], before[1], after[1], before[2], after[2]))
        for s in sessions:
            s.s.sendall(b"DONE\r\nz LOGOUT\r\n")
        for s in sessions:
            s.s.close()


main()
