#!/usr/bin/env bats
# Denial of service: deadlines against slow clients, stress mode, AUTH
# guessing across connections, rate limits, and pop3d's privileges before
# login. Real clients on loopback (Python sockets, smtplib, poplib, swaks).

load helpers
load deliver_helpers
load servers_helpers
load smtpd_helpers
load pop3_helpers

# slow PORT PREFIX SLOW RATE: trickle SLOW at RATE bytes/s after PREFIX;
# transcript in $output, seconds until the server closed in $took.
slow() {
	run /usr/bin/python3 "$ROOT/tests/slow_client.py" "$@"
	echo "$output" >&2
	took=$(sed -n 's/^closed after \([0-9]*\)\..*/\1/p' <<<"$output")
	[ -n "$took" ]
}

@test "slow bytes: a command line sent at 1 byte/s ends with 421 after smtpd_timeout" {
	conf smtpd_timeout 3s
	start_smtpd
	slow "$PORT" 'EHLO c.example\r\n' 'NOOPNOOPNOOPNOOPNOOPNOOP' 1
	has_reply '421 4.4.2 test.example Error: timeout exceeded'
	[ "$took" -le 5 ]
	grep -q 'event=read-failed error="127.0.0.1: deadline exceeded"' "$T/smtpd.log"
}

@test "slow bytes: DATA at 2 bytes/s ends with 421 after smtpd_data_timeout; nothing queued" {
	conf smtpd_data_timeout 3s
	start_smtpd
	slow "$PORT" "${HELLO}${ENV}DATA\r\n" 'Subject: slow\r\n\r\nbody body body body body body\r\n' 2
	has_reply '354 '
	has_reply '421 4.4.2 test.example Error: timeout exceeded'
	[ "$took" -le 5 ]
	[ "$(queue_count)" -eq 0 ]
}

@test "slow bytes: a BDAT chunk at 2 bytes/s ends with 421 after smtpd_data_timeout" {
	conf smtpd_data_timeout 3s
	start_smtpd
	slow "$PORT" "${HELLO}${ENV}BDAT 60 LAST\r\n" 'Subject: slow\r\n\r\nbody body body body body body body\r\n' 2
	has_reply '421 4.4.2 test.example Error: timeout exceeded'
	[ "$took" -le 5 ]
	[ "$(queue_count)" -eq 0 ]
}

@test "slow bytes: DATA faster than smtpd_min_data_rate outlives smtpd_data_timeout and is queued" {
	conf smtpd_data_timeout 2s
	conf smtpd_min_data_rate 10
	start_smtpd
	# 20 bytes/s for 4 s: each byte buys 0.1 s, so the deadline never comes.
	slow "$PORT" "${HELLO}${ENV}DATA\r\n" "Subject: ok\r\n\r\n$(printf 'x%.0s' {1..50})\r\n.\r\nQUIT\r\n" 20
	has_reply "$QUEUED"
	[ "$(queue_count)" -eq 1 ]
}

@test "slow bytes: pop3d ends a command line sent at 1 byte/s after pop3_timeout" {
	make_pop_users
	conf pop3_plaintext_auth yes
	conf pop3_timeout 3s
	start_pop3d
	slow "$PORT" '' 'USER ann@test.example' 1
	has_reply '-ERR autologout'
	[ "$took" -le 5 ]
}

@test "stress: near max_sessions a new session gets stress_timeout, not smtpd_timeout" {
	conf max_sessions 5
	conf smtpd_timeout 60s
	conf stress_timeout 2s
	start_smtpd
	# Three idle sessions: the fourth is the 80th percent of the cap.
	/usr/bin/python3 - "$PORT" <<'PY' &
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(3)]
time.sleep(20)
PY
	track $!
	connected() { [ "$(grep -c 'event=connect' "$T/smtpd.log")" -ge "$1" ]; }
	wait_until connected 3
	slow "$PORT" 'EHLO c.example\r\n' 'NOOPNOOPNOOPNOOPNOOP' 1
	has_reply '421 4.4.2'
	[ "$took" -le 4 ]
	grep -q 'stress=yes' "$T/smtpd.log"
}

@test "stress: far from max_sessions the usual timeout holds" {
	conf smtpd_timeout 6s
	conf stress_timeout 1s
	start_smtpd
	slow "$PORT" 'EHLO c.example\r\n' 'NOOP\r\n' 1
	[ "$took" -ge 5 ]
	! grep -q 'stress=yes' "$T/smtpd.log" || false
}
