#!/usr/bin/env bats
# mailq: the Postfix-style listing, JSON lines, corrupt entries, privacy.

load helpers

@test "an empty or missing queue says so" {
	run pb mailq
	[ "$status" -eq 0 ]
	[ "$output" = "Mail queue is empty" ]
	run pb mailq --json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the listing shows id, size, sender, recipients and the closing line" {
	printf 'Subject: one\n\nbody\n' | pb sendmail -f alice@x.example bob@y.example carol@y.example
	printf 'Subject: two\n\nbody\n' | pb sendmail dave@z.example
	run pb mailq
	[ "$status" -eq 0 ]
	id1=$(queue_ids | head -n1)
	size1=$(stat -c %s "$SPOOL/queue/$id1.msg")
	[[ "${lines[0]}" == "-Queue ID-"*"--Size--"*"-Sender/Recipient-------" ]]
	[[ "${lines[1]}" =~ ^$id1\ +$size1\ .*\ alice@x\.example$ ]]
	[[ "${lines[2]}" =~ ^\ +bob@y\.example$ ]]
	[[ "${lines[3]}" =~ ^\ +carol@y\.example$ ]]
	[[ "$output" == *"dave@z.example"* ]]
	[[ "${lines[-1]}" == "-- 1 Kbytes in 2 Requests." ]]
}

@test "--json prints one object per message with postqueue -j names" {
	printf 'Subject: one\n\nbody\n' | pb sendmail -f '<>' bob@y.example
	printf 'Subject: two\n\nbody\n' | pb sendmail dave@z.example
	pb mailq --json > "$T/out"
	[ "$(wc -l < "$T/out")" -eq 2 ]
	/usr/bin/python3 - "$T/out" "$(queue_ids | head -n1)" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
first = rows[0]
assert first["queue_id"] == sys.argv[2], first
assert first["queue_name"] == "active"
assert first["sender"] == ""
assert first["recipients"] == [{"address": "bob@y.example"}], first
assert isinstance(first["arrival_time"], int) and isinstance(first["message_size"], int)
assert rows[1]["sender"] == "root@test.example"
PY
}

@test "deferred recipients show their last error; held mail is marked" {
	printf 'b\n' | pb sendmail bob@y.example
	id=$(queue_ids)
	sed -i 's/^rcpt bob@y.example state=queued/rcpt bob@y.example state=deferred error=451%204.7.1%20greylisted/' "$SPOOL/queue/$id.env"
	sed -i 's/^end$/held 1\nend/' "$SPOOL/queue/$id.env"
	run pb mailq
	[[ "${lines[1]}" =~ ^$id! ]]
	[[ "${lines[2]}" =~ ^\ +\(451\ 4\.7\.1\ greylisted\)$ ]]
	run pb mailq --json
	[[ "$output" == *'"queue_name":"hold"'* ]]
	[[ "$output" == *'"delay_reason":"451 4.7.1 greylisted"'* ]]
}

@test "control characters in addresses are printed escaped" {
	printf 'b\n' | pb sendmail bob@y.example
	id=$(queue_ids)
	sed -i 's/^rcpt bob@y.example /rcpt bo%1B[31mb@y.example /' "$SPOOL/queue/$id.env"
	run pb mailq
	[[ "$output" == *'bo\x1b[31mb@y.example'* ]]
	[[ "$output" != *$'\e'* ]]
	run pb mailq --json
	[[ "$output" == *'bo\u001b[31mb@y.example'* ]]
}

@test "a corrupt envelope moves to corrupt/ and the rest is listed" {
	printf 'b\n' | pb sendmail good@y.example
	printf 'b\n' | pb sendmail bad@y.example
	bad=$(queue_ids | tail -n1)
	head -c 60 "$SPOOL/queue/$bad.env" > "$T/cut" && cp "$T/cut" "$SPOOL/queue/$bad.env"
	run pb mailq
	[ "$status" -eq 0 ]
	[[ "$output" == *"good@y.example"* ]]
	[[ "$output" == *"$bad: "*"moved to $SPOOL/corrupt"* ]]
	[ -f "$SPOOL/corrupt/$bad.env" ]
	[ -f "$SPOOL/corrupt/$bad.msg" ]
	grep -q truncated "$SPOOL/corrupt/$bad.why"
	[ "$(queue_count)" -eq 1 ]
	# an unknown envelope version is refused the same way, never guessed
	printf 'b\n' | pb sendmail other@y.example
	v=$(queue_ids | tail -n1)
	sed -i '1s/.*/postbox-envelope 9/' "$SPOOL/queue/$v.env"
	run pb mailq
	[[ "$output" == *"unknown envelope version"* ]]
	[ -f "$SPOOL/corrupt/$v.env" ]
}

@test "a user who does not own the spool sees only their own messages" {
	open_to_nobody
	printf 'b\n' | pb sendmail root-rcpt@y.example
	printf 'b\n' | as_nobody "$PB" sendmail nobody-rcpt@y.example
	pb pickup
	# the queue directory is the owner's alone: others are told so
	run as_nobody "$PB" mailq
	[ "$status" -eq 77 ]
	[[ "$output" == *"only root and the spool's owner may list this queue"* ]]
	# where an administrator opened it up, each user still sees only their own
	chmod -R a+rX "$SPOOL/queue"
	run as_nobody "$PB" mailq
	[ "$status" -eq 0 ]
	[[ "$output" == *nobody-rcpt@y.example* ]]
	[[ "$output" != *root-rcpt@y.example* ]]
	[[ "${lines[-1]}" == *"in 1 Request."* ]]
	run pb mailq
	[[ "${lines[-1]}" == *"in 2 Requests."* ]]
}
