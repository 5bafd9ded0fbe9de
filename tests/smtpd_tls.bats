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

# --- per-listener certificates (-l ADDR:PORT,cert=FILE[,key=FILE]) -------------

# subject_at PORT [S_CLIENT-OPTIONS]: the subject of the certificate presented on PORT.
subject_at() {
	local port=$1
	shift
	printf 'QUIT\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$port" "$@" 2>/dev/null |
		openssl x509 -noout -subject -nameopt RFC2253
}

# another_port: a free port other than $PORT.
another_port() {
	local p
	p=$(free_port)
	while [ "$p" = "${PORT:-}" ]; do p=$(free_port); done
	echo "$p"
}

@test "per-listener certificates: each listener presents its own (implicit TLS and STARTTLS); one without uses tls_cert" {
	new_cert a.example "$T/a.crt" "$T/a.key"
	new_cert b.example "$T/b.crt" "$T/b.key"
	cat "$T/b.crt" "$T/b.key" > "$T/b.pem" # combined PEM: no key= needed
	P2=$(another_port)
	P3=$(PORT=$P2 another_port)
	start_smtpd ",submission,tls,cert=$T/a.crt,key=$T/a.key" -l "127.0.0.1:$P2,cert=$T/b.pem" -l "127.0.0.1:$P3"
	wait_port "$P2"
	wait_port "$P3"
	[ "$(subject_at "$PORT")" = "subject=CN=a.example" ]
	[ "$(subject_at "$P2" -starttls smtp)" = "subject=CN=b.example" ]
	[ "$(subject_at "$P3" -starttls smtp)" = "subject=CN=test.example" ]
	# a whole transaction through the per-listener certificate
	PORT=$P2 run swaks_send --tls
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	# the implicit-TLS submission listener still wants AUTH after its handshake
	run bash -c "printf 'EHLO client.example\r\nMAIL FROM:<a@client.example>\r\nQUIT\r\n' |
		timeout 10 openssl s_client -quiet -connect 127.0.0.1:$PORT 2>/dev/null"
	has_reply '530 5.7.0 Authentication required'
	[ "$(queue_count)" -eq 1 ]
}

@test "a listener's own certificate serves implicit TLS without tls_cert configured" {
	sed -i '/^tls_/d' "$POSTBOX_CONFIG"
	new_cert a.example "$T/a.crt" "$T/a.key"
	P2=$(another_port)
	start_smtpd ",tls,cert=$T/a.crt,key=$T/a.key" -l "127.0.0.1:$P2"
	wait_port "$P2"
	[ "$(subject_at "$PORT")" = "subject=CN=a.example" ]
	# the listener without one offers no STARTTLS
	smtp_tcp "${HELLO}QUIT\r\n" "$P2"
	has_reply '250 '
	! has_reply '250[- ]STARTTLS' 2>/dev/null || false
}

@test "a missing or mismatched per-listener certificate or key exits 78 naming the file and the listener" {
	new_cert a.example "$T/a.crt" "$T/a.key"
	new_cert b.example "$T/b.crt" "$T/b.key"
	p=$(free_port)
	run "$PB" smtpd -l "127.0.0.1:$p,cert=$T/nonexistent.pem"
	[ "$status" -eq 78 ]
	[[ "$output" == *"listener 127.0.0.1:$p"*"$T/nonexistent.pem"* ]]
	run "$PB" smtpd -l "127.0.0.1:$p,tls,cert=$T/a.crt,key=$T/missing.key"
	[ "$status" -eq 78 ]
	[[ "$output" == *"listener 127.0.0.1:$p"*"$T/missing.key"* ]]
	run "$PB" smtpd -l "127.0.0.1:$p,cert=$T/a.crt,key=$T/b.key"
	[ "$status" -eq 78 ]
	[[ "$output" == *"listener 127.0.0.1:$p"*"$T/b.key"* ]]
	# a key alone in the certificate file that has none
	run "$PB" smtpd -l "127.0.0.1:$p,cert=$T/a.crt"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$T/a.crt"* ]]
	# nothing was left listening
	! port_open "$p" || false
}

@test "listener options: key= without cert=, unknown options and over-long paths are usage errors (64), never truncated" {
	p=$(free_port)
	run "$PB" smtpd -l "127.0.0.1:$p,key=$T/key.pem"
	[ "$status" -eq 64 ]
	[[ "$output" == *"127.0.0.1:$p,key=$T/key.pem"*"key= needs cert="* ]]
	run "$PB" smtpd -l "127.0.0.1:$p,certificate=$T/cert.pem"
	[ "$status" -eq 64 ]
	# longer than the 64-byte opts field, shorter than PATH_MAX: accepted
	d="$T/$(printf 'd%.0s' {1..80})"
	mkdir -p "$d"
	cp "$T/cert.pem" "$d/cert.pem"
	cp "$T/key.pem" "$d/key.pem"
	PORT=$(free_port)
	serve "$PORT" "$T/smtpd.log" "$PB" smtpd -l "127.0.0.1:$PORT,tls,cert=$d/cert.pem,key=$d/key.pem"
	[ "$(subject_at "$PORT")" = "subject=CN=test.example" ]
	# longer than PATH_MAX: refused, naming the argument
	long="/$(printf 'x%.0s' {1..5000})"
	run "$PB" smtpd -l "127.0.0.1:$p,cert=$long"
	[ "$status" -eq 64 ]
	[[ "$output" == *"-l 127.0.0.1:$p,cert=/xxx"*"path too long"* ]]
}

@test "SIGHUP picks up a renewed per-listener certificate; a broken one keeps the old and is logged" {
	new_cert a.example "$T/a.crt" "$T/a.key"
	start_smtpd ",tls,cert=$T/a.crt,key=$T/a.key"
	fp() { printf 'QUIT\r\n' | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256; }
	before=$(fp)
	[ -n "$before" ]
	new_cert renewed.example "$T/a.crt" "$T/a.key" DNS:renewed.example rsa
	kill -HUP $SMTPD_PID
	wait_until grep -q 'event=reloaded' "$T/smtpd.log"
	after=$(fp)
	[ -n "$after" ] && [ "$before" != "$after" ]
	[ "$after" = "$(openssl x509 -in "$T/a.crt" -noout -fingerprint -sha256)" ]
	[ "$(subject_at "$PORT")" = "subject=CN=renewed.example" ]
	# a key that no longer matches: the renewed certificate stays
	new_cert other.example "$T/other.crt" "$T/a.key"
	kill -HUP $SMTPD_PID
	wait_until grep -q 'event=reload-failed.*listener 127.0.0.1:'"$PORT"'.*a.key' "$T/smtpd.log"
	[ "$(fp)" = "$after" ]
	run swaks_send --tls-on-connect
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
}

@test "inetd mode: -o cert= gives the session its own certificate" {
	new_cert a.example "$T/a.crt" "$T/a.key"
	run /usr/bin/python3 - "$PB" "$T/a.crt" "$T/a.key" <<'PY'
import smtplib, socket, ssl, subprocess, sys
pb, crt, key = sys.argv[1:]
a, b = socket.socketpair()
p = subprocess.Popen([pb, "smtpd", "-o", "cert=%s,key=%s" % (crt, key)], stdin=a, stdout=a)
a.close()
s = smtplib.SMTP(timeout=10)
s._host = "a.example"
s.sock = b
print(s.getreply())
s.ehlo("client.example")
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
print(s.starttls(context=ctx))
print(ssl.DER_cert_to_PEM_cert(s.sock.getpeercert(binary_form=True)), file=open(sys.argv[2] + ".seen", "w"))
s.quit()
print("exit", p.wait(timeout=10))
PY
	[ "$status" -eq 0 ]
	[[ "$output" == *"(220, b'2.0.0 Ready to start TLS')"* ]]
	[[ "$output" == *"exit 0"* ]]
	[ "$(openssl x509 -in "$T/a.crt.seen" -noout -subject -nameopt RFC2253)" = "subject=CN=a.example" ]
}
