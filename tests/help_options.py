#!/usr/bin/python3
"""help_options.py — the options an applet's parser accepts, read from its
source, that its --help does not mention.

Usage: help_options.py POSTBOX SOURCE.c APPLET
Options are found where parsers name them: getopt()/getopt_long() option
strings (login_app.c's for an applet that calls login_cli_parse), getopt_long's table ({ "name", ...}), string literals compared with
strcmp ("-C", "--json") or listed in an option table ({ "--flush", ...}),
and the letters of a `switch` over argv's second character (sendmail's
`case 'B':`). Prints each missing option; exits 1 when there is one.
"""
import os, re, subprocess, sys

postbox, source, applet = sys.argv[1:4]
text = open(source).read()
# pop3d and imapd parse their shared options in libmail/login/login_app.c.
if "login_cli_parse(" in text:
    shared = os.path.join(os.path.dirname(source), "..", "libmail", "login", "login_app.c")
    text += open(shared).read()
# The usage text itself names options: leave it out of the search.
text = re.sub(r'static const char usage_text\[\] =.*?;\n', '', text, flags=re.S)
opts = set()
for s in re.findall(r'getopt(?:_long)?\(\s*argc,\s*argv,\s*"([^"]*)"', text):
    opts |= {"-" + c for c in s if c != ":"}
m = re.search(r'struct option \w+\[\] = \{(.*?)\n\};', text, re.S)
if m:
    opts |= {"--" + n for n in re.findall(r'\{\s*"([a-z0-9-]+)"', m.group(1))}
opts |= set(re.findall(r'strcmp\(\w+(?:\[\w+\])?, "(--?[A-Za-z][A-Za-z0-9-]*)"\)', text))
opts |= set(re.findall(r'\{\s*"(--[a-z][a-z0-9-]*)",', text))
# A switch over the option letter may take the rest of the argument as a
# value or a sub-option (-q5m, -bp, -oi): there the letter is a prefix.
prefixes = set()
m = re.search(r'static void parse_options\(int argc.*?\n\}\n', text, re.S)
if m and "getopt" not in m.group(0):
    prefixes = {"-" + c for c in re.findall(r"case '([A-Za-z])':", m.group(0))}
    opts |= prefixes
opts -= {"--help", "--version", "--", "-"}
if not opts:
    sys.exit("%s: no options found in %s: is the extraction still right?" % (applet, source))
help_text = subprocess.run([postbox, applet, "--help"], capture_output=True, text=True).stdout
def mentioned(o):
    tail = r'' if o in prefixes else r'(?![A-Za-z0-9-])'
    return re.search(r'(^|[\s,(\[|])' + re.escape(o) + tail, help_text, re.M)
missing = sorted(o for o in opts if not mentioned(o))
for o in missing:
    print("%s accepts %s but its --help does not say so" % (applet, o))
print("%s: %d options checked" % (applet, len(opts)), file=sys.stderr)
sys.exit(1 if missing else 0)
