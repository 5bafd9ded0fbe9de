#!/usr/bin/env bats
# srs: the Sender Rewriting Scheme on forwarded mail. An alias forwarding
# to another domain sends the message on with an SRS0 sender (runq to the
# aiosmtpd queue sink on loopback, found through ldns-testns); a bounce to
# that address at our smtpd goes back to the original sender; forged,
# expired and malformed SRS addresses are refused at RCPT. Interop with
# postsrsd (Debian's, the libsrs2 code Postfix sites run) started on
# loopback with the same secrets file: its addresses verify here, ours
# there, and for the same day both write the same address.

load helpers
load servers_helpers
load queue_helpers
load smtpd_helpers

suite_setup() {
	mx_port
	printf 'fwd: someone@example.org\nfwdbad: reject-me@example.org\n' > "$T/aliases"
	conf aliases "$T/aliases"
	printf 's3cret-new\ns3cret-old\n' > "$T/srs.secret"
	chmod 600 "$T/srs.secret"
	conf srs_secret "$T/srs.secret"
	# Mail from loopback is not relayed: what smtpd accepts below, it
	# accepts as ours.
	conf relay_networks 192.0.2.0/24
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	dns_mx fwd1.example "10 mx.fwd1.example 127.0.0.1"
	dns_mx example.net "10 mx.example.net 127.0.0.1"
}

# postsrsd on loopback with the secrets file FILE for test.example (the
# first of local_domains, our default srs_domain); POSTSRSD_TIME (a faketime
# offset such as -30d) runs it at another date.
start_postsrsd() {
	local pre=()
	# libfaketime preloaded by env, which execs: BG_PID is postsrsd itself
	# (the faketime command forks, and stopping it left postsrsd running).
	[ -z "${POSTSRSD_TIME:-}" ] ||
		pre=(env 'LD_PRELOAD=/usr/$LIB/faketime/libfaketime.so.1' "FAKETIME=$POSTSRSD_TIME")
	SRSD_FWD=$(free_port)
	SRSD_REV=$(free_port)
	while [ "$SRSD_REV" = "$SRSD_FWD" ]; do SRSD_REV=$(free_port); done
	spawn "$T/postsrsd.log" "${pre[@]}" /usr/sbin/postsrsd -s "$1" -d test.example -l 127.0.0.1 \
		-f "$SRSD_FWD" -r "$SRSD_REV"
	wait_port "$SRSD_FWD" && wait_port "$SRSD_REV"
}

# srsd forward|reverse ADDRESS: postsrsd's tcp_table answer, "200 VALUE"
# or "500 REASON".
srsd() {
	local port=$SRSD_FWD line
	[ "$1" = reverse ] && port=$SRSD_REV
	exec 3<>"/dev/tcp/127.0.0.1/$port"
	printf 'get %s\n' "$2" >&3
	IFS= read -r -t 5 line <&3
	exec 3<&-
	printf '%s\n' "${line%$'\r'}"
}

# Run the queue until the sink holds N messages (a forward is a new queue
# entry, which the next run takes); at most 4 runs.
run_queue_until() {
	local i
	for i in 1 2 3 4; do
		[ "$(sink_count)" -ge "$1" ] && return 0
		pb runq 2>>"$T/runq.log" || true
	done
	[ "$(sink_count)" -ge "$1" ] || { cat "$T/runq.log" >&2; return 1; }
}

sink_file() { ls "$T"/sink/*.eml | sort | sed -n "${1}p"; }
sink_from() { sed -n 's/^X-Sink-From: <\(.*\)>\r$/\1/p' "$(sink_file "$1")"; }
sink_to() { sed -n 's/^X-Sink-To: <\(.*\)>\r$/\1/p' "$(sink_file "$1")"; }

@test "srs: a forward to another domain leaves with the SRS0 sender postsrsd writes and reverses" {
	start_dns
	start_queue_sink "$PORT"
	start_smtpd
	swaks --server "127.0.0.1:$PORT" --helo mx.example.net --from ann@example.net --to fwd@test.example \
		--timeout 10 >/dev/null
	run_queue_until 1
	srs=$(sink_from 1)
	[ "$(sink_to 1)" = someone@example.org ]
	[[ $srs == SRS0=*=*=example.net=ann@test.example ]]
	start_postsrsd "$T/srs.secret"
	# Same secret, same day: the same address; and postsrsd reads ours back.
	[ "$(srsd forward ann@example.net)" = "200 $srs" ]
	[ "$(srsd reverse "$srs")" = "200 ann@example.net" ]
}

@test "srs: a bounce to postsrsd's SRS0 address is accepted and delivered to the original sender" {
	start_dns
	start_queue_sink "$PORT"
	start_postsrsd "$T/srs.secret"
	reply=$(srsd forward ann@example.net)
	srs=${reply#200 }
	[[ $srs == SRS0=*@test.example ]]
	start_smtpd
	run swaks --server "127.0.0.1:$PORT" --helo mx.example.org --from "<>" --to "$srs" --timeout 10
	[ "$status" -eq 0 ]
	[[ $output == *"250 2.1.5 Ok"* ]]
	run_queue_until 1
	[ "$(sink_to 1)" = ann@example.net ]
	[ "$(sink_from 1)" = "<>" ] # the null sender (aiosmtpd writes it "<>") is never rewritten
	# The hash compares without case: a hop may lowercase the local part.
	run swaks --server "127.0.0.1:$PORT" --helo mx.example.org --from "<>" --to "${srs,,}" --timeout 10
	[ "$status" -eq 0 ]
}

@test "srs: re-forwarding another forwarder's SRS0 gives postsrsd's SRS1, and its bounce goes back to that forwarder" {
	start_dns
	start_queue_sink "$PORT"
	start_postsrsd "$T/srs.secret"
	first=SRS0=AbCd=JY=example.net=ann@fwd1.example
	printf 'Subject: x\n\nhello\n' | pb deliver -f "$first" -d fwd@test.example
	run_queue_until 1
	srs1=$(sink_from 1)
	[ "$(srsd forward "$first")" = "200 $srs1" ]
	[[ $srs1 == SRS1=*=fwd1.example==AbCd=JY=example.net=ann@test.example ]]
	start_smtpd
	run swaks --server "127.0.0.1:$PORT" --helo mx.example.org --from "<>" --to "$srs1" --timeout 10
	[ "$status" -eq 0 ]
	run_queue_until 2
	[ "$(sink_to 2)" = "$first" ]
}

@test "srs: the queue runner's own bounce of a forward that fails reaches the original sender" {
	start_dns
	start_queue_sink "$PORT"
	printf 'Subject: x\n\nhello\n' | pb deliver -f ann@example.net -d fwdbad@test.example
	grep -q '^sender SRS0=.*=example.net=ann@test.example$' "$(env_file)"
	# The sink refuses reject-me (550): the bounce goes to the SRS0 sender,
	# which is ours, and from there to ann@example.net.
	run_queue_until 1
	[ "$(sink_to 1)" = ann@example.net ]
	[ "$(sink_from 1)" = "<>" ]
	grep -q "reject-me@example.org" "$(sink_file 1)"
}

@test "srs: forged, expired and malformed SRS addresses are refused at RCPT with the exact reply, nothing queued" {
	POSTSRSD_TIME=-30d start_postsrsd "$T/srs.secret"
	old=$(srsd forward ann@example.net)
	old=${old#200 }
	stop_bg "$BG_PID"
	start_postsrsd "$T/srs.secret"
	good=$(srsd forward ann@example.net)
	good=${good#200 }
	# One hash character changed (not just its case): forged.
	h=${good:5:4}
	h2=$(tr 'A-Za-z0-9+/' 'B-Za-zA1-9+/0' <<<"${h:0:1}")${h:1}
	forged=SRS0=$h2${good:9}
	start_smtpd
	smtp_tcp "EHLO mx.example.org\r\nMAIL FROM:<>\r\nRCPT TO:<$forged>\r\nRCPT TO:<$old>\r\nRCPT TO:<SRS0=abcd=JY@test.example>\r\nRCPT TO:<$good>\r\nRSET\r\nQUIT\r\n"
	has_reply "550 5.7.1 <$forged>: SRS address with an invalid hash (forged, or not made here)"
	has_reply "550 5.7.1 <$old>: SRS address expired (older than 21 days)"
	has_reply "550 5.1.1 <SRS0=abcd=JY@test.example>: not a valid SRS address"
	[ "$(count_replies '250 2.1.5')" -eq 1 ]
	[ "$(queue_count)" -eq 0 ]
	grep -q "event=srs-refused rcpt=<$forged> reason=\"SRS address with an invalid hash" "$T/smtpd.log"
	# srs_max_age: 40 days make the old address valid again.
	stop_bg "$SMTPD_PID"
	conf srs_max_age 40d
	start_smtpd
	smtp_tcp "EHLO mx.example.org\r\nMAIL FROM:<>\r\nRCPT TO:<$old>\r\nQUIT\r\n"
	has_reply "250 2.1.5 Ok"
}

@test "srs: without users or aliases files, SRS addresses are still checked" {
	sed -i '/^aliases = /d' "$POSTBOX_CONFIG"
	start_smtpd
	smtp_tcp "EHLO mx.example.org\r\nMAIL FROM:<>\r\nRCPT TO:<SRS0=abcd=JY=example.net=ann@test.example>\r\nRCPT TO:<anyone@test.example>\r\nQUIT\r\n"
	has_reply "550 5.7.1 <SRS0=abcd=JY=example.net=ann@test.example>: SRS address with an invalid hash"
	has_reply "250 2.1.5 Ok"
}

@test "srs: the null sender, our own domains' senders and a missing secret are not rewritten" {
	export POSTBOX_LOG=stderr
	printf 'Subject: x\n\nhello\n' | pb deliver -f '<>' -d fwd@test.example
	grep -q '^sender <>$' "$(env_file)"
	rm -f "$SPOOL"/queue/*
	printf 'Subject: x\n\nhello\n' | pb deliver -f bob@localhost -d fwd@test.example
	grep -q '^sender bob@localhost$' "$(env_file)"
	rm -f "$SPOOL"/queue/*
	# Too long for a 64-octet local part: sent on unchanged, and said.
	long=a123456789b123456789c123456789d123456789e1234@example.net
	run pb deliver -f "$long" -d fwd@test.example <<<'Subject: x'
	[ "$status" -eq 0 ]
	[[ $output == *"event=srs-skipped sender=<$long> reason=\"the SRS address would have a local part over 64 octets\""* ]]
	grep -q "^sender $long\$" "$(env_file)"
	rm -f "$SPOOL"/queue/*
	sed -i '/^srs_secret = /d' "$POSTBOX_CONFIG"
	printf 'Subject: x\n\nhello\n' | pb deliver -f ann@example.net -d fwd@test.example
	grep -q '^sender ann@example.net$' "$(env_file)"
	# No secret: an SRS-looking local part is an ordinary unknown user.
	run pb deliver -f '<>' -d SRS0=abcd=JY=example.net=ann@test.example <<<'Subject: x'
	[ "$status" -eq 67 ]
	[[ $output == *"no such user here"* ]]
}

@test "srs: a secrets file others can read, no secret in it, or an srs_domain that is not ours stop smtpd and deliver with 78" {
	chmod 644 "$T/srs.secret"
	run pb smtpd -l 127.0.0.1:$(free_port)
	[ "$status" -eq 78 ]
	[[ $output == *"srs_secret $T/srs.secret: others may read or write it (mode 0644); chmod o-rwx"* ]]
	run pb deliver -f ann@example.net -d fwd@test.example <<<'Subject: x'
	[ "$status" -eq 75 ] # the mail stays queued until the file is mended
	[[ $output == *"others may read or write it"* ]]
	: > "$T/srs.secret"
	chmod 600 "$T/srs.secret"
	run pb smtpd -l 127.0.0.1:$(free_port)
	[ "$status" -eq 78 ]
	[[ $output == *"srs_secret $T/srs.secret: no secret in it"* ]]
	echo s3cret > "$T/srs.secret"
	conf srs_domain elsewhere.example
	run pb smtpd -l 127.0.0.1:$(free_port)
	[ "$status" -eq 78 ]
	[[ $output == *"srs_domain elsewhere.example is not one of local_domains"* ]]
}
