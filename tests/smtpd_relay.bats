#!/usr/bin/env bats
# smtpd relay control: local_domains, relay_networks, the open-relay
# address forms (README "Who may send where") and who counts as local. The
# client address comes from TCPREMOTEIP (inetd mode, stdin not a socket).

load helpers
load smtpd_helpers

rcpt_reply() {
	# the reply to one RCPT from a client outside relay_networks
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:$1\r\nQUIT\r\n"
	sed -n '11p' <<<"$output" | tr -d '\r'
}

@test "a client outside relay_networks: 554 5.7.1 for other domains, 250 for local ones" {
	export TCPREMOTEIP=192.0.2.1
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nRCPT TO:<u@test.example>\r\nRCPT TO:<u@TEST.Example>\r\nRCPT TO:<u@localhost>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply '554 5.7.1 <u@elsewhere.example>: Relay access denied'
	[ "$(count_replies '250 2.1.5')" -eq 3 ]
	has_reply "$QUEUED"
	grep -q '^client 192.0.2.1$' "$SPOOL"/queue/*.env
	grep -q 'from client.example (\[192.0.2.1\])' "$SPOOL"/queue/*.msg
}

@test "clients inside relay_networks (IPv4 and IPv6 CIDR) may relay" {
	conf relay_networks '127.0.0.0/8, 198.51.100.0/24, 2001:db8::/32'
	for ip in 198.51.100.77 2001:db8:1::5 127.0.0.1; do
		export TCPREMOTEIP=$ip
		smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nQUIT\r\n"
		has_reply '250 2.1.5 Ok'
	done
	for ip in 198.51.101.1 2001:db9::1 ::ffff:192.0.2.1; do
		export TCPREMOTEIP=$ip
		smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nQUIT\r\n"
		has_reply '554 5.7.1'
	done
}

@test "relay_networks with a malformed entry is a configuration error" {
	conf relay_networks '10.0.0.0/33'
	run "$PB" smtpd </dev/null
	[ "$status" -eq 78 ]
	[[ "$output" == *"relay_networks: bad network"* ]]
}

@test "open-relay matrix: no address form relays for an outside client" {
	export TCPREMOTEIP=192.0.2.1
	forms=(
		'<u@elsewhere.example>'                554
		'<u%%elsewhere.example@test.example>'  550
		'<elsewhere.example!u@test.example>'   550
		'<"u@elsewhere.example"@test.example>' 550
		'<"u%%elsewhere.example"@test.example>' 550
		'<"elsewhere.example!u"@test.example>' 550
		'<@test.example:u@elsewhere.example>'  554
		'<@test.example,@localhost:u@elsewhere.example>' 554
		'<u@elsewhere.example@test.example>'   501
		'<u@test.example.>'                    501
		'<u@elsewhere.example.>'               501
		'<u@[127.0.0.1]>'                      554
		'<u@[IPv6:::1]>'                       554
		'<u@[192.0.2.1]>'                      554
		'<u@sub.test.example>'                 554
		'<u@test.example.elsewhere.example>'   554
		'<"u"@elsewhere.example>'              554
		'<u\\@elsewhere.example@test.example>' 501
		'u@elsewhere.example'                  501
		'<u@elsewhere.example> NOTIFY=NEVER'   554
		'<postmaster@elsewhere.example>'       554
		'<u@localhost.>'                       501
	)
	for ((i = 0; i < ${#forms[@]}; i += 2)); do
		got=$(rcpt_reply "${forms[i]}")
		echo "${forms[i]} -> $got"
		[[ "$got" == "${forms[i+1]} "* ]] || { echo "expected ${forms[i+1]}" >&2; false; }
	done
	[ -z "$(queue_ids)" ]
}

@test "relay access denied replies count as errors: a relay prober is cut off with 421" {
	export TCPREMOTEIP=192.0.2.1
	conf smtpd_max_errors 3
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<a@x.example>\r\nRCPT TO:<b@x.example>\r\nRCPT TO:<c@x.example>\r\nRCPT TO:<d@x.example>\r\n"
	[ "$(count_replies '554 5.7.1')" -eq 3 ]
	has_reply '421 4.7.0'
}

# Who is "local" (libmail/net/peer.h): only a session whose stdin is not a
# socket, started by a local user like sendmail -bs. A UNIX socket pair
# (stunnel's exec mode, socat EXEC, a systemd UNIX listener) hides who the
# real client is: it gets no more rights than any stranger.
@test "a UNIX socket pair as stdin is not local: no relay; Received, envelope and log say unix" {
	export PB ROOT T
	run bash -c 'printf "$1" | /usr/bin/python3 "$ROOT/tests/unix_pair.py" "$PB" smtpd 2>"$T/smtpd.err"' _ \
		"${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nRCPT TO:<u@test.example>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"
	[ "$status" -eq 0 ]
	has_reply '554 5.7.1 <u@elsewhere.example>: Relay access denied'
	has_reply "$QUEUED"
	grep -q 'client=unix event=relay-denied rcpt=<u@elsewhere.example>' "$T/smtpd.err"
	grep -qx 'client unix' "$SPOOL"/queue/*.env
	head -n1 "$SPOOL"/queue/*.msg | grep -qx 'Received: from client.example (unix)'
}

@test "a pipe from a local user may relay, as sendmail -bs does; \$TCPREMOTEIP makes it a stranger" {
	smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nQUIT\r\n"
	has_reply '250 2.1.5 Ok'
	run bash -c 'printf "$1" | "$PB" sendmail -bs 2>/dev/null' _ "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nQUIT\r\n"
	has_reply '250 2.1.5 Ok'
	# a super-server's name for the client wins, even one that is no address
	for ip in 192.0.2.1 not-an-address; do
		export TCPREMOTEIP=$ip
		smtp_stdin "${HELLO}MAIL FROM:<a@client.example>\r\nRCPT TO:<u@elsewhere.example>\r\nQUIT\r\n"
		has_reply '554 5.7.1 <u@elsewhere.example>: Relay access denied'
	done
	grep -q 'client=unknown event=relay-denied' "$T/smtpd.err"
}

@test "an IPv6 client: Received shows an RFC 5321 IPv6 address literal" {
	export TCPREMOTEIP=2001:DB8:0::5
	smtp_stdin "${HELLO}${ENV}DATA\r\nx\r\n.\r\nQUIT\r\n"
	has_reply "$QUEUED"
	grep -qx 'client 2001:db8::5' "$SPOOL"/queue/*.env
	head -n1 "$SPOOL"/queue/*.msg | grep -qx 'Received: from client.example (\[IPv6:2001:db8::5\])'
}
