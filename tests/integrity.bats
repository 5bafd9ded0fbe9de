#!/usr/bin/env bats
# integrity: a damaged queue file is never sent as a whole message. The
# envelope (version 2) records the message's size and CRC-32; the queue
# runner, mailq --show, mailq --expire and pickup check them, and move a
# damaged message to corrupt/ — never delivered, bounced or deleted.

load helpers
load servers_helpers
load queue_helpers

suite_setup() { mx_port; }

# One message of about 9 KB to bob@example.org, queued by root's sendmail.
queue_big() {
	{ printf 'Subject: big\n\n'; for i in $(seq 1 300); do printf 'line %04d of the body, long enough\n' "$i"; done; } |
		pb sendmail -i bob@example.org
	id=$(queue_ids)
}

# The message is in corrupt/ with its envelope and the reason; nothing was
# sent, no bounce was queued, nothing is left in the queue.
assert_quarantined() {
	local id=$1 reason=$2
	[ "$(queue_count)" -eq 0 ]
	[ -e "$SPOOL/corrupt/$id.msg" ]
	[ -e "$SPOOL/corrupt/$id.env" ]
	grep -q "$reason" "$SPOOL/corrupt/$id.why"
	[ "$(sink_count)" -eq 0 ]
	[ -z "$(grep -l '^sender <>$' "$SPOOL"/queue/*.env 2>/dev/null)" ]
}

@test "the envelope records size and CRC-32 (version 2) of the committed message" {
	printf 'Subject: x\n\nhello\n' | pb sendmail -i bob@example.org
	e=$(env_file)
	head -n1 "$e" | grep -qx 'postbox-envelope 2'
	grep -qx "size $(stat -c %s "$(msg_file)")" "$e"
	want=$(/usr/bin/python3 -c 'import sys,zlib; print("%08X" % zlib.crc32(open(sys.argv[1],"rb").read()))' "$(msg_file)")
	grep -qx "crc32 $want" "$e"
}

@test "a truncated .msg is not relayed nor bounced: it goes to corrupt/ with the reason" {
	start_mx_sink
	queue_big
	truncate -s 3725 "$SPOOL/queue/$id.msg"
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	assert_quarantined "$id" 'message file is 3725 octets, the envelope recorded'
	[[ "$output" == *"qid=$id CORRUPT queue file: message file is 3725 octets"*"NOT delivered, NOT bounced"* ]]
}

@test "a zero-length .msg is not relayed nor bounced, even past the queue lifetime" {
	start_mx_sink
	conf queue_lifetime 1s
	queue_big
	: > "$SPOOL/queue/$id.msg"
	sleep 2
	run pb runq
	echo "$output"
	[ "$status" -eq 0 ]
	assert_quarantined "$id" 'message file is 0 octets'
}

@test "a .msg of the right size but changed bytes fails the CRC-32" {
	start_mx_sink
	queue_big
	sed -i 's/line 0150/LINE 0150/' "$SPOOL/queue/$id.msg"
	run pb runq
	echo "$output"
	assert_quarantined "$id" "message file's CRC-32 is"
}

@test "a local recipient's damaged message is not delivered to the mailbox" {
	maildir_users
	printf 'Subject: local\n\nhello there\n' | pb sendmail -i alice@test.example
	id=$(queue_ids)
	truncate -s 5 "$SPOOL/queue/$id.msg"
	run pb runq
	echo "$output"
	[ "$(queue_count)" -eq 0 ]
	grep -q 'message file is 5 octets' "$SPOOL/corrupt/$id.why"
	[ -z "$(find "$T" -path '*Maildir/new/*' -type f)" ]
}

@test "an intact message is delivered as before (the check passes)" {
	start_mx_sink
	queue_big
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
	[ "$(queue_count)" -eq 0 ]
	[ ! -e "$SPOOL/corrupt/$id.why" ]
}

@test "a version 1 envelope (no crc32) is still delivered, and its size still checked" {
	start_mx_sink
	queue_big
	sed -i -e '1s/.*/postbox-envelope 1/' -e '/^crc32 /d' "$SPOOL/queue/$id.env"
	run pb runq
	[ "$status" -eq 0 ]
	[ "$(sink_count)" -eq 1 ]
	queue_big
	sed -i -e '1s/.*/postbox-envelope 1/' -e '/^crc32 /d' "$SPOOL/queue/$id.env"
	truncate -s 100 "$SPOOL/queue/$id.msg"
	run pb runq
	grep -q 'message file is 100 octets' "$SPOOL/corrupt/$id.why"
	[ "$(sink_count)" -eq 1 ]
}

@test "mailq --show reports a damaged message (65) and moves it to corrupt/" {
	queue_big
	truncate -s 10 "$SPOOL/queue/$id.msg"
	run pb mailq --show "$id"
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"$id: the message file is damaged"* ]]
	[[ "$output" != *"Subject: big"* ]]
	[ -e "$SPOOL/corrupt/$id.msg" ]
	[ "$(queue_count)" -eq 0 ]
}

@test "mailq --expire does not bounce a damaged message" {
	queue_big
	: > "$SPOOL/queue/$id.msg"
	run pb mailq --expire "$id"
	echo "$output"
	[ "$status" -ne 0 ]
	[ "$(queue_count)" -eq 0 ]
	grep -q 'message file is 0 octets' "$SPOOL/corrupt/$id.why"
}

@test "pickup refuses a submission damaged in incoming/" {
	open_to_nobody
	pb pickup
	printf 'Subject: from nobody\n\nhello world\n' | as_nobody "$PB" sendmail friend@x.example
	inc=$(ls "$SPOOL/incoming" | sed -n 's/\.env$//p')
	grep -q '^crc32 ' "$SPOOL/incoming/$inc.env"
	as_nobody truncate -s 4 "$SPOOL/incoming/$inc.msg"
	run pb pickup
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 0 ]
	grep -q 'damaged message: message file is 4 octets' "$SPOOL/corrupt/$inc.why"
	[[ "$output" == *"pickup refused: CORRUPT"* ]]
}
