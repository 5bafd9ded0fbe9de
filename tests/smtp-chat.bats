#!/usr/bin/env bats
# smtp-chat and libmail/smtp/smtp_client against real servers: aiosmtpd,
# Postfix's smtp-sink, openssl s_server, and the deliberately vulnerable or
# hostile server of tests/chat_server.py.

load helpers
load servers_helpers
load chat_helpers

setup_file() {
	export CERTS="$BATS_FILE_TMPDIR/certs"
	chat_make_certs "$CERTS"
}

# --- a plain message --------------------------------------------------------

@test "smtp-chat sends a message to aiosmtpd: exit 0, bytes arrive CRLF and unstuffed" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	printf 'Subject: dots\n\n.leading dot\n..two dots\n.\nlast\n' >"$T/msg"
	run chat -s "127.0.0.1:$port" -f a@chat.test -t b@chat.test --data "@$T/msg"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" -> ..leading dot"* ]]
	[[ "$output" == *"=== message accepted: 250 2.0.0 Message accepted"* ]]
	printf 'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nlast\r\n' >"$T/want"
	cmp "$T/want" "$T/got/1.eml"
	grep -qx 'MAIL FROM:<a@chat.test>' "$T/got/1.env"
	grep -qx 'RCPT TO:<b@chat.test>' "$T/got/1.env"
}

@test "smtp-chat builds a message: headers, --header replaces, --subject, --body, --size" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" -f a@chat.test -t b@chat.test -t c@chat.test \
		--subject 'hello %SEQ%' --header 'X-Test: yes' --header 'From: Boss <a@chat.test>' \
		--body 'line one' --quiet
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -q $'^Subject: hello 1\r$' "$T/got/1.eml"
	grep -q $'^X-Test: yes\r$' "$T/got/1.eml"
	[ "$(grep -c '^From:' "$T/got/1.eml")" -eq 1 ]
	grep -q $'^From: Boss <a@chat.test>\r$' "$T/got/1.eml"
	grep -q $'^To: b@chat.test, c@chat.test\r$' "$T/got/1.eml"
	grep -q '^Message-Id: <' "$T/got/1.eml"
	grep -q '^Date: ' "$T/got/1.eml"
	grep -q $'^line one\r$' "$T/got/1.eml"
	[ "$(grep -c '^RCPT' "$T/got/1.env")" -eq 2 ]
	run chat -s "127.0.0.1:$port" -t b@chat.test --size 5000 --quiet
	[ "$status" -eq 0 ]
	[ "$(stat -c %s "$T/got/2.eml")" -eq 5000 ]
}

@test "smtp-chat --attach makes multipart/mixed with base64 the server can decode" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	head -c 3000 /dev/urandom >"$T/blob.pdf"
	run chat -s "127.0.0.1:$port" -t b@chat.test --attach "@$T/blob.pdf" --body hi --quiet
	[ "$status" -eq 0 ]
	/usr/bin/python3 - "$T/got/1.eml" "$T/blob.pdf" <<'PY'
import email, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read())
assert m.get_content_type() == "multipart/mixed", m.get_content_type()
parts = m.get_payload()
assert parts[0].get_payload().strip() == "hi"
assert parts[1].get_content_type() == "application/pdf"
assert parts[1].get_filename() == "blob.pdf"
assert parts[1].get_payload(decode=True) == open(sys.argv[2], "rb").read()
PY
}

# --- smuggling: the client never carries a smuggled message onward ----------

@test "smtp-chat never ends DATA early: smuggling forms reach even a broken server as one message" {
	port=$(free_port)
	start_vuln "$port" --save "$T/got"
	for form in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r\n' '\r.\n' '\n..\n'; do
		printf "Subject: s\n\nbody$form""MAIL FROM:<evil@x>\r\nRCPT TO:<victim@x>\r\nDATA\r\nsmuggled\r\n" >"$T/msg"
		run chat -s "127.0.0.1:$port" -t b@chat.test --data "@$T/msg" --quiet
		[ "$status" -eq 0 ]
	done
	# six sessions, six messages: no smuggled second message anywhere
	[ "$(ls "$T/got"/*.eml | wc -l)" -eq 6 ]
	[ -z "$(grep -l 'evil' "$T/got"/*.env)" ]
	for f in "$T/got"/*.eml; do grep -q '^MAIL FROM:<evil@x>' "$f"; done
}

@test "smtp-chat sends only CRLF: bare CR and bare LF in the input become CRLF" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	printf 'Subject: x\n\na\rb\nc\r\nd' >"$T/msg"
	run chat -s "127.0.0.1:$port" -t b@chat.test --data "@$T/msg" --quiet
	[ "$status" -eq 0 ]
	printf 'Subject: x\r\n\r\na\r\nb\r\nc\r\nd\r\n' >"$T/want"
	cmp "$T/want" "$T/got/1.eml"
}

# --- stages and their exit codes (smtp-sink failing at a chosen command) ----

@test "smtp-chat exit codes per failing stage against smtp-sink" {
	local cmd code
	for pair in CONNECT:21 MAIL:23 RCPT:24 DATA:25 .:26; do
		cmd=${pair%%:*} code=${pair##*:}
		port=$(free_port)
		start_smtp_sink "$port" -f "$cmd"
		run chat -s "127.0.0.1:$port" -t b@chat.test --quiet
		echo "$cmd: $status $output"
		[ "$status" -eq "$code" ]
		[[ "$output" == *"500 5.3.0 Error: command failed"* ]]
	done
	port=$(free_port)
	start_smtp_sink "$port" -f EHLO,HELO
	run chat -s "127.0.0.1:$port" -t b@chat.test --quiet
	[ "$status" -eq 22 ]
	port=$(free_port)
	start_smtp_sink "$port" -q RCPT
	run chat -s "127.0.0.1:$port" -t b@chat.test --quiet
	[ "$status" -eq 24 ]
	[[ "$output" == *"connection closed"* ]]
	run chat -s "127.0.0.1:$(free_port)" -t b@chat.test --quiet
	[ "$status" -eq 2 ]
	[[ "$output" == *"cannot connect: Connection refused"* ]]
}

@test "smtp-chat falls back to HELO when EHLO is refused" {
	port=$(free_port)
	start_smtp_sink "$port" -f EHLO
	run chat -s "127.0.0.1:$port" -t b@chat.test --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" -> HELO "* ]]
}

@test "smtp-chat --quit-after and --drop-after stop where asked" {
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" --quit-after ehlo
	[ "$status" -eq 0 ]
	[[ "$output" == *" -> QUIT"* ]]
	[[ "$output" != *"MAIL FROM"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --drop-after rcpt
	[ "$status" -eq 0 ]
	[[ "$output" == *"RCPT TO:<b@chat.test>"* ]]
	[[ "$output" != *"QUIT"* && "$output" != *" -> DATA"* ]]
	[[ "$output" == *"dropping the connection after rcpt"* ]]
	# a stage with nothing to do still stops there
	run chat -s "127.0.0.1:$port" -t b@chat.test --quit-after tls
	[ "$status" -eq 0 ]
	[[ "$output" == *" -> QUIT"* && "$output" != *"MAIL FROM"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --quit-after auth
	[ "$status" -eq 0 ]
	[[ "$output" != *"MAIL FROM"* ]]
	# no QUIT inside DATA (it would be message text): a hang-up instead
	run chat -s "127.0.0.1:$port" -t b@chat.test --quit-after data --timeout 3
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no QUIT inside DATA"* && "$output" != *" -> QUIT"* ]]
}

@test "smtp-chat refuses a partly accepted recipient list with exit 24 after sending" {
	port=$(free_port)
	start_aio "$port" --save "$T/got" --local-domain chat.test
	run chat -s "127.0.0.1:$port" -t a@chat.test -t b@elsewhere.test --quiet
	[ "$status" -eq 24 ]
	[[ "$output" == *"RCPT TO:<b@elsewhere.test> refused: 550 5.7.1 Relaying denied"* ]]
	[ -f "$T/got/1.eml" ]
}

# --- hostile replies -----------------------------------------------------------

@test "smtp-chat survives hostile banners: endless, no code, EOF mid-reply, one byte at a time" {
	port=$(free_port)
	start_vuln "$port" --hostile endless
	run chat -s "127.0.0.1:$port" -t b@x --quiet
	[ "$status" -eq 21 ]
	[[ "$output" == *"reply longer than 200 lines"* ]]
	port=$(free_port)
	start_vuln "$port" --hostile nocode
	run chat -s "127.0.0.1:$port" -t b@x --quiet
	[ "$status" -eq 21 ]
	[[ "$output" == *"reply without a valid code"* ]]
	port=$(free_port)
	start_vuln "$port" --hostile eofmid
	run chat -s "127.0.0.1:$port" -t b@x --quiet
	[ "$status" -eq 21 ]
	[[ "$output" == *"connection closed mid-reply"* ]]
	port=$(free_port)
	start_vuln "$port" --hostile slow
	start=$(date +%s%N)
	run chat -s "127.0.0.1:$port" -t b@x --quiet --timeout 1
	took=$((($(date +%s%N) - start) / 1000000))
	[ "$status" -eq 21 ]
	[[ "$output" == *"timed out waiting for a reply"* ]]
	[ "$took" -lt 2500 ]
}

# --- TLS ------------------------------------------------------------------------

@test "smtp-chat --starttls verifies the certificate by default" {
	port=$(free_port)
	start_aio "$port" --tls "$CERTS/good.pem" "$CERTS/good.key"
	run chat -s "localhost:$port" -t b@chat.test --starttls --tls-ca "$CERTS/ca.pem" --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== TLS started: TLSv1."* ]]
	[[ "$output" == *" ~> MAIL FROM:"* ]]
	run chat -s "localhost:$port" -t b@chat.test --starttls --quiet
	[ "$status" -eq 29 ]
	[[ "$output" == *"certificate verification failed"* ]]
	run chat -s "localhost:$port" -t b@chat.test --starttls --insecure --quiet
	[ "$status" -eq 0 ]
}

@test "smtp-chat --starttls aborts when STARTTLS is not offered; --tls-optional goes on" {
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" -t b@chat.test --starttls --quiet
	[ "$status" -eq 29 ]
	[[ "$output" == *"STARTTLS not offered"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --tls-optional --hide-data
	[ "$status" -eq 0 ]
	[[ "$output" == *"STARTTLS not offered; going on in plain text"* ]]
}

@test "smtp-chat refuses bytes after the 220 to STARTTLS (response injection, CVE-2021-38371)" {
	port=$(free_port)
	start_vuln "$port" --tls "$CERTS/good.pem" "$CERTS/good.key" --hostile inject
	run chat -s "localhost:$port" -t b@chat.test --starttls --tls-ca "$CERTS/ca.pem" --quiet
	echo "$output"
	[ "$status" -eq 29 ]
	[[ "$output" == *"bytes received after the 220 reply to STARTTLS (response injection)"* ]]
}

@test "smtp-chat --tls-on-connect against openssl s_server: bad certificates fail, --insecure passes" {
	for kind in self expired wrong; do
		port=$(free_port)
		start_s_server "$port" "$CERTS/$kind.pem" "$CERTS/$kind.key"
		run chat -s "localhost:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --drop-after connect --quiet
		echo "$kind: $output"
		[ "$status" -eq 29 ]
		[[ "$output" == *"certificate verification failed"* ]]
		run chat -s "localhost:$port" --tls-on-connect --insecure --drop-after connect --quiet
		[ "$status" -eq 0 ]
	done
	port=$(free_port)
	start_s_server "$port" "$CERTS/good.pem" "$CERTS/good.key"
	run chat -s "localhost:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --drop-after connect --tls-show-cert
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"subject: /CN=localhost"* ]]
	[[ "$output" == *"sha256: "* ]]
	run chat -s "127.0.0.1:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --drop-after connect --quiet
	[ "$status" -eq 0 ]
}

@test "smtp-chat --tls-on-connect to aiosmtpd on implicit TLS" {
	port=$(free_port)
	start_aio "$port" --tls "$CERTS/good.pem" "$CERTS/good.key" --implicit-tls --save "$T/got"
	run chat -s "localhost:$port" -t b@chat.test --tls-on-connect --tls-ca "$CERTS/ca.pem" --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"<~  220 "* ]]
	[ -f "$T/got/1.eml" ]
}

# --- AUTH -------------------------------------------------------------------------

@test "smtp-chat AUTH PLAIN, LOGIN and CRAM-MD5 against aiosmtpd; the password never shows" {
	port=$(free_port)
	start_aio "$port" --auth alice:s3cret-pw
	printf 's3cret-pw\n' >"$T/pw"
	for mech in PLAIN LOGIN CRAM-MD5; do
		run chat -s "127.0.0.1:$port" -t b@chat.test --auth-user alice --auth "$mech" \
			--auth-password-file "$T/pw" --hide-data
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"AUTH $mech"* ]]
		[[ "$output" == *"<-  235 "* ]]
		[[ "$output" == *"<redacted"* ]]
		[[ "$output" != *"s3cret"* ]]
		# neither the password nor any base64 of it appears
		[[ "$output" != *"$(printf '\0alice\0s3cret-pw' | base64)"* ]]
		[[ "$output" != *"$(printf 's3cret-pw' | base64)"* ]]
	done
	run env PW=s3cret-pw "$PB" smtp-chat -s "127.0.0.1:$port" -t b@chat.test --auth-user alice \
		--auth-password-env PW --json
	[ "$status" -eq 0 ]
	[[ "$output" != *"s3cret"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --auth-user alice --auth-password-fd 3 --quiet 3<"$T/pw"
	[ "$status" -eq 0 ]
	printf 'wrong\n' >"$T/bad"
	run chat -s "127.0.0.1:$port" -t b@chat.test --auth-user alice --auth-password-file "$T/bad" --quiet
	[ "$status" -eq 28 ]
	[[ "$output" == *"535"* ]]
}

@test "smtp-chat: AUTH not offered is exit 28; no password on the command line at all" {
	port=$(free_port)
	start_smtp_sink "$port" -a
	printf 'pw\n' >"$T/pw"
	run chat -s "127.0.0.1:$port" -t b@chat.test --auth-user u --auth-password-file "$T/pw" --quiet
	[ "$status" -eq 28 ]
	[[ "$output" == *"AUTH not offered"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --auth-password pw
	[ "$status" -eq 64 ]
}

# --- pipelining, BDAT, JSON ---------------------------------------------------------

@test "smtp-chat --pipeline sends MAIL, RCPT and DATA in one go (JSON order shows it)" {
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" -t b@chat.test -t c@chat.test --pipeline --json
	[ "$status" -eq 0 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
seq = [(o["type"], o.get("text", "")[:4], o.get("code")) for o in objs if o["type"] in ("send", "recv")]
i = seq.index(("send", "MAIL", None))
assert [s[0] for s in seq[i:i+4]] == ["send"] * 4, seq
assert [s[2] for s in seq[i+4:i+8]] == [250, 250, 250, 354], seq
assert objs[-1]["type"] == "summary" and objs[-1]["exit"] == 0 and objs[-1]["ok"] is True
'
}

@test "smtp-chat --bdat sends CHUNKING chunks; the server gets the exact message" {
	port=$(free_port)
	start_vuln "$port" --save "$T/got"
	printf 'Subject: b\n\n.dot stays single in BDAT\nline\n' >"$T/msg"
	run chat -s "127.0.0.1:$port" -t b@chat.test --data "@$T/msg" --bdat --chunk-size 10 --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" -> BDAT 10"$'\n'* ]]
	[[ "$output" == *" LAST"* ]]
	printf 'Subject: b\r\n\r\n.dot stays single in BDAT\r\nline\r\n' >"$T/want"
	cmp "$T/want" "$T/got/1.eml"
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" -t b@chat.test --bdat --quiet
	[ "$status" -eq 25 ]
	[[ "$output" == *"CHUNKING (BDAT) not offered"* ]]
}

@test "smtp-chat --json is valid JSON per line with a summary, also on failure" {
	port=$(free_port)
	start_smtp_sink "$port" -f RCPT
	run chat -s "127.0.0.1:$port" -t b@chat.test --json
	[ "$status" -eq 24 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
s = objs[-1]
assert s["type"] == "summary" and s["exit"] == 24 and s["ok"] is False and s["stage"] == "rcpt", s
assert "500 5.3.0" in s["reason"]
r = [o for o in objs if o["type"] == "recv" and o["code"] == 500][0]
assert r["status"] == "5.3.0" and isinstance(r["elapsed_ms"], float)
assert r["bytes"] == len("500 5.3.0 Error: command failed\r\n"), r
'
}

# --- connections ------------------------------------------------------------------

@test "smtp-chat --local-interface binds the local address; -4 and --socket and --pipe work" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" -t b@chat.test --local-interface 127.0.0.2 --quiet
	[ "$status" -eq 0 ]
	grep -qx 'PEER 127.0.0.2' "$T/got/1.env"
	run chat -4 -s "localhost:$port" -t b@chat.test --quiet
	[ "$status" -eq 0 ]
	start_smtp_sink "unix:$T/sock"
	run chat --socket "$T/sock" -t b@chat.test --quiet
	[ "$status" -eq 0 ]
	run chat --pipe "/usr/bin/python3 -c 'import sys; sys.stdout.write(\"554 go away\\r\\n\"); sys.stdout.flush()'" -t b@chat.test --quiet
	[ "$status" -eq 21 ]
	[[ "$output" == *"554 go away"* ]]
}

@test "smtp-chat over IPv6 when the host has ::1" {
	if ! /usr/bin/python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1",0))' 2>/dev/null; then
		skip "no IPv6 loopback"
	fi
	port=$(free_port)
	start_smtp_sink "[::1]:$port"
	run chat -6 -s "[::1]:$port" -t b@chat.test
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"connected to ::1[::1]:$port"* ]]
}

# --- chat scripts -------------------------------------------------------------------

@test "smtp-chat --script: a whole conversation with expectations against aiosmtpd" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	cat >"$T/s.chat" <<'CHAT'
# a full transaction, step by step
expect 220
ehlo
send MAIL FROM:<${FROM}>
expect 250 /^OK$/
send RCPT TO:<${TO}>
expect 2xx
send DATA
expect 354
message
expect 250 accepted
send QUIT
expect 221
expect closed
CHAT
	run chat -s "127.0.0.1:$port" -f a@chat.test -t b@chat.test --script "$T/s.chat" --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== every expectation held"* ]]
	[ -f "$T/got/1.eml" ]
	grep -qx 'MAIL FROM:<a@chat.test>' "$T/got/1.env"
}

@test "smtp-chat --script: the first failed expect exits 1 naming line, expectation and reply" {
	port=$(free_port)
	start_smtp_sink "$port"
	printf 'expect 220\nsend EHLO x\nexpect 250\nsend MAIL FROM:<a@b>\nexpect 5xx\nsend QUIT\nexpect 221\n' >"$T/s.chat"
	run chat -s "127.0.0.1:$port" --script "$T/s.chat" --quiet
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"s.chat:5: expected 5xx, got 250 2.1.0 Ok"* ]]
	printf 'expect 220\nsend EHLO x\nexpect 250 NOSUCHEXT\n' >"$T/s.chat"
	run chat -s "127.0.0.1:$port" --script "$T/s.chat" --json
	[ "$status" -eq 1 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
ex = [o for o in objs if o["type"] == "expect"]
assert [(e["line"], e["ok"]) for e in ex] == [(1, True), (3, False)], ex
assert objs[-1]["type"] == "summary" and objs[-1]["exit"] == 1
'
}

@test "smtp-chat --script: bad scripts exit 65, a missing script 66, unreachable server 75" {
	printf 'expect 220\nfrobnicate\n' >"$T/bad.chat"
	run chat -s 127.0.0.1:1 --script "$T/bad.chat"
	[ "$status" -eq 65 ]
	[[ "$output" == *"line 2: unknown verb \"frobnicate\""* ]]
	printf 'repeat 2\nsend x\n' >"$T/bad.chat"
	run chat -s 127.0.0.1:1 --script "$T/bad.chat"
	[ "$status" -eq 65 ]
	run chat -s 127.0.0.1:1 --script "$T/none.chat"
	[ "$status" -eq 66 ]
	printf 'expect 220\n' >"$T/ok.chat"
	run chat -s "127.0.0.1:$(free_port)" --script "$T/ok.chat" --quiet
	[ "$status" -eq 75 ]
	printf 'auth\n' >"$T/auth.chat"
	run chat -s 127.0.0.1:1 --script "$T/auth.chat"
	[ "$status" -eq 64 ]
}

@test "smtp-chat --script: repeat, variables, --var, sleep, script on stdin" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" --var WHO=carol --var TIMES=3 --script - --hide-data <<'CHAT'
expect 220
ehlo test.example
repeat ${TIMES}
  send MAIL FROM:<${WHO}+${N}@chat.test>
  expect 250
  repeat 2
    send RCPT TO:<r${N}@chat.test>
    expect 250
  end
  send DATA
  expect 354
  send-raw Subject: msg\r\n\r\nbody\r\n.\r\n
  sleep 0.05
  expect 250
end
set BYE QUIT
send ${BYE}
expect 221
CHAT
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls "$T/got"/*.eml | wc -l)" -eq 3 ]
	grep -qx 'MAIL FROM:<carol+3@chat.test>' "$T/got/3.env"
	grep -qx 'RCPT TO:<r2@chat.test>' "$T/got/3.env"
}

@test "smtp-chat --script: send-raw shows a server ending DATA at a bare LF (smuggling by hand)" {
	port=$(free_port)
	start_vuln "$port" --save "$T/got"
	cat >"$T/s.chat" <<'CHAT'
expect 220
send EHLO x
expect 250
send MAIL FROM:<a@b>
expect 250
send RCPT TO:<c@d>
expect 250
send DATA
expect 354
send-raw Subject: x\r\n\r\nhello\n.\nNOOP\r\n
expect 250 queued
expect 250 ok
CHAT
	run chat -s "127.0.0.1:$port" --script "$T/s.chat"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *' -> Subject: x'* ]]
	[[ "$output" == *' -> hello\n'* ]]
}

@test "smtp-chat --script: starttls and auth verbs over aiosmtpd with TLS and AUTH" {
	port=$(free_port)
	start_aio "$port" --tls "$CERTS/good.pem" "$CERTS/good.key" --auth alice:pw
	printf 'pw\n' >"$T/pw"
	cat >"$T/s.chat" <<'CHAT'
expect 220
ehlo
starttls
ehlo
expect-less-line-is-a-comment-only-if-hashed
CHAT
	run chat -s "localhost:$port" --tls-ca "$CERTS/ca.pem" --script "$T/s.chat"
	[ "$status" -eq 65 ]
	printf 'expect 220\nehlo\nstarttls\nehlo\nauth PLAIN\nsend QUIT\nexpect 221\n' >"$T/s.chat"
	run chat -s "localhost:$port" --tls-ca "$CERTS/ca.pem" --auth-user alice \
		--auth-password-file "$T/pw" --script "$T/s.chat"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"<~  235 "* ]]
	[[ "$output" != *"AGFsaWNlAHB3"* && "$output" == *"AUTH PLAIN <redacted>"* ]]
}

# --- probes ---------------------------------------------------------------------------

@test "smtp-chat --probe smuggling finds the vulnerable server's bare-LF endings, exit 1" {
	port=$(free_port)
	start_vuln "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" -t victim@chat.test --probe smuggling --json
	[ "$status" -eq 1 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
cases = {o["case"]: o["vulnerable"] for o in objs if o["type"] == "probe"}
bad = sorted(k for k, v in cases.items() if v)
assert bad == sorted(["\\n.\\n", "\\n.\\r\\n", "\\r\\n.\\n"]), bad
assert len(cases) == 8 and cases["\\r.\\r\\n"] is False
s = objs[-1]
assert s["type"] == "summary" and s["exit"] == 1 and s["findings"] == 3 and s["cases"] == 8
'
	# the smuggled message really was delivered as a second message
	grep -l 'smuggled by smtp-chat probe' "$T/got"/*.eml
}

@test "smtp-chat --probe smuggling: a server like OpenSMTPD 6.8 (ends data at \\n.\\n, refuses pipelining) is found, exit 1" {
	port=$(free_port)
	start_vuln "$port" --no-pipelining --save "$T/got"
	run chat -s "127.0.0.1:$port" -t victim@chat.test --probe smuggling --json
	echo "$output"
	[ "$status" -eq 1 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
p = {o["case"]: o for o in objs if o["type"] == "probe"}
bad = sorted(k for k, o in p.items() if o["vulnerable"])
assert bad == sorted(["\\n.\\n", "\\n.\\r\\n", "\\r\\n.\\n"]), bad
assert p["\\n.\\n"]["detail"].startswith("answered 250"), p["\\n.\\n"]
assert objs[-1]["findings"] == 3, objs[-1]
'
	# what it found is real: the message cut at the look-alike was accepted
	grep -l 'This message carries an end-of-data look-alike:$' "$T/got"/*.eml
}

@test "smtp-chat --probe smuggling passes aiosmtpd and smtp-sink, exit 0" {
	port=$(free_port)
	start_aio "$port"
	run chat -s "127.0.0.1:$port" -t victim@chat.test --probe smuggling
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok   smuggling' <<<"$output")" -eq 8 ]
	[[ "$output" == *"=== smuggling: 8 cases, 0 findings"* ]]
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" -t victim@chat.test --probe smuggling --quiet
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "smtp-chat --probe open-relay: a catch-all that relays nothing is no finding, exit 0" {
	port=$(free_port)
	start_aio "$port" --local-domain chat.test --catch-all
	run chat -s "127.0.0.1:$port" --probe-domain chat.test --probe open-relay
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^FAIL' <<<"$output" || false
	[[ "$output" == *"ok   open-relay             relaytest%smtp-chat.invalid@chat.test  accepted, probably a catch-all (250 2.1.5 OK; so was <smtp-chat-no-such-user-"* ]]
	[ "$(grep -c 'accepted, probably a catch-all' <<<"$output")" -eq 4 ]
	[[ "$output" == *"ok   open-relay             relaytest@smtp-chat.invalid  refused"* ]]
}

@test "smtp-chat --probe starttls-injection: vulnerable server exit 1, aiosmtpd exit 0" {
	port=$(free_port)
	start_vuln "$port" --tls "$CERTS/good.pem" "$CERTS/good.key"
	run chat -s "127.0.0.1:$port" --probe starttls-injection
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAIL starttls-injection"*"VULNERABLE: ran the plain-text command inside TLS (250 2.0.0 ok)"* ]]
	port=$(free_port)
	start_aio "$port" --tls "$CERTS/good.pem" "$CERTS/good.key"
	run chat -s "127.0.0.1:$port" --probe starttls-injection
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok   starttls-injection"* ]]
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" --probe starttls-injection
	[ "$status" -eq 0 ]
	[[ "$output" == *"STARTTLS not offered"* ]]
}

@test "smtp-chat --probe open-relay: an open server is reported, a closed one passes" {
	port=$(free_port)
	start_aio "$port"
	run chat -s "127.0.0.1:$port" -t postmaster@chat.test --probe open-relay --json
	[ "$status" -eq 1 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
p = [o for o in objs if o["type"] == "probe"]
assert len(p) == 11, p
# aiosmtpd takes every well-formed recipient (it refuses the two malformed
# forms): a relay for the forms naming the other domain; the forms in the
# local domain could be a catch-all, since the control recipient is taken too
assert sorted(o["case"] for o in p if o["vulnerable"]) == [
    "@chat.test:relaytest@smtp-chat.invalid", "relaytest@smtp-chat.invalid",
    "relaytest@smtp-chat.invalid (from a local sender)"], p
v = {o["case"]: o["verdict"] for o in p}
assert v["relaytest%smtp-chat.invalid@chat.test"] == "accepted, probably a catch-all", v
assert v["relaytest@smtp-chat.invalid"] == "ACCEPTED: relays to the other domain", v
'
	port=$(free_port)
	start_aio "$port" --local-domain chat.test
	run chat -s "127.0.0.1:$port" --probe-domain chat.test --probe open-relay
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok   open-relay' <<<"$output")" -eq 11 ]
	run chat -s "127.0.0.1:$port" --probe nonsense
	[ "$status" -eq 64 ]
	run chat -s "127.0.0.1:$port" --probe-domain chat.test -t postmaster@chat.test --probe all --json
	[ "$status" -eq 0 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
objs = [json.loads(l) for l in sys.stdin]
probes = {o["probe"] for o in objs if o["type"] == "probe"}
assert probes == {"smuggling", "starttls-injection", "open-relay"}, probes
assert objs[-1]["cases"] == 8 + 1 + 11 and objs[-1]["findings"] == 0, objs[-1]
'

	run chat -s "127.0.0.1:$(free_port)" --probe open-relay --quiet
	[ "$status" -eq 2 ]
}

# --- load mode ------------------------------------------------------------------------

@test "smtp-chat load mode: N messages over K sessions arrive exactly N times" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" -t b@chat.test --count 60 --concurrency 4 --per-session 7 --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls "$T/got"/*.eml | wc -l)" -eq 60 ]
	echo "$output" | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
assert s["mode"] == "load" and s["exit"] == 0 and s["accepted"] == 60, s
assert s["replies"] == {"2xx": 60, "4xx": 0, "5xx": 0, "errors": 0}, s
assert s["sessions"] == 4 * 2 + 1 or s["sessions"] >= 9, s   # ceil(60/7) = 9 sessions
assert s["transaction_ms"]["n"] == 60 and s["connect_ms"]["n"] == s["sessions"]
assert 0 < s["transaction_ms"]["p50"] <= s["transaction_ms"]["p99"] <= s["transaction_ms"]["max"]
'
}

@test "smtp-chat load mode against smtp-sink: text summary, and failures counted by class" {
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" -t b@chat.test --count 500 --concurrency 8 --per-session 50
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== load: 500 messages in "* ]]
	[[ "$output" == *"=== replies:    2xx 500  4xx 0  5xx 0  errors 0"* ]]
	[[ "$output" == *"=== transaction  p50 "* ]]
	port=$(free_port)
	start_smtp_sink "$port" -r RCPT
	run chat -s "127.0.0.1:$port" -t b@chat.test --count 20 --concurrency 2 --per-session 5
	echo "$output"
	[ "$status" -eq 24 ]
	[[ "$output" == *"2xx 0  4xx 20  5xx 0  errors 0"* ]]
	[[ "$output" == *"first failure: "*"450 4.3.0"* ]]
	run chat -s "127.0.0.1:$(free_port)" -t b@chat.test --count 3 --quiet
	[ "$status" -eq 2 ]
	[[ "$output" == *"Connection refused"* ]]
}

@test "smtp-chat load mode with --data @FILE sends from a descriptor (the queue runner's path)" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	# LF-only text as in the spool, with dot lines and a last line without LF
	{ printf 'Subject: fd\n\n.one\n..two\n.\n'; for i in $(seq 3000); do printf '.line %06d of a long message, long enough to span many reads of 64 KiB\n' "$i"; done; printf 'end'; } >"$T/spool-msg"
	run chat -s "127.0.0.1:$port" -t b@chat.test --data "@$T/spool-msg" --count 3 --concurrency 2 --quiet
	[ "$status" -eq 0 ]
	{ sed 's/$/\r/' "$T/spool-msg"; printf '\n'; } >"$T/want"
	for i in 1 2 3; do cmp "$T/want" "$T/got/$i.eml"; done
	port=$(free_port)
	start_vuln "$port" --save "$T/got2"
	run chat -s "127.0.0.1:$port" -t b@chat.test --data "@$T/spool-msg" --count 2 --bdat --chunk-size 70000 --quiet
	[ "$status" -eq 0 ]
	for i in 1 2; do cmp "$T/want" "$T/got2/$i.eml"; done
}

# --- interactive ------------------------------------------------------------------------

@test "smtp-chat --interactive: typed lines get CRLF, message text is dot-stuffed, :starttls and :auth work" {
	port=$(free_port)
	start_aio "$port" --save "$T/got" --tls "$CERTS/good.pem" "$CERTS/good.key" --auth alice:pw
	printf 'pw\n' >"$T/pw"
	run chat -s "localhost:$port" --tls-ca "$CERTS/ca.pem" --auth-user alice --auth-password-file "$T/pw" \
		--interactive <<'TYPED'
EHLO me.test
:starttls
EHLO me.test
:auth PLAIN
MAIL FROM:<a@chat.test>
RCPT TO:<b@chat.test>
DATA
Subject: typed

.a line typed with a leading dot
.
:raw NOOP\r\n
:bogus
RSET
!!
:history
!9
QUIT
TYPED
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== TLS started"* ]]
	[[ "$output" == *"<~  235 "* ]]
	[[ "$output" == *" ~> ..a line typed with a leading dot"* ]]
	[[ "$output" == *"unknown local command"* ]]
	[ "$(grep -c -- ' ~> RSET' <<<"$output")" -eq 2 ]
	[[ "$output" == *"   3  MAIL FROM:<a@chat.test>"* ]]
	[[ "$output" == *"no command !9 in the history"* ]]
	[[ "$output" == *"<~  221 "* ]]
	printf 'Subject: typed\r\n\r\n.a line typed with a leading dot\r\n' >"$T/want"
	cmp "$T/want" "$T/got/1.eml"
}

# --- MX lookup -----------------------------------------------------------------------------

@test "smtp-chat without --server tries the MX hosts of the recipient's domain in preference order" {
	port=$(free_port)
	dns_mx chat.test "20 mx2.chat.test 127.0.0.1" "10 mx1.chat.test 127.0.0.2"
	dns_answer nomx.test. MX NOERROR "nomx.test. IN MX 0 ."
	dns_answer gone.test. MX NXDOMAIN
	start_dns
	conf smtp_port "$port"
	start_smtp_sink "$port"
	run chat -t user@chat.test --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== MX mx1.chat.test (preference 10)"*"=== MX mx2.chat.test (preference 20)"*"connected to 127.0.0.1[127.0.0.1]:$port"* ]]
	run chat -t user@nomx.test --quiet
	[ "$status" -eq 2 ]
	[[ "$output" == *"null MX"* ]]
	run chat -t user@gone.test --quiet
	[ "$status" -eq 2 ]
	[[ "$output" == *"gone.test: no such domain"* ]]
}

@test "smtp-chat shuffles MX hosts of equal preference and uses the implicit MX" {
	port=$(free_port)
	dns_mx eq.test "10 a.eq.test 127.0.0.1" "10 b.eq.test 127.0.0.1" "5 c.eq.test 127.0.0.1"
	dns_answer plain.test. MX NOERROR
	dns_host plain.test 127.0.0.1
	start_dns
	conf smtp_port "$port"
	seen=""
	for i in $(seq 1 12); do
		# nothing listens: every host is tried, in order, and the connect fails
		run chat -t user@eq.test --timeout 2
		[ "$status" -eq 2 ]
		[[ "$output" == *"=== MX c.eq.test (preference 5)"*"=== MX "?".eq.test (preference 10)"*"=== MX "?".eq.test (preference 10)"* ]]
		seen="$seen $(echo "$output" | grep -o '=== MX [ab].eq.test' | head -1)"
	done
	echo "$seen"
	[[ "$seen" == *a.eq.test* ]] && [[ "$seen" == *b.eq.test* ]]
	start_smtp_sink "$port"
	run chat -t user@plain.test --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== MX plain.test (preference 0)"*"connected to 127.0.0.1[127.0.0.1]:$port"* ]]
}

# --- extensions: PROXY, XCLIENT, DSN, SIZE, 8BITMIME, SMTPUTF8 ----------------------------

@test "smtp-chat --proxy 1 and 2 tell aiosmtpd the claimed client address" {
	port=$(free_port)
	start_aio "$port" --save "$T/got" --proxy
	run chat -s "127.0.0.1:$port" -t b@chat.test --proxy 1 --proxy-source 192.0.2.7:4711 \
		--proxy-dest 127.0.0.1:25 --quiet
	[ "$status" -eq 0 ]
	grep -qx 'PROXIED 192.0.2.7:4711' "$T/got/1.env"
	run chat -s "127.0.0.1:$port" -t b@chat.test --proxy 2 --proxy-source '[2001:db8::5]:25000' \
		--proxy-dest '[::1]:25' --quiet
	[ "$status" -eq 0 ]
	grep -qx 'PROXIED 2001:db8::5:25000' "$T/got/2.env"
	run chat -s "127.0.0.1:$port" -t b@chat.test --proxy 1 --quiet
	[ "$status" -eq 0 ]
	grep -qx 'PROXIED 127.0.0.1:[0-9]*' "$T/got/3.env"
}

@test "smtp-chat --xclient and DSN parameters against smtp-sink" {
	port=$(free_port)
	start_smtp_sink "$port"
	run chat -s "127.0.0.1:$port" -t b@chat.test --xclient NAME=spike.example --hide-data \
		--dsn-notify SUCCESS,FAILURE --dsn-ret HDRS --envid abc123
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" -> XCLIENT NAME=spike.example"* ]]
	[ "$(grep -c -- ' -> EHLO ' <<<"$output")" -eq 2 ]
	[[ "$output" == *"MAIL FROM:<$(id -un)@test.example> RET=HDRS ENVID=abc123"* ]]
	[[ "$output" == *"RCPT TO:<b@chat.test> NOTIFY=SUCCESS,FAILURE"* ]]
	port=$(free_port)
	start_aio "$port"
	run chat -s "127.0.0.1:$port" -t b@chat.test --xclient NAME=x --quiet
	[ "$status" -eq 22 ]
	[[ "$output" == *"XCLIENT not offered"* ]]
}

@test "smtp-chat sends SIZE, BODY=8BITMIME and SMTPUTF8 when offered and needed" {
	port=$(free_port)
	start_aio "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" -f 'jörg@chat.test' -t b@chat.test --body 'grüße' --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	size=$(stat -c %s "$T/got/1.eml")
	[[ "$output" == *"MAIL FROM:<jörg@chat.test> SIZE=$size BODY=8BITMIME SMTPUTF8"* ]]
	grep -qx 'MAIL-OPTIONS SIZE='"$size"' BODY=8BITMIME SMTPUTF8' "$T/got/1.env"
	grep -q 'grüße' "$T/got/1.eml"
}

@test "smtp-chat TLS options: client certificate, minimum protocol, ciphers (openssl s_server)" {
	port=$(free_port)
	start_s_server "$port" "$CERTS/good.pem" "$CERTS/good.key" -Verify 1 -CAfile "$CERTS/ca.pem" -tls1_2
	# the server demands a client certificate: without one the session fails
	run chat -s "localhost:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --quit-after banner --timeout 2 --quiet
	[ "$status" -ne 0 ]
	run chat -s "localhost:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --tls-cert "$CERTS/wrong.pem" \
		--tls-key "$CERTS/wrong.key" --tls-cipher ECDHE-ECDSA-AES128-GCM-SHA256 --drop-after connect --json
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"TLS started: TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256"* ]]
	run chat -s "localhost:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --tls-cert "$CERTS/wrong.pem" \
		--tls-key "$CERTS/wrong.key" --tls-protocol TLSv1.3 --drop-after connect --quiet
	[ "$status" -eq 29 ]
	run chat -s "localhost:$port" --tls-on-connect --tls-protocol SSLv3 --drop-after connect --quiet
	[ "$status" -eq 29 ]
	[[ "$output" == *"unknown protocol version"* ]]
}

@test "smtp-chat --requiretls: only over TLS, only when offered, then REQUIRETLS on MAIL" {
	port=$(free_port)
	start_vuln "$port" --tls "$CERTS/good.pem" "$CERTS/good.key" --save "$T/got"
	run chat -s "localhost:$port" -t b@chat.test --starttls --tls-ca "$CERTS/ca.pem" --requiretls --quiet
	[ "$status" -eq 0 ]
	grep -qx 'MAIL-OPTIONS SIZE=[0-9]* REQUIRETLS' "$T/got/1.env"
	run chat -s "localhost:$port" -t b@chat.test --requiretls --quiet
	[ "$status" -eq 29 ]
	[[ "$output" == *"--requiretls needs TLS"* ]]
	port=$(free_port)
	start_aio "$port" --tls "$CERTS/good.pem" "$CERTS/good.key"
	run chat -s "localhost:$port" -t b@chat.test --starttls --tls-ca "$CERTS/ca.pem" --requiretls --quiet
	[ "$status" -eq 23 ]
	[[ "$output" == *"REQUIRETLS not offered"* ]]
}

@test "smtp-chat load mode over STARTTLS with AUTH" {
	port=$(free_port)
	start_aio "$port" --save "$T/got" --tls "$CERTS/good.pem" "$CERTS/good.key" --auth alice:pw
	printf 'pw\n' >"$T/pw"
	run chat -s "localhost:$port" -t b@chat.test --starttls --tls-ca "$CERTS/ca.pem" --auth-user alice \
		--auth-password-file "$T/pw" --count 12 --concurrency 3 --per-session 2 --json
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls "$T/got"/*.eml | wc -l)" -eq 12 ]
	[[ "$output" == *'"sessions":6'* ]]
}

@test "smtp-chat load mode takes --tls-optional as flag mode does (one opening sequence)" {
	port=$(free_port)
	SINK_TLS_CERT="$CERTS/good.pem" SINK_TLS_KEY="$CERTS/good.key" start_queue_sink "$port"
	run chat -s "localhost:$port" -t b@chat.test --tls-optional --tls-ca "$CERTS/ca.pem" \
		--count 4 --concurrency 2 --quiet
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sink_count)" -eq 4 ]
	# every message came over TLS: a load run that ignored --tls-optional sent them in plain text
	[ "$(grep -l $'^X-Sink-TLS: yes\r$' "$T"/sink/*.eml | wc -l)" -eq 4 ]
}

@test "smtp_transaction (load mode) refuses what the server's SIZE or missing SMTPUTF8 rules out, sending nothing" {
	port=$(free_port)
	start_vuln "$port" --save "$T/got"
	run chat -s "127.0.0.1:$port" -t b@chat.test --size 1500000 --count 2
	echo "$output"
	[ "$status" -eq 23 ]
	[[ "$output" == *"5xx 2"* ]]
	[[ "$output" == *"exceeds the server's SIZE limit of 1000000"* ]]
	run chat -s "127.0.0.1:$port" -f 'jörg@chat.test' -t b@chat.test --count 1 --quiet
	[ "$status" -eq 23 ]
	[[ "$output" == *"needs SMTPUTF8"* ]]
	[ -z "$(ls "$T/got")" ]
	run chat -s "127.0.0.1:$port" -t b@chat.test --size 5000 --count 1 --quiet
	[ "$status" -eq 0 ]
	grep -qx 'MAIL-OPTIONS SIZE=5000' "$T/got/1.env"
}

# --- our own smtpd -------------------------------------------------------------------------
# Runs once smtpd is in the binary (after the branches meet); CHAT_SMTPD=PATH
# points these tests at another build's postbox for smtpd.

start_our_smtpd() { # port [listener options]
	local bin=${CHAT_SMTPD:-$PB}
	"$bin" --list 2>/dev/null | grep -qx smtpd || skip "no smtpd applet in this build"
	mkdir -p "$SPOOL"
	conf tls_cert "$CERTS/good.pem"
	conf tls_key "$CERTS/good.key"
	serve "$1" "$T/smtpd.log" "$bin" smtpd -l "127.0.0.1:$1${2:+,$2}"
}

@test "our smtpd passes every smtp-chat probe (as an outside client through PROXY)" {
	port=$(free_port)
	start_our_smtpd "$port" proxy
	px=(--proxy 2 --proxy-source 192.0.2.9:4000 --proxy-dest 127.0.0.1:25)
	run chat -s "localhost:$port" "${px[@]}" -t postmaster@test.example --probe smuggling
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok   smuggling' <<<"$output")" -eq 8 ]
	run chat -s "localhost:$port" "${px[@]}" --probe starttls-injection
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"discarded (safe)"* ]]
	run chat -s "localhost:$port" "${px[@]}" --probe-domain test.example --probe open-relay
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^ok   open-relay' <<<"$output")" -eq 11 ]
	[ "$(queue_count)" -eq 0 ]
}

@test "smtp-chat delivers into our smtpd over STARTTLS, and load mode counts match the queue" {
	port=$(free_port)
	start_our_smtpd "$port"
	run chat -s "localhost:$port" -t postmaster@test.example --starttls --tls-ca "$CERTS/ca.pem" --quiet
	[ "$status" -eq 0 ]
	run chat -s "localhost:$port" -t postmaster@test.example --count 40 --concurrency 4 --per-session 5 --quiet
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 41 ]
}

@test "smtp-chat --script: close drops the connection; a send after it fails naming the line" {
	port=$(free_port)
	start_smtp_sink "$port"
	printf 'expect /^smtp-sink/\nsend NOOP\nexpect 250\nclose\n' >"$T/s.chat"
	run chat -s "127.0.0.1:$port" --script "$T/s.chat"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== connection closed by the script"* ]]
	printf 'expect 220\nclose\nsleep 0\nsend NOOP\nexpect 250\n' >"$T/s.chat"
	run chat -s "127.0.0.1:$port" --script "$T/s.chat" --quiet
	[ "$status" -eq 1 ]
	[[ "$output" == *"s.chat:4: send: not connected (after close)"* ]]
}

@test "smtp-chat --interactive over implicit TLS" {
	port=$(free_port)
	start_aio "$port" --tls "$CERTS/good.pem" "$CERTS/good.key" --implicit-tls
	run chat -s "localhost:$port" --tls-on-connect --tls-ca "$CERTS/ca.pem" --interactive <<'TYPED'
EHLO me.test
NOOP
QUIT
TYPED
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"<~  220 "* && "$output" == *" ~> NOOP"* && "$output" == *"<~  221 "* ]]
}

@test "smtp-chat --dot-timeout: the reply after the message has its own deadline (smtp-sink -W)" {
	port=$(free_port)
	start_smtp_sink "$port" -W .:2
	run chat -s "127.0.0.1:$port" -t b@chat.test --timeout 1 --quiet
	[ "$status" -eq 26 ]
	[[ "$output" == *"timed out waiting for a reply"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --timeout 1 --dot-timeout 5 --quiet
	[ "$status" -eq 0 ]
	run chat -s "127.0.0.1:$port" -t b@chat.test --timeout 1 --dot-timeout 5 --count 2 --quiet
	[ "$status" -eq 0 ]
}

@test "smtp_transaction pipelined rejections: the right stage and reply, RSET, the session goes on" {
	local pair what code
	for pair in MAIL:23 RCPT:24 DATA:25 .:26; do
		what=${pair%%:*} code=${pair##*:}
		port=$(free_port)
		start_vuln "$port" --reject "$what"
		run chat -s "127.0.0.1:$port" -t b@chat.test --count 3 --per-session 3 --json
		echo "$what: $output"
		[ "$status" -eq "$code" ]
		echo "$output" | /usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
assert s["sessions"] == 1 and s["replies"] == {"2xx": 0, "4xx": 0, "5xx": 3, "errors": 0}, s
what = sys.argv[1]
want = {"MAIL": "MAIL FROM: 550 5.7.1 MAIL refused", "RCPT": "RCPT TO: 550 5.7.1 RCPT refused",
        "DATA": "DATA: 550 5.7.1 DATA refused", ".": "end of data: 554 5.7.1 message refused"}[what]
assert want in s["reason"], s["reason"]
' "$what"
	done
	port=$(free_port)
	start_vuln "$port" --reject RCPT
	run chat -s "127.0.0.1:$port" -t b@chat.test -t c@chat.test --pipeline --quiet
	[ "$status" -eq 24 ]
	[[ "$output" == *"RCPT TO:<c@chat.test> refused: 550 5.7.1 RCPT refused by request"* ]]
}

@test "smtp_transaction: a server that hangs up after the dot is an error, not a delivery" {
	port=$(free_port)
	start_smtp_sink "$port" -q .
	run chat -s "127.0.0.1:$port" -t b@chat.test --count 2 --per-session 2
	echo "$output"
	[ "$status" -eq 26 ]
	[[ "$output" == *"2xx 0  4xx 0  5xx 0  errors 2"* ]]
	[[ "$output" == *"connection closed"* ]]
	run chat -s "127.0.0.1:$port" -t b@chat.test --quiet
	[ "$status" -eq 26 ]
}

@test "smtp-chat --pipe runs our smtpd in inetd mode, STARTTLS included" {
	start_our_smtpd "$(free_port)"
	bin=${CHAT_SMTPD:-$PB}
	run chat --pipe "$bin smtpd 2>>$T/pipe.log" -t postmaster@test.example --starttls --insecure --hide-data
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"=== TLS started"* && "$output" == *"=== message accepted: 250 "* ]]
	[ "$(queue_count)" -eq 1 ]
}

@test "smtp-chat on a terminal without --to is interactive, with reply codes in colour" {
	command -v script >/dev/null || skip "no script(1)"
	port=$(free_port)
	start_smtp_sink "$port"
	run bash -c "printf 'EHLO x\r\nMAIL FROM:<a@b>\r\nQUIT\r\n' | timeout 10 script -q -c '$PB smtp-chat -s 127.0.0.1:$port' /dev/null"
	echo "$output" | cat -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"local commands: "* ]]
	[[ "$output" == *$'<-  \e[32m250\e[0m 2.1.0 Ok'* ]]
	[[ "$output" == *$'<-  \e[32m221\e[0m Bye'* ]]
}

@test "smtp-chat load mode shows a progress line on a terminal" {
	command -v script >/dev/null || skip "no script(1)"
	port=$(free_port)
	start_smtp_sink "$port"
	run timeout 20 script -q -c "$PB smtp-chat -s 127.0.0.1:$port -t b@chat.test --count 50 --concurrency 2" /dev/null
	echo "$output" | cat -v
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\r50/50 messages, '* ]]
	[[ "$output" == *"=== replies:    2xx 50  4xx 0  5xx 0  errors 0"* ]]
}

@test "smtp-chat asks for the password on the terminal with echo off" {
	command -v script >/dev/null || skip "no script(1)"
	port=$(free_port)
	start_aio "$port" --auth alice:s3cret-pw
	run bash -c "(sleep 1; printf 's3cret-pw\n') | timeout 20 script -q -c '$PB smtp-chat -s 127.0.0.1:$port -t b@chat.test --auth-user alice --auth PLAIN --hide-data' /dev/null"
	echo "$output" | cat -v
	[ "$status" -eq 0 ]
	[[ "$output" == *"Password: "* ]]
	[[ "$output" == *"<-  235 "* ]]
	[[ "$output" != *"s3cret"* ]]
}

@test "smtp-chat --script: a regex that would make regcomp explode is refused with a clear error" {
	port=$(free_port)
	start_smtp_sink "$port"
	printf 'expect /a++++++++++++++++++++/\nsend QUIT\n' >"$T/s.chat"
	# 100 MB of address space is far more than a sane pattern needs and
	# far less than the 718 MB glibc took for this one (not under ASan,
	# whose shadow memory alone needs more)
	LIMIT=100000
	[[ "${POSTBOX_BUILD:-build}" != *asan* ]] || LIMIT=unlimited
	export PB T port LIMIT
	run timeout 20 bash -c 'ulimit -v "$LIMIT"; "$PB" smtp-chat -s "127.0.0.1:$port" --script "$T/s.chat"'
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"s.chat:1: expect: regex refused (a repetition of a repetition at offset 2)"* ]]
}
