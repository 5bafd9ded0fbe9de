/* dkim_spool.c — signing at the commit; see dkim_spool.h. */
#include "auth/dkim_spool.h"

#include <string.h>
#include <unistd.h>

#include "auth/auth_message.h"
#include "auth/dkim_sign.h"
#include "msg/from_domain.h"

#define SIGNERS_MAX 8

struct signing {
	const struct dkim_keyring *kr;
	struct dkim_signer signer[SIGNERS_MAX];
	size_t n;
};

static int choose_keys(void *ctx, const char *hdr, size_t n, struct mail_err *e)
{
	struct signing *s = ctx;
	char domain[DKIM_DOMAIN_MAX];
	if (from_domain(hdr, n, domain, sizeof domain) != FROM_ONE)
		return 0;
	for (size_t i = 0; i < s->kr->n && s->n < SIGNERS_MAX; i++) {
		if (!dkim_keyring_matches(s->kr, i, domain))
			continue;
		if (dkim_signer_init(&s->signer[s->n], &s->kr->key[i], e) < 0)
			return -1;
		s->n++;
	}
	return 0;
}

static int hash_body(void *ctx, const char *p, size_t n, struct mail_err *e)
{
	(void)e;
	struct signing *s = ctx;
	for (size_t i = 0; i < s->n; i++)
		dkim_signer_body(&s->signer[i], p, n);
	return 0;
}

int dkim_sign_spooled(const struct dkim_keyring *kr, struct spool_tx *tx, long long now, struct mail_err *e)
{
	if (!kr || kr->n == 0)
		return 0;
	struct signing s = { .kr = kr };
	struct buf hdr = BUF_INIT, fields = BUF_INIT;
	const struct auth_message_sink sink = { choose_keys, hash_body, &s };
	int rc = -1;
	if (lseek(tx->fd, 0, SEEK_SET) < 0) {
		err_sys(e, "spool: read back %s", tx->id);
	} else if (auth_read_message(tx->fd, &hdr, NULL, &sink, e) == 0) {
		/* Newest first: the last key's signature ends up on top, as if
		 * each had been added in turn. */
		rc = 0;
		for (size_t i = s.n; i-- > 0 && rc == 0;)
			rc = dkim_signer_finish(&s.signer[i], hdr.ptr ? hdr.ptr : "", hdr.len, now, &fields, e);
		if (rc == 0 && s.n)
			rc = spool_prepend(tx, fields.ptr, fields.len, e) < 0 ? -1 : 1;
	}
	for (size_t i = 0; i < s.n; i++)
		dkim_signer_free(&s.signer[i]);
	buf_free(&hdr);
	buf_free(&fields);
	return rc;
}
