#!/usr/bin/python3
"""smtp_lockstep.py — one smtpd session (inetd mode) in lock step.

Usage: smtp_lockstep.py POSTBOX_BINARY < commands
Each stdin line is sent with CRLF and the whole reply is read before the
next line goes (so SASL answers come after their 334). After a 354, lines
are sent without waiting until the lone ".". Prints the transcript.
"""
import subprocess, sys

p = subprocess.Popen([sys.argv[1], "smtpd"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL)

def reply():
    out = b""
    while True:
        line = p.stdout.readline()
        out += line
        if not line or line[3:4] != b"-":
            return out

sys.stdout.write(reply().decode())
in_data = False
for cmd in sys.stdin.buffer.read().split(b"\n"):
    if p.poll() is not None:
        break
    try:
        p.stdin.write(cmd + b"\r\n"); p.stdin.flush()
    except BrokenPipeError:
        break
    if in_data and cmd != b".":
        continue
    in_data = False
    r = reply()
    sys.stdout.write(r.decode())
    in_data = r.startswith(b"354")
p.stdin.close()
sys.stdout.write(p.stdout.read().decode())
