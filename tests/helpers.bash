# tests/helpers.bash — shared set-up for every bats suite.
#
# Each test gets its own directory ($T), spool ($SPOOL) and configuration
# file ($POSTBOX_CONFIG, with smtpd's sender checks off: they ask the DNS,
# and a test asks only the fake one a suite starts, then sets auth_checks); `pb APPLET ...` runs the binary under test
# (POSTBOX_BUILD=build-asan selects the sanitizer build). Suites may load
# more helpers after this one: tests/servers_helpers.bash starts the real
# peers (smtpd, smtp-sink, aiosmtpd, s_server, ldns-testns, certificates);
# tests/<suite>_helpers.bash hold what one suite needs.

ROOT="$(cd "$(dirname "${BATS_TEST_FILENAME}")/.." && pwd)"
PB="$ROOT/${POSTBOX_BUILD:-build}/postbox"
. "$ROOT/scripts/ports.sh" # free_port, port_open, wait_until, wait_port
export POSTBOX_LOG=stderr
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

pb() { "$PB" "$@"; }

setup() {
	T="$(mktemp -d "${BATS_TMPDIR:-/tmp}/postbox-test.XXXXXX")"
	SPOOL="$T/spool"
	export POSTBOX_CONFIG="$T/postbox.conf"
	cat > "$POSTBOX_CONFIG" <<CONF
hostname = test.example
spool = $SPOOL
local_domains = test.example, localhost
auth_checks = no
CONF
	# Lines a helper file asks every test of its suites to start with.
	[ -z "${SUITE_CONF:-}" ] || printf '%s\n' "$SUITE_CONF" >> "$POSTBOX_CONFIG"
	BG_PIDS=()
	reachable_binary
	if declare -F suite_setup >/dev/null; then suite_setup; fi
}

# The checkout may sit where other users cannot go (a clone in root's
# home, mode 0700), and tests drop to nobody (as_nobody, deliver and runq
# becoming a mailbox's owner and running this binary again). Then every
# test of the file runs a copy of the binary from $T/pb, which nobody can
# reach once the test opens $T to it, as those tests do.
reachable_binary() {
	[ "$(id -u)" = 0 ] || return 0
	as_nobody test -x "$PB" && return 0
	mkdir -m 755 "$T/pb"
	cp "$PB" "$T/pb/postbox"
	PB="$T/pb/postbox"
}

teardown() {
	if declare -F suite_teardown >/dev/null; then suite_teardown; fi
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# A tmpfs a test mounted must go before its directory does.
	if [ -n "${T:-}" ]; then
		grep -q " $T/" /proc/mounts 2>/dev/null && umount -l "$T"/* 2>/dev/null
		rm -rf "$T"
	fi
}

# Add "key = value" to this test's configuration.
conf() { printf '%s = %s\n' "$1" "$2" >> "$POSTBOX_CONFIG"; }

# Remember a background process so teardown stops it.
track() { BG_PIDS+=("$1"); }

# A TCP port on loopback that is free right now.
# Stop a tracked background process now rather than at teardown.
stop_bg() {
	kill "$1"
	wait "$1" 2>/dev/null || true
}

# maildir_users NAME...: a users file ($T/users, configured) giving each
# NAME@test.example a Maildir under $T/mail/NAME and no password.
maildir_users() {
	local n
	for n in "$@"; do
		printf '%s@test.example:*:%s/mail/%s/Maildir/\n' "$n" "$T" "$n"
	done > "$T/users"
	conf users "$T/users"
}

# Let nobody into $T and read the configuration (and the FILES given).
open_to_nobody() {
	chmod 755 "$T"
	chmod 644 "$POSTBOX_CONFIG" "$@"
}

# A spool owned by nobody (mode 700) that nobody can reach.
nobody_spool() {
	chmod 755 "$T"
	mkdir -p "$SPOOL" && chown nobody "$SPOOL" && chmod 700 "$SPOOL"
}

# Run a command as nobody (no groups).
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# Queue ids, one per line, oldest first.
queue_ids() {
	ls "$SPOOL/queue" 2>/dev/null | sed -n 's/\.env$//p' | sort
}

queue_count() { queue_ids | wc -l; }

# The message and envelope files of the newest queue entry.
msg_file() { echo "$SPOOL/queue/$(queue_ids | tail -n1).msg"; }
env_file() { echo "$SPOOL/queue/$(queue_ids | tail -n1).env"; }

# Print a file with its control characters visible, for failure output.
show() { cat -A "$1" >&2; }
