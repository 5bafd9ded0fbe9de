# tests/deliver_helpers.bash — users, aliases and mailbox checks for deliver.

# A users file with ann (Maildir), bob (mbox) and a catch-all for y.example.
make_users() {
	cat > "$T/users" <<USERS
# address:hash:mailbox
ann@test.example:*:$T/mail/ann/Maildir/
bob@test.example:*:$T/mail/bob.mbox
@y.example:*:$T/mail/catchall/
USERS
	conf users "$T/users"
	conf local_domains "test.example, y.example, localhost"
}

# Files in DIR/new (0 if DIR is missing).
new_count() { find "$1/new" -type f 2>/dev/null | wc -l; }
tmp_count() { find "$1/tmp" -type f 2>/dev/null | wc -l; }
# The only (or the last) message in a Maildir's new/.
new_file() { ls -1 "$1"/new/* | tail -n1; }

# Status check with the output shown on failure.
status_is() { [ "$status" -eq "$1" ] || { echo "status $status, wanted $1: $output"; return 1; }; }

# A program for aliases pipes that records its argv, environment and input.
make_recorder() {
	chmod 755 "$T"
	mkdir -p "$T/rec" && chmod 777 "$T/rec"
	cat > "$T/record" <<'SH'
#!/bin/sh
dir=$(dirname "$0")/rec
n=$(date +%s%N)
for a in "$@"; do printf '[%s]' "$a"; done > "$dir/$n.argv"
printf '%s %s %s %s %s uid=%s\n' "$SENDER" "$RECIPIENT" "$LOCAL" "$DOMAIN" "$EXTENSION" "$(id -u)" > "$dir/$n.env"
cat > "$dir/$n.msg"
exit ${RECORD_EXIT:-0}
SH
	chmod 755 "$T/record"
}
