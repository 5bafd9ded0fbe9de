#!/usr/bin/python3
"""dkim_check.py — dkimpy (Debian's python3-dkim) as the reference DKIM
implementation for the tests, with keys from files instead of the DNS.

  dkim_check.py verify ZONE < message     exit 0 when every signature verifies
  dkim_check.py sign ALG DOMAIN SELECTOR KEYFILE < message > signed
      ALG rsa-sha256 or ed25519-sha256; relaxed/relaxed

ZONE: lines "NAME TXT-TEXT" (NAME without the final dot), as dkimpy's
dnsfunc answers them; a name not listed has no record.
"""
import sys

import dkim


def zone(path):
    records = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                name, text = line.split(None, 1)
                records[name.rstrip('.').lower()] = text.encode()
    return records


def main():
    cmd = sys.argv[1]
    msg = sys.stdin.buffer.read()
    if cmd == 'verify':
        records = zone(sys.argv[2])

        def dnsfunc(name, timeout=5):
            key = name.decode() if isinstance(name, bytes) else name
            return records.get(key.rstrip('.').lower())

        d = dkim.DKIM(msg)
        n = len([h for h in d.headers if h[0].lower() == b'dkim-signature'])
        if n == 0:
            print('no signature')
            return 1
        ok = True
        for i in range(n):
            try:
                good = d.verify(idx=i, dnsfunc=dnsfunc)
            except dkim.DKIMException as e:
                print('sig %d: error: %s' % (i, e), file=sys.stderr)
                good = False
            print('sig %d: %s' % (i, 'pass' if good else 'fail'))
            ok = ok and good
        return 0 if ok else 1
    if cmd == 'sign':
        alg, domain, selector, keyfile = sys.argv[2:6]
        with open(keyfile, 'rb') as f:
            key = f.read()
        sig = dkim.sign(msg, selector.encode(), domain.encode(), key, signature_algorithm=alg.encode(),
                        canonicalize=(b'relaxed', b'relaxed'), include_headers=[b'from', b'to', b'subject', b'date'])
        sys.stdout.buffer.write(sig + msg)
        return 0
    return 64


if __name__ == '__main__':
    sys.exit(main())
