/* auth_results.h — checking an incoming message's sender (SPF, DKIM,
 * DMARC) and writing the verdict as one Authentication-Results field
 * (RFC 8601).
 *
 *     Authentication-Results: mx.example.net;
 *     	spf=pass smtp.mailfrom=alice@example.com;
 *     	dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh;
 *     	dmarc=pass (p=reject) header.from=example.com
 *
 * The authserv-id is our host name. Reasons go in comments, with what
 * could end a comment or the field left out. SPF checks MAIL FROM, or
 * HELO for the null sender (smtp.helo then).
 */
#ifndef POSTBOX_AUTH_RESULTS_H
#define POSTBOX_AUTH_RESULTS_H

#include "auth/dkim_verify.h"
#include "auth/dmarc.h"
#include "auth/dmarc_psl.h"
#include "auth/spf.h"
#include "base/buf.h"
#include "base/err.h"

struct auth_check {
	struct dns *dns;
	const struct psl *psl;
	const char *authserv_id;    /* our host name */
	struct spf_query spf;       /* client address, HELO, sender */
	/* the results, filled by auth_check_spf and auth_check_message */
	struct spf_verdict spf_verdict;
	struct dkim_verifier dkim;
	struct dmarc_verdict dmarc;
};

/* SPF for c->spf into c->spf_verdict: smtpd asks at MAIL FROM, before
 * the message exists. */
void auth_check_spf(struct auth_check *c);
/* DKIM and DMARC of the message read from fd (header section in memory,
 * body streamed), with the SPF verdict already in c. hdr (when not NULL)
 * receives the header section (LF line breaks, its empty line included).
 * -1 only when the message cannot be read (e says). */
int auth_check_message(struct auth_check *c, int fd, struct buf *hdr, struct mail_err *e);
/* Both: what `postbox authcheck` and smtpd decide, from one code path. */
int auth_check_fd(struct auth_check *c, int fd, struct mail_err *e);
/* Append the Authentication-Results field (folded, LF) for c's results. */
int auth_results_header(const struct auth_check *c, struct buf *out);
void auth_check_free(struct auth_check *c);

#endif
