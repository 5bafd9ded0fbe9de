#!/usr/bin/env bats
# mailq --metrics: the queue in the Prometheus text exposition format, read
# back with a real parser (python3-prometheus-client's); smtpd's, pop3d's
# and imapd's metrics files, counted across their forked sessions.

load helpers
load deliver_helpers
load servers_helpers
load pop3_helpers

# The samples as "name{label=value} value" lines, through the parser.
parse_metrics() {
	/usr/bin/python3 -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(sys.stdin.read()):
    assert fam.type == "gauge", fam.name
    for s in fam.samples:
        labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print("%s{%s} %g" % (s.name, labels, s.value))'
}

@test "mailq --metrics on a missing spool: every family, all zero, and it parses" {
	run pb mailq --metrics
	[ "$status" -eq 0 ]
	run parse_metrics <<<"$output"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *'postbox_queue_messages{state=active} 0'* ]]
	[[ "$output" == *'postbox_queue_oldest_message_age_seconds{} 0'* ]]
	[[ "$output" == *'postbox_queue_corrupt_files{} 0'* ]]
}

@test "mailq --metrics counts messages and bytes per state, the oldest age and the pending recipients by error class" {
	command -v /usr/bin/python3 >/dev/null
	for i in 1 2 3; do
		printf 'Subject: m%s\n\nbody %s\n' "$i" "$i" | pb sendmail "r$i@example.org" "s$i@example.org"
	done
	# Defer them all: the smarthost refuses connections (a port nobody serves).
	conf smarthost "[127.0.0.1]:$(free_port)"
	pb runq || true
	ids=($(pb mailq --json | /usr/bin/python3 -c 'import sys, json; [print(json.loads(l)["queue_id"]) for l in sys.stdin]'))
	[ "${#ids[@]}" -eq 3 ]
	pb mailq --hold "${ids[0]}"
	size_held=$(stat -c %s "$SPOOL/queue/${ids[0]}.msg")
	size_rest=$(( $(stat -c %s "$SPOOL/queue/${ids[1]}.msg") + $(stat -c %s "$SPOOL/queue/${ids[2]}.msg") ))
	# One file set aside, as a damaged envelope would be.
	mkdir -p "$SPOOL/corrupt" && touch "$SPOOL/corrupt/X1.env" "$SPOOL/corrupt/X1.why"
	sleep 1
	run pb mailq --metrics
	[ "$status" -eq 0 ]
	metrics=$output
	run parse_metrics <<<"$metrics"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"postbox_queue_messages{state=hold} 1"* ]]
	[[ "$output" == *"postbox_queue_messages{state=deferred} 2"* ]]
	[[ "$output" == *"postbox_queue_messages{state=active} 0"* ]]
	[[ "$output" == *"postbox_queue_bytes{state=hold} $size_held"* ]]
	[[ "$output" == *"postbox_queue_bytes{state=deferred} $size_rest"* ]]
	[[ "$output" == *"postbox_queue_corrupt_files{} 1"* ]]
	age=$(sed -n 's/^postbox_queue_oldest_message_age_seconds{} //p' <<<"$output")
	[ "$age" -ge 1 ] && [ "$age" -lt 120 ]
	# Six pending recipients, each with the class of its last error.
	total=$(awk '/^postbox_queue_pending_recipients/ { n += $2 } END { print n }' <<<"$output")
	[ "$total" -eq 6 ]
	! grep -q 'reason=none' <<<"$output" || false
}

@test "mailq --metrics with an action is a usage error" {
	run pb mailq --metrics --flush
	[ "$status" -eq 64 ]
	[[ "$output" == *"--metrics"* ]]
}

# --- smtpd and pop3d: counters of forked sessions, in a file ----------------

# The metrics FILE's samples as "name{labels} value" lines, through the
# parser (counters and gauges only).
metrics_samples() {
	/usr/bin/python3 - "$1" <<'PY'
import sys
from prometheus_client.parser import text_string_to_metric_families
for fam in text_string_to_metric_families(open(sys.argv[1]).read()):
    assert fam.type in ("counter", "gauge"), fam
    for s in fam.samples:
        labels = ",".join('%s="%s"' % kv for kv in sorted(s.labels.items()))
        print("%s%s %d" % (s.name, "{%s}" % labels if labels else "", s.value))
PY
}

# The server wrote FILE with sessions_total N (the probes that waited for
# its ports): keep it as the baseline $T/before.
metrics_baseline() {
	wait_until grep -qx "postbox_${2}_sessions_total $3" "$1" || { cat "$1" >&2; return 1; }
	metrics_samples "$1" > "$T/before"
}

# Wait until FILE's sessions_total has grown by the expected count, then
# check that every "name value" line of EXPECTED (metrics_drive.py's
# output) is what FILE grew by since the baseline (a gauge: what it is).
check_metrics_file() {
	local file=$1 expected=$2 server=$3 sessions
	sessions=$(( $(sed -n "s/^postbox_${server}_sessions_total //p" "$T/before") + \
		$(sed -n "s/^postbox_${server}_sessions_total //p" "$expected") ))
	wait_until grep -qx "postbox_${server}_sessions_total $sessions" "$file" || { cat "$file" >&2; return 1; }
	metrics_samples "$file" > "$T/after"
	awk 'FILENAME == ARGV[1] { before[$1] = $2; next }
	     FILENAME == ARGV[2] { after[$1] = $2; next }
	     { got = after[$1] - ($1 ~ /_active$/ ? 0 : before[$1])
	       if (!($1 in after) || got != $2) { print $1 ": expected +" $2 ", got +" got; bad = 1 } }
	     END { exit bad }' "$T/before" "$T/after" "$expected"
}

@test "smtpd_metrics_file: sessions, messages, refusals by reason, TLS and AUTH outcomes, counted exactly across forked sessions" {
	export PB T
	h=$(printf 'secret\n' | pb passwd -m sha512)
	printf 'ann@test.example:%s:%s/ann/\n' "$h" "$T" > "$T/users"
	conf users "$T/users"
	server_cert test.example
	conf relay_networks 10.255.0.0/16
	conf auth_failure_limit 2
	conf max_sessions_per_ip 3
	conf smtpd_metrics_file "$T/smtpd.prom"
	conf metrics_interval 1s
	start_tls_listeners
	metrics_baseline "$T/smtpd.prom" smtpd 3
	/usr/bin/python3 "$ROOT/tests/metrics_drive.py" smtpd "$MTA" "$SUB" "$SMTPS" > "$T/expected"
	check_metrics_file "$T/smtpd.prom" "$T/expected" smtpd
	[ "$(queue_count)" -eq 3 ]
	bytes=$(sed -n 's/^size //p' "$SPOOL"/queue/*.env | awk '{ n += $1 } END { print n }')
	grep -qx "postbox_smtpd_accepted_bytes_total $bytes" "$T/smtpd.prom"
	# Written atomically: no temporary file is left behind.
	[ ! -e "$T/smtpd.prom.tmp" ]
}

@test "pop3_metrics_file: sessions, RETR and DELE, refusals, TLS and login outcomes, through separated sessions" {
	export PB T
	make_pop_users
	fill 2
	server_cert test.example
	conf auth_failure_limit 2
	conf pop3_metrics_file "$T/pop3d.prom"
	conf metrics_interval 1s
	start_tls_listeners
	metrics_baseline "$T/pop3d.prom" pop3d 2
	/usr/bin/python3 "$ROOT/tests/metrics_drive.py" pop3d "$POP" "$POPS" > "$T/expected"
	check_metrics_file "$T/pop3d.prom" "$T/expected" pop3d
	[ "$(find "$MD/new" "$MD/cur" -type f | wc -l)" -eq 1 ] # one of two deleted
}

@test "imap_metrics_file: sessions, messages fetched, appended and expunged, refusals, TLS and login outcomes, through separated sessions" {
	export PB T
	make_pop_users
	fill 2
	server_cert test.example
	conf auth_failure_limit 2
	conf imap_metrics_file "$T/imapd.prom"
	conf metrics_interval 1s
	IMAP=$(free_port) IMAPS=$(free_port)
	spawn "$T/imapd.log" "$PB" imapd -l "127.0.0.1:$IMAP" -s "127.0.0.1:$IMAPS"
	wait_port "$IMAP" && wait_port "$IMAPS"
	metrics_baseline "$T/imapd.prom" imapd 2
	/usr/bin/python3 "$ROOT/tests/metrics_drive.py" imapd "$IMAP" "$IMAPS" > "$T/expected"
	check_metrics_file "$T/imapd.prom" "$T/expected" imapd
	[ "$(find "$MD/new" "$MD/cur" -type f | wc -l)" -eq 2 ] # one expunged, one appended
	[ ! -e "$T/imapd.prom.tmp" ]
}

@test "the metrics file is rewritten on SIGTERM with the last counts, and a directory it cannot write is logged once" {
	conf smtpd_metrics_file "$T/nodir/smtpd.prom"
	conf metrics_interval 1s
	start_smtpd
	swaks --server "127.0.0.1:$PORT" --to a@test.example --from s@test.example >/dev/null
	sleep 2.5
	[ "$(grep -c 'event=metrics-write-failed' "$T/smtpd.log")" -eq 1 ]
	grep -q "nodir/smtpd.prom.tmp: No such file" "$T/smtpd.log"
	mkdir "$T/nodir"
	conf metrics_interval 1h
	kill -HUP "$SMTPD_PID"
	wait_until grep -q 'event=reloaded' "$T/smtpd.log"
	swaks --server "127.0.0.1:$PORT" --to a@test.example --from s@test.example >/dev/null
	stop_bg "$SMTPD_PID"
	grep -qx 'postbox_smtpd_sessions_total 3' "$T/nodir/smtpd.prom" # the probe of start_smtpd, two swaks
	grep -qx 'postbox_smtpd_messages_accepted_total 2' "$T/nodir/smtpd.prom"
}
