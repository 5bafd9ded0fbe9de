#!/usr/bin/env bats
# dkim_keys: mail from a domain with keys is signed as it is committed to
# the queue — local sendmail, authenticated submission in smtpd, bounces —
# and leaves signed: runq delivers it to an aiosmtpd sink where dkimpy
# verifies every signature.

load helpers
load servers_helpers
load dkim_helpers

suite_setup() {
	export PB T
	keygen_published rsa example.com rsa "$T/rsa.pem"
	keygen_published ed25519 example.com ed "$T/ed.pem"
	keygen_published ed25519 test.example bounces "$T/bounces.pem"
	printf '# domain selector key [algorithm]\nexample.com rsa %s rsa-sha256\nexample.com ed %s\n\ntest.example bounces %s\n' \
		"$T/rsa.pem" "$T/ed.pem" "$T/bounces.pem" > "$T/dkim_keys"
	conf dkim_keys "$T/dkim_keys"
	SINK_PORT=$(free_port)
	conf smarthost "[127.0.0.1]:$SINK_PORT"
	conf smarthost_tls none
}

# The message as the sink got it, without the sink's own X-Sink-* lines.
sink_message() {
	grep -v '^X-Sink-' "$1"
}

@test "sendmail's mail leaves with an RSA and an Ed25519 signature that dkimpy verifies" {
	start_queue_sink "$SINK_PORT"
	dkim_message | pb sendmail -i bob@example.org
	grep -q '^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed;' "$SPOOL"/queue/*.msg
	pb runq
	[ "$(sink_count)" -eq 1 ]
	sink_message "$T"/sink/*.eml > "$T/got"
	run dkimpy_verify < "$T/got"
	echo "$output"
	[ "$output" = $'sig 0: pass\nsig 1: pass' ]
	# And postbox's own verifier agrees, keys from the DNS.
	start_dns
	run pb dkim verify < "$T/got"
	[ "$output" = $'pass d=example.com s=ed a=ed25519-sha256\npass d=example.com s=rsa a=rsa-sha256' ]
}

@test "mail from a domain without keys, or with two From: addresses, is not signed" {
	printf 'From: someone@other.example\nSubject: x\n\nhi\n' | pb sendmail -i bob@example.org
	printf 'From: a@example.com, b@example.com\nSubject: x\n\nhi\n' | pb sendmail -i bob@example.org
	[ "$(ls "$SPOOL"/queue/*.msg | wc -l)" -eq 2 ]
	! grep -q '^DKIM-Signature:' "$SPOOL"/queue/*.msg || false
}

@test "an authenticated submission through smtpd is signed; mail from the MTA port is not" {
	h=$(printf 'secret\n' | "$PB" passwd -m sha512)
	printf 'alice@example.com:%s:%s/alice/\n' "$h" "$T" > "$T/users"
	conf users "$T/users"
	conf smtpd_auth_plaintext yes
	conf local_domains "test.example, example.com"
	start_smtpd
	dkim_message > "$T/msg"
	run swaks --server "127.0.0.1:$PORT" --auth PLAIN --auth-user alice@example.com --auth-password secret \
		--from alice@example.com --to far@elsewhere.example --data "@$T/msg" --timeout 10
	[ "$status" -eq 0 ]
	run swaks --server "127.0.0.1:$PORT" --from alice@example.com --to alice@example.com --data "@$T/msg" --timeout 10
	[ "$status" -eq 0 ]
	[ "$(grep -l '^DKIM-Signature:' "$SPOOL"/queue/*.msg | wc -l)" -eq 1 ]
	signed=$(grep -l '^DKIM-Signature:' "$SPOOL"/queue/*.msg)
	grep -q '(authenticated as alice@example.com)' "$signed"
	run dkimpy_verify < "$signed"
	[ "$output" = $'sig 0: pass\nsig 1: pass' ]
}

@test "a bounce postbox writes is signed for its own domain" {
	start_queue_sink "$SINK_PORT"
	printf 'From: alice@example.com\nSubject: x\n\nhi\n' | pb sendmail -i -f alice@example.com reject@example.org
	pb runq
	bounce=$(grep -l '^From: Mail Delivery System <MAILER-DAEMON@test.example>' "$SPOOL"/queue/*.msg)
	grep -q '^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=test.example; s=bounces;' "$bounce"
	run dkimpy_verify < "$bounce"
	echo "$output"
	[ "$output" = "sig 0: pass" ]
}

@test "the bounce of mailq --expire is signed too" {
	printf 'From: alice@example.com\nSubject: x\n\nhi\n' | pb sendmail -i -f alice@example.com bob@example.org
	id=$(queue_ids)
	run pb mailq --expire "$id"
	[ "$status" -eq 0 ]
	bounce=$(grep -l '^From: Mail Delivery System <MAILER-DAEMON@test.example>' "$SPOOL"/queue/*.msg)
	grep -q '^DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=test.example; s=bounces;' "$bounce"
	run dkimpy_verify < "$bounce"
	echo "$output"
	[ "$output" = "sig 0: pass" ]
}

@test "a bad, unreadable or world-readable key stops smtpd, sendmail and runq at start (78)" {
	chmod 644 "$T/ed.pem"
	run pb smtpd -l "127.0.0.1:$(free_port)"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$T/dkim_keys:3: DKIM key $T/ed.pem: others may read or write it (mode 0644)"* ]]
	run pb sendmail -i bob@example.org < /dev/null
	[ "$status" -eq 78 ]
	[ "$(ls "$SPOOL/queue" | wc -l)" -eq 0 ]
	chmod 600 "$T/ed.pem"
	echo "example.com other $T/missing.pem" >> "$T/dkim_keys"
	run pb runq
	[ "$status" -eq 78 ]
	[[ "$output" == *"missing.pem: No such file or directory"* ]]
	printf 'example.com rsa\n' > "$T/dkim_keys"
	run pb runq
	[ "$status" -eq 78 ]
	[[ "$output" == *"$T/dkim_keys:1: want DOMAIN SELECTOR KEYFILE [ALGORITHM]"* ]]
}

@test "without /proc (named temp files) the signed message replaces the unsigned one under the same id" {
	command -v unshare >/dev/null && [ "$(id -u)" -eq 0 ] || skip "needs root and unshare"
	! ldd "$PB" | grep -q libasan || skip "the ASan runtime cannot run without /proc"
	dkim_message > "$T/in"
	export PB T
	unshare --mount sh -c 'mount -t tmpfs none /proc && exec "$PB" sendmail -i bob@example.org < "$T/in"'
	[ -z "$(ls "$SPOOL/tmp")" ]
	[ "$(ls "$SPOOL"/queue/*.msg | wc -l)" -eq 1 ]
	msg=$(ls "$SPOOL"/queue/*.msg)
	[ -e "${msg%.msg}.env" ]
	run dkimpy_verify < "$msg"
	[ "$output" = $'sig 0: pass\nsig 1: pass' ]
	grep -qx "size $(stat -c %s "$msg")" "${msg%.msg}.env"
}
