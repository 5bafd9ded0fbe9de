# tests/chat_helpers.bash — servers and certificates for tests/smtp-chat.bats.
# Load after helpers.bash.

CHAT_SERVER="$ROOT/tests/chat_server.py"

chat() { pb smtp-chat "$@"; }

# aiosmtpd on 127.0.0.1:PORT (options: see tests/chat_server.py).
start_aio() {
	local port=$1
	shift
	/usr/bin/python3 "$CHAT_SERVER" aio "$port" "$@" >>"$T/aio.log" 2>&1 &
	track $!
	wait_port "$port"
}

# The deliberately vulnerable server of tests/chat_server.py.
start_vuln() {
	local port=$1
	shift
	/usr/bin/python3 "$CHAT_SERVER" vuln "$port" "$@" >>"$T/vuln.log" 2>&1 &
	track $!
	wait_port "$port"
}

# Postfix's smtp-sink; extra options (-f MAIL, -q RCPT, ...) before the address.
start_sink() {
	local port=$1
	shift
	/usr/sbin/smtp-sink -u nobody "$@" "127.0.0.1:$port" 64 >>"$T/sink.log" 2>&1 &
	track $!
	wait_port "$port"
}

# Certificates in $CERTS (made once per file by chat_make_certs):
#   ca.pem            a test CA
#   good.pem/key      localhost + 127.0.0.1, signed by the CA
#   wrong.pem/key     wrong.example, signed by the CA
#   expired.pem/key   localhost, signed by the CA, expired in 2020
#   self.pem/key      localhost, self-signed
chat_make_certs() {
	local d=$1 ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 30 -subj "/CN=chat test CA" \
			-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign
		sign() { # name cn san [faketime]
			openssl req "${ec[@]}" -keyout "$1.key" -out "$1.csr" -subj "/CN=$2"
			printf 'subjectAltName=%s\nbasicConstraints=CA:false\n' "$3" >"$1.ext"
			${4:+faketime "$4"} openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key \
				-CAcreateserial -days 2 -extfile "$1.ext" -out "$1.pem"
		}
		sign good localhost "DNS:localhost,IP:127.0.0.1"
		sign wrong wrong.example "DNS:wrong.example"
		sign expired localhost "DNS:localhost,IP:127.0.0.1" "2020-01-01 00:00:00"
		openssl req -x509 "${ec[@]}" -keyout self.key -out self.pem -days 30 -subj /CN=localhost \
			-addext subjectAltName=DNS:localhost,IP:127.0.0.1
	) >/dev/null 2>&1
}
