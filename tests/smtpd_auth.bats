#!/usr/bin/env bats
# smtpd AUTH PLAIN/LOGIN (RFC 4954) with the users file, local recipient
# checks with users and aliases, and the submission role.

load helpers
load servers_helpers
load smtpd_helpers

suite_setup() {
	export PB T
	h=$(printf 'secret\n' | "$PB" passwd -m sha512)
	printf 'ann@test.example:%s:%s/ann/\nbob@test.example:*:%s/bob/\n' "$h" "$T" "$T" > "$T/users"
	printf 'sales: ann\npostmaster: ann\n' > "$T/aliases"
	conf users "$T/users"
	conf aliases "$T/aliases"
	PLAIN_OK=$(printf '\0ann@test.example\0secret' | base64 -w0)
	PLAIN_BAD=$(printf '\0ann@test.example\0wrong' | base64 -w0)
	PLAIN_NOUSER=$(printf '\0nobody@test.example\0secret' | base64 -w0)
}

@test "without TLS, AUTH is neither offered nor accepted (538 5.7.11)" {
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_OK\r\nQUIT\r\n"
	! has_reply '250-AUTH' 2>/dev/null || false
	has_reply '538 5.7.11 Encryption required'
}

@test "swaks over STARTTLS: AUTH PLAIN and LOGIN; the envelope and Received name the user" {
	server_cert test.example
	conf relay_networks 10.255.0.0/16
	start_smtpd
	for mech in PLAIN LOGIN; do
		run swaks --server "127.0.0.1:$PORT" --tls --auth "$mech" --auth-user ann@test.example \
			--auth-password secret --from ann@test.example --to far@elsewhere.example --timeout 10
		[ "$status" -eq 0 ]
	done
	[ "$(queue_count)" -eq 2 ]
	grep -qx 'auth ann@test.example' "$SPOOL"/queue/*.env
	grep -q 'with ESMTPSA id' "$SPOOL"/queue/*.msg
	grep -q '(authenticated as ann@test.example)' "$SPOOL"/queue/*.msg
	! grep -q secret "$T/smtpd.log" || false
}

@test "wrong password and unknown user: the same 535 5.7.8 and about the same time" {
	conf smtpd_auth_plaintext yes
	t0=$(date +%s%N)
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_BAD\r\nQUIT\r\n"
	t1=$(date +%s%N)
	bad=$(grep '^535' <<<"$output")
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_NOUSER\r\nQUIT\r\n"
	t2=$(date +%s%N)
	nouser=$(grep '^535' <<<"$output")
	[ "$bad" = "$nouser" ]
	[[ "$bad" == "535 5.7.8 Authentication credentials invalid"* ]]
	d1=$(( (t1 - t0) / 1000000 )) d2=$(( (t2 - t1) / 1000000 ))
	echo "wrong password ${d1} ms, unknown user ${d2} ms" >&3
	[ $(( d1 > d2 ? d1 - d2 : d2 - d1 )) -lt 150 ]
}

@test "failures: growing delay, then 421 4.7.0 after smtpd_auth_max_failures" {
	conf smtpd_auth_plaintext yes
	conf smtpd_auth_max_failures 3
	t0=$(date +%s%N)
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_BAD\r\nAUTH PLAIN $PLAIN_BAD\r\nAUTH PLAIN $PLAIN_BAD\r\nAUTH PLAIN $PLAIN_OK\r\n"
	t1=$(date +%s%N)
	[ "$(count_replies '535 5.7.8')" -eq 3 ]
	has_reply '421 4.7.0 test.example Too many authentication failures'
	! has_reply '235' 2>/dev/null || false
	# 0.25 + 0.5 + 1 s
	[ $(( (t1 - t0) / 1000000 )) -ge 1700 ]
}

@test "AUTH LOGIN by challenges, cancel with *, a second AUTH and AUTH in a transaction get 503" {
	conf smtpd_auth_plaintext yes
	u=$(printf ann@test.example | base64) p=$(printf secret | base64)
	run /usr/bin/python3 "$ROOT/tests/smtp_lockstep.py" "$PB" <<-EOS
	EHLO client.example
	AUTH LOGIN
	*
	MAIL FROM:<ann@test.example>
	AUTH PLAIN $PLAIN_OK
	RSET
	AUTH LOGIN
	$u
	$p
	AUTH PLAIN $PLAIN_OK
	AUTH FOO
	QUIT
	EOS
	has_reply '334 VXNlcm5hbWU6'
	has_reply '334 UGFzc3dvcmQ6'
	has_reply '501 5.7.0 Authentication cancelled'
	has_reply '503 5.5.1 AUTH not allowed during a mail transaction'
	has_reply '235 2.7.0 Authentication successful'
	has_reply '503 5.5.1 Already authenticated'
}

@test "AUTH PLAIN without an initial response; input pipelined behind AUTH is refused" {
	conf smtpd_auth_plaintext yes
	export PB T
	# the answer only after the 334 (smtp_raw would send all at once)
	run /usr/bin/python3 - "$PLAIN_OK" <<'PY'
import subprocess, sys, os
p = subprocess.Popen([os.environ["PB"], "smtpd"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
p.stdin.write(b"EHLO c.example\r\nAUTH PLAIN\r\n"); p.stdin.flush()
while not p.stdout.readline().startswith(b"334"): pass
p.stdin.write(sys.argv[1].encode() + b"\r\nAUTH PLAIN\r\nMAIL FROM:<x@y.example>\r\nQUIT\r\n"); p.stdin.close()
print(p.stdout.read().decode())
PY
	has_reply '235 2.7.0'
	has_reply '503 5.5.1 Already authenticated'
	smtp_stdin "${HELLO}AUTH PLAIN\r\nMAIL FROM:<x@y.example>\r\nQUIT\r\n"
	has_reply '501 5.5.0 AUTH may not be pipelined'
}

@test "an authenticated client may relay from outside relay_networks" {
	conf smtpd_auth_plaintext yes
	export TCPREMOTEIP=192.0.2.9
	smtp_stdin "${HELLO}MAIL FROM:<ann@test.example>\r\nRCPT TO:<far@elsewhere.example>\r\nRSET\r\nAUTH FOO\r\nAUTH PLAIN $PLAIN_OK\r\nMAIL FROM:<ann@test.example>\r\nRCPT TO:<far@elsewhere.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply '554 5.7.1 <far@elsewhere.example>: Relay access denied'
	has_reply '504 5.5.4 Unrecognized authentication type'
	has_reply "$QUEUED"
}

@test "local recipients: users and aliases accepted, unknown ones 550 5.1.1" {
	export TCPREMOTEIP=192.0.2.9
	smtp_stdin "${HELLO}MAIL FROM:<x@client.example>\r\nRCPT TO:<ann@test.example>\r\nRCPT TO:<Sales@test.example>\r\nRCPT TO:<bob@test.example>\r\nRCPT TO:<ann+tag@test.example>\r\nRCPT TO:<nobody@test.example>\r\nRCPT TO:<ann@localhost>\r\nQUIT\r\n"
	[ "$(count_replies '250 2.1.5')" -eq 4 ]
	has_reply '550 5.1.1 <nobody@test.example>: no such user here'
	has_reply '550 5.1.1 <ann@localhost>'
}

@test "submission: only the senders the user owns (553 5.7.1), aliases of the user allowed" {
	conf smtpd_auth_plaintext yes
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_OK\r\nMAIL FROM:<bob@test.example>\r\nMAIL FROM:<sales@test.example>\r\nRSET\r\nMAIL FROM:<ANN@test.example>\r\nQUIT\r\n"
	has_reply '553 5.7.1 Sender address <bob@test.example> is not owned by user ann@test.example'
	[ "$(count_replies '250 2.1.0')" -eq 2 ]
	conf smtpd_sender_login_check no
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_OK\r\nMAIL FROM:<bob@test.example>\r\nQUIT\r\n"
	has_reply '250 2.1.0'
}

@test "submission: the null sender <> only for logins in smtpd_null_sender_logins (Postfix: smtpd_null_access_maps)" {
	conf smtpd_auth_plaintext yes
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_OK\r\nMAIL FROM:<>\r\nQUIT\r\n"
	has_reply '553 5.7.1 The null sender <> is not allowed for user ann@test.example'
	! has_reply '250 2.1.0' || false
	# an MTA session (no login) takes bounces from other servers as ever
	smtp_stdin "${HELLO}MAIL FROM:<>\r\nQUIT\r\n"
	has_reply '250 2.1.0'
	conf smtpd_null_sender_logins "bob@test.example, ann@test.example"
	smtp_stdin "${HELLO}AUTH PLAIN $PLAIN_OK\r\nMAIL FROM:<>\r\nQUIT\r\n"
	has_reply '250 2.1.0'
}

@test "submission listener: STARTTLS + AUTH, then mail is taken" {
	server_cert test.example
	start_smtpd ,submission
	run swaks --server "127.0.0.1:$PORT" --tls --auth PLAIN --auth-user ann@test.example \
		--auth-password secret --from ann@test.example --to far@elsewhere.example --timeout 10
	[ "$status" -eq 0 ]
	run swaks --server "127.0.0.1:$PORT" --tls --auth PLAIN --auth-user ann@test.example \
		--auth-password secret --from bob@test.example --to far@elsewhere.example --timeout 10
	[ "$status" -ne 0 ]
	[[ "$output" == *"553 5.7.1"* ]]
	[ "$(queue_count)" -eq 1 ]
}

@test "line limits: AUTH may carry a long initial response (RFC 4954), other commands 512, MAIL/RCPT 1024" {
	conf smtpd_auth_plaintext yes
	long=$(printf '\0ann@test.example\0%s' "$(head -c 2000 /dev/zero | tr '\0' p)" | base64 -w0)
	huge=$(head -c 13000 /dev/zero | tr '\0' A)
	orcpt=$(head -c 450 /dev/zero | tr '\0' o)
	smtp_stdin "${HELLO}AUTH PLAIN $long\r\nAUTH PLAIN $huge\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<ann@test.example> ORCPT=rfc822;$orcpt\r\nNOOP $orcpt$orcpt\r\nQUIT\r\n"
	[ "$(count_replies '535 5.7.8')" -eq 1 ]
	[ "$(count_replies '500 5.5.2 Line too long')" -eq 2 ]
	has_reply '250 2.1.5 Ok'
}
