#!/usr/bin/env bats
# Dovecot's imaptest against imapd: its 71 scripted test groups
# (DEST/src/tests), and its stress mode. imaptest is built once per build
# directory ($POSTBOX_BUILD/imaptest, about 15 s on an idle machine; it
# needs dovecot-dev and dovecot-core, scripts/deps installs them).

load helpers
load deliver_helpers
load servers_helpers
load pop3_helpers

IMAPTEST_DIR="$ROOT/${POSTBOX_BUILD:-build}/imaptest"
IMAPTEST="$IMAPTEST_DIR/src/imaptest"

# imaptest's source and build script live beside the repository, in
# ../shared/tools (the conformance material the project is given, not part
# of the clone); a clone without it skips these tests and says why.
imaptest_builder() {
	local d
	for d in "$ROOT/../shared" "$ROOT/../../shared"; do
		[ -x "$d/tools/build-imaptest" ] && { echo "$d/tools/build-imaptest"; return 0; }
	done
	return 1
}

# Build imaptest unless this build directory has it already. The shared
# build script needs a version when its tree is not a git checkout.
imaptest_ready() {
	[ -x "$IMAPTEST" ] && return 0
	[ -f /usr/lib/dovecot/dovecot-config ] || return 1
	local builder
	builder=$(imaptest_builder) || return 1
	VERSION=0.0.0 "$builder" "$IMAPTEST_DIR" >"$T/imaptest-build.log" 2>&1
	[ -x "$IMAPTEST" ]
}

# Skip (with the reason) only when imaptest cannot be had at all.
need_imaptest() {
	[ -f /usr/lib/dovecot/dovecot-config ] || skip "imaptest needs dovecot-dev, which is not installed (scripts/deps installs it)"
	[ -x "$IMAPTEST" ] || imaptest_builder >/dev/null ||
		skip "imaptest's source is not beside the repository (../shared/tools/build-imaptest)"
}

suite_setup() {
	make_pop_users
	conf imap_plaintext_auth yes
}

start_imapd() {
	PORT=$(free_port)
	serve "$PORT" "$T/imapd.log" "$PB" imapd -l "127.0.0.1:$PORT"
}

@test "imaptest's scripted tests: groups passed, failed and skipped (figures in the output)" {
	need_imaptest
	imaptest_ready || { cat "$T/imaptest-build.log" 2>/dev/null | tail -20; false; }
	fill 1
	start_imapd
	run timeout 600 "$IMAPTEST" host=127.0.0.1 port="$PORT" user=ann@test.example pass=secret \
		test="$IMAPTEST_DIR/src/tests"
	printf '%s\n' "$output" > "$T/imaptest.out"
	summary=$(grep -E '^[0-9]+ test groups: ' "$T/imaptest.out")
	echo "$summary" >&3
	grep -E '^(base protocol|extensions): ' "$T/imaptest.out" >&3 || true
	total=$(sed -E 's/^([0-9]+) test groups.*/\1/' <<<"$summary")
	failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")
	skipped=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$summary")
	echo "# imaptest: $((total - ${failed:-0} - ${skipped:-0})) of $total groups passed, ${failed:-0} failed, ${skipped:-0} skipped" >&3
	[ "$total" -eq 71 ]
	# No crash: the server still answers after the whole run.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 greeting <&5
	exec 5>&-
	[[ "$greeting" == "* OK "* ]]
	! grep -q 'signal\|stack smashing' "$T/imapd.log" || false
	# The floor reached so far: raise it as groups pass, never lower it.
	[ "$((total - ${failed:-0} - ${skipped:-0}))" -ge "${IMAPTEST_MIN_PASSED:-41}" ]
}

@test "imaptest's stress mode: 20 clients for 20 s on one mailbox, no Error: line" {
	need_imaptest
	imaptest_ready || false
	conf imap_max_per_ip 100
	for i in $(seq 30); do
		printf 'From a@b.example  Fri Feb 22 17:06:23 2008\nSubject: s%d\nFrom: a@b.example\nTo: c@d.example\n\nhello %d\n\n' "$i" "$i"
	done > "$T/stress.mbox"
	start_imapd
	run timeout 120 "$IMAPTEST" host=127.0.0.1 port="$PORT" user=ann@test.example pass=secret \
		mbox="$T/stress.mbox" clients=20 secs=20
	status_is 0
	printf '%s\n' "$output" | tail -4 >&3
	! grep -q 'Error:' <<<"$output" || { grep 'Error:' <<<"$output" | head; false; }
	[ "$(ls "$MD/cur" "$MD/new" | wc -l)" -gt 0 ]   # it did append and expunge
	! grep -q 'signal\|stack smashing' "$T/imapd.log" || false
}
