# tests/queue_helpers.bash — a real DNS server (ldns-testns) and real SMTP
# receivers on loopback for the queue suites. Load after helpers.

DNS_DATA=""

# dns_answer NAME TYPE RCODE [RR...] — one answer: RRs in zone-file syntax
# ("example.org. IN MX 10 mx1.example.org."). Names are absolute.
dns_answer() {
	local name=$1 type=$2 rcode=$3 rr
	shift 3
	DNS_DATA="$T/dns.data"
	{
		echo "ENTRY_BEGIN"
		echo "MATCH opcode qtype qname"
		echo "ADJUST copy_id"
		echo "REPLY QR AA $rcode"
		echo "SECTION QUESTION"
		echo "$name IN $type"
		echo "SECTION ANSWER"
		for rr in "$@"; do echo "$rr"; done
		echo "ENTRY_END"
	} >> "$DNS_DATA"
}

# dns_truncated NAME TYPE — over UDP this question gets an empty answer with
# TC set (put it before the full answer, which TCP then gets).
dns_truncated() {
	DNS_DATA="$T/dns.data"
	printf '%s\n' ENTRY_BEGIN "MATCH opcode qtype qname UDP" "ADJUST copy_id" "REPLY QR AA TC NOERROR" \
		"SECTION QUESTION" "$1 IN $2" ENTRY_END >> "$DNS_DATA"
}

# Start ldns-testns on the data written so far; point the resolver at it.
dns_start() {
	local port i
	port=$(free_port)
	# Last entry: any TLSA question not answered above gets NXDOMAIN (no
	# DANE), as from an unsigned zone, instead of silence.
	printf '%s\n' ENTRY_BEGIN "MATCH opcode qtype" "ADJUST copy_id copy_query" "REPLY QR AA NXDOMAIN" \
		"SECTION QUESTION" ". IN TLSA" ENTRY_END >> "$T/dns.data"
	ldns-testns -p "$port" "$T/dns.data" > "$T/dns.log" 2>&1 &
	track $!
	for i in $(seq 1 100); do
		grep -q "Listening on port" "$T/dns.log" && break
		sleep 0.05
	done
	conf resolver "127.0.0.1:$port"
	conf dns_timeout 1s
	DNS_PORT=$port
}

# Start the aiosmtpd sink on 127.0.0.1:PORT writing to $T/sink (or DIR).
sink_start() {
	local port=$1 dir=${2:-$T/sink} i
	/usr/bin/python3 "$ROOT/tests/queue_sink.py" 127.0.0.1 "$port" "$dir" 2> "$dir.log" &
	track $!
	for i in $(seq 1 100); do
		[ -e "$dir/ready" ] && return 0
		sleep 0.05
	done
	echo "the sink did not start" >&2
	cat "$dir.log" >&2
	return 1
}

# Messages the sink received.
sink_count() { ls "${1:-$T/sink}" | grep -c '\.eml$'; }

# Postfix's smtp-sink on 127.0.0.1:PORT with extra options (-r RCPT ...).
smtp_sink_start() {
	local port=$1
	shift
	smtp-sink -u nobody "$@" "127.0.0.1:$port" 100 > "$T/smtp-sink.log" 2>&1 &
	track $!
	wait_port "$port"
}

# One MX setup: domain $1 has MX records "PREF HOST ADDR" ...; every host
# gets an A record and an empty AAAA answer.
dns_mx() {
	local domain=$1 rrs=() hosts=() spec pref host addr
	shift
	for spec in "$@"; do
		read -r pref host addr <<< "$spec"
		rrs+=("$domain. IN MX $pref $host.")
		dns_answer "$host." A NOERROR "$host. IN A $addr"
		dns_answer "$host." AAAA NOERROR
	done
	dns_answer "$domain." MX NOERROR "${rrs[@]}"
}

# The envelope line of recipient $2 in message $1.
rcpt_line() { grep "^rcpt $2 " "$SPOOL/queue/$1.env"; }

# A self-signed certificate for NAME in $T/NAME.crt and $T/NAME.key.
make_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$1" -addext "subjectAltName=DNS:$1" \
		-keyout "$T/$1.key" -out "$T/$1.crt" 2>/dev/null
}

# A CA ($T/ca.crt, ca.key) and a leaf for NAME signed by it; the chain the
# server sends (leaf then CA) in $T/NAME.chain.
make_ca_leaf() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=Test CA" -keyout "$T/ca.key" -out "$T/ca.crt" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
		-keyout "$T/$1.key" -out "$T/$1.csr" 2>/dev/null
	printf 'subjectAltName=DNS:%s\n' "$1" > "$T/$1.ext"
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial -days 2 \
		-extfile "$T/$1.ext" -out "$T/$1.crt" 2>/dev/null
	cat "$T/$1.crt" "$T/ca.crt" > "$T/$1.chain"
}

# SHA-256 of a certificate's SubjectPublicKeyInfo / of the whole certificate.
spki_sha256() { openssl x509 -in "$1" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
cert_sha256() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
