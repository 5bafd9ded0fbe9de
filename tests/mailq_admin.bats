#!/usr/bin/env bats
# mailq management: --hold/--release, --delete (ids, stdin, filters),
# --requeue, --expire, --show, --flush, filters, and a user's own messages.

load helpers
load servers_helpers
load queue_helpers

send() {
	local subject=$1
	shift
	printf 'Subject: %s\n\nbody\n' "$subject" | pb sendmail "$@"
}

nth_id() { queue_ids | sed -n "${1}p"; }

@test "--hold marks a message with ! and runners skip it; --release lets it go" {
	send one a@example.org
	id=$(nth_id 1)
	run pb mailq --hold "$id"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mailq: 1 message held"* ]]
	grep -qx 'held 1' "$SPOOL/queue/$id.env"
	run pb mailq
	[[ "${lines[1]}" =~ ^$id\ *! ]]
	run pb mailq --json
	[[ "$output" == *'"queue_name":"hold"'* ]]
	# a runner does not touch held mail
	run pb runq --force
	grep -q 'state=queued attempts=0' "$SPOOL/queue/$id.env"
	run pb mailq --release "$id"
	[[ "$output" == *"mailq: 1 message released"* ]]
	! grep -q '^held' "$SPOOL/queue/$id.env" || false
}

@test "--delete by id, by ids on stdin from mailq --json, and by filter" {
	send s1 a@example.org
	send s2 b@example.org
	send s3 c@example.net
	send s4 d@example.net
	run pb mailq --delete "$(nth_id 1)"
	[[ "$output" == *"mailq: 1 message deleted"* ]]
	[ "$(queue_count)" -eq 3 ]
	# the pipeline of the issue: mailq --json | jq ... | mailq --delete -
	pb mailq --json | jq -c 'select(.recipients[0].address == "b@example.org")' | pb mailq --delete -
	[ "$(queue_count)" -eq 2 ]
	! grep -q 'b@example.org' "$SPOOL"/queue/*.env || false
	run pb mailq --delete --rcpt example.net
	[[ "$output" == *"mailq: 2 messages deleted"* ]]
	[ "$(queue_count)" -eq 0 ]
	# no bounce for deleted mail
	[ -z "$(ls "$SPOOL/queue")" ]
}

@test "actions need a target; unknown ids are 66; bad ids are 64" {
	run pb mailq --delete
	[ "$status" -eq 64 ]
	run pb mailq --delete 0000000000000-1
	[ "$status" -eq 66 ]
	[[ "$output" == *"not in the queue"* ]]
	run pb mailq --hold ../../etc/passwd
	[ "$status" -eq 64 ]
	run pb mailq --state frozen
	[ "$status" -eq 64 ]
	run pb mailq --older-than soon
	[ "$status" -eq 64 ]
}

@test "filters: sender, recipient, age and state select for listing" {
	send f1 a@example.org
	send f2 -f other@example.com b@example.org
	run pb mailq --sender other@
	[[ "$output" == *"other@example.com"* ]]
	[[ "$output" == *"1 Request."* ]]
	run pb mailq --rcpt a@example
	[[ "$output" == *"a@example.org"* && "$output" != *"b@example.org"* ]]
	run pb mailq --older-than 1h
	[ "$output" = "Mail queue is empty" ]
	run pb mailq --younger-than 1h
	[[ "$output" == *"2 Requests."* ]]
	pb mailq --hold --sender other@ > /dev/null
	run pb mailq --state hold --json
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[[ "$output" == *other@example.com* ]]
	run pb mailq --state active
	[[ "$output" == *"1 Request."* ]]
}

@test "--requeue forgets the backoff; --show prints envelope and header" {
	send r1 a@example.org
	id=$(nth_id 1)
	sed -i 's/state=queued attempts=0 next=0/state=deferred attempts=3 next=99999999999 error=451%20busy/' \
		"$SPOOL/queue/$id.env"
	run pb mailq --requeue "$id"
	[[ "$output" == *"mailq: 1 message requeued"* ]]
	grep -q 'rcpt a@example.org state=deferred attempts=0 next=0 error=451%20busy' "$SPOOL/queue/$id.env"
	run pb mailq --show "$id"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "postbox-envelope 2" ]
	[[ "$output" == *"Subject: r1"* ]]
	[[ "$output" != *"body"* ]]
}

@test "--expire bounces now with an RFC 3464 report" {
	send e1 a@example.org
	id=$(nth_id 1)
	run pb mailq --expire "$id"
	[[ "$output" == *"mailq: 1 message expired"* ]]
	[ ! -e "$SPOOL/queue/$id.env" ]
	b=$(grep -l '^sender <>$' "$SPOOL"/queue/*.env | head -n1)
	[ -n "$b" ]
	grep -q '^Action: failed$' "${b%.env}.msg"
	grep -q '^Status: 5.4.7$' "${b%.env}.msg"
}

@test "--flush delivers the selected messages now" {
	mx_port
	start_mx_sink
	send fl1 a@example.org
	send fl2 b@example.org
	sed -i 's/next=0/next=99999999999/' "$SPOOL"/queue/*.env
	run pb mailq --flush --rcpt a@
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	[ "$(sink_count)" -eq 1 ]
	run pb mailq --flush
	[ "$(queue_count)" -eq 0 ]
	[ "$(sink_count)" -eq 2 ]
}

@test "a user acts on their own messages only" {
	open_to_nobody
	send mine a@example.org
	printf 'Subject: theirs\n\nb\n' | as_nobody "$PB" sendmail x@example.org
	pb pickup
	root_id=$(grep -l '^uid 0$' "$SPOOL"/queue/*.env | xargs basename | sed 's/\.env$//')
	# the queue is the owner's alone: no listing, no action
	run as_nobody "$PB" mailq --delete --all
	[ "$status" -eq 77 ]
	[ "$(queue_count)" -eq 2 ]
	# where an administrator opened it up, each user acts on their own only
	chmod -R a+rwX "$SPOOL/queue" "$SPOOL/tmp"
	run as_nobody "$PB" mailq --delete "$root_id"
	echo "$output"
	[ "$status" -eq 77 ]
	[ -e "$SPOOL/queue/$root_id.env" ]
	run as_nobody "$PB" mailq --show "$root_id"
	[ "$status" -eq 77 ]
	run as_nobody "$PB" mailq --delete --all
	echo "$output"
	[[ "$output" == *"mailq: 1 message deleted"* ]]
	[ "$(queue_count)" -eq 1 ]
	[ -e "$SPOOL/queue/$root_id.env" ]
}
