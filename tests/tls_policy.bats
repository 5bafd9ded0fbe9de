#!/usr/bin/env bats
# The TLS policy of every listener (libmail/net/tls_policy.h): smtpd's MTA
# STARTTLS, submission STARTTLS and implicit TLS, pop3d's STLS and pop3s,
# probed with openssl s_client offering exactly the suites in question.
# An RSA certificate, so that suites with RSA key exchange could be chosen
# if the server allowed them.

load helpers
load servers_helpers

suite_setup() {
	server_cert test.example rsa
	printf 'ann@test.example:*:%s/mail/ann/Maildir/\n' "$T" > "$T/users"
	conf users "$T/users"
}

# cipher_with LISTENER [s_client options]: the cipher the listener agreed
# to ("(NONE)" when the handshake failed). LISTENER: mta, sub, smtps, pop, pops.
cipher_with() {
	local where=$1 start=()
	shift
	case $where in
	mta) start=(-starttls smtp -connect "127.0.0.1:$MTA") ;;
	sub) start=(-starttls smtp -connect "127.0.0.1:$SUB") ;;
	smtps) start=(-connect "127.0.0.1:$SMTPS") ;;
	pop) start=(-starttls pop3 -connect "127.0.0.1:$POP") ;;
	pops) start=(-connect "127.0.0.1:$POPS") ;;
	esac
	timeout 10 openssl s_client "${start[@]}" "$@" </dev/null 2>/dev/null |
		sed -n 's/^New, [^,]*, Cipher is //p'
}

ALL=(mta sub smtps pop pops)

@test "no listener agrees to a suite without forward secrecy or with CBC and SHA-1" {
	start_tls_listeners
	local l c
	for l in "${ALL[@]}"; do
		# the client offers nothing else: only a refusal ends this well
		for c in AES128-SHA AES256-GCM-SHA384 ECDHE-RSA-AES128-SHA ECDHE-RSA-AES256-SHA384 DHE-RSA-AES128-SHA; do
			run cipher_with "$l" -tls1_2 -cipher "$c"
			echo "$l $c: $output"
			[ "$output" = "(NONE)" ]
		done
	done
}

@test "the server's order wins: a client preferring AES-256 gets AES-128-GCM; TLS 1.3 by default" {
	start_tls_listeners
	local l
	for l in "${ALL[@]}"; do
		run cipher_with "$l" -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256
		echo "$l: $output"
		[ "$output" = ECDHE-RSA-AES128-GCM-SHA256 ]
		run cipher_with "$l"
		[[ "$output" == TLS_* ]]
	done
}

@test "port 25 takes Mozilla's intermediate suites (DHE-RSA with AES-GCM); the other listeners do not" {
	start_tls_listeners
	run cipher_with mta -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
	[ "$output" = DHE-RSA-AES128-GCM-SHA256 ]
	local l
	for l in sub smtps pop pops; do
		run cipher_with "$l" -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
		echo "$l: $output"
		[ "$output" = "(NONE)" ]
	done
}

@test "smtpd_tls_profile = modern holds port 25 to the modern suites" {
	conf smtpd_tls_profile modern
	start_tls_listeners
	run cipher_with mta -tls1_2 -cipher DHE-RSA-AES128-GCM-SHA256
	[ "$output" = "(NONE)" ]
	run cipher_with mta -tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305
	[ "$output" = ECDHE-RSA-CHACHA20-POLY1305 ]
}

@test "tls_protocols = TLSv1.3 refuses TLS 1.2 on every listener; tls_ciphers replaces every list" {
	conf tls_protocols TLSv1.3
	start_tls_listeners
	local l
	for l in "${ALL[@]}"; do
		run cipher_with "$l" -tls1_2
		[ "$output" = "(NONE)" ]
		run cipher_with "$l" -tls1_3
		[[ "$output" == TLS_* ]]
	done
	stop_bg "$SMTPD_PID"
	stop_bg "$POP3D_PID"
	sed -i '/^tls_protocols/d' "$POSTBOX_CONFIG"
	conf tls_ciphers ECDHE-RSA-AES256-GCM-SHA384
	start_tls_listeners
	for l in "${ALL[@]}"; do
		run cipher_with "$l" -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
		[ "$output" = "(NONE)" ]
		run cipher_with "$l" -tls1_2
		[ "$output" = ECDHE-RSA-AES256-GCM-SHA384 ]
	done
}

@test "bad TLS policy values exit 78 naming the key and the line" {
	local line
	for line in "tls_protocols = SSLv3" "tls_protocols = ," "tls_ciphers = NO-SUCH-CIPHER" "smtpd_tls_profile = old"; do
		sed -i '/^tls_protocols\|^tls_ciphers\|^smtpd_tls_profile/d' "$POSTBOX_CONFIG"
		echo "$line" >> "$POSTBOX_CONFIG"
		local n
		n=$(wc -l < "$POSTBOX_CONFIG")
		run "$PB" smtpd -l "127.0.0.1:$(free_port)"
		echo "$line: $output"
		[ "$status" -eq 78 ]
		[[ "$output" == *"$POSTBOX_CONFIG:$n"* ]]
		[[ "$output" == *"${line%% *}"* ]]
		if [ "${line%% *}" != smtpd_tls_profile ]; then
			run "$PB" pop3d -l "127.0.0.1:$(free_port)"
			[ "$status" -eq 78 ]
			[[ "$output" == *"$POSTBOX_CONFIG:$n: ${line%% *}"* ]]
		fi
	done
}
