#!/usr/bin/env bats
# dns: MX resolution (RFC 5321 §5.1, RFC 7505) against a real DNS server on
# loopback (ldns-testns), through `runq --route`.

load helpers
load servers_helpers


# runq --route DOMAIN succeeds and prints exactly EXPECTED.
route_is() {
	run pb runq --route "$1"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$2" ]
}

@test "MX records come back in preference order with their addresses" {
	dns_answer example.org. MX NOERROR "example.org. IN MX 20 mx2.example.org." \
		"example.org. IN MX 10 mx1.example.org."
	dns_host mx1.example.org 127.0.0.11
	dns_answer mx2.example.org. A NOERROR "mx2.example.org. IN A 127.0.0.12" "mx2.example.org. IN A 127.0.0.13"
	dns_answer mx2.example.org. AAAA NOERROR "mx2.example.org. IN AAAA ::1"
	start_dns
	run pb runq --route example.org
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "example.org 10 mx1.example.org 127.0.0.11" ]
	[ "${lines[1]}" = "example.org 20 mx2.example.org ::1 127.0.0.12 127.0.0.13" ]
}

@test "equal preferences are tried in random order" {
	dns_mx example.org "10 a.example.org 127.0.0.1" "10 b.example.org 127.0.0.1" "5 c.example.org 127.0.0.1"
	start_dns
	seen=""
	for i in $(seq 1 12); do
		run pb runq --route example.org
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "example.org 5 c.example.org 127.0.0.1" ]
		seen="$seen $(echo "${lines[1]}" | cut -d' ' -f3)"
	done
	echo "$seen"
	[[ "$seen" == *a.example.org* ]] && [[ "$seen" == *b.example.org* ]]
}

@test "no MX: the domain itself is the implicit MX" {
	dns_answer plain.example. MX NOERROR
	dns_host plain.example 127.0.0.7
	start_dns
	route_is plain.example "plain.example implicit plain.example 127.0.0.7"
}

@test "a null MX (RFC 7505) is a permanent failure with 5.1.10" {
	dns_answer nomail.example. MX NOERROR "nomail.example. IN MX 0 ."
	start_dns
	run pb runq --route nomail.example
	echo "$output"
	[ "$status" -eq 68 ]
	[[ "$output" == "nomail.example error 5.1.10 "*"null MX"* ]]
}

@test "NXDOMAIN is permanent (5.1.2), SERVFAIL temporary (4.4.3)" {
	dns_answer gone.example. MX NXDOMAIN
	dns_answer broken.example. MX SERVFAIL
	start_dns
	run pb runq --route gone.example
	echo "$output"
	[ "$status" -eq 68 ]
	[[ "$output" == "gone.example error 5.1.2 "*NXDOMAIN* ]]
	run pb runq --route broken.example
	echo "$output"
	[ "$status" -eq 75 ]
	[[ "$output" == "broken.example error 4.4.3 "*SERVFAIL* ]]
}

@test "no answer at all is a temporary failure after the timeout" {
	start_dns
	start=$(date +%s)
	run pb runq --route silent.example
	echo "$output"
	[ "$status" -eq 75 ]
	[[ "$output" == "silent.example error 4.4.3 "*timeout* ]]
	[ $(( $(date +%s) - start )) -le 4 ]
}

@test "a CNAME at the MX target is followed" {
	dns_answer example.org. MX NOERROR "example.org. IN MX 10 alias.example.org."
	dns_answer alias.example.org. A NOERROR "alias.example.org. IN CNAME real.example.net." \
		"real.example.net. IN A 127.0.0.21"
	dns_answer alias.example.org. AAAA NOERROR "alias.example.org. IN CNAME real.example.net."
	dns_answer real.example.net. AAAA NOERROR
	start_dns
	route_is example.org "example.org 10 alias.example.org 127.0.0.21"
}

@test "a truncated UDP answer is asked again over TCP" {
	dns_truncated big.example. MX
	dns_answer big.example. MX NOERROR "big.example. IN MX 10 mx.big.example."
	dns_host mx.big.example 127.0.0.9
	start_dns
	route_is big.example "big.example 10 mx.big.example 127.0.0.9"
}

@test "hostile answers: an MX target that is not a host name is skipped" {
	dns_answer weird.example. MX NOERROR 'weird.example. IN MX 10 a\032b.example.' \
		"weird.example. IN MX 20 ok.weird.example."
	dns_host ok.weird.example 127.0.0.5
	start_dns
	route_is weird.example "weird.example 20 ok.weird.example 127.0.0.5"
}

@test "the resolver key is checked" {
	conf resolver "not-an-address"
	run pb runq --route example.org
	[ "$status" -eq 78 ]
	[[ "$output" == *"resolver: expected ADDR[:PORT]"* ]]
}
