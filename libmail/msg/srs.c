/* srs.c — SRS0/SRS1 addresses as libsrs2 writes them; see srs.h. */
#include "msg/srs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/buf.h"
#include "base/lazylib.h"

#define SRS_DAY 86400
#define SRS_STAMP_SLOTS 1024 /* two base32 characters */

static const char stamp_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void srs_init(struct srs *s)
{
	memset(s, 0, sizeof *s);
	s->max_age = SRS_MAX_AGE_DEFAULT;
}

int srs_add_secret(struct srs *s, const char *secret, size_t n, struct mail_err *e)
{
	if (n == 0 || n > SRS_SECRET_MAX || memchr(secret, '\0', n) || memchr(secret, '\n', n) ||
	    memchr(secret, '\r', n))
		return err_set(e, EX_CONFIG, 451, "4.3.5", "an SRS secret must be 1 to %d bytes on one line",
			       SRS_SECRET_MAX);
	if (s->nsecret == SRS_SECRETS_MAX)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "more than %d SRS secrets", SRS_SECRETS_MAX);
	char *copy = malloc(n + 1);
	if (!copy)
		return err_sys(e, "SRS secret");
	memcpy(copy, secret, n);
	copy[n] = '\0';
	s->secret[s->nsecret++] = copy;
	return 0;
}

void srs_free(struct srs *s)
{
	for (size_t i = 0; i < s->nsecret; i++) {
		explicit_bzero(s->secret[i], strlen(s->secret[i]));
		free(s->secret[i]);
		s->secret[i] = NULL;
	}
	s->nsecret = 0;
}

void srs_timestamp(time_t now, char out[SRS_STAMP_LEN + 1])
{
	long day = (long)(now / SRS_DAY);
	out[0] = stamp_chars[(day >> 5) & 31];
	out[1] = stamp_chars[day & 31];
	out[2] = '\0';
}

int srs_hash(const char *secret, const char *const *fields, size_t nfields, char out[SRS_HASH_LEN + 1],
	     struct mail_err *e)
{
	/* libsrs2 feeds the fields one after the other, ASCII-lowercased
	 * (tolower in the C locale), so the hash survives a change of case. */
	char data[2 * (ADDR_TEXT_MAX + 1)];
	size_t len = 0;
	for (size_t i = 0; i < nfields; i++) {
		size_t n = strlen(fields[i]);
		if (n > sizeof data - len)
			return err_set(e, EX_DATAERR, 550, "5.1.3", "SRS fields too long");
		for (size_t j = 0; j < n; j++) {
			char c = fields[i][j];
			data[len++] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		}
	}
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0)
		return -1;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (!HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)data, len, mac, &maclen) ||
	    maclen != 20)
		return err_set(e, EX_SOFTWARE, 451, "4.3.0", "SRS: HMAC-SHA1 failed");
	/* The first 4 characters of its base64 are the first 24 bits. */
	unsigned long bits = (unsigned long)mac[0] << 16 | (unsigned long)mac[1] << 8 | mac[2];
	for (int i = 0; i < SRS_HASH_LEN; i++)
		out[i] = b64_chars[(bits >> (18 - 6 * i)) & 63];
	out[SRS_HASH_LEN] = '\0';
	return 0;
}

static int is_separator(char c)
{
	return c == '=' || c == '+' || c == '-';
}

int srs_is_srs(const char *local)
{
	return (!strncasecmp(local, "SRS0", 4) || !strncasecmp(local, "SRS1", 4)) && is_separator(local[4]);
}

/* Case-insensitive hash comparison: libsrs2's strncasecmp, over exactly
 * SRS_HASH_LEN characters (a longer or shorter hash never matches). */
static int hash_matches(const struct srs *s, const char *hash, size_t hlen, const char *const *fields,
			size_t nfields, struct mail_err *e)
{
	if (hlen != SRS_HASH_LEN)
		return 0;
	for (size_t i = 0; i < s->nsecret; i++) {
		char want[SRS_HASH_LEN + 1];
		if (srs_hash(s->secret[i], fields, nfields, want, e) < 0)
			return -1;
		if (!strncasecmp(want, hash, SRS_HASH_LEN))
			return 1;
	}
	return 0;
}

/* The sender stays as it is: 0, with the reason in e. */
static int unchanged(struct mail_err *e, int ex, const char *why)
{
	err_set(e, ex, 0, "", "%s", why);
	return 0;
}

/* local@domain into out, if it is an address we may send from. */
static int finish(const char *local, const char *domain, char *out, size_t cap, struct mail_err *e)
{
	char text[2 * (ADDR_TEXT_MAX + 1)];
	struct mailbox m;
	struct mail_err pe;
	int n = snprintf(text, sizeof text, "%s@%s", local, domain);
	if (n < 0 || (size_t)n >= sizeof text || strlen(local) > ADDR_LOCAL_MAX)
		return unchanged(e, EX_DATAERR, "the SRS address would have a local part over 64 octets");
	if (addr_parse(text, (size_t)n, ADDR_ALLOW_BARE, &m, &pe) < 0 || (m.flags & MBOX_QUOTED) ||
	    addr_format(&m, out, cap) < 0)
		return unchanged(e, EX_DATAERR, "the sender cannot be written as an SRS address");
	return 1;
}

int srs_forward(const struct srs *s, const char *sender, time_t now, char *out, size_t cap,
		struct mail_err *e)
{
	struct mailbox m;
	struct mail_err pe;
	err_clear(e);
	if (!s->nsecret)
		return unchanged(e, EX_OK, "no srs_secret");
	if (!sender[0] || addr_parse(sender, strlen(sender), ADDR_ALLOW_BARE | ADDR_ALLOW_NULL, &m, &pe) < 0 ||
	    (m.flags & MBOX_NULL))
		return unchanged(e, EX_OK, "the null sender is never rewritten");
	if (m.flags & (MBOX_QUOTED | MBOX_LITERAL))
		return unchanged(e, EX_DATAERR, "a quoted local part or an address literal");
	if (addr_domain_eq(m.domain, s->domain))
		return unchanged(e, EX_OK, "already in the SRS domain");
	char hash[SRS_HASH_LEN + 1], local[2 * (ADDR_TEXT_MAX + 1)];
	if (!strncasecmp(m.local, "SRS1", 4) && is_separator(m.local[4])) {
		/* Another forwarder's SRS1: keep its first host and user, sign anew. */
		const char *host = strchr(m.local + 5, '=');
		const char *user = host ? strchr(host + 1, '=') : NULL;
		if (!host || !user || user == host + 1 || !user[1])
			return unchanged(e, EX_DATAERR, "a malformed SRS1 sender");
		char first[ADDR_LOCAL_MAX + 1];
		str_copy(first, sizeof first, host + 1, (size_t)(user - host - 1));
		const char *fields[] = { first, user + 1 };
		if (srs_hash(s->secret[0], fields, 2, hash, e) < 0)
			return -1;
		snprintf(local, sizeof local, "SRS1=%s=%s=%s", hash, first, user + 1);
	} else if (!strncasecmp(m.local, "SRS0", 4) && is_separator(m.local[4])) {
		/* Another forwarder's SRS0: its domain becomes the first host. */
		const char *fields[] = { m.domain, m.local + 4 };
		if (srs_hash(s->secret[0], fields, 2, hash, e) < 0)
			return -1;
		snprintf(local, sizeof local, "SRS1=%s=%s=%s", hash, m.domain, m.local + 4);
	} else {
		char stamp[SRS_STAMP_LEN + 1];
		srs_timestamp(now, stamp);
		const char *fields[] = { stamp, m.domain, m.local };
		if (srs_hash(s->secret[0], fields, 3, hash, e) < 0)
			return -1;
		snprintf(local, sizeof local, "SRS0=%s=%s=%s=%s", hash, stamp, m.domain, m.local);
	}
	return finish(local, s->domain, out, cap, e);
}

/* Split "A=B=rest" at the first two '=': each part non-empty. */
static int split_field(const char *p, const char **next, size_t *len)
{
	const char *eq = strchr(p, '=');
	if (!eq || eq == p || !eq[1])
		return -1;
	*len = (size_t)(eq - p);
	*next = eq + 1;
	return 0;
}

static int malformed(struct mail_err *e)
{
	return err_set(e, EX_NOUSER, 550, "5.1.1", "not a valid SRS address");
}

static int forged(struct mail_err *e)
{
	return err_set(e, EX_NOUSER, 550, "5.7.1", "SRS address with an invalid hash (forged, or not made here)");
}

/* Days since the timestamp, or -1 for a malformed one. As libsrs2: the
 * stamp counts days modulo 1024, so one from "the future" is 1024 days
 * older than it looks. */
static long stamp_age(const char *stamp, size_t n, time_t now)
{
	if (n != SRS_STAMP_LEN)
		return -1;
	long then = 0;
	for (size_t i = 0; i < n; i++) {
		char c = stamp[i] >= 'a' && stamp[i] <= 'z' ? (char)(stamp[i] - 'a' + 'A') : stamp[i];
		const char *p = c ? strchr(stamp_chars, c) : NULL;
		if (!p)
			return -1;
		then = then << 5 | (long)(p - stamp_chars);
	}
	long today = (long)(now / SRS_DAY) % SRS_STAMP_SLOTS;
	while (today < then)
		today += SRS_STAMP_SLOTS;
	return today - then;
}

int srs_reverse(const struct srs *s, const char *local, time_t now, char *out, size_t cap,
		struct mail_err *e)
{
	if (!s->nsecret || !srs_is_srs(local))
		return 0;
	char f[3][ADDR_LOCAL_MAX + 1];
	const char *p = local + 5, *rest;
	size_t len;
	int n, ok;
	if (local[3] == '1') {
		/* SRS1=HHHH=first-host=USER: USER keeps the SRS0 separator. */
		if (split_field(p, &rest, &len) < 0 || str_copy(f[0], sizeof f[0], p, len) < 0)
			return malformed(e);
		p = rest;
		if (split_field(p, &rest, &len) < 0 || str_copy(f[1], sizeof f[1], p, len) < 0)
			return malformed(e);
		const char *fields[] = { f[1], rest };
		if ((ok = hash_matches(s, f[0], strlen(f[0]), fields, 2, e)) <= 0)
			return ok < 0 ? -1 : forged(e);
		n = snprintf(out, cap, "SRS0%s@%s", rest, f[1]);
	} else {
		/* SRS0=HHHH=TT=orig-domain=orig-local */
		for (int i = 0; i < 3; i++) {
			if (split_field(p, &rest, &len) < 0 || str_copy(f[i], sizeof f[i], p, len) < 0)
				return malformed(e);
			p = rest;
		}
		long age = stamp_age(f[1], strlen(f[1]), now);
		if (age < 0)
			return malformed(e);
		const char *fields[] = { f[1], f[2], rest };
		if ((ok = hash_matches(s, f[0], strlen(f[0]), fields, 3, e)) <= 0)
			return ok < 0 ? -1 : forged(e);
		if (age > s->max_age)
			return err_set(e, EX_NOUSER, 550, "5.7.1", "SRS address expired (older than %ld days)",
				       s->max_age);
		n = snprintf(out, cap, "%s@%s", rest, f[2]);
	}
	if (n < 0 || (size_t)n >= cap)
		return malformed(e);
	return 1;
}
