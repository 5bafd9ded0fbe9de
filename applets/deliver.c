/* deliver.c — the local delivery agent: one message on stdin into a
 * Maildir, an mbox or a program.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * With -d the address is resolved through the users and aliases files
 * (local/recipient.h): mailboxes, files, programs ("|cmd", argv, no shell) and
 * forwards (queued in the spool). With MAILBOX (a path; a trailing '/'
 * means Maildir) the message goes there and -d only names the recipient
 * for Delivered-To. Maildir as in maildir(5) (maildir.h), mbox with
 * dotlock + fcntl and mboxrd escaping (mbox.h). Return-Path and
 * Delivered-To are added; a message already delivered to the same address
 * or with more than hop_limit Received: fields is refused (a loop).
 * Input may use CRLF or LF; a leading mbox "From " line is dropped (and
 * gives the sender when -f is absent). Run as root, each mailbox is written
 * as its owner (delivery.h).
 *
 * With several destinations a temporary failure wins (the whole message
 * is retried; a duplicate is acceptable, a loss is not), else the first
 * permanent one. One line per failure on stderr.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "local/delivery.h"
#include "base/log.h"
#include "msg/idna.h"
#include "store/srs_config.h"
#include "store/maildir.h"
#include "store/spool.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: deliver [-f SENDER] [-d ADDRESS] [-F FOLDER] [-J] [-C FILE] [MAILBOX] < message\n"
	"Deliver one message read on stdin.\n\n"
	"  -d ADDRESS  the recipient: looked up in the users and aliases files, or,\n"
	"              with MAILBOX, only named in Delivered-To\n"
	"  -f SENDER   the envelope sender (\"<>\" for none); Return-Path\n"
	"  -F FOLDER   deliver into the Maildir++ folder .FOLDER (made when missing)\n"
	"  -J          junk (a DMARC quarantine): into the Maildir++ folder .Junk\n"
	"              when the mailbox has one, else as usual\n"
	"  -C FILE     configuration file\n"
	"  MAILBOX     a path: Maildir when it ends in /, else mbox\n\n"
	"Exit: 0 delivered everywhere; 64 usage; 65 bad data (NUL byte, too large,\n"
	"mail loop); 67 unknown user; 69, or the program's own sysexits code, a\n"
	"program failed for good; 73 cannot create (unsafe target: symlink, hard\n"
	"link, FIFO, directory, swapped file; over quota); 75 temporary (lock busy,\n"
	"disk full, over quota with quota_action = defer, a program exiting 75, an\n"
	"unreadable users or aliases file): try again; 77 permission denied.\n";

struct run {
	struct config cfg;
	struct delivery_opts opt;
	char sender[ADDR_TEXT_MAX + 1];
	const char *rcpt;
	int worst;
	struct srs srs;          /* srs_secret: forwards leave with an SRS sender */
};

/* Temporary beats permanent beats success. */
static void note(struct run *r, int ex)
{
	if (ex == EX_TEMPFAIL || (ex && !r->worst))
		r->worst = ex;
}

static void set_sender(struct run *r, const char *arg, const char *postmark)
{
	const char *s = arg ? arg : postmark[0] ? postmark : NULL;
	if (!s) {
		struct passwd *pw = getpwuid(getuid());
		snprintf(r->sender, sizeof r->sender, "%s@%s", pw ? pw->pw_name : "nobody",
			 config_str(&r->cfg, CFG_HOSTNAME));
		return;
	}
	struct mailbox m;
	struct mail_err e;
	if (addr_parse(s, strlen(s), ADDR_ALLOW_NULL | ADDR_ALLOW_BARE | ADDR_ALLOW_NODOMAIN, &m,
		       &e) < 0 ||
	    addr_qualify(&m, config_str(&r->cfg, CFG_HOSTNAME)) < 0 ||
	    addr_format(&m, r->sender, sizeof r->sender) < 0) {
		if (arg)
			die(EX_USAGE, "-f %s: not an address", arg);
		r->sender[0] = '\0'; /* a malformed postmark: deliver with <> */
	}
}

/* The envelope sender of a forward (srs.h): rewritten so that the next
 * hop's SPF check sees our domain, except the null sender and senders in
 * our own domains, whose SPF is ours to publish. 0, or -1 (defer) when
 * the rewriting cannot be done now. */
static int forward_sender(struct run *r, char *out, size_t cap)
{
	const char *at = strrchr(r->sender, '@');
	str_copy(out, cap, r->sender, strlen(r->sender));
	if (!r->srs.nsecret || !at || idna_list_has(config_str(&r->cfg, CFG_LOCAL_DOMAINS), at + 1))
		return 0;
	struct mail_err e;
	int rc = srs_forward(&r->srs, r->sender, time(NULL), out, cap, &e);
	if (rc < 0) {
		warn("%s: forwarding: %s", r->rcpt, e.msg);
		return -1;
	}
	if (rc == 0) {
		log_info(NULL, "event=srs-skipped sender=<%s> reason=\"%s\"", LOG_TOKEN(r->sender), LOG_QUOTED(e.msg));
		str_copy(out, cap, r->sender, strlen(r->sender));
	}
	return 0;
}

/* Forwards from aliases go back to the queue as one new message. */
static void forward(struct run *r, const struct dests *d, const struct buf *msg)
{
	struct spool spool;
	struct spool_tx tx;
	struct envelope env;
	struct mail_err e;
	size_t nfwd = 0;
	for (size_t i = 0; i < d->n; i++)
		nfwd += d->v[i].kind == DEST_FORWARD;
	if (!nfwd)
		return;
	err_clear(&e);
	envelope_init(&env);
	if (forward_sender(r, env.sender, sizeof env.sender) < 0) {
		note(r, EX_TEMPFAIL);
		envelope_free(&env);
		return;
	}
	env.uid = (long long)getuid();
	str_copy(env.client, sizeof env.client, "local", 5);
	char hdr[ADDR_TEXT_MAX + 32];
	int n = snprintf(hdr, sizeof hdr, "Delivered-To: %s\n", r->rcpt);
	int rc = spool_open(&spool, config_str(&r->cfg, CFG_SPOOL), 1, &e);
	if (rc == 0 && (rc = spool_begin(&spool, &tx, &e)) == 0) {
		for (size_t i = 0; rc == 0 && i < d->n; i++)
			if (d->v[i].kind == DEST_FORWARD && !envelope_add_rcpt(&env, d->v[i].target))
				rc = err_set(&e, EX_TEMPFAIL, 451, "4.3.0", "out of memory");
		if (rc == 0 && (rc = spool_write(&tx, hdr, (size_t)n, &e)) == 0 &&
		    (rc = spool_write(&tx, msg->ptr, msg->len, &e)) == 0)
			rc = spool_commit(&tx, &env, &e);
		if (rc < 0)
			spool_abort(&tx);
	}
	if (rc == 0) {
		log_info(env.id, "forwarded rcpt=%s nrcpt=%zu sender=<%s>", LOG_TOKEN(r->rcpt), nfwd,
			 LOG_TOKEN(env.sender));
	} else {
		warn("%s: forwarding: %s", r->rcpt, e.msg);
		note(r, EX_TEMPFAIL);
	}
	if (spool.queue_fd >= 0)
		spool_close(&spool);
	envelope_free(&env);
}

static void load_tables(struct run *r, struct users *u, struct aliases *a)
{
	struct mail_err e;
	err_clear(&e);
	if (users_load(u, config_str(&r->cfg, CFG_USERS), &e) < 0 ||
	    aliases_load(a, config_str(&r->cfg, CFG_ALIASES), &e) < 0 || srs_config_load(&r->srs, &r->cfg, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg); /* fixable: keep the mail queued */
}

int deliver_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	struct run r;
	memset(&r, 0, sizeof r);
	const char *config = NULL, *from = NULL, *folder = NULL;
	int c;
	int junk = 0;
	while ((c = getopt(argc, argv, "C:d:f:F:J")) != -1) {
		switch (c) {
		case 'C': config = optarg; break;
		case 'd': r.rcpt = optarg; break;
		case 'f': from = optarg; break;
		case 'F': folder = optarg; break;
		case 'J': junk = 1; break;
		default: die(EX_USAGE, "see deliver --help");
		}
	}
	const char *mailbox = optind < argc ? argv[optind++] : NULL;
	if (optind != argc || (!mailbox && !r.rcpt))
		die(EX_USAGE, "give -d ADDRESS or a MAILBOX path (see --help)");
	if (mailbox && mailbox[0] != '/')
		die(EX_USAGE, "%s: the mailbox must be an absolute path", mailbox);
	cli_load_config(&r.cfg, config);
	delivery_opts_init(&r.opt, &r.cfg);
	r.opt.folder = folder;
	r.opt.junk = junk;
	if (folder && !maildir_folder_valid(folder))
		die(EX_USAGE, "-F %s: not a folder name", folder);

	struct buf msg = BUF_INIT;
	struct mail_err e;
	char postmark[ADDR_TEXT_MAX + 1];
	err_clear(&e);
	if (message_read(0, config_num(&r.cfg, CFG_MAX_MESSAGE_SIZE), &msg, postmark,
			 sizeof postmark, &e) < 0)
		die(e.ex, "%s", e.msg);
	set_sender(&r, from, postmark);
	r.opt.sender = r.sender;

	struct users users;
	struct aliases aliases;
	struct dests dests = DESTS_INIT;
	memset(&users, 0, sizeof users);
	memset(&aliases, 0, sizeof aliases);
	if (mailbox) {
		struct dest d;
		memset(&d, 0, sizeof d);
		d.kind = DEST_MAILBOX;
		d.target = (char *)mailbox;
		d.maildir = mailbox[strlen(mailbox) - 1] == '/';
		str_copy(d.rcpt, sizeof d.rcpt, r.rcpt ? r.rcpt : "", r.rcpt ? strlen(r.rcpt) : 0);
		char where[4400];
		if (delivery_to(&r.opt, &d, msg.ptr ? msg.ptr : "", msg.len, where, sizeof where, &e) < 0)
			die(e.ex, "%s", e.msg);
		log_info(NULL, "delivered from=<%s> to=%s", LOG_TOKEN(r.sender), LOG_TOKEN(where));
		return 0;
	}
	load_tables(&r, &users, &aliases);
	struct resolver res;
	resolver_init(&res, &r.cfg, &users, &aliases);
	res.srs = r.srs.nsecret ? &r.srs : NULL;
	if (resolve(&res, r.rcpt, &dests, &e) < 0)
		die(e.ex, "%s", e.msg);
	for (size_t i = 0; i < dests.n; i++) {
		const struct dest *d = &dests.v[i];
		if (d->kind == DEST_FORWARD)
			continue;
		char where[4400];
		err_clear(&e);
		if (delivery_to(&r.opt, d, msg.ptr ? msg.ptr : "", msg.len, where, sizeof where, &e) < 0) {
			warn("%s: %s", d->rcpt, e.msg);
			note(&r, e.ex ? e.ex : EX_TEMPFAIL);
		} else {
			log_info(NULL, "delivered from=<%s> rcpt=%s to=%s", LOG_TOKEN(r.sender), LOG_TOKEN(d->rcpt),
				 LOG_TOKEN(where));
		}
	}
	forward(&r, &dests, &msg);
	dests_free(&dests);
	users_free(&users);
	aliases_free(&aliases);
	srs_free(&r.srs);
	buf_free(&msg);
	config_free(&r.cfg);
	return r.worst;
}
