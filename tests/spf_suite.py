#!/usr/bin/python3
"""spf_suite.py — run the OpenSPF RFC 7208 test suite against `postbox spf`.

Each scenario's zonedata is served by spf_dns.py on its own loopback port;
every test runs `postbox spf -C CONF [-h HELO] IP SENDER` (CONF points
`resolver` at that port, dns_timeout 1s) and its first line is compared
with the suite's result (a list allows any member). Where the suite gives
an explanation, the second line must be "explanation: TEXT"; DEFAULT
means no exp= text (so no second line).

Usage: spf_suite.py run SUITE.yml POSTBOX DIR
           prints one line per test: "NAME<TAB>ok" or "NAME<TAB>FAIL: why"
       spf_suite.py names SUITE.yml
           prints the test names in suite order
       spf_suite.py bats SUITE.yml
           prints the @test lines of tests/spf_suite.bats
"""
import concurrent.futures
import os
import subprocess
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import spf_dns  # noqa: E402


def scenarios(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def run_one(postbox, conf, name, t):
    args = [postbox, "spf", "-C", conf]
    if t.get("helo") is not None:
        args += ["-h", str(t["helo"])]
    args += [str(t["host"]), str(t.get("mailfrom") or "")]
    try:
        p = subprocess.run(args, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return name, "FAIL: no result within 60 s"
    out = p.stdout.decode("utf-8", "replace").splitlines()
    want = t["result"] if isinstance(t["result"], list) else [t["result"]]
    if p.returncode != 0 or not out:
        return name, "FAIL: exit %d, stderr %r" % (p.returncode, p.stderr.decode("utf-8", "replace")[:300])
    if out[0] not in want:
        return name, "FAIL: got %s, want %s" % (out[0], "|".join(want))
    exp = t.get("explanation")
    if exp is not None and out[0] == "fail":
        got = out[1][len("explanation: "):] if len(out) > 1 and out[1].startswith("explanation: ") else None
        if exp == "DEFAULT" and got is not None:
            return name, "FAIL: explanation %r, want none (DEFAULT)" % got
        if exp != "DEFAULT" and got != exp:
            return name, "FAIL: explanation %r, want %r" % (got, exp)
    return name, "ok"


def run(suite, postbox, workdir):
    stops, jobs = [], []
    try:
        for i, sc in enumerate(scenarios(suite)):
            port, stop = spf_dns.serve(spf_dns.Zone(sc.get("zonedata")))
            stops.append(stop)
            conf = os.path.join(workdir, "scenario%d.conf" % i)
            with open(conf, "w") as f:
                f.write("resolver = 127.0.0.1:%d\ndns_timeout = 1s\nhostname = receiver.example\n" % port)
            jobs += [(conf, name, t) for name, t in sc["tests"].items()]
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            results = dict(pool.map(lambda j: run_one(postbox, *j), jobs))
        for _, name, _ in jobs:
            print("%s\t%s" % (name, results[name]))
    finally:
        for stop in stops:
            stop()


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) == 3 and sys.argv[1] in ("names", "bats"):
        for sc in scenarios(sys.argv[2]):
            for name in sc["tests"]:
                print(name if sys.argv[1] == "names" else '@test "spf suite: %s" { spf_case %s; }' % (name, name))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
