#!/usr/bin/env bats
# fsize: a file size limit (RLIMIT_FSIZE, `ulimit -f`) is a temporary
# failure, never a death by SIGXFSZ: sendmail exits 75, smtpd answers
# 452 4.3.1 after the dot and goes on, deliver exits 75; no partial file
# is left behind.

load helpers
load smtpd_helpers
load deliver_helpers

# A message of about 200 KB on stdout (LF line ends).
big() { printf 'Subject: big\n\n'; for i in $(seq 2800); do printf '%070d\n' "$i"; done; }

# Files anywhere under DIR (0 when it is missing).
files_under() { find "$1" -type f 2>/dev/null | wc -l; }

@test "sendmail past ulimit -f: exit 75 (not killed by SIGXFSZ), nothing queued or left in tmp/" {
	pb sendmail -bp >/dev/null 2>&1 || true
	big > "$T/m"
	export PB T
	run bash -c 'ulimit -f 64; "$PB" sendmail -i u@test.example < "$T/m"'
	echo "$output"
	[ "$status" -eq 75 ]
	[[ "$output" == *"File too large"* ]]
	[ "$(queue_count)" -eq 0 ]
	[ "$(files_under "$SPOOL/tmp")" -eq 0 ]
	run bash -c '"$PB" sendmail -i u@test.example < "$T/m"'
	[ "$status" -eq 0 ]
}

@test "smtpd past ulimit -f: 452 4.3.1 after the dot, the session goes on, nothing left" {
	pb sendmail -bp >/dev/null 2>&1 || true
	{ printf "${HELLO}${ENV}DATA\r\n"; big | sed 's/$/\r/'; printf ".\r\n${ENV}DATA\r\nsmall\r\n.\r\nQUIT\r\n"; } > "$T/in"
	export PB T
	run bash -c 'ulimit -f 64; "$PB" smtpd < "$T/in" 2>"$T/smtpd.err"'
	echo "$output"
	[ "$status" -eq 0 ]
	has_reply '452 4.3.1 '
	has_reply "$QUEUED"
	has_reply '221 2.0.0'
	[ "$(queue_count)" -eq 1 ]
	grep -qx small "$(msg_file)"
	[ "$(files_under "$SPOOL/tmp")" -eq 0 ]
}

@test "deliver past ulimit -f: exit 75, the Maildir's tmp/ is cleaned" {
	make_users
	big > "$T/m"
	export PB T
	run bash -c 'ulimit -f 64; "$PB" deliver -f s@x.example -d ann@test.example < "$T/m"'
	echo "$output"
	[ "$status" -eq 75 ]
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 0 ]
	[ "$(tmp_count "$T/mail/ann/Maildir")" -eq 0 ]
	run bash -c '"$PB" deliver -f s@x.example -d ann@test.example < "$T/m"'
	[ "$status" -eq 0 ]
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 1 ]
}
