#!/usr/bin/env bats
# testssl.sh (Debian's testssl.sh package) against every TLS listener:
# smtpd STARTTLS on an MTA listener (port 25's intermediate profile),
# smtpd implicit TLS (submission), pop3d STLS and pop3s. Loopback only and
# no DNS at all (--nodns none). Any "NOT ok" or "VULNERABLE" (including
# "potentially VULNERABLE") fails the test.
#
# Checks: protocols (-p), the server's cipher order (-P), the
# vulnerabilities (-U: Heartbleed, CCS, ROBOT, renegotiation, CRIME,
# POODLE, fallback, SWEET32, FREAK, DROWN, LOGJAM, BEAST, LUCKY13, RC4).
# Not -S: a self-signed certificate is "NOT ok" by design here. The four
# scans run at once; see the README's TLS policy section for how long.

load helpers
load servers_helpers

suite_setup() {
	command -v testssl >/dev/null || skip "testssl.sh not installed (scripts/deps installs it)"
	server_cert test.example rsa
	printf 'ann@test.example:*:%s/mail/ann/Maildir/\n' "$T" > "$T/users"
	conf users "$T/users"
}

# testssl_scan NAME PORT [testssl options]: scan 127.0.0.1:PORT in the
# background, the report in $T/NAME.txt; its pid is tracked.
testssl_scan() {
	local name=$1 port=$2
	shift 2
	timeout 1800 testssl --nodns none --color 0 --warnings batch --quiet -p -P -U "$@" \
		"127.0.0.1:$port" > "$T/$name.txt" 2>&1 &
	track $!
	SCANS+=("$!:$name")
}

@test "testssl.sh finds nothing NOT ok or VULNERABLE on smtpd (STARTTLS, implicit TLS) and pop3d (STLS, pop3s)" {
	local scan
	start_tls_listeners
	SCANS=()
	testssl_scan smtp-starttls "$MTA" -t smtp
	testssl_scan smtps "$SMTPS"
	testssl_scan pop3-stls "$POP" -t pop3
	testssl_scan pop3s "$POPS"
	for scan in "${SCANS[@]}"; do
		wait "${scan%%:*}" || true
	done
	for scan in "${SCANS[@]}"; do
		local r="$T/${scan#*:}.txt"
		echo "== ${scan#*:}"
		grep -E 'offered|cipher order|VULNERABLE|NOT ok|LUCKY13|Done' "$r" || cat "$r"
		# the scan ran to its end and saw what it had to judge
		grep -q '^ Done ' "$r"
		grep -q 'Has server cipher order? *yes (OK)' "$r"
		grep -q 'TLS 1.2 *offered (OK)' "$r"
		grep -q 'LUCKY13 .*not vulnerable (OK)' "$r"
		! grep -E 'NOT ok|VULNERABLE' "$r" || false
	done
}
