#!/usr/bin/env bats
# --help is each applet's one usage text (the header comments point to it):
# every option an applet's parser accepts is named in its --help, and what
# --help says of an option is what the code does.

load helpers

# applet and the file that parses its options
SOURCES=(
	authcheck:applets/authcheck.c config:applets/config.c deliver:applets/deliver.c imapd:applets/imapd.c mailq:applets/mailq.c
	passwd:applets/passwd.c pickup:applets/pickup.c pop3d:applets/pop3d.c
	runq:applets/runq.c sendmail:applets/sendmail.c smtpd:applets/smtpd.c
	smtp-chat:applets/smtp-chat/smtp-chat.c dkim:applets/dkim.c spf:applets/spf.c
)

@test "every option an applet accepts is named in its --help" {
	bad=0
	for s in "${SOURCES[@]}"; do
		/usr/bin/python3 "$ROOT/tests/help_options.py" "$PB" "$ROOT/${s#*:}" "${s%%:*}" || bad=1
	done
	[ "$bad" -eq 0 ]
}

@test "every applet has its source in the list above (a new applet is checked too)" {
	run pb --list
	[ "$status" -eq 0 ]
	for a in $output; do
		[[ " ${SOURCES[*]} " == *" $a:"* ]] || { echo "$a missing from SOURCES"; false; }
	done
}

@test "postbox --help names its own options" {
	run pb --help
	[ "$status" -eq 0 ]
	for o in --list --list-links --install --force --version -h; do
		[[ "$output" == *"$o"* ]] || { echo "postbox --help lacks $o"; false; }
	done
}

@test "sendmail -B is documented as honoured (it sets the body type), not as ignored" {
	run pb sendmail --help
	ignored=$(sed -n '/Accepted and ignored/,/^$/p' <<<"$output")
	[[ "$ignored" != *"-B"* ]]
	grep -q '^  -B TYPE .*7BIT or 8BITMIME' <<<"$output"
	printf 'Subject: b\n\nx\n' | pb sendmail -B 8BITMIME a@x.example
	grep -qx 'body 8BITMIME' "$SPOOL"/queue/*.env
	run pb sendmail -B 9BIT a@x.example </dev/null
	[ "$status" -eq 64 ]
	[[ "$output" == *'-B: expected 7BIT or 8BITMIME, got "9BIT"'* ]]
}
