#!/usr/bin/env bats
# smtpd TLS: STARTTLS (RFC 3207), implicit TLS (RFC 8314), the injection
# and smuggling traps, with a self-signed certificate made per test.

load helpers
load servers_helpers
load smtpd_helpers

suite_setup() { server_cert test.example; }

@test "STARTTLS is advertised, swaks sends over it, Received names the TLS version and cipher" {
	start_smtpd
	smtp_tcp "${HELLO}QUIT\r\n"
	has_reply '250[- ]STARTTLS'
	run swaks_send --tls
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	m="$SPOOL/queue/$(queue_ids).msg"
	grep -q 'with ESMTPS id' "$m"
	grep -qE '^	\(using TLSv1\.[23] with cipher [A-Z0-9_-]+\)$' "$m"
}

@test "openssl s_client -starttls smtp: a whole transaction inside TLS; STARTTLS gone from EHLO" {
	start_smtpd
	run bash -c "printf 'EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: s_client\r\n\r\nx\r\n.\r\nQUIT\r\n' |
		timeout 10 openssl s_client -quiet -starttls smtp -connect 127.0.0.1:$PORT -servername test.example 2>/dev/null"
	has_reply '250 2.0.0 Ok: queued as'
	! has_reply '250-STARTTLS' 2>/dev/null || false
	[ "$(queue_count)" -eq 1 ]
}

@test "STARTTLS injection (CVE-2011-0411): plain bytes pipelined behind STARTTLS are discarded" {
	start_smtpd
	run /usr/bin/python3 - "$PORT" <<'PY'
import socket, ssl, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
f.readline()
# one TCP write: STARTTLS plus commands an attacker injected in clear
s.sendall(b"EHLO c.example\r\nSTARTTLS\r\nMAIL FROM:<evil@x.example>\r\nRCPT TO:<u@test.example>\r\n")
while True:
    line = f.readline()
    if line.startswith(b"220 "):
        break
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
t = ctx.wrap_socket(s, server_hostname="test.example")
t.sendall(b"RCPT TO:<u@test.example>\r\nQUIT\r\n")
print(t.recv(4096).decode())
PY
	[ "$status" -eq 0 ]
	# had MAIL been taken, RCPT would get 250; it must be refused
	has_reply '503 5.5.1 Send EHLO or HELO first'
	grep -q 'event=starttls-injection' "$T/smtpd.log"
	[ "$(queue_count)" -eq 0 ]
}

@test "STARTTLS resets the session: HELO, sender and recipients are forgotten" {
	start_smtpd
	run /usr/bin/python3 - "$PORT" <<'PY'
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.ehlo("c.example")
print(s.docmd("MAIL FROM:<a@client.example>"))
print(s.docmd("STARTTLS"))           # refused inside a transaction
print(s.docmd("RSET"))
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s.starttls(context=ctx)
print(s.docmd("MAIL FROM:<a@client.example>"))
print(s.docmd("STARTTLS"))           # not twice
PY
	[ "$status" -eq 0 ]
	[[ "$output" == *"(503, b'5.5.1 STARTTLS not allowed during a mail transaction')"* ]]
	[[ "$output" == *"(503, b'5.5.1 Send EHLO or HELO first')"* ]]
	[[ "$output" == *"(503, b'5.5.1 TLS already active')"* ]]
}

@test "end of data found across TLS record boundaries; bare LF still refused inside TLS" {
	start_smtpd
	run /usr/bin/python3 - "$PORT" <<'PY'
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
s.starttls(context=ctx); s.ehlo("c.example")
def data(body):
    s.docmd("MAIL FROM:<a@client.example>"); s.docmd("RCPT TO:<u@test.example>")
    print(s.docmd("DATA")[0])
    for i in range(len(body)):       # one TLS record per byte
        s.sock.sendall(body[i:i+1])
    print(s.getreply())
data(b"Subject: records\r\n\r\n..dot\r\nline\r\n.\r\n")
data(b"Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<e@x.example>\r\n.\r\n")
data(b"Subject: after\r\n\r\nstill served\r\n.\r\n")
s.quit()
PY
	[ "$status" -eq 0 ]
	[[ "$output" == *"(250, b'2.0.0 Ok: queued as"* ]]
	[[ "$output" == *"(550, b'5.6.0 Message refused: bare LF"* ]]
	[ "$(queue_count)" -eq 2 ]
	grep -qx '.dot' "$SPOOL"/queue/*.msg
}

@test "implicit TLS listener (465 style): swaks --tls-on-connect and curl smtps://" {
	start_smtpd ,tls
	run swaks_send --tls-on-connect
	[ "$status" -eq 0 ]
	printf 'Subject: curl\r\n\r\nx\r\n' > "$T/m"
	run curl -sS -k --max-time 10 "smtps://127.0.0.1:$PORT" --mail-from a@client.example --mail-rcpt u@test.example -T "$T/m"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 2 ]
	# a plain-text client gets nothing it could take for SMTP
	smtp_tcp 'EHLO x\r\n'
	! has_reply '220' 2>/dev/null || false
}

@test "implicit TLS without a certificate is a configuration error (78)" {
	sed -i '/^tls_/d' "$POSTBOX_CONFIG"
	run "$PB" smtpd -l "127.0.0.1:$(free_port),tls"
	[ "$status" -eq 78 ]
	conf tls_cert "$T/nonexistent.pem"
	run "$PB" smtpd -l "127.0.0.1:$(free_port)"
	[ "$status" -eq 78 ]
	[[ "$output" == *nonexistent.pem* ]]
}

@test "submission listener: MAIL needs STARTTLS, then AUTH (530 5.7.0)" {
	start_smtpd ,submission
	smtp_tcp "${HELLO}MAIL FROM:<a@client.example>\r\nQUIT\r\n"
	has_reply '530 5.7.0 Must issue a STARTTLS command first'
	run bash -c "printf 'EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nQUIT\r\n' |
		timeout 10 openssl s_client -quiet -starttls smtp -connect 127.0.0.1:$PORT 2>/dev/null"
	has_reply '530 5.7.0 Authentication required'
	[ "$(queue_count)" -eq 0 ]
}

@test "a client that drops during the TLS handshake does not hurt the server" {
	start_smtpd
	smtp_tcp "${HELLO}STARTTLS\r\n\x16\x03\x01\x00\x05hello"
	has_reply '220 2.0.0 Ready to start TLS'
	run swaks_send --tls
	[ "$status" -eq 0 ]
}

@test "SIGHUP picks up a renewed certificate" {
	start_smtpd
	fp() { printf 'QUIT\r\n' | timeout 10 openssl s_client -starttls smtp -connect "127.0.0.1:$PORT" 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256; }
	before=$(fp)
	[ -n "$before" ]
	new_cert renewed.example "$T/cert.pem" "$T/key.pem" DNS:renewed.example rsa
	kill -HUP $SMTPD_PID
	sleep 0.5
	after=$(fp)
	[ -n "$after" ] && [ "$before" != "$after" ]
	[ "$after" = "$(openssl x509 -in "$T/cert.pem" -noout -fingerprint -sha256)" ]
}
