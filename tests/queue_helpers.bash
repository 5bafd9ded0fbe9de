# tests/queue_helpers.bash — helpers for the queue suites (queue, dane,
# mailq_admin). Load after helpers.bash and servers_helpers.bash.

# A free port for the MX peers: $PORT, configured as smtp_port (smtp_timeout 10s).
mx_port() {
	PORT=$(free_port)
	conf smtp_port "$PORT"
	conf smtp_timeout 10s
}

# The usual peer: example.org's one MX, mx.example.org, is 127.0.0.1, and the
# queue sink listens there on $PORT (SINK_* variables pass through).
start_mx_sink() {
	dns_mx example.org "10 mx.example.org 127.0.0.1"
	start_dns
	start_queue_sink "$PORT"
}

# The envelope line of recipient $2 in message $1.
rcpt_line() { grep "^rcpt $2 " "$SPOOL/queue/$1.env"; }

# SHA-256 of a certificate's SubjectPublicKeyInfo / of the whole certificate.
spki_sha256() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
cert_sha256() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
