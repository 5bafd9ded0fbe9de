#!/usr/bin/env bats
# runq's one-line progress display: drawn in place on a terminal (a real
# pseudo-terminal, tests/pty_run.py), absent under cron, in a pipe or a file.

load helpers

pty_run() { /usr/bin/python3 "$ROOT/tests/pty_run.py" "$@"; }

# N messages for ann@test.example, delivered into a Maildir.
queue_local() {
	maildir_users ann
	local i
	for i in $(seq "$1"); do
		printf 'Subject: m%s\n\nbody\n' "$i" | pb sendmail ann@test.example
	done
}

@test "on a terminal, runq redraws one line in place and ends it with the final counts" {
	queue_local 40
	POSTBOX_LOG=syslog run pty_run "$PB" runq
	[ "$status" -eq 0 ]
	echo "$output"
	# One line: frames separated by CR, one newline at the very end.
	[[ "$output" == "b'\\rqueue run: "*"\\r\\n'" ]]
	frames=$(grep -o '\\rqueue run: ' <<<"$output" | wc -l)
	[ "$frames" -ge 2 ]
	[ "$(grep -o '\\n' <<<"$output" | wc -l)" -eq 1 ]
	# The last frame is padded with spaces over a longer one before it.
	final='\\rqueue run: 40 delivered, 0 deferred, 0 bounced, 0 left, [0-9]+\.[0-9] msg/s *\\r\\n'"'"'$'
	[[ "$output" =~ $final ]]
	[ "$(ls "$T/mail/ann/Maildir/new" | wc -l)" -eq 40 ]
}

@test "deferred and bounced are counted; sendmail -q shows the display too" {
	maildir_users ann
	conf smarthost "[127.0.0.1]:$(free_port)"   # nobody listens: deferred
	printf 'Subject: a\n\nx\n' | pb sendmail ann@test.example far@elsewhere.example
	printf 'Subject: b\n\nx\n' | pb sendmail nobody@test.example
	POSTBOX_LOG=syslog run pty_run "$PB" sendmail -q
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *'\rqueue run: 1 delivered, 1 deferred, 1 bounced, 0 left, '* ]]
}

@test "log lines on the same terminal erase the progress line before they are written" {
	queue_local 3
	POSTBOX_LOG=stderr run pty_run --stderr-too "$PB" runq
	[ "$status" -eq 0 ]
	echo "$output"
	[[ "$output" == *'\r\x1b[Krunq: info: '* ]]
	[[ "$output" == *'\rqueue run: 3 delivered, 0 deferred, 0 bounced, 0 left, '* ]]
}

@test "not on a terminal (a pipe, a file, cron): no progress output at all" {
	queue_local 5
	run sh -c '"$1" runq 2>/dev/null | wc -c' sh "$PB"
	[ "$status" -eq 0 ]
	[ "$output" = 0 ]
	queue_local 5
	pb runq > "$T/out" </dev/null
	[ ! -s "$T/out" ]
	# TERM=dumb, as some cron setups and editors' shells have it.
	queue_local 5
	TERM=dumb run pty_run env TERM=dumb "$PB" runq
	[ "$output" = "b''" ]
	[ "$(ls "$T/mail/ann/Maildir/new" | wc -l)" -eq 15 ]
}
