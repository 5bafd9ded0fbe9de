# tests/pop3_helpers.bash — users, messages and servers for the pop3d suite.
# Load after helpers.bash, deliver_helpers.bash and servers_helpers.bash.

POP_PY="$ROOT/tests/pop3_util.py"

# ann@test.example / secret with a Maildir; bob@test.example / hunter2 with
# an mbox (not served).
make_pop_users() {
	local h1 h2
	h1=$(printf 'secret\n' | pb passwd -m sha512)
	h2=$(printf 'hunter2\n' | pb passwd -m sha512)
	MD="$T/mail/ann/Maildir"
	cat > "$T/users" <<USERS
ann@test.example:$h1:$MD/
bob@test.example:$h2:$T/mail/bob.mbox
USERS
	conf users "$T/users"
}

# Put N messages (Subject: mN) into ann's Maildir through deliver.
fill() {
	local i
	for i in $(seq "$1"); do
		printf 'Subject: m%d\n\nbody %d\n.leading dot\n' "$i" "$i" | pb deliver -f s@x.example "$MD/" 2>/dev/null
	done
}

# Start pop3d standalone on 127.0.0.1:$PORT with extra options (pid in
# $POP3D_PID, log $T/pop3d.log); start_pop3d_tls adds implicit TLS on $SPORT.
start_pop3d() {
	PORT=$(free_port)
	serve "$PORT" "$T/pop3d.log" "$PB" pop3d -l "127.0.0.1:$PORT" "$@"
	POP3D_PID=$BG_PID
}

start_pop3d_tls() {
	SPORT=$(free_port)
	start_pop3d -s "127.0.0.1:$SPORT" "$@"
	wait_port "$SPORT"
}

pyp() { /usr/bin/python3 "$POP_PY" "$@"; }
