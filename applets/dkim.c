/* dkim.c — DKIM from the command line: sign, verify, make keys
 * (RFC 6376, RFC 8301, RFC 8463).
 *
 * Usage: postbox dkim sign -d DOMAIN -s SELECTOR -k KEYFILE [-a ALGORITHM] < message
 *        postbox dkim verify [-C FILE] < message
 *        postbox dkim keygen [-a rsa|ed25519] [-b BITS] DOMAIN SELECTOR KEYFILE
 *
 * sign writes the message to stdout with a DKIM-Signature on top
 * (relaxed/relaxed, h= per RFC 6376 §5.4.1, From oversigned, no l=); the
 * body is hashed as it streams through a temporary file, so the size of a
 * message costs disk, not memory. verify prints one line per signature,
 * "RESULT d=DOMAIN s=SELECTOR a=ALGORITHM" and the reason when it is not
 * a pass, asking the DNS of the `resolver` key for the keys. keygen writes
 * a new private key (mode 0600, never over an existing file) and prints
 * the TXT record to publish.
 *
 * Exit codes: 0 signed / a signature passed / key written; 1 verify: no
 * signature passed; 64 usage; 65 the message's header section is over
 * 1 MiB; 73 the key file exists or cannot be made; 74 read or write error;
 * 78 the key cannot be used (unreadable, readable by others, not a key,
 * RSA under 1024 bits, the wrong algorithm).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth/auth_dns.h"
#include "auth/auth_message.h"
#include "auth/dkim_key.h"
#include "auth/dkim_sign.h"
#include "auth/dkim_verify.h"
#include "base/io.h"
#include "net/dns.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: postbox dkim sign -d DOMAIN -s SELECTOR -k KEYFILE [-a rsa-sha256|ed25519-sha256] < message\n"
	"       postbox dkim verify [-C FILE] < message\n"
	"       postbox dkim keygen [-a rsa|ed25519] [-b BITS] DOMAIN SELECTOR KEYFILE\n"
	"DKIM signatures (RFC 6376, 8301, 8463).\n\n"
	"  sign     print the message with a DKIM-Signature on top\n"
	"  verify   check every signature; one line per signature:\n"
	"           RESULT d=DOMAIN s=SELECTOR a=ALGORITHM [(reason)]\n"
	"  keygen   write a new private key (mode 0600) to KEYFILE and print the\n"
	"           DNS TXT record to publish (RSA 2048 bits by default)\n\n"
	"Exit: 0 done / a signature passed, 1 no signature passed, 64 usage,\n"
	"65 header section over 1 MiB, 73 cannot create KEYFILE, 74 I/O error,\n"
	"78 the key cannot be used.\n";

#define USAGE_LINE "usage: postbox dkim sign|verify|keygen ... (see --help)"

/* --- sign --- */

struct sign_run {
	struct dkim_signer signer;
	int spill;                /* the body, kept to copy out after the field */
};

static int sign_body(void *ctx, const char *p, size_t n, struct mail_err *e)
{
	struct sign_run *run = ctx;
	dkim_signer_body(&run->signer, p, n);
	if (write_all(run->spill, p, n) < 0)
		return err_sys(e, "temporary file");
	return 0;
}

static int open_spill(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0)
		die(EX_IOERR, "cannot make a temporary file in %s: %s", dir, strerror(errno));
	return fd;
}

/* Write s to stdout, LF made CRLF when the message used CRLF. */
static void put_lines(const char *s, size_t n, int crlf)
{
	for (size_t i = 0; i < n; i++) {
		if (crlf && s[i] == '\n')
			putchar('\r');
		putchar(s[i]);
	}
}

static int sign_main(int argc, char **argv)
{
	const char *domain = NULL, *selector = NULL, *keyfile = NULL, *alg = NULL;
	int c;
	while ((c = getopt(argc, argv, "d:s:k:a:")) != -1) {
		switch (c) {
		case 'd': domain = optarg; break;
		case 's': selector = optarg; break;
		case 'k': keyfile = optarg; break;
		case 'a': alg = optarg; break;
		default: die(EX_USAGE, "usage: postbox dkim sign -d DOMAIN -s SELECTOR -k KEYFILE [-a ALGORITHM]");
		}
	}
	if (!domain || !selector || !keyfile || optind != argc)
		die(EX_USAGE, "usage: postbox dkim sign -d DOMAIN -s SELECTOR -k KEYFILE [-a ALGORITHM]");
	if (alg && strcmp(alg, "rsa-sha256") && strcmp(alg, "ed25519-sha256"))
		die(EX_USAGE, "-a: \"%s\" is not rsa-sha256 or ed25519-sha256", alg);
	struct mail_err e;
	err_clear(&e);
	struct dkim_signing_key key;
	if (dkim_key_load(&key, domain, selector, keyfile, alg, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	struct sign_run run = { .spill = open_spill() };
	if (dkim_signer_init(&run.signer, &key, &e) < 0)
		die(e.ex, "%s", e.msg);
	struct buf hdr = BUF_INIT, raw = BUF_INIT, field = BUF_INIT;
	const struct auth_message_sink sink = { NULL, sign_body, &run };
	if (auth_read_message(0, &hdr, &raw, &sink, &e) < 0)
		die(e.ex, "%s", e.msg);
	if (dkim_signer_finish(&run.signer, hdr.ptr ? hdr.ptr : "", hdr.len, (long long)time(NULL), &field, &e) < 0)
		die(e.ex, "%s", e.msg);
	const char *nl = raw.ptr ? memchr(raw.ptr, '\n', raw.len) : NULL;
	put_lines(field.ptr, field.len, nl && nl > raw.ptr && nl[-1] == '\r');
	fwrite(raw.ptr ? raw.ptr : "", 1, raw.len, stdout);
	if (lseek(run.spill, 0, SEEK_SET) < 0)
		die(EX_IOERR, "temporary file: %s", strerror(errno));
	char chunk[65536];
	ssize_t r;
	while ((r = read(run.spill, chunk, sizeof chunk)) > 0)
		fwrite(chunk, 1, (size_t)r, stdout);
	if (r < 0)
		die(EX_IOERR, "temporary file: %s", strerror(errno));
	dkim_key_free(&key);
	buf_free(&hdr);
	buf_free(&raw);
	buf_free(&field);
	close(run.spill);
	if (fflush(stdout) != 0 || ferror(stdout))
		die(EX_IOERR, "stdout: %s", strerror(errno));
	return 0;
}

/* --- verify --- */

static int verify_header(void *ctx, const char *hdr, size_t n, struct mail_err *e)
{
	return dkim_verify_begin(ctx, hdr, n, e);
}

static int verify_body(void *ctx, const char *p, size_t n, struct mail_err *e)
{
	(void)e;
	dkim_verify_body(ctx, p, n);
	return 0;
}

static int verify_main(int argc, char **argv)
{
	const char *config_path = NULL;
	int c;
	while ((c = getopt(argc, argv, "C:")) != -1) {
		if (c == 'C')
			config_path = optarg;
		else
			die(EX_USAGE, "usage: postbox dkim verify [-C FILE] < message");
	}
	if (optind != argc)
		die(EX_USAGE, "usage: postbox dkim verify [-C FILE] < message");
	struct config cfg;
	cli_load_config(&cfg, config_path);
	struct mail_err e;
	err_clear(&e);
	struct dns dns;
	if (dns_init(&dns, config_str(&cfg, CFG_RESOLVER), (int)config_num(&cfg, CFG_DNS_TIMEOUT) * 1000, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	struct buf hdr = BUF_INIT;
	struct dkim_verifier v = { 0 };
	const struct auth_message_sink sink = { verify_header, verify_body, &v };
	if (auth_read_message(0, &hdr, NULL, &sink, &e) < 0)
		die(e.ex, "%s", e.msg);
	dkim_verify_finish(&v, auth_dns_txt, &dns, (long long)time(NULL));
	int passed = 0;
	if (v.nsig == 0)
		printf("none (no DKIM-Signature)\n");
	for (size_t i = 0; i < v.nsig; i++) {
		const struct dkim_verify_sig *s = &v.s[i];
		printf("%s d=%s s=%s a=%s", dkim_result_name(s->result), s->sig.domain[0] ? s->sig.domain : "?",
		       s->sig.selector[0] ? s->sig.selector : "?", s->sig.has_alg ? dkim_alg_name(s->sig.alg) : "?");
		if (s->reason[0])
			printf(" (%s)", s->reason);
		putchar('\n');
		passed |= s->result == DKIM_PASS;
	}
	dkim_verify_free(&v);
	buf_free(&hdr);
	if (fflush(stdout) != 0)
		die(EX_IOERR, "stdout: %s", strerror(errno));
	return passed ? 0 : 1;
}

/* --- keygen --- */

static int keygen_main(int argc, char **argv)
{
	const char *type = "rsa";
	int bits = DKIM_RSA_BITS_DEFAULT, c;
	while ((c = getopt(argc, argv, "a:b:")) != -1) {
		if (c == 'a') {
			type = optarg;
		} else if (c == 'b') {
			char *end;
			long b = strtol(optarg, &end, 10);
			if (*end || end == optarg || b < DKIM_RSA_BITS_MIN || b > DKIM_RSA_BITS_MAX)
				die(EX_USAGE, "-b: RSA keys have %d to %d bits", DKIM_RSA_BITS_MIN, DKIM_RSA_BITS_MAX);
			bits = (int)b;
		} else {
			die(EX_USAGE, "usage: postbox dkim keygen [-a rsa|ed25519] [-b BITS] DOMAIN SELECTOR KEYFILE");
		}
	}
	if (argc - optind != 3)
		die(EX_USAGE, "usage: postbox dkim keygen [-a rsa|ed25519] [-b BITS] DOMAIN SELECTOR KEYFILE");
	if (strcmp(type, "rsa") && strcmp(type, "ed25519"))
		die(EX_USAGE, "-a: \"%s\" is not rsa or ed25519", type);
	enum dkim_key_type kt = strcmp(type, "rsa") ? DKIM_KEY_ED25519 : DKIM_KEY_RSA;
	const char *domain = argv[optind], *selector = argv[optind + 1], *path = argv[optind + 2];
	char name[300];
	int len = snprintf(name, sizeof name, "%s._domainkey.%s", selector, domain);
	if (len < 0 || len > 253 || !dns_name_valid(name))
		die(EX_USAGE, "\"%s\" is not a DNS name (SELECTOR._domainkey.DOMAIN)", name);
	struct buf record = BUF_INIT;
	struct mail_err e;
	err_clear(&e);
	if (dkim_keygen(kt, bits, path, &record, &e) < 0)
		die(e.ex, "%s", e.msg);
	/* A zone-file line; TXT strings hold at most 255 octets each. */
	printf("%s. IN TXT (", name);
	for (size_t i = 0; i < record.len; i += 255)
		printf(" \"%.*s\"", (int)(record.len - i < 255 ? record.len - i : 255), record.ptr + i);
	printf(" )\n");
	buf_free(&record);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}

int dkim_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	if (argc < 2)
		die(EX_USAGE, USAGE_LINE);
	const char *cmd = argv[1];
	argc--;
	argv++;
	if (!strcmp(cmd, "sign"))
		return sign_main(argc, argv);
	if (!strcmp(cmd, "verify"))
		return verify_main(argc, argv);
	if (!strcmp(cmd, "keygen"))
		return keygen_main(argc, argv);
	say_error("unknown command \"%s\"; " USAGE_LINE, cmd);
	return EX_USAGE;
}
