#!/usr/bin/env bats
# One Maildir under concurrent deliver runs, two IMAP sessions (one
# flagging and expunging, one fetching) and POP3 sessions deleting, for a
# bounded time: afterwards no message is lost or duplicated, every UID
# names one message for the whole run, UIDVALIDITY never changed
# (tests/imap_concurrency.py checks and says what broke).

load helpers
load deliver_helpers
load servers_helpers
load pop3_helpers

@test "deliver + two IMAP sessions + POP3 on one Maildir: nothing lost or duplicated, UIDs stable, UIDVALIDITY unchanged" {
	make_pop_users
	fill 3
	conf imap_plaintext_auth yes
	conf pop3_plaintext_auth yes
	IMAP=$(free_port)
	serve "$IMAP" "$T/imapd.log" "$PB" imapd -l "127.0.0.1:$IMAP"
	start_pop3d
	# fill's messages have no Message-ID: give the three one each, as
	# deliver received them, so that they are accounted for too.
	for f in "$MD"/new/*; do
		{ printf 'Message-ID: <%s@fill.test>\n' "$(basename "$f" | tr -c 'A-Za-z0-9.\n' _)"; cat "$f"; } > "$T/m"
		cat "$T/m" > "$f"
	done
	run timeout 120 /usr/bin/python3 "$ROOT/tests/imap_concurrency.py" "$PB" "$MD" "$IMAP" "$PORT" 8
	echo "$output"
	status_is 0
	[[ "${lines[0]}" == delivered* ]]
	echo "# ${lines[0]}" >&3
	! grep -E 'error|panic' "$T/imapd.log" "$T/pop3d.log" || false
}
