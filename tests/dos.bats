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

dc() { run /usr/bin/python3 "$ROOT/tests/dos_client.py" "$@"; echo "$output" >&2; }

users_file() {
	h=$(printf 'secret\n' | pb passwd -m sha512)
	mkdir -p "$T/mail/ann/Maildir"
	printf 'ann@test.example:%s:%s/mail/ann/Maildir/\n' "$h" "$T" > "$T/users"
	conf users "$T/users"
}

@test "AUTH guessing across connections: the delay grows, then 454 4.7.0 from that address only" {
	users_file
	conf smtpd_auth_plaintext yes
	conf auth_failure_limit 3
	start_smtpd
	delays=()
	for i in 1 2 3; do
		dc auth "$PORT" ann@test.example wrong
		[[ "$output" == "535 "* ]]
		delays+=("${output##* }")
	done
	# 0.25, 0.5 and 1 s: each new session goes on from the last one's count
	/usr/bin/python3 -c 'import sys; a, b, c = map(float, sys.argv[1:]); sys.exit(not (0.2 <= a < 0.45 and 0.45 <= b < 0.95 and 0.95 <= c < 1.6))' "${delays[@]}"
	# now even the right password is refused, at once and unchecked
	dc auth "$PORT" ann@test.example secret
	[[ "$output" == "454 4.7.0 Too many failed logins from your address, try again later "0.0* ]]
	grep -q 'client=127.0.0.1 event=auth-refused reason=auth_failure_limit address-failures=3' "$T/smtpd.log"
	# another address is not affected
	dc auth "$PORT" --from 127.0.0.2 ann@test.example secret
	[[ "$output" == "235 "* ]]
}

@test "pop3d logins across connections: after auth_failure_limit the address is refused, another is not" {
	users_file
	conf pop3_plaintext_auth yes
	conf auth_failure_limit 2
	start_pop3d
	dc pop-login "$PORT" ann@test.example wrong
	[ "$output" = "-ERR [AUTH] authentication failed" ]
	dc pop-login "$PORT" ann@test.example wrong
	[ "$output" = "-ERR [AUTH] authentication failed" ]
	dc pop-login "$PORT" ann@test.example secret
	[ "$output" = "-ERR [AUTH] too many failed logins from your address, try again later" ]
	dc pop-login "$PORT" --from 127.0.0.2 ann@test.example secret
	[[ "$output" == "+OK 0 messages"* ]]
}

@test "rate: new connections per client address per minute, 421 4.7.0 past the limit; relay_networks exempt" {
	conf relay_networks 127.0.0.2/32
	conf smtpd_connection_rate_limit 4
	start_smtpd # its readiness probe is the first connection
	for i in 1 2 3; do
		dc greet "$PORT"
		[ "$output" = "220 test.example ESMTP postbox" ]
	done
	dc greet "$PORT"
	[ "$output" = "421 4.7.0 test.example Error: too many connections from 127.0.0.1, try again later" ]
	grep -q 'client=127.0.0.1 event=rate-limited limit=smtpd_connection_rate_limit count=5' "$T/smtpd.log"
	for i in 1 2 3 4 5; do
		dc greet "$PORT" --from 127.0.0.2
		[ "$output" = "220 test.example ESMTP postbox" ]
	done
}

@test "rate: behind a proxy listener the limit counts the real client named in the PROXY header" {
	conf relay_networks 10.9.0.0/16
	conf smtpd_connection_rate_limit 2
	start_smtpd ,proxy
	dc greet "$PORT" 192.0.2.7
	[ "$output" = "220 test.example ESMTP postbox" ]
	dc greet "$PORT" 192.0.2.7
	[ "$output" = "220 test.example ESMTP postbox" ]
	dc greet "$PORT" 192.0.2.7
	[ "$output" = "421 4.7.0 test.example Error: too many connections from 192.0.2.7, try again later" ]
	# the proxy itself (127.0.0.1, every connection) is not what is counted
	dc greet "$PORT" 192.0.2.8
	[ "$output" = "220 test.example ESMTP postbox" ]
}

@test "rate: messages per client address per minute, 450 4.7.1 at MAIL past the limit" {
	conf relay_networks 10.9.0.0/16
	conf smtpd_message_rate_limit 2
	start_smtpd
	dc send "$PORT" 3 u@test.example
	[ "$(grep -c '^DATA 250' <<<"$output")" -eq 2 ]
	grep -qx 'MAIL 450 4.7.1 Error: too many messages from 127.0.0.1, try again later' <<<"$output"
	[ "$(queue_count)" -eq 2 ]
	# a new session from the same address is still over the limit
	dc send "$PORT" 1 u@test.example
	grep -q '^MAIL 450 4.7.1' <<<"$output"
	grep -q 'event=rate-limited limit=smtpd_message_rate_limit count=4' "$T/smtpd.log"
}

@test "rate: an authenticated user's messages and recipients per hour, across sessions, 450 4.7.1" {
	users_file
	conf smtpd_auth_plaintext yes
	conf smtpd_user_message_rate_limit 3
	conf smtpd_user_recipient_rate_limit 4
	start_smtpd
	dc send "$PORT" 1 x@far.example,y@far.example ann@test.example secret
	grep -q '^DATA 250' <<<"$output"
	dc send "$PORT" 1 x@far.example,y@far.example,z@far.example ann@test.example secret
	grep -qx 'RCPT 450 4.7.1 Error: user ann@test.example has sent to too many recipients this hour, try again later' <<<"$output"
	grep -q '^DATA 250' <<<"$output"
	dc send "$PORT" 2 x@far.example ann@test.example secret
	grep -qx 'MAIL 450 4.7.1 Error: user ann@test.example has sent too many messages this hour, try again later' <<<"$output"
	grep -q 'event=rate-limited limit=smtpd_user_message_rate_limit count=4 user=ann@test.example' "$T/smtpd.log"
	# the address limits do not apply to 127.0.0.1 (relay_networks); the user's do
	[ "$(queue_count)" -eq 2 ]
}

# The uid of a process, from /proc.
uid_of() { awk '/^Uid:/ { print $2 }' "/proc/$1/status"; }
# The newest child of a process.
children() { awk '{ print $NF }' "/proc/$1/task/$1/children"; }

@test "privilege: pop3d as root reads a client's bytes before login as pop3_login_user; after login the mailbox's owner serves it" {
	make_pop_users
	conf pop3_plaintext_auth yes
	fill 2
	chown -R nobody "$T/mail/ann"
	chmod 755 "$T" "$T/mail"
	start_pop3d
	/usr/bin/python3 - "$PORT" > "$T/client.out" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
f = s.makefile("rb")
print(f.readline().decode().strip(), flush=True)
time.sleep(2)                      # pre-login: the processes are looked at
s.sendall(b"USER ann@test.example\r\nPASS secret\r\n")
f.readline()
print(f.readline().decode().strip(), flush=True)
time.sleep(2)                      # logged in: looked at again
s.sendall(b"STAT\r\nRETR 1\r\nQUIT\r\n")
for l in f:
    print(l.decode().rstrip())
PY
	track $!
	wait_until grep -q '^+OK postbox' "$T/client.out"
	session=$(children "$POP3D_PID")
	login=$(children "$session")
	[ -n "$session" ] && [ -n "$login" ]
	# the process that reads and parses the client's bytes is not root
	[ "$(uid_of "$login")" = "$(id -u nobody)" ]
	[ "$(uid_of "$session")" = 0 ]
	ls -l "/proc/$login/fd" | grep -q socket
	# it holds neither the users file nor the shared table of failures:
	# of the root process's shared mappings (the failure table and the
	# metrics tally, which holds numbers only) exactly one is gone
	! grep -q "$T/users" "/proc/$login/maps" || false
	shared_root=$(grep -c 'rw-s.*/dev/zero' "/proc/$session/maps")
	shared_login=$(grep -c 'rw-s.*/dev/zero' "/proc/$login/maps" || true)
	[ "$shared_root" -eq 2 ] && [ "$shared_login" -eq 1 ]
	wait_until grep -q '^+OK 2 messages' "$T/client.out"
	# after the login the root process has become the mailbox's owner
	[ "$(uid_of "$session")" = "$(id -u nobody)" ]
	wait_until grep -q '^+OK bye' "$T/client.out"
	grep -q '^Subject: m1' "$T/client.out"
	grep -q 'pop3 login user=ann@test.example client=127.0.0.1 tls=no messages=2' "$T/pop3d.log"
}

@test "privilege: in inetd mode too, the pre-login process is not root" {
	make_pop_users
	conf pop3_plaintext_auth yes
	fill 1
	{ printf 'CAPA\r\n'; sleep 1.5; printf 'USER ann@test.example\r\nPASS secret\r\nSTAT\r\nQUIT\r\n'; } |
		"$PB" pop3d > "$T/out" 2>"$T/err" &
	pid=$!
	sleep 0.7
	login=$(children "$pid")
	[ -n "$login" ]
	[ "$(uid_of "$login")" = "$(id -u nobody)" ]
	wait $pid
	grep -q '^+OK 1 [0-9]' "$T/out" || { cat "$T/out" "$T/err"; false; }
	grep -q '^+OK bye' "$T/out"
}

# An inetd-mode server started per connection, as systemd's Accept=yes
# socket units and inetd run it: $PORT, log $T/NAME.log.
start_per_connection() {
	local name=$1
	shift
	PORT=$(free_port)
	serve "$PORT" "$T/$name.log" /usr/bin/python3 "$ROOT/tests/accept_exec.py" "127.0.0.1:$PORT" "$PB" "$@"
}

@test "inetd mode (a process per connection): failed logins count across connections, smtpd's and pop3d's together" {
	users_file
	conf smtpd_auth_plaintext yes
	conf pop3_plaintext_auth yes
	conf auth_failure_limit 3
	start_per_connection smtpd smtpd
	for i in 1 2 3; do
		dc auth "$PORT" ann@test.example wrong
		[[ "$output" == "535 "* ]]
	done
	dc auth "$PORT" ann@test.example secret
	[[ "$output" == "454 4.7.0 Too many failed logins from your address, try again later "* ]]
	grep -q 'client=127.0.0.1 event=auth-refused reason=auth_failure_limit address-failures=3' "$T/smtpd.log"
	dc auth "$PORT" --from 127.0.0.2 ann@test.example secret
	[[ "$output" == "235 "* ]]
	# pop3d under the super-server reads the same table in the spool
	start_per_connection pop3d pop3d
	dc pop-login "$PORT" ann@test.example secret
	[ "$output" = "-ERR [AUTH] too many failed logins from your address, try again later" ]
	dc pop-login "$PORT" --from 127.0.0.2 ann@test.example secret
	[[ "$output" == "+OK 0 messages"* ]]
	[ "$(stat -c '%a %F' "$SPOOL/anvil")" = "600 regular file" ]
}

@test "inetd mode (a process per connection): connection and message rates per client address hold" {
	conf relay_networks 10.9.0.0/16
	conf smtpd_connection_rate_limit 4
	conf smtpd_message_rate_limit 2
	start_per_connection smtpd smtpd # its readiness probe is the first connection
	dc send "$PORT" 3 u@test.example
	[ "$(grep -c '^DATA 250' <<<"$output")" -eq 2 ]
	grep -qx 'MAIL 450 4.7.1 Error: too many messages from 127.0.0.1, try again later' <<<"$output"
	# (the readiness probe may close before its process counts it)
	greeted=0
	for i in 1 2 3 4; do
		dc greet "$PORT"
		[ "$output" = "220 test.example ESMTP postbox" ] || break
		greeted=$((greeted + 1))
	done
	[ "$output" = "421 4.7.0 test.example Error: too many connections from 127.0.0.1, try again later" ]
	[ "$greeted" -ge 2 ] && [ "$greeted" -le 3 ]
	grep -q 'client=127.0.0.1 event=rate-limited limit=smtpd_connection_rate_limit count=5' "$T/smtpd.log"
}

@test "inetd mode: a table file someone else planted is not used (and said so); sessions still served" {
	conf smtpd_connection_rate_limit 1
	conf relay_networks 10.9.0.0/16
	mkdir -p "$SPOOL"
	printf 'x' >"$SPOOL/anvil"
	chmod 0644 "$SPOOL/anvil"
	run bash -c 'printf "QUIT\r\n" | "$1" smtpd 2>&1; printf "QUIT\r\n" | "$1" smtpd 2>&1' _ "$PB"
	[[ "$output" == *"event=no-rate-limits error=\"anvil: $SPOOL/anvil: not a private regular file of uid 0\""* ]]
	[ "$(grep -c '^221 ' <<<"$output")" -eq 2 ]
}
