#!/usr/bin/env bats
# mailq --metrics: the queue in the Prometheus text exposition format, read
# back with a real parser (python3-prometheus-client's).

load helpers

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
