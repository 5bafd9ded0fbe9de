#!/usr/bin/env bats
# smtpd standalone (-l) and under real super-servers, with real clients:
# swaks, Python's smtplib, curl, tcpserver, xinetd.

load helpers
load servers_helpers
load smtpd_helpers

@test "swaks: a plain message, and one with PIPELINING" {
	start_smtpd
	run swaks_send u@test.example
	[ "$status" -eq 0 ]
	[[ "$output" == *"<-  250 2.0.0 Ok: queued as"* ]]
	run swaks_send v@test.example --pipeline
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 2 ]
	grep -q 'from client.example (\[127.0.0.1\])' "$SPOOL"/queue/*.msg
}

@test "Python smtplib: several recipients, one refused, one message queued" {
	conf relay_networks 10.0.0.0/8
	start_smtpd
	run /usr/bin/python3 - "$PORT" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10)
refused = s.sendmail("a@client.example", ["u@test.example", "x@far.example", "v@test.example"],
                     b"Subject: py\r\n\r\nhello from smtplib\r\n")
print(refused)
s.quit()
PY
	[ "$status" -eq 0 ]
	[[ "$output" == *"'x@far.example': (554, b'5.7.1"* ]]
	[ "$(queue_count)" -eq 1 ]
	[ "$(grep -c '^rcpt ' "$SPOOL"/queue/*.env)" -eq 2 ]
}

@test "curl's SMTP client uploads a message" {
	start_smtpd
	printf 'Subject: curl\r\n\r\nsent by curl\r\n' > "$T/m"
	run curl -sS --max-time 10 "smtp://127.0.0.1:$PORT" --mail-from a@client.example \
		--mail-rcpt u@test.example -T "$T/m"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	grep -qx 'sent by curl' "$SPOOL"/queue/*.msg
}

@test "IPv6 listener" {
	PORT=$(free_port)
	spawn "$T/smtpd.log" "$PB" smtpd -l "[::1]:$PORT"
	wait_port "$PORT" ::1
	run /usr/bin/python3 -c '
import smtplib, sys
s = smtplib.SMTP("::1", int(sys.argv[1]), timeout=10)
s.sendmail("a@client.example", ["u@test.example"], b"Subject: v6\r\n\r\nx\r\n"); s.quit()' "$PORT"
	[ "$status" -eq 0 ]
	grep -q '^client ::1$' "$SPOOL"/queue/*.env
}

@test "200 parallel sessions all get their message queued" {
	conf max_sessions_per_ip 300
	start_smtpd
	run /usr/bin/python3 - "$PORT" <<'PY'
import smtplib, sys, threading
port = int(sys.argv[1]); ok = []
def one(i):
    s = smtplib.SMTP("127.0.0.1", port, timeout=30)
    s.sendmail("a@client.example", ["u@test.example"], b"Subject: %d\r\n\r\nbody\r\n" % i)
    s.quit(); ok.append(i)
ts = [threading.Thread(target=one, args=(i,)) for i in range(200)]
[t.start() for t in ts]; [t.join() for t in ts]
print(len(ok))
PY
	[ "$output" = 200 ]
	[ "$(queue_count)" -eq 200 ]
	[ -z "$(ls "$SPOOL/tmp")" ]
}

@test "a 50 MB message is stored byte-identical (CRLF to LF, dots unstuffed)" {
	start_smtpd
	/usr/bin/python3 - "$T/big" <<'PY'
import base64, os, sys
# smtplib sends bytes as they are (only dot-stuffed): give it CRLF
with open(sys.argv[1], "wb") as f, open(sys.argv[1] + ".crlf", "wb") as g:
    f.write(b"Subject: big\n\n"); g.write(b"Subject: big\r\n\r\n")
    raw = base64.b64encode(os.urandom(38 * 1024 * 1024))
    for i in range(0, len(raw), 76):
        line = (b"." if i % 7600 == 0 else b"") + raw[i:i + 76]
        f.write(line + b"\n"); g.write(line + b"\r\n")
PY
	[ "$(stat -c %s "$T/big")" -gt 50000000 ]
	run /usr/bin/python3 - "$PORT" "$T/big" <<'PY'
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=60)
s.sendmail("a@client.example", ["u@test.example"], open(sys.argv[2] + ".crlf", "rb").read())
s.quit()
PY
	[ "$status" -eq 0 ]
	strip_received "$SPOOL"/queue/*.msg | cmp - "$T/big"
}

@test "max_sessions_per_ip and max_sessions: 421 4.7.0, and service resumes" {
	conf max_sessions_per_ip 2
	start_smtpd
	sleep 0.3 # wait_port's own connection must be gone
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 g5 <&5; read -r -t 5 g6 <&6
	[[ "$g5" == 220* && "$g6" == 220* ]]
	smtp_tcp 'QUIT\r\n'
	has_reply '421 4.7.0 test.example Error: too many sessions from your address'
	exec 5>&- 6>&-
	sleep 0.3
	smtp_tcp "${HELLO}${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	kill $SMTPD_PID
	conf max_sessions 1
	conf max_sessions_per_ip 0
	start_smtpd
	sleep 0.3
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 g5 <&5
	smtp_tcp 'QUIT\r\n'
	has_reply '421 4.7.0 test.example Error: too many sessions, try again later'
	exec 5>&-
}

@test "SIGTERM: listeners close, a session in progress still completes" {
	start_smtpd
	/usr/bin/python3 - "$PORT" "$SMTPD_PID" > "$T/out" <<'PY' &
import os, signal, smtplib, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
s = smtplib.SMTP("127.0.0.1", port, timeout=10)
s.ehlo("client.example")
os.kill(pid, signal.SIGTERM)
time.sleep(0.5)
try:
    socket.create_connection(("127.0.0.1", port), timeout=2); print("new connection accepted")
except OSError:
    print("new connection refused")
s.sendmail("a@client.example", ["u@test.example"], b"Subject: late\r\n\r\nx\r\n")
s.quit()
print("sent")
PY
	track $!
	wait $!
	cat "$T/out"
	grep -qx 'new connection refused' "$T/out"
	grep -qx sent "$T/out"
	[ "$(queue_count)" -eq 1 ]
	for i in $(seq 50); do kill -0 $SMTPD_PID 2>/dev/null || break; sleep 0.1; done
	! kill -0 $SMTPD_PID 2>/dev/null || false
}

@test "SIGHUP reloads the configuration" {
	start_smtpd
	smtp_tcp 'QUIT\r\n'
	has_reply '220 test.example '
	sed -i 's/^hostname = .*/hostname = reloaded.example/' "$POSTBOX_CONFIG"
	kill -HUP $SMTPD_PID
	sleep 0.3
	smtp_tcp 'QUIT\r\n'
	has_reply '220 reloaded.example '
	# a broken file is refused and the old configuration stays
	echo 'no_such_key = 1' >> "$POSTBOX_CONFIG"
	kill -HUP $SMTPD_PID
	sleep 0.3
	smtp_tcp 'QUIT\r\n'
	has_reply '220 reloaded.example '
	grep -q 'event=reload-failed' "$T/smtpd.log"
}

@test "started as root with a spool owned by nobody: sessions run as nobody" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	nobody_spool
	start_smtpd
	[ "$(awk '/^Uid:/ {print $2}' /proc/$SMTPD_PID/status)" = "$(id -u nobody)" ]
	smtp_tcp "${HELLO}${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	[ "$(stat -c %U "$SPOOL"/queue/*.msg)" = nobody ]
}

@test "inetd mode under tcpserver (ucspi-tcp): client address from TCPREMOTEIP, pipelined bytes kept" {
	command -v tcpserver >/dev/null || skip "no tcpserver"
	PORT=$(free_port)
	start_tcpserver "$PORT" "$T/smtpd.log" "$PB" smtpd
	# everything in one write, right behind the connection
	smtp_tcp "${HELLO}${ENV}DATA\r\nvia tcpserver\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	grep -qx 'client 127.0.0.1' "$SPOOL"/queue/*.env
	run swaks_send
	[ "$status" -eq 0 ]
}

@test "inetd mode under xinetd" {
	command -v xinetd >/dev/null || skip "no xinetd"
	PORT=$(free_port)
	cat > "$T/xinetd.conf" <<XI
service postbox-smtp
{
	type        = UNLISTED
	socket_type = stream
	protocol    = tcp
	wait        = no
	user        = root
	bind        = 127.0.0.1
	port        = $PORT
	server      = $PB
	server_args = smtpd -C $POSTBOX_CONFIG
	log_type    = FILE $T/xinetd.log
}
XI
	serve "$PORT" "$T/smtpd.log" xinetd -dontfork -f "$T/xinetd.conf" -pidfile "$T/xinetd.pid"
	run swaks_send
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	grep -qx 'client 127.0.0.1' "$SPOOL"/queue/*.env
}

@test "1000 idle sessions are held while a new client is served promptly" {
	conf max_sessions 1100
	conf max_sessions_per_ip 1100
	# Past 880 sessions (80% of the cap) stress mode gives new ones
	# stress_timeout; under ASan, opening the rest took longer than its
	# 10 s and the first stressed sessions were rightly closed (991 left).
	# Stress mode has its own test (dos.bats): here the sessions must
	# outlast the test itself.
	conf stress_timeout 2m
	start_smtpd
	ulimit -n 4096
	/usr/bin/python3 - "$PORT" "$SMTPD_PID" "$T/mem" <<'PY'
import os, smtplib, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
socks = []
for i in range(1000):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    socks.append(s)
for s in socks:
    assert s.recv(100).startswith(b"220 ")
t = time.time()
c = smtplib.SMTP("127.0.0.1", port, timeout=10)
c.sendmail("a@client.example", ["u@test.example"], b"Subject: x\r\n\r\nx\r\n")
c.quit()
took = time.time() - t
kids = [int(k) for k in open("/proc/%d/task/%d/children" % (pid, pid)).read().split()]
priv = pss = 0
live = []
for k in kids:
    try:
        lines = open("/proc/%d/smaps_rollup" % k).readlines()
    except OSError:
        continue  # a session that just ended
    live.append(k)
    for line in lines:
        f = line.split()
        if f[0] in ("Private_Clean:", "Private_Dirty:"): priv += int(f[1])
        if f[0] == "Pss:": pss += int(f[1])
with open(sys.argv[3], "w") as m:
    m.write("sessions=%d private_kib_per_session=%.0f pss_kib_per_session=%.0f new_client_s=%.3f\n"
            % (len(live), priv / len(live), pss / len(live), took))
assert len(live) >= 1000, len(live)
assert took < 2, took
PY
	cat "$T/mem" >&3
	[ "$(queue_count)" -eq 1 ]
}

@test "PROXY protocol v1 and v2 on a proxy listener: the real client address counts" {
	start_smtpd ,proxy
	smtp_tcp "PROXY TCP4 192.0.2.7 127.0.0.1 40000 $PORT\r\n${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<far@elsewhere.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply '554 5.7.1'
	has_reply "$QUEUED"
	grep -qx 'client 192.0.2.7' "$SPOOL"/queue/*.env
	rm -f "$SPOOL"/queue/*
	/usr/bin/python3 - "$PORT" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
hdr = b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x21]) + struct.pack(">H", 36) \
    + socket.inet_pton(socket.AF_INET6, "2001:db8::42") + socket.inet_pton(socket.AF_INET6, "::1") + b"\x9c\x40\x00\x19"
s.sendall(hdr + b"EHLO c.example\r\nMAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n")
while s.recv(4096): pass
PY
	grep -qx 'client 2001:db8::42' "$SPOOL"/queue/*.env
	# no header, or a bad one: the session is dropped, the server goes on
	smtp_tcp "EHLO x\r\n"
	! has_reply '250' 2>/dev/null || false
	smtp_tcp "PROXY TCP4 192.0.2.7 127.0.0.1 40000 $PORT\r\nQUIT\r\n"
	has_reply '221 2.0.0'
}

@test "make run's demo: submission with STARTTLS+AUTH, the queue, deliver, POP3 and IMAP in one round trip" {
	export POSTBOX_DEMO_DIR="$T/demo" POSTBOX_DEMO_ONESHOT=1
	export SMTP_PORT=$(free_port) SUBMISSION_PORT=$(free_port) SMTPS_PORT=$(free_port)
	export POP3_PORT=$(free_port) POP3S_PORT=$(free_port) IMAP_PORT=$(free_port) IMAPS_PORT=$(free_port)
	run timeout 60 "$ROOT/scripts/run"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"password: "* ]]
	[[ "$output" == *"It went through smtpd, the queue, deliver and pop3d."* ]]
	# read back twice: over POP3, then over IMAP
	[ "$(grep -c 'It went through smtpd, the queue, deliver and pop3d.' <<<"$output")" -eq 2 ]
	grep -q 'authenticated as demo@demo.postbox.test' "$T"/demo/mail/demo/Maildir/*/*
	# the demo stopped everything it started
	! (exec 3<>"/dev/tcp/127.0.0.1/$SUBMISSION_PORT") 2>/dev/null || false
}

@test "sendmail -bs is one SMTP session on stdin/stdout" {
	run bash -c "printf 'EHLO me\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: bs\r\n\r\nx\r\n.\r\nQUIT\r\n' | '$PB' sendmail -bs"
	[[ "$output" == *"250 2.0.0 Ok: queued as "* ]]
	[ "$(queue_count)" -eq 1 ]
	grep -qx 'client local' "$SPOOL/queue/$(queue_ids).env"
}

@test "inetd mode with implicit TLS under tcpserver (-o tls)" {
	command -v tcpserver >/dev/null || skip "no tcpserver"
	server_cert test.example
	PORT=$(free_port)
	start_tcpserver "$PORT" "$T/smtpd.log" "$PB" smtpd -o tls
	run swaks_send u@test.example --tls-on-connect
	[ "$status" -eq 0 ]
	grep -q 'with ESMTPS id' "$SPOOL"/queue/*.msg
}

@test "usage errors: --help, unknown options, bad listeners (64), a port in use (69)" {
	run "$PB" smtpd --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: smtpd"* ]]
	run "$PB" smtpd -x
	[ "$status" -eq 64 ]
	run "$PB" smtpd -l nonsense
	[ "$status" -eq 64 ]
	run "$PB" smtpd -l "127.0.0.1:$(free_port),bogus"
	[ "$status" -eq 64 ]
	run "$PB" smtpd -o bogus < /dev/null
	[ "$status" -eq 64 ]
	start_smtpd
	run "$PB" smtpd -l "127.0.0.1:$PORT"
	[ "$status" -eq 69 ]
	[[ "$output" == *"127.0.0.1:$PORT: bind: Address already in use"* ]]
}

@test "smtpd_reverse_dns: Received names the client by its confirmed PTR name" {
	conf smtpd_reverse_dns yes
	start_smtpd
	smtp_tcp "${HELLO}${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	name=$(getent hosts 127.0.0.1 | awk '{print $2}')
	[ -n "$name" ] || skip "no name for 127.0.0.1 in this system"
	grep -q "^Received: from client.example ($name \[127.0.0.1\])\$" "$SPOOL"/queue/*.msg
}
