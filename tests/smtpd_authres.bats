#!/usr/bin/env bats
# smtpd's sender checks on the MTA port: SPF at MAIL FROM, DKIM and DMARC
# at the end of data, one Authentication-Results field (RFC 8601) above our
# Received: that python3-authres parses; spf_action, dmarc_action (.Junk
# through the envelope and runq) and auth_checks. swaks and a raw client
# send, dkimpy's dkimsign signs, ldns-testns serves the records.

load helpers
load servers_helpers
load smtpd_helpers
load dkim_helpers

AUTHRES=("/usr/bin/python3" "$ROOT/tests/authres_parse.py")

suite_setup() {
	export PB T
	keygen_published rsa signed.example sel "$T/signed.pem"
	dns_txt pass.example "v=spf1 ip4:127.0.0.1 -all"
	dns_txt _dmarc.pass.example "v=DMARC1; p=reject"
	dns_txt fail.example "v=spf1 ip4:192.0.2.1 -all exp=why.fail.example"
	dns_txt why.fail.example "%{i} is not one of %{d}'s mail servers"
	dns_txt _dmarc.fail.example "v=DMARC1; p=reject"
	dns_txt soft.example "v=spf1 ~all"
	dns_txt quar.example "v=spf1 -all"
	dns_txt _dmarc.quar.example "v=DMARC1; p=quarantine"
	dns_txt signed.example "v=spf1 -all"
	dns_txt _dmarc.signed.example "v=DMARC1; p=reject"
	dns_answer temp.example. TXT SERVFAIL
	dns_answer _dmarc.temp.example. TXT SERVFAIL
	# HELO names (client.example has no record: none)
	dns_txt mx.pass.example "v=spf1 ip4:127.0.0.1 -all"
	dns_txt mx.fail.example "v=spf1 ip4:192.0.2.1 -all"
	dns_txt mx.soft.example "v=spf1 ~all"
	dns_answer mx.temp.example. TXT SERVFAIL
	# 127.0.0.1 is a client from the Internet, not one of ours.
	conf relay_networks 192.0.2.0/24
	conf auth_checks yes
	maildir_users u v
}

# msg FROM [SUBJECT] [EXTRA-HEADER]: a small message from FROM, CRLF.
msg() {
	printf 'From: %s\r\nTo: u@test.example\r\nSubject: %s\r\nDate: Fri, 04 Dec 2026 21:00:00 +0000\r\nMessage-ID: <%s.%s@x>\r\n%s\r\nhello\r\n' \
		"$1" "${2:-hello}" "$RANDOM" "$RANDOM" "${3:-}"
}

# send SENDER [SWAKS-OPTIONS]: swaks from $HELO (default client.example),
# the message from $T/m when it exists, else msg SENDER.
send() {
	local from=$1
	shift
	[ -e "$T/m" ] || msg "$from" > "$T/m"
	swaks --server "127.0.0.1:$PORT" --helo "${HELO:-client.example}" --from "$from" --to u@test.example \
		--timeout 10 --data "@$T/m" "$@"
}

# The first field of the newest stored message, unfolded lines kept.
first_field() {
	awk 'NR == 1 { print; next } /^[ \t]/ { print; next } { exit }' "$(msg_file)"
}

# authres_of: the stored field as python3-authres reads it.
authres_of() {
	first_field > "$T/ar"
	"${AUTHRES[@]}" < "$T/ar"
}

@test "SPF pass, no signature, DMARC pass: one field on top, above our Received, that authres parses" {
	start_auth_dns
	start_smtpd
	run send a@pass.example
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf pass smtp.mailfrom=a@pass.example\nspf none smtp.helo=client.example\ndkim none\ndmarc pass header.from=pass.example' ]
	# The field is first, our Received right under it, then the message.
	sed -n '1p' "$(msg_file)" | grep -qx 'Authentication-Results: test.example;'
	[ "$(grep -c '^Authentication-Results:' "$(msg_file)")" -eq 1 ]
	awk '/^Received:/ { print NR; exit }' "$(msg_file)" > "$T/rl"
	[ "$(cat "$T/rl")" -eq "$(($(first_field | wc -l) + 1))" ]
	grep -q 'event=spf result=pass identity=mailfrom domain=pass.example' "$T/smtpd.log"
}

@test "SPF fail, softfail and none are tagged (spf_action = tag); DMARC fails under p=reject but is only tagged" {
	start_auth_dns
	start_smtpd
	send a@fail.example > /dev/null
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf fail smtp.mailfrom=a@fail.example\nspf none smtp.helo=client.example\ndkim none\ndmarc fail header.from=fail.example' ]
	grep -q 'dmarc=fail (p=reject dis=reject) header.from=fail.example' "$T/ar"
	rm "$T/m"
	send a@soft.example > /dev/null
	run authres_of
	[ "$output" = $'test.example\nspf softfail smtp.mailfrom=a@soft.example\nspf none smtp.helo=client.example\ndkim none\ndmarc none header.from=soft.example' ]
	rm "$T/m"
	send a@nowhere.example > /dev/null
	run authres_of
	[ "$output" = $'test.example\nspf none smtp.mailfrom=a@nowhere.example\nspf none smtp.helo=client.example\ndkim none\ndmarc none header.from=nowhere.example' ]
	[ "$(queue_count)" -eq 3 ]
}

@test "a message signed by dkimpy's dkimsign: dkim pass, and DMARC passes on the aligned signature though SPF fails" {
	start_auth_dns
	start_smtpd
	msg a@signed.example | dkimsign sel signed.example "$T/signed.pem" > "$T/m"
	run send a@signed.example
	[ "$status" -eq 0 ]
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf fail smtp.mailfrom=a@signed.example\nspf none smtp.helo=client.example\ndkim pass header.d=signed.example header.s=sel header.a=rsa-sha256\ndmarc pass header.from=signed.example' ]
	# The signature still verifies in the stored message (our fields on
	# top are not signed).
	run pb dkim verify < "$(msg_file)"
	[ "$output" = 'pass d=signed.example s=sel a=rsa-sha256' ]
}

@test "an incoming Authentication-Results field that claims our authserv-id is removed; others stay" {
	start_auth_dns
	start_smtpd
	{
		printf 'Authentication-Results: test.example; spf=pass smtp.mailfrom=a@pass.example;\r\n\tdmarc=pass header.from=bank.example\r\n'
		printf 'Authentication-Results: (forged) TEST.EXAMPLE;\r\n dkim=pass header.d=bank.example\r\n'
		printf 'Authentication-Results: "test.example"; dkim=pass\r\n'
		printf 'Authentication-Results: mx.other.example; dkim=pass header.d=other.example\r\n'
		printf 'Authentication-Results: test.example.evil; spf=pass\r\n'
		msg a@soft.example
	} > "$T/m"
	send a@soft.example > /dev/null
	[ "$(queue_count)" -eq 1 ]
	grep '^Authentication-Results:' "$(msg_file)" > "$T/fields"
	cat "$T/fields"
	[ "$(cat "$T/fields")" = $'Authentication-Results: test.example;\nAuthentication-Results: mx.other.example; dkim=pass header.d=other.example\nAuthentication-Results: test.example.evil; spf=pass' ]
	! grep -qi 'bank.example' "$(msg_file)" || false
	run authres_of
	[ "$output" = $'test.example\nspf softfail smtp.mailfrom=a@soft.example\nspf none smtp.helo=client.example\ndkim none\ndmarc none header.from=soft.example' ]
	grep -q 'event=authres-removed count=3' "$T/smtpd.log"
}

@test "spf_action = reject: an SPF fail gets 550 5.7.23 with the domain's explanation at MAIL FROM; the session goes on" {
	conf spf_action reject
	start_auth_dns
	start_smtpd
	smtp_tcp "${HELLO}MAIL FROM:<a@fail.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nMAIL FROM:<a@soft.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: kept\r\n\r\nhi\r\n.\r\nQUIT\r\n"
	echo "$output"
	has_reply "550 5.7.23 SPF fail: 127.0.0.1 is not one of fail.example's mail servers"
	has_reply "503 5.5.1 Need MAIL before RCPT"
	has_reply "$QUEUED"
	# Only the softfail was kept: a softfail is never refused.
	[ "$(queue_count)" -eq 1 ]
	grep -q 'Subject: kept' "$(msg_file)"
	grep -q 'event=spf-rejected from=<a@fail.example>' "$T/smtpd.log"
}

@test "dmarc_action = enforce: a p=reject failure gets 550 5.7.1 after the data, nothing queued; the next message is" {
	conf dmarc_action enforce
	start_auth_dns
	start_smtpd
	local m1 m2
	m1=$(msg a@fail.example | sed 's/\r$//' | awk '{ printf "%s\\r\\n", $0 }')
	m2=$(msg a@pass.example | sed 's/\r$//' | awk '{ printf "%s\\r\\n", $0 }')
	smtp_tcp "${HELLO}MAIL FROM:<a@fail.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n${m1}.\r\nMAIL FROM:<a@pass.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n${m2}.\r\nQUIT\r\n"
	echo "$output"
	has_reply "550 5.7.1 DMARC: the policy of fail.example (p=reject) is not met: no aligned SPF or DKIM pass"
	[ "$(count_replies "$QUEUED")" -eq 1 ]
	[ "$(queue_count)" -eq 1 ]
	grep -q '^From: a@pass.example' "$(msg_file)"
	! ls "$SPOOL"/tmp | grep -q . || false
}

@test "dmarc_action = enforce: p=quarantine goes into the recipient's .Junk folder when it has one, else the inbox" {
	conf dmarc_action enforce
	start_auth_dns
	start_smtpd
	mkdir -p "$T"/mail/u/Maildir/{new,cur,tmp} "$T"/mail/u/Maildir/.Junk/{new,cur,tmp}
	msg a@quar.example quarantined > "$T/m"
	swaks --server "127.0.0.1:$PORT" --helo client.example --from a@quar.example --to u@test.example,v@test.example \
		--data "@$T/m" > /dev/null
	[ "$(queue_count)" -eq 1 ]
	grep -qx 'junk 1' "$(env_file)"
	grep -q 'dmarc=fail (p=quarantine dis=quarantine) header.from=quar.example' "$(msg_file)"
	# A passing message from the same session's client is not junk.
	rm "$T/m"
	send a@pass.example > /dev/null
	! grep -qx 'junk 1' "$(env_file)" || false
	pb runq
	[ "$(queue_count)" -eq 0 ]
	[ "$(ls "$T"/mail/u/Maildir/.Junk/new | wc -l)" -eq 1 ]
	grep -q 'Subject: quarantined' "$T"/mail/u/Maildir/.Junk/new/*
	[ "$(ls "$T"/mail/u/Maildir/new | wc -l)" -eq 1 ]
	grep -q '^From: a@pass.example' "$T"/mail/u/Maildir/new/*
	# v has no .Junk: the inbox, and no folder made.
	[ "$(ls "$T"/mail/v/Maildir/new | wc -l)" -eq 1 ]
	[ ! -e "$T/mail/v/Maildir/.Junk" ]
}

@test "DNS temperror never refuses: tagged temperror under spf_action = reject and dmarc_action = enforce" {
	conf spf_action reject
	conf dmarc_action enforce
	start_auth_dns
	start_smtpd
	run send a@temp.example
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf temperror smtp.mailfrom=a@temp.example\nspf none smtp.helo=client.example\ndkim none\ndmarc temperror header.from=temp.example' ]
}

@test "not checked: relay_networks clients, auth_checks = no; the null sender is checked by its HELO name" {
	start_auth_dns
	conf relay_networks 127.0.0.0/8
	start_smtpd
	send a@fail.example > /dev/null
	[ "$(queue_count)" -eq 1 ]
	! grep -q '^Authentication-Results:' "$(msg_file)" || false
	kill "$SMTPD_PID"
	conf relay_networks 192.0.2.0/24
	conf auth_checks no
	start_smtpd
	send a@fail.example > /dev/null
	[ "$(queue_count)" -eq 2 ]
	! grep -q '^Authentication-Results:' "$SPOOL"/queue/*.msg || false
	kill "$SMTPD_PID"
	conf auth_checks yes
	start_smtpd
	rm "$T/m"
	msg a@pass.example > "$T/m"
	swaks --server "127.0.0.1:$PORT" --helo pass.example --from '<>' --to u@test.example --data "@$T/m" > /dev/null
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf pass smtp.helo=pass.example\ndkim none\ndmarc pass header.from=pass.example' ]
}

# --- the HELO identity beside a non-null sender (RFC 7208 2.3) ---

@test "HELO pass, fail, softfail, none beside a sender: a second spf resinfo that authres parses; DMARC keeps the sender's; authcheck prints the same field" {
	start_auth_dns
	start_smtpd
	local h name
	for h in mx.pass.example:pass mx.fail.example:fail mx.soft.example:softfail client.example:none; do
		name=${h%%:*}
		rm -f "$T/m"
		HELO=$name send a@pass.example > /dev/null
		run authres_of
		echo "$output"
		[ "$output" = "test.example"$'\n'"spf pass smtp.mailfrom=a@pass.example"$'\n'"spf ${h#*:} smtp.helo=$name"$'\n'"dkim none"$'\n'"dmarc pass header.from=pass.example" ]
		# what `postbox authcheck` prints for it is what smtpd wrote
		pb authcheck -i 127.0.0.1 -h "$name" -s a@pass.example < "$T/m" > "$T/ac"
		first_field | diff - "$T/ac"
	done
	[ "$(queue_count)" -eq 4 ]
	grep -q 'event=spf result=fail identity=helo domain=mx.fail.example' "$T/smtpd.log"
	# A passing HELO name does not pass DMARC for a failing sender.
	rm "$T/m"
	HELO=mx.pass.example send a@fail.example > /dev/null
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf fail smtp.mailfrom=a@fail.example\nspf pass smtp.helo=mx.pass.example\ndkim none\ndmarc fail header.from=fail.example' ]
}

@test "an address literal or a one-label HELO is no identity SPF can check: no second resinfo, no lookup" {
	start_auth_dns
	start_smtpd
	local name
	for name in '[127.0.0.1]' localhost 127.0.0.1; do
		rm -f "$T/m"
		HELO=$name send a@pass.example > /dev/null
		run authres_of
		echo "$output"
		[ "$output" = $'test.example\nspf pass smtp.mailfrom=a@pass.example\ndkim none\ndmarc pass header.from=pass.example' ]
	done
	[ "$(queue_count)" -eq 3 ]
	! grep -q 'identity=helo' "$T/smtpd.log" || false
}

@test "the HELO name is checked once a session, its result kept (not only the DNS answer); another EHLO name is checked again" {
	# mx.nothing.example is NXDOMAIN without a SOA: the DNS cache keeps
	# no such answer, so one question for two messages is the session's.
	printf '%s\n' 'pass.example 300 v=spf1 ip4:127.0.0.1 -all' 'mx.pass.example 300 v=spf1 ip4:127.0.0.1 -all' > "$T/zone"
	start_ttl_dns
	start_smtpd
	/usr/bin/python3 - "$PORT" <<'PY'
import smtplib, sys, time
def msg(n):
    return "From: a@pass.example\r\nTo: u@test.example\r\nSubject: %d\r\nMessage-ID: <%d.%f@x>\r\n\r\nhello\r\n" % (n, n, time.time())
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), "mx.nothing.example", timeout=10) as s:
    s.sendmail("a@pass.example", ["u@test.example"], msg(1))
    s.sendmail("a@pass.example", ["u@test.example"], msg(2))
    s.ehlo("mx.pass.example")
    s.sendmail("a@pass.example", ["u@test.example"], msg(3))
PY
	cat "$T/ttl-dns.log"
	[ "$(queue_count)" -eq 3 ]
	[ "$(asked mx.nothing.example)" -eq 1 ]
	[ "$(asked mx.pass.example)" -eq 1 ]
	local id helos=
	for id in $(queue_ids); do
		helos="$helos $(sed -n 's/^\tspf=\([a-z]*\) .*smtp\.helo=\([^;]*\);$/\1:\2/p' "$SPOOL/queue/$id.msg")"
	done
	[ "$helos" = " none:mx.nothing.example none:mx.nothing.example pass:mx.pass.example" ]
	[ "$(grep -c 'event=spf result=[a-z]* identity=helo' "$T/smtpd.log")" -eq 2 ]
}

@test "spf_action = reject: a HELO fail gets 550 5.7.23 at MAIL FROM without the sender's lookup; a HELO softfail or temperror is kept" {
	conf spf_action reject
	start_auth_dns
	start_smtpd
	smtp_tcp "EHLO mx.fail.example\r\nMAIL FROM:<a@pass.example>\r\nRCPT TO:<u@test.example>\r\nEHLO mx.soft.example\r\nMAIL FROM:<a@pass.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: soft\r\n\r\nhi\r\n.\r\nEHLO mx.temp.example\r\nMAIL FROM:<a@pass.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: temp\r\n\r\nhi\r\n.\r\nQUIT\r\n"
	echo "$output"
	has_reply "550 5.7.23 SPF fail for the HELO name mx.fail.example: 127.0.0.1 is not allowed to send mail for mx.fail.example"
	has_reply "503 5.5.1 Need MAIL before RCPT"
	[ "$(count_replies "$QUEUED")" -eq 2 ]
	[ "$(queue_count)" -eq 2 ]
	grep -q 'event=spf-rejected from=<a@pass.example> identity=helo' "$T/smtpd.log"
	# the refused transaction did not look the sender up; the two kept did
	[ "$(grep -c 'event=spf result=pass identity=mailfrom domain=pass.example' "$T/smtpd.log")" -eq 2 ]
	grep -l 'Subject: soft' "$SPOOL"/queue/*.msg | xargs grep -q 'spf=softfail .*smtp.helo=mx.soft.example'
	grep -l 'Subject: temp' "$SPOOL"/queue/*.msg | xargs grep -q 'spf=temperror .*smtp.helo=mx.temp.example'
}

@test "bad spf_action or dmarc_action: smtpd refuses to start (78) naming the key" {
	conf spf_action bounce
	run timeout 10 "$PB" smtpd -l 127.0.0.1:0
	[ "$status" -eq 78 ]
	[[ "$output" == *"spf_action must be tag or reject, not \"bounce\""* ]]
	conf spf_action tag
	conf dmarc_action reject
	run timeout 10 "$PB" smtpd -l 127.0.0.1:0
	[ "$status" -eq 78 ]
	[[ "$output" == *"dmarc_action must be tag or enforce, not \"reject\""* ]]
}

@test "a message over 256 KiB (rewritten through a second temp file) gets the same field, and its body is intact" {
	start_auth_dns
	start_smtpd
	{ msg a@pass.example big | sed '$d'; for i in $(seq 5000); do printf 'line %05d of a long message, to push it past the in-place rewrite\r\n' "$i"; done; } > "$T/m"
	run send a@pass.example
	[ "$status" -eq 0 ]
	run authres_of
	[ "$output" = $'test.example\nspf pass smtp.mailfrom=a@pass.example\nspf none smtp.helo=client.example\ndkim none\ndmarc pass header.from=pass.example' ]
	[ "$(stat -c %s "$(msg_file)")" -gt 262144 ]
	grep -q '^line 05000 of a long message' "$(msg_file)"
	[ "$(grep -c '^line ' "$(msg_file)")" -eq 5000 ]
	grep -qx "size $(stat -c %s "$(msg_file)")" "$(env_file)"
}

# --- the DNS answers smtpd keeps for their TTL (net/dns_cache.c) ---

# start_ttl_dns [DELAY]: tests/ttl_dns.py on loopback serving $T/zone,
# which may change while it runs, each answer DELAY seconds after its
# question when given; its questions are logged to $T/ttl-dns.log.
start_ttl_dns() {
	local port
	port=$(free_port)
	spawn "$T/ttl-dns.log" /usr/bin/python3 "$ROOT/tests/ttl_dns.py" "$port" "$T/zone" ${1:+"$1"}
	wait_until grep -q "^listening" "$T/ttl-dns.log"
	conf resolver "127.0.0.1:$port"
	conf dns_timeout 1s
}

# asked NAME: how many TXT questions for NAME the DNS got.
asked() { grep -c "^query $1 TXT$" "$T/ttl-dns.log" || true; }

# two_messages SENDER PAUSE: one SMTP session (smtplib), two messages from
# SENDER; between them $T/zone.next replaces the zone and PAUSE seconds pass.
two_messages() {
	/usr/bin/python3 - "$PORT" "$1" "$T/zone" "$T/zone.next" "$2" <<'PY'
import os, smtplib, sys, time
port, sender, zone, nxt, pause = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
def msg(n):
    return "From: %s\r\nTo: u@test.example\r\nSubject: %d\r\nMessage-ID: <%d.%f@x>\r\n\r\nhello\r\n" % (sender, n, n, time.time())
with smtplib.SMTP("127.0.0.1", port, "client.example", timeout=10) as s:
    s.sendmail(sender, ["u@test.example"], msg(1))
    os.replace(nxt, zone)
    time.sleep(pause)
    s.sendmail(sender, ["u@test.example"], msg(2))
PY
}

# spf_results: the spf= result of every stored message, oldest first.
spf_results() {
	local id
	for id in $(queue_ids); do
		sed -n 's/^\tspf=\([a-z]*\) .*/\1/p' "$SPOOL/queue/$id.msg" | head -n1
	done | paste -sd' '
}

@test "DNS cache: two messages in one session ask each record once; within its TTL a changed zone is not seen" {
	printf '%s\n' 'pass.example 300 v=spf1 ip4:127.0.0.1 -all' '_dmarc.pass.example 300 v=DMARC1; p=reject' > "$T/zone"
	printf '%s\n' 'pass.example 300 v=spf1 -all' '_dmarc.pass.example 300 v=DMARC1; p=reject' > "$T/zone.next"
	start_ttl_dns
	start_smtpd
	two_messages a@pass.example 0
	[ "$(queue_count)" -eq 2 ]
	cat "$T/ttl-dns.log"
	[ "$(spf_results)" = "pass pass" ]
	[ "$(asked pass.example)" -eq 1 ]
	[ "$(asked _dmarc.pass.example)" -eq 1 ]
	# A new session is a new process: it starts with nothing kept.
	rm -f "$T/m"
	send a@pass.example > /dev/null
	[ "$(spf_results)" = "pass pass fail" ]
	[ "$(asked pass.example)" -eq 2 ]
}

@test "DNS cache: a record whose TTL ran out is asked again, and the new answer counts" {
	printf '%s\n' 'pass.example 1 v=spf1 ip4:127.0.0.1 -all' '_dmarc.pass.example 1 v=DMARC1; p=reject' > "$T/zone"
	printf '%s\n' 'pass.example 1 v=spf1 -all' '_dmarc.pass.example 1 v=DMARC1; p=reject' > "$T/zone.next"
	start_ttl_dns
	start_smtpd
	two_messages a@pass.example 2.2
	cat "$T/ttl-dns.log"
	[ "$(spf_results)" = "pass fail" ]
	[ "$(asked pass.example)" -eq 2 ]
	[ "$(asked _dmarc.pass.example)" -eq 2 ]
	first_field | grep -q 'dmarc=fail (p=reject dis=reject)'
}

@test "DNS cache: an NXDOMAIN is kept for its SOA's TTL and MINIMUM (RFC 2308), and not at all without a SOA" {
	printf '%s\n' 'SOA 300' 'pass.example 300 v=spf1 ip4:127.0.0.1 -all' > "$T/zone"
	cp "$T/zone" "$T/zone.next"
	start_ttl_dns
	start_smtpd
	two_messages a@pass.example 0
	cat "$T/ttl-dns.log"
	[ "$(asked _dmarc.pass.example)" -eq 1 ]
	# dmarc none: no record, in both messages
	[ "$(grep -l 'dmarc=none' "$SPOOL"/queue/*.msg | wc -l)" -eq 2 ]
	: > "$T/ttl-dns.log"
	grep -v '^SOA' "$T/zone" > "$T/zone.next"
	cp "$T/zone.next" "$T/zone"
	cp "$T/zone" "$T/zone.next"
	two_messages a@pass.example 0
	cat "$T/ttl-dns.log"
	[ "$(asked _dmarc.pass.example)" -eq 2 ]
	[ "$(asked pass.example)" -eq 1 ]
}

@test "strace audit: a checked message is written once with the field on top, before its fsync; no read-back, no truncation" {
	command -v strace >/dev/null || skip "no strace"
	start_auth_dns
	export PB T
	{ printf 'EHLO client.example\r\nMAIL FROM:<a@pass.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n'; msg a@pass.example; printf '.\r\nQUIT\r\n'; } > "$T/in"
	run bash -c 'TCPREMOTEIP=127.0.0.1 strace -f -s 64 -o "$T/trace" -e trace=write,writev,pwrite64,pread64,read,lseek,ftruncate,fsync,linkat "$PB" smtpd < "$T/in" 2>/dev/null'
	has_reply "$QUEUED"
	grep -q '^Authentication-Results: test.example;' "$(msg_file)"
	reply=$(grep -n 'write(1, "250 2.0.0 Ok: queued' "$T/trace" | cut -d: -f1)
	head -n "$reply" "$T/trace" > "$T/before"
	# the message's one write (a writev: the field, then the message as it
	# came) starts with our field, and comes before the fsyncs
	field=$(grep -n 'writev([0-9]*, \[{iov_base="Authentication-Results: test.example;' "$T/before" | cut -d: -f1)
	[ "$(wc -l <<<"$field")" -eq 1 ] && [ -n "$field" ]
	fd=$(sed -n "${field}p" "$T/before" | sed 's/.*writev(\([0-9]*\),.*/\1/')
	[ "$(grep -c "write($fd, \"Received: " "$T/before")" -eq 0 ]
	[ "$(grep -c -E "writev?\($fd, " "$T/before")" -eq 1 ]
	first_fsync=$(grep -n "fsync($fd)" "$T/before" | head -n1 | cut -d: -f1)
	[ "$field" -lt "$first_fsync" ]
	! grep -E "(ftruncate|lseek|pread64|read)\($fd," "$T/before" || false
}

@test "DKIM is hashed as the data comes: signed messages in BDAT chunks, held in memory (30 KiB) and spilled (300 KiB), pass" {
	start_auth_dns
	start_smtpd
	for n in 500 5300; do
		{ msg a@signed.example "big $n" | sed '$d'; for i in $(seq "$n"); do printf 'line %05d of a signed message, hashed while it arrives\r\n' "$i"; done; } |
			dkimsign sel signed.example "$T/signed.pem" > "$T/m$n"
		size=$(stat -c %s "$T/m$n")
		half=$((size / 2))
		{
			printf 'EHLO client.example\r\nMAIL FROM:<a@signed.example>\r\nRCPT TO:<u@test.example>\r\nBDAT %d\r\n' "$half"
			head -c "$half" "$T/m$n"
			printf 'BDAT %d LAST\r\n' $((size - half))
			tail -c +$((half + 1)) "$T/m$n"
			printf 'QUIT\r\n'
		} > "$T/in"
		run /usr/bin/python3 "$ROOT/tests/smtp_raw.py" "$PORT" < "$T/in"
		has_reply "$QUEUED"
		run authres_of
		echo "$output"
		[ "$output" = $'test.example\nspf fail smtp.mailfrom=a@signed.example\nspf none smtp.helo=client.example\ndkim pass header.d=signed.example header.s=sel header.a=rsa-sha256\ndmarc pass header.from=signed.example' ]
		run pb dkim verify < "$(msg_file)"
		[ "$output" = 'pass d=signed.example s=sel a=rsa-sha256' ]
		[ "$(grep -c '^line ' "$(msg_file)")" -eq "$n" ]
		grep -qx "size $(stat -c %s "$(msg_file)")" "$(env_file)"
	done
	[ "$(stat -c %s "$(msg_file)")" -gt 262144 ]
}

# asked_at NAME: when (monotonic seconds) the DNS got the TXT question for NAME.
asked_at() { sed -n "s/^at $1 TXT //p" "$T/ttl-dns.log"; }

@test "DNS prefetch: at MAIL FROM the HELO name's and the sender's SPF records and the sender's DMARC record are asked at once" {
	printf '%s\n' 'pass.example 300 v=spf1 ip4:127.0.0.1 -all' 'mx.pass.example 300 v=spf1 ip4:127.0.0.1 -all' \
		'_dmarc.pass.example 300 v=DMARC1; p=reject' > "$T/zone"
	start_ttl_dns 0.6
	start_smtpd
	/usr/bin/python3 - "$PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), "mx.pass.example", timeout=20) as s:
    s.sendmail("a@pass.example", ["u@test.example"], "From: a@pass.example\r\nSubject: x\r\n\r\nhello\r\n")
PY
	cat "$T/ttl-dns.log"
	[ "$(queue_count)" -eq 1 ]
	run authres_of
	echo "$output"
	[ "$output" = $'test.example\nspf pass smtp.mailfrom=a@pass.example\nspf pass smtp.helo=mx.pass.example\ndkim none\ndmarc pass header.from=pass.example' ]
	# each asked once; one after the other they would be 0.6 s apart each
	[ "$(asked mx.pass.example)" -eq 1 ] && [ "$(asked pass.example)" -eq 1 ] && [ "$(asked _dmarc.pass.example)" -eq 1 ]
	spread=$(printf '%s\n' "$(asked_at mx.pass.example)" "$(asked_at pass.example)" "$(asked_at _dmarc.pass.example)" |
		sort -g | sed -n '1p;$p' | paste -sd' ' | awk '{print $2 - $1}')
	echo "spread $spread s"
	awk -v s="$spread" 'BEGIN { exit !(s < 0.3) }'
}

@test "DNS prefetch: an answer asked ahead and not used is not kept past its transaction (TTL 0)" {
	# The first message's From: is another domain: _dmarc.pass.example is
	# asked ahead at MAIL FROM and not used. With TTL 0 it must not be the
	# answer the second message gets after the zone changed.
	printf '%s\n' 'pass.example 300 v=spf1 ip4:127.0.0.1 -all' '_dmarc.pass.example 0 v=DMARC1; p=reject' > "$T/zone"
	printf '%s\n' 'pass.example 300 v=spf1 ip4:127.0.0.1 -all' '_dmarc.pass.example 0 v=DMARC1; p=quarantine' > "$T/zone.next"
	start_ttl_dns
	start_smtpd
	/usr/bin/python3 - "$PORT" "$T/zone" "$T/zone.next" <<'PY'
import os, smtplib, sys
port, zone, nxt = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with smtplib.SMTP("127.0.0.1", port, "client.example", timeout=10) as s:
    s.sendmail("a@pass.example", ["u@test.example"], "From: a@other.example\r\nSubject: 1\r\n\r\nhello\r\n")
    os.replace(nxt, zone)
    s.sendmail("a@pass.example", ["u@test.example"], "From: a@pass.example\r\nSubject: 2\r\n\r\nhello\r\n")
PY
	cat "$T/ttl-dns.log"
	[ "$(queue_count)" -eq 2 ]
	[ "$(asked _dmarc.pass.example)" -eq 2 ]
	grep -l 'header.from=pass.example' "$SPOOL"/queue/*.msg | xargs grep -q 'dmarc=pass (p=quarantine dis=none)'
}
