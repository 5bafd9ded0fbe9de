#!/usr/bin/env bats
# More than one machine, on loopback: HAProxy (send-proxy-v2) in front of
# two smtpd and two pop3d instances. Each smtpd has its own spool (a queue
# is never shared); both deliver into one mailbox store that both pop3d
# serve. Clients connect from 127.0.0.7, .8 and .9, never from HAProxy's
# own 127.0.0.1, so the servers can only get the real address from the
# PROXY header.

load helpers
load servers_helpers

CLIENT="$ROOT/tests/haproxy_client.py"

client() { /usr/bin/python3 "$CLIENT" "$@"; }

# An instance's configuration: $T/NAME.conf with hostname NAME.test.example
# and spool $T/NAME.spool, and what every instance shares.
instance_conf() {
	cat > "$T/$1.conf" <<CONF
hostname = $1.test.example
spool = $T/$1.spool
local_domains = test.example
users = $T/users
tls_cert = $T/cert.pem
tls_key = $T/key.pem
relay_networks = 127.0.0.9/32
smtpd_connection_rate_limit = 2
smtpd_message_rate_limit = 0
CONF
}

suite_setup() {
	command -v haproxy >/dev/null ||
		skip "haproxy is not installed (Debian package haproxy; scripts/deps installs it)"
	export PB T
	declare -gA SMTP POP # ports by instance
	h=$(printf 'secret\n' | pb passwd -m sha512)
	mkdir -p "$T/mail/ann"
	printf 'ann@test.example:%s:%s/mail/ann/Maildir/\n' "$h" "$T" > "$T/users"
	new_cert test.example "$T/cert.pem" "$T/key.pem" "DNS:test.example,IP:127.0.0.1"
	local n
	for n in mx1 mx2; do
		instance_conf "$n"
		SMTP[$n]=$(free_port)
		spawn "$T/$n.smtpd.log" "$PB" smtpd -C "$T/$n.conf" -l "127.0.0.1:${SMTP[$n]},proxy"
		POP[$n]=$(free_port)
		spawn "$T/$n.pop3d.log" "$PB" pop3d -C "$T/$n.conf" -l "127.0.0.1:${POP[$n]}" -P
		wait_until client probe 127.0.0.8 "${SMTP[$n]}"
		wait_until client probe 127.0.0.8 "${POP[$n]}"
	done
	FRONT_SMTP=$(free_port) FRONT_POP=$(free_port)
	# The configuration the README shows, with loopback ports. No health
	# checks: each would be a session in the logs.
	cat > "$T/haproxy.cfg" <<CFG
global
    maxconn 2000

defaults
    mode tcp
    timeout connect 5s
    timeout client 1m
    timeout server 1m

frontend smtp
    bind 127.0.0.1:$FRONT_SMTP
    default_backend smtpd

backend smtpd
    balance roundrobin
    server mx1 127.0.0.1:${SMTP[mx1]} send-proxy-v2
    server mx2 127.0.0.1:${SMTP[mx2]} send-proxy-v2

frontend pop3
    bind 127.0.0.1:$FRONT_POP
    default_backend pop3d

backend pop3d
    balance roundrobin
    server pop1 127.0.0.1:${POP[mx1]} send-proxy-v2
    server pop2 127.0.0.1:${POP[mx2]} send-proxy-v2
CFG
	spawn "$T/haproxy.log" haproxy -db -f "$T/haproxy.cfg"
	wait_until client probe 127.0.0.8 "$FRONT_SMTP"
	wait_until client probe 127.0.0.8 "$FRONT_POP"
}

# Lines naming a client address in LOG that name one other than the real
# clients' (HAProxy's 127.0.0.1 above all).
wrong_clients() { grep -E 'client=' "$1" | grep -Ev 'client=127\.0\.0\.[789]( |$)' || true; }

@test "HAProxy send-proxy-v2 to two smtpd and two pop3d: both take part, the real client everywhere, one mailbox store" {
	# 300 messages in 30 sessions from 127.0.0.9 (in relay_networks, so
	# exempt from the connection rate limit of 2 a minute).
	t0=$(date +%s%N)
	run client bulk 127.0.0.9 "$FRONT_SMTP" 30 10
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "$output" = 300 ]
	echo "300 messages through HAProxy in $(( ($(date +%s%N) - t0) / 1000000 )) ms" >&3
	# Both instances took part, each with its own queue.
	n1=$(ls "$T/mx1.spool/queue" | grep -c '\.env$')
	n2=$(ls "$T/mx2.spool/queue" | grep -c '\.env$')
	echo "mx1 queued $n1, mx2 queued $n2" >&3
	[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] && [ $((n1 + n2)) -eq 300 ]
	# Every envelope and Received header names the real client.
	[ "$(grep -lx 'client 127.0.0.9' "$T"/mx*.spool/queue/*.env | wc -l)" -eq 300 ]
	[ "$(grep -l 'Received: from client.example (\[127.0.0.9\])' "$T"/mx*.spool/queue/*.msg | wc -l)" -eq 300 ]
	! grep -q '127\.0\.0\.1\]' "$T"/mx*.spool/queue/*.msg || false

	# Relay control: 127.0.0.9 may relay, 127.0.0.7 may not, whatever
	# address HAProxy connects from (each twice in a row: once through
	# each instance).
	for src in 127.0.0.7 127.0.0.7 127.0.0.9 127.0.0.9; do
		run client relay "$src" "$FRONT_SMTP"
		[ "$output" = "$([ "$src" = 127.0.0.9 ] && echo 250 || echo 554)" ]
	done
	grep -q 'client=127.0.0.7 event=relay-denied' "$T/mx1.smtpd.log"
	grep -q 'client=127.0.0.7 event=relay-denied' "$T/mx2.smtpd.log"

	# The per-address rate (2 sessions a minute per instance) holds for
	# 127.0.0.7, which already used one on each: its next sessions are
	# refused within two more; 127.0.0.8, a new client, is welcome.
	refused=0
	for i in 1 2 3 4; do
		run client connect 127.0.0.7 "$FRONT_SMTP"
		[[ "$output" == "421 4.7.0 "*"too many connections from 127.0.0.7"* ]] && refused=$((refused + 1))
	done
	[ "$refused" -ge 2 ]
	run client connect 127.0.0.8 "$FRONT_SMTP"
	[[ "$output" == "220 "* ]]
	grep -q 'client=127.0.0.7 event=rate-limited limit=smtpd_connection_rate_limit' "$T"/mx*.smtpd.log

	# Each instance delivers its own queue into the one mailbox store.
	pb runq -C "$T/mx1.conf"
	pb runq -C "$T/mx2.conf"
	[ "$(ls "$T/mail/ann/Maildir/new" | wc -l)" -eq 300 ]

	# Read over POP3 through HAProxy: one session reaches each pop3d, and
	# each reads the mail of both smtpd instances.
	for i in 1 2; do
		run client pop 127.0.0.8 "$FRONT_POP"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ "$output" = "300 mx1.test.example,mx2.test.example" ]
	done
	grep -q 'pop3 login user=ann@test.example client=127.0.0.8' "$T/mx1.pop3d.log"
	grep -q 'pop3 login user=ann@test.example client=127.0.0.8' "$T/mx2.pop3d.log"

	# No log line of any instance names HAProxy as the client.
	for log in "$T"/mx1.smtpd.log "$T"/mx2.smtpd.log "$T"/mx1.pop3d.log "$T"/mx2.pop3d.log; do
		run wrong_clients "$log"
		[ -z "$output" ] || { echo "$log: $output"; false; }
	done
	grep -q 'client=127.0.0.9 event=connect tls=no role=mta proxy=127.0.0.1' "$T/mx1.smtpd.log"
}
