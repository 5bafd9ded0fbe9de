/* remote_transport.h — the remote transport of the queue runner: SMTP to the
 * recipient domain's mail exchangers (RFC 5321 §5.1, §4.5.4).
 *
 * For one domain's recipients of one message: the MX list (dns.h), or the
 * address of a literal domain ("[192.0.2.1]"); then each host in order and
 * each of its addresses (IPv6 and IPv4) until one gives an answer that
 * decides: connect to smtp_port, 220 greeting, EHLO, STARTTLS when offered
 * (opportunistic: certificates are not checked, and a failed handshake is
 * retried once in plain text — unless the domain is listed in tls_required,
 * where no STARTTLS or a failed handshake defers the mail with 4.7.5), SIZE
 * checked against the server's limit (too large: 552 5.3.4), a message that
 * needs SMTPUTF8 to a server without it bounces with 553 5.6.7, then one
 * transaction for all the recipients (MAIL, RCPT..., DATA pipelined when
 * offered), DSN parameters passed on when the server offers DSN.
 *
 * A greeting, EHLO or MAIL rejection with 4xx, or a connection that fails
 * before DATA, moves on to the next address or host; 5xx to MAIL bounces
 * every recipient; each RCPT's reply decides that recipient; the reply to
 * the final dot decides the recipients RCPT accepted. A connection lost
 * after the message was sent defers (a duplicate is possible, a loss not).
 * Smarthost mode (smarthost = [host]:port, ...): every non-local recipient
 * goes to the first smarthost that answers, in order, with no DNS of our
 * own (the system resolver finds the host); TLS is mandatory (implicit on
 * port 465, else STARTTLS; smarthost_tls = none turns it off), certificates
 * and names are verified (smarthost_verify, smarthost_ca_file), AUTH uses
 * "USER PASSWORD" from smarthost_auth_file, which must be readable by its
 * owner only. The one rewriting rule: when smarthost_sender is set, an
 * envelope sender in a local domain (root@localhost, you@laptop) becomes
 * that address in MAIL FROM, and a From: header naming one local-domain
 * address gets the same address (its display name kept); other headers
 * are not touched, and the queued copy never changes.
 *
 * A session that ended a transaction cleanly is kept open (one per runner)
 * and used again for the next message to the same host, address, port and
 * TLS mode within 20 seconds; a kept session found dead is replaced by a
 * fresh connection once.
 *
 * An MX that is this host (hostname) ends the list: preferences equal or
 * above ours are not tried (§5.1); if that leaves none, the mail loops and
 * bounces with 554 5.4.6.
 */
#ifndef POSTBOX_REMOTE_H
#define POSTBOX_REMOTE_H

#include "base/config.h"
#include "net/dns.h"
#include "queue/runner.h"

struct tls_ctx;
struct smtp_client;

#define SMARTHOST_MAX 8

enum tls_mode { TLS_OPPORTUNISTIC, TLS_MANDATORY, TLS_IMPLICIT, TLS_OFF };

struct smarthost {
	char host[256];
	char port[8];
	enum tls_mode tls;
};

struct remote {
	const struct config *cfg;
	struct dns dns;
	struct tls_ctx *tls;         /* opportunistic client context (no verification) */
	char port[8];
	int timeout_ms;
	/* smarthost mode (the null client) */
	struct smarthost smart[SMARTHOST_MAX];
	size_t nsmart;
	struct tls_ctx *smart_tls;   /* verifying context */
	char user[256], pass[256];   /* from smarthost_auth_file */
	/* the last session, kept open for the next message to the same host */
	struct smtp_client *cache;
	char cache_key[700];
	long long cache_time;
};

int remote_init(struct remote *rm, const struct config *cfg, struct mail_err *e);
/* smarthost.c: read the smarthost keys into rm (no hosts: nothing to do). */
int smarthost_init(struct remote *rm, const struct config *cfg, struct mail_err *e);
void remote_free(struct remote *rm);
/* Close the kept session (before forking workers, or when idle). */
void remote_idle(struct remote *rm);
/* Smarthost mode's From: rule: when the message's From: holds one address
 * and it is in local_domains, append the message to out with that address
 * replaced by new_addr (display name and the rest untouched) and return 1;
 * otherwise 0 and out is untouched. -1: out of memory. */
int remote_rewrite_from(const char *msg, size_t n, const char *new_addr, const struct config *cfg,
			struct buf *out);
/* A transport_fn (runner.h); ctx is a struct remote. */
int remote_deliver(void *ctx, const struct envelope *env, int msg_fd, const char *domain,
		   const size_t *idx, size_t n, struct rcpt_result *res);

#endif
