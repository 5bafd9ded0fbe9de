#!/usr/bin/env bats
# spf: `postbox spf` (RFC 7208) against a fake DNS on loopback
# (tests/spf_dns.py serves a zonedata map as the OpenSPF suite writes it),
# its usage, and hostile records: 20 includes, an include loop, a 10 KB
# TXT record, a nameserver that never answers. The conformance suite
# itself is tests/spf_suite.bats.

load helpers

# Serve the zonedata in $T/zone.yml; point the configuration at it.
start_spf_dns() {
	DNS_PORT=$(free_port)
	/usr/bin/python3 "$ROOT/tests/spf_dns.py" "$T/zone.yml" "$DNS_PORT" > "$T/dns.out" 2>&1 &
	track $!
	wait_until grep -q ready "$T/dns.out"
	conf resolver "127.0.0.1:$DNS_PORT"
	conf dns_timeout 1s
}

@test "--help and usage errors" {
	run pb spf --help
	[ "$status" -eq 0 ]
	[[ "$output" == "Usage: postbox spf "* ]]
	run pb spf 192.0.2.1
	[ "$status" -eq 64 ]
	run pb spf not-an-ip a@example.com
	echo "$output"
	[ "$status" -eq 64 ]
	[[ "$output" == *'"not-an-ip" is not an IPv4 or IPv6 address'* ]]
	run pb spf 192.0.2.1 ""
	echo "$output"
	[ "$status" -eq 64 ]
	[[ "$output" == *"give -h HELO"* ]]
	run pb --list
	[[ "$output" == *spf* ]]
	run pb --list-links
	[[ "$output" != *spf* ]]
}

@test "pass, fail with its exp= explanation, softfail, neutral, none" {
	cat > "$T/zone.yml" <<'EOF'
zonedata:
  example.org:
    - TXT: "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~ip4:198.51.100.7 ?ip4:198.51.100.8 -all exp=why.example.org"
  why.example.org:
    - TXT: "%{i} may not send for %{d} (sender %{s}, helo %{h})"
EOF
	start_spf_dns
	run pb spf 192.0.2.9 a@example.org
	[ "$output" = pass ]
	run pb spf 2001:db8::25 a@example.org
	[ "$output" = pass ]
	run pb spf -h mx.elsewhere.example 203.0.113.5 a@example.org
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = fail ]
	[ "${lines[1]}" = "explanation: 203.0.113.5 may not send for example.org (sender a@example.org, helo mx.elsewhere.example)" ]
	run pb spf 198.51.100.7 a@example.org
	[ "$output" = softfail ]
	run pb spf 198.51.100.8 a@example.org
	[ "$output" = neutral ]
	run pb spf 192.0.2.9 a@nothing.example.org
	[ "$status" -eq 0 ]
	[ "$output" = none ]
}

@test "the null sender is checked by its HELO name" {
	cat > "$T/zone.yml" <<'EOF'
zonedata:
  mx.example.org:
    - TXT: "v=spf1 a -all"
    - A: 192.0.2.25
EOF
	start_spf_dns
	run pb spf -h mx.example.org 192.0.2.25 ""
	[ "$output" = pass ]
	run pb spf -h mx.example.org 192.0.2.26 ""
	[ "$output" = fail ]
	run pb spf -v -h mx.example.org 192.0.2.26 ""
	[[ "$output" == *"helo identity mx.example.org: mx.example.org: -all matched"* ]]
}

@test "20 includes: the 11th DNS lookup is a permerror" {
	{
		printf 'zonedata:\n  many.example:\n    - TXT: "v=spf1'
		for i in $(seq 1 20); do printf ' include:i%d.example' "$i"; done
		printf ' +all"\n'
		for i in $(seq 1 20); do printf '  i%d.example:\n    - TXT: "v=spf1 -all"\n' "$i"; done
	} > "$T/zone.yml"
	start_spf_dns
	run pb spf 192.0.2.1 a@many.example
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = permerror ]
	run pb spf -v 192.0.2.1 a@many.example
	[[ "$output" == *"more than 10 DNS lookups"* ]]
}

@test "an include loop ends in permerror" {
	cat > "$T/zone.yml" <<'EOF'
zonedata:
  a.example:
    - TXT: "v=spf1 include:b.example -all"
  b.example:
    - TXT: "v=spf1 include:a.example -all"
  self.example:
    - TXT: "v=spf1 redirect=self.example"
EOF
	start_spf_dns
	run pb spf 192.0.2.1 x@a.example
	[ "$status" -eq 0 ]
	[ "$output" = permerror ]
	run pb spf 192.0.2.1 x@self.example
	[ "$output" = permerror ]
}

@test "a 10 KB TXT record is read over TCP and evaluated to its end" {
	/usr/bin/python3 - "$T/zone.yml" <<'PY'
import sys
ips = " ".join("ip4:10.%d.%d.1" % (i // 250, i % 250) for i in range(700))
rec = "v=spf1 " + ips + " ip4:192.0.2.77 -all"
assert len(rec) > 10000, len(rec)
bad = "v=spf1 " + ips + " ip4:192.0.2.77 \x01 -all"
with open(sys.argv[1], "w") as f:
    f.write('zonedata:\n  big.example:\n    - TXT: "%s"\n  bad.example:\n    - TXT: "%s"\n'
            % (rec, bad.replace("\x01", "\\x01")))
PY
	start_spf_dns
	run pb spf 192.0.2.77 a@big.example
	echo "$output"
	[ "$output" = pass ]
	run pb spf 192.0.2.78 a@big.example
	[ "$output" = fail ]
	run pb spf 192.0.2.77 a@bad.example
	[ "$output" = permerror ]
}

@test "DNS timeouts are a temperror, bounded in time" {
	cat > "$T/zone.yml" <<'EOF'
zonedata:
  slow.example:
    - TIMEOUT
  inc.example:
    - TXT: "v=spf1 include:slow.example -all"
  ptr.example:
    - TXT: "v=spf1 ptr ip4:192.0.2.1 -all"
  1.2.0.192.in-addr.arpa:
    - TIMEOUT
EOF
	start_spf_dns
	start=$(date +%s)
	run pb spf 192.0.2.1 a@slow.example
	[ "$status" -eq 0 ]
	[ "$output" = temperror ]
	run pb spf 192.0.2.1 a@inc.example
	[ "$output" = temperror ]
	# a PTR lookup that times out only fails to match (§5.5)
	run pb spf 192.0.2.1 a@ptr.example
	[ "$output" = pass ]
	elapsed=$(($(date +%s) - start))
	echo "elapsed ${elapsed}s"
	[ "$elapsed" -lt 30 ]
}

@test "a nameserver that is not there is a temperror" {
	conf resolver "127.0.0.1:$(free_port)"
	conf dns_timeout 1s
	run pb spf 192.0.2.1 a@example.org
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = temperror ]
}
