# tests/pop3_helpers.bash — users, certificates and servers for pop3d suites.

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

# A self-signed certificate for localhost, made now.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout "$T/key.pem" -out "$T/cert.pem" -days 1 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost 2>/dev/null
	conf tls_cert "$T/cert.pem"
	conf tls_key "$T/key.pem"
}

# Put N messages (Subject: mN) into ann's Maildir through deliver.
fill() {
	local i
	for i in $(seq "$1"); do
		printf 'Subject: m%d\n\nbody %d\n.leading dot\n' "$i" "$i" | pb deliver -f s@x.example "$MD/" 2>/dev/null
	done
}

# Start pop3d standalone with the given listener options; sets PORT (and
# SPORT for -s). Its stderr goes to $T/pop3d.log.
start_pop3d() {
	PORT=$(free_port)
	SPORT=$(free_port)
	"$PB" pop3d -l "127.0.0.1:$PORT" "$@" 2>>"$T/pop3d.log" &
	track $!
	POP3D_PID=$!
	wait_port "$PORT"
}

start_pop3d_tls() {
	PORT=$(free_port)
	SPORT=$(free_port)
	"$PB" pop3d -l "127.0.0.1:$PORT" -s "127.0.0.1:$SPORT" "$@" 2>>"$T/pop3d.log" &
	track $!
	POP3D_PID=$!
	wait_port "$PORT" && wait_port "$SPORT"
}

pyp() { /usr/bin/python3 "$POP_PY" "$@"; }
