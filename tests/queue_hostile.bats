#!/usr/bin/env bats
# queue_hostile: the queue runner against hostile peers — a DNS server that
# answers as an attacker would (tests/hostile_dns.py, python3-dnslib: CNAME
# loops, an MX at a CNAME, answers cut short, 60 KB of TXT, answers for
# another name or with the wrong id) and an MX that injects a response
# behind its 220 to STARTTLS. (Three concurrent runners over one queue are
# in tests/queue.bats: each message delivered exactly once.)

load helpers
load servers_helpers
load queue_helpers

suite_setup() { mx_port; }

start_hostile_dns() {
	local port
	port=$(free_port)
	spawn "$T/hdns.log" /usr/bin/python3 "$ROOT/tests/hostile_dns.py" "$port" 127.0.0.1
	wait_until grep -q ready "$T/hdns.log"
	conf resolver "127.0.0.1:$port"
	conf dns_timeout 1s
}

route() { run timeout 30 "$PB" runq --route "$1"; echo "$output"; }

@test "hostile DNS answers: each is refused or used safely, never trusted, never hangs" {
	start_hostile_dns
	route loop.example
	[ "$output" = "loop.example 10 mx.loop.example error 4.4.3 DNS: CNAME chain from mx.loop.example too long" ]
	route cname.example
	[ "$output" = "cname.example 10 alias.cname.example 127.0.0.1" ]
	route trunc.example
	[ "$status" -eq 75 ]
	[ "$output" = "trunc.example error 4.4.3 DNS answer for trunc.example is malformed" ]
	route bigtxt.example
	[[ "$output" == "bigtxt.example implicit bigtxt.example error 5.1.2 "* ]]
	route other.example
	[[ "$output" == "other.example implicit other.example error 5.1.2 "* ]]
	[[ "$output" != *evil* && "$output" != *192.0.2.66* ]]
	route wrongid.example
	[ "$status" -eq 75 ]
	[[ "$output" == *"wrongid.example error 4.4.3 "* ]]
	[[ "$output" != *mx.wrongid* ]]
	grep -q 'query bigtxt.example MX tcp' "$T/hdns.log"
}

@test "hostile DNS in a queue run: the CNAME loop defers, the MX at a CNAME delivers, evil.example is never contacted" {
	start_hostile_dns
	start_queue_sink "$PORT"
	for d in loop cname other; do printf 'Subject: %s\n\nx\n' "$d" | pb sendmail -i "u@$d.example"; done
	run timeout 60 "$PB" runq
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
	grep -q $'^X-Sink-To: <u@cname.example>\r$' "$T"/sink/*.eml
	[[ "$output" == *"to=<u@loop.example> status=deferred"*'CNAME chain'* ]]
	[[ "$output" == *"to=<u@other.example> status=bounced"* ]]
	[[ "$output" != *192.0.2.66* ]]
	[ -n "$(grep -l '^rcpt u@loop.example state=deferred' "$SPOOL"/queue/*.env)" ]
}

@test "STARTTLS response injection: the runner's client refuses the injected bytes; only a fresh plain connection (opportunistic) or nothing (tls_required)" {
	make_cert mx.example.org
	start_hostile_dns
	start_vuln "$PORT" --tls "$T/mx.example.org.crt" "$T/mx.example.org.key" --hostile inject --save "$T/vuln"
	printf 'Subject: secret\n\nx\n' | pb sendmail -i u@cname.example
	# tls_required: the injection ends the attempt, nothing is sent, the message waits
	conf tls_required cname.example
	run timeout 60 "$PB" runq
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'response injection'* ]]
	[[ "$output" == *"status=deferred"* ]]
	[ "$(queue_count)" -eq 1 ]
	[ -z "$(ls "$T/vuln")" ]
	[ -z "$(grep -l '^sender <>$' "$SPOOL"/queue/*.env)" ]
	# opportunistic TLS (Postfix's "may"): the log says why, and a new
	# connection in plain text delivers once
	sed -i '/^tls_required/d' "$POSTBOX_CONFIG"
	run timeout 60 "$PB" runq --force
	echo "$output"
	[[ "$output" == *'event=starttls-failed action=retry-plain reason="'*'(response injection)"'* ]]
	[[ "$output" == *"status=sent"* ]]
	[ "$(queue_count)" -eq 0 ]
	[ "$(ls "$T/vuln" | grep -c '\.eml$')" -eq 1 ]
}
