/* remote_transport.c — SMTP delivery to a domain's mail exchangers; see remote_transport.h. */
#include "queue/remote_transport.h"
#include "msg/idna.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "net/dane.h"
#include "msg/header.h"
#include "base/log.h"
#include "smtp/smtp_client_txn.h"
#include "net/tls.h"

enum outcome { NEXT, DONE, RETRY_PLAIN, RETRY_FRESH };



/* How to talk to one host: MX hosts are opportunistic (or mandatory under
 * tls_required); smarthosts verify certificates and may log in. */
struct hop {
	const char *host;            /* name for SNI, certificate checks, logs */
	const char *port;
	enum tls_mode tls;
	struct tls_ctx *ctx;         /* NULL: the opportunistic context */
	const char *user, *pass;     /* AUTH, or NULL */
	const char *sender;          /* MAIL FROM, after rewriting */
	const struct dns_reply *dane; /* validated TLSA records of this host, or NULL */
	const char *msg;             /* the message rewritten in memory, or NULL: msg_fd */
	size_t msg_len;
};

/* A session kept for the next message to the same host is used again only
 * within this many seconds (servers time idle clients out). */
#define CACHE_IDLE_MAX 20

static void cache_drop(struct remote *rm)
{
	if (!rm->cache)
		return;
	if (!rm->cache->broken)
		smtp_quit(rm->cache);
	smtp_close(rm->cache);
	free(rm->cache);
	rm->cache = NULL;
}

int remote_init(struct remote *rm, const struct config *cfg, struct mail_err *e)
{
	memset(rm, 0, sizeof *rm);
	rm->cfg = cfg;
	rm->timeout_ms = (int)config_num(cfg, CFG_SMTP_TIMEOUT) * 1000;
	snprintf(rm->port, sizeof rm->port, "%lld", config_num(cfg, CFG_SMTP_PORT));
	if (smarthost_init(rm, cfg, e) < 0) {
		remote_free(rm);
		return -1;
	}
	return dns_init(&rm->dns, config_str(cfg, CFG_RESOLVER), (int)config_num(cfg, CFG_DNS_TIMEOUT) * 1000,
			e);
}

void remote_idle(struct remote *rm)
{
	cache_drop(rm);
}

void remote_free(struct remote *rm)
{
	cache_drop(rm);
	if (rm->tls)
		tls_ctx_free(rm->tls);
	if (rm->smart_tls)
		tls_ctx_free(rm->smart_tls);
	rm->tls = rm->smart_tls = NULL;
	explicit_bzero(rm->pass, sizeof rm->pass);
}

static void fill(struct rcpt_result *res, int code, const char *status, const char *mta, const char *text)
{
	res->code = code;
	str_copy(res->status, sizeof res->status, status, strlen(status));
	str_copy(res->mta, sizeof res->mta, mta, strlen(mta));
	str_copy(res->text, sizeof res->text, text, strlen(text));
}

static void fill_all(struct rcpt_result *res, size_t n, int code, const char *status, const char *mta,
		     const char *text)
{
	for (size_t i = 0; i < n; i++)
		fill(&res[i], code, status, mta, text);
}

/* A failure described by e: the server's reply when there was one (kept
 * as "host MTA said"), else a temporary network error (4.4.1 no answer,
 * 4.4.2 connection lost) whose text names the peer itself: no host said it. */
static void fill_err(struct rcpt_result *res, size_t n, const struct mail_err *e, const char *mta,
		     const char *dflt_status)
{
	int code = e->smtp ? e->smtp : 451;
	const char *status = e->status[0] ? e->status : e->smtp ? (code >= 500 ? "5.0.0" : "4.0.0") : dflt_status;
	fill_all(res, n, code, status, e->smtp ? mta : "", e->msg);
}

/* Our own decision about a host (TLS required, SMTPUTF8 or SIZE it does not
 * offer, DANE): worded as ours, naming the host, never "host X said"
 * (Postfix's wording is the model). */
__attribute__((format(printf, 5, 6))) static void fill_ours(struct rcpt_result *res, size_t n, int code,
							    const char *status, const char *fmt, ...)
{
	char text[ENV_ERROR_MAX + 1];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fill_all(res, n, code, status, "", text);
}

static void from_reply(struct rcpt_result *res, const struct smtp_result *r, const char *mta)
{
	const char *text = r->text;
	/* the summary starts with "CODE [STATUS] ": keep the text after them */
	if (strlen(text) > 4 && text[3] == ' ')
		text += 4;
	if (r->status[0] && !strncmp(text, r->status, strlen(r->status)))
		text += strlen(r->status) + (text[strlen(r->status)] == ' ');
	fill(res, r->code, r->status, mta, text);
}

/* MAIL parameters for this server (RFC 1870, 6152, 6531, 3461). */
static void mail_params(struct buf *b, const struct envelope *env, long long size, const struct smtp_ext *x)
{
	if (x->flags & SMTP_EXT_SIZE)
		buf_addf(b, " SIZE=%lld", size);
	if (env->body == BODY_8BITMIME && (x->flags & SMTP_EXT_8BITMIME))
		buf_adds(b, " BODY=8BITMIME");
	if (env->smtputf8 && (x->flags & SMTP_EXT_SMTPUTF8))
		buf_adds(b, " SMTPUTF8");
	if (x->flags & SMTP_EXT_DSN) {
		if (env->ret != RET_UNSET)
			buf_adds(b, env->ret == RET_FULL ? " RET=FULL" : " RET=HDRS");
		if (env->envid[0] && !strpbrk(env->envid, "+= "))
			buf_addf(b, " ENVID=%s", env->envid);
	}
}

static void rcpt_params(struct buf *b, const struct rcpt *r, const struct smtp_ext *x)
{
	static const char *const names[] = { "NEVER", "SUCCESS", "FAILURE", "DELAY" };
	if (!(x->flags & SMTP_EXT_DSN))
		return;
	if (r->notify) {
		const char *sep = "NOTIFY=";
		for (int bit = 0; bit < 4; bit++)
			if (r->notify & (1u << bit)) {
				buf_addf(b, "%s%s", sep, names[bit]);
				sep = ",";
			}
	}
	if (r->orcpt[0] && !strpbrk(r->orcpt, " "))
		buf_addf(b, "%sORCPT=%s", r->notify ? " " : "", r->orcpt);
}

/* One SMTP session with one address of one MX host. */
static enum outcome try_address(struct remote *rm, const struct envelope *env, int msg_fd,
				const struct hop *hop, const char *addr, const size_t *idx, size_t n,
				struct rcpt_result *res, int use_tls)
{
	const char *host = hop->host;
	int tls_required = hop->tls == TLS_MANDATORY || hop->tls == TLS_IMPLICIT;
	struct smtp_client *c = NULL;
	struct mail_err e;
	char mta[300];
	enum outcome out = NEXT;
	int keep = 0;
	err_clear(&e);
	if (!strcmp(host, addr))
		snprintf(mta, sizeof mta, "%s", host);
	else
		snprintf(mta, sizeof mta, "%s[%s]", host, addr);
	char key[sizeof rm->cache_key];
	snprintf(key, sizeof key, "%s|%s|%d|%d|%s", mta, hop->port, (int)hop->tls, use_tls,
		 hop->user ? hop->user : "");
	int reused = 0;
	if (rm->cache && !strcmp(rm->cache_key, key) && time(NULL) - rm->cache_time < CACHE_IDLE_MAX) {
		/* The session of the previous message to this host: no new
		 * connection, greeting, EHLO, STARTTLS or AUTH. */
		c = rm->cache;
		rm->cache = NULL;
		reused = 1;
		goto ready;
	}
	cache_drop(rm);
	if (!(c = calloc(1, sizeof *c))) {
		fill_all(res, n, 451, "4.3.0", "", "out of memory");
		return NEXT;
	}
	if (smtp_connect(c, addr, hop->port, SMTP_ANY_FAMILY, NULL, rm->timeout_ms, &e) < 0) {
		fill_err(res, n, &e, "", "4.4.1");
		free(c);
		return NEXT;
	}
	str_copy(c->host, sizeof c->host, host, strlen(host)); /* the name TLS checks and SNI */
	snprintf(c->peer, sizeof c->peer, "%s:%s", mta, hop->port); /* errors name the MX host, not only its address */
	struct tls_ctx *ctx = hop->ctx;
	if (!ctx && hop->tls != TLS_OFF) {
		if (!rm->tls && !(rm->tls = tls_client_ctx(TLS_NO_VERIFY, NULL, NULL, NULL, &e))) {
			fill_err(res, n, &e, mta, "4.7.5");
			goto quit;
		}
		ctx = rm->tls;
	}
	if (hop->tls == TLS_IMPLICIT && smtp_tls_on_connect(c, ctx, &e) < 0) {
		fill_ours(res, n, 451, "4.7.5", "cannot start TLS with host %s: %s", mta, e.msg);
		goto quit;
	}
	int code = smtp_read_reply(c, &e);
	if (code < 0) {
		fill_err(res, n, &e, mta, "4.4.2");
		goto quit;
	}
	if (code != 220) {
		smtp_reply_error(c, "greeting", &e);
		fill_err(res, n, &e, mta, "4.4.2");
		goto quit;
	}
	const char *helo = config_str(rm->cfg, CFG_HOSTNAME);
	if (smtp_ehlo(c, helo, &e) < 0) {
		fill_err(res, n, &e, mta, "4.4.2");
		goto quit;
	}
	if (hop->tls == TLS_IMPLICIT) {
		log_info(env->id, "tls=%s cipher=%s relay=%s", tls_version(&c->io), tls_cipher(&c->io), mta);
	} else if ((c->ext.flags & SMTP_EXT_STARTTLS) && use_tls && hop->tls != TLS_OFF) {
		if (smtp_starttls(c, ctx, &e) < 0 || smtp_ehlo(c, helo, &e) < 0) {
			/* A reply (454 to STARTTLS) is the host's; a failed
			 * handshake is no reply at all. */
			if (e.smtp)
				fill_err(res, n, &e, mta, "4.7.5");
			else
				fill_ours(res, n, 451, "4.7.5", "cannot start TLS with host %s: %s", mta, e.msg);
			out = tls_required ? NEXT : RETRY_PLAIN;
			goto quit;
		}
		/* DANE: checked before anything is sent over the new session. */
		if (hop->dane && dane_usable(hop->dane) && dane_check(tls_ssl(&c->io), hop->dane, host, &e) < 0) {
			fill_ours(res, n, 451, "4.7.5", "%s (host %s)", e.msg, mta);
			log_warn(env->id, "relay=%s dane=failed", mta);
			goto quit;
		}
		log_info(env->id, "tls=%s cipher=%s relay=%s%s", tls_version(&c->io), tls_cipher(&c->io), mta,
			 hop->dane ? (dane_usable(hop->dane) ? " dane=verified" : " dane=unusable-records")
				   : "");
	} else if (tls_required) {
		fill_ours(res, n, 451, "4.7.5", "TLS is required, but was not offered by host %s", mta);
		goto quit;
	}
	if (hop->user && smtp_auth(c, 0, hop->user, hop->pass, &e) < 0) {
		/* 535 and the like: the credentials are the administrator's to
		 * fix; the mail waits for it rather than bounce. */
		int perm = e.smtp >= 500;
		fill_err(res, n, &e, mta, "4.7.0");
		for (size_t i = 0; perm && i < n; i++) {
			res[i].code = 454;
			str_copy(res[i].status, sizeof res[i].status, "4.7.0", 5);
		}
		goto quit;
	}
ready:
	if (c->ext.size && (unsigned long long)env->size > c->ext.size) {
		fill_ours(res, n, 552, "5.3.4", "message size %lld exceeds size limit %llu of server %s", env->size,
			  c->ext.size, mta);
		out = DONE;
		goto quit;
	}
	if (env->smtputf8 && !(c->ext.flags & SMTP_EXT_SMTPUTF8)) {
		fill_ours(res, n, 553, "5.6.7", "SMTPUTF8 is required, but was not offered by host %s", mta);
		out = DONE;
		goto quit;
	}

	struct buf mp = BUF_INIT;
	const char **rcpt = calloc(n, sizeof *rcpt);
	const char **rp = calloc(n, sizeof *rp);
	struct buf *rpb = calloc(n, sizeof *rpb);
	struct smtp_result *rr = calloc(n, sizeof *rr);
	if (!rcpt || !rp || !rpb || !rr) {
		fill_all(res, n, 451, "4.3.0", "", "out of memory");
		goto txn_done;
	}
	mail_params(&mp, env, hop->msg ? (long long)hop->msg_len : env->size, &c->ext);
	for (size_t i = 0; i < n; i++) {
		rcpt[i] = env->rcpt[idx[i]].addr;
		rcpt_params(&rpb[i], &env->rcpt[idx[i]], &c->ext);
		rp[i] = rpb[i].len ? buf_cstr(&rpb[i]) : NULL;
	}
	struct smtp_txn t;
	memset(&t, 0, sizeof t);
	t.from = hop->sender;
	t.mail_params = mp.len ? buf_cstr(&mp) + 1 : NULL;
	t.nrcpt = n;
	t.rcpt = rcpt;
	t.rcpt_params = rp;
	t.msg_fd = hop->msg ? -1 : msg_fd;
	t.msg = hop->msg;
	t.msg_len = hop->msg_len;
	t.rcpt_res = rr;
	lseek(msg_fd, 0, SEEK_SET);
	int r = smtp_transaction(c, &t, &e);
	if (r == 0 || t.stage >= SMTP_STAGE_RCPT) {
		/* Each recipient: its RCPT reply if refused, else the reply to
		 * the message (DATA or the final dot). */
		const struct smtp_result *after = t.stage == SMTP_STAGE_DOT ? &t.dot : &t.data;
		for (size_t i = 0; i < n; i++) {
			if (rr[i].code && rr[i].code / 100 != 2)
				from_reply(&res[i], &rr[i], mta);
			else if (after->code)
				from_reply(&res[i], after, mta);
			else
				fill_err(&res[i], 1, &e, mta, "4.4.2");
			/* rcpt_params() passed NOTIFY and ORCPT on to it */
			res[i].dsn_passed = (c->ext.flags & SMTP_EXT_DSN) != 0;
		}
		/* Nothing sent yet and the connection failed: another host may do. */
		out = c->broken && t.stage < SMTP_STAGE_DOT ? NEXT : DONE;
		if (out == DONE && !c->broken && t.stage == SMTP_STAGE_DOT)
			keep = 1;
	} else if (reused && c->broken) {
		/* The cached session had gone stale: start afresh, once. */
		out = RETRY_FRESH;
	} else if (t.mail.code) { /* MAIL refused */
		for (size_t i = 0; i < n; i++)
			from_reply(&res[i], &t.mail, mta);
		out = t.mail.code >= 500 ? DONE : NEXT;
	} else {
		fill_err(res, n, &e, mta, "4.4.2");
	}
	if (r == 0)
		log_info(env->id, "relay=%s accepted=%zu/%zu bytes=%llu", mta, t.accepted, n, t.bytes);
txn_done:
	buf_free(&mp);
	for (size_t i = 0; rpb && i < n; i++)
		buf_free(&rpb[i]);
	free(rcpt);
	free(rp);
	free(rpb);
	free(rr);
quit:
	if (keep) {
		rm->cache = c;
		str_copy(rm->cache_key, sizeof rm->cache_key, key, strlen(key));
		rm->cache_time = (long long)time(NULL);
		return out;
	}
	if (!c->broken)
		smtp_quit(c);
	smtp_close(c);
	free(c);
	return out;
}

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
						 : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (!inet_ntop(ss->ss_family, a, out, (socklen_t)cap))
		str_copy(out, cap, "?", 1);
}

static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;
	return IN6_IS_ADDR_LOOPBACK(a) ||
	       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
}

/* Try one host at each of its addresses. */
static enum outcome try_host(struct remote *rm, const struct envelope *env, int msg_fd, const struct hop *hop,
			     const char *literal, const size_t *idx, size_t n, struct rcpt_result *res,
			     int implicit)
{
	const char *host = hop->host;
	struct dns_addr_list addrs;
	struct mail_err e;
	char text[INET6_ADDRSTRLEN + 1];
	size_t count = 1;
	if (!literal) {
		if (dns_addr_lookup(&rm->dns, host, &addrs, &e) < 0) {
			/* A named MX without an address is a broken zone that may
			 * be fixed: only the implicit MX's absence is final. */
			if (!implicit && e.smtp >= 500)
				err_set(&e, EX_TEMPFAIL, 451, "4.4.3", "MX host %s has no address", host);
			fill_err(res, n, &e, "", "4.4.3");
			return NEXT;
		}
		count = addrs.n;
	}
	for (size_t i = 0; i < count; i++) {
		if (literal)
			str_copy(text, sizeof text, literal, strlen(literal));
		else
			addr_text(&addrs.addr[i], text, sizeof text);
		/* An MX on a loopback address at port 25 is this host's own
		 * smtpd: mail that came here for that domain would loop. (Tests
		 * point MX hosts at loopback with another smtp_port.) */
		if (!literal && !strcmp(hop->port, "25") &&
		    is_loopback(&addrs.addr[i])) {
			char why[300];
			snprintf(why, sizeof why, "MX host %s has the loopback address %s: mail would loop back to myself",
				 host, text);
			fill_all(res, n, 554, "5.4.6", "", why);
			continue;
		}
		enum outcome o = try_address(rm, env, msg_fd, hop, text, idx, n, res, 1);
		if (o == RETRY_FRESH)
			o = try_address(rm, env, msg_fd, hop, text, idx, n, res, 1);
		if (o == RETRY_PLAIN) {
			/* Opportunistic TLS, as Postfix's "may": a new connection in
			 * plain text. The log says why TLS failed (an injected
			 * response, a bad handshake) so an attack is not silent. */
			char why[sizeof res[0].text * 4 + 1];
			log_quoted(why, sizeof why, res[0].text, strlen(res[0].text));
			log_warn(env->id, "relay=%s[%s] event=starttls-failed action=retry-plain reason=\"%s\"", host, text, why);
			o = try_address(rm, env, msg_fd, hop, text, idx, n, res, 0);
		}
		if (o == DONE)
			return DONE;
	}
	return NEXT;
}

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" → the address text, else NULL. */
static const char *literal_addr(const char *domain, char *out, size_t cap)
{
	size_t n = strlen(domain);
	if (n < 3 || domain[0] != '[' || domain[n - 1] != ']')
		return NULL;
	const char *p = domain + 1;
	n -= 2;
	if (n > 5 && !strncasecmp(p, "IPv6:", 5)) {
		p += 5;
		n -= 5;
	}
	if (str_copy(out, cap, p, n) < 0)
		return NULL;
	unsigned char buf[16];
	if (inet_pton(AF_INET, out, buf) != 1 && inet_pton(AF_INET6, out, buf) != 1)
		return NULL;
	return out;
}

/* Everything through the smarthosts, in order (the null client). */
static int smarthost_deliver(struct remote *rm, const struct envelope *env, int msg_fd, const size_t *idx,
			     size_t n, struct rcpt_result *res)
{
	const char *sender = env->sender, *masq = config_str(rm->cfg, CFG_SMARTHOST_SENDER);
	const char *at = strrchr(env->sender, '@');
	struct buf rewritten = BUF_INIT;
	if (masq[0] && at && idna_list_has(config_str(rm->cfg, CFG_LOCAL_DOMAINS), at + 1))
		sender = masq;
	if (masq[0]) {
		/* The same rule for the From: header: the message goes out
		 * rewritten from memory (the spool copy never changes). */
		struct buf orig = BUF_INIT;
		char chunk[65536];
		off_t off = 0;
		ssize_t got;
		while ((got = pread(msg_fd, chunk, sizeof chunk, off)) > 0 && buf_add(&orig, chunk, (size_t)got) == 0)
			off += got;
		if (got < 0 || !buf_ok(&orig)) {
			fill_all(res, n, 451, "4.3.0", "", "cannot read the message to rewrite its From:");
			buf_free(&orig);
			return 0;
		}
		if (remote_rewrite_from(orig.ptr, orig.len, masq, rm->cfg, &rewritten) < 0) {
			fill_all(res, n, 451, "4.3.0", "", "out of memory rewriting From:");
			buf_free(&orig);
			buf_free(&rewritten);
			return 0;
		}
		buf_free(&orig);
	}
	for (size_t i = 0; i < rm->nsmart; i++) {
		struct hop hop = { rm->smart[i].host, rm->smart[i].port, rm->smart[i].tls,
				   rm->smart_tls, rm->user[0] ? rm->user : NULL, rm->pass, sender, NULL,
				   rewritten.len ? rewritten.ptr : NULL, rewritten.len };
		if (try_host(rm, env, msg_fd, &hop, rm->smart[i].host, idx, n, res, 0) == DONE)
			break;
	}
	buf_free(&rewritten);
	return 0;
}

int remote_deliver(void *ctx, const struct envelope *env, int msg_fd, const char *domain, const size_t *idx,
		   size_t n, struct rcpt_result *res)
{
	struct remote *rm = ctx;
	struct mail_err e;
	char lit[INET6_ADDRSTRLEN + 8], ascii[ADDR_DOMAIN_MAX + 1];
	if (rm->nsmart)
		return smarthost_deliver(rm, env, msg_fd, idx, n, res);
	/* DNS, SNI and certificate names know only A-labels (RFC 5891). */
	if (idna_to_ascii(domain, ascii, sizeof ascii) < 0) {
		fill_ours(res, n, 553, "5.1.2", "%s is not a valid internationalised domain name (IDNA2008)", domain);
		return 0;
	}
	domain = ascii;
	struct hop hop = { domain, rm->port, TLS_OPPORTUNISTIC, NULL, NULL, NULL, env->sender, NULL, NULL, 0 };
	if (idna_list_has(config_str(rm->cfg, CFG_TLS_REQUIRED), domain))
		hop.tls = TLS_MANDATORY;
	if (literal_addr(domain, lit, sizeof lit)) {
		try_host(rm, env, msg_fd, &hop, lit, idx, n, res, 1);
		return 0;
	}
	struct dns_mx_list *mx = malloc(sizeof *mx);
	if (!mx) {
		fill_all(res, n, 451, "4.3.0", "", "out of memory");
		return 0;
	}
	if (dns_mx_lookup(&rm->dns, domain, mx, &e) < 0) {
		fill_err(res, n, &e, "", "4.4.3");
		free(mx);
		return 0;
	}
	/* §5.1: if we are one of the MX hosts, only better ones may be tried. */
	const char *me = config_str(rm->cfg, CFG_HOSTNAME);
	for (size_t i = 0; i < mx->n; i++)
		if (!strcasecmp(mx->mx[i].host, me)) {
			unsigned ours = mx->mx[i].pref;
			size_t k = 0;
			while (k < mx->n && mx->mx[k].pref < ours)
				k++;
			mx->n = k;
			if (k == 0) {
				fill_all(res, n, 554, "5.4.6", "", "mail for this domain loops back to myself (MX)");
				free(mx);
				return 0;
			}
			break;
		}
	struct dns_reply *tlsa = malloc(sizeof *tlsa);
	int base_tls = hop.tls;
	for (size_t i = 0; i < mx->n; i++) {
		hop.host = mx->mx[i].host;
		hop.tls = base_tls;
		hop.dane = NULL;
		/* DANE (RFC 7672): validated TLSA records make TLS mandatory and
		 * the certificate must match them. Without the AD bit they are
		 * not trusted. A failed TLSA lookup leaves the host
		 * opportunistic (we cannot tell a signed zone from an unsigned
		 * one without validating the MX and address lookups too). */
		if (tlsa && config_num(rm->cfg, CFG_DANE)) {
			struct mail_err te;
			if (dns_tlsa_lookup(&rm->dns, hop.host, (unsigned)atoi(rm->port), tlsa, &te) < 0)
				log_warn(env->id, "relay=%s event=tlsa-failed reason=\"%s\"", LOG_TOKEN(hop.host), LOG_QUOTED(te.msg));
			else if (tlsa->ad && tlsa->n) {
				hop.dane = tlsa;
				hop.tls = TLS_MANDATORY;
			}
		}
		if (try_host(rm, env, msg_fd, &hop, NULL, idx, n, res, mx->implicit) == DONE)
			break;
	}
	free(tlsa);
	free(mx);
	return 0;
}
