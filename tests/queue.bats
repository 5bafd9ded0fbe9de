#!/usr/bin/env bats
# queue: the queue runner (runq, sendmail -q) delivering to real SMTP
# servers (aiosmtpd, Postfix's smtp-sink) found through a real DNS server
# (ldns-testns), with retries, lifetime and RFC 3464 bounces.

load helpers
load servers_helpers
load queue_helpers

suite_setup() { mx_port; }

send() {
	local n=$1
	shift
	printf 'Subject: test %s\n\nhello\n.leading dot\n' "$n" | pb sendmail -i "$@"
}

# The queue id of the bounce (the message whose sender is <>), if any.
bounce_id() { grep -l '^sender <>$' "$SPOOL"/queue/*.env 2>/dev/null | head -n1 | xargs -r basename | sed 's/\.env$//'; }

# Parse the bounce with Python's email package and print key facts.
parse_bounce() {
	/usr/bin/python3 - "$SPOOL/queue/$1.msg" <<'PY'
import email, sys
from email import policy
from email.parser import HeaderParser
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
kind = m.get_param("report-type")    # RFC 6533's global form when an address is UTF-8
assert kind in ("delivery-status", "global-delivery-status"), kind
parts = list(m.iter_parts())
assert parts[0].get_content_type() == "text/plain"
assert parts[1].get_content_type() == "message/" + kind
print("to", m["To"])
print("from", m["From"])
print("auto", m["Auto-Submitted"])
if kind == "delivery-status":
    groups = parts[1].get_payload()
else:   # unknown to Python's email package: its text from the raw report
    raw = open(sys.argv[1], "rb").read().decode("utf-8")
    body = raw.split("Content-Type: message/global-delivery-status\n")[1].split("\n\n", 1)[1]
    groups = [HeaderParser().parsestr(g) for g in body.split("\n--" + m.get_boundary())[0].strip().split("\n\n")]
print("reporting", groups[0]["Reporting-MTA"])
for g in groups[1:]:
    print("rcpt", g["Final-Recipient"], "|", g["Action"], "|", g["Status"], "|", g["Remote-MTA"], "|", g["Diagnostic-Code"])
print("returned", parts[2].get_content_type())
PY
}

@test "mail goes to the best MX that answers; the first MX is down" {
	dns_mx example.org "10 mx1.example.org 127.0.0.2" "20 mx2.example.org 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
	send 1 bob@example.org
	id=$(queue_ids)
	run pb sendmail -q
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
	f=$(ls "$T"/sink/*.eml)
	grep -q $'^X-Sink-From: <root@test.example>\r$' "$f"
	grep -q $'^X-Sink-To: <bob@example.org>\r$' "$f"
	grep -q $'^Subject: test 1\r$' "$f"
	# dot-stuffing undone by the receiver: the line arrived intact
	grep -q $'^\\.leading dot\r$' "$f"
	# every line ends in CRLF
	[ "$(grep -c $'\r$' "$f")" -eq "$(wc -l < "$f")" ]
	[[ "$output" == *"qid=$id to=<bob@example.org> status=sent"* ]]
}

@test "implicit MX: a domain without MX records gets mail at its address" {
	dns_answer plain.example. MX NOERROR
	dns_host plain.example 127.0.0.1
	start_dns
	start_queue_sink "$PORT"
	send 2 carol@plain.example
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	grep -q $'^X-Sink-To: <carol@plain.example>\r$' "$T"/sink/*.eml
}

@test "recipients of one domain go in one transaction; others of the message to their own" {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	dns_mx example.net "10 mx.example.net 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
	send 3 a@example.org b@example.org c@example.net
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 2 ]
	org=$(grep -l 'X-Sink-To: <a@example.org>' "$T"/sink/*.eml)
	grep -q 'X-Sink-To: <b@example.org>' "$org"
	! grep -q 'example.net' "$org" || false
}

@test "a null MX bounces at once with 5.1.10; the bounce is RFC 3464" {
	dns_answer nomail.example. MX NOERROR "nomail.example. IN MX 0 ."
	start_dns
	send 4 dave@nomail.example
	orig=$(queue_ids)
	run pb runq
	[ "$status" -eq 0 ]
	[ ! -e "$SPOOL/queue/$orig.env" ]
	b=$(bounce_id)
	[ -n "$b" ]
	grep -qx 'rcpt root@test.example state=queued attempts=0 next=0 notify=NEVER' "$SPOOL/queue/$b.env"
	run parse_bounce "$b"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"to root@test.example"* ]]
	[[ "$output" == *"auto auto-replied"* ]]
	[[ "$output" == *"reporting dns; test.example"* ]]
	[[ "$output" == *"rcpt rfc822; dave@nomail.example | failed | 5.1.10 | None | x-postbox; 556 5.1.10 "*"null MX"* ]]
	[[ "$output" == *"returned message/rfc822"* ]]
}

@test "NXDOMAIN bounces; SERVFAIL defers and a later run delivers" {
	dns_answer gone.example. MX NXDOMAIN
	dns_answer flaky.example. MX SERVFAIL
	start_dns
	send 5 x@gone.example
	send 6 y@flaky.example
	run pb runq
	[ "$status" -eq 0 ]
	flaky=$(grep -l 'y@flaky.example' "$SPOOL"/queue/*.env | xargs basename | sed 's/\.env$//')
	rcpt_line "$flaky" y@flaky.example | grep -q 'state=deferred attempts=1 next=[1-9].* error=451%204.4.3%20'
	b=$(bounce_id)
	run parse_bounce "$b"
	[[ "$output" == *"rcpt rfc822; x@gone.example | failed | 5.1.2 |"* ]]
	# the DNS is fixed: the next forced run delivers
	stop_bg "$DNS_PID"
	: > "$T/dns.data"
	dns_mx flaky.example "10 mx.flaky.example 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
	run pb runq --force
	[ "$status" -eq 0 ]
	[ ! -e "$SPOOL/queue/$flaky.env" ]
	grep -q 'X-Sink-To: <y@flaky.example>' "$T"/sink/*.eml
}

@test "a 4xx from smtp-sink defers with backoff; a later run delivers" {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	start_smtp_sink "$PORT" -r RCPT
	send 7 eve@example.org
	id=$(queue_ids)
	now=$(date +%s)
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	line=$(rcpt_line "$id" eve@example.org)
	echo "$line"
	[[ "$line" == *"state=deferred attempts=1"* ]]
	[[ "$line" == *"error=host%20mx.example.org[127.0.0.1]%20said:%204"* ]]
	# the log: one quoting rule, a token or "text", \xHH the only escape
	[[ "$output" == *'to=<eve@example.org> status=deferred attempts=1 delay='*'s reason="host mx.example.org[127.0.0.1] said: 4'* ]]
	grep 'to=<eve@example.org>' <<<"$output" | /usr/bin/python3 -c '
import re, sys
line = sys.stdin.read()
kv = {k: re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), v.strip("\""))
      for k, v in re.findall(r"(\w+)=(\"[^\"]*\"|\S*)", line)}
assert kv["status"] == "deferred", kv
assert kv["reason"].startswith("host mx.example.org[127.0.0.1] said: 4"), kv
assert "\\x20" not in line, line
'
	next=$(echo "$line" | sed 's/.* next=\([0-9]*\).*/\1/')
	[ "$next" -ge $((now + 300)) ] && [ "$next" -le $((now + 310)) ]
	# not due yet: a plain run leaves it alone
	run pb runq
	[ "$(rcpt_line "$id" eve@example.org | sed 's/.*attempts=\([0-9]*\).*/\1/')" -eq 1 ]
	# mailq shows the reason
	run pb mailq
	[[ "$output" == *"(host mx.example.org[127.0.0.1] said: 4"* ]]
	# the server is fixed: sendmail -qR delivers now
	stop_bg "$SMTP_SINK_PID"
	start_queue_sink "$PORT"
	run pb sendmail -qR eve@
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
}

@test "a 5xx from smtp-sink bounces with Remote-MTA and Diagnostic-Code" {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	start_smtp_sink "$PORT" -f RCPT
	send 8 frank@example.org
	orig=$(queue_ids)
	run pb runq
	[ "$status" -eq 0 ]
	[ ! -e "$SPOOL/queue/$orig.env" ]
	b=$(bounce_id)
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"rcpt rfc822; frank@example.org | failed | 5."*" | dns; mx.example.org | smtp; 5"* ]]
	grep -q '^Subject: test 8$' "$SPOOL/queue/$b.msg"
}

@test "per-recipient results in one transaction: one accepted, one refused, one deferred" {
	start_mx_sink
	send 9 ok@example.org reject-me@example.org defer-me@example.org
	id=$(queue_ids)
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
	rcpt_line "$id" ok@example.org | grep -q 'state=sent attempts=1'
	rcpt_line "$id" reject-me@example.org | grep -q 'state=bounced attempts=1.*550%205.1.1'
	rcpt_line "$id" defer-me@example.org | grep -q 'state=deferred attempts=1.*451%204.3.0'
	b=$(bounce_id)
	run parse_bounce "$b"
	echo "$output"
	[ "$(echo "$output" | grep -c '^rcpt ')" -eq 1 ]
	[[ "$output" == *"rcpt rfc822; reject-me@example.org | failed | 5.1.1 | dns; mx.example.org | smtp; 550 5.1.1 <reject-me@example.org>: no such user here"* ]]
}

@test "the queue lifetime bounces mail that keeps failing" {
	conf queue_lifetime 2s
	conf retry_schedule 1s
	start_mx_sink
	send 10 defer-this@example.org
	id=$(queue_ids)
	run pb runq
	rcpt_line "$id" defer-this@example.org | grep -q 'state=deferred'
	sleep 2.2
	run pb runq
	[ "$status" -eq 0 ]
	[ ! -e "$SPOOL/queue/$id.env" ]
	b=$(bounce_id)
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"rcpt rfc822; defer-this@example.org | failed | 4.3.0 | dns; mx.example.org |"* ]]
	grep -q 'gave up: queue_lifetime exceeded' "$SPOOL/queue/$b.msg"
}

@test "no bounce for the null sender, nor for NOTIFY=NEVER; NOTIFY=SUCCESS reports delivery" {
	start_mx_sink
	send 11 -f '<>' reject1@example.org
	send 12 -N never reject2@example.org
	run pb runq
	[ "$(queue_count)" -eq 0 ]
	send 13 -N success,failure glad@example.org
	run pb runq
	b=$(bounce_id)
	[ -n "$b" ]
	run parse_bounce "$b"
	echo "$output"
	# aiosmtpd offers no DSN: the next hop will not report, so we say "relayed"
	[[ "$output" == *"rcpt rfc822; glad@example.org | relayed | 2.0.0 | dns; mx.example.org |"* ]]
	grep -q '^Subject: Successful Mail Delivery Report$' "$SPOOL/queue/$b.msg"
	grep -qx 'Content-Description: Delivered Message' "$SPOOL/queue/$b.msg"
}

@test "NOTIFY=SUCCESS to a next hop with DSN: NOTIFY and ENVID passed on, no report of ours (RFC 3461)" {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	# the next hop: our own smtpd, which offers DSN
	printf 'hostname = mx.example.org\nspool = %s\nlocal_domains = example.org\n' "$T/rspool" > "$T/recv.conf"
	serve "$PORT" "$T/smtpd.log" "$PB" smtpd -C "$T/recv.conf" -l "127.0.0.1:$PORT"
	send 17 -N success,failure -V env-17 glad@example.org
	run pb runq
	echo "$output"
	[ "$(queue_count)" -eq 0 ]          # delivered, and no report of ours queued
	[ -z "$(bounce_id)" ]
	env=$(ls "$T"/rspool/queue/*.env)
	cat "$env"
	grep -q '^rcpt glad@example.org .*notify=SUCCESS,FAILURE' "$env"
	grep -qx 'envid env-17' "$env"
}

@test "NOTIFY=SUCCESS for a local recipient: Action: delivered, the original labelled as delivered" {
	maildir_users ann
	send 18 -N success ann@test.example
	run pb runq
	echo "$output"
	[ "$(ls "$T/mail/ann/Maildir/new" | wc -l)" -eq 1 ]
	b=$(bounce_id)
	[ -n "$b" ]
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"rcpt rfc822; ann@test.example | delivered | 2.0.0 | None |"* ]]
	grep -qx 'Content-Description: Delivered Message' "$SPOOL/queue/$b.msg"
	! grep -q 'Undelivered' "$SPOOL/queue/$b.msg" || false
}

@test "held, busy and corrupt entries: held skipped, locked skipped, corrupt quarantined" {
	start_mx_sink
	send 14 h@example.org
	held=$(queue_ids | tail -n1)
	sed -i 's/^end$/held 1\nend/' "$SPOOL/queue/$held.env"
	send 15 l@example.org
	locked=$(queue_ids | tail -n1)
	send 16 c@example.org
	bad=$(queue_ids | tail -n1)
	echo garbage > "$SPOOL/queue/$bad.env"
	# another runner holds the claim on $locked
	spawn "$T/flock.log" flock -x "$SPOOL/queue/$locked.msg" sleep 5
	sleep 0.2
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ -e "$SPOOL/queue/$held.env" ]
	[ -e "$SPOOL/queue/$locked.env" ]
	[ -e "$SPOOL/corrupt/$bad.env" ] && [ -e "$SPOOL/corrupt/$bad.msg" ] && [ -e "$SPOOL/corrupt/$bad.why" ]
	[ "$(sink_count)" -eq 0 ]
	[[ "$output" == *"busy=1 corrupt=1"* ]]
}

@test "runq daemon mode (-d / sendmail -q1s) keeps delivering until stopped" {
	start_mx_sink
	spawn "$T/daemon.log" "$PB" sendmail -q1s
	pid=$BG_PID
	send 17 d1@example.org
	for i in $(seq 1 60); do [ "$(sink_count)" -ge 1 ] && break; sleep 0.1; done
	[ "$(sink_count)" -eq 1 ]
	kill -TERM $pid
	for i in $(seq 1 40); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	! kill -0 $pid 2>/dev/null || false
}

@test "immediate_delivery: sendmail tries the new message right away" {
	conf immediate_delivery yes
	start_mx_sink
	send 18 now@example.org
	for i in $(seq 1 50); do [ "$(queue_count)" -eq 0 ] && break; sleep 0.1; done
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
}

@test "immediate_delivery: a kick attempts only the new message, no sweep of the spool" {
	maildir_users ann
	pb pickup                       # make the spool, as root
	open_to_nobody "$T/users"
	printf 'Subject: from nobody\n\nhi\n' | as_nobody "$PB" sendmail ann@test.example
	[ -n "$(ls "$SPOOL/incoming")" ]
	conf immediate_delivery yes
	printf 'Subject: kicked\n\nhi\n' | pb sendmail -i ann@test.example
	for i in $(seq 1 50); do [ "$(queue_count)" -eq 0 ] && break; sleep 0.1; done
	[ "$(queue_count)" -eq 0 ]
	grep -qx 'Subject: kicked' "$T"/mail/ann/Maildir/new/*
	# incoming/ is the next full run's: the kick did not pick it up
	[ -n "$(ls "$SPOOL/incoming")" ]
	run pb runq
	[ -z "$(ls "$SPOOL/incoming")" ]
}

@test "bad runq usage and configuration" {
	run pb runq --bogus
	[ "$status" -eq 64 ]
	run pb sendmail -qX
	[ "$status" -eq 64 ]
	conf retry_schedule "soon"
	run pb runq
	[ "$status" -eq 78 ]
	[[ "$output" == *retry_schedule* ]]
}

@test "three concurrent runners over 1000 messages deliver each exactly once" {
	start_mx_sink
	seq 1 1000 | xargs -P 4 -I @@ sh -c "printf 'Subject: n @@\n\nbody @@\n' | '$PB' sendmail m@example.org"
	[ "$(queue_count)" -eq 1000 ]
	for r in 1 2 3; do
		spawn "$T/runner$r.log" "$PB" runq
		pids[$r]=$BG_PID
	done
	for r in 1 2 3; do
		timeout 120 tail --pid="${pids[$r]}" -f /dev/null
		wait "${pids[$r]}"
	done
	cat "$T"/runner*.log | grep 'queue run' >&2
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 1000 ]
	[ "$(cat "$T"/sink/*.eml | grep -a '^Subject: n ' | sort -u | wc -l)" -eq 1000 ]
	# every runner took part, and none delivered what another had
	total=0
	for r in 1 2 3; do
		n=$(grep -o 'sent=[0-9]*' "$T/runner$r.log" | tail -n1 | cut -d= -f2)
		total=$((total + n))
	done
	[ "$total" -eq 1000 ]
}

@test "kill -9 of a runner mid-delivery loses nothing and leaves nothing locked" {
	conf queue_workers 4   # the message may be a worker's: it dies with the runner
	send 19 a@example.org
	start_mx_sink
	send 20 slow@example.org
	id=$(queue_ids | tail -n1)   # the second message: worker 1's, a child process
	cp "$SPOOL/queue/$id.env" "$T/before.env"
	spawn "$T/runner.log" "$PB" runq
	pid=$BG_PID
	# wait until the runner holds the claim (the sink stalls the DATA);
	# watch /proc/locks rather than probe with flock, which could take the
	# lock for an instant and make the runner skip the message as busy
	inode=$(stat -c %i "$SPOOL/queue/$id.msg")
	for i in $(seq 1 100); do
		grep -q ":$inode " /proc/locks && break
		sleep 0.05
	done
	grep -q ":$inode " /proc/locks
	sleep 0.3
	kill -9 $pid || { cat "$T/runner.log"; false; }
	wait $pid 2>/dev/null || true
	# the message and its envelope are intact, and free to claim
	cmp "$T/before.env" "$SPOOL/queue/$id.env"
	flock -n -x "$SPOOL/queue/$id.msg" true
	run pb mailq
	[[ "$output" == *"$id"* ]]
}

@test "local recipients go through deliver; a bounce reaches the sender's mailbox" {
	maildir_users root ann
	dns_answer nomail.example. MX NOERROR "nomail.example. IN MX 0 ."
	start_dns
	send 30 ann@test.example ghost@test.example dave@nomail.example
	id=$(queue_ids)
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls "$T/mail/ann/Maildir/new" | wc -l)" -eq 1 ]
	grep -q '^Subject: test 30$' "$T"/mail/ann/Maildir/new/*
	grep -qx 'Delivered-To: ann@test.example' "$T"/mail/ann/Maildir/new/*
	# the original left; its bounce (ghost: unknown user; dave: null MX)
	# was queued and, being local, delivered by the same run or the next
	[ ! -e "$SPOOL/queue/$id.env" ]
	run pb runq
	[ "$(queue_count)" -eq 0 ]
	[ "$(ls "$T/mail/root/Maildir/new" | wc -l)" -eq 1 ]
	b=$(ls "$T"/mail/root/Maildir/new/*)
	grep -qx 'Return-Path: <>' "$b"
	/usr/bin/python3 - "$b" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
groups = list(m.iter_parts())[1].get_payload()
got = sorted((g["Final-Recipient"], g["Action"], g["Status"]) for g in groups[1:])
assert got == [("rfc822; dave@nomail.example", "failed", "5.1.10"),
               ("rfc822; ghost@test.example", "failed", "5.1.1")], got
PY
}

@test "a local delivery that fails temporarily (deliver exits 75) is deferred" {
	printf '#!/bin/sh\necho "mailbox locked" >&2\nexit 75\n' > "$T/tempfail"
	chmod 755 "$T/tempfail" "$T"
	printf 'ann: |%s\n' "$T/tempfail" > "$T/aliases"
	conf aliases "$T/aliases"
	send 31 ann@test.example
	id=$(queue_ids)
	run pb runq
	echo "$output"
	line=$(rcpt_line "$id" ann@test.example)
	echo "$line"
	[[ "$line" == *"state=deferred attempts=1"*"error=451%204.3.0%20"* ]]
	[ "$(queue_count)" -eq 1 ]
}

@test "STARTTLS is used when offered (opportunistic, self-signed certificate)" {
	make_cert mx.example.org
	SINK_TLS_CERT="$T/mx.example.org.crt" SINK_TLS_KEY="$T/mx.example.org.key" start_mx_sink
	send 40 tls@example.org
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	grep -q $'^X-Sink-TLS: yes\r$' "$T"/sink/*.eml
	[[ "$output" == *"tls=TLSv1."* ]]
}

@test "tls_required: a server without STARTTLS gets nothing; plaintext elsewhere still works" {
	conf tls_required example.org
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	dns_mx example.net "10 mx.example.net 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
	send 41 must@example.org any@example.net
	id=$(queue_ids)
	run pb runq
	echo "$output"
	rcpt_line "$id" must@example.org |
		grep -q 'state=deferred attempts=1 .*error=451%204.7.5%20TLS%20is%20required,%20but%20was%20not%20offered%20by%20host%20mx.example.org\[127.0.0.1\]'
	rcpt_line "$id" any@example.net | grep -q 'state=sent'
	# our own decision, never put in the server's mouth: mailq and the log
	run pb mailq
	[[ "$output" == *"(451 4.7.5 TLS is required, but was not offered by host mx.example.org[127.0.0.1])"* ]]
	! [[ "$output" == *"said"* ]] || false
	[ "$(sink_count)" -eq 1 ]
	! grep -q 'must@example.org' "$T"/sink/*.eml || false
}

@test "a server that hangs up without a word: deferred, and no host is said to have said anything" {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	start_tcpserver "$PORT" "$T/tcpserver.log" true
	send 43 hup@example.org
	id=$(queue_ids)
	run pb runq
	echo "$output"
	line=$(rcpt_line "$id" hup@example.org)
	echo "$line"
	[[ "$line" == *"state=deferred attempts=1 "*"error=451%204.4.2%20mx.example.org[127.0.0.1]:$PORT:%20connection%20closed"* ]]
	! [[ "$line" == *said* ]] || false
}

@test "tls_required: delivered once the server offers STARTTLS" {
	conf tls_required example.org
	make_cert mx.example.org
	SINK_TLS_CERT="$T/mx.example.org.crt" SINK_TLS_KEY="$T/mx.example.org.key" start_mx_sink
	send 42 must@example.org
	run pb runq
	[ "$(queue_count)" -eq 0 ]
	grep -q $'^X-Sink-TLS: yes\r$' "$T"/sink/*.eml
}

@test "one session carries several messages to the same host" {
	conf queue_workers 1
	start_mx_sink
	for i in 1 2 3 4 5; do send "c$i" "r$i@example.org"; done
	before=$(wc -l < "$T/sink/connections")   # aiosmtpd probes itself once at start
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 5 ]
	[ "$(wc -l < "$T/sink/connections")" -eq $((before + 1)) ]
}

@test "an MX on a loopback address at port 25 is a loop: bounced 5.4.6, nothing connects" {
	sed -i '/^smtp_port/d' "$POSTBOX_CONFIG"
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	send 50 loop@example.org
	id=$(queue_ids)
	run pb runq
	echo "$output"
	[ ! -e "$SPOOL/queue/$id.env" ]
	b=$(bounce_id)
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"rcpt rfc822; loop@example.org | failed | 5.4.6 |"*"loopback"* ]]
}

@test "SIZE: a message over the server's limit bounces 5.3.4 without DATA; SIZE= is sent" {
	SINK_SIZE=2000 start_mx_sink
	send 60 small@example.org
	{ printf 'Subject: big\n\n'; head -c 3000 /dev/zero | tr '\0' x | fold -w 70; } | pb sendmail big@example.org
	run pb runq
	[ "$(sink_count)" -eq 1 ]
	grep -q $'^X-Sink-Params: SIZE=[0-9]*\r$' "$T"/sink/*.eml
	b=$(bounce_id)
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"rcpt rfc822; big@example.org | failed | 5.3.4 | None | x-postbox; 552 5.3.4 message size "*" exceeds size limit 2000 of server mx.example.org[127.0.0.1]"* ]]
}

@test "SMTPUTF8: a message that needs it bounces 5.6.7 at a server without it" {
	SINK_NO_UTF8=1 start_mx_sink
	printf 'Subject: utf8\n\nhi\n' | pb sendmail 'jörg@example.org'
	run pb runq
	[ "$(sink_count)" -eq 0 ]
	b=$(bounce_id)
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"| failed | 5.6.7 | None | x-postbox; 553 5.6.7 SMTPUTF8 is required, but was not offered by host mx.example.org[127.0.0.1]"* ]]
	! grep -q 'said' "$SPOOL/queue/$b.msg" || false
}

@test "delay_warning: one RFC 3464 'delayed' report after the delay, not one per attempt" {
	# 3 s, not 1: on a loaded machine the first run may start more than
	# a second after the message was queued, and then rightly warns.
	conf delay_warning 3s
	conf retry_schedule 1s
	start_mx_sink
	send 70 defer-long@example.org
	id=$(queue_ids)
	run pb runq
	[ -z "$(bounce_id)" ]              # too young for a warning
	sleep 3.2
	run pb runq
	echo "$output"
	b=$(bounce_id)
	[ -n "$b" ]
	run parse_bounce "$b"
	echo "$output"
	[[ "$output" == *"rcpt rfc822; defer-long@example.org | delayed | 4.3.0 | dns; mx.example.org |"* ]]
	[[ "$output" == *"returned text/rfc822-headers"* ]]
	grep -q '^Subject: Delayed Mail (still being retried)$' "$SPOOL/queue/$b.msg"
	rcpt_line "$id" defer-long@example.org | grep -q 'state=deferred attempts=2'
	sleep 1.2
	run pb runq
	rcpt_line "$id" defer-long@example.org | grep -q 'state=deferred attempts=3'
	[[ "$output" != *"qid=$id report="* ]]
}

@test "domain_concurrency caps deliveries at once to one domain across workers and runners" {
	conf queue_workers 4
	SINK_DATA_DELAY=0.3 start_mx_sink
	for i in 1 2 3 4 5 6; do send "p$i" "p$i@example.org"; done
	run pb runq
	[ "$(queue_count)" -eq 0 ]
	echo "without a limit: $(cat "$T/sink/most-at-once")"
	[ "$(cat "$T/sink/most-at-once")" -ge 2 ]
	stop_bg "$SINK_PID"
	rm -rf "$T/sink"
	conf domain_concurrency 1
	SINK_DATA_DELAY=0.3 start_queue_sink "$PORT"
	for i in 1 2 3 4 5 6; do send "q$i" "q$i@example.org"; done
	spawn "$T/r1.log" "$PB" runq
	r1=$BG_PID
	spawn "$T/r2.log" "$PB" runq
	r2=$BG_PID
	timeout 30 tail --pid=$r1 -f /dev/null; timeout 30 tail --pid=$r2 -f /dev/null
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 6 ]
	[ "$(cat "$T/sink/most-at-once")" -eq 1 ]
}

@test "end to end: runq delivers to our own smtpd, which queues it in its spool (dots and CRLF intact)" {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	# the receiving host: its own configuration and spool, example.org local
	printf 'hostname = mx.example.org\nspool = %s\nlocal_domains = example.org\n' "$T/rspool" > "$T/recv.conf"
	serve "$PORT" "$T/smtpd.log" "$PB" smtpd -C "$T/recv.conf" -l "127.0.0.1:$PORT"
	printf 'Subject: e2e\n\n.leading dot\n..two dots\nlast\n' | pb sendmail -i ours@example.org
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	env=$(ls "$T"/rspool/queue/*.env)
	grep -qx 'sender root@test.example' "$env"
	grep -q '^rcpt ours@example.org ' "$env"
	msg=${env%.env}.msg
	grep -qx '\.leading dot' "$msg"
	grep -qx '\.\.two dots' "$msg"
	grep -qx 'Subject: e2e' "$msg"
	grep -q '^Received: from test.example' "$msg"
}

@test "immediate_delivery: smtpd hands each accepted message to a runner at once" {
	maildir_users ann
	conf immediate_delivery yes
	export PB T
	run bash -c "printf 'EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<ann@test.example>\r\nDATA\r\nSubject: now\r\n\r\nhi\r\n.\r\nQUIT\r\n' | '$PB' smtpd"
	[[ "$output" == *"250 2.0.0 Ok: queued as "* ]]
	for i in $(seq 1 50); do [ -n "$(ls "$T/mail/ann/Maildir/new" 2>/dev/null)" ] && break; sleep 0.1; done
	grep -qx 'Subject: now' "$T"/mail/ann/Maildir/new/*
	for i in $(seq 1 30); do [ "$(queue_count)" -eq 0 ] && break; sleep 0.1; done
	[ "$(queue_count)" -eq 0 ]
}

@test "a queue run first picks up what unprivileged users dropped into incoming/" {
	maildir_users ann
	pb pickup                       # make the spool, as root
	open_to_nobody "$T/users"
	printf 'Subject: from nobody\n\nhi\n' |
		as_nobody "$PB" sendmail ann@test.example
	[ -n "$(ls "$SPOOL/incoming")" ]
	run pb sendmail -q
	[ "$status" -eq 0 ]
	[ -z "$(ls "$SPOOL/incoming")" ]
	grep -qx 'Subject: from nobody' "$T"/mail/ann/Maildir/new/*
	grep -q '^Return-Path: <nobody@test.example>' "$T"/mail/ann/Maildir/new/*
}

@test "a local delivery refused for permissions (deliver 77) is deferred, never bounced" {
	mkdir -p "$T/mail/ann"
	chmod 755 "$T" "$T/mail"
	chown nobody "$T/mail/ann"
	chmod 500 "$T/mail/ann"
	maildir_users ann
	send 40 ann@test.example
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	e="$SPOOL/queue/$(queue_ids).env"
	grep -q '^rcpt ann@test.example state=deferred attempts=1 ' "$e"
	grep -q 'Permission%20denied' "$e"
	chmod 700 "$T/mail/ann"
	run pb runq --force
	[ "$(queue_count)" -eq 0 ]
	[ "$(ls "$T/mail/ann/Maildir/new" | wc -l)" -eq 1 ]
}

@test "a worker that cannot be forked leaves no message behind: the runner takes its share" {
	command -v strace >/dev/null || skip "strace not installed"
	conf queue_workers 4
	start_mx_sink
	for i in 1 2 3 4 5 6 7 8; do send "f$i" "f$i@example.org"; done
	# The second fork (worker 2) fails with EAGAIN; workers 1 and 3 run.
	run strace -f -o "$T/trace" -e trace=clone,clone3,fork,vfork -e inject=clone,clone3,fork,vfork:error=EAGAIN:when=2 "$PB" runq
	echo "$output"
	grep -q 'EAGAIN (Resource temporarily unavailable) (INJECTED)' "$T/trace"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 8 ]
}
