#!/usr/bin/env bats
# authcheck: SPF, DKIM and DMARC (RFC 7208, 6376, 7489) of a message, as
# one Authentication-Results field (RFC 8601) that python3-authres parses;
# records from a DNS server on loopback (ldns-testns).

load helpers
load servers_helpers
load dkim_helpers

AUTHRES=("/usr/bin/python3" "$ROOT/tests/authres_parse.py")

suite_setup() {
	export PB T
	keygen_published rsa example.com rsa "$T/rsa.pem"
	keygen_published rsa other.example rsa "$T/other.pem"
	dns_txt example.com "v=spf1 ip4:127.0.0.1 -all"
	dns_txt _dmarc.example.com "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.com"
	dns_txt _dmarc.strict.example "v=DMARC1; p=reject; adkim=s; aspf=s"
	dns_txt strict.example "v=spf1 ip4:127.0.0.1 -all"
	dns_txt _dmarc.sampled.example "v=DMARC1; p=reject; pct=0"
	dns_txt mx.forged.example "v=spf1 ip4:192.0.2.1 -all"
}

# msg FROM [SUBJECT]: a small message from FROM.
msg() {
	printf 'From: %s\nTo: bob@example.org\nSubject: %s\nDate: Fri, 04 Dec 2026 21:00:00 +0000\n\nhi\n' "$1" "${2:-hello}"
}

# authres IP SENDER < message: the field, then as python3-authres reads it.
authres() {
	pb authcheck -i "$1" -h mail.example.com -s "$2" > "$T/ar"
	cat "$T/ar"
	"${AUTHRES[@]}" < "$T/ar"
}

@test "a signed message from an SPF-allowed address: spf, dkim and dmarc pass; authres parses it" {
	start_auth_dns
	msg alice@example.com | pb dkim sign -d example.com -s rsa -k "$T/rsa.pem" > "$T/m"
	run authres 127.0.0.1 alice@example.com < "$T/m"
	echo "$output"
	[ "${lines[0]}" = "Authentication-Results: test.example;" ]
	[[ "$output" == *$'\ntest.example\nspf pass smtp.mailfrom=alice@example.com\nspf none smtp.helo=mail.example.com\ndkim pass header.d=example.com header.s=rsa header.a=rsa-sha256\ndmarc pass header.from=example.com' ]]
	grep -q 'dmarc=pass (p=reject dis=none) header.from=example.com' "$T/ar"
}

@test "forged: SPF fails, no signature, DMARC fails with p=reject" {
	start_auth_dns
	msg alice@example.com | authres 192.0.2.7 alice@example.com > "$T/out"
	run cat "$T/out"
	echo "$output"
	[[ "$output" == *$'\nspf fail smtp.mailfrom=alice@example.com\nspf none smtp.helo=mail.example.com\ndkim none\ndmarc fail header.from=example.com' ]]
	grep -q 'dmarc=fail (p=reject dis=reject)' "$T/ar"
}

@test "alignment: a subdomain's From aligns relaxed with d=example.com and takes sp=; a third party's signature does not align" {
	start_auth_dns
	msg news@mail.example.com | pb dkim sign -d example.com -s rsa -k "$T/rsa.pem" > "$T/m"
	run authres 192.0.2.7 bounce@elsewhere.example < "$T/m"
	echo "$output"
	[[ "$output" == *$'\ndmarc pass header.from=mail.example.com' ]]
	msg news@mail.example.com | pb dkim sign -d other.example -s rsa -k "$T/other.pem" > "$T/m3"
	run authres 192.0.2.7 bounce@elsewhere.example < "$T/m3"
	echo "$output"
	[[ "$output" == *$'\ndkim pass header.d=other.example header.s=rsa header.a=rsa-sha256\ndmarc fail header.from=mail.example.com' ]]
	grep -q 'dmarc=fail (p=quarantine dis=quarantine)' "$T/ar"
}

@test "strict alignment (adkim=s, aspf=s): only the exact domain aligns" {
	start_auth_dns
	run authres 127.0.0.1 alice@strict.example < <(msg alice@strict.example)
	[[ "$output" == *$'\ndmarc pass header.from=strict.example' ]]
	run authres 127.0.0.1 alice@strict.example < <(msg alice@sub.strict.example)
	echo "$output"
	[[ "$output" == *$'\ndmarc fail header.from=sub.strict.example' ]]
}

@test "pct=0: a failure is reported, the policy applied one step milder" {
	start_auth_dns
	run authres 192.0.2.7 alice@sampled.example < <(msg alice@sampled.example)
	grep -q 'dmarc=fail (p=reject dis=quarantine) header.from=sampled.example' "$T/ar"
}

@test "RFC 7489 6.6.1: no From:, several From: fields or addresses are permerror; no record is none" {
	start_auth_dns
	printf 'To: bob@example.org\nSubject: x\n\nhi\n' > "$T/none"
	run authres 127.0.0.1 alice@example.com < "$T/none"
	echo "$output"
	[[ "$output" == *$'\ndmarc permerror' ]]
	grep -q 'dmarc=permerror (no From: field, RFC 7489 6.6.1)' "$T/ar"
	{ printf 'From: a@example.com\n'; msg b@example.com; } > "$T/two"
	run authres 127.0.0.1 alice@example.com < "$T/two"
	[[ "$output" == *$'\ndmarc permerror' ]]
	run authres 127.0.0.1 alice@example.com < <(msg 'a@example.com, b@other.example')
	[[ "$output" == *$'\ndmarc permerror' ]]
	run authres 127.0.0.1 x@unknown.example < <(msg x@unknown.example)
	echo "$output"
	[[ "$output" == *$'\nspf none smtp.mailfrom=x@unknown.example\nspf none smtp.helo=mail.example.com\ndkim none\ndmarc none header.from=unknown.example' ]]
}

@test "HELO beside a sender (RFC 7208 2.3): a second spf resinfo after the sender's; none for an address literal; one, smtp.helo, for the null sender" {
	start_auth_dns
	msg alice@example.com > "$T/m"
	pb authcheck -i 127.0.0.1 -h mx.forged.example -s alice@example.com < "$T/m" > "$T/ar"
	cat "$T/ar"
	run "${AUTHRES[@]}" < "$T/ar"
	echo "$output"
	[ "$output" = $'test.example\nspf pass smtp.mailfrom=alice@example.com\nspf fail smtp.helo=mx.forged.example\ndkim none\ndmarc pass header.from=example.com' ]
	sed -n 2,3p "$T/ar" > "$T/spf"
	[ "$(cat "$T/spf")" = $'\tspf=pass (example.com: ip4:127.0.0.1 matched) smtp.mailfrom=alice@example.com;\n\tspf=fail (mx.forged.example: -all matched) smtp.helo=mx.forged.example;' ]
	pb authcheck -i 127.0.0.1 -h '[127.0.0.1]' -s alice@example.com < "$T/m" > "$T/ar"
	run "${AUTHRES[@]}" < "$T/ar"
	[ "$output" = $'test.example\nspf pass smtp.mailfrom=alice@example.com\ndkim none\ndmarc pass header.from=example.com' ]
	pb authcheck -i 192.0.2.1 -h mx.forged.example -s '' < "$T/m" > "$T/ar"
	run "${AUTHRES[@]}" < "$T/ar"
	echo "$output"
	[ "$output" = $'test.example\nspf pass smtp.helo=mx.forged.example\ndkim none\ndmarc fail header.from=example.com' ]
}

@test "authcheck: usage errors exit 64" {
	run pb authcheck -s a@b.example < /dev/null
	[ "$status" -eq 64 ]
	run pb authcheck -i 999.1.1.1 -s a@b.example < /dev/null
	[ "$status" -eq 64 ]
	run pb authcheck -i 127.0.0.1 -s '' < /dev/null
	[ "$status" -eq 64 ]
}
