/* smtp_sender_checks.h — who is sending: smtpd's SPF, DKIM and DMARC
 * checks on MTA sessions (RFC 7208, 6376, 7489), their verdict written as
 * one Authentication-Results field (RFC 8601) above our Received:, and
 * what the policy keys make of it.
 *
 * Checked: sessions on an MTA listener from a client address outside
 * relay_networks that did not authenticate — mail from the Internet.
 * Submission, authenticated sessions, relay_networks and local pipes are
 * ours: signed (auth/dkim_spool.h), never checked.
 *
 *   at MAIL FROM  SPF for the HELO name when it is a domain name (RFC
 *                 7208 §2.3), once a session, and for the sender (the
 *                 null sender: postmaster@HELO, §2.4); spf_action =
 *                 reject: a fail of either → 550 5.7.23 with the
 *                 domain's explanation (RFC 7372); DMARC uses the
 *                 sender's result only (RFC 7489 §4.1)
 *   end of data   every DKIM signature, then DMARC for the From: domain,
 *                 before the 250; incoming Authentication-Results fields
 *                 that claim our hostname are removed (RFC 8601 §5) and
 *                 ours goes on top; dmarc_action = enforce: a failure
 *                 whose policy is p=reject → 550 5.7.1, p=quarantine →
 *                 the envelope's `junk` flag (local delivery files it into
 *                 the recipient's Maildir++ .Junk folder when there is one)
 *
 * A DNS temperror never refuses mail: it is written in the field.
 * auth_checks = no turns all of this off.
 */
#ifndef POSTBOX_SMTP_SENDER_CHECKS_H
#define POSTBOX_SMTP_SENDER_CHECKS_H

#include "auth/dmarc_psl.h"
#include "base/config.h"
#include "base/err.h"
#include "net/dns.h"

struct smtp_sender_checks {
	struct dns dns;          /* resolver, dns_timeout */
	struct psl psl;          /* organizational domains for DMARC */
	int spf_reject;          /* spf_action = reject */
	int dmarc_enforce;       /* dmarc_action = enforce */
};

/* From the configuration: 1 checks on (c loaded; free it with
 * smtp_sender_checks_free), 0 auth_checks = no, -1 with e (EX_CONFIG) for
 * a bad spf_action or dmarc_action, a bad resolver, or no Public Suffix
 * List. */
int smtp_sender_checks_load(struct smtp_sender_checks *c, const struct config *cfg, struct mail_err *e);
void smtp_sender_checks_free(struct smtp_sender_checks *c);

#endif
