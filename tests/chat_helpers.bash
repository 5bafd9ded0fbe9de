# tests/chat_helpers.bash — the client and the certificates for
# tests/smtp-chat.bats. Load after helpers.bash and servers_helpers.bash.

chat() { pb smtp-chat "$@"; }

# Certificates in DIR (made once per file by chat_make_certs DIR):
#   ca.pem            a test CA
#   good.pem/key      localhost + 127.0.0.1, signed by the CA
#   wrong.pem/key     wrong.example, signed by the CA
#   expired.pem/key   localhost, signed by the CA, expired in 2020
#   self.pem/key      localhost, self-signed
chat_make_certs() {
	local d=$1 local_san="DNS:localhost,IP:127.0.0.1"
	mkdir -p "$d"
	new_ca "$d/ca.pem" "$d/ca.key" "chat test CA"
	new_leaf "$d/ca.pem" "$d/ca.key" localhost "$d/good.pem" "$d/good.key" "$local_san"
	new_leaf "$d/ca.pem" "$d/ca.key" wrong.example "$d/wrong.pem" "$d/wrong.key"
	new_leaf "$d/ca.pem" "$d/ca.key" localhost "$d/expired.pem" "$d/expired.key" "$local_san" "2020-01-01 00:00:00"
	new_cert localhost "$d/self.pem" "$d/self.key" "$local_san"
}
