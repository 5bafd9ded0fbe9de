#!/usr/bin/env bats
# Unprivileged submission into a system spool: incoming/ and pickup.

load helpers

suite_setup() {
	open_to_nobody
	pb pickup                      # creates the spool as root
}

@test "the spool is closed to others except incoming/, which is sticky" {
	[ "$(stat -c %a "$SPOOL/queue")" = 700 ]
	[ "$(stat -c %a "$SPOOL/tmp")" = 700 ]
	[ "$(stat -c %a "$SPOOL/incoming")" = 1777 ]
	run as_nobody ls "$SPOOL/queue"
	[ "$status" -ne 0 ]
}

@test "a user's sendmail lands in incoming/, pickup moves it into the queue" {
	printf 'Subject: from nobody\n\nhello\n' | as_nobody "$PB" sendmail friend@x.example
	[ "$(queue_count)" -eq 0 ]
	ls "$SPOOL/incoming" | grep -q '\.env$'
	[ "$(stat -c %U "$SPOOL/incoming/"*.msg)" = nobody ]
	[ "$(stat -c %a "$SPOOL/incoming/"*.msg)" = 600 ]
	run pb pickup
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	[ -z "$(ls "$SPOOL/incoming")" ]
	e="$SPOOL/queue/$(queue_ids).env"
	grep -qx 'sender nobody@test.example' "$e"
	grep -qx 'uid 65534' "$e"
	grep -q '^rcpt friend@x.example ' "$e"
	grep -qx hello "$SPOOL/queue/$(queue_ids).msg"
	[ "$(stat -c %U "$SPOOL/queue/$(queue_ids).msg")" = root ]
}

@test "a forged envelope in incoming/ gets the submitter's own sender and uid" {
	id=6616470395303-1a35
	as_nobody sh -c "printf 'postbox-envelope 1\nid $id\nsender root@test.example\nuid 0\nclient 10.0.0.1\nrcpt victim@x.example state=sent\nend\n' > '$SPOOL/incoming/$id.env'; printf 'Subject: forged\n\nx\n' > '$SPOOL/incoming/$id.msg'"
	run pb pickup
	[ "$status" -eq 0 ]
	e="$SPOOL/queue/$(queue_ids).env"
	grep -qx 'sender nobody@test.example' "$e"
	grep -qx 'uid 65534' "$e"
	grep -qx 'client local' "$e"
	grep -q '^rcpt victim@x.example state=queued ' "$e"
}

@test "hostile incoming entries are refused into corrupt/, nothing else is lost" {
	as_nobody sh -c "
		printf 'postbox-envelope 1\nid 6616470395303-0001\nsender a@b\nrcpt v@x.example\nend\n' > '$SPOOL/incoming/6616470395303-0001.env'
		printf 'Subject: cr\r\n\r\nsmuggle\r\n' > '$SPOOL/incoming/6616470395303-0001.msg'
		printf 'postbox-envelope 1\nid 6616470395303-0002\nsender a@b\nrcpt v@x.example\nend\n' > '$SPOOL/incoming/6616470395303-0002.env'
		ln -s /etc/shadow '$SPOOL/incoming/6616470395303-0002.msg'
		printf 'garbage\n' > '$SPOOL/incoming/6616470395303-0003.env'
	"
	printf 'Subject: fine\n\nok\n' | as_nobody "$PB" sendmail good@x.example
	run pb pickup
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	grep -q '^rcpt good@x.example' "$SPOOL/queue/$(queue_ids).env"
	grep -q 'CR or NUL' "$SPOOL/corrupt/6616470395303-0001.why"
	grep -qE 'not a plain file|symbolic links' "$SPOOL/corrupt/6616470395303-0002.why"
	grep -q 'envelope' "$SPOOL/corrupt/6616470395303-0003.why"
	! grep -rq root: "$SPOOL/queue" || false
}

@test "pickup is for root or the spool's owner only (77)" {
	run as_nobody "$PB" pickup
	[ "$status" -eq 77 ]
}

@test "a user cannot forge -f even through incoming/ (77)" {
	run as_nobody "$PB" sendmail -f root@test.example a@x.example < /dev/null
	[ "$status" -eq 77 ]
	[ -z "$(ls "$SPOOL/incoming")" ]
}

@test "without /proc, a user's submission is never seen half-linked: pickup run mid-commit takes nothing, the next takes it" {
	command -v strace >/dev/null && command -v unshare >/dev/null || skip "needs strace and unshare"
	! ldd "$PB" | grep -q libasan || skip "the ASan runtime cannot run without /proc"
	export PB
	# the named-file commit, held for 2 s as it drops the temp name (which
	# once came after the envelope's rename, the commit point, and left a
	# committed message with two links, which pickup refuses as not the user's)
	printf 'Subject: slow\n\nbody\n' > "$T/in"
	unshare --mount sh -c 'mount -t tmpfs none /proc && exec strace -f -o /dev/null \
		-e inject=unlink:delay_enter=2000000:when=1 \
		setpriv --reuid=nobody --regid=nogroup --clear-groups "$PB" sendmail friend@x.example' < "$T/in" &
	track $!
	sub=$!
	wait_until sh -c 'ls "$1" | grep -q "^[0-9a-f].*\.msg$"' _ "$SPOOL/incoming"
	run pb pickup
	[ "$status" -eq 0 ]
	wait "$sub"
	[ -z "$(ls "$SPOOL/corrupt")" ]
	[ "$(queue_count)" -eq 0 ]
	run pb pickup
	[ "$status" -eq 0 ]
	[ "$(queue_count)" -eq 1 ]
	grep -qx body "$SPOOL/queue/$(queue_ids).msg"
}

@test "a message left in incoming/ without its envelope is removed after a day, not before" {
	old=6616470395303-1a35 new=6616470395304-1a36
	as_nobody sh -c "printf 'x\n' > '$SPOOL/incoming/$old.msg'; printf 'y\n' > '$SPOOL/incoming/$new.msg'"
	touch -d '2 days ago' "$SPOOL/incoming/$old.msg"
	run pb runq
	[ "$status" -eq 0 ]
	[ ! -e "$SPOOL/incoming/$old.msg" ]
	[ -e "$SPOOL/incoming/$new.msg" ]
	[ -z "$(ls "$SPOOL/corrupt")" ]
}
