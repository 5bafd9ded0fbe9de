#!/usr/bin/env bats
# pop3d: RFC 1939 with CAPA, STLS, AUTH PLAIN and implicit TLS, against
# Python's poplib, curl, fetchmail and raw sockets.

load helpers
load deliver_helpers
load servers_helpers
load pop3_helpers

suite_setup() {
	make_pop_users
	export CERT="$T/cert.pem"
}

# One inetd-mode session with the given command lines (CRLF added).
inetd() {
	local IFS=$'\n'
	printf '%s\r\n' "$@" | "$PB" pop3d 2>"$T/inetd.log" | tr -d '\r'
}

@test "inetd mode: greeting, CAPA, the USER/PASS transaction and UPDATE" {
	conf pop3_plaintext_auth yes
	fill 3
	run inetd CAPA "USER ann" "PASS secret" STAT LIST "UIDL 1" "RETR 2" "DELE 1" "DELE 1" STAT RSET STAT "DELE 3" QUIT
	status_is 0
	[ "${lines[0]}" = "+OK postbox POP3 server ready" ]
	for cap in TOP UIDL RESP-CODES AUTH-RESP-CODE PIPELINING USER "SASL PLAIN" "LOGIN-DELAY 0" "EXPIRE NEVER"; do
		printf '%s\n' "${lines[@]}" | grep -qx "$cap" || { echo "no $cap"; false; }
	done
	! printf '%s\n' "${lines[@]}" | grep -qx STLS || false     # no certificate configured
	printf '%s\n' "${lines[@]}" | grep -q '^+OK 3 messages (' 
	printf '%s\n' "${lines[@]}" | grep -qx '+OK 3 195'
	printf '%s\n' "${lines[@]}" | grep -qx '..leading dot'
	printf '%s\n' "${lines[@]}" | grep -qx -- '-ERR message 1 already deleted'
	printf '%s\n' "${lines[@]}" | grep -qx '+OK 2 130'
	[ "${lines[-1]}" = "+OK bye (1 messages removed)" ]
	[ "$(new_count "$MD")" -eq 2 ]
	! grep -q 'Subject: m3' "$MD"/new/* || false
}

@test "USER, PASS and AUTH are refused before TLS unless configured" {
	server_cert localhost
	fill 1
	run inetd CAPA "USER ann" "PASS secret" "AUTH PLAIN AGFubkB0ZXN0LmV4YW1wbGUAc2VjcmV0" QUIT
	printf '%s\n' "${lines[@]}" | grep -qx STLS
	! printf '%s\n' "${lines[@]}" | grep -qx USER || false
	! printf '%s\n' "${lines[@]}" | grep -q '^SASL' || false
	[ "$(printf '%s\n' "${lines[@]}" | grep -c 'plaintext authentication is not allowed')" -eq 3 ]
	[ "$(new_count "$MD")" -eq 1 ]
}

@test "AUTH PLAIN with and without an initial response" {
	conf pop3_plaintext_auth yes
	fill 1
	ir=$(printf '\0ann@test.example\0secret' | base64 -w0)
	run inetd "AUTH PLAIN $ir" STAT QUIT
	[ "${lines[1]}" = "+OK 1 messages (65 octets)" ] || { printf '%s\n' "${lines[@]}"; false; }
	run inetd "AUTH PLAIN" "$ir" STAT QUIT
	[ "${lines[1]}" = "+ " ] && [ "${lines[2]}" = "+OK 1 messages (65 octets)" ]
	run inetd "AUTH PLAIN" "*" QUIT
	[ "${lines[2]}" = "-ERR authentication cancelled" ]
	other=$(printf 'bob@test.example\0ann@test.example\0secret' | base64 -w0)
	run inetd "AUTH PLAIN $other" QUIT
	[ "${lines[1]}" = "-ERR [AUTH] malformed PLAIN response" ]
	run inetd "AUTH CRAM-MD5" "AUTH" QUIT
	[ "${lines[1]}" = "-ERR unsupported mechanism" ] && [ "${lines[3]}" = "PLAIN" ]
}

@test "bad logins: one answer for unknown user and wrong password, same time, third ends it" {
	conf pop3_plaintext_auth yes
	start_pop3d
	run pyp login-time "$PORT" ann@test.example wrong
	read -r t1 r1 <<< "$output"
	# a fresh server, so that both are a first failure from this address
	stop_bg "$POP3D_PID"
	start_pop3d
	run pyp login-time "$PORT" nobody@test.example wrong
	read -r t2 r2 <<< "$output"
	[ "$r1" = "$r2" ] && [ "$r1" = "-ERR [AUTH] authentication failed" ]
	/usr/bin/python3 -c "import sys; a,b=float(sys.argv[1]),float(sys.argv[2]); sys.exit(0 if abs(a-b) < 0.25 and a >= 0.45 else 1)" "$t1" "$t2" \
		|| { echo "times $t1 $t2"; false; }
	run inetd "USER ann" "PASS a" "USER ann" "PASS b" "USER ann" "PASS c" "USER ann" "PASS secret"
	[ "${lines[6]}" = "-ERR [AUTH] authentication failed; too many failures, goodbye" ]
	[ "${#lines[@]}" -eq 7 ]
	# an mbox user may not log in (only Maildirs are served)
	run inetd "USER bob@test.example" "PASS hunter2" QUIT
	[ "${lines[2]}" = "-ERR [SYS/PERM] only Maildir mailboxes are served" ]
}

@test "hostile input: long lines, bad numbers, wrong states, error limit" {
	conf pop3_plaintext_auth yes
	fill 2
	long=$(head -c 300 /dev/zero | tr '\0' A)
	run inetd STAT "$long" "USER ann" "PASS secret" "RETR -1" "TOP 1 4294967296" "LIST 0" "RETR 3" \
		"RETR 1x" "LIST 1 2" "TOP 1" "DELE" "USER ann" "$(printf 'NOOP\tx')" "TOP 1 4294967295" NOOP QUIT
	expect=(
		"-ERR STAT is not allowed before login"
		"-ERR line too long (255 octets at most)"
		"+OK send PASS"
		"+OK 2 messages (130 octets)"
		"-ERR invalid message number"
		"-ERR invalid line count"
		"-ERR invalid message number"
		"-ERR no such message, only 2 in maildrop"
		"-ERR invalid message number"
		"-ERR too many arguments"
		"-ERR usage: TOP msg lines"
		"-ERR usage: DELE msg"
		"-ERR USER is not allowed after login"
		"-ERR malformed command"
		"+OK 65 octets"
	)
	for i in "${!expect[@]}"; do
		[ "${lines[$((i + 1))]}" = "${expect[$i]}" ] || { echo "line $((i + 1)): '${lines[$((i + 1))]}' != '${expect[$i]}'"; false; }
	done
	[ "${lines[-1]}" = "+OK bye (0 messages removed)" ]
	# ten errors end the session
	run inetd x x x x x x x x x x "USER ann"
	[ "${lines[-1]}" = "-ERR too many errors, goodbye" ]
	[ "$(new_count "$MD")" -eq 2 ]
}

@test "LIST and STAT count what RETR sends, also for a message without a final newline (RFC 1939)" {
	mkdir -p "$MD"/{new,cur,tmp}
	printf 'Subject: a\n\nno final newline' > "$MD/new/1700000001.M1P1.h"
	printf 'Subject: b\r\n\r\nends in CR\r' > "$MD/new/1700000002.M1P1.h"
	# Named the way Dovecot and deliver name files, with the CRLF size W=.
	printf 'Subject: c\n\n.dot, no final newline' > "$MD/new/1700000003.M1P1.h,S=34,W=36"
	printf 'Subject: d\n\nwhole line\n' > "$MD/new/1700000004.M1P1.h,S=23,W=26"
	: > "$MD/new/1700000005.M1P1.h"
	conf pop3_plaintext_auth yes
	start_pop3d
	run pyp sizes "$PORT" plain
	status_is 0
	printf '%s\n' "${lines[@]}"
	[ "${#lines[@]}" -eq 6 ]
	for l in "${lines[@]}"; do
		set -- $l
		[ "$2" = "$3" ] || { echo "message $1: listed $2, sent $3"; false; }
	done
	[ "${lines[0]}" = "1 32 32" ]
	[ "${lines[5]}" = "STAT 122 122" ]
}

@test "poplib over STLS and implicit TLS; messages byte-identical after CRLF conversion" {
	server_cert localhost
	fill 3
	cp "$MD"/new/* "$T/" 2>/dev/null; mkdir "$T/orig" && cp "$MD"/new/* "$T/orig/"
	start_pop3d_tls
	mkdir "$T/got"
	run pyp fetch-all "$PORT" stls "$T/got"
	status_is 0
	[ "${lines[1]}" = 3 ]
	for f in "$T"/orig/*; do
		n=$(sed -n 's/^Subject: m//p' "$f")
		sed 's/$/\r/' "$f" | cmp - "$T/got/$n" || { echo "message $n differs"; false; }
	done
	[ "$(new_count "$MD")" -eq 0 ]
	fill 2
	run pyp uidl "$SPORT" ssl
	status_is 0
	[ "${#lines[@]}" -eq 2 ]
	grep -q "pop3 login user=ann@test.example client=127.0.0.1 tls=TLSv1.3" "$T/pop3d.log"
}

@test "STLS: commands pipelined behind it are discarded, not run after the handshake" {
	server_cert localhost
	start_pop3d
	run pyp stls-inject "$PORT"
	status_is 0
	[ "${lines[0]}" = "+OK begin TLS negotiation" ]
	[ "${lines[1]}" = "+OK bye" ] && [ "${#lines[@]}" -eq 2 ]
	# and OpenSSL's own STLS client, verifying the certificate
	run bash -c "printf 'CAPA\r\nQUIT\r\n' | timeout 10 openssl s_client -quiet -verify_return_error \
		-starttls pop3 -connect 127.0.0.1:$PORT -servername localhost -CAfile '$T/cert.pem' 2>/dev/null | tr -d '\r'"
	[ "${lines[0]}" = "+OK capability list follows" ] || { printf '%s\n' "${lines[@]}"; false; }
	printf '%s\n' "${lines[@]}" | grep -qx USER          # allowed now: TLS is on
	! printf '%s\n' "${lines[@]}" | grep -qx STLS || false
	[ "${lines[-1]}" = "+OK bye" ]
}

@test "curl's POP3 client: list and retrieve over STLS and pop3s" {
	server_cert localhost
	fill 2
	start_pop3d_tls
	run curl -sS --cacert "$T/cert.pem" --ssl-reqd -u ann@test.example:secret "pop3://localhost:$PORT/"
	status_is 0
	[ "$(printf '%s\n' "${lines[@]}" | tr -d '\r' | grep -c '^[12] 65$')" -eq 2 ]
	curl -sS --cacert "$T/cert.pem" -u ann@test.example:secret "pop3s://localhost:$SPORT/2" > "$T/two"
	f=$(ls "$MD"/new/* | sort | tail -n1)
	sed 's/$/\r/' "$f" | cmp - "$T/two"
	# curl authenticates with AUTH PLAIN when offered
	grep -q 'pop3 login user=ann@test.example' "$T/pop3d.log"
}

@test "fetchmail retrieves over STLS and over implicit TLS, deleting what it fetched" {
	command -v fetchmail >/dev/null || skip "fetchmail not installed"
	server_cert localhost
	fill 2
	start_pop3d_tls
	mkdir -p "$T/fm" && chmod 700 "$T/fm"
	printf 'poll localhost port %s proto pop3 user "ann@test.example" password "secret" sslproto tls1.2+ sslcertck sslcertfile "%s"\n' \
		"$PORT" "$T/cert.pem" > "$T/fm/rc1"
	printf 'poll localhost port %s proto pop3 user "ann@test.example" password "secret" ssl sslcertck sslcertfile "%s"\n' \
		"$SPORT" "$T/cert.pem" > "$T/fm/rc2"
	chmod 600 "$T"/fm/rc*
	run env HOME="$T/fm" fetchmail -f "$T/fm/rc1" --mda "/bin/sh -c 'cat >> $T/fm/out1'" --nokeep -v
	status_is 0
	[ "$(grep -c '^Subject: m' "$T/fm/out1")" -eq 2 ]
	[ "$(new_count "$MD")" -eq 0 ]
	grep -q 'STLS' <<< "$output"
	fill 1
	run env HOME="$T/fm" fetchmail -f "$T/fm/rc2" --mda "/bin/sh -c 'cat >> $T/fm/out2'" --nokeep
	status_is 0
	[ "$(grep -c '^Subject: m' "$T/fm/out2")" -eq 1 ]
	[ "$(new_count "$MD")" -eq 0 ]
}

@test "two sessions on one mailbox: the second gets -ERR [IN-USE]" {
	conf pop3_plaintext_auth yes
	fill 1
	start_pop3d
	# the first session holds the mailbox long enough for a second login
	# (two password hashes) on a loaded machine; it is stopped after
	pyp hold "$PORT" plain 20 > "$T/hold.out" &
	holder=$!
	track $holder
	for i in $(seq 100); do [ -s "$T/hold.out" ] && break; sleep 0.1; done
	[ -s "$T/hold.out" ]
	run pyp raw "$PORT" "USER ann@test.example" "PASS secret" QUIT
	stop_bg "$holder"
	echo "$output" >&2; cat "$T/hold.out" >&2
	[ "${lines[2]}" = "-ERR [IN-USE] the mailbox is in use by another session" ]
}

@test "a dropped session deletes nothing; QUIT from the transaction state does" {
	conf pop3_plaintext_auth yes
	fill 3
	start_pop3d
	run pyp drop "$PORT" plain
	[ "$output" = 3 ]
	sleep 0.3
	[ "$(new_count "$MD")" -eq 3 ]
	run inetd "USER ann" "PASS secret" "DELE 1" "DELE 2"
	[ "$(new_count "$MD")" -eq 3 ]
}

@test "new mail during a session does not disturb it; a message removed underneath is -ERR" {
	conf pop3_plaintext_auth yes
	fill 2
	first=$(ls "$MD"/new | sort | head -n1)
	{
		printf 'USER ann\r\nPASS secret\r\n'
		sleep 1.5   # room for fill and rm below on a loaded machine
		printf 'STAT\r\nRETR 1\r\nRETR 2\r\nDELE 2\r\nQUIT\r\n'
	} | "$PB" pop3d > "$T/out" 2>/dev/null &
	pid=$!
	sleep 0.2
	fill 1
	rm "$MD/new/$first"
	wait $pid
	tr -d '\r' < "$T/out" > "$T/out.txt"
	grep -qx '+OK 2 130' "$T/out.txt"
	grep -qx -- '-ERR message 1 is gone (removed by someone else)' "$T/out.txt"
	grep -qx '+OK bye (1 messages removed)' "$T/out.txt"
	[ "$(new_count "$MD")" -eq 1 ]
	grep -q 'Subject: m1' "$MD"/new/*   # the one that arrived during the session
}

@test "UIDs are stable across sessions and when a reader moves mail to cur/" {
	conf pop3_plaintext_auth yes
	fill 3
	start_pop3d
	run pyp uidl "$PORT" plain
	before="$output"
	f=$(ls "$MD/new" | sort | sed -n 2p)
	mv "$MD/new/$f" "$MD/cur/$f:2,S"
	run pyp uidl "$PORT" plain
	[ "$output" = "$before" ]
	[[ "$before" == *"2 ${f%%:*}"* ]]
	# a flagged-trashed message is not offered
	mv "$MD/cur/$f:2,S" "$MD/cur/$f:2,ST"
	run pyp uidl "$PORT" plain
	[ "${#lines[@]}" -eq 2 ]
}

@test "pop3_keep_mail: DELE leaves the message in cur/ with the seen flag" {
	conf pop3_plaintext_auth yes
	conf pop3_keep_mail yes
	fill 2
	run inetd "USER ann" "PASS secret" "RETR 1" "DELE 1" QUIT
	[ "${lines[-1]}" = "+OK bye (1 messages kept as seen)" ]
	[ "$(new_count "$MD")" -eq 1 ]
	ls "$MD/cur" | grep -q ':2,S$'
	run inetd "USER ann" "PASS secret" STAT QUIT
	[ "${lines[3]}" = "+OK 2 130" ]
}

@test "maildirsize: QUIT after DELE appends the negative line; without the file none is made" {
	conf pop3_plaintext_auth yes
	conf mailbox_quota 1m
	fill 3
	s1=$(stat -c %s "$(grep -l '^Subject: m1$' "$MD"/new/*)")
	s3=$(stat -c %s "$(grep -l '^Subject: m3$' "$MD"/new/*)")
	[ "$(wc -l < "$MD/maildirsize")" -eq 5 ]
	run inetd "USER ann" "PASS secret" "DELE 1" "DELE 3" QUIT
	[ "${lines[-1]}" = "+OK bye (2 messages removed)" ]
	[ "$(wc -l < "$MD/maildirsize")" -eq 6 ]
	[ "$(tail -n1 "$MD/maildirsize")" = "-$((s1 + s3)) -2" ]
	# the sum is what a scan finds: a recalculation gives the same usage
	sum=$(awk 'NR > 1 { b += $1; c += $2 } END { print b, c }' "$MD/maildirsize")
	touch -d '20 minutes ago' "$MD/maildirsize"
	fill 1
	[ "$(sed -n 2p "$MD/maildirsize")" = "$sum" ]
	# a dropped session appends nothing; no file, none is made
	cp "$MD/maildirsize" "$T/before"
	run inetd "USER ann" "PASS secret" "DELE 1"
	cmp "$MD/maildirsize" "$T/before"
	rm "$MD/maildirsize"
	run inetd "USER ann" "PASS secret" "DELE 1" QUIT
	[ "${lines[-1]}" = "+OK bye (1 messages removed)" ]
	[ ! -e "$MD/maildirsize" ]
}

@test "a mailbox of 10,000 messages" {
	conf pop3_plaintext_auth yes
	mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
	/usr/bin/python3 - "$MD/new" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(10000):
    body = b"Subject: n%d\n\nmessage %d\n" % (i, i)
    name = "%d.M%dP1Q%d.test,S=%d,W=%d" % (1700000000 + i, i, i, len(body), len(body) + 3)
    with open(os.path.join(d, name), "wb") as f:
        f.write(body)
PY
	start_pop3d
	run pyp list-count "$PORT" plain
	status_is 0
	read -r n nl nu subj secs <<< "$output"
	[ "$n" -eq 10000 ] && [ "$nl" -eq 10000 ] && [ "$nu" -eq 10000 ] && [ "$subj" -eq 1 ]
	echo "10,000 messages: STAT+LIST+UIDL+RETR in $secs s" >&3
}

@test "a 50 MB message is retrieved byte-identical after CRLF conversion" {
	conf pop3_plaintext_auth yes
	conf max_message_size 100M
	{ printf 'Subject: big\n\n'; head -c 37000000 /dev/urandom | base64 | sed 's/^A/./'; } > "$T/big"
	pb deliver "$MD/" < "$T/big"
	f=$(ls "$MD"/new/*)
	start_pop3d
	want=$(pyp file-hash 0 "$f")
	run pyp retr-hash "$PORT" plain 1
	status_is 0
	[ "$output" = "$want" ] || { echo "got $output want $want"; false; }
}

@test "autologout: an idle session is closed and deletes nothing" {
	conf pop3_plaintext_auth yes
	conf pop3_timeout 1s
	fill 1
	{ printf 'USER ann\r\nPASS secret\r\nDELE 1\r\n'; sleep 3; } | "$PB" pop3d > "$T/out" 2>/dev/null || true
	tr -d '\r' < "$T/out" | grep -qx -- '-ERR autologout: idle for too long'
	[ "$(new_count "$MD")" -eq 1 ]
}

@test "session caps per address, and the PROXY protocol v1 and v2" {
	conf pop3_plaintext_auth yes
	conf pop3_max_per_ip 2
	fill 1
	start_pop3d
	# two sessions open (one logged in, one at the greeting) before the third
	# knocks, however slow the machine (an ASan build): the holder is stopped
	pyp hold "$PORT" plain 20 > "$T/hold.out" &
	holder=$!
	track $holder
	for i in $(seq 100); do [ -s "$T/hold.out" ] && break; sleep 0.1; done
	[ -s "$T/hold.out" ]
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 greet <&7
	run pyp raw "$PORT" QUIT
	stop_bg "$holder"
	[ "${lines[0]}" = "-ERR [SYS/TEMP] too many sessions from your address, try again later" ]
	exec 7>&-
	stop_bg "$POP3D_PID"
	start_pop3d -P
	# the header comes before the greeting, the client's commands right behind it
	/usr/bin/python3 - "$PORT" <<'PY'
import socket, struct, sys
def session(hdr):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
    s.sendall(hdr + b"USER ann\r\nPASS secret\r\nQUIT\r\n")
    try:
        return s.makefile("rb").read()
    except ConnectionResetError:  # closed with our commands unread: RST, not FIN
        return b""
v2 = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x11]) + struct.pack("!H", 12)
v2 += socket.inet_aton("198.51.100.9") + socket.inet_aton("192.0.2.1") + struct.pack("!HH", 5555, 110)
for hdr in (b"PROXY TCP4 203.0.113.7 192.0.2.1 4444 110\r\n", v2):
    data = session(hdr)
    assert data.startswith(b"+OK postbox"), data
    assert b"+OK bye" in data, data
assert session(b"NOT A PROXY HEADER\r\n") == b""
assert session(b"PROXY TCP4 999.0.0.1 192.0.2.1 1 2\r\n") == b""
PY
	grep -q 'client=203.0.113.7' "$T/pop3d.log"
	grep -q 'client=198.51.100.9' "$T/pop3d.log"
}

@test "pop3_max_sessions is answered with -ERR [SYS/TEMP]; SIGHUP changes the caps" {
	conf pop3_max_sessions 1
	conf pop3_timeout 5s # SIGTERM waits for the held session: bound it
	start_pop3d
	sleep 0.3 # wait_port's own session must be gone
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 greet <&7
	[ "$greet" = $'+OK postbox POP3 server ready\r' ]
	run pyp raw "$PORT" QUIT
	[ "${lines[0]}" = "-ERR [SYS/TEMP] too many sessions, try again later" ]
	grep -q 'client=127.0.0.1 event=refused reason=max_sessions sessions=1' "$T/pop3d.log"
	sed -i 's/^pop3_max_sessions = .*/pop3_max_sessions = 2/' "$POSTBOX_CONFIG"
	kill -HUP "$POP3D_PID"
	for i in $(seq 50); do grep -q 'pop3d reloaded' "$T/pop3d.log" && break; sleep 0.1; done
	run pyp raw "$PORT" QUIT
	[ "${lines[0]}" = "+OK postbox POP3 server ready" ] && [ "${lines[1]}" = "+OK bye" ]
	printf 'QUIT\r\n' >&7
	read -r -t 5 bye <&7
	[ "$bye" = $'+OK bye\r' ]
	exec 7>&-
}

@test "SIGTERM: no new sessions, the running one finishes, then exit 0; a second SIGTERM ends the wait" {
	conf pop3_plaintext_auth yes
	conf pop3_timeout 5s
	fill 2
	start_pop3d
	/usr/bin/python3 - "$PORT" "$POP3D_PID" > "$T/out" <<'PY'
import os, poplib, signal, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
p = poplib.POP3("127.0.0.1", port, timeout=10)
p.user("ann@test.example"); p.pass_("secret")
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
try:
    socket.create_connection(("127.0.0.1", port), timeout=2); print("new connection accepted")
except OSError:
    print("new connection refused")
os.kill(pid, 0); print("parent waits")
print(p.stat()[0])
p.dele(1)
print(p.quit().decode())
PY
	[ "$(cat "$T/out")" = $'new connection refused\nparent waits\n2\n+OK bye (1 messages removed)' ] || { cat "$T/out"; false; }
	for i in $(seq 50); do kill -0 "$POP3D_PID" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$POP3D_PID" 2>/dev/null
	wait "$POP3D_PID"
	[ "$(new_count "$MD")" -eq 1 ]
	# a session that does not end: a second SIGTERM stops the parent's wait,
	# and the session goes on alone
	start_pop3d
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 greet <&7
	kill -TERM "$POP3D_PID"
	sleep 0.5
	kill -0 "$POP3D_PID"
	kill -TERM "$POP3D_PID"
	for i in $(seq 50); do kill -0 "$POP3D_PID" 2>/dev/null || break; sleep 0.1; done
	! kill -0 "$POP3D_PID" 2>/dev/null
	wait "$POP3D_PID"
	printf 'QUIT\r\n' >&7
	read -r -t 5 bye <&7
	[ "$bye" = $'+OK bye\r' ]
	exec 7>&-
}

@test "inetd mode under a real super-server (tcpserver): poplib fetches, the peer is known" {
	command -v tcpserver >/dev/null || skip "ucspi-tcp not installed"
	conf pop3_plaintext_auth yes
	fill 2
	PORT=$(free_port)
	start_tcpserver "$PORT" "$T/pop3d.log" "$PB" pop3d -C "$POSTBOX_CONFIG"
	mkdir "$T/got"
	run pyp fetch-all "$PORT" plain "$T/got"
	status_is 0
	[ "${lines[1]}" = 2 ]
	[ "$(new_count "$MD")" -eq 0 ]
	grep -q 'pop3 login user=ann@test.example client=127.0.0.1 ' "$T/pop3d.log"
	# implicit TLS in inetd mode (-t)
	server_cert localhost
	fill 1
	SPORT=$(free_port)
	start_tcpserver "$SPORT" "$T/pop3d.log" "$PB" pop3d -t -C "$POSTBOX_CONFIG"
	run pyp uidl "$SPORT" ssl
	status_is 0
	[ "${#lines[@]}" -eq 1 ]
}

@test "getmail retrieves over implicit TLS into a Maildir, deleting on the server" {
	command -v getmail >/dev/null || skip "getmail not installed"
	server_cert localhost
	fill 3
	start_pop3d_tls
	mkdir -p "$T/gm/Maildir"/{new,cur,tmp}
	cat > "$T/gm/rc" <<RC
[retriever]
type = SimplePOP3SSLRetriever
server = localhost
port = $SPORT
username = ann@test.example
password = secret
ca_certs = $T/cert.pem
ssl_cert_hostname = localhost

[destination]
type = Maildir
path = $T/gm/Maildir/

[options]
delete = true
read_all = true
RC
	# getmail will not deliver as root
	chmod 755 "$T" && chmod 644 "$T/cert.pem" && chown -R nobody "$T/gm"
	run as_nobody getmail --getmaildir "$T/gm" --rcfile "$T/gm/rc"
	status_is 0
	[ "$(new_count "$T/gm/Maildir")" -eq 3 ]
	[ "$(new_count "$MD")" -eq 0 ]
	grep -l 'Subject: m2' "$T"/gm/Maildir/new/* | xargs grep -qx '.leading dot'
}

@test "pop3_user: the server gives up root once listening; sessions run as that user" {
	conf pop3_plaintext_auth yes
	conf pop3_user nobody
	fill 1
	chmod 755 "$T" "$T/mail"
	chown -R nobody "$T/mail/ann"
	chmod 644 "$T/users"
	start_pop3d
	for i in $(seq 50); do grep -q '^Uid:[[:space:]]*65534' "/proc/$POP3D_PID/status" && break; sleep 0.02; done
	grep -q '^Uid:[[:space:]]*65534' "/proc/$POP3D_PID/status"
	run pyp uidl "$PORT" plain
	status_is 0
	[ "${#lines[@]}" -eq 1 ]
	# a mailbox that user may not read: a clean -ERR, not a crash
	chown -R root "$T/mail/ann" && chmod 700 "$T/mail/ann/Maildir"
	run pyp raw "$PORT" "USER ann@test.example" "PASS secret" QUIT
	[ "${lines[2]}" = "-ERR [SYS/TEMP] cannot open the mailbox" ]
}

@test "SIGHUP reloads the configuration for new sessions; a broken one is not taken" {
	start_pop3d
	run pyp raw "$PORT" CAPA QUIT
	! printf '%s\n' "${lines[@]}" | grep -qx USER || false
	conf pop3_plaintext_auth yes
	kill -HUP "$POP3D_PID"
	for i in $(seq 50); do grep -q 'pop3d reloaded' "$T/pop3d.log" && break; sleep 0.1; done
	run pyp raw "$PORT" CAPA QUIT
	printf '%s\n' "${lines[@]}" | grep -qx USER
	echo 'no_such_key = 1' >> "$POSTBOX_CONFIG"
	kill -HUP "$POP3D_PID"
	for i in $(seq 50); do grep -q 'keeping the running configuration' "$T/pop3d.log" && break; sleep 0.1; done
	grep -q 'no_such_key' "$T/pop3d.log"
	run pyp raw "$PORT" CAPA QUIT
	printf '%s\n' "${lines[@]}" | grep -qx USER
}

@test "the login delay keeps growing across reconnections from one address" {
	conf pop3_plaintext_auth yes
	start_pop3d
	times=()
	for i in 1 2 3; do
		run pyp login-time "$PORT" ann@test.example wrong
		read -r t r <<< "$output"
		[ "$r" = "-ERR [AUTH] authentication failed" ]
		times+=("$t")
		sleep 0.2   # the listener learns of the finished session
	done
	/usr/bin/python3 -c '
import sys
a, b, c = map(float, sys.argv[1:])
sys.exit(0 if 0.45 <= a < 0.9 and 0.95 <= b < 1.4 and 1.45 <= c < 1.9 else 1)' "${times[@]}" || { echo "delays ${times[*]}"; false; }
}

@test "inetd mode under xinetd, configured like scripts/examples/pop3d.xinetd" {
	command -v xinetd >/dev/null || skip "xinetd not installed"
	conf pop3_plaintext_auth yes
	fill 2
	PORT=$(free_port)
	# the example's service block, on a test port; no environment is passed
	sed -n '/^service pop3$/,/^}/p' "$ROOT/scripts/examples/pop3d.xinetd" |
		sed "s|^service pop3|service pop3test|; s|^{|{\n\ttype = UNLISTED\n\tport = $PORT\n\tbind = 127.0.0.1\n\tpassenv =|;
		     s|/usr/local/sbin/postbox|$PB|; s|/etc/postbox/postbox.conf|$POSTBOX_CONFIG|" > "$T/xinetd.conf"
	grep -q "server_args = pop3d -C $POSTBOX_CONFIG" "$T/xinetd.conf"
	serve "$PORT" "$T/xinetd.log" xinetd -f "$T/xinetd.conf" -dontfork -pidfile "$T/xinetd.pid"
	mkdir "$T/got"
	run pyp fetch-all "$PORT" plain "$T/got"
	status_is 0
	[ "${lines[1]}" = 2 ] && [ "$(new_count "$MD")" -eq 0 ]
}

@test "a stalled TLS handshake or a silent client is dropped at the timeout" {
	server_cert localhost
	conf pop3_timeout 1s
	start_pop3d_tls
	SECONDS=0
	/usr/bin/python3 - "$SPORT" "$PORT" <<'PY'
import socket, sys
# implicit TLS: half a ClientHello, then silence
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
assert s.recv(100) == b""
# STLS accepted, then no handshake at all
s = socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10)
f = s.makefile("rb")
f.readline()
s.sendall(b"STLS\r\n")
assert f.readline().startswith(b"+OK")
assert s.recv(100) == b""
PY
	[ "$SECONDS" -lt 8 ]
	grep -q 'TLS handshake timed out' "$T/pop3d.log"
}

@test "inetd mode with the socket as stderr too: no log line or error reaches the client" {
	conf pop3_plaintext_auth yes
	export PB ROOT POSTBOX_LOG=stderr
	run bash -c 'printf "USER ann\r\nPASS wrong\r\nQUIT\r\n" | /usr/bin/python3 "$ROOT/tests/unix_pair.py" --stderr "$PB" pop3d'
	[ "$status" -eq 0 ]
	# exactly the four replies: before, the login warning came in between
	diff <(tr -d '\r' <<<"$output") <(printf '%s\n' '+OK postbox POP3 server ready' '+OK send PASS' \
		'-ERR [AUTH] authentication failed' '+OK bye')
}

@test "a failed login's user name is logged as one token: CR, LF, quotes, spaces and UTF-8 cannot forge a line" {
	conf pop3_plaintext_auth yes
	ir=$(printf '\0a "b"\r\nforged=yes \xc3\xbc@test.example\0wrong' | base64 -w0)
	run inetd "AUTH PLAIN $ir" QUIT
	[ "${lines[1]}" = "-ERR [AUTH] authentication failed" ]
	grep -Ex 'pop3d: warning: pop3 login failed user=a\\x20\\x22b\\x22\\x0d\\x0aforged=yes\\x20\\xc3\\xbc@test\.example client=[^ ]+ failures=1 address-failures=[0-9]+' "$T/inetd.log"
	# no line begins with what the name tried to forge
	! grep -q '^forged' "$T/inetd.log" || false
}
