# tests/servers_helpers.bash — real peers on loopback, started one way for
# every suite: postbox smtpd, Postfix's smtp-sink, aiosmtpd (the queue sink of
# tests/queue_sink.py, the servers of tests/chat_server.py), openssl
# s_server, tcpserver, ldns-testns with a zone written here, and the TLS
# certificates they present. Load after helpers.bash.
#
# Each start_* runs its server in the background (tracked, so teardown stops
# it), waits until it is ready (at most ~5 s) and fails the test if it never
# is. Logs go to $T/NAME.log.

# --- starting anything -------------------------------------------------------

# spawn LOG CMD...: run CMD in the background, output appended to LOG; its pid in $BG_PID.
spawn() {
	local log=$1
	shift
	"$@" >>"$log" 2>&1 3>&- &
	BG_PID=$!
	track "$BG_PID"
}

# serve PORT LOG CMD...: spawn CMD and wait until it listens on 127.0.0.1:PORT.
serve() {
	local port=$1
	shift
	spawn "$@"
	wait_port "$port"
}

# --- SMTP servers -------------------------------------------------------------

# Every TLS listener at once, on free ports: smtpd's $MTA (STARTTLS, port 25
# role), $SUB (submission, STARTTLS) and $SMTPS (submission, implicit TLS)
# with pid $SMTPD_PID; pop3d's $POP (STLS) and $POPS (pop3s) with pid
# $POP3D_PID. Needs tls_cert and a users file configured.
start_tls_listeners() {
	MTA=$(free_port) SUB=$(free_port) SMTPS=$(free_port)
	spawn "$T/smtpd.log" "$PB" smtpd -l "127.0.0.1:$MTA" -l "127.0.0.1:$SUB,submission" \
		-l "127.0.0.1:$SMTPS,submission,tls"
	SMTPD_PID=$BG_PID
	wait_port "$MTA" && wait_port "$SUB" && wait_port "$SMTPS"
	POP=$(free_port) POPS=$(free_port)
	spawn "$T/pop3d.log" "$PB" pop3d -l "127.0.0.1:$POP" -s "127.0.0.1:$POPS"
	POP3D_PID=$BG_PID
	wait_port "$POP" && wait_port "$POPS"
}

# Our smtpd standalone on a free port ($PORT, pid $SMTPD_PID, log $T/smtpd.log);
# a first argument ",OPTIONS" goes on the listener (",tls", ",submission",
# ",proxy"), the rest to smtpd.
start_smtpd() {
	local opts=
	case ${1:-} in ,*) opts=$1; shift ;; esac
	export PB T
	PORT=$(free_port)
	serve "$PORT" "$T/smtpd.log" "$PB" smtpd -l "127.0.0.1:$PORT$opts" "$@"
	SMTPD_PID=$BG_PID
}

# Postfix's smtp-sink on 127.0.0.1:PORT, or on WHERE ("unix:PATH", "[::1]:PORT");
# its options (-f CMD, -q CMD, -r CMD, -a, ...) follow. Pid in $SMTP_SINK_PID.
start_smtp_sink() {
	local where=$1 addr=127.0.0.1:$1
	shift
	case $where in unix:* | "[::1]:"*) addr=$where ;; esac
	spawn "$T/smtp-sink.log" /usr/sbin/smtp-sink -u nobody "$@" "$addr" 100
	SMTP_SINK_PID=$BG_PID
	case $where in
	unix:*) wait_until test -S "${where#unix:}" ;;
	"[::1]:"*) wait_port "${where##*:}" ::1 ;;
	*) wait_port "$where" ;;
	esac
}

# The queue sink (aiosmtpd, tests/queue_sink.py) on 127.0.0.1:PORT, saving to
# DIR (default $T/sink); SINK_* variables set it up. Pid in $SINK_PID.
start_queue_sink() {
	local port=$1 dir=${2:-$T/sink}
	spawn "$dir.log" /usr/bin/python3 "$ROOT/tests/queue_sink.py" 127.0.0.1 "$port" "$dir"
	SINK_PID=$BG_PID
	wait_until test -e "$dir/ready" || { echo "the sink did not start" >&2; cat "$dir.log" >&2; return 1; }
}

# Messages the queue sink received.
sink_count() { ls "${1:-$T/sink}" | grep -c '\.eml$'; }

# tests/chat_server.py MODE (aio: aiosmtpd; vuln: the deliberately broken
# server) on 127.0.0.1:PORT with its options (a --save DIR is made first);
# start_aio and start_vuln for short.
start_chat_server() {
	local mode=$1 port=$2 a prev=
	shift 2
	for a in "$@"; do
		[ "$prev" = --save ] && mkdir -p "$a"
		prev=$a
	done
	serve "$port" "$T/$mode.log" /usr/bin/python3 "$ROOT/tests/chat_server.py" "$mode" "$port" "$@"
}
start_aio() { start_chat_server aio "$@"; }
start_vuln() { start_chat_server vuln "$@"; }

# openssl s_server (implicit TLS, echoing lines reversed) on 127.0.0.1:PORT
# with CERT and KEY; more s_server options follow.
start_s_server() {
	local port=$1 cert=$2 key=$3
	shift 3
	serve "$port" "$T/s_server.log" openssl s_server -quiet -rev -accept "127.0.0.1:$port" \
		-cert "$cert" -key "$key" "$@"
}

# tcpserver (ucspi-tcp) on 127.0.0.1:PORT running CMD per connection in inetd
# mode (TCPREMOTEIP set, no ident or DNS look-ups); CMD's stderr to LOG.
start_tcpserver() {
	local port=$1 log=$2
	shift 2
	serve "$port" "$log" tcpserver -q -R -H 127.0.0.1 "$port" "$@"
}

# --- DNS: ldns-testns answering from $T/dns.data -------------------------------

# dns_answer NAME TYPE RCODE [RR...] — one answer: RRs in zone-file syntax
# ("example.org. IN MX 10 mx1.example.org."). Names are absolute.
dns_answer() {
	local name=$1 type=$2 rcode=$3 rr
	shift 3
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
	} >> "$T/dns.data"
}

# dns_truncated NAME TYPE — over UDP this question gets an empty answer with
# TC set (put it before the full answer, which TCP then gets).
dns_truncated() {
	printf '%s\n' ENTRY_BEGIN "MATCH opcode qtype qname UDP" "ADJUST copy_id" "REPLY QR AA TC NOERROR" \
		"SECTION QUESTION" "$1 IN $2" ENTRY_END >> "$T/dns.data"
}

# dns_host NAME ADDR: NAME (no trailing dot) has the A record ADDR and no AAAA.
dns_host() {
	dns_answer "$1." A NOERROR "$1. IN A $2"
	dns_answer "$1." AAAA NOERROR
}

# dns_mx DOMAIN "PREF HOST ADDR"...: DOMAIN's MX records, in that order, each
# host made with dns_host.
dns_mx() {
	local domain=$1 rrs=() spec pref host addr
	shift
	for spec in "$@"; do
		read -r pref host addr <<< "$spec"
		rrs+=("$domain. IN MX $pref $host.")
		dns_host "$host" "$addr"
	done
	dns_answer "$domain." MX NOERROR "${rrs[@]}"
}

# Start ldns-testns on the answers written so far and point the resolver
# (and dns_timeout 1s) at it; its port in $DNS_PORT, pid in $DNS_PID.
start_dns() {
	local port
	port=$(free_port)
	# Last entry: any TLSA question not answered above gets NXDOMAIN (no
	# DANE), as from an unsigned zone, instead of silence.
	printf '%s\n' ENTRY_BEGIN "MATCH opcode qtype" "ADJUST copy_id copy_query" "REPLY QR AA NXDOMAIN" \
		"SECTION QUESTION" ". IN TLSA" ENTRY_END >> "$T/dns.data"
	spawn "$T/dns.log" ldns-testns -p "$port" "$T/dns.data"
	DNS_PID=$BG_PID
	wait_until grep -q "Listening on port" "$T/dns.log"
	conf resolver "127.0.0.1:$port"
	conf dns_timeout 1s
	DNS_PORT=$port
}

# --- certificates (EC P-256: quick to make) ------------------------------------

EC_KEY=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)

# new_cert CN CRT KEY [SAN [rsa]]: a self-signed certificate for CN (SAN
# default DNS:CN); "rsa" makes an RSA key instead.
new_cert() {
	local key=("${EC_KEY[@]}")
	[ "${5:-}" = rsa ] && key=(-newkey rsa:2048 -nodes)
	openssl req -x509 "${key[@]}" -days 2 -subj "/CN=$1" -addext "subjectAltName=${4:-DNS:$1}" \
		-keyout "$3" -out "$2" 2>/dev/null
}

# new_ca CRT KEY [CN]: a CA certificate to sign with new_leaf.
new_ca() {
	openssl req -x509 "${EC_KEY[@]}" -days 30 -subj "/CN=${3:-Test CA}" -keyout "$2" -out "$1" \
		-addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}

# new_leaf CA_CRT CA_KEY CN CRT KEY [SAN [FAKETIME]]: a certificate for CN
# signed by the CA (SAN default DNS:CN), issued at FAKETIME if given.
new_leaf() {
	openssl req "${EC_KEY[@]}" -subj "/CN=$3" -keyout "$5" -out "$4.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:false\n' "${6:-DNS:$3}" > "$4.ext"
	${7:+faketime "$7"} openssl x509 -req -in "$4.csr" -CA "$1" -CAkey "$2" -CAcreateserial -days 2 \
		-extfile "$4.ext" -out "$4" 2>/dev/null
}

# server_cert CN [rsa]: a self-signed certificate (EC, or RSA 2048) for CN and 127.0.0.1 in
# $T/cert.pem and $T/key.pem, configured as tls_cert and tls_key.
server_cert() {
	new_cert "$1" "$T/cert.pem" "$T/key.pem" "DNS:$1,IP:127.0.0.1" "${2:-}"
	conf tls_cert "$T/cert.pem"
	conf tls_key "$T/key.pem"
}

# make_cert NAME: a self-signed certificate for NAME in $T/NAME.crt and $T/NAME.key.
make_cert() { new_cert "$1" "$T/$1.crt" "$T/$1.key"; }

# make_ca_leaf NAME: a CA ($T/ca.crt, ca.key) and a leaf for NAME signed by
# it; the chain the server sends (leaf then CA) in $T/NAME.chain.
make_ca_leaf() {
	new_ca "$T/ca.crt" "$T/ca.key"
	new_leaf "$T/ca.crt" "$T/ca.key" "$1" "$T/$1.crt" "$T/$1.key"
	cat "$T/$1.crt" "$T/ca.crt" > "$T/$1.chain"
}
