#!/usr/bin/env bats
# The systemd units of scripts/systemd/: each one verifies with
# systemd-analyze against a scratch root holding the binary (so that
# ExecStart= is checked too, without installing anything on this machine),
# and each service is rated 4.5 or lower ("OK") by systemd-analyze security.

load helpers

UNITS="$ROOT/scripts/systemd"

suite_setup() {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze not installed (package systemd)"
	R="$T/root"
	mkdir -p "$R/usr/sbin" "$R/bin" "$R/usr/lib/systemd" "$R/etc/systemd/system"
	cp "$PB" "$R/usr/sbin/postbox"
	cp /bin/kill "$R/bin/kill"
	cp -a /lib/systemd/system "$R/usr/lib/systemd/"
	cp "$UNITS"/postbox-* "$R/etc/systemd/system/"
}

@test "every unit verifies with systemd-analyze (ExecStart, directives, dependencies)" {
	local n=0 u
	cd "$R/etc/systemd/system"
	for u in postbox-*; do
		run systemd-analyze verify --man=no --root="$R" "$u"
		[ "$status" -eq 0 ] || { echo "$u: $output"; false; }
		[ -z "$output" ] || { echo "$u: $output"; false; }
		n=$((n + 1))
	done
	[ "$n" -eq "$(ls "$ROOT"/scripts/systemd/postbox-* | wc -l)" ]
}

@test "a broken unit fails the same check (the check can fail)" {
	cd "$R/etc/systemd/system"
	sed 's#/usr/sbin/postbox#/usr/sbin/no-such-postbox#' postbox-smtpd.service > broken.service
	run systemd-analyze verify --man=no --root="$R" broken.service
	[ "$status" -ne 0 ]
	[[ "$output" == *"no-such-postbox"* ]]
}

@test "every service is rated 4.5 or lower by systemd-analyze security" {
	local u score
	cd "$R/etc/systemd/system"
	for u in postbox-*.service; do
		score=$(systemd-analyze security --offline=true --root="$R" "$u" 2>&1 |
			sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
		echo "$u: $score"
		[ -n "$score" ]
		awk -v s="$score" 'BEGIN { exit !(s <= 4.5) }'
	done
}

@test "the old example unit would fail the security threshold (the check can fail)" {
	cd "$R/etc/systemd/system"
	printf '[Service]\nExecStart=/usr/sbin/postbox smtpd -l [::]:25\n' > plain.service
	score=$(systemd-analyze security --offline=true --root="$R" plain.service 2>&1 |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	awk -v s="$score" 'BEGIN { exit !(s > 4.5) }'
}

@test "the socket units pass connections to the session services (Accept=yes pairs)" {
	grep -qx 'Accept=yes' "$UNITS/postbox-smtpd.socket"
	grep -qx 'Accept=yes' "$UNITS/postbox-pop3d.socket"
	grep -qx 'StandardInput=socket' "$UNITS/postbox-smtpd@.service"
	grep -qx 'StandardInput=socket' "$UNITS/postbox-pop3d@.service"
}
