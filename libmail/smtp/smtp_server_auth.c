/* smtp_server_auth.c — AUTH PLAIN and LOGIN (RFC 4954, RFC 4616).
 *
 * Offered only under TLS unless smtpd_auth_plaintext is set. The password
 * check is the server's callback, which compares in constant time and
 * takes the same time for an unknown user as for a wrong password; here
 * every failure gets the same reply, a delay that doubles with each
 * failure from the client's address (0.25 s, 0.5 s, 1 s, ... at most 4 s;
 * counted across sessions and processes in the server's shared table,
 * anvil.h) and, after smtpd_auth_max_failures, the end of the session
 * (421 4.7.0). After auth_failure_limit failures from one address, AUTH
 * from it is refused (454 4.7.0) without a password check until
 * auth_lockout_time passes without a failure. Credentials never reach a
 * log line.
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "msg/mime.h"
#include "smtp/smtp_session.h"

static void wipe(struct buf *b)
{
	if (b->ptr)
		memset(b->ptr, 0, b->cap);
	buf_free(b);
}

/* Send a 334 challenge and read the client's answer into out (decoded).
 * Returns 0, or -1 with the reply already queued (or the session over). */
static int challenge(struct session *s, const char *text, struct buf *out)
{
	struct mail_err e;
	/* The answer can only be written after the 334: anything already
	 * here was pipelined behind AUTH and is not an answer. */
	if (io_pending(&s->io)) {
		io_discard_input(&s->io);
		smtpd_reply(s, "501 5.5.0 AUTH may not be pipelined");
		return -1;
	}
	smtpd_reply(s, "334 %s", text);
	if (smtpd_flush(s) < 0)
		return -1;
	int got = smtpd_getline(s, SMTP_AUTH_LINE_MAX, &e);
	if (got == IO_EOF || got == IO_ERR) {
		s->quit = 1;
		return -1;
	}
	if (got == IO_TOOLONG) {
		smtpd_reply(s, "500 5.5.6 Authentication exchange line is too long");
		return -1;
	}
	size_t n = s->line.len;
	while (n && (s->line.ptr[n - 1] == '\n' || s->line.ptr[n - 1] == '\r'))
		n--;
	int bad = n == 1 && s->line.ptr[0] == '*';
	if (!bad && base64_decode(out, s->line.ptr, n) < 0)
		bad = 2;
	memset(s->line.ptr, 0, s->line.len);
	if (bad) {
		smtpd_reply(s, bad == 1 ? "501 5.7.0 Authentication cancelled"
				       : "501 5.5.2 Cannot decode the response");
		return -1;
	}
	return 0;
}

/* Failed logins from this client address, this session's and the other
 * sessions' (anvil.h): a guesser that opens new sessions does not start
 * over. */
static long address_failures(struct session *s, long add)
{
	long n = anvil_login_failures(s->srv->anvil, s->peer.text, add, config_num(s->cfg, CFG_AUTH_LOCKOUT_TIME));
	return n > s->auth_failures ? n : s->auth_failures;
}

static void fail_delay(long failures)
{
	long ms = 250L << (failures > 5 ? 4 : failures - 1);
	if (ms > 4000)
		ms = 4000;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0)
		;
}

static int check(struct session *s, const char *user, const char *pass, int allowed)
{
	/* The password is checked even when the answer is already no, so
	 * that every failure costs the same time. */
	int right = s->srv->auth(s->srv->ctx, user, pass) == 1;
	int ok = allowed && right && strlen(user) <= ADDR_TEXT_MAX && !strpbrk(user, "\r\n");
	char shown[ADDR_TEXT_MAX * 4 + 1];
	log_value(shown, sizeof shown, user, strlen(user));
	if (ok) {
		str_copy(s->user, sizeof s->user, user, strlen(user));
		log_info(NULL, "client=%s event=auth user=%s result=ok", s->peer.text, shown);
		smtpd_count(s, SMTPD_M_AUTH_OK);
		smtpd_reply(s, "235 2.7.0 Authentication successful");
		return 0;
	}
	s->auth_failures++;
	smtpd_count(s, SMTPD_M_AUTH_FAILED);
	long from_address = address_failures(s, 1);
	log_info(NULL, "client=%s event=auth user=%s result=failed failures=%d address-failures=%ld", s->peer.text,
		 shown, s->auth_failures, from_address);
	fail_delay(from_address);
	smtpd_reply(s, "535 5.7.8 Authentication credentials invalid");
	long long max = config_num(s->cfg, CFG_SMTPD_AUTH_MAX_FAILURES);
	if (max > 0 && s->auth_failures >= max) {
		smtpd_reply(s, "421 4.7.0 %s Too many authentication failures", config_str(s->cfg, CFG_HOSTNAME));
		s->quit = 1;
	}
	return 0;
}

/* RFC 4616: [authzid] NUL authcid NUL passwd */
static int mech_plain(struct session *s, const char *ir, size_t irlen)
{
	struct buf in = BUF_INIT;
	if (irlen) {
		if (irlen == 1 && ir[0] == '=') {
			/* an empty initial response */
		} else if (base64_decode(&in, ir, irlen) < 0) {
			smtpd_reply(s, "501 5.5.2 Cannot decode the initial response");
			return 0;
		}
	} else if (challenge(s, "", &in) < 0) {
		wipe(&in);
		return 0;
	}
	size_t len = in.len;
	buf_addc(&in, '\0'); /* in.ptr is final from here on */
	if (!buf_ok(&in)) {
		wipe(&in);
		smtpd_reply(s, "454 4.7.0 Temporary authentication failure");
		return 0;
	}
	const char *p = in.ptr;
	const char *nul1 = memchr(p, '\0', len);
	const char *nul2 = nul1 ? memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - p)) : NULL;
	if (!nul2 || memchr(nul2 + 1, '\0', len - (size_t)(nul2 + 1 - p))) {
		wipe(&in);
		smtpd_reply(s, "501 5.5.2 Malformed PLAIN response");
		return 0;
	}
	const char *authz = p, *user = nul1 + 1, *pass = nul2 + 1;
	/* Acting for someone else (an authzid that differs) is not offered:
	 * it fails like a wrong password. */
	check(s, user, pass, !*authz || !strcmp(authz, user));
	wipe(&in);
	return 0;
}

static int mech_login(struct session *s, const char *ir, size_t irlen)
{
	struct buf user = BUF_INIT, pass = BUF_INIT;
	if (irlen) {
		if (base64_decode(&user, ir, irlen) < 0) {
			smtpd_reply(s, "501 5.5.2 Cannot decode the initial response");
			return 0;
		}
	} else if (challenge(s, "VXNlcm5hbWU6", &user) < 0) {
		goto done;
	}
	if (challenge(s, "UGFzc3dvcmQ6", &pass) < 0)
		goto done;
	buf_addc(&user, '\0');
	buf_addc(&pass, '\0');
	if (!buf_ok(&user) || !buf_ok(&pass) || strlen(user.ptr) + 1 != user.len ||
	    strlen(pass.ptr) + 1 != pass.len) {
		smtpd_reply(s, "501 5.5.2 Malformed LOGIN response");
		goto done;
	}
	check(s, user.ptr, pass.ptr, 1);
done:
	wipe(&user);
	wipe(&pass);
	return 0;
}

int smtpd_cmd_auth(struct session *s, const char *arg, size_t n)
{
	if (!s->srv->auth) {
		smtpd_reply(s, "502 5.5.1 AUTH not available");
		return 0;
	}
	if (s->user[0]) {
		smtpd_reply(s, "503 5.5.1 Already authenticated");
		return 0;
	}
	if (!s->esmtp) {
		smtpd_reply(s, "503 5.5.1 Send EHLO first");
		return 0;
	}
	if (!tls_active(&s->io) && !config_num(s->cfg, CFG_SMTPD_AUTH_PLAINTEXT)) {
		smtpd_reply(s, "538 5.7.11 Encryption required for requested authentication mechanism");
		return 0;
	}
	/* Past the limit no password is even checked: refused at once, so
	 * guessing costs the guesser time and us nothing. */
	long limit = config_num(s->cfg, CFG_AUTH_FAILURE_LIMIT);
	long failed = address_failures(s, 0);
	if (limit > 0 && failed >= limit) {
		log_info(NULL, "client=%s event=auth-refused reason=auth_failure_limit address-failures=%ld", s->peer.text,
			 failed);
		smtpd_count(s, SMTPD_M_AUTH_LOCKED);
		smtpd_reply(s, "454 4.7.0 Too many failed logins from your address, try again later");
		return 0;
	}
	const char *sp = memchr(arg, ' ', n);
	size_t mlen = sp ? (size_t)(sp - arg) : n;
	const char *ir = sp ? sp + 1 : arg + n;
	size_t irlen = sp ? n - mlen - 1 : 0;
	if (mlen == 5 && !strncasecmp(arg, "PLAIN", 5))
		return mech_plain(s, ir, irlen);
	if (mlen == 5 && !strncasecmp(arg, "LOGIN", 5))
		return mech_login(s, ir, irlen);
	smtpd_reply(s, "504 5.5.4 Unrecognized authentication type");
	return 0;
}
