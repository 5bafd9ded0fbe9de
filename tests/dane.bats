#!/usr/bin/env bats
# DANE for SMTP (RFC 7672): TLSA records that the resolver validated (AD
# bit, from ldns-testns) make TLS mandatory and pin the MX's certificate.

load helpers
load servers_helpers
load queue_helpers

suite_setup() {
	mx_port
	dns_mx example.org "10 mx.example.org 127.0.0.1"
}

send() { printf 'Subject: dane %s\n\nhello\n' "$1" | pb sendmail "x$1@example.org"; }

# tlsa FLAGS "USAGE SELECTOR MTYPE HEX": the TLSA answer for the MX.
tlsa() { dns_answer "_$PORT._tcp.mx.example.org." TLSA "$1 NOERROR" "_$PORT._tcp.mx.example.org. IN TLSA $2"; }

tls_sink() {
	SINK_TLS_CERT="$1" SINK_TLS_KEY="$2" start_queue_sink "$PORT"
}

@test "DANE-EE: a matching SPKI hash is verified and the mail delivered" {
	make_cert mx.example.org
	tlsa "AD" "3 1 1 $(spki_sha256 "$T/mx.example.org.crt")"
	start_dns
	tls_sink "$T/mx.example.org.crt" "$T/mx.example.org.key"
	send 1
	run pb runq
	echo "$output"
	[ "$(queue_count)" -eq 0 ]
	[[ "$output" == *"dane=verified"* ]]
	grep -q $'^X-Sink-TLS: yes\r$' "$T"/sink/*.eml
}

@test "DANE-EE: a certificate that matches no TLSA record gets nothing; deferred 4.7.5" {
	make_cert mx.example.org
	make_cert impostor.example
	tlsa "AD" "3 0 1 $(cert_sha256 "$T/impostor.example.crt")"
	start_dns
	tls_sink "$T/mx.example.org.crt" "$T/mx.example.org.key"
	send 2
	id=$(queue_ids)
	run pb runq
	echo "$output"
	[ "$(sink_count)" -eq 0 ]
	grep -q 'state=deferred attempts=1.*451%204.7.5%20DANE:' "$SPOOL/queue/$id.env"
	# checked before anything is sent over TLS: not even the EHLO after STARTTLS
	[ "$(cat "$T/sink/ehlo")" = plain ]
}

@test "the same mismatch without the AD bit is not trusted: opportunistic TLS delivers" {
	make_cert mx.example.org
	make_cert impostor.example
	tlsa "" "3 0 1 $(cert_sha256 "$T/impostor.example.crt")"
	start_dns
	tls_sink "$T/mx.example.org.crt" "$T/mx.example.org.key"
	send 3
	run pb runq
	[ "$(queue_count)" -eq 0 ]
	[[ "$output" != *"dane="* ]]
}

@test "DANE-TA: the chain must lead to the pinned CA and name the MX host" {
	make_ca_leaf mx.example.org
	tlsa "AD" "2 0 1 $(cert_sha256 "$T/ca.crt")"
	start_dns
	tls_sink "$T/mx.example.org.chain" "$T/mx.example.org.key"
	send 4
	run pb runq
	echo "$output"
	[ "$(queue_count)" -eq 0 ]
	[[ "$output" == *"dane=verified"* ]]
}

@test "DANE-TA: a certificate for another name under the pinned CA is refused" {
	make_ca_leaf other.example
	tlsa "AD" "2 1 1 $(spki_sha256 "$T/ca.crt")"
	start_dns
	tls_sink "$T/other.example.chain" "$T/other.example.key"
	send 5
	id=$(queue_ids)
	run pb runq
	echo "$output"
	[ "$(sink_count)" -eq 0 ]
	grep -q 'state=deferred attempts=1.*451%204.7.5%20DANE:' "$SPOOL/queue/$id.env"
}

@test "validated TLSA records make STARTTLS mandatory" {
	tlsa "AD" "3 1 1 0000000000000000000000000000000000000000000000000000000000000000"
	start_dns
	start_queue_sink "$PORT"
	send 6
	id=$(queue_ids)
	run pb runq
	[ "$(sink_count)" -eq 0 ]
	grep -q 'state=deferred.*error=451%204.7.5%20TLS%20is%20required,%20but%20was%20not%20offered%20by%20host%20mx.example.org' "$SPOOL/queue/$id.env"
}

@test "dane = no ignores TLSA records" {
	conf dane no
	make_cert mx.example.org
	tlsa "AD" "3 1 1 0000000000000000000000000000000000000000000000000000000000000000"
	start_dns
	tls_sink "$T/mx.example.org.crt" "$T/mx.example.org.key"
	send 7
	run pb runq
	[ "$(queue_count)" -eq 0 ]
}
