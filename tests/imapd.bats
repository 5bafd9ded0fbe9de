#!/usr/bin/env bats
# imapd: IMAP4rev1 on the users' Maildirs, against raw sessions, Python's
# imaplib (STARTTLS and implicit TLS), curl and Dovecot's imaptest.

load helpers
load deliver_helpers
load servers_helpers
load pop3_helpers

IMAP_PY="$ROOT/tests/imap_util.py"
imp() { /usr/bin/python3 "$IMAP_PY" "$@"; }

suite_setup() {
	make_pop_users
	export CERT="$T/cert.pem"
}

# One inetd-mode session with the given command lines (CRLF added).
inetd() {
	local IFS=$'\n'
	set -o pipefail
	printf '%s\r\n' "$@" | "$PB" imapd 2>"$T/inetd.log" | tr -d '\r'
}

has_line() { printf '%s\n' "${lines[@]}" | grep -qxF -- "$1" || { printf '%s\n' "${lines[@]}"; echo "no line: $1"; false; }; }

# Start imapd standalone on 127.0.0.1:$PORT (and implicit TLS on $SPORT
# when a certificate is configured) with extra options.
start_imapd() {
	PORT=$(free_port)
	serve "$PORT" "$T/imapd.log" "$PB" imapd -l "127.0.0.1:$PORT" "$@"
	IMAPD_PID=$BG_PID
}
start_imapd_tls() {
	SPORT=$(free_port)
	start_imapd -s "127.0.0.1:$SPORT" "$@"
	wait_port "$SPORT"
}

@test "inetd mode: greeting, CAPABILITY, LOGIN, NAMESPACE, ID, ENABLE, NOOP, LOGOUT" {
	conf imap_plaintext_auth yes
	run inetd "a CAPABILITY" "b NOOP" "c ID (\"name\" \"test\")" "d LOGIN ann secret" "e NAMESPACE" \
		"f ENABLE UTF8=ACCEPT" "g CAPABILITY" "h LOGOUT"
	status_is 0
	[ "${lines[0]}" = "* OK [CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID ENABLE AUTH=PLAIN] postbox IMAP server ready" ]
	has_line "* CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID ENABLE AUTH=PLAIN"
	has_line "a OK CAPABILITY completed"
	has_line "b OK NOOP completed"
	has_line '* ID ("name" "postbox")'
	printf '%s\n' "${lines[@]}" | grep -q '^d OK \[CAPABILITY IMAP4rev1 .*IDLE.*\] Logged in$'
	has_line '* NAMESPACE (("" ".")) NIL NIL'
	has_line "* ENABLED UTF8=ACCEPT"
	printf '%s\n' "${lines[@]}" | grep -q '^\* CAPABILITY IMAP4rev1 .*UIDPLUS MOVE'
	has_line "* BYE logging out"
	[ "${lines[-1]}" = "h OK LOGOUT completed" ]
	grep -q 'imap login user=ann@test.example' "$T/inetd.log"
}

@test "before TLS: LOGINDISABLED, and LOGIN and AUTHENTICATE refused unless imap_plaintext_auth" {
	server_cert localhost
	run inetd "a CAPABILITY" "b LOGIN ann secret" "c AUTHENTICATE PLAIN AGFubkB0ZXN0LmV4YW1wbGUAc2VjcmV0" "d SELECT INBOX" "e LOGOUT"
	status_is 0
	has_line "* CAPABILITY IMAP4rev1 IMAP4rev2 SASL-IR LITERAL- ID ENABLE STARTTLS LOGINDISABLED"
	has_line "b NO [PRIVACYREQUIRED] authentication is not allowed without TLS (use STARTTLS)"
	has_line "c NO [PRIVACYREQUIRED] authentication is not allowed without TLS (use STARTTLS)"
	has_line "d BAD SELECT is not allowed before login"
	! grep -q 'imap login user' "$T/inetd.log" || false
}

@test "AUTHENTICATE PLAIN with SASL-IR, with a continuation, and cancelled" {
	conf imap_plaintext_auth yes
	ir=$(printf '\0ann@test.example\0secret' | base64 -w0)
	run inetd "a AUTHENTICATE PLAIN $ir" "b LOGOUT"
	printf '%s\n' "${lines[@]}" | grep -q '^a OK \[CAPABILITY .*\] Logged in$'
	run inetd "a AUTHENTICATE PLAIN" "$ir" "b LOGOUT"
	has_line "+ "
	printf '%s\n' "${lines[@]}" | grep -q '^a OK \[CAPABILITY .*\] Logged in$'
	run inetd "a AUTHENTICATE PLAIN" "*" "b AUTHENTICATE CRAM-MD5" "c LOGOUT"
	has_line "a BAD AUTHENTICATE cancelled"
	has_line "b NO unsupported mechanism"
	has_line "c OK LOGOUT completed"
}

@test "bad logins: the same answer for an unknown user and a wrong password; the third ends the session" {
	conf imap_plaintext_auth yes
	run inetd "a LOGIN ann wrong" "b LOGIN nobody@test.example secret" "c LOGIN ann wrong2" "d NOOP"
	[ "$status" -eq 76 ]
	has_line "a NO [AUTHENTICATIONFAILED] Authentication failed"
	has_line "b NO [AUTHENTICATIONFAILED] Authentication failed"
	has_line "c NO [AUTHENTICATIONFAILED] Authentication failed"
	has_line "* BYE too many failed logins, goodbye"
	! has_line "d OK NOOP completed" 2>/dev/null || false
	[ "$(grep -c 'imap login failed' "$T/inetd.log")" -eq 3 ]
}

@test "hostile input before login: literals are bounded before a byte is read, junk ends the session" {
	conf imap_plaintext_auth yes
	# A synchronizing literal over the pre-login limit: NO, and no "+".
	run inetd "a LOGIN {100000}" "b NOOP"
	has_line "a NO [TOOBIG] literal of 100000 octets refused"
	! has_line "+ Ready for literal data" 2>/dev/null || false
	has_line "b OK NOOP completed"
	# A small one is accepted with "+".
	run inetd "a LOGIN {3}" "ann secret" "b LOGOUT"
	has_line "+ Ready for literal data"
	# {N+} past LITERAL-'s 4096 octets: refused by the reader, its octets
	# never run as commands.
	run inetd "a LOGIN {5000+}" "c LOGOUT"
	printf '%s\n' "${lines[@]}" | grep -q '^a BAD \[TOOBIG\]'
	# Too many errors end the session.
	run inetd x x x x x x x x x x x x x x x x x x x x x x
	has_line "* BYE too many errors, goodbye"
	[ "$status" -eq 76 ]
}

@test "slow bytes: a command trickled byte by byte ends at its deadline, not at the next byte" {
	conf imap_plaintext_auth yes
	conf imap_timeout 2s
	start=$(date +%s)
	run bash -c 'for c in a " " N O O P " " x x x x x x x x x x; do printf %s "$c"; sleep 0.5; done | "$1" imapd' _ "$PB"
	end=$(date +%s)
	printf '%s\n' "${lines[@]}" | grep -q '^\* BYE autologout: the command took too long'
	[ $((end - start)) -le 8 ]
}

@test "imaplib over STARTTLS and implicit TLS, standalone; the login process runs as imap_login_user" {
	server_cert localhost
	start_imapd_tls
	run imp login "$PORT" starttls
	status_is 0
	[[ "$output" == *"caps-before IMAP4REV1 IMAP4REV2 SASL-IR LITERAL- ID ENABLE AUTH=PLAIN"* ]]
	[[ "$output" == *logged-in* ]]
	run imp login "$SPORT" ssl
	status_is 0
	[[ "$output" == *logged-in* ]]
	run imp badlogin "$SPORT" ssl
	[[ "$output" == *"refused"*"AUTHENTICATIONFAILED"* ]]
	# A connected client that has not logged in is served by a process of
	# nobody's, never root's.
	exec 5<>"/dev/tcp/127.0.0.1/$PORT"
	read -r -t 5 greeting <&5
	[[ "$greeting" == "* OK "* ]]
	uids=$(for p in $(pgrep -P "$IMAPD_PID"); do pgrep -P "$p"; done | xargs -r -n1 ps -o uid= -p | tr -d ' ')
	exec 5>&-
	[ "$uids" = "$(id -u nobody)" ]
	grep -q 'imap login user=ann@test.example client=127.0.0.1 tls=TLSv1.3' "$T/imapd.log"
}

@test "IDLE (imaplib over implicit TLS) sees a deliver run within a second" {
	server_cert localhost
	fill 2
	start_imapd_tls
	run imp idle "$SPORT" ssl "$PB" deliver -f s@x.example "$MD/" </dev/null
	status_is 0
	[[ "$output" == *"idle-got * 3 EXISTS after "* ]]
	secs=$(sed -nE 's/.*idle-got .* after ([0-9.]+) s.*/\1/p' <<<"$output")
	awk -v s="$secs" 'BEGIN { exit !(s < 1.5) }'
	[[ "$output" == *"idle-end "*" OK IDLE terminated"* ]]
}

# `imp two` on 3 messages, then what session a must have heard: b's
# expunge, b's flag (UID 2's flags then, as Python prints them: $1) and
# the delivery, at its NOOP.
two_sessions() {
	run imp two "$PORT" plain "$PB" deliver -f s@x.example "$MD/"
	status_is 0
	[[ "$output" == *"a-select 3"* ]]
	[[ "$output" == *"b-expunge [b'1']"* ]]
	[[ "$output" == *"a-noop EXPUNGE [b'1']"* ]]
	[[ "$output" == *"a-noop FETCH [b'1 (UID 2 FLAGS ($1))']"* ]]
	[[ "$output" == *"a-noop EXISTS [b'3', b'3']"* ]]   # at SELECT, and after the delivery
}

@test "two sessions on one mailbox: flags, new mail and expunges of one reach the other" {
	conf imap_plaintext_auth yes
	fill 3
	start_imapd
	two_sessions '\\Flagged \\Recent'
}

@test "two sessions add flags to one message: both kept; STORE .SILENT tells of the other's" {
	conf imap_plaintext_auth yes
	fill 1
	start_imapd
	run imp flags "$PORT" plain
	status_is 0
	[[ "$output" == *"b-silent [b'1 (FLAGS (\\\\Seen \\\\Flagged \$a))']"* ]]
	# a took \Seen away again on the name it knew before b's change
	ls "$MD/cur" | grep -q ':2,Fa$'
}

@test "imaplib over STARTTLS: read every message byte for byte; folders, APPEND, COPY, MOVE, SEARCH, EXPUNGE" {
	server_cert localhost
	fill 3
	start_imapd_tls
	mkdir "$T/got"
	OUT="$T/got" run imp read "$PORT" starttls
	status_is 0
	[[ "$output" == *"exists 3"* ]]
	[[ "$output" == *"msg 1 UID 1 FLAGS (\\Recent) RFC822.SIZE 65 65"* ]]   # size with CRLF = bytes sent
	# BODY.PEEK[] is the file with CRLF line ends: the same bytes
	for f in "$MD"/cur/*; do
		n=$(grep -m1 '^Subject: m' "$f" | tr -dc 0-9)
		cmp "$f" "$T/got/$n"
	done
	[[ "$output" == *".leading dot"* ]]
	run imp work "$SPORT" ssl
	status_is 0
	[[ "$output" == *"'(\\\\HasNoChildren) \".\" Work'"* ]]
	[[ "$output" == *"append OK [APPENDUID "*" 1] APPEND completed"* ]]
	[[ "$output" == *"search-all 1 2 3"* ]]
	[[ "$output" == *"search-subject 2"* ]]
	[[ "$output" == *"copy [COPYUID "*" 2 2] COPY completed"* ]]
	[[ "$output" == *"move OK"* ]]
	[[ "$output" == *"work-all 1 2 3"* ]]
	[[ "$output" == *"work-flagged 1"* ]]
	# On disk: Work has the appended, copied and moved messages, flags in
	# their names; INBOX lost the moved one and the expunged one.
	[ "$(ls "$MD/.Work/cur" "$MD/.Work/new" | grep -c ',')" -ge 3 ]
	ls "$MD/.Work/cur" | grep -q ':2,F$'
	[ "$(ls "$MD/cur" "$MD/new" | grep -c ',')" -eq 1 ]
}

@test "imaplib with ENABLE IMAP4rev2 over STARTTLS: UTF-8 names, no RECENT, SELECT's LIST, ESEARCH, STATUS DELETED, BINARY" {
	server_cert localhost
	fill 3
	start_imapd_tls
	run imp rev2 "$PORT" starttls
	status_is 0
	[[ "$output" == *"caps IMAP4REV1 IMAP4REV2 "* ]]
	[[ "$output" == *"enabled [b'IMAP4rev2']"* ]]
	has_line "list ['(\\\\HasNoChildren) \".\" \"Entwürfe\"']"
	has_line "select 3 RECENT None LIST [b'(\\\\HasNoChildren) \".\" INBOX']"
	has_line "flags ['1 (FLAGS ())', '2 (FLAGS ())', '3 (FLAGS ())']"
	printf '%s\n' "${lines[@]}" | grep -qx "search \[None\] ESEARCH \[b'(TAG \"[A-Z0-9]*\") ALL 2'\]"
	[[ "$output" == *"status INBOX (MESSAGES 3 DELETED 1 SIZE 195)"* ]]
	has_line "binary b'body 2\\r\\n.leading dot\\r\\n'"
	[[ "$output" == *'status-utf8 "Entwürfe" (MESSAGES 1)'* ]]
	[ -d "$MD/.Entw&APw-rfe" ]
}

@test "curl's IMAP client: list, fetch by UID and search over STARTTLS and imaps" {
	server_cert localhost
	fill 2
	start_imapd_tls
	run curl -s --ssl-reqd --cacert "$CERT" -u ann@test.example:secret "imap://localhost:$PORT/"
	status_is 0
	[[ "$output" == *'LIST (\HasNoChildren) "." INBOX'* ]]
	run curl -s --cacert "$CERT" -u ann@test.example:secret "imaps://localhost:$SPORT/INBOX;UID=2"
	status_is 0
	[[ "$output" == *"Subject: m2"* ]]
	[[ "$output" == *"body 2"* ]]
	run curl -s --cacert "$CERT" -u ann@test.example:secret "imaps://localhost:$SPORT/INBOX?SUBJECT%20m1"
	status_is 0
	[[ "$output" == *"SEARCH 1"* ]]
}

@test "FETCH ENVELOPE: later ones come from postbox-cache byte for byte; a cache of another UIDVALIDITY or with a torn tail is not believed" {
	conf imap_plaintext_auth yes
	fill 3
	env_fetch() { inetd "a LOGIN ann@test.example secret" "b SELECT INBOX" "c FETCH 1:* (FLAGS RFC822.SIZE ENVELOPE)" "d LOGOUT" | grep -E '^\* [0-9]+ FETCH|^c ' | sed 's/FLAGS ([^)]*) //'; }
	env_fetch > "$T/first"
	[ "$(grep -c 'ENVELOPE (NIL "m[123]"' "$T/first")" -eq 3 ]
	grep -qx 'c OK FETCH completed' "$T/first"
	[ "$(grep -c '^[0-9]* E [0-9]*$' "$MD/postbox-cache")" -eq 3 ]
	env_fetch > "$T/second"
	diff "$T/first" "$T/second"
	# A message file is never rewritten in a Maildir; if one were, the
	# cache (not the file) answers: what proves the file was not read.
	f=$(grep -l '^Subject: m2$' "$MD"/cur/*)
	sed -i 's/^Subject: m2$/Subject: X2/' "$f"
	env_fetch > "$T/third"
	cmp "$T/first" "$T/third"
	# Another UIDVALIDITY: the file is started again from the messages.
	sed -i '1s/^postbox-cache 1 [0-9]*$/postbox-cache 1 7/' "$MD/postbox-cache"
	env_fetch > "$T/fourth"
	grep -q 'ENVELOPE (NIL "X2"' "$T/fourth"
	[ "$(head -n1 "$MD/postbox-cache")" != "postbox-cache 1 7" ]
	# A torn tail (a writer that died) is cut off before the next append.
	printf '1 E 900\n("torn' >> "$MD/postbox-cache"
	sed -i 's/^Subject: X2$/Subject: m2/' "$f"
	env_fetch > "$T/fifth"
	grep -q 'ENVELOPE (NIL "X2"' "$T/fifth"
	! grep -q torn "$T/fifth" || false
	fill 1
	env_fetch > "$T/sixth"
	grep -q 'ENVELOPE (NIL "m1".*' "$T/sixth"
	[ "$(grep -c '^\* [0-9]* FETCH' "$T/sixth")" -eq 4 ]
	! grep -q torn "$MD/postbox-cache" || false
	[ "$(grep -c '^[0-9]* E [0-9]*$' "$MD/postbox-cache")" -eq 4 ]
}

@test "fetchmail over STARTTLS and implicit TLS: keeps and marks seen, fetches only what is new, then fetches all and expunges" {
	command -v fetchmail >/dev/null || skip "fetchmail not installed (scripts/deps)"
	server_cert localhost
	fill 2
	start_imapd_tls
	mkdir -p "$T/fm" && chmod 700 "$T/fm"
	# sslproto without ssl: STARTTLS, required (fetchmail refuses to go on in the clear)
	printf 'poll localhost port %s proto imap user "ann@test.example" password "secret" sslproto tls1.2+ sslcertck sslcertfile "%s"\n' \
		"$PORT" "$CERT" > "$T/fm/starttls"
	printf 'poll localhost port %s proto imap user "ann@test.example" password "secret" ssl sslcertck sslcertfile "%s"\n' \
		"$SPORT" "$CERT" > "$T/fm/imaps"
	chmod 600 "$T"/fm/starttls "$T"/fm/imaps
	fm() { env HOME="$T/fm" fetchmail -f "$T/fm/$1" --mda "/bin/sh -c 'cat >> $T/fm/$2'" "${@:3}"; }
	run fm starttls out1 --keep -v
	status_is 0
	[[ "$output" == *STARTTLS* ]]
	[ "$(grep -c '^Subject: m' "$T/fm/out1")" -eq 2 ]
	grep -q '^body 2$' "$T/fm/out1"
	# kept, and marked \Seen in the file names
	[ "$(ls "$MD/cur" | grep -c ':2,S$')" -eq 2 ]
	fill 1
	run fm imaps out2 --keep
	status_is 0
	[ "$(grep -c '^Subject: m' "$T/fm/out2")" -eq 1 ]
	grep -q '^Subject: m1$' "$T/fm/out2"
	run fm starttls out3 --all --nokeep
	status_is 0
	[ "$(grep -c '^Subject: m' "$T/fm/out3")" -eq 3 ]
	[ "$(ls "$MD/cur" "$MD/new" | grep -c ',')" -eq 0 ]
}

@test "mutt over STARTTLS (AUTHENTICATE PLAIN, then LOGIN): pipes every message out byte for byte, copies one into a new folder" {
	command -v mutt >/dev/null || skip "mutt not installed (scripts/deps)"
	server_cert localhost
	fill 3
	start_imapd
	mkdir -p "$T/mutt"
	# Every prompt off: mutt reads its answers from the pushed keys, so a
	# prompt (confirmcreate, confirmappend, wait_key) would eat the next
	# command (likely what lost the first copy of an earlier attempt).
	cat > "$T/mutt/rc" <<RC
set imap_user="ann@test.example"
set imap_pass="secret"
set ssl_starttls=yes
set ssl_force_tls=yes
set ssl_ca_certificates_file="$CERT"
set folder="imap://localhost:$PORT/"
set header_cache=""
set message_cachedir=""
set record=""
set wait_key=no
set confirmappend=no
set confirmcreate=no
set quit=yes
set move=no
set sort=unsorted
RC
	printf '%s\n' '#!/bin/sh' "exec mutt -n -F '$T/mutt/rc' -e \"set imap_authenticators=\$1\" -f imap://localhost:$PORT/INBOX -e \"push '\$2'\"" \
		> "$T/mutt/run"
	chmod +x "$T/mutt/run"
	# mutt wants a terminal: script(1) lends it one.
	mutt_keys() { TERM=vt100 HOME="$T/mutt" timeout 30 script -qec "$T/mutt/run $1 '$2'" /dev/null > "$T/mutt/screen" 2>&1; }
	keys=""
	for n in 1 2 3; do keys="$keys<pipe-message>cat > $T/mutt/p$n<enter><next-entry>"; done
	mutt_keys plain "$keys<quit>"
	grep -q 'Authenticating (PLAIN)' "$T/mutt/screen"
	for f in "$MD"/cur/*; do
		n=$(grep -m1 '^Subject: m' "$f" | tr -dc 0-9)
		cmp "$f" "$T/mutt/p$n"
	done
	# LOGIN this time; COPY to a folder that does not exist: NO [TRYCREATE],
	# mutt's CREATE, the COPY again
	mutt_keys login "<next-entry><copy-message>=Saved<enter><quit>"
	grep -q 'Logging in' "$T/mutt/screen"
	[ "$(ls "$MD/.Saved/new" "$MD/.Saved/cur" | grep -c ',S=')" -eq 1 ]
	grep -rq '^Subject: m2$' "$MD/.Saved"
	[ "$(grep -c 'imap login user=ann@test.example client=127.0.0.1 tls=TLSv1.3' "$T/imapd.log")" -eq 2 ]
}

@test "mbsync (isync) syncs a mailbox both ways over implicit TLS and STARTTLS" {
	command -v mbsync >/dev/null || skip "mbsync not installed (scripts/deps installs isync)"
	server_cert localhost
	fill 3
	start_imapd_tls
	mkdir -p "$T/local"
	for how in "IMAPS $SPORT" "STARTTLS $PORT"; do
		set -- $how
		cat > "$T/mbsyncrc" <<RC
IMAPAccount pb
Host localhost
Port $2
User ann@test.example
Pass secret
SSLType $1
CertificateFile $CERT

IMAPStore remote
Account pb

MaildirStore local
Inbox $T/local/INBOX
SubFolders Maildir++

Channel box
Far :remote:
Near :local:
Patterns *
Create Both
SyncState *
RC
		run timeout 60 mbsync -c "$T/mbsyncrc" -a
		status_is 0
	done
	# Down: the three messages; up: one written locally, and a flag.
	[ "$(ls "$T/local/INBOX/cur" "$T/local/INBOX/new" | grep -c ',')" -eq 3 ]
	printf 'Subject: from mbsync\n\nup\n' > "$T/local/INBOX/new/1700000000.up.local"
	f=$(ls "$T/local/INBOX/cur"/* "$T/local/INBOX/new"/* 2>/dev/null | grep -v up.local | head -1)
	case "$f" in *:2,*) mv "$f" "${f}F" ;; *) mv "$f" "$T/local/INBOX/cur/$(basename "$f"):2,F" ;; esac
	run timeout 60 mbsync -c "$T/mbsyncrc" -a
	status_is 0
	[ "$(ls "$MD/cur" "$MD/new" | grep -c ',')" -eq 4 ]
	grep -l 'Subject: from mbsync' "$MD"/cur/* "$MD"/new/* 2>/dev/null | grep -q .
	ls "$MD/cur" | grep -q ':2,F'
}

@test "pop3d and imapd on one Maildir: the same sizes; a message deleted over POP3 is an EXPUNGE over IMAP" {
	conf imap_plaintext_auth yes
	conf pop3_plaintext_auth yes
	fill 2
	start_imapd
	IPORT=$PORT
	start_pop3d
	run imp watch "$IPORT" plain /usr/bin/python3 "$POP_PY" raw "$PORT" "USER ann@test.example" "PASS secret" \
		LIST "DELE 1" QUIT
	status_is 0
	[[ "$output" == *"size 1 (UID 1 RFC822.SIZE 65)"* ]]
	[[ "$output" == *"size 2 (UID 2 RFC822.SIZE 65)"* ]]
	[[ "$output" == *"| 1 65 | 2 65 |"* ]]
	[[ "$output" == *"noop EXPUNGE [b'1']"* ]]
}

@test "failed logins are counted per client address across sessions (anvil): past auth_failure_limit, refused unchecked" {
	conf imap_plaintext_auth yes
	conf auth_failure_limit 2
	start_imapd
	for i in 1 2; do
		run /usr/bin/python3 "$POP_PY" raw "$PORT" "a LOGIN ann wrong$i" "b LOGOUT"
		[[ "$output" == *"a NO [AUTHENTICATIONFAILED] Authentication failed"* ]]
	done
	# The right password no longer helps from this address.
	run /usr/bin/python3 "$POP_PY" raw "$PORT" "a LOGIN ann secret" "b LOGOUT"
	[[ "$output" == *"a NO [UNAVAILABLE] too many failed logins from your address, try again later"* ]]
	grep -q 'imap login refused client=127.0.0.1 reason=auth_failure_limit address-failures=2' "$T/imapd.log"
}

@test "-P: the client a PROXY header names is the one logged and counted" {
	conf imap_plaintext_auth yes
	start_imapd -P
	run /usr/bin/python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"PROXY TCP4 192.0.2.7 127.0.0.1 40000 143\r\na LOGIN ann secret\r\nb LOGOUT\r\n")
f = s.makefile("rb")
for l in f:
    print(l.decode().rstrip())' "$PORT"
	[[ "$output" == *"a OK [CAPABILITY"* ]]
	grep -q 'imap login user=ann@test.example client=192.0.2.7' "$T/imapd.log"
	# without the header: no greeting, nothing parsed as IMAP
	run /usr/bin/python3 "$POP_PY" raw "$PORT" "a LOGIN ann secret"
	[[ "$output" != *"a OK"* ]]
}

@test "log lines quote what the client sent (base/log.h's rule): a user name with spaces and quotes is one token" {
	conf imap_plaintext_auth yes
	run inetd 'a LOGIN "ann x\"y=z" wrong' "b LOGOUT"
	has_line "a NO [AUTHENTICATIONFAILED] Authentication failed"
	grep -F 'imap login failed user=ann\x20x\x22y=z@test.example client=' "$T/inetd.log" || { cat "$T/inetd.log"; false; }
	run inetd "a LOGIN ann secret" "b LOGOUT"
	grep -F 'imap logout user=ann@test.example client=' "$T/inetd.log"
}

@test "quota: APPEND and COPY that would pass mailbox_quota answer NO [OVERQUOTA] and write nothing" {
	conf imap_plaintext_auth yes
	fill 1
	used=$(ls "$MD/new" | sed -nE 's/.*,S=([0-9]+).*/\1/p')
	conf mailbox_quota $((used + 30))
	run inetd "a LOGIN ann secret" "b CREATE Work" "c SELECT INBOX" "d COPY 1 Work" "e APPEND Work {40}" \
		"Subject: big$(printf '%025d' 0)" "" "f APPEND INBOX {12}" "Subject: s" "" "g LOGOUT"
	has_line "d NO [OVERQUOTA] the mailbox is full"
	has_line "e NO [OVERQUOTA] the mailbox is full"
	printf '%s\n' "${lines[@]}" | grep -q '^f OK \[APPENDUID [0-9]* 2\] APPEND completed$'
	[ "$(find "$MD/.Work/new" "$MD/.Work/cur" "$MD/.Work/tmp" -type f | wc -l)" -eq 0 ]
	[ "$(ls "$MD/new" "$MD/cur" | grep -c ',S=')" -eq 2 ]
	[ "$(find "$MD/tmp" -type f | wc -l)" -eq 0 ]
}

@test "LIST with selection and RETURN options (RFC 5258, 6154 SPECIAL-USE, 5819 STATUS) and several patterns" {
	conf imap_plaintext_auth yes
	fill 2
	run inetd "a LOGIN ann secret" "b CREATE Sent" "c CREATE Work" "d SUBSCRIBE Work" \
		'e LIST (SPECIAL-USE) "" "*"' 'f LIST (SUBSCRIBED) "" "*" RETURN (CHILDREN)' \
		'g LIST "" ("INBOX" "Sent") RETURN (SUBSCRIBED STATUS (MESSAGES UIDNEXT))' \
		'h LIST (BOGUS) "" "*"' 'i LIST "" "*" RETURN (STATUS (FOO))' 'j LIST (RECURSIVEMATCH) "" "*"' "z LOGOUT"
	has_line "e OK LIST completed"
	has_line '* LIST (\HasNoChildren \Sent) "." Sent'
	has_line '* LIST (\HasNoChildren \Subscribed) "." Work'
	has_line '* STATUS INBOX (MESSAGES 2 UIDNEXT 3)'
	has_line '* STATUS Sent (MESSAGES 0 UIDNEXT 1)'
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^\* LIST ')" -eq 4 ]   # e: Sent; f: Work; g: INBOX, Sent
	printf '%s\n' "${lines[@]}" | grep -q '^h BAD usage: LIST'
	printf '%s\n' "${lines[@]}" | grep -q '^i BAD usage: LIST'
	printf '%s\n' "${lines[@]}" | grep -q '^j BAD usage: LIST'
}

@test "LIST-EXTENDED and LIST-STATUS advertised: \\NonExistent subscribed names, RECURSIVEMATCH's CHILDINFO (RFC 5258); DELETE of a parent: HASCHILDREN" {
	conf imap_plaintext_auth yes
	fill 1
	run inetd "a LOGIN ann secret" "b CREATE A.B" "c CREATE X.Y" "d SUBSCRIBE A.B" "e SUBSCRIBE Gone" "f SUBSCRIBE X.Y.Z" \
		'g LIST (SUBSCRIBED) "" "*"' 'h LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"' \
		'i LIST (SUBSCRIBED RECURSIVEMATCH) "" ("A" "A.B")' 'j LIST "" "%"' 'k LIST "" "%" RETURN (STATUS (MESSAGES SIZE))' \
		"z LOGOUT"
	printf '%s\n' "${lines[@]}" | grep -q '^a OK \[CAPABILITY IMAP4rev1 .* LIST-EXTENDED LIST-STATUS.*\] Logged in$'
	# g: a subscribed name without a mailbox is listed, as \NonExistent
	has_line '* LIST (\NonExistent \HasNoChildren \Subscribed) "." Gone'
	has_line '* LIST (\NonExistent \HasNoChildren \Subscribed) "." X.Y.Z'
	has_line '* LIST (\HasNoChildren \Subscribed) "." A.B'
	# h: parents of subscribed names that % does not reach carry CHILDINFO
	has_line '* LIST (\NonExistent \HasChildren) "." A ("CHILDINFO" ("SUBSCRIBED"))'
	has_line '* LIST (\NonExistent \HasChildren) "." X ("CHILDINFO" ("SUBSCRIBED"))'
	# i: A.B is returned itself, so A is not
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^h OK/,/^i OK/p' | grep -c '^\* LIST ')" -eq 1 ]
	# j: RFC 3501's LIST keeps \Noselect; k: the extended form says \NonExistent, STATUS follows
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^i OK/,/^j OK/p' | grep -c '^\* LIST (\\Noselect \\HasChildren) "\." [AX]$')" -eq 2 ]
	has_line '* LIST (\NonExistent \HasChildren) "." A'
	has_line '* STATUS INBOX (MESSAGES 1 SIZE 65)'
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^\* STATUS ')" -eq 1 ]   # none for A, X
	# DELETE of a parent without a mailbox of its own (RFC 9051 §6.3.4)
	run inetd "a LOGIN ann secret" "b DELETE A" "c DELETE Nope" "z LOGOUT"
	has_line "b NO [HASCHILDREN] only the mailboxes below this name exist"
	has_line "c NO [NONEXISTENT] no such mailbox"
	[ -d "$MD/.A.B" ]
}

@test "IMAP4rev2 (RFC 9051) after ENABLE: no \\Recent, RECENT or UNSEEN; SELECT's LIST line; ESEARCH; STATUS DELETED; UTF-8 names; rev1 unchanged" {
	conf imap_plaintext_auth yes
	fill 3
	# rev1, read-only first (the messages stay \Recent for the next session)
	run inetd "a LOGIN ann secret" "b EXAMINE INBOX" "c FETCH 1 FLAGS" "d SEARCH SUBJECT m2" "z LOGOUT"
	has_line "* 3 RECENT"
	has_line "* OK [UNSEEN 1] first unseen"
	has_line '* 1 FETCH (FLAGS (\Recent))'
	has_line "* SEARCH 2"
	run inetd "a LOGIN ann secret" "b ENABLE IMAP4rev2 X-UNKNOWN" 'c CREATE "Entwürfe"' "d SELECT INBOX" "e FETCH 1 FLAGS" \
		"f SEARCH SUBJECT m2" "g UID SEARCH ALL" "h STORE 1 +FLAGS (\\Deleted)" "i STATUS INBOX (MESSAGES DELETED SIZE)" \
		'j LIST "" "*"' "k ENABLE UTF8=ACCEPT" "z LOGOUT"
	has_line "* ENABLED IMAP4rev2"
	! printf '%s\n' "${lines[@]}" | grep -E 'RECENT|UNSEEN|\\Recent|^\* SEARCH' || false
	has_line '* LIST (\HasNoChildren) "." INBOX'   # in SELECT's answer
	has_line 'd OK [READ-WRITE] SELECT completed'
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^c OK/,/^d OK/p' | grep -c '^\* LIST ')" -eq 1 ]
	has_line '* 1 FETCH (FLAGS ())'
	has_line '* ESEARCH (TAG "f") ALL 2'
	has_line '* ESEARCH (TAG "g") UID ALL 1:3'
	has_line '* STATUS INBOX (MESSAGES 3 DELETED 1 SIZE 195)'
	has_line '* LIST (\HasNoChildren) "." "Entwürfe"'
	printf '%s\n' "${lines[@]}" | grep -q '^k BAD ENABLE is for the authenticated state'
	[ -d "$MD/.Entw&APw-rfe" ]          # stored as Dovecot does: modified UTF-7
	# a rev1 session meanwhile: the same mailbox in modified UTF-7; the messages
	# the rev2 session took are no longer recent
	run inetd "a LOGIN ann secret" 'b LIST "" "Entw*"' "c SELECT INBOX" "z LOGOUT"
	has_line '* LIST (\HasNoChildren) "." Entw&APw-rfe'
	has_line "* 0 RECENT"
	# and over STARTTLS, with OpenSSL's client
	server_cert localhost
	start_imapd
	run bash -c "printf 'a LOGIN ann@test.example secret\r\nb ENABLE IMAP4rev2\r\nc EXAMINE INBOX\r\nd SEARCH DELETED\r\ne LOGOUT\r\n' |
		timeout 10 openssl s_client -quiet -verify_return_error -starttls imap -connect 127.0.0.1:$PORT \
		-servername localhost -CAfile '$T/cert.pem' 2>/dev/null | tr -d '\r'"
	has_line "* ENABLED IMAP4rev2"
	has_line '* ESEARCH (TAG "d") ALL 1'
	has_line "e OK LOGOUT completed"
}

@test "SEARCHRES (RFC 5182): SEARCH RETURN (SAVE), then \$ in FETCH, STORE, SEARCH and UID EXPUNGE; expunged messages leave it" {
	conf imap_plaintext_auth yes
	fill 4
	run inetd "a LOGIN ann secret" "b SELECT INBOX" "c FETCH \$ UID" "d SEARCH RETURN (SAVE) SUBJECT m2" "e FETCH \$ (UID)" \
		"f UID SEARCH RETURN (SAVE MIN MAX) ALL" "g UID FETCH \$ UID" "h STORE \$ +FLAGS.SILENT (\\Deleted)" "i SEARCH \$" \
		"j UID EXPUNGE \$" "k SEARCH \$" "l SEARCH RETURN (SAVE) SUBJECT m3" "m SEARCH RETURN (SAVE) FROBNICATE" \
		"n FETCH \$ UID" "z LOGOUT"
	has_line "c OK FETCH completed"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^b OK/,/^c OK/p' | grep -c FETCH)" -eq 1 ]   # "$" was empty
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^c OK/,/^d OK/p' | wc -l)" -eq 2 ]          # SAVE alone: no answer
	has_line "* 2 FETCH (UID 2)"
	has_line '* ESEARCH (TAG "f") UID MIN 1 MAX 4'
	has_line "* 1 FETCH (UID 1)"
	has_line "* 4 FETCH (UID 4)"
	has_line "* SEARCH 1 4"
	has_line "* 4 EXPUNGE"
	has_line "* 1 EXPUNGE"
	has_line "k OK SEARCH completed"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^j OK/,/^k OK/p' | sed -n 2p)" = "* SEARCH" ]   # both gone
	printf '%s\n' "${lines[@]}" | grep -q '^m BAD '
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^m BAD/,/^n OK/p' | grep -c FETCH)" -eq 1 ]  # a failed SAVE empties "$"
	[ "$(ls "$MD/cur" "$MD/new" | grep -c ',')" -eq 2 ]
}

@test "LIST patterns are matched in UTF-8: a wildcard after a non-ASCII character finds names in both forms; a pattern that is not valid UTF-8 (or modified UTF-7) lists nothing and is OK, as in Dovecot" {
	conf imap_plaintext_auth yes
	fill 1
	# äö and äü.x, in modified UTF-7 (RFC 3501 names)
	run inetd "a LOGIN ann secret" "b CREATE &AOQA9g-" "c CREATE &AOQA,A-.x" 'd LIST "" "&AOQ-*"' 'e LIST "" "&AOQ-%"' \
		'f LIST "" "&Jjo*"' "g LIST \"\" !#\$\$&'+,-.0123456789:;<=>?@^_\`|[}%*" "z LOGOUT"
	has_line "c OK CREATE completed"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^c OK/,/^d OK/p' | grep -c '^\* LIST ')" -eq 3 ]
	has_line '* LIST (\HasNoChildren) "." &AOQA9g-'
	has_line '* LIST (\Noselect \HasChildren) "." &AOQA,A-'
	has_line '* LIST (\HasNoChildren) "." &AOQA,A-.x'
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^d OK/,/^e OK/p' | grep -c '^\* LIST ')" -eq 2 ]
	has_line "f OK LIST completed"
	has_line "g OK LIST completed"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^e OK/,/^g OK/p' | grep -c '^\* LIST ')" -eq 0 ]
	# the same after ENABLE IMAP4rev2, in UTF-8
	run inetd "a LOGIN ann secret" "b ENABLE IMAP4rev2" 'c LIST "" "ä*"' 'd LIST "äü." "%"' 'e LIST "" ("äö" "ä%")' \
		"f LIST \"\" {2+}" $'\xc3*' "z LOGOUT"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^b OK/,/^c OK/p' | grep -c '^\* LIST ')" -eq 3 ]
	has_line '* LIST (\HasNoChildren) "." "äö"'
	has_line '* LIST (\HasNoChildren) "." "äü.x"'
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^c OK/,/^d OK/p' | grep -c '^\* LIST ')" -eq 1 ]
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^d OK/,/^e OK/p' | grep -c '^\* LIST ')" -eq 2 ]
	has_line "f OK LIST completed"
	[ "$(printf '%s\n' "${lines[@]}" | sed -n '/^e OK/,/^f OK/p' | grep -c '^\* LIST ')" -eq 0 ]
}

@test "LIST: a run of wildcards costs what one does (16 patterns of 500 \"%*\" over 1,000 long names: seconds of CPU before)" {
	conf imap_plaintext_auth yes
	fill 1
	long=$(printf 'a%.0s' $(seq 190))
	for i in $(seq 1000); do mkdir "$MD/.$long$i"; done
	p=$(printf '%%*%.0s' $(seq 500))
	pats=$(for i in $(seq 16); do printf '"%sZ" ' "$p"; done)
	TIMEFORMAT=%U
	cpu=$( { time inetd "a LOGIN ann secret" "b LIST \"\" ($pats)" 'c LIST "" "a%*%%**Z*%%"' 'd LIST "" "%%a*%*1000"' "z LOGOUT" > "$T/out"; } 2>&1 )
	run cat "$T/out"
	has_line "b OK LIST completed"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^\* LIST ')" -eq 1 ]   # d: ...1000 only
	has_line "* LIST (\\HasNoChildren) \".\" ${long}1000"
	echo "user CPU: $cpu s"
	awk -v c="$cpu" 'BEGIN { exit !(c < 1.0) }'
}

@test "LSUB: a parent brought by several subscribed children is answered once, also when its name ends another one" {
	conf imap_plaintext_auth yes
	fill 1
	run inetd "a LOGIN ann secret" "b SUBSCRIBE AB" "c SUBSCRIBE B.x" "d SUBSCRIBE B.y" 'e LSUB "" "%"' "z LOGOUT"
	has_line 'e OK LSUB completed'
	has_line '* LSUB () "." AB'
	has_line '* LSUB (\Noselect) "." B'
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^\* LSUB ')" -eq 2 ]
}

@test "a failed SELECT leaves no mailbox selected, and the saved result (\$) of the one before is gone (RFC 9051 §6.3.2, RFC 5182)" {
	conf imap_plaintext_auth yes
	fill 2
	run inetd "a LOGIN ann secret" "b SELECT INBOX" "c SEARCH RETURN (SAVE) ALL" "d SELECT ../escape" "e FETCH \$ UID" \
		"f EXAMINE INBOX" "g FETCH \$ UID" "h EXAMINE Nope" "i FETCH 1 UID" "z LOGOUT"
	has_line "d NO [CANNOT] invalid mailbox name"
	has_line "e BAD FETCH is not allowed without a selected mailbox"
	has_line "g OK FETCH completed"
	! printf '%s\n' "${lines[@]}" | grep -q 'FETCH (UID' || false   # "$" was emptied with its mailbox
	has_line "h NO [NONEXISTENT] no such mailbox"
	has_line "i BAD FETCH is not allowed without a selected mailbox"
	[ "$(printf '%s\n' "${lines[@]}" | grep -c '^\* OK \[CLOSED\]')" -eq 2 ]
}

@test "MULTIAPPEND (RFC 3502): several messages in one APPEND, APPENDUID with a UID set; a bad one, or too many bytes, stores none" {
	conf imap_plaintext_auth yes
	fill 1
	run inetd "a LOGIN ann secret" "b SELECT INBOX" "c APPEND INBOX {14+}" "Subject: a" "" \
		' (\Seen) "05-Dec-2026 06:00:00 +0000" {14+}' "Subject: b" "" ' {14}' "Subject: c" "" "" \
		"d APPEND INBOX {14+}" "Subject: x" "" ' (\Bogus) {14+}' "Subject: y" "" "" \
		"e APPEND INBOX {14+}" "Subject: x" "" ' {0+}' "" "f NOOP" "z LOGOUT"
	printf '%s\n' "${lines[@]}" | grep -q '^c OK \[APPENDUID [0-9]* 2:4\] APPEND completed$'
	has_line "* 4 EXISTS"
	has_line "d BAD unknown system flag"
	has_line "e NO an empty message is not a message"
	has_line "f OK NOOP completed"
	[ "$(ls "$MD/new" "$MD/cur" | grep -c ',S=')" -eq 4 ]   # 1 + 3, none of d's or e's
	f=$(grep -rl '^Subject: b' "$MD/cur" "$MD/new")
	[[ "$f" == *":2,S" ]] && [ "$(stat -c %Y "$f")" -eq "$(date -d '2026-12-05 06:00:00 UTC' +%s)" ]
	# All of one APPEND's messages count against max_message_size together:
	# the literal that passes it is refused, and nothing of the command is kept.
	conf max_message_size 20
	run inetd "a LOGIN ann secret" "b APPEND INBOX {14+}" "Subject: p" "" ' {14+}' "Subject: q" "" "" "c NOOP" "z LOGOUT"
	has_line "b NO [TOOBIG] literal of 14 octets refused"
	has_line "c OK NOOP completed"
	[ "$(ls "$MD/new" "$MD/cur" | grep -c ',S=')" -eq 4 ]
	! grep -rq '^Subject: [pq]' "$MD/new" "$MD/cur" "$MD/tmp" || false
}

@test "MULTIAPPEND on a full disk: every message is written before any is published, so a failure publishes nothing and leaves nothing in tmp/" {
	command -v strace >/dev/null || skip "strace not installed"
	conf imap_plaintext_auth yes
	mkdir "$T/small"
	mount -t tmpfs -o size=256k tmpfs "$T/small" || skip "cannot mount tmpfs here"
	h=$(grep '^ann@' "$T/users" | cut -d: -f2)
	echo "cat@test.example:$h:$T/small/Maildir/" >> "$T/users"
	printf 'Subject: first\n\nx\n' | pb deliver -f s@x.example "$T/small/Maildir/" 2>/dev/null
	# the second message does not fit: the first was published (linked into
	# new/, seen by any other session) before, then taken back
	/usr/bin/python3 -c '
import sys
m1 = b"Subject: a\r\n\r\nsmall\r\n"
m2 = b"Subject: b\r\n\r\n" + b"y" * 400000 + b"\r\n"
m3 = b"Subject: c\r\n\r\nfits\r\n"
sys.stdout.buffer.write(b"a LOGIN cat secret\r\nb SELECT INBOX\r\nc APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s\r\n"
                        b"d NOOP\r\ne APPEND INBOX {%d+}\r\n%s\r\nz LOGOUT\r\n" % (len(m1), m1, len(m2), m2, len(m3), m3))
' > "$T/in"
	run bash -c "strace -f -qq -e trace=link,linkat -o '$T/strace' '$PB' imapd < '$T/in' 2>/dev/null | tr -d '\r'"
	has_line "c NO [OVERQUOTA] no space left"
	has_line "d OK NOOP completed"
	printf '%s\n' "${lines[@]}" | grep -q '^e OK \[APPENDUID [0-9]* 2\] APPEND completed$'
	# one link, e's own: c's first message was never published
	[ "$(grep -c 'link' "$T/strace")" -eq 1 ]
	[ -z "$(ls "$T/small/Maildir/tmp")" ]
	[ "$(ls "$T/small/Maildir/new" "$T/small/Maildir/cur" | grep -c ',S=')" -eq 2 ]
	! grep -rq '^Subject: [ab]' "$T/small/Maildir" || false
	umount "$T/small"
}

@test "hostile input after login: names that would leave the Maildir, bad modified UTF-7, bad sets and charsets" {
	conf imap_plaintext_auth yes
	fill 1
	run inetd "a LOGIN ann secret" "b CREATE ../escape" "c CREATE a/b" "d CREATE &Jjo" "e SELECT ~root" \
		"f CREATE .hidden" "g CREATE x..y" "h SELECT INBOX" "i FETCH 0:x FLAGS" "j SEARCH CHARSET KOI8-R SUBJECT x" \
		"k UID FROB 1" "l FETCH 1 (FLAGS" "m CREATE &ZeVnLIqe-" "n LOGOUT"
	for t in b c d e f g; do has_line "$t NO [CANNOT] invalid mailbox name"; done
	has_line "i BAD invalid sequence set"
	has_line "j NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"
	has_line "k BAD unknown UID command"
	printf '%s\n' "${lines[@]}" | grep -q '^l BAD '
	has_line "m OK CREATE completed"     # valid modified UTF-7 (日本語)
	[ -d "$MD/.&ZeVnLIqe-" ]
	[ ! -e "$T/mail/ann/escape" ] && [ ! -e "$MD/../escape" ] && [ ! -e "$MD/.../escape" ]
	[ "$(ls -a "$MD" | grep -c '^\.[^.]')" -eq 1 ]   # only the one valid folder was made
	# A literal mailbox name in APPEND, then the message; a {N+} past the
	# limit after login is refused and its octets are not run as commands.
	run inetd "a LOGIN ann secret" "b APPEND {5}" "INBOX {12}" "Subject: x" "" "c CREATE {70000+}" "d LOGOUT"
	printf '%s\n' "${lines[@]}" | grep -q '^b OK \[APPENDUID [0-9]* 2\] APPEND completed$'
	has_line "c NO [TOOBIG] literal of 70000 octets refused"
	# A size past 2^63 is not a negative number that passes the limit (it
	# was: "+ Ready", and the client could stream without end into memory).
	run inetd "a LOGIN ann secret" "b APPEND INBOX {9223372036854775809}" "c NOOP" "d LOGOUT"
	has_line "b NO [TOOBIG] literal of 9223372036854775809 octets refused"
	! printf '%s\n' "${lines[@]}" | grep -q '^+ ' || false
	has_line "c OK NOOP completed"
}

@test "SELECT of an unchanged mailbox lists neither new/ nor cur/ (postbox-index); a delivery, another program's flag and a deletion between two SELECTs are seen" {
	command -v strace >/dev/null || skip "strace not installed"
	conf imap_plaintext_auth yes
	fill 3
	sel() { inetd "a LOGIN ann@test.example secret" "b SELECT INBOX" "c FETCH 1:* (UID FLAGS)" "d LOGOUT"; }
	# listings of the Maildir's new/ and cur/ (getdents64 on them) by one session
	listings() {
		local IFS=$'\n'
		printf '%s\r\n' "a LOGIN ann@test.example secret" "b SELECT INBOX" "c LOGOUT" |
			strace -f -y -qq -e trace=getdents64 -o "$T/strace" "$PB" imapd >/dev/null 2>&1
		grep -cE "getdents64\([0-9]+<$MD/?(new|cur)>" "$T/strace" || true
	}
	settle() { touch -d '-10 seconds' "$MD/new" "$MD/cur" "$MD/dovecot-uidlist"; }
	sel > /dev/null              # moves the files to cur/
	settle
	[ "$(listings)" -gt 0 ]      # lists once more, writes the index
	[ -s "$MD/postbox-index" ]
	[ "$(listings)" -eq 0 ]
	run sel
	has_line '* 3 EXISTS'
	has_line '* 3 FETCH (UID 3 FLAGS ())'
	# delivered after the index was written
	fill 1
	run sel
	has_line '* 4 EXISTS'
	has_line '* 4 FETCH (UID 4 FLAGS (\Recent))'
	# a flag set by another Maildir reader (a rename in cur/), then a deletion
	settle
	[ "$(listings)" -gt 0 ]
	f=$(ls "$MD"/cur/* | head -n1)
	mv "$f" "${f%:2,*}:2,FS"
	run sel
	has_line '* 1 FETCH (UID 1 FLAGS (\Seen \Flagged))'
	settle
	[ "$(listings)" -gt 0 ]
	[ "$(listings)" -eq 0 ]
	rm "${f%:2,*}:2,FS"
	run sel
	has_line '* 3 EXISTS'
	has_line '* 1 FETCH (UID 2 FLAGS ())'
}

# Octets one inetd session running these commands (after LOGIN) reads
# from postbox-index; its output in $T/out.
index_reads() {
	local IFS=$'\n'
	printf '%s\r\n' "a LOGIN ann@test.example secret" "$@" "z LOGOUT" |
		strace -f -y -qq -e trace=read,pread64 -o "$T/strace" "$PB" imapd >"$T/out" 2>&1
	grep -F "<$MD/postbox-index>" "$T/strace" | awk '{ n += $NF } END { print n + 0 }'
}

# Make $MD's postbox-index: a SELECT moves the files to cur/, the folder
# is made to look settled, and the next SELECT lists it and writes it.
index_mailbox() {
	inetd "a LOGIN ann@test.example secret" "b SELECT INBOX" "c LOGOUT" >/dev/null
	touch -d '-10 seconds' "$MD/new" "$MD/cur" "$MD/dovecot-uidlist"
	inetd "a LOGIN ann@test.example secret" "b SELECT INBOX" "c LOGOUT" >/dev/null
	[ -s "$MD/postbox-index" ]
}

@test "SELECT of an unchanged mailbox reads only postbox-index's header; the first FETCH reads the records, and damaged records are found then and the folder listed instead" {
	command -v strace >/dev/null || skip "strace not installed"
	conf imap_plaintext_auth yes
	fill 20
	index_mailbox
	size=$(stat -c %s "$MD/postbox-index")
	[ "$size" -gt 1500 ]
	[ "$(index_reads "b SELECT INBOX")" -lt 512 ]
	grep -qx '\* 20 EXISTS.' "$T/out"
	grep -qx '\* OK \[UNSEEN 1\] first unseen.' "$T/out"
	[ "$(index_reads "b EXAMINE INBOX")" -lt 512 ]
	[ "$(index_reads "b STATUS INBOX (MESSAGES UNSEEN SIZE)")" -lt 512 ]
	grep -q '^\* STATUS INBOX (MESSAGES 20 UNSEEN 20 SIZE [1-9][0-9]*)' "$T/out"
	# NOOP and IDLE on an unchanged mailbox read nothing more
	[ "$(index_reads "b SELECT INBOX" "c NOOP")" -lt 512 ]
	[ "$(index_reads "b SELECT INBOX" "c FETCH 20 (UID)")" -ge "$size" ]
	grep -qx '\* 20 FETCH (UID 20).' "$T/out"
	# A flipped byte in the first record (its UID): SELECT still answers
	# from the header, the FETCH finds the damage and lists the folder.
	cp "$MD/postbox-index" "$T/index.good"
	printf '\377' | dd of="$MD/postbox-index" bs=1 seek=178 conv=notrunc status=none
	run inetd "a LOGIN ann@test.example secret" "b SELECT INBOX" "c FETCH 1:* (UID)" "d LOGOUT"
	has_line '* 20 EXISTS'
	has_line '* 1 FETCH (UID 1)'
	has_line '* 20 FETCH (UID 20)'
	has_line 'c OK FETCH completed'
	[ "$(printf '%s\n' "${lines[@]}" | grep -c 'FETCH (UID')" -eq 20 ]
	# ... and the listing (of a settled folder) wrote the index again
	cmp "$MD/postbox-index" "$T/index.good"
}

@test "lazy views (SELECT from postbox-index's header): two sessions see each other's flags, expunges and new mail at NOOP; IDLE sees a delivery" {
	command -v strace >/dev/null || skip "strace not installed"
	conf imap_plaintext_auth yes
	fill 3
	index_mailbox
	[ "$(index_reads "b SELECT INBOX")" -lt 512 ]   # a SELECT now is lazy
	start_imapd
	two_sessions '\\Flagged'   # nothing recent: the earlier SELECTs had them
	index_mailbox
	[ "$(index_reads "b SELECT INBOX")" -lt 512 ]
	run imp idle "$PORT" plain "$PB" deliver -f s@x.example "$MD/" </dev/null
	status_is 0
	[[ "$output" == *"idle-got * 4 EXISTS after "* ]]
	[[ "$output" == *"idle-end "*" OK IDLE terminated"* ]]
}
