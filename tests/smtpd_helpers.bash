# tests/smtpd_helpers.bash — helpers for the smtpd suites (start_smtpd and
# server_cert are in servers_helpers.bash).

# smtp_stdin and smtp_tcp script a whole session in one write, which a
# server enforcing RFC 2920's synchronization must refuse: these suites run
# with the check off. tests/smtpd_sync.bats clears SUITE_CONF and tests it,
# with real pipelining clients.
SUITE_CONF='smtpd_forbid_unauth_pipelining = no'

# One inetd-mode session: the bytes of $1 (printf format) on stdin; the
# transcript in $output. TCPREMOTEIP may name the client.
smtp_stdin() {
	export PB T
	run bash -c 'printf "$1" | "$PB" smtpd 2>"$T/smtpd.err"' _ "$1"
}

# swaks from client.example to 127.0.0.1:$PORT: swaks_send [TO] [SWAKS-OPTIONS]
# (TO default u@test.example).
swaks_send() {
	local to=u@test.example
	case ${1:-} in -* | "") ;; *) to=$1; shift ;; esac
	swaks --server "127.0.0.1:${PORT}" --helo client.example --from a@client.example \
		--to "$to" --timeout 10 "$@"
}

# Raw bytes (printf format) to 127.0.0.1:$PORT; transcript in $output.
smtp_tcp() {
	export ROOT
	run bash -c 'printf "$1" | /usr/bin/python3 "$ROOT/tests/smtp_raw.py" "$2" ${3:-}' _ "$1" "${2:-$PORT}" "${3:-}"
}

# The standard envelope for a message to a local user.
HELLO='EHLO client.example\r\n'
ENV='MAIL FROM:<a@client.example>\r\nRCPT TO:<u@test.example>\r\n'
QUEUED='250 2.0.0 Ok: queued as '

# Assert that the transcript has a line starting with $1.
has_reply() {
	if ! grep -q "^$1" <<<"$output"; then
		echo "expected a reply starting with: $1" >&2
		printf '%s\n' "$output" | cat -A >&2
		return 1
	fi
}

count_replies() { grep -c "^$1" <<<"$output" || true; }

# A stored message without the Received: header smtpd put on top.
strip_received() {
	awk 'NR == 1 && /^Received:/ { skip = 1; next } skip && /^\t/ { next } { skip = 0; print }' "$1"
}

# printf-ready text of N lines of 70 characters each ending in CRLF.
crlf_lines() {
	local i line
	line=$(printf '%070d' 0)
	for ((i = 0; i < $1; i++)); do printf '%s\\r\\n' "$line"; done
}
