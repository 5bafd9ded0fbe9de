#!/usr/bin/env bats
# smtpd_hardening: RFC 2920 synchronization (with real pipelining clients
# still served), <Postmaster>, repeated MAIL parameters, max_header_size,
# a full spool answered at MAIL (queue_minfree), and the error delay.

load helpers
load servers_helpers
load smtpd_helpers

SUITE_CONF= # this suite tests the synchronization check: keep it on

# smtp_stdin sends a whole session at once: tests of other things turn the
# synchronization check off for it.
unsynchronized() { conf smtpd_forbid_unauth_pipelining no; }

steps() { run /usr/bin/python3 "$ROOT/tests/smtp_steps.py" "$PORT" "$@"; echo "$output"; }

@test "commands pipelined after HELO (no PIPELINING): 554 5.5.0 and the connection closes" {
	start_smtpd
	steps 'HELO client.example\r\nMAIL FROM:<a@client.example>\r\n'
	has_reply '554 5.5.0 Error: SMTP protocol synchronization'
	[[ "$output" == *"[closed]"* ]]
	[ "$(count_replies 250)" -eq 0 ]
	steps 'HELO client.example\r\n' 'MAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example>\r\n'
	has_reply '554 5.5.0 Error: SMTP protocol synchronization'
	grep -q 'event=protocol-sync-error after=MAIL' "$T/smtpd.log"
}

@test "commands pipelined behind EHLO: 554 5.5.0" {
	start_smtpd
	steps 'EHLO client.example\r\nMAIL FROM:<a@client.example>\r\n'
	has_reply '554 5.5.0 Error: SMTP protocol synchronization'
	[[ "$output" != *"250-PIPELINING"* ]]
	grep -q 'event=protocol-sync-error after=EHLO' "$T/smtpd.log"
}

@test "message lines sent before the 354 of a refused DATA are not run as commands" {
	conf relay_networks 192.0.2.0/24
	start_smtpd
	steps 'EHLO client.example\r\n' \
		'MAIL FROM:<a@client.example>\r\nRCPT TO:<far@elsewhere.example>\r\nDATA\r\nMAIL FROM:<smuggled@x.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nSubject: smuggled\r\n\r\nx\r\n.\r\nQUIT\r\n'
	has_reply '250 2.1.0 Ok'
	has_reply '554 5.7.1 <far@elsewhere.example>: Relay access denied'
	has_reply '554 5.5.0 Error: SMTP protocol synchronization'
	[[ "$output" == *"[closed]"* ]]
	[[ "$output" != *"503"* ]]
	[[ "$output" != *"354"* ]]
	[ "$(queue_count)" -eq 0 ]
}

@test "real pipelining clients are served: swaks --pipeline, smtplib, smtp-source, BDAT pipelined" {
	start_smtpd
	swaks_send --pipeline --body 'pipelined by swaks' >/dev/null
	[ "$(queue_count)" -eq 1 ]
	/usr/bin/python3 - "$PORT" <<'PY'
import smtplib, sys
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as s:
    s.ehlo("client.example")
    s.sendmail("a@client.example", ["u@test.example"], "Subject: smtplib\r\n\r\nhi\r\n")
    s.helo("again.example")
    s.sendmail("a@client.example", ["u@test.example"], "Subject: smtplib helo\r\n\r\nhi\r\n")
PY
	[ "$(queue_count)" -eq 3 ]
	run timeout 60 smtp-source -c -m 5 -s 2 -r 2 -f a@client.example -t u@test.example "127.0.0.1:$PORT"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 8 ]
	steps 'EHLO client.example\r\n' 'MAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example>\r\nBDAT 14\r\nSubject: b\r\n\r\nBDAT 3 LAST\r\nx\r\nQUIT\r\n'
	has_reply '250 2.0.0 Ok: 14 octets'
	has_reply "$QUEUED"
	[ "$(queue_count)" -eq 9 ]
	! grep -q 'protocol-sync-error' "$T/smtpd.log" || false
}

@test "a local program on a pipe (sendmail -bs) may write a whole session at once" {
	export PB
	run bash -c 'printf "HELO me\r\nMAIL FROM:<a@test.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n" | "$PB" sendmail -bs 2>/dev/null'
	echo "$output"
	has_reply "$QUEUED"
	run bash -c 'printf "HELO me\r\nMAIL FROM:<a@test.example>\r\nQUIT\r\n" | TCPREMOTEIP=192.0.2.9 "$PB" smtpd 2>/dev/null'
	has_reply '554 5.5.0 Error: SMTP protocol synchronization'
}

@test "smtpd_forbid_unauth_pipelining = no lets a blasting client through" {
	conf smtpd_forbid_unauth_pipelining no
	start_smtpd
	steps 'HELO client.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example>\r\nQUIT\r\n'
	has_reply '250 2.1.5 Ok'
	[[ "$output" != *"554 5.5.0"* ]]
}

@test "RCPT TO:<Postmaster> without a domain is the primary domain's postmaster" {
	unsynchronized
	printf 'postmaster: u\n' > "$T/aliases"
	conf aliases "$T/aliases"
	maildir_users u
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nSubject: pm\r\n\r\nhi\r\n.\r\nQUIT\r\n"
	echo "$output"
	has_reply '250 2.1.5 Ok'
	has_reply "$QUEUED"
	grep -q '^rcpt postmaster@test.example ' "$(env_file)"
	run pb runq
	grep -rqx 'Subject: pm' "$T/mail/u/Maildir/new"
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<webmaster>\r\nQUIT\r\n"
	has_reply '501 5.1.3'
}

@test "a MAIL or RCPT parameter given twice: 501 5.5.4" {
	unsynchronized
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example> BODY=8BITMIME BODY=7BIT\r\nMAIL FROM:<a@client.example> SIZE=10 SIZE=10\r\nMAIL FROM:<a@client.example> SMTPUTF8 SMTPUTF8\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example> NOTIFY=NEVER NOTIFY=NEVER\r\nQUIT\r\n"
	echo "$output"
	has_reply '501 5.5.4 Parameter BODY given twice'
	has_reply '501 5.5.4 Parameter SIZE given twice'
	has_reply '501 5.5.4 Parameter SMTPUTF8 given twice'
	has_reply '501 5.5.4 Parameter NOTIFY given twice'
	[ "$(count_replies '250 2.1.0')" -eq 1 ]
}

@test "max_header_size: a header section past it is 552 5.3.4 (DATA and BDAT), the body may be larger" {
	unsynchronized
	conf max_header_size 10k
	{ printf "${HELLO}${ENV}DATA\r\n"; for i in $(seq 600); do printf 'To: u%04d@test.example\r\n' "$i"; done
	  printf 'Subject: big header\r\n\r\nbody\r\n.\r\n'
	  printf "${ENV}DATA\r\nSubject: big body\r\n\r\n"; for i in $(seq 300); do printf '%070d\r\n' "$i"; done
	  printf ".\r\n${ENV}BDAT 12000 LAST\r\n"; for i in $(seq 600); do printf 'To: %014d\r\n' "$i"; done
	  printf 'QUIT\r\n'; } > "$T/in"
	export PB T
	run bash -c '"$PB" smtpd < "$T/in" 2>/dev/null'
	echo "$output"
	[ "$(count_replies '552 5.3.4 Message header too big for this system')" -eq 2 ]
	[ "$(count_replies "$QUEUED")" -eq 1 ]
	[ "$(queue_count)" -eq 1 ]
	grep -qx 'Subject: big body' "$(msg_file)"
}

@test "max_header_size in sendmail: exit 65, nothing queued" {
	conf max_header_size 10k
	{ for i in $(seq 600); do printf 'To: u%04d@test.example\n' "$i"; done; printf '\nbody\n'; } > "$T/m"
	run pb sendmail -i u@test.example < "$T/m"
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"header section larger than max_header_size (10240 octets)"* ]]
	[ "$(queue_count)" -eq 0 ]
}

@test "a full spool is answered at MAIL: 452 4.3.1 before any data (blocks, SIZE=, inodes)" {
	unsynchronized
	mkdir -p "$T/small"
	mount -t tmpfs -o size=4m,nr_inodes=400 tmpfs "$T/small" || skip "cannot mount tmpfs"
	conf spool "$T/small/spool"
	conf max_message_size 2m   # MAIL wants 3m free, and SIZE= more
	SPOOL=$T/small/spool
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRSET\r\nMAIL FROM:<a@client.example> SIZE=1500000\r\nQUIT\r\n"
	echo "$output"
	has_reply '250 2.1.0 Ok'
	has_reply '452 4.3.1 Insufficient system storage'
	dd if=/dev/zero of="$T/small/fill" bs=1k count=1500 status=none
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nQUIT\r\n"
	has_reply '452 4.3.1 Insufficient system storage'
	[ "$(count_replies '354')" -eq 0 ]
	grep -q 'event=spool-full' "$T/smtpd.err"
	rm "$T/small/fill"
	mkdir "$T/small/many"
	for i in $(seq 320); do : > "$T/small/many/$i"; done
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nQUIT\r\n"
	has_reply '452 4.3.1 Insufficient system storage'
	grep -q 'inodes free' "$T/smtpd.err"
}

@test "past smtpd_soft_error_limit each reply waits longer; then 421" {
	unsynchronized
	conf smtpd_soft_error_limit 2
	conf smtpd_error_sleep_time 1s
	conf smtpd_max_errors 5
	start=$(date +%s%N)
	smtp_stdin 'EHLO client.example\r\nJUNK\r\nJUNK\r\nJUNK\r\nJUNK\r\nJUNK\r\nJUNK\r\n'
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	echo "$output ($ms ms)"
	has_reply '421 4.7.0 test.example Error: too many errors'
	[ "$(count_replies '500 5.5.1')" -eq 5 ]
	# errors 3 and 4 wait 1 s and 2 s
	[ "$ms" -ge 3000 ]
	conf smtpd_soft_error_limit 0
	start=$(date +%s%N)
	smtp_stdin 'EHLO client.example\r\nJUNK\r\nJUNK\r\nJUNK\r\nJUNK\r\nJUNK\r\n'
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ "$ms" -lt 2500 ]
}

@test "the log quotes what the client sent by the one rule: CR, LF, quotes, backslash, spaces and UTF-8 in one exact line" {
	start_smtpd
	steps 'HELO client.example\r\nMAIL FROM:<"a b"@x.example> \\ \xc3\xbc\r\n'
	has_reply '554 5.5.0 Error: SMTP protocol synchronization'
	# quotes, backslashes and controls as \xHH; spaces and UTF-8 as they are
	grep -Fx 'smtpd: warning: client=127.0.0.1 event=protocol-sync-error after=HELO pending=34 input="MAIL FROM:<\x22a b\x22@x.example> \x5c ü\x0d\x0a"' "$T/smtpd.log"
}

@test "addresses the client chose are logged as tokens: a quoted local part with spaces, quotes and UTF-8" {
	conf relay_networks 192.0.2.0/24
	start_smtpd
	steps 'EHLO client.example\r\n' 'MAIL FROM:<"j\xc3\xb6 \\"rg"@client.example> SMTPUTF8\r\n' \
		'RCPT TO:<"x y"@elsewhere.example>\r\n' 'RCPT TO:<u@test.example>\r\n' 'DATA\r\n' 'Subject: s\r\n\r\nx\r\n.\r\n' 'QUIT\r\n'
	has_reply "$QUEUED"
	grep -x 'smtpd: info: client=127.0.0.1 event=relay-denied rcpt=<\\x22x\\x20y\\x22@elsewhere.example>' "$T/smtpd.log"
	grep -Ex 'smtpd: info: qid=[^ ]+ client=127\.0\.0\.1 event=queued from=<\\x22j\\xc3\\xb6\\x20\\x5c\\x22rg\\x22@client\.example> nrcpt=1 size=[0-9]+' "$T/smtpd.log"
}
