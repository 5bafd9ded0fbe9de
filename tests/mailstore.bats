#!/usr/bin/env bats
# The mailbox layer pop3d and imapd share (libmail/store/mailfolder.h) on
# Maildirs that real Dovecot reads and writes too: dovecot-uidlist, its
# dot-lock, POP3 UIDLs, sizes, deletions.

load helpers
load deliver_helpers
load servers_helpers
load pop3_helpers
load dovecot_helpers

suite_setup() {
	have_dovecot
	make_pop_users
	conf pop3_plaintext_auth yes
	dovecot_conf
}

# One inetd-mode pop3d session logged in as ann (CRLF added, CR removed).
pop() {
	local IFS=$'\n'
	printf '%s\r\n' "USER ann" "PASS secret" "$@" | "$PB" pop3d 2>>"$T/pop3d.log" | tr -d '\r'
}

# "SUBJECT UID" per message, sorted, as pop3d sees the maildrop with
# pop3_uidl_format = %u (the IMAP UID).
pop_uids() {
	local n i out
	n=$(pop STAT QUIT | awk '/^\+OK [0-9]+ [0-9]+$/ { print $2 }')
	local cmds=(UIDL)
	for i in $(seq "$n"); do cmds+=("TOP $i 0"); done
	POSTBOX_CONFIG=$T/pop-u.conf pop "${cmds[@]}" QUIT |
		awk '/^[0-9]+ [0-9]+$/ && !top { uid[$1] = $2 } /^\.$/ { top++ } /^Subject: / { print $2, uid[top] }' |
		sort
}

pop_u_conf() {
	cp "$POSTBOX_CONFIG" "$T/pop-u.conf"
	printf 'pop3_uidl_format = %%u\n' >> "$T/pop-u.conf"
}

no_dovecot_errors() {
	! grep -E 'Error|Broken|Warning|Panic|Fatal' "$T/dovecot.log" || false
}

@test "pop3d gives Dovecot's UIDLs for a Maildir Dovecot served (pop3_uidl_format = %08Xu%08Xv)" {
	fill 4
	own_maildir
	# Dovecot numbers them, expunges the first, and numbers one more.
	dove_imap "SELECT INBOX" "STORE 1 +FLAGS (\\Deleted)" EXPUNGE LOGOUT > /dev/null
	fill 1
	own_maildir
	dove_imap "SELECT INBOX" LOGOUT > /dev/null
	run dove_uidls
	dovecot=$output
	[ "$(wc -l <<< "$dovecot")" -eq 4 ]
	conf pop3_uidl_format '%08Xu%08Xv'
	run pop UIDL QUIT
	status_is 0
	ours=$(printf '%s\n' "${lines[@]}" | awk '/^[0-9]+ [0-9a-f]+$/ { print $2 }')
	[ "$ours" = "$dovecot" ] || { echo "dovecot: $dovecot"; echo "pop3d: $ours"; false; }
	# the first message is gone: UIDs 2..5, one UIDVALIDITY
	grep -q '^000000026' <<< "$ours"
	no_dovecot_errors
}

@test "a UIDL Dovecot saved in dovecot-uidlist (P field) is what pop3d sends" {
	fill 3
	own_maildir
	dovecot_conf 'pop3_uidl_format = old-%08Xu' 'pop3_save_uidl = yes'
	sed -i '/^pop3_uidl_format = %08Xu%08Xv$/d' "$T/dovecot.conf"
	run dove_uidls
	dovecot=$output
	grep -q ' P' "$MD/dovecot-uidlist"
	[ "$(head -1 <<< "$dovecot")" = old-00000001 ]
	run pop UIDL QUIT      # the default pop3_uidl_format (%f) loses to P
	status_is 0
	ours=$(printf '%s\n' "${lines[@]}" | awk '/^[0-9]+ [^ ]+$/ { print $2 }')
	[ "$ours" = "$dovecot" ] || { echo "dovecot: $dovecot"; echo "pop3d: $ours"; false; }
	no_dovecot_errors
}

@test "UIDs: Dovecot reads the uidlist pop3d wrote, pop3d reads Dovecot's, through appends and rewrites" {
	pop_u_conf
	fill 3
	own_maildir
	# postbox first: it creates dovecot-uidlist
	run pop_uids
	ours=$output
	[ "$ours" = "$(printf 'm1 1\nm2 2\nm3 3')" ]
	head -1 "$MD/dovecot-uidlist" | grep -Eq '^3 V[0-9]+ N[0-9]+ G[0-9a-f]{32}$'
	[ "$(dove_uids)" = "$ours" ]
	# Dovecot numbers a new one and expunges m2; postbox numbers two more
	fill 1
	own_maildir
	dove_imap "SELECT INBOX" "UID STORE 2 +FLAGS (\\Deleted)" EXPUNGE LOGOUT > /dev/null
	fill 2
	own_maildir
	run pop_uids
	[ "$(wc -l <<< "$output")" -eq 5 ] && ! grep -q ' 2$' <<< "$output" || false
	[ "$(awk '$2 > 3' <<< "$output" | wc -l)" -eq 3 ]   # 4 by Dovecot, 5 and 6 by pop3d
	ours=$output
	[ "$(dove_uids)" = "$ours" ]
	# pop3d deletes all but the last two: the next session rewrites the
	# file without the dead records; Dovecot still agrees, and its next
	# UID is past every one given
	pop "DELE 1" "DELE 2" "DELE 3" QUIT > /dev/null
	run pop_uids
	[ "$(wc -l <<< "$output")" -eq 2 ]
	ours=$output
	[ "$(dove_uids)" = "$ours" ]
	[ "$(tail -n +2 "$MD/dovecot-uidlist" | wc -l)" -eq 2 ] || { cat "$MD/dovecot-uidlist"; false; }
	printf 'Subject: z\n\nlast\n' | pb deliver -f s@x.example "$MD/" 2>/dev/null
	own_maildir
	[ "$(dove_uids | awk '$1 == "z" { print $2 }')" -eq 7 ]
	[ "$(pop_uids | awk '$1 == "z" { print $2 }')" -eq 7 ]
	no_dovecot_errors
}

@test "a POP3 delete is an expunge for Dovecot's IMAP, and both count the same sizes" {
	fill 3
	printf 'Subject: unterminated\n\nno newline at the end' | pb deliver -f s@x.example "$MD/" 2>/dev/null
	own_maildir
	run dove_imap "EXAMINE INBOX" "FETCH 1:* (RFC822.SIZE)" LOGOUT
	sizes=$(printf '%s\n' "${lines[@]}" | sed -n 's/^\* \([0-9]*\) FETCH (RFC822.SIZE \([0-9]*\))$/\1 \2/p')
	[ "$(wc -l <<< "$sizes")" -eq 4 ]
	run pop LIST QUIT
	list=$(printf '%s\n' "${lines[@]}" | grep -E '^[0-9]+ [0-9]+$')
	# the same bytes, but RETR closes an unterminated last line with CRLF
	[ "$(head -3 <<< "$list")" = "$(head -3 <<< "$sizes")" ]
	[ "$(sed -n 4p <<< "$list" | cut -d' ' -f2)" -eq "$(( $(sed -n 4p <<< "$sizes" | cut -d' ' -f2) + 2 ))" ]
	pop "DELE 2" QUIT > /dev/null
	run dove_imap "EXAMINE INBOX" "FETCH 1:* (UID)" LOGOUT
	printf '%s\n' "${lines[@]}" | grep -q '^\* 3 EXISTS$'
	! printf '%s\n' "${lines[@]}" | grep -q 'UID 2)' || false
	no_dovecot_errors
}

@test "the uidlist dot-lock: pop3d waits for Dovecot's dovecot-uidlist.lock, and breaks a dead holder's" {
	fill 2
	own_maildir
	dove_imap "SELECT INBOX" LOGOUT > /dev/null
	fill 1
	own_maildir
	before=$(cat "$MD/dovecot-uidlist")
	# a live holder on this host: pop3d must wait, not write
	sleep 30 &
	holder=$!
	track "$holder"
	printf '%s:%s' "$holder" "$(hostname)" > "$MD/dovecot-uidlist.lock"
	chown 65534:65534 "$MD/dovecot-uidlist.lock"
	pop STAT QUIT > "$T/out" &
	popper=$!
	track "$popper"
	sleep 1
	[ "$(cat "$MD/dovecot-uidlist")" = "$before" ]
	[ ! -s "$T/out" ] || grep -vq '^+OK [0-9]' "$T/out"
	rm "$MD/dovecot-uidlist.lock"
	wait "$popper"
	grep -qx '+OK 3 messages ([0-9]* octets)' "$T/out"
	grep -q '^3 :' "$MD/dovecot-uidlist"
	# a holder that died: its lock is broken at once
	stop_bg "$holder"
	printf '%s:%s' "$holder" "$(hostname)" > "$MD/dovecot-uidlist.lock"
	fill 1
	own_maildir
	run timeout 5 bash -c "printf 'USER ann\r\nPASS secret\r\nSTAT\r\nQUIT\r\n' | '$PB' pop3d"
	status_is 0
	grep -q '^4 :' "$MD/dovecot-uidlist"
	[ ! -e "$MD/dovecot-uidlist.lock" ]
	[ "$(dove_uids | wc -l)" -eq 4 ]
}
