# tests/dovecot_helpers.bash — real Dovecot (2.3, Debian's dovecot-imapd and
# dovecot-pop3d) on a scratch Maildir: its imap and pop3 binaries run
# pre-authenticated on stdin/stdout as `nobody`, the Maildir's owner, so no
# daemon, port or login is involved. Load after helpers.bash and
# pop3_helpers.bash (ann's Maildir is $MD).

DOVECOT_LIBEXEC=/usr/lib/dovecot

have_dovecot() {
	[ -x "$DOVECOT_LIBEXEC/imap" ] && [ -x "$DOVECOT_LIBEXEC/pop3" ] ||
		skip "Dovecot is not installed (scripts/deps installs dovecot-imapd and dovecot-pop3d)"
}

# $T/dovecot.conf for ann's Maildir; extra lines as arguments.
dovecot_conf() {
	cat > "$T/dovecot.conf" <<CONF
ssl = no
log_path = $T/dovecot.log
base_dir = $T/dovecot-run
state_dir = $T/dovecot-state
mail_location = maildir:$MD
mail_uid = 65534
mail_gid = 65534
pop3_uidl_format = %08Xu%08Xv
CONF
	local line
	for line in "$@"; do
		printf '%s\n' "$line" >> "$T/dovecot.conf"
	done
}

# The Maildir and the way to it belong to nobody, as a user's would: both
# Dovecot (mail_uid) and pop3d (the mailbox's owner) run as nobody.
own_maildir() {
	chmod 755 "$T" "$T/mail" "$T/mail/ann"
	chown -R 65534:65534 "$T/mail/ann"
}

# One pre-authenticated Dovecot IMAP session: the command lines (tags and
# CRLF added), output with CR removed.
dove_imap() {
	local i=0 line
	for line in "$@"; do
		i=$((i + 1))
		printf 'a%d %s\r\n' "$i" "$line"
	done | env -i USER=ann HOME="$T" "$DOVECOT_LIBEXEC/imap" -c "$T/dovecot.conf" 2>>"$T/dovecot.log" |
		tr -d '\r'
}

dove_pop3() {
	printf '%s\r\n' "$@" | env -i USER=ann HOME="$T" "$DOVECOT_LIBEXEC/pop3" -c "$T/dovecot.conf" \
		2>>"$T/dovecot.log" | tr -d '\r'
}

# "SUBJECT UID" per message, sorted, as Dovecot's IMAP sees INBOX.
dove_uids() {
	dove_imap "EXAMINE INBOX" "UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])" LOGOUT |
		awk '/^\* [0-9]+ FETCH \(UID [0-9]+ / { uid = $5 } /^Subject: / { print $2, uid }' | sort
}

# "UIDL" lines (without the message numbers) of a Dovecot POP3 session.
dove_uidls() {
	dove_pop3 UIDL QUIT | awk '/^[0-9]+ / { print $2 }'
}
