#!/usr/bin/python3
"""authres_parse.py — parse an Authentication-Results field with Debian's
python3-authres (RFC 8601) and print it back one result a line:

    authserv-id
    METHOD RESULT ptype.property=value ...

A field authres cannot parse exits 1 with its error.
"""
import sys

import authres

try:
    h = authres.AuthenticationResultsHeader.parse(sys.stdin.read())
except Exception as e:  # authres raises several kinds of syntax errors
    print('unparsable: %s' % e)
    sys.exit(1)
print(h.authserv_id)
for r in h.results:
    props = ' '.join('%s.%s=%s' % (p.type, p.name, p.value) for p in r.properties)
    print(('%s %s %s' % (r.method, r.result, props)).rstrip())
