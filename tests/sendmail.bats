#!/usr/bin/env bats
# sendmail: enqueueing into the spool, its options, and hostile input.

load helpers

@test "a piped message is queued: message and envelope are plain files" {
	printf 'Subject: hi\n\nhello\n' | pb sendmail you@example.org
	[ "$(queue_count)" -eq 1 ]
	m=$(msg_file) e=$(env_file)
	grep -qx 'Subject: hi' "$m"
	grep -qx 'hello' "$m"
	grep -q '^Received: by test.example (postbox sendmail, from uid 0)$' "$m"
	grep -q '^Date: ' "$m"
	grep -q "^Message-ID: <$(queue_ids)@test.example>\$" "$m"
	grep -qx 'From: root@test.example' "$m"
	! grep -q $'\r' "$m" || false
	head -n1 "$e" | grep -qx 'postbox-envelope 2'
	grep -qx "id $(queue_ids)" "$e"
	grep -qx 'sender root@test.example' "$e"
	grep -qx 'rcpt you@example.org state=queued attempts=0 next=0' "$e"
	grep -qx "size $(stat -c %s "$m")" "$e"
	tail -n1 "$e" | grep -qx end
	# the blank line separates headers and body exactly once
	[ "$(grep -c '^$' "$m")" -eq 1 ]
}

@test "existing Date, Message-ID and From are kept, not duplicated" {
	printf 'From: Ann <ann@x.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <m1@x>\n\nbody\n' |
		pb sendmail you@example.org
	m=$(msg_file)
	[ "$(grep -c '^From:' "$m")" -eq 1 ]
	[ "$(grep -c '^Date:' "$m")" -eq 1 ]
	grep -qx 'Message-ID: <m1@x>' "$m"
}

@test "CRLF input is stored with LF line endings" {
	printf 'Subject: crlf\r\n\r\nline one\r\nline two\r\n' | pb sendmail you@example.org
	m=$(msg_file)
	! grep -q $'\r' "$m" || false
	grep -qx 'line two' "$m"
}

@test "a lone dot ends the input unless -i or -oi is given" {
	printf 'Subject: dots\n\nbefore\n.\nafter\n' | pb sendmail a@example.org
	! grep -q after "$(msg_file)" || false
	printf 'Subject: dots\n\nbefore\n.\nafter\n' | pb sendmail -i a@example.org
	grep -qx after "$(msg_file)"
	grep -qx '\.' "$(msg_file)"
	printf 'Subject: dots\n\n.\nafter\n' | pb sendmail -oi a@example.org
	grep -qx after "$(msg_file)"
}

@test "-t reads To, Cc and Bcc, understands groups and quotes, and removes Bcc" {
	printf '%s\n' 'To: "Smith, John" <john@x.example>, team: a@x.example, b@x.example;' \
		'Cc: carol@y.example (Carol, boss),' '  dave@y.example' 'Bcc: secret@z.example' \
		'Subject: t' '' 'body' | pb sendmail -t
	e=$(env_file)
	[ "$(grep -c '^rcpt ' "$e")" -eq 6 ]
	for r in john@x.example a@x.example b@x.example carol@y.example dave@y.example secret@z.example; do
		grep -q "^rcpt $r " "$e" || { echo "missing $r"; false; }
	done
	! grep -qi '^bcc:' "$(msg_file)" || false
	! grep -q secret "$(msg_file)" || false
}

@test "-t adds argument recipients and drops duplicates" {
	printf 'To: a@x.example, a@X.EXAMPLE\n\nb\n' | pb sendmail -t a@x.example c@x.example
	e=$(env_file)
	[ "$(grep -c '^rcpt ' "$e")" -eq 2 ]
}

@test "unqualified names get the hostname" {
	printf 'x\n' | pb sendmail root
	grep -q '^rcpt root@test.example ' "$(env_file)"
}

@test "-f, -r and -F set the sender and the From header" {
	printf 'Subject: f\n\nb\n' | pb sendmail -f bounce@x.example -F 'Jane Q. Doe' a@x.example
	grep -qx 'sender bounce@x.example' "$(env_file)"
	grep -qx 'From: "Jane Q. Doe" <bounce@x.example>' "$(msg_file)"
	printf 'b\n' | pb sendmail -rother@x.example a@x.example
	grep -qx 'sender other@x.example' "$(env_file)"
	printf 'b\n' | pb sendmail -f '<>' a@x.example
	grep -qx 'sender <>' "$(env_file)"
	grep -qx 'From: MAILER-DAEMON@test.example' "$(msg_file)"
}

@test "-f '' is the null sender too, as cron jobs write it" {
	printf 'b\n' | pb sendmail -f '' a@x.example
	grep -qx 'sender <>' "$(env_file)"
	rm -f "$SPOOL"/queue/*
	printf 'b\n' | pb sendmail -r '' a@x.example
	grep -qx 'sender <>' "$(env_file)"
}

@test "-N, -R and -V are kept in the envelope; -B and the no-op flags are accepted" {
	printf 'b\n' | pb sendmail -odi -oem -v -B 8BITMIME -oi -N failure,delay -R hdrs -V env42 a@x.example
	e=$(env_file)
	grep -qx 'rcpt a@x.example state=queued attempts=0 next=0 notify=FAILURE,DELAY' "$e"
	grep -qx 'ret HDRS' "$e"
	grep -qx 'envid env42' "$e"
	grep -qx 'body 8BITMIME' "$e"
	run pb sendmail -N never,success a@x.example < /dev/null
	[ "$status" -eq 64 ]
}

@test "8-bit bodies are marked 8BITMIME, UTF-8 headers SMTPUTF8" {
	printf 'Subject: caf\xc3\xa9\n\nna\xc3\xafve\n' | pb sendmail a@x.example
	grep -qx 'body 8BITMIME' "$(env_file)"
	grep -qx 'smtputf8 1' "$(env_file)"
}

@test "sendmail -bp is mailq" {
	printf 'b\n' | pb sendmail a@x.example
	run pb sendmail -bp
	[ "$status" -eq 0 ]
	[[ "$output" == *a@x.example* ]]
}

# --- bad input: exact exit code, one-line reason, nothing queued ---

refused() { # EXPECTED-STATUS, then the command in "run"
	[ "$status" -eq "$1" ] || { echo "status $status, wanted $1: $output"; return 1; }
	[ "$(queue_count)" -eq 0 ] || { echo "something was queued"; return 1; }
	[ -z "$(ls "$SPOOL/tmp" 2>/dev/null)" ] || { echo "tmp/ not empty"; return 1; }
}

@test "-f with an option-like value is refused (64), never run as an option" {
	run pb sendmail -f '-X/tmp/x' a@x.example < /dev/null
	refused 64
	[[ "$output" == *'looks like an option'* ]]
	[ ! -e /tmp/x ]
}

@test "a recipient that looks like an option is refused (64)" {
	run pb sendmail a@x.example -oQ/tmp < /dev/null
	refused 64
	run pb sendmail -- -X@x.example < /dev/null
	refused 64
}

@test "no recipients is a usage error (64)" {
	run pb sendmail < /dev/null
	refused 64
	run bash -c "printf 'Subject: none\n\nb\n' | '$PB' sendmail -t"
	refused 64
}

@test "a malformed recipient is refused (67)" {
	run bash -c "printf 'b\n' | '$PB' sendmail 'bad address@@x'"
	refused 67
	run bash -c "printf 'To: John Smith\n\nb\n' | '$PB' sendmail -t"
	refused 67
}

@test "a NUL byte is refused (65)" {
	run bash -c "printf 'Subject: x\n\nbad\0byte\n' | '$PB' sendmail a@x.example"
	refused 65
	[[ "$output" == *"line 3 contains a NUL byte"* ]]
}

@test "a bare CR is refused (65)" {
	run bash -c "printf 'Subject: x\n\nbare\rcr\n' | '$PB' sendmail a@x.example"
	refused 65
	[[ "$output" == *"bare CR"* ]]
}

@test "a 1 MiB header line is refused (65) with memory bounded" {
	run bash -c "{ printf 'X-Long: '; head -c 1048576 /dev/zero | tr '\0' a; printf '\n\nb\n'; } | '$PB' sendmail a@x.example"
	refused 65
	[[ "$output" == *"line 1 is longer than 998 octets"* ]]
}

@test "a message over max_message_size is refused (65)" {
	conf max_message_size 10K
	run bash -c "{ printf 'Subject: big\n\n'; for i in \$(seq 200); do echo 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'; done; } | '$PB' sendmail a@x.example"
	refused 65
	[[ "$output" == *max_message_size* ]]
}

@test "CR or LF inside -F is refused (64)" {
	run pb sendmail -F $'Evil\r\nBcc: x@y.example' a@x.example < /dev/null
	refused 64
}

@test "10,000 recipients: past max_recipients 64, within it all kept" {
	seq -f 'r%g@x.example' 10000 > "$T/rcpts"
	run bash -c "printf 'b\n' | '$PB' sendmail \$(cat '$T/rcpts')"
	refused 64
	[[ "$output" == *"too many recipients"* ]]
	conf max_recipients 10000
	printf 'b\n' | "$PB" sendmail $(cat "$T/rcpts")
	[ "$(grep -c '^rcpt ' "$(env_file)")" -eq 10000 ]
}

@test "an unprivileged user cannot forge another sender (77)" {
	mkdir -p "$SPOOL"
	printf 'b\n' | pb sendmail a@x.example   # creates the spool as root
	rm -f "$SPOOL"/queue/*
	chmod -R 777 "$SPOOL"
	open_to_nobody
	run as_nobody "$PB" sendmail -f root@test.example a@x.example < /dev/null
	refused 77
	[[ "$output" == *"only root or the spool's owner may set another sender"* ]]
	printf 'b\n' | as_nobody "$PB" sendmail -f nobody@test.example a@x.example
	pb pickup    # users who do not own the spool submit through incoming/
	grep -qx 'sender nobody@test.example' "$(env_file)"
	printf 'b\n' | as_nobody "$PB" sendmail a@x.example
	pb pickup
	grep -qx 'sender nobody@test.example' "$(env_file)"
	grep -qx 'uid 65534' "$(env_file)"
}

@test "a spool that cannot be written gives 75 (EX_TEMPFAIL)" {
	conf spool /proc/postbox-cannot-exist
	run pb sendmail a@x.example < /dev/null
	[ "$status" -eq 75 ]
	[[ "$output" == *"/proc/postbox-cannot-exist"* ]]
}

@test "a full filesystem gives 75 and leaves no entry" {
	mkdir -p "$T/small"
	mount -t tmpfs -o size=64k tmpfs "$T/small" || skip "cannot mount tmpfs here"
	conf spool "$T/small/spool"
	SPOOL="$T/small/spool"
	run bash -c "head -c 200000 /dev/urandom | base64 | '$PB' sendmail a@x.example"
	umount_status=0
	[ "$status" -eq 75 ] || { echo "$output"; false; }
	[[ "$output" == *"No space left on device"* ]]
	[ "$(queue_count)" -eq 0 ]
	[ -z "$(ls "$SPOOL/tmp")" ]
	# and once there is room again, mail flows
	printf 'b\n' | pb sendmail a@x.example
	[ "$(queue_count)" -eq 1 ]
	umount "$T/small"
}

@test "an injected fsync failure gives 75 and leaves no entry" {
	command -v strace >/dev/null || skip "strace not installed"
	run strace -f -o /dev/null -e trace=fsync -e inject=fsync:error=EIO:when=2 \
		"$PB" sendmail a@x.example < <(printf 'b\n')
	refused 75
	[[ "$output" == *"Input/output error"* ]]
	# the message's link and the envelope's (the commit) failing alike
	for w in 1 2; do
		run strace -f -o /dev/null -e trace=linkat -e inject=linkat:error=EIO:when=$w \
			"$PB" sendmail a@x.example < <(printf 'b\n')
		refused 75
	done
}

@test "fsync of message, envelope and queue directory all precede exit 0" {
	command -v strace >/dev/null || skip "strace not installed"
	printf 'b\n' > "$T/in"
	strace -f -o "$T/trace" -e trace=fsync,linkat,renameat,renameat2,rename,exit_group \
		"$PB" sendmail a@x.example < "$T/in"
	# fsync (message), fsync (envelope), link the message, link the
	# envelope (the commit), fsync (queue dir), exit
	seq=$(grep -oE '^[0-9]+ +(fsync|linkat|renameat2?|rename|exit_group)' "$T/trace" | awk '{print $2}' | tr '\n' ' ')
	[ "$seq" = "fsync fsync linkat linkat fsync exit_group " ] || { echo "order: $seq"; false; }
	[ -z "$(ls "$SPOOL/tmp")" ]
	[ "$(queue_count)" -eq 1 ]
}

@test "a link through /proc refused (a security policy): the message is copied to a named file and queued, 0" {
	command -v strace >/dev/null || skip "strace not installed"
	printf 'Subject: s\n\nbody\n' > "$T/in"
	run strace -f -o "$T/trace" -e trace=openat,linkat,renameat,renameat2,fsync \
		-e inject=linkat:error=EPERM:when=1 "$PB" sendmail a@x.example < "$T/in"
	[ "$status" -eq 0 ]
	[[ "$output" == *"event=named-files"* ]]
	grep -q 'spool/tmp/.*\.msg", O_WRONLY|O_CREAT|O_EXCL' "$T/trace"
	grep -q 'renameat.*\.env' "$T/trace"
	[ "$(queue_count)" -eq 1 ]
	[ -z "$(ls "$SPOOL/tmp")" ]
	grep -qx body "$(msg_file)"
	grep -qx 'Subject: s' "$(msg_file)"
}

@test "without /proc (as in a chroot) the commit uses named temp files in tmp/, in the same order" {
	command -v strace >/dev/null || skip "strace not installed"
	command -v unshare >/dev/null && [ "$(id -u)" -eq 0 ] || skip "needs root and unshare"
	printf 'b\n' > "$T/in"
	export PB T
	! ldd "$PB" | grep -q libasan || skip "the ASan runtime cannot run without /proc"
	unshare --mount sh -c 'mount -t tmpfs none /proc && exec strace -f -o "$T/trace" \
		-e trace=openat,fsync,linkat,renameat,renameat2,rename,exit_group "$PB" sendmail a@x.example < "$T/in"'
	grep -q 'spool/tmp/.*\.msg", O_RDWR|O_CREAT|O_EXCL' "$T/trace"
	! grep -q O_TMPFILE "$T/trace" || false
	# fsync, fsync, link, rename (the commit), fsync (queue dir), exit
	seq=$(grep -oE '^[0-9]+ +(fsync|linkat|renameat2?|rename|exit_group)' "$T/trace" | awk '{print $2}' | tr '\n' ' ')
	[ "$seq" = "fsync fsync linkat renameat fsync exit_group " ] || [ "$seq" = "fsync fsync linkat renameat2 fsync exit_group " ] \
		|| { echo "order: $seq"; false; }
	[ -z "$(ls "$SPOOL/tmp")" ]
	[ "$(queue_count)" -eq 1 ]
	grep -qx b "$(msg_file)"
}

@test "1000 parallel submissions all land, byte-identical" {
	mkdir "$T/in"
	for i in $(seq 1000); do
		printf 'Subject: n%d\nMessage-ID: <n%d@t>\nDate: x\nFrom: a@b\n\n%s\n' "$i" "$i" "$(head -c 300 /dev/urandom | base64 -w0)" > "$T/in/$i"
	done
	seq 1000 | xargs -P 8 -I{} sh -c "'$PB' sendmail -i r{}@x.example < '$T/in/{}'"
	[ "$(queue_count)" -eq 1000 ]
	# each queued body matches its source, found by Message-ID
	for m in "$SPOOL"/queue/*.msg; do
		n=$(sed -n 's/^Message-ID: <n\([0-9]*\)@t>$/\1/p' "$m")
		# drop the Received lines sendmail prepends, then compare
		tail -n +3 "$m" | cmp -s - "$T/in/$n" || { echo "message $n differs"; false; }
		grep -q "^rcpt r$n@x.example " "${m%.msg}.env" || { echo "envelope of $n wrong"; false; }
	done
}

@test "kill -9 at random moments never leaves a committed partial entry" {
	head -c 3000000 /dev/urandom | base64 > "$T/big"
	for i in $(seq 40); do
		"$PB" sendmail -i a@x.example < "$T/big" &
		pid=$!
		sleep "0.0$((RANDOM % 10))"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	# every committed entry is whole: envelope parses, message has its size
	for id in $(queue_ids); do
		[ -f "$SPOOL/queue/$id.msg" ] || { echo "$id: envelope without message"; false; }
		size=$(sed -n 's/^size //p' "$SPOOL/queue/$id.env")
		[ "$(stat -c %s "$SPOOL/queue/$id.msg")" -eq "$size" ] || { echo "$id: size mismatch"; false; }
		tail -n1 "$SPOOL/queue/$id.env" | grep -qx end
	done
	run pb mailq --json
	[ "$status" -eq 0 ]
	[ "$(echo -n "$output" | grep -c .)" -eq "$(queue_count)" ]
}
