/* dkim_sign.c — DKIM signing; see dkim_sign.h. */
#include "auth/dkim_sign.h"

#include <string.h>

#include "auth/dkim_crypto.h"
#include "msg/header.h"
#include "msg/mime.h"

/* RFC 6376 §5.4.1's fields that SHOULD be signed, From first. */
static const char *const signed_fields[] = {
	"from", "reply-to", "subject", "date", "to", "cc", "resent-date", "resent-from", "resent-to",
	"resent-cc", "in-reply-to", "references", "list-id", "list-help", "list-unsubscribe",
	"list-subscribe", "list-post", "list-owner", "list-archive", "message-id", "content-type",
	"content-transfer-encoding", "content-id", "content-description", "mime-version", "sender",
};
#define NSIGNED (sizeof signed_fields / sizeof signed_fields[0])

#define FOLD_AT 76

int dkim_signer_init(struct dkim_signer *s, const struct dkim_signing_key *key, struct mail_err *e)
{
	s->key = key;
	if (dkim_body_hash_init(&s->body, 1, -1) < 0)
		return err_set(e, EX_OSERR, 451, "4.3.0", "DKIM: cannot start a SHA-256 digest");
	return 0;
}

void dkim_signer_body(struct dkim_signer *s, const char *p, size_t n)
{
	dkim_body_hash_update(&s->body, p, n);
}

void dkim_signer_free(struct dkim_signer *s)
{
	dkim_body_hash_free(&s->body);
}

/* How many fields of this name the header section has. */
static size_t count_fields(const char *hdrs, size_t n, const char *name)
{
	size_t pos = 0, count = 0;
	struct header h;
	while (hdr_next(hdrs, n, &pos, &h) == 1)
		count += hdr_name_is(&h, name);
	return count;
}

/* The h= list: names point into signed_fields. */
static size_t choose_fields(const char *hdrs, size_t n, struct dkim_hname *h)
{
	size_t nh = 0;
	for (size_t i = 0; i < NSIGNED; i++) {
		size_t count = count_fields(hdrs, n, signed_fields[i]);
		if (i == 0)
			count++; /* From, oversigned */
		for (size_t k = 0; k < count && nh < DKIM_H_MAX; k++)
			h[nh++] = (struct dkim_hname){ signed_fields[i], strlen(signed_fields[i]) };
	}
	return nh;
}

/* Append text, starting a continuation line first when the current line
 * (which began at *line) would grow past FOLD_AT. */
static void add_folded(struct buf *b, size_t *line, const char *text, size_t len)
{
	if (b->len - *line + len > FOLD_AT && b->len > *line + 1) {
		buf_add(b, "\n\t", 2);
		*line = b->len - 1;
		if (len && text[0] == ' ') {
			text++; /* the fold is the white space */
			len--;
		}
	}
	buf_add(b, text, len);
}

int dkim_signer_finish(struct dkim_signer *s, const char *hdrs, size_t n, long long now, struct buf *field,
		       struct mail_err *e)
{
	const struct dkim_signing_key *k = s->key;
	unsigned char bh[32], hash[32], sig[DKIM_SIGBYTES_MAX];
	size_t sig_len = 0;
	struct dkim_hname h[DKIM_H_MAX];
	size_t nh = choose_fields(hdrs, n, h);
	if (dkim_body_hash_final(&s->body, bh) < 0)
		return err_set(e, EX_OSERR, 451, "4.3.0", "DKIM: the body hash failed");

	/* The field, b= still empty: "DKIM-Signature: tags;\n\tb=". */
	struct buf f = BUF_INIT, tmp = BUF_INIT;
	size_t line = 0;
	buf_addf(&f, "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s;", dkim_alg_name(k->alg), k->domain,
		 k->selector);
	buf_addf(&tmp, " t=%lld; h=", now);
	add_folded(&f, &line, tmp.ptr, tmp.len);
	for (size_t i = 0; i < nh; i++) {
		buf_reset(&tmp);
		buf_add(&tmp, h[i].name, h[i].len);
		buf_adds(&tmp, i + 1 < nh ? ":" : ";");
		add_folded(&f, &line, tmp.ptr, tmp.len);
	}
	buf_reset(&tmp);
	buf_adds(&tmp, " bh=");
	base64_encode(&tmp, bh, sizeof bh);
	buf_addc(&tmp, ';');
	add_folded(&f, &line, tmp.ptr, tmp.len);
	buf_adds(&f, "\n\tb=");
	const size_t name_len = strlen("DKIM-Signature");
	int rc = -1;
	if (!buf_ok(&f) || !buf_ok(&tmp)) {
		err_set(e, EX_OSERR, 451, "4.3.0", "DKIM: out of memory");
	} else if (dkim_header_hash(hdrs, n, h, nh, 1, f.ptr, name_len, f.ptr + name_len + 1, f.len - name_len - 1,
				    hash) < 0 ||
		   dkim_sign_hash(k->pkey, k->alg, hash, sig, sizeof sig, &sig_len) < 0) {
		err_set(e, EX_SOFTWARE, 451, "4.3.0", "DKIM: signing for d=%s s=%s failed", k->domain, k->selector);
	} else {
		buf_reset(&tmp);
		base64_encode(&tmp, sig, sig_len);
		for (size_t i = 0; i < tmp.len; i += FOLD_AT - 4) {
			if (i)
				buf_add(&f, "\n\t", 2);
			buf_add(&f, tmp.ptr + i, tmp.len - i < FOLD_AT - 4 ? tmp.len - i : FOLD_AT - 4);
		}
		buf_addc(&f, '\n');
		buf_add(field, f.ptr, f.len);
		rc = buf_ok(&f) && buf_ok(field) ? 0 : err_set(e, EX_OSERR, 451, "4.3.0", "DKIM: out of memory");
	}
	buf_free(&f);
	buf_free(&tmp);
	return rc;
}
