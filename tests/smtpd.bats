#!/usr/bin/env bats
# smtpd: the protocol engine, driven through stdin/stdout (inetd mode).

load helpers
load servers_helpers
load smtpd_helpers

nothing_left() { [ "$(queue_count)" -eq "${1:-0}" ] && [ -z "$(ls "$SPOOL/tmp")" ]; }

@test "greeting, EHLO extensions, QUIT; exit 0 after QUIT" {
	smtp_stdin "${HELLO}QUIT\r\n"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = $'220 test.example ESMTP postbox\r' ]
	for ext in PIPELINING 'SIZE 67108864' 8BITMIME SMTPUTF8 ENHANCEDSTATUSCODES DSN CHUNKING; do
		has_reply "250[- ]$ext"$'\r'
	done
	! has_reply '250-STARTTLS' 2>/dev/null || false
	! has_reply '250-AUTH' 2>/dev/null || false
	has_reply '221 2.0.0 '
	# every reply after the greeting carries an enhanced status code,
	# except the EHLO keywords
	! grep -v -E '^(220 test.example|250[- ][A-Z0-9]+( [0-9]+)?.$|250-test.example Hello|[2-5][0-9][0-9][ -][245]\.[0-9]+\.[0-9]+ )' <<<"$output" || false
}

@test "a message is committed before 250; stored LF-only with a Received header" {
	smtp_stdin "${HELLO}${ENV}DATA\r\nSubject: hi\r\n\r\nhello\r\n.\r\nQUIT\r\n"
	[ "$status" -eq 0 ]
	has_reply "$QUEUED$(queue_ids)"$'\r'
	[ "$(queue_count)" -eq 1 ]
	m=$(msg_file)
	! grep -q $'\r' "$m" || false
	head -n1 "$m" | grep -qx 'Received: from client.example (local)'
	grep -q "by test.example (postbox) with ESMTP id $(queue_ids)\$" "$m"
	grep -q '^	for <u@test.example>;$' "$m"
	strip_received "$m" | diff - <(printf 'Subject: hi\n\nhello\n')
	grep -qx 'sender a@client.example' "$(env_file)"
	grep -qx 'helo client.example' "$(env_file)"
	grep -qx 'client local' "$(env_file)"
	grep -qx "size $(stat -c %s "$m")" "$(env_file)"
}

@test "commands are case-insensitive; HELO works without extensions" {
	smtp_stdin 'helo client.example\r\nmail from:<a@client.example>\r\nrcpt to:<u@test.example>\r\ndata\r\nx\r\n.\r\nquit\r\n'
	[ "$status" -eq 0 ]
	[ "$(count_replies '250 test.example')" -eq 1 ]
	has_reply "$QUEUED"
	grep -q 'with SMTP id' "$(msg_file)"
}

@test "RFC 5321 4.1.4 order: 503 out of sequence, 554 DATA without recipients" {
	smtp_stdin 'MAIL FROM:<a@b.example>\r\nEHLO c.example\r\nRCPT TO:<u@test.example>\r\nDATA\r\nMAIL FROM:<a@b.example>\r\nMAIL FROM:<a@b.example>\r\nDATA\r\nBDAT 0 LAST\r\nSTARTTLS\r\nAUTH PLAIN\r\nQUIT\r\n'
	[ "${lines[1]}" = $'503 5.5.1 Send EHLO or HELO first\r' ]
	has_reply '503 5.5.1 Need MAIL before RCPT'
	has_reply '503 5.5.1 Need MAIL before DATA' || has_reply '503 5.5.1 Need RCPT before DATA'
	has_reply '250 2.1.0 Ok'
	has_reply '503 5.5.1 Nested MAIL command'
	has_reply '554 5.5.1 No valid recipients'
	has_reply '503 5.5.1 STARTTLS not allowed during a mail transaction'
	has_reply '503 5.5.1 AUTH not allowed during a mail transaction'
	nothing_left
}

@test "NOOP, RSET, VRFY (252, discloses nothing), EXPN, HELP, unknown verbs" {
	smtp_stdin "${HELLO}NOOP\r\nMAIL FROM:<a@b.example>\r\nRSET\r\nRCPT TO:<u@test.example>\r\nVRFY root\r\nVRFY\r\nEXPN staff\r\nHELP\r\nFOO bar\r\n\r\nQUIT\r\n"
	has_reply '250 2.0.0 Ok'
	has_reply '503 5.5.1 Need MAIL before RCPT'
	has_reply '252 2.5.0 '
	has_reply '501 5.5.4 Syntax: VRFY'
	has_reply '502 5.5.1 EXPN'
	has_reply '214 2.0.0'
	has_reply '500 5.5.1 Command unrecognized'
	has_reply '500 5.5.2 Syntax error'
	has_reply '221 2.0.0'
}

@test "a command line over 512 octets: 500 5.5.2, and the session goes on" {
	long=$(head -c 600 /dev/zero | tr '\0' 'x')
	smtp_stdin "${HELLO}NOOP $long\r\nVRFY $long$long\r\n${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	[ "$(count_replies '500 5.5.2 Line too long')" -eq 2 ]
	has_reply "$QUEUED"
	nothing_left 1
}

@test "max_recipients: 452 4.5.3 past the limit; the message goes to the others" {
	conf max_recipients 3
	smtp_stdin "${HELLO}MAIL FROM:<a@b.example>\r\nRCPT TO:<u1@test.example>\r\nRCPT TO:<u2@test.example>\r\nRCPT TO:<u3@test.example>\r\nRCPT TO:<u4@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply '452 4.5.3 Too many recipients'
	has_reply "$QUEUED"
	[ "$(grep -c '^rcpt ' "$(env_file)")" -eq 3 ]
}

@test "SIZE: 552 5.3.4 at MAIL when declared too big, and on the bytes received; nothing on disk" {
	conf max_message_size 1K
	smtp_stdin "${HELLO}MAIL FROM:<a@b.example> SIZE=2000\r\nQUIT\r\n"
	has_reply '552 5.3.4'
	body=$(crlf_lines 40)
	smtp_stdin "${HELLO}MAIL FROM:<a@b.example> SIZE=500\r\nRCPT TO:<u@test.example>\r\nDATA\r\n${body}.\r\n${ENV}DATA\r\nsmall\r\n.\r\nQUIT\r\n"
	has_reply '552 5.3.4 Message too big'
	has_reply "$QUEUED"
	nothing_left 1
}

@test "text lines longer than max_line_length are refused with 550 5.6.0" {
	conf max_line_length 100
	line=$(head -c 120 /dev/zero | tr '\0' 'z')
	smtp_stdin "${HELLO}${ENV}DATA\r\n$line\r\n.\r\n${ENV}DATA\r\nok\r\n.\r\nQUIT\r\n"
	has_reply '550 5.6.0 Message refused: a line is longer'
	has_reply "$QUEUED"
	nothing_left 1
}

@test "dot-stuffing is undone; an empty message is accepted" {
	smtp_stdin "${HELLO}${ENV}DATA\r\n..one\r\n...\r\n.x\r\nmid.dle\r\n.\r\n${ENV}DATA\r\n.\r\nQUIT\r\n"
	[ "$(count_replies "$QUEUED")" -eq 2 ]
	first=$SPOOL/queue/$(queue_ids | head -n1).msg
	strip_received "$first" | diff - <(printf '.one\n..\nx\nmid.dle\n')
}

@test "SMTP smuggling: bare LF/CR forms never end DATA, the message is refused, nothing smuggled" {
	for end in '\n.\n' '\n.\r\n' '\r\n.\n' '\r.\r' '\r\n.\r'; do
		rm -rf "$SPOOL"
		smtp_stdin "${HELLO}${ENV}DATA\r\nSubject: a${end}MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@test.example>\r\nDATA\r\nsmuggled\r\n.\r\n${ENV}DATA\r\nclean\r\n.\r\nQUIT\r\n"
		has_reply '550 5.6.0 Message refused: bare'
		# the smuggled MAIL/RCPT were content, never commands
		[ "$(count_replies '250 2.1.0')" -eq 2 ]
		[ "$(count_replies "$QUEUED")" -eq 1 ]
		nothing_left 1
		! grep -q victim "$SPOOL"/queue/* || false
	done
}

@test "NUL: in a command 500 5.5.2, in content 550 5.6.0; the session goes on" {
	smtp_stdin "${HELLO}NOOP a\0b\r\n${ENV}DATA\r\nx\0y\r\n.\r\n${ENV}DATA\r\nfine\r\n.\r\nQUIT\r\n"
	has_reply '500 5.5.2 NUL or bare CR'
	has_reply '550 5.6.0 Message refused: it contains a NUL'
	has_reply "$QUEUED"
	nothing_left 1
}

@test "8-bit and UTF-8: SMTPUTF8 needed for a UTF-8 address; 8-bit content kept" {
	smtp_stdin "${HELLO}MAIL FROM:<j\xc3\xb6rg@b.example>\r\nMAIL FROM:<j\xc3\xb6rg@b.example> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<u@test.example>\r\nDATA\r\ncaf\xc3\xa9\r\n.\r\nQUIT\r\n"
	has_reply '553 5.6.7'
	has_reply "$QUEUED"
	grep -qx 'smtputf8 1' "$(env_file)"
	grep -qx 'body 8BITMIME' "$(env_file)"
	grep -q 'with UTF8SMTP id' "$(msg_file)"
	grep -qx $'caf\xc3\xa9' "$(msg_file)"
}

@test "DSN parameters are stored in the envelope; bad parameters get 501/555" {
	smtp_stdin "${HELLO}MAIL FROM:<a@b.example> RET=HDRS ENVID=abc+2B1\r\nRCPT TO:<u@test.example> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;u@test.example\r\nRCPT TO:<v@test.example> NOTIFY=NEVER\r\nRCPT TO:<w@test.example> FOO=1\r\nRCPT TO:<w@test.example> NOTIFY=NEVER,DELAY\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply '555 5.5.4 Unsupported parameter FOO'
	has_reply '501 5.5.4 NOTIFY'
	has_reply "$QUEUED"
	e=$(env_file)
	grep -qx 'ret HDRS' "$e"
	grep -qx 'envid abc+2B1' "$e"
	grep -qx 'rcpt u@test.example state=queued attempts=0 next=0 notify=SUCCESS,DELAY orcpt=rfc822;u@test.example' "$e" || { cat "$e" >&2; false; }
	grep -q '^rcpt v@test.example .*notify=NEVER' "$e"
}

@test "PIPELINING: a whole transaction in one write gets its replies in order" {
	smtp_stdin "${HELLO}MAIL FROM:<a@b.example>\r\nRCPT TO:<u@test.example>\r\nRCPT TO:<nobody@elsewhere.example>\r\nRCPT TO:<v@test.example>\r\nDATA\r\nx\r\n.\r\nNOOP\r\nQUIT\r\n"
	codes=$(sed -n '2,$p' <<<"$output" | grep -v '^250-' | cut -c1-3 | tr '\n' ' ')
	[ "$codes" = "250 250 250 250 250 354 250 250 221 " ] || { echo "$codes" >&2; false; }
}

@test "too many errors: 421 4.7.0 and the session ends" {
	conf smtpd_max_errors 5
	smtp_stdin "${HELLO}FOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nFOO\r\nNOOP\r\n"
	[ "$status" -eq 1 ]
	has_reply '421 4.7.0 test.example Error: too many errors'
	[ "$(count_replies '500 ')" -eq 5 ]
	! has_reply '250 2.0.0 Ok' 2>/dev/null || false
}

@test "a silent client gets 421 4.4.2 after smtpd_timeout" {
	conf smtpd_timeout 1s
	export PB; run bash -c '(printf "EHLO x.example\r\n"; sleep 3) | "$PB" smtpd 2>/dev/null'
	[ "$status" -eq 1 ]
	has_reply '421 4.4.2 test.example Error: timeout exceeded'
}

@test "EOF in the middle of DATA leaves nothing behind" {
	smtp_stdin "${HELLO}${ENV}DATA\r\npartial\r\nmessage"
	[ "$status" -eq 1 ]
	nothing_left
}

@test "shell syntax and path traversal in addresses: refused or inert, never run" {
	smtp_stdin "${HELLO}MAIL FROM:<\$(touch $T/pwned)@b.example>\r\nMAIL FROM:<\`touch $T/pwned\`@b.example>\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<../../etc/passwd@test.example>\r\nRCPT TO:<a/../../x@test.example>\r\nRCPT TO:<\"../x\"@test.example>\r\nQUIT\r\n"
	[ ! -e "$T/pwned" ]
	[ "$(count_replies '501 5.1.7')" -eq 2 ]
	has_reply '501 5.1.3'
	nothing_left
}

@test "HELO/EHLO need a valid name" {
	smtp_stdin 'EHLO\r\nHELO a(b)\r\nEHLO ok.example\r\nQUIT\r\n'
	[ "$(count_replies '501 5.5.4 Syntax: ')" -eq 2 ]
	has_reply '250-test.example Hello'
}

@test "BDAT (CHUNKING): chunks are joined; bare LF in a chunk is refused" {
	smtp_stdin "${HELLO}${ENV}BDAT 10\r\nSubject: xBDAT 10 LAST\r\n\r\n\r\nbody\r\n${ENV}BDAT 7 LAST\r\nbad\nx\r\nQUIT\r\n"
	has_reply '250 2.0.0 Ok: 10 octets'
	has_reply '550 5.6.0 Message refused: bare LF'
	[ "$(count_replies "$QUEUED")" -eq 1 ]
	strip_received "$(msg_file)" | diff - <(printf 'Subject: x\n\nbody\n')
	nothing_left 1
}

@test "disk full: 452 4.3.1, nothing committed, and the session goes on" {
	conf queue_minfree 1k # past the MAIL check: the disk fills during DATA (concurrent sessions)
	mkdir -p "$SPOOL"
	mount -t tmpfs -o size=256k tmpfs "$SPOOL" || skip "cannot mount tmpfs"
	{ printf "${HELLO}${ENV}DATA\r\n"; for i in $(seq 6000); do printf '%070d\r\n' 0; done
	  printf ".\r\n${ENV}DATA\r\nsmall\r\n.\r\nQUIT\r\n"; } > "$T/in"
	export PB T; run bash -c '"$PB" smtpd < "$T/in" 2>/dev/null'
	has_reply '452 4.3.1 '
	has_reply "$QUEUED"
	nothing_left 1
}

@test "a failed fsync: 451 4.3.0, nothing committed, the next message is taken" {
	command -v strace >/dev/null || skip "no strace"
	pb sendmail -bp >/dev/null 2>&1 || true
	export PB; 	run bash -c 'printf "$1" | strace -f -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=1 "$PB" smtpd 2>/dev/null' _ "${HELLO}${ENV}DATA\r\nfirst\r\n.\r\n${ENV}DATA\r\nsecond\r\n.\r\nQUIT\r\n"
	has_reply '451 4.3.0 '
	has_reply "$QUEUED"
	nothing_left 1
	grep -qx second "$(msg_file)"
}

@test "a flood of recipients: 452 4.5.3 past max_recipients, then 421 4.7.0; memory stays bounded" {
	conf max_recipients 100
	{ printf "${HELLO}MAIL FROM:<a@b.example>\r\n"
	  for i in $(seq 5000); do printf 'RCPT TO:<u%d@test.example>\r\n' "$i"; done; } > "$T/in"
	export PB T
	run bash -c '"$PB" smtpd < "$T/in" 2>/dev/null'
	[ "$(count_replies '250 2.1.5')" -eq 100 ]
	[ "$(count_replies '452 4.5.3')" -eq 20 ]
	has_reply '421 4.7.0'
}

@test "a header flood is content like any other, bounded by max_message_size" {
	conf max_message_size 200K
	{ printf "${HELLO}${ENV}DATA\r\n"; for i in $(seq 20000); do printf 'X-Flood-%d: v\r\n' "$i"; done
	  printf "\r\nbody\r\n.\r\n${ENV}DATA\r\n"; for i in $(seq 5000); do printf 'X-F: %d\r\n' "$i"; done
	  printf "\r\nbody\r\n.\r\nQUIT\r\n"; } > "$T/in"
	export PB T
	run bash -c '"$PB" smtpd < "$T/in" 2>/dev/null'
	has_reply '552 5.3.4'
	has_reply "$QUEUED"
	nothing_left 1
	[ "$(grep -c '^X-F: ' "$(msg_file)")" -eq 5000 ]
}

@test "strace audit: fsync of the message, the envelope and queue/ come before the 250" {
	command -v strace >/dev/null || skip "no strace"
	export PB T
	printf "${HELLO}${ENV}DATA\r\naudit\r\n.\r\nQUIT\r\n" > "$T/in"
	run bash -c 'strace -f -o "$T/trace" -e trace=fsync,fdatasync,write,renameat,rename,linkat "$PB" smtpd < "$T/in" 2>/dev/null'
	has_reply "$QUEUED"
	reply=$(grep -n 'write(1, "250 2.0.0 Ok: queued' "$T/trace" | cut -d: -f1)
	[ -n "$reply" ]
	head -n "$reply" "$T/trace" | grep -c 'fsync(' > "$T/n"
	[ "$(cat "$T/n")" -ge 3 ]
	# the envelope's link into queue/ (the commit) comes after both files'
	# fsyncs, and queue/'s fsync after it, all before the reply
	commit=$(head -n "$reply" "$T/trace" | grep -n 'linkat(.*\.env"' | tail -n1 | cut -d: -f1)
	last_fsync=$(head -n "$reply" "$T/trace" | grep -n 'fsync(' | tail -n1 | cut -d: -f1)
	[ -n "$commit" ]
	[ "$(head -n "$commit" "$T/trace" | grep -c 'fsync(')" -ge 2 ]
	[ "$commit" -lt "$last_fsync" ] && [ "$last_fsync" -lt "$reply" ]
}

@test "kill -9 between commit and reply: the message is in the queue (at least once, never lost)" {
	command -v strace >/dev/null || skip "no strace"
	export PB T
	printf "${HELLO}${ENV}DATA\r\nkilled\r\n.\r\nQUIT\r\n" > "$T/in"
	strace -o "$T/trace" -e trace=write "$PB" smtpd < "$T/in" >/dev/null 2>&1
	k=$(grep '^write(' "$T/trace" | grep -n 'queued as' | cut -d: -f1)
	[ -n "$k" ]
	rm -rf "$SPOOL"
	run bash -c 'strace -o /dev/null -e trace=write -e inject=write:signal=SIGKILL:when='"$k"' "$PB" smtpd < "$T/in" 2>/dev/null'
	! has_reply "$QUEUED" 2>/dev/null || false
	[ "$(queue_count)" -eq 1 ]
	grep -qx killed "$SPOOL"/queue/*.msg
}

@test "kill -9 during DATA: nothing committed, and the next session is served" {
	start_smtpd
	/usr/bin/python3 - "$PORT" > "$T/child" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"EHLO c.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\n")
time.sleep(0.3)
s.sendall(b"Subject: half\r\n\r\npart of a message\r\n")
time.sleep(5)
PY
	track $!
	sleep 1
	child=$(cat /proc/$SMTPD_PID/task/$SMTPD_PID/children | awk '{print $1}')
	[ -n "$child" ]
	kill -9 "$child"
	sleep 0.3
	[ "$(queue_count)" -eq 0 ]
	smtp_tcp "${HELLO}${ENV}DATA\r\nnext\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	[ "$(queue_count)" -eq 1 ]
}

@test "8-bit bytes where ASCII belongs: 501, and the session goes on" {
	smtp_stdin "EHLO h\xc3\xa9llo.example\r\n${HELLO}MAIL FROM:<a\xff@b.example>\r\nMAIL FROM:<a@b.example> SIZE=1\xe2\x80\x8b0\r\n${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	[ "$(count_replies '501 5.5.4 Syntax: EHLO')" -eq 1 ]
	[ "$(count_replies '501 5.1.7')" -eq 1 ]
	has_reply '501 5.5.4 bad SIZE'
	has_reply "$QUEUED"
}

@test "a client that stalls inside DATA gets 421 4.4.2 after smtpd_data_timeout; nothing left" {
	conf smtpd_data_timeout 1s
	export PB
	run bash -c '(printf "EHLO x.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: slow\r\n"; sleep 3) | "$PB" smtpd 2>/dev/null'
	[ "$status" -eq 1 ]
	has_reply '354 '
	has_reply '421 4.4.2 test.example Error: timeout exceeded'
	nothing_left
}

@test "EMFILE (no descriptor for the spool file): 451 4.3.0, nothing committed, the session goes on" {
	mkdir -p "$SPOOL"
	pb sendmail -bp >/dev/null 2>&1 || true
	printf "${HELLO}${ENV}DATA\r\n${ENV}NOOP\r\nQUIT\r\n" > "$T/in"
	export PB T
	run /usr/bin/python3 -c 'import os, resource, sys
fd = os.open(sys.argv[2], os.O_RDONLY); os.dup2(fd, 0); os.closerange(3, 4096)
resource.setrlimit(resource.RLIMIT_NOFILE, (4, 4))
os.execv(sys.argv[1], [sys.argv[1], "smtpd"])' "$PB" "$T/in"
	has_reply '451 4.3.0 Cannot accept the message now'
	has_reply '250 2.0.0 Ok'
	has_reply '221 2.0.0'
	nothing_left
}

@test "a client that pipelines a million commands: replies stay in order and memory bounded" {
	/usr/bin/python3 -c 'import sys; open(sys.argv[1], "wb").write(b"EHLO c.example\r\n" + b"NOOP\r\n" * 1000000 + b"QUIT\r\n")' "$T/in"
	export PB T
	run /usr/bin/python3 -c '
import resource, subprocess, sys
out = subprocess.run([sys.argv[1], "smtpd"], stdin=open(sys.argv[2], "rb"), stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL).stdout.split(b"\r\n")
print(len(out), out[-3].decode(), out[-2].decode())
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$PB" "$T/in"
	[ "${lines[0]}" = "1000011 250 2.0.0 Ok 221 2.0.0 test.example closing connection" ]
	echo "max RSS ${lines[1]} KiB" >&3
	[ "${lines[1]}" -lt 16000 ]
}

@test "inetd mode started as root with a spool owned by nobody: the session runs as nobody" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	nobody_spool
	smtp_stdin "${HELLO}${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	[ "$(stat -c %U "$SPOOL"/queue/*.msg)" = nobody ]
}

@test "every 4xx/5xx counts toward smtpd_max_errors, whatever the command" {
	conf smtpd_max_errors 4
	smtp_stdin "${HELLO}MAIL FROM:<bad@@x>\r\nMAIL FROM:<a@b.example> FOO=1\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example.>\r\nRCPT TO:<u@test.example> NOTIFY=BAD\r\nNOOP\r\n"
	[ "$status" -eq 1 ]
	has_reply '421 4.7.0 test.example Error: too many errors'
	! has_reply '250 2.0.0 Ok' 2>/dev/null || false
}

# Five messages in one inetd session, logging to syslog.
five_messages_in() {
	local i m=""
	for i in 1 2 3 4 5; do m="$m${ENV}DATA\r\nmessage $i\r\n.\r\n"; done
	printf "${HELLO}${m}QUIT\r\n" > "$T/in"
}

@test "no syslog socket: the connect that fails is not tried again for every log line" {
	command -v strace >/dev/null || skip "no strace"
	[ ! -e /dev/log ] || skip "this host has a /dev/log"
	five_messages_in
	export PB T
	run bash -c 'POSTBOX_LOG=syslog strace -f -o "$T/trace" -e trace=connect "$PB" smtpd < "$T/in" 2>/dev/null'
	[ "$(grep -c "^$QUEUED" <<<"$output")" -eq 5 ]
	# glibc's syslog() alone: a socket, a connect and a close a line
	[ "$(grep -c 'connect(.*"/dev/log"' "$T/trace")" -eq 1 ]
}

@test "with a syslog socket, every line reaches it" {
	[ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null || skip "needs root and unshare"
	five_messages_in
	export PB T ROOT
	# A private /dev (in a mount namespace of this test only) whose log is
	# a datagram socket a Python sink reads.
	run unshare -m --propagation private bash -c '
		set -e
		mkdir "$T/realdev"
		mount --bind /dev "$T/realdev"
		mount -t tmpfs none /dev
		touch /dev/null
		mount --bind "$T/realdev/null" /dev/null
		/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
open(sys.argv[1] + \".ready\", \"w\").close()
with open(sys.argv[1], \"ab\", buffering=0) as out:
    while True:
        out.write(s.recv(4096) + b\"\\n\")
" "$T/syslog" &
		sink=$!
		for i in $(seq 100); do [ -e "$T/syslog.ready" ] && break; sleep 0.05; done
		POSTBOX_LOG=syslog "$PB" smtpd < "$T/in"
		sleep 0.2
		kill $sink
		umount /dev/null /dev "$T/realdev"'
	[ "$(grep -c "^$QUEUED" <<<"$output")" -eq 5 ]
	cat "$T/syslog"
	[ "$(grep -c 'smtpd\[[0-9]*\]: .*event=queued' "$T/syslog")" -eq 5 ]
}
