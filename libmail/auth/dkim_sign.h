/* dkim_sign.h — making a DKIM-Signature (RFC 6376 §5, RFC 8463).
 *
 * relaxed/relaxed, SHA-256, no l= (a length limit lets anyone append to
 * the body). h= per §5.4.1: the fields of its recommended list that the
 * message has, each instance, and From once more than it appears, so that
 * no From can be added above the signed one without breaking it.
 *
 * The body goes in as a stream (any chunks), the header section at the
 * end; the result is one folded field in LF form, to put on top.
 */
#ifndef POSTBOX_DKIM_SIGN_H
#define POSTBOX_DKIM_SIGN_H

#include <stddef.h>

#include "auth/dkim_body.h"
#include "auth/dkim_key.h"
#include "base/buf.h"
#include "base/err.h"

struct dkim_signer {
	const struct dkim_signing_key *key;
	struct dkim_body_hash body;
};

int dkim_signer_init(struct dkim_signer *s, const struct dkim_signing_key *key, struct mail_err *e);
void dkim_signer_body(struct dkim_signer *s, const char *p, size_t n);
/* Append "DKIM-Signature: ...\n" (folded, LF) to field. hdrs[0..n) is the
 * header section (LF or CRLF); now is t=. Frees the signer's state. */
int dkim_signer_finish(struct dkim_signer *s, const char *hdrs, size_t n, long long now, struct buf *field,
		       struct mail_err *e);
void dkim_signer_free(struct dkim_signer *s);

#endif
