#!/usr/bin/env bats
# deliver: Maildir, mbox and program delivery, resolution, loops, safety.

load helpers
load deliver_helpers

msg() { printf 'From: a@x.example\nSubject: %s\n\nbody of %s\n' "$1" "$1"; }

@test "Maildir by path: made when missing, CRLF stored as LF, sizes in the name" {
	run bash -c "printf 'Subject: hi\r\n\r\nline\r\n' | '$PB' deliver -f s@x.example '$T/md/'"
	status_is 0
	[ "$(new_count "$T/md")" -eq 1 ] && [ "$(tmp_count "$T/md")" -eq 0 ] && [ -d "$T/md/cur" ]
	f=$(new_file "$T/md")
	[ "$(head -n1 "$f")" = "Return-Path: <s@x.example>" ]
	! grep -q $'\r' "$f" || false
	! grep -q '^Delivered-To' "$f" || false
	size=$(stat -c %s "$f") lines=$(wc -l < "$f")
	[[ "$f" == *",S=$size,W=$((size + lines))" ]]
	[ "$(stat -c %a "$T/md")" = 700 ] && [ "$(stat -c %a "$f")" = 600 ]
}

@test "-d resolves through the users file; +detail and catch-all; unknown is 67" {
	make_users
	msg one | pb deliver -f s@x.example -d ann@test.example
	msg two | pb deliver -f s@x.example -d ANN+lists@Test.Example
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 2 ]
	grep -qx 'Delivered-To: ANN+lists@Test.Example' "$T"/mail/ann/Maildir/new/*
	msg three | pb deliver -d whoever@y.example
	[ "$(new_count "$T/mail/catchall")" -eq 1 ]
	grep -qx 'Return-Path: <root@test.example>' "$(new_file "$T/mail/catchall")"
	run bash -c "printf 'x\n' | '$PB' deliver -d nobody@test.example"
	status_is 67
	[[ "$output" == *"nobody@test.example: no such user here"* ]]
	run bash -c "printf 'x\n' | '$PB' deliver -d '../../etc/passwd@test.example'"
	status_is 67
	run bash -c "printf 'x\n' | '$PB' deliver -d someone@elsewhere.example"
	status_is 67
	run pb deliver
	status_is 64
}

@test "mbox: From_ line, mboxrd escaping, final newline, one blank line between" {
	printf 'Subject: 1\n\nFrom here\n>From there\n>>From x\nFromage\nno newline' |
		pb deliver -f s@x.example "$T/box"
	printf 'Subject: 2\n\nsecond\n' | pb deliver -f '<>' "$T/box"
	printf 'x\n' | pb deliver "$T/new/dirs/box"       # parents are made, as for a Maildir
	[ "$(stat -c %a "$T/new/dirs")" = 700 ] && grep -qx x "$T/new/dirs/box"
	mapfile -t L < "$T/box"
	[[ "${L[0]}" == "From s@x.example "* ]]
	[ "${L[1]}" = "Return-Path: <s@x.example>" ] && [ "${L[2]}" = "Subject: 1" ] && [ "${L[3]}" = "" ]
	[ "${L[4]}" = ">From here" ] && [ "${L[5]}" = ">>From there" ]
	[ "${L[6]}" = ">>>From x" ] && [ "${L[7]}" = "Fromage" ]
	[ "${L[8]}" = "no newline" ] && [ "${L[9]}" = "" ]
	[[ "${L[10]}" == "From MAILER-DAEMON "* ]]
	[ "${L[11]}" = "Return-Path: <>" ] && [ "${L[14]}" = "second" ] && [ "${L[15]}" = "" ]
	[ "${#L[@]}" -eq 16 ]
	[ "$(grep -c '^From ' "$T/box")" -eq 2 ]
	# exactly one empty line before the second From_ line, file ends with one
	[ "$(sed -n '/^no newline$/{n;p}' "$T/box")" = "" ]
	[ "$(tail -c 2 "$T/box" | od -An -c | tr -d ' ')" = '\n\n' ]
	[ "$(stat -c %a "$T/box")" = 600 ]
	[ ! -e "$T/box.lock" ]
}

@test "a leading From_ line is dropped and gives the sender" {
	printf 'From joe@x.example Sat Jan  1 00:00:00 2000\nSubject: pm\n\nb\n' | pb deliver "$T/md/"
	f=$(new_file "$T/md")
	[ "$(head -n1 "$f")" = "Return-Path: <joe@x.example>" ]
	[ "$(grep -c '^From ' "$f")" -eq 0 ]
}

@test "-F delivers into a Maildir++ folder; bad folder names are refused" {
	msg f | pb deliver -F Lists.postbox "$T/md/"
	[ "$(new_count "$T/md/.Lists.postbox")" -eq 1 ] && [ -f "$T/md/.Lists.postbox/maildirfolder" ]
	[ "$(new_count "$T/md")" -eq 0 ]
	for bad in ../x .hidden a/b 'a..b' ''; do
		run bash -c "printf 'x\n' | '$PB' deliver -F '$bad' '$T/md/'"
		status_is 64
	done
}

@test "loops: the same Delivered-To, or too many Received fields, give 65" {
	make_users
	run bash -c "printf 'Delivered-To: ann@test.example\nSubject: l\n\nx\n' | '$PB' deliver -d ann@test.example"
	status_is 65
	[[ "$output" == *"mail loop"* ]]
	printf 'Delivered-To: other@test.example\n\nx\n' | pb deliver -d ann@test.example
	conf hop_limit 3
	run bash -c "printf 'Received: a\nReceived: b\nReceived: c\nReceived: d\n\nx\n' | '$PB' deliver -d ann@test.example"
	status_is 65
	[[ "$output" == *"4 Received: fields"* ]]
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 1 ]
}

@test "bad data: NUL byte and oversize messages give 65, nothing written" {
	run bash -c "printf 'Subject: n\n\na\0b\n' | '$PB' deliver '$T/md/'"
	status_is 65
	conf max_message_size 1k
	run bash -c "head -c 5000 /dev/zero | tr '\0' x | '$PB' deliver '$T/md/'"
	status_is 65
	[ "$(new_count "$T/md")" -eq 0 ]
}

@test "aliases: addresses, \\\\user, files, includes, forwards and de-duplication" {
	make_users
	cat > "$T/members" <<M
# the team
ann
bob@test.example
M
	cat > "$T/aliases" <<A
postmaster: root
root: ann, \\bob
team: :include:$T/members, ann@test.example
archive: $T/archive.mbox, $T/archive/
out: friend@remote.example, ann
A
	conf aliases "$T/aliases"
	msg pm | pb deliver -d postmaster@test.example
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 1 ] && grep -q 'Subject: pm' "$T/mail/bob.mbox"
	grep -qx 'Delivered-To: postmaster@test.example' "$(new_file "$T/mail/ann/Maildir")" || true
	msg team | pb deliver -d team@test.example
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 2 ]   # once, though named twice
	[ "$(grep -c '^Subject: team' "$T/mail/bob.mbox")" -eq 1 ]
	chmod 755 "$T" && touch "$T/archive.mbox" && chown nobody "$T/archive.mbox"
	mkdir -p "$T/archive" && chown nobody "$T/archive"
	msg arch | pb deliver -d archive@test.example
	grep -q 'Subject: arch' "$T/archive.mbox"
	[ "$(new_count "$T/archive")" -eq 1 ]
	# root-owned aliases file: files are written as default_user (nobody)
	[ "$(stat -c %U "$(new_file "$T/archive")")" = nobody ]
	msg fwd | pb deliver -f s@x.example -d out@test.example
	[ "$(queue_count)" -eq 1 ]
	env="$SPOOL/queue/$(queue_ids).env"
	grep -qx 'sender s@x.example' "$env"
	grep -q '^rcpt friend@remote.example ' "$env"
	head -n1 "$SPOOL/queue/$(queue_ids).msg" | grep -qx 'Delivered-To: out@test.example'
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 3 ]
}

@test "alias loops and a missing include are reported, not delivered" {
	make_users
	printf 'a: b\nb: a\nself: :include:%s/self\ngone: :include:%s/missing\n' "$T" "$T" > "$T/aliases"
	printf ':include:%s/self\n' "$T" > "$T/self"
	conf aliases "$T/aliases"
	run bash -c "printf 'x\n' | '$PB' deliver -d a@test.example"
	status_is 65
	[[ "$output" == *"alias loop: a@test.example -> b@test.example -> a@test.example"* ]]
	run bash -c "printf 'x\n' | '$PB' deliver -d self@test.example"
	status_is 65
	[[ "$output" == *"include loop"* ]]
	run bash -c "printf 'x\n' | '$PB' deliver -d gone@test.example"
	status_is 75
	[[ "$output" == *"$T/missing"* ]]
	printf 'broken line\n' >> "$T/aliases"
	run bash -c "printf 'x\n' | '$PB' deliver -d ann@test.example"
	status_is 75
	[[ "$output" == *"$T/aliases:5"* ]]
}

@test "pipes: argv without a shell, environment, identity and exit codes" {
	make_users
	make_recorder
	cat > "$T/aliases" <<A
prog: "|$T/record 'two words' \$HOME ;touch $T/pwned \`id\`"
inc: :include:$T/inc
fail: |$T/record
A
	printf '|%s/record from-include\n' "$T" > "$T/inc"
	chown nobody "$T/inc"
	conf aliases "$T/aliases"
	msg p | pb deliver -f s@x.example -d prog+ext@test.example
	[ ! -e "$T/pwned" ]
	cat "$T"/rec/*.argv
	[ "$(cat "$T"/rec/*.argv)" = "[two words][\$HOME][;touch][$T/pwned][\`id\`]" ]
	[ "$(cat "$T"/rec/*.env)" = "s@x.example prog+ext@test.example prog+ext test.example ext uid=65534" ]
	grep -qx 'Subject: p' "$T"/rec/*.msg
	grep -qx 'Delivered-To: prog+ext@test.example' "$T"/rec/*.msg
	rm -f "$T"/rec/*
	msg i | pb deliver -d inc@test.example
	grep -q 'uid=65534' "$T"/rec/*.env
	RECORD_EXIT=75 run bash -c "printf 'x\n' | RECORD_EXIT=75 '$PB' deliver -d fail@test.example"
	# the environment is clean, so RECORD_EXIT does not reach the program
	status_is 0
	sed -i 's/exit ${RECORD_EXIT:-0}/exit 75/' "$T/record"
	run bash -c "printf 'x\n' | '$PB' deliver -d fail@test.example"
	status_is 75
	sed -i 's/exit 75/echo no such list >\&2; exit 1/' "$T/record"
	run bash -c "printf 'x\n' | '$PB' deliver -d fail@test.example"
	status_is 69
	[[ "$output" == *"exit 1: no such list"* ]]
	sed -i 's/exit 1/exit 67/' "$T/record"
	run bash -c "printf 'x\n' | '$PB' deliver -d fail@test.example"
	status_is 67
	conf pipe_timeout 1s
	sed -i 's/exit 67/sleep 30/' "$T/record"
	SECONDS=0
	run bash -c "printf 'x\n' | '$PB' deliver -d fail@test.example"
	status_is 75
	[[ "$output" == *"timed out"* ]] && [ "$SECONDS" -lt 10 ]
}

@test "unsafe targets are refused with 73: symlinks, hard links, directories, FIFOs" {
	echo keep > "$T/victim"
	ln -s "$T/victim" "$T/link.mbox"
	run bash -c "msg() { :; }; printf 'x\n' | '$PB' deliver '$T/link.mbox'"
	status_is 73
	[ "$(cat "$T/victim")" = keep ]
	ln "$T/victim" "$T/hard.mbox"
	run bash -c "printf 'x\n' | '$PB' deliver '$T/hard.mbox'"
	status_is 73 && [[ "$output" == *"hard links"* ]]
	mkdir "$T/dir.mbox"
	run bash -c "printf 'x\n' | '$PB' deliver '$T/dir.mbox'"
	status_is 73
	mkfifo "$T/fifo.mbox"
	exec 9<>"$T/fifo.mbox"   # a reader, so that an unsafe open would not even block
	run timeout 10 bash -c "printf 'x\n' | '$PB' deliver '$T/fifo.mbox'"
	exec 9>&-
	status_is 73
	mkdir -p "$T/real"
	ln -s "$T/real" "$T/linked"
	run bash -c "printf 'x\n' | '$PB' deliver '$T/linked/'"
	status_is 73
	mkdir -p "$T/md2/tmp" "$T/md2/cur"
	ln -s "$T/real" "$T/md2/new"
	run bash -c "printf 'x\n' | '$PB' deliver '$T/md2/'"
	status_is 73
	[ -z "$(ls -A "$T/real")" ] && [ "$(tmp_count "$T/md2")" -eq 0 ]
}

@test "a file swapped while deliver waits for the lock is refused" {
	printf 'From old\n\nx\n\n' > "$T/box"
	/usr/bin/python3 - "$T/box" "$T/locked" <<'PY' &
import fcntl, os, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(1.5)
PY
	track $!
	for i in $(seq 50); do [ -e "$T/locked" ] && break; sleep 0.05; done
	(set +e; printf 'x\n' | "$PB" deliver "$T/box"; echo $? > "$T/rc") &
	track $!
	sleep 0.3
	printf 'new\n' > "$T/box.new" && mv "$T/box.new" "$T/box"
	for i in $(seq 100); do [ -s "$T/rc" ] && break; sleep 0.1; done
	[ "$(cat "$T/rc")" -eq 73 ]
	[ "$(cat "$T/box")" = new ]
	[ "$(grep -c '^From ' "$T/box.orig" 2>/dev/null || echo 0)" -eq 0 ]
}

@test "a busy lock gives 75 after lock_timeout, the mbox unchanged" {
	conf lock_timeout 1s
	printf 'From old\n\nx\n\n' > "$T/box"
	cp "$T/box" "$T/box.orig"
	touch "$T/box.lock"
	SECONDS=0
	run bash -c "printf 'x\n' | '$PB' deliver '$T/box'"
	status_is 75
	[[ "$output" == *"locked"* ]] && [ "$SECONDS" -lt 5 ]
	cmp "$T/box" "$T/box.orig"
	[ -e "$T/box.lock" ]       # somebody else's lock is not ours to remove
	rm "$T/box.lock"
	/usr/bin/python3 -c '
import fcntl, sys, time
f = open(sys.argv[1], "r+"); fcntl.lockf(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close(); time.sleep(4)' "$T/box" "$T/locked" &
	track $!
	for i in $(seq 50); do [ -e "$T/locked" ] && break; sleep 0.05; done
	run bash -c "printf 'x\n' | '$PB' deliver '$T/box'"
	status_is 75
	cmp "$T/box" "$T/box.orig"
	[ ! -e "$T/box.lock" ]
	# a stale dotlock (older than 5 minutes) is broken
	touch -d '10 minutes ago' "$T/box.lock"
	kill %1 2>/dev/null; wait 2>/dev/null || true
	printf 'y\n' | pb deliver "$T/box"
	[ "$(grep -c '^From ' "$T/box")" -eq 2 ]
}

@test "run as root, a mailbox is written as its owner; 77 on permission denied" {
	chmod 755 "$T"
	mkdir -p "$T/home/ann/Maildir" && chown -R nobody:nogroup "$T/home/ann"
	msg own | pb deliver "$T/home/ann/Maildir/"
	f=$(new_file "$T/home/ann/Maildir")
	[ "$(stat -c %U:%G "$f")" = nobody:nogroup ]
	[ "$(stat -c %U "$T/home/ann/Maildir/new")" = nobody ]
	touch "$T/home/ann.mbox" && chown nobody "$T/home/ann.mbox"
	msg own | pb deliver "$T/home/ann.mbox"
	[ "$(stat -c %U "$T/home/ann.mbox")" = nobody ]
	# not root, somebody else's mailbox: permission denied
	mkdir -p "$T/rootonly" && chmod 700 "$T/rootonly"
	run as_nobody bash -c "printf 'x\n' | '$PB' deliver -C '$POSTBOX_CONFIG' '$T/rootonly/box'"
	status_is 77
	[[ "$output" == *"Permission denied"* ]]
}

@test "quota: reject (73) or defer (75) as configured" {
	conf mailbox_quota 2k
	head -c 1200 /dev/zero | tr '\0' a | pb deliver "$T/md/"
	run bash -c "head -c 1200 /dev/zero | tr '\0' b | '$PB' deliver '$T/md/'"
	status_is 73
	[[ "$output" == *"mailbox full"* ]]
	conf quota_action defer
	run bash -c "head -c 1200 /dev/zero | tr '\0' b | '$PB' deliver '$T/md/'"
	status_is 75
	[ "$(new_count "$T/md")" -eq 1 ]
}

@test "maildirsize: made on the first delivery with the quota line and the sum, then appended" {
	conf mailbox_quota 1m
	msg one | pb deliver "$T/md/"
	f=$(new_file "$T/md") s1=$(stat -c %s "$f")
	[ "$(cat "$T/md/maildirsize")" = "$(printf '1048576S\n0 0\n%d 1' "$s1")" ]
	[ "$(stat -c %a "$T/md/maildirsize")" = 600 ] && [ "$(tmp_count "$T/md")" -eq 0 ]
	[ "$(stat -c %u "$T/md/maildirsize")" = "$(stat -c %u "$T/md")" ]
	msg two | pb deliver "$T/md/"
	s2=$(stat -c %s "$(new_file "$T/md")")
	[ "$(sed -n 3p "$T/md/maildirsize")" = "$s1 1" ] && [ "$(sed -n 4p "$T/md/maildirsize")" = "$s2 1" ]
	[ "$(wc -l < "$T/md/maildirsize")" -eq 4 ]
	# another quota: recalculated by a scan
	conf mailbox_quota 2m
	msg three | pb deliver "$T/md/"
	[ "$(sed -n 1,2p "$T/md/maildirsize")" = "$(printf '2097152S\n%d 2' $((s1 + s2)))" ]
	[ "$(wc -l < "$T/md/maildirsize")" -eq 3 ]
	# into a folder: the quota counts the inbox, the file is not touched
	cp "$T/md/maildirsize" "$T/before"
	msg four | pb deliver -F work "$T/md/"
	[ "$(find "$T/md/.work/new" -type f | wc -l)" -eq 1 ]
	cmp "$T/md/maildirsize" "$T/before"
}

@test "maildirsize: over quota is decided from the file; a stale, oversized or broken one is recalculated" {
	conf mailbox_quota 2k
	mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp" && chmod -R 700 "$T/md"
	printf '2048S\n2000 1\n' > "$T/md/maildirsize" && chmod 600 "$T/md/maildirsize"
	# an empty Maildir the file says is full: refused without a scan
	run bash -c "printf 'Subject: x\n\nbody\n' | '$PB' deliver '$T/md/'"
	status_is 73
	[[ "$output" == *"mailbox full (quota 2048 bytes)"* ]]
	[ "$(new_count "$T/md")" -eq 0 ]
	conf quota_action defer
	run bash -c "printf 'Subject: x\n\nbody\n' | '$PB' deliver '$T/md/'"
	status_is 75
	[ "$(new_count "$T/md")" -eq 0 ] && [ "$(cat "$T/md/maildirsize")" = "$(printf '2048S\n2000 1')" ]
	# older than 15 minutes: recalculated (empty), accepted
	touch -d "16 minutes ago" "$T/md/maildirsize"
	printf 'Subject: x\n\nbody\n' | pb deliver "$T/md/"
	s=$(stat -c %s "$(new_file "$T/md")")
	[ "$(cat "$T/md/maildirsize")" = "$(printf '2048S\n0 0\n%d 1' "$s")" ]
	# larger than 5120 bytes: recalculated
	{ printf '2048S\n'; for i in $(seq 2000); do printf '1 0\n'; done; printf '%s\n' '-2000 0'; printf '2000 0\n'; } > "$T/md/maildirsize"
	[ "$(stat -c %s "$T/md/maildirsize")" -gt 5120 ]
	printf 'Subject: y\n\nbody\n' | pb deliver "$T/md/"
	[ "$(sed -n 2p "$T/md/maildirsize")" = "$s 1" ] && [ "$(wc -l < "$T/md/maildirsize")" -eq 3 ]
	# a torn last line: unparsable, recalculated, nothing refused
	printf '2048S\n2000 1\n99' > "$T/md/maildirsize"
	printf 'Subject: z\n\nbody\n' | pb deliver "$T/md/"
	[ "$(new_count "$T/md")" -eq 3 ] && [ "$(sed -n 1p "$T/md/maildirsize")" = 2048S ]
	[ "$(wc -l < "$T/md/maildirsize")" -eq 3 ]
}

@test "maildirsize: a symlink or a hard link there is not followed, and mail still goes in" {
	conf mailbox_quota 2k
	mkdir -p "$T/md/new" "$T/md/cur" "$T/md/tmp" && chmod -R 700 "$T/md"
	printf '2048S\n2000 1\n' > "$T/elsewhere"
	ln -s "$T/elsewhere" "$T/md/maildirsize"
	printf 'Subject: x\n\nbody\n' | pb deliver "$T/md/"
	[ "$(new_count "$T/md")" -eq 1 ]
	[ "$(cat "$T/elsewhere")" = "$(printf '2048S\n2000 1')" ]
	[ ! -L "$T/md/maildirsize" ] && [ "$(sed -n 1p "$T/md/maildirsize")" = 2048S ]
	# a hard link to a file elsewhere: neither trusted nor appended to
	rm "$T/md/maildirsize" && ln "$T/elsewhere" "$T/md/maildirsize"
	printf 'Subject: y\n\nbody\n' | pb deliver "$T/md/"
	[ "$(new_count "$T/md")" -eq 2 ]
	[ "$(cat "$T/elsewhere")" = "$(printf '2048S\n2000 1')" ]
	# without a quota the append path alone: a symlink is left alone too
	conf mailbox_quota 0
	rm "$T/md/maildirsize" && ln -s "$T/elsewhere" "$T/md/maildirsize"
	printf 'Subject: z\n\nbody\n' | pb deliver "$T/md/"
	[ "$(new_count "$T/md")" -eq 3 ] && [ "$(cat "$T/elsewhere")" = "$(printf '2048S\n2000 1')" ]
	# run as root: owned like the Maildir; one of another owner is not trusted
	conf mailbox_quota 2k
	chmod 755 "$T" && mkdir -p "$T/home/ann/Maildir" && chown -R nobody:nogroup "$T/home/ann"
	A="$T/home/ann/Maildir"
	printf 'Subject: o\n\nbody\n' | pb deliver "$A/"
	[ "$(stat -c %U:%G:%a "$A/maildirsize")" = nobody:nogroup:600 ]
	rm "$A/maildirsize" && printf '2048S\n2000 1\n' > "$A/maildirsize" && chmod 600 "$A/maildirsize"
	[ "$(stat -c %U "$A/maildirsize")" = root ]
	printf 'Subject: p\n\nbody\n' | pb deliver "$A/"
	[ "$(new_count "$A")" -eq 2 ] && [ "$(stat -c %U "$A/maildirsize")" = nobody ]
	[ "$(sed -n 2p "$A/maildirsize")" != "2000 1" ]
}

@test "a full disk gives 75 and leaves no partial file (Maildir and mbox)" {
	mkdir -p "$T/small"
	mount -t tmpfs -o size=64k tmpfs "$T/small" || skip "cannot mount tmpfs here"
	head -c 200000 /dev/urandom | base64 > "$T/big"
	run bash -c "'$PB' deliver '$T/small/md/' < '$T/big'"
	status_is 75
	[[ "$output" == *"No space left on device"* ]]
	[ "$(new_count "$T/small/md")" -eq 0 ] && [ "$(tmp_count "$T/small/md")" -eq 0 ]
	printf 'small\n' | pb deliver "$T/small/box"
	cp "$T/small/box" "$T/box.before"
	run bash -c "'$PB' deliver '$T/small/box' < '$T/big'"
	status_is 75
	cmp "$T/small/box" "$T/box.before"     # truncated back to the old size
	[ ! -e "$T/small/box.lock" ]
	printf 'after\n' | pb deliver "$T/small/md/"
	[ "$(new_count "$T/small/md")" -eq 1 ]
	umount "$T/small"
}

@test "kill -9 inside deliver leaves nothing in new/" {
	command -v strace >/dev/null || skip "strace not installed"
	head -c 100000 /dev/urandom | base64 > "$T/big"
	mkdir -p "$T/md"
	# hold deliver inside fsync of the tmp file, then kill it there
	strace -f -o /dev/null -e trace=fsync -e inject=fsync:delay_enter=3000000 \
		"$PB" deliver "$T/md/" < "$T/big" &
	pid=$!
	track $pid
	for i in $(seq 100); do [ "$(tmp_count "$T/md")" -eq 1 ] && break; sleep 0.05; done
	[ "$(tmp_count "$T/md")" -eq 1 ]
	child=$(pgrep -P "$pid" | head -n1)     # strace's child: deliver itself
	[ -n "$child" ] && kill -9 "$child"
	wait "$pid" 2>/dev/null || true
	[ "$(new_count "$T/md")" -eq 0 ]
	# random moments, many times: new/ only ever holds whole messages
	for i in $(seq 20); do
		"$PB" deliver "$T/md/" < "$T/big" &
		p=$!
		sleep "0.00$((RANDOM % 10))"
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for f in "$T"/md/new/*; do
		[ -e "$f" ] || continue
		tail -n +2 "$f" | cmp -s - "$T/big" || { echo "partial: $f"; false; }
	done
}

@test "concurrent deliveries into one Maildir and one mbox: none lost, none mixed" {
	mkdir "$T/in"
	for i in $(seq 40); do
		{ printf 'Subject: m%d\n\n' "$i"; head -c 20000 /dev/urandom | base64; } > "$T/in/$i"
	done
	seq 40 | xargs -P 8 -I{} sh -c "'$PB' deliver -f s@x.example '$T/md/' < '$T/in/{}' && '$PB' deliver -f s@x.example '$T/box' < '$T/in/{}'"
	[ "$(new_count "$T/md")" -eq 40 ] && [ "$(tmp_count "$T/md")" -eq 0 ]
	for f in "$T"/md/new/*; do
		n=$(sed -n 's/^Subject: m//p' "$f")
		tail -n +2 "$f" | cmp -s - "$T/in/$n" || { echo "maildir $n differs"; false; }
	done
	[ "$(grep -c '^From ' "$T/box")" -eq 40 ]
	# split the mbox back into messages and compare each with its source
	mkdir "$T/split"
	awk -v d="$T/split" '/^From /{n++; f=d "/" n; next} {print > f}' "$T/box"
	for f in "$T"/split/*; do
		n=$(sed -n 's/^Subject: m//p' "$f")
		sed '1d;$d' "$f" | cmp -s - "$T/in/$n" || { echo "mbox $n differs"; false; }
	done
	[ "$(ls "$T/split" | wc -l)" -eq 40 ]
}

@test "Maildir: fsync of the file and of new/ come before exit 0; injected failures give 75" {
	command -v strace >/dev/null || skip "strace not installed"
	mkdir -p "$T/md"
	printf 'Subject: s\n\nx\n' > "$T/in"
	pb deliver "$T/md/" < "$T/in"          # the Maildir exists: only the delivery is traced
	strace -f -o "$T/trace" -e trace=fsync,linkat,unlinkat,exit_group "$PB" deliver "$T/md/" < "$T/in"
	seq=$(grep -oE '^[0-9]+ +(fsync|linkat|unlinkat|exit_group)' "$T/trace" | awk '{print $2}' | tr '\n' ' ')
	[ "$seq" = "fsync linkat fsync unlinkat exit_group " ] || { echo "order: $seq"; false; }
	for inject in "fsync:error=EIO:when=1" "fsync:error=EIO:when=2" "linkat:error=EIO" "write:error=ENOSPC"; do
		run strace -f -o /dev/null -e inject="$inject" "$PB" deliver "$T/md/" < "$T/in"
		status_is 75
		[ "$(tmp_count "$T/md")" -eq 0 ] || { echo "$inject left a tmp file"; false; }
	done
	[ "$(new_count "$T/md")" -eq 2 ]
}

@test "mbox: an injected write or fsync failure gives 75 and the old size" {
	command -v strace >/dev/null || skip "strace not installed"
	printf 'first\n' | pb deliver "$T/box"
	cp "$T/box" "$T/box.before"
	head -c 300000 /dev/urandom | base64 > "$T/big"
	for inject in "write:error=EIO:when=3" "fsync:error=EIO"; do
		run strace -f -o /dev/null -e trace=write,fsync -e inject="$inject" "$PB" deliver "$T/box" < "$T/big"
		status_is 75
		cmp "$T/box" "$T/box.before" || { echo "$inject changed the mbox"; false; }
		[ ! -e "$T/box.lock" ]
	done
}

@test "mbox in a directory we cannot write: fcntl alone, no dotlock" {
	chmod 755 "$T"
	mkdir -p "$T/spool" && chmod 755 "$T/spool"
	touch "$T/spool/nobody" && chown nobody "$T/spool/nobody"
	run as_nobody bash -c "printf 'Subject: n\n\nx\n' | '$PB' deliver -C '$POSTBOX_CONFIG' '$T/spool/nobody'"
	status_is 0
	grep -qx 'Subject: n' "$T/spool/nobody"
	[ -z "$(ls "$T/spool" | grep -v '^nobody$')" ]
}

@test "detail_folders: user+detail goes to an existing .detail folder, never makes one" {
	make_users
	conf detail_folders yes
	msg a | pb deliver -d ann+lists@test.example           # no folder yet: the inbox
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 1 ] && [ ! -e "$T/mail/ann/Maildir/.lists" ]
	mkdir -p "$T/mail/ann/Maildir/.lists"/{new,cur,tmp}
	msg b | pb deliver -d ann+lists@test.example
	[ "$(new_count "$T/mail/ann/Maildir/.lists")" -eq 1 ]
	run bash -c "printf 'x\n' | '$PB' deliver -d 'ann+..@test.example'"
	status_is 67                                              # not even an address
	msg d | pb deliver -d ann+nothere@test.example
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 2 ]
	ln -s /tmp "$T/mail/ann/Maildir/.evil"
	msg e | pb deliver -d ann+evil@test.example
	[ -z "$(find /tmp/new -newer "$T/users" -name '*,S=*' 2>/dev/null)" ]
	[ "$(grep -l 'Subject: e' "$T"/mail/ann/Maildir/new/* | wc -l)" -eq 1 ]
	[ "$(new_count "$T/mail/ann/Maildir")" -eq 3 ]
}
