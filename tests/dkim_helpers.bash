# tests/dkim_helpers.bash — keys, DNS records and the reference checker
# (dkimpy, tests/dkim_check.py) for the DKIM and authentication suites.
# Load after helpers.bash and servers_helpers.bash.

DKIMPY_DATA=/usr/lib/python3/dist-packages/dkim/tests/data
DKIM_CHECK=("/usr/bin/python3" "$ROOT/tests/dkim_check.py")

# dns_txt NAME TEXT: NAME (no final dot) has one TXT record TEXT, cut into
# strings of 255 octets as a zone must. Also noted in $T/zone for dkimpy.
dns_txt() {
	local name=$1 text=$2 rr="$1. IN TXT" i
	for ((i = 0; i < ${#text}; i += 255)); do
		rr="$rr \"${text:i:255}\""
	done
	dns_answer "$name." TXT NOERROR "$rr"
	printf '%s %s\n' "$name" "$text" >> "$T/zone"
}

# keygen_published ALG DOMAIN SELECTOR KEYFILE: make a key with postbox dkim
# keygen and publish the record it prints (with dns_txt).
keygen_published() {
	local out text
	out=$(pb dkim keygen -a "$1" "$2" "$3" "$4")
	text=$(printf '%s' "$out" | sed 's/^[^(]*( "//; s/" )$//; s/" "//g')
	dns_txt "$3._domainkey.$2" "$text"
}

# Start the DNS with every other TXT question answered NXDOMAIN.
start_auth_dns() {
	printf '%s\n' ENTRY_BEGIN "MATCH opcode qtype" "ADJUST copy_id copy_query" "REPLY QR AA NXDOMAIN" \
		"SECTION QUESTION" ". IN TXT" ENTRY_END >> "$T/dns.data"
	start_dns
}

# The raw Ed25519 private key, base64, as dkimpy's dkimsign reads it.
ed25519_for_dkimpy() {
	openssl pkey -in "$1" -outform DER | tail -c 32 | base64
}

# dkimpy_verify < message: dkimpy's verdict on each signature, keys from
# $T/zone ("sig N: pass|fail" lines; its reasons go to $T/dkimpy.err).
dkimpy_verify() {
	"${DKIM_CHECK[@]}" verify "$T/zone" 2>>"$T/dkimpy.err"
}

# A test message on stdout.
dkim_message() {
	printf 'From: Alice <alice@example.com>\nTo: Bob <bob@example.org>\nSubject: the quarterly figures\nDate: Fri, 04 Dec 2026 21:00:00 +0000\nMessage-ID: <q1@example.com>\n\nHello Bob,\n\n  here  they are.  \n\n\n'
}
