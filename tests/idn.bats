#!/usr/bin/env bats
# idn: internationalised domain names (IDNA2008, RFC 5890/5891; SMTPUTF8,
# RFC 6531; international bounces, RFC 6533) end to end: Python's smtplib
# sends SMTPUTF8 to our smtpd, runq finds the MX of the A-label through
# ldns-testns (which knows only the A-label, as real DNS does) and delivers
# to aiosmtpd.

load helpers
load servers_helpers
load queue_helpers

suite_setup() { mx_port; }

# smtplib, SMTPUTF8: FROM TO... on 127.0.0.1:$SMTPD; prints the RCPT replies.
utf8_submit() {
	/usr/bin/python3 - "$SMTPD" "$@" <<'PY'
import smtplib, sys
port, sender, rcpts = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
s = smtplib.SMTP("127.0.0.1", port, timeout=20)
s.ehlo("client.example")
assert s.has_extn("smtputf8")
code, msg = s.mail(sender, ["SMTPUTF8"])
assert code == 250, (code, msg)
ok = 0
for r in rcpts:
    code, msg = s.rcpt(r)
    print(code, msg.decode())
    ok += code == 250
if ok:
    msg = ("From: %s\r\nTo: %s\r\nSubject: Grüße\r\n\r\nHallo Jörg\r\n" % (sender, rcpts[0])).encode()
    code, reply = s.data(msg)
    print(code, reply.decode())
s.quit()
PY
}

start_our_smtpd() {
	SMTPD=$(free_port)
	serve "$SMTPD" "$T/smtpd.log" "$PB" smtpd -l "127.0.0.1:$SMTPD"
}

@test "SMTPUTF8 to jörg@exämple.org: the MX of xn--exmple-cua.org is asked and gets the mail" {
	dns_mx xn--exmple-cua.org "10 mx.xn--exmple-cua.org 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
	start_our_smtpd
	run utf8_submit 'ann@test.example' 'jörg@exämple.org'
	echo "$output"
	[ "${lines[0]}" = "250 2.1.5 Ok" ]
	[[ "${lines[1]}" == "250 2.0.0 Ok: queued as "* ]]
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	f=$(ls "$T"/sink/*.eml)
	grep -q $'^X-Sink-To: <jörg@exämple.org>\r$' "$f"
	grep -q $'^X-Sink-Params: .*SMTPUTF8' "$f"
	[[ "$output" == *"relay=mx.xn--exmple-cua.org[127.0.0.1]"* ]]
}

@test "a domain that is no IDNA2008 name is refused at RCPT (553 5.1.2), never accepted and bounced later" {
	start_our_smtpd
	run utf8_submit 'ann@test.example' 'snow@☃.net' 'ok@exämple.org'
	echo "$output"
	[ "${lines[0]}" = "553 5.1.2 ☃.net: not a valid internationalised domain name (IDNA2008)" ]
	[ "${lines[1]}" = "250 2.1.5 Ok" ]
	env=$(ls "$SPOOL"/queue/*.env)
	! grep -q 'snow@' "$env" || false
	grep -q '^rcpt ok@exämple.org ' "$env"
}

@test "a local domain is the same in its A-label and U-label forms, in local_domains and in the users file" {
	conf local_domains "test.example, bücher.example, xn--caf-dma.example"
	printf 'ann@xn--bcher-kva.example:*:%s/mail/ann/Maildir/\nbob@café.example:*:%s/mail/bob/Maildir/\n' "$T" "$T" > "$T/users"
	conf users "$T/users"
	start_our_smtpd
	run utf8_submit 'x@test.example' 'ann@bücher.example' 'ann@XN--BCHER-KVA.example' 'bob@xn--caf-dma.example' \
		'bob@CAFÉ.example' 'nobody@bücher.example'
	echo "$output"
	[ "${lines[0]}" = "250 2.1.5 Ok" ]
	[ "${lines[1]}" = "250 2.1.5 Ok" ]
	[ "${lines[2]}" = "250 2.1.5 Ok" ]
	[ "${lines[3]}" = "250 2.1.5 Ok" ]
	[ "${lines[4]}" = "550 5.1.1 <nobody@bücher.example>: no such user here" ]
	run pb runq
	echo "$output"
	[ "$(queue_count)" -eq 0 ]
	ls -R "$T/mail"
	[ "$(ls "$T"/mail/ann/Maildir/new | wc -l)" -eq 2 ]    # one copy per recipient as spelt
	[ "$(ls "$T"/mail/bob/Maildir/new | wc -l)" -eq 2 ]
}

@test "a bounce for jörg@exämple.org writes UTF-8, never '??' (RFC 6533 global delivery status)" {
	dns_mx xn--exmple-cua.org "10 mx.xn--exmple-cua.org 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
	start_our_smtpd
	run utf8_submit 'änne@test.example' 'rejectjörg@exämple.org'
	[ "${lines[0]}" = "250 2.1.5 Ok" ]
	run pb runq
	echo "$output"
	b=$(grep -l '^sender <>$' "$SPOOL"/queue/*.env | head -n1)
	[ -n "$b" ]
	grep -q '^rcpt änne@test.example ' "$b"
	m=${b%.env}.msg
	cat "$m"
	! grep -q '??' "$m" || false
	run /usr/bin/python3 - "$m" <<'PY'
import email, sys
from email import policy
from email.parser import HeaderParser
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
assert m.get_content_type() == "multipart/report", m.get_content_type()
assert m.get_param("report-type") == "global-delivery-status"
parts = list(m.iter_parts())
assert parts[0].get_content_type() == "text/plain" and parts[0].get_content_charset() == "utf-8"
assert "<rejectjörg@exämple.org>: failed" in parts[0].get_content()
assert parts[1].get_content_type() == "message/global-delivery-status"
# Python's email package does not know message/global-delivery-status: read
# its text from the raw report, between its header and the next boundary.
raw = open(sys.argv[1], "rb").read().decode("utf-8")
body = raw.split("Content-Type: message/global-delivery-status\n")[1].split("\n\n", 1)[1]
body = body.split("\n--" + m.get_boundary())[0]
groups = [HeaderParser().parsestr(g) for g in body.strip().split("\n\n")]
print("rcpt", groups[1]["Final-Recipient"], "|", groups[1]["Action"], "|", groups[1]["Remote-MTA"])
print("returned", parts[2].get_content_type())
print("to", m["To"])
PY
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "rcpt utf-8; rejectjörg@exämple.org | failed | dns; mx.xn--exmple-cua.org" ]
	[ "${lines[1]}" = "returned message/global" ]
	[ "${lines[2]}" = "to änne@test.example" ]
}
