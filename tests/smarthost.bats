#!/usr/bin/env bats
# smarthost mode (the null client): everything through a relay with TLS
# (STARTTLS or implicit), verified certificates and AUTH, against aiosmtpd.

load helpers
load servers_helpers

suite_setup() {
	PORT=$(free_port)
	make_cert localhost
	printf 'relayuser s3cret pass\n' > "$T/auth"
	chmod 600 "$T/auth"
	conf smtp_timeout 10s
	conf smarthost_ca_file "$T/localhost.crt"
	export SINK_TLS_CERT="$T/localhost.crt" SINK_TLS_KEY="$T/localhost.key"
}

send() {
	local n=$1
	shift
	printf 'Subject: relay %s\n\nhello\n' "$n" | pb sendmail "$@"
}

@test "STARTTLS + AUTH through the smarthost; the sender is rewritten by the one rule" {
	conf smarthost "[localhost]:$PORT"
	conf smarthost_auth_file "$T/auth"
	conf smarthost_sender "me@isp.example"
	SINK_AUTH="relayuser:s3cret pass" start_queue_sink "$PORT"
	send 1 friend@far.example
	send 2 -f other@elsewhere.example friend@far.example
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 2 ]
	f1=$(grep -l 'Subject: relay 1' "$T"/sink/*.eml)
	grep -q $'^X-Sink-From: <me@isp.example>\r$' "$f1"
	grep -q $'^X-Sink-TLS: yes\r$' "$f1"
	grep -q $'^X-Sink-Auth: relayuser\r$' "$f1"
	# the same rule for From: (the queued copy is not changed)
	grep -q $'^From: me@isp.example\r$' "$f1"
	# a sender outside the local domains is left alone
	f2=$(grep -l 'Subject: relay 2' "$T"/sink/*.eml)
	grep -q $'^X-Sink-From: <other@elsewhere.example>\r$' "$f2"
	grep -q $'^From: other@elsewhere.example\r$' "$f2"
	# the password is in no log line
	[[ "$output" != *s3cret* ]]
}

@test "implicit TLS on port 465 style (smarthost_tls = implicit)" {
	conf smarthost "localhost:$PORT"
	conf smarthost_tls implicit
	conf smarthost_auth_file "$T/auth"
	SINK_IMPLICIT=1 SINK_AUTH="relayuser:s3cret pass" start_queue_sink "$PORT"
	send 3 friend@far.example
	run pb runq
	echo "$output"
	[ "$(queue_count)" -eq 0 ]
	grep -q $'^X-Sink-TLS: yes\r$' "$T"/sink/*.eml
}

@test "a certificate that does not verify defers the mail (nothing sent)" {
	make_cert other.example
	conf smarthost "[localhost]:$PORT"
	conf smarthost_ca_file "$T/other.example.crt"
	start_queue_sink "$PORT"
	send 4 friend@far.example
	id=$(queue_ids)
	run pb runq
	echo "$output"
	[ "$(sink_count)" -eq 0 ]
	grep -q 'state=deferred attempts=1.*4.7.5.*certificate%20verification%20failed' "$SPOOL/queue/$id.env"
}

@test "a relay without STARTTLS gets nothing; wrong credentials defer, never bounce" {
	conf smarthost "[localhost]:$PORT"
	conf smarthost_auth_file "$T/auth"
	SINK_TLS_CERT= SINK_TLS_KEY= start_queue_sink "$PORT"
	send 5 friend@far.example
	id=$(queue_ids)
	run pb runq
	grep -q 'state=deferred attempts=1 .*error=451%204.7.5%20TLS%20is%20required,%20but%20was%20not%20offered%20by%20host%20localhost' "$SPOOL/queue/$id.env"
	stop_bg "$SINK_PID"
	rm -rf "$T/sink"
	SINK_AUTH="relayuser:other" start_queue_sink "$PORT"
	run pb runq --force
	echo "$output"
	grep -q 'state=deferred attempts=2.*error=host%20localhost%20said:%20454%204.7.0' "$SPOOL/queue/$id.env"
	[ "$(sink_count)" -eq 0 ]
}

@test "the credentials file must be readable by its owner only; bad smarthost values are 78" {
	conf smarthost "[localhost]:$PORT"
	conf smarthost_auth_file "$T/auth"
	chmod 644 "$T/auth"
	run pb runq
	[ "$status" -eq 78 ]
	[[ "$output" == *"readable by its owner only"* ]]
	chmod 600 "$T/auth"
	conf smarthost "[localhost]:99999"
	run pb runq
	[ "$status" -eq 78 ]
	[[ "$output" == *"smarthost: expected [host]:port"* ]]
}
