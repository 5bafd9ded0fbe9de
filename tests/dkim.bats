#!/usr/bin/env bats
# dkim: postbox dkim sign / verify / keygen (RFC 6376, 8301, 8463), against
# dkimpy (Debian's python3-dkim) both ways, the vectors dkimpy ships, and
# keys served by a DNS server on loopback (ldns-testns).

load helpers
load servers_helpers
load dkim_helpers

@test "keygen writes a 0600 key and prints the TXT record; refuses to overwrite" {
	run pb dkim keygen example.com sel "$T/k.pem"
	[ "$status" -eq 0 ]
	[[ "$output" == 'sel._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p=MII'* ]]
	[ "$(stat -c %a "$T/k.pem")" = 600 ]
	openssl pkey -in "$T/k.pem" -noout -text | grep -q '2048 bit'
	run pb dkim keygen -a ed25519 example.com ed "$T/k.pem"
	[ "$status" -eq 73 ]
	[[ "$output" == *"$T/k.pem: File exists"* ]]
	umask 000
	run pb dkim keygen -a ed25519 example.com ed "$T/e.pem"
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^'ed._domainkey.example.com. IN TXT ( "v=DKIM1; k=ed25519; p='[A-Za-z0-9+/]{43}'=" )'$ ]]
	[ "$(stat -c %a "$T/e.pem")" = 600 ]
}

@test "keygen: bad algorithm, bits and names are usage errors" {
	run pb dkim keygen -a dsa example.com s "$T/k"
	[ "$status" -eq 64 ]
	run pb dkim keygen -b 512 example.com s "$T/k"
	[ "$status" -eq 64 ]
	[[ "$output" == *"1024 to 4096 bits"* ]]
	run pb dkim keygen 'exa mple.com' s "$T/k"
	[ "$status" -eq 64 ]
	[ ! -e "$T/k" ]
}

@test "sign refuses keys others can read, short keys and the wrong algorithm (78)" {
	pb dkim keygen example.com s "$T/k.pem" >/dev/null
	chmod 644 "$T/k.pem"
	run pb dkim sign -d example.com -s s -k "$T/k.pem" < /dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"others may read or write it (mode 0644)"* ]]
	chmod 600 "$T/k.pem"
	run pb dkim sign -d example.com -s s -k "$T/k.pem" -a ed25519-sha256 < /dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"an RSA key cannot sign ed25519-sha256"* ]]
	openssl genrsa -out "$T/short.pem" 512 2>/dev/null
	chmod 600 "$T/short.pem"
	run pb dkim sign -d example.com -s s -k "$T/short.pem" < /dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"RSA key of 512 bits, under 1024 (RFC 8301)"* ]]
	echo garbage > "$T/g.pem" && chmod 600 "$T/g.pem"
	run pb dkim sign -d example.com -s s -k "$T/g.pem" < /dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"not a PEM private key"* ]]
	run pb dkim sign -d example.com -s s -k "$T/none.pem" < /dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"none.pem: No such file or directory"* ]]
}

@test "postbox's signatures (rsa-sha256, ed25519-sha256) verify with dkimpy; a changed body or header fails" {
	keygen_published rsa example.com rsa "$T/rsa.pem"
	keygen_published ed25519 example.com ed "$T/ed.pem"
	dkim_message | pb dkim sign -d example.com -s rsa -k "$T/rsa.pem" |
		pb dkim sign -d example.com -s ed -k "$T/ed.pem" > "$T/signed"
	grep -q '^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed;' "$T/signed"
	grep -q '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=rsa;' "$T/signed"
	# From oversigned, the other present fields once, no l=.
	grep -q 'h=from:from:subject:date:to:message-id;' "$T/signed"
	! grep -q ' l=' "$T/signed" || false
	run dkimpy_verify < "$T/signed"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = $'sig 0: pass\nsig 1: pass' ]
	sed 's/here  they are/here they were/' "$T/signed" > "$T/body-changed"
	run dkimpy_verify < "$T/body-changed"
	[ "$output" = $'sig 0: fail\nsig 1: fail' ]
	sed 's/^Subject: the quarterly figures/Subject: the annual figures/' "$T/signed" > "$T/header-changed"
	run dkimpy_verify < "$T/header-changed"
	[ "$output" = $'sig 0: fail\nsig 1: fail' ]
	# A second From: added on top breaks the oversigned signature.
	{ echo 'From: Mallory <m@example.com>'; cat "$T/signed"; } > "$T/from-added"
	run dkimpy_verify < "$T/from-added"
	[ "$output" = $'sig 0: fail\nsig 1: fail' ]
}

@test "dkimpy's signatures verify with postbox (keys from the DNS); a changed body or header fails" {
	keygen_published rsa example.com rsa "$T/rsa.pem"
	keygen_published ed25519 example.com ed "$T/ed.pem"
	ed25519_for_dkimpy "$T/ed.pem" > "$T/ed.dkimpy"
	start_dns
	dkim_message | dkimsign rsa example.com "$T/rsa.pem" > "$T/rsa-signed"
	dkim_message | dkimsign --signalg ed25519-sha256 --hcanon simple --bcanon relaxed ed example.com "$T/ed.dkimpy" \
		> "$T/ed-signed"
	run pb dkim verify < "$T/rsa-signed"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "pass d=example.com s=rsa a=rsa-sha256" ]
	run pb dkim verify < "$T/ed-signed"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "pass d=example.com s=ed a=ed25519-sha256" ]
	sed 's/here  they are/here they were/' "$T/rsa-signed" | { run pb dkim verify; echo "$output";
		[ "$status" -eq 1 ]; [ "$output" = "fail d=example.com s=rsa a=rsa-sha256 (body hash did not verify)" ]; }
	sed 's/^Subject: the quarterly/Subject: the annual/' "$T/ed-signed" > "$T/ed-changed"
	run pb dkim verify < "$T/ed-changed"
	[ "$status" -eq 1 ]
	[ "$output" = "fail d=example.com s=ed a=ed25519-sha256 (signature did not verify)" ]
}

@test "the vectors python3-dkim ships: RFC 8463's example (both signatures), Exim's Ed25519 signature" {
	dns_txt brisbane._domainkey.football.example.com "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
	dns_txt test._domainkey.football.example.com "$(cat "$DKIMPY_DATA/test.txt")"
	dns_txt sed._domainkey.test.ex "$(cat "$DKIMPY_DATA/eximtest.dns")"
	start_dns
	run pb dkim verify < "$DKIMPY_DATA/rfc6376.signed.msg"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = $'pass d=football.example.com s=brisbane a=ed25519-sha256\npass d=football.example.com s=test a=rsa-sha256' ]
	run pb dkim verify < "$DKIMPY_DATA/rfc6376.signed.rsa.msg"
	[ "$output" = "pass d=football.example.com s=test a=rsa-sha256" ]
	run pb dkim verify < "$DKIMPY_DATA/ed25519test2.msg"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "pass d=test.ex s=sed a=ed25519-sha256" ]
	run pb dkim verify < "$DKIMPY_DATA/rfc6376.msg"
	[ "$status" -eq 1 ]
	[ "$output" = "none (no DKIM-Signature)" ]
}

@test "bad key records from python3-dkim's vectors: a damaged key, an unknown k=, a malformed v=" {
	dns_txt test._domainkey.football.example.com "$(cat "$DKIMPY_DATA/test_bad.txt")"
	dns_txt brisbane._domainkey.football.example.com "$(cat "$DKIMPY_DATA/badk.txt")"
	dns_txt sed._domainkey.test.ex "$(cat "$DKIMPY_DATA/badversion.txt")"
	start_dns
	run pb dkim verify < "$DKIMPY_DATA/rfc6376.signed.msg"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "permerror d=football.example.com s=brisbane a=ed25519-sha256 (unknown key type k= at brisbane._domainkey.football.example.com)" ]
	[ "${lines[1]}" = "permerror d=football.example.com s=test a=rsa-sha256 (the key record's p= is not a public key of its k= type)" ]
	run pb dkim verify < "$DKIMPY_DATA/ed25519test2.msg"
	echo "$output"
	[ "$output" = "permerror d=test.ex s=sed a=ed25519-sha256 (key record v= is not DKIM1 first at sed._domainkey.test.ex)" ]
}

@test "RFC 8301: rsa-sha1 and RSA keys under 1024 bits fail; an empty p= is a revoked key" {
	openssl genrsa -out "$T/short.pem" 512 2>/dev/null
	dns_txt short._domainkey.example.com "v=DKIM1; k=rsa; p=$(openssl rsa -in "$T/short.pem" -pubout -outform DER 2>/dev/null | base64 -w0)"
	keygen_published rsa example.com rsa "$T/rsa.pem"
	dns_txt gone._domainkey.example.com "v=DKIM1; k=rsa; p="
	start_dns
	dkim_message | dkimsign short example.com "$T/short.pem" > "$T/short-signed"
	run pb dkim verify < "$T/short-signed"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "fail d=example.com s=short a=rsa-sha256 (RSA key under 1024 bits (RFC 8301))" ]
	dkim_message | dkimsign --signalg rsa-sha1 rsa example.com "$T/rsa.pem" > "$T/sha1-signed"
	run pb dkim verify < "$T/sha1-signed"
	[ "$status" -eq 1 ]
	[ "$output" = "fail d=example.com s=rsa a=rsa-sha1 (rsa-sha1 is not accepted (RFC 8301))" ]
	dkim_message | dkimsign gone example.com "$T/rsa.pem" > "$T/gone-signed"
	run pb dkim verify < "$T/gone-signed"
	[ "$status" -eq 1 ]
	[ "$output" = "fail d=example.com s=gone a=rsa-sha256 (key revoked (empty p=))" ]
}

@test "malformed signatures are neutral with the reason; no key is permerror; a DNS timeout is temperror" {
	keygen_published rsa example.com rsa "$T/rsa.pem"
	dns_answer other._domainkey.example.com. TXT NXDOMAIN
	start_dns
	dkim_message | pb dkim sign -d example.com -s rsa -k "$T/rsa.pem" > "$T/signed"
	sed '1s/^DKIM-Signature: v=1;/DKIM-Signature: v=1; v=1;/' "$T/signed" > "$T/repeated"
	run pb dkim verify < "$T/repeated"
	[ "$status" -eq 1 ]
	[ "$output" = "neutral d=? s=? a=? (malformed tag list)" ]
	sed '1s/ s=rsa;//' "$T/signed" > "$T/missing"
	run pb dkim verify < "$T/missing"
	[ "$output" = "neutral d=example.com s=? a=rsa-sha256 (a required tag (v a b bh d h s) is missing)" ]
	sed 's/^\tb=\(.\)/\tb=!\1/' "$T/signed" > "$T/bad64"
	run pb dkim verify < "$T/bad64"
	[[ "$output" == *"(b= is not base64)" ]]
	sed '1s/ s=rsa;/ s=other;/' "$T/signed" > "$T/nokey"
	run pb dkim verify < "$T/nokey"
	echo "$output"
	[ "$output" = "permerror d=example.com s=other a=rsa-sha256 (no key record at other._domainkey.example.com)" ]
	stop_bg "$DNS_PID"
	run pb dkim verify < "$T/signed"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "temperror d=example.com s=rsa a=rsa-sha256 (key lookup failed: "* ]]
}

@test "a quoted-printable message and long folded headers survive signing (both checkers)" {
	keygen_published rsa example.com rsa "$T/rsa.pem"
	start_dns
	{
		printf 'From: "A very long display name, with a comma" <alice@example.com>\n'
		printf 'To: one@example.org, two@example.org,\n\tthree@example.org,\n    four@example.org\n'
		printf 'Subject: =?utf-8?q?caf=C3=A9?= and a subject that goes on and on past the seventy-eight\n  column limit of a line\n'
		printf 'Date: Fri, 04 Dec 2026 21:00:00 +0000\nMIME-Version: 1.0\n'
		printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n'
		printf 'Caf=C3=A9 =3D coffee, and a soft line break that is long enough to need one=\n here.  \nTrailing tab\t\n\n'
	} > "$T/qp"
	pb dkim sign -d example.com -s rsa -k "$T/rsa.pem" < "$T/qp" > "$T/qp-signed"
	run dkimpy_verify < "$T/qp-signed"
	[ "$output" = "sig 0: pass" ]
	run pb dkim verify < "$T/qp-signed"
	[ "$output" = "pass d=example.com s=rsa a=rsa-sha256" ]
	# The same message with CRLF line ends verifies too (the spool's LF is
	# only our form; the wire's is CRLF).
	sed 's/$/\r/' "$T/qp-signed" > "$T/qp-crlf"
	run pb dkim verify < "$T/qp-crlf"
	[ "$output" = "pass d=example.com s=rsa a=rsa-sha256" ]
}

@test "a 50 MB message is signed and verified in bounded memory" {
	keygen_published ed25519 example.com ed "$T/ed.pem"
	start_dns
	{ dkim_message; head -c 37500000 /dev/urandom | base64 -w 76; } > "$T/big"
	[ "$(stat -c %s "$T/big")" -gt 50000000 ]
	/usr/bin/time -f %M -o "$T/sign.rss" "$PB" dkim sign -d example.com -s ed -k "$T/ed.pem" < "$T/big" > "$T/big-signed"
	/usr/bin/time -f %M -o "$T/verify.rss" "$PB" dkim verify < "$T/big-signed" > "$T/verify.out"
	cat "$T/sign.rss" "$T/verify.rss" "$T/verify.out"
	[ "$(cat "$T/verify.out")" = "pass d=example.com s=ed a=ed25519-sha256" ]
	# Peak resident set in KB: well under the message's size.
	[ "$(tail -1 "$T/sign.rss")" -lt 30000 ]
	[ "$(tail -1 "$T/verify.rss")" -lt 30000 ]
}

@test "usage errors exit 64" {
	run pb dkim
	[ "$status" -eq 64 ]
	run pb dkim frob
	[ "$status" -eq 64 ]
	run pb dkim sign -d example.com -s s < /dev/null
	[ "$status" -eq 64 ]
	run pb dkim sign -d example.com -s s -k x -a rsa-sha1 < /dev/null
	[ "$status" -eq 64 ]
	run pb dkim --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"postbox dkim keygen"* ]]
}
