/* auth_results.h — checking an incoming message's sender (SPF, DKIM,
 * DMARC) and writing the verdict as one Authentication-Results field
 * (RFC 8601).
 *
 *     Authentication-Results: mx.example.net;
 *     	spf=pass smtp.mailfrom=alice@example.com;
 *     	spf=none smtp.helo=mail.example.com;
 *     	dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256 header.b=AbCdEfGh;
 *     	dmarc=pass (p=reject) header.from=example.com
 *
 * The authserv-id is our host name. Reasons go in comments, with what
 * could end a comment or the field left out. SPF checks MAIL FROM and,
 * beside it, the HELO name when that is a domain name (RFC 7208 §2.3; a
 * second spf resinfo, RFC 8601 §2.7.2, after the MAIL FROM one that DMARC
 * uses, as python3-authres writes them); for the null sender MAIL FROM is
 * postmaster@HELO (§2.4), so one resinfo, smtp.helo.
 */
#ifndef POSTBOX_AUTH_RESULTS_H
#define POSTBOX_AUTH_RESULTS_H

#include "auth/auth_message.h"
#include "auth/dkim_verify.h"
#include "auth/dmarc.h"
#include "auth/dmarc_psl.h"
#include "auth/spf.h"
#include "base/buf.h"
#include "base/err.h"

/* The HELO identity's SPF verdict, kept by the caller for a whole
 * session: checked once however many transactions follow, again only
 * when the client greets with another name. Zeroed to start;
 * auth_helo_free releases it. */
struct auth_helo {
	char name[DNS_NAME_MAX];    /* the HELO name v is for */
	int checked;                /* name is an FQDN and v its verdict */
	struct spf_verdict v;
};

struct auth_check {
	struct dns *dns;
	const struct psl *psl;
	const char *authserv_id;    /* our host name */
	struct spf_query spf;       /* client address, HELO, sender */
	struct auth_helo *helo;     /* the session's HELO verdict, or NULL: not checked */
	/* the results, filled by auth_check_spf and auth_check_end */
	struct spf_verdict spf_verdict; /* MAIL FROM (postmaster@HELO for the null sender) */
	struct dkim_verifier dkim;
	struct dmarc_verdict dmarc;
	/* the message being read (auth_check_begin, _feed, _end) */
	struct buf hdr;             /* its header section, LF, empty line included */
	struct auth_message_sink sink;
	struct auth_reader reader;  /* reader.header_bytes: the section's input size */
	int read_failed;            /* the first failure, kept for auth_check_end */
	struct mail_err read_err;
};

/* Ask at once what the checks at MAIL FROM will ask first, one after
 * the other: the HELO name's SPF record (when auth_check_helo will
 * evaluate it), the SPF record of MAIL FROM's domain, and that domain's
 * DMARC record, for the end of data (see dns_prefetch: each answer is
 * held for its lookup, then kept for its TTL like any other; what no
 * lookup asks for is dropped at the end of the transaction). smtpd asks
 * before auth_check_helo; auth_check_end does the same for the DKIM keys
 * and the From: domain's DMARC record. */
void auth_check_prefetch_mail(struct auth_check *c);
/* SPF for the HELO identity beside a non-null sender, into c->helo
 * unless it already holds this HELO name's verdict: the verdict, or NULL
 * when there is none (no c->helo, the null sender, a HELO name that is
 * not an FQDN). *fresh: 1 when it was evaluated now. smtpd asks at MAIL
 * FROM, first, so that spf_action = reject can refuse on it alone. */
const struct spf_verdict *auth_check_helo(struct auth_check *c, int *fresh);
/* SPF for c->spf (MAIL FROM) into c->spf_verdict: smtpd asks at MAIL
 * FROM, before the message exists. */
void auth_check_spf(struct auth_check *c);
/* DKIM and DMARC of a message fed as it comes (header section in memory,
 * body hashed on the way), with the SPF verdict already in c: begin, feed
 * every byte in order, end. feed and end return -1 only when the message
 * cannot be checked (e says: a header section over AUTH_HEADER_MAX); a
 * failed feed is remembered, and end returns it too. end looks up the
 * keys and the DMARC policy. c->hdr then holds the header
 * section until the next begin or auth_check_free. */
void auth_check_begin(struct auth_check *c);
int auth_check_feed(struct auth_check *c, const char *p, size_t n, struct mail_err *e);
int auth_check_end(struct auth_check *c, struct mail_err *e);
/* All of it for the message read from fd: what `postbox authcheck` and
 * smtpd decide, from one code path. */
int auth_check_fd(struct auth_check *c, int fd, struct mail_err *e);
/* Append the Authentication-Results field (folded, LF) for c's results. */
int auth_results_header(const struct auth_check *c, struct buf *out);
void auth_check_free(struct auth_check *c);
void auth_helo_free(struct auth_helo *h);

#endif
