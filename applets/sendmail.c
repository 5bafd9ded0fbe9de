/* sendmail.c — submit a message, the way sendmail(8) does.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks it names every option parse_options accepts).
 *
 * Reads one message (RFC 5322) on stdin and commits it to the spool
 * (spool.h): exit 0 only once it is on disk and fsynced. Without -i a line
 * holding a lone "." ends the input. CRLF input is stored as LF.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/dkim_spool.h"
#include "msg/addr.h"
#include "msg/header.h"
#include "base/io.h"
#include "base/log.h"
#include "msg/mime.h"
#include "queue/queue_list.h"
#include "queue/queue_run.h"
#include "queue/runner.h"
#include "smtp/smtp_setup.h"
#include "store/spool.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: sendmail [OPTIONS] [--] [RECIPIENT...] < message\n"
	"Submit one message read on stdin to the postbox queue.\n\n"
	"  -t            take recipients from To:, Cc: and Bcc: too (Bcc is removed)\n"
	"  -i, -oi       a lone \".\" line does not end the message\n"
	"  -f ADDR       envelope sender (\"<>\" or \"\" for none); also -r ADDR\n"
	"  -F NAME       full name for a From: header that postbox adds\n"
	"  -N DSN        never, or a list of success,failure,delay\n"
	"  -R full|hdrs  how much of the message a bounce returns\n"
	"  -V ENVID      envelope id for delivery status notifications\n"
	"  -B TYPE       body type: 7BIT or 8BITMIME (RFC 6152), kept in the envelope\n"
	"  -C FILE       configuration file\n"
	"  -bp           list the queue (same as mailq)\n"
	"  -bs           one SMTP session on stdin/stdout (smtpd in inetd mode)\n"
	"  -q            run the queue once (same as runq); -q5m: every 5 minutes\n"
	"  -qI ID, -qR TEXT, -qS TEXT  deliver now the message with this id, or\n"
	"                whose recipient / sender contains TEXT\n"
	"  -bm           deliver mail (the default)\n"
	"Accepted and ignored, as sendmail users expect: -odi -odb -odq -oem -oee -oep\n"
	"-oeq -oew -om -oo -v -U -n -m -L TAG -h N -O OPT -o?VALUE\n\n"
	"Exit: 0 queued; 64 usage (an option where an address belongs, no\n"
	"recipients, -F with a line break, too many recipients); 65 bad message\n"
	"(NUL, bare CR, a line over max_line_length, too large); 67 a recipient\n"
	"that is not an address; 75 the spool could not take the message (nothing\n"
	"was queued: try again); 77 -f naming another user's address; 78 bad\n"
	"configuration.\n";

struct options {
	int from_headers;       /* -t */
	int ignore_dots;        /* -i */
	const char *sender;     /* -f / -r */
	const char *fullname;   /* -F */
	const char *notify;     /* -N */
	const char *ret;        /* -R */
	const char *envid;      /* -V */
	const char *config;     /* -C */
	const char *body;       /* -B */
	int list_queue;         /* -bp */
	int smtp_stdio;         /* -bs */
	int run_queue;          /* -q */
	long long every;        /* -q5m: seconds between runs; 0 for one run */
	struct runner_filter filter;  /* -qI, -qR, -qS */
	char **rcpts;
	int nrcpts;
};

/* An option's value: the rest of this argument or the next one; a value
 * that looks like an option is refused, never taken as one. */
static const char *opt_value(char **argv, int *i, const char *rest, const char *flag)
{
	const char *v = *rest ? rest : argv[++*i];
	if (!v)
		die(EX_USAGE, "option -%s needs a value", flag);
	if (v[0] == '-' && !(flag[0] == 'N' || flag[0] == 'R' || flag[0] == 'V'))
		die(EX_USAGE, "option -%s: \"%s\" looks like an option, not a value", flag, v);
	return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
	int i;
	memset(o, 0, sizeof *o);
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		if (a[0] != '-' || !a[1])
			break;
		if (!strcmp(a, "--")) {
			i++;
			break;
		}
		char f = a[1];
		const char *rest = a + 2;
		switch (f) {
		case 't':
			o->from_headers = 1;
			break;
		case 'i':
			o->ignore_dots = 1;
			break;
		case 'f':
		case 'r':
			o->sender = opt_value(argv, &i, rest, f == 'f' ? "f" : "r");
			break;
		case 'F':
			o->fullname = opt_value(argv, &i, rest, "F");
			break;
		case 'N':
			o->notify = opt_value(argv, &i, rest, "N");
			break;
		case 'R':
			o->ret = opt_value(argv, &i, rest, "R");
			break;
		case 'V':
			o->envid = opt_value(argv, &i, rest, "V");
			break;
		case 'C':
			o->config = opt_value(argv, &i, rest, "C");
			break;
		case 'B':
			o->body = opt_value(argv, &i, rest, "B");
			break;
		case 'L':
		case 'h':
		case 'O':
			opt_value(argv, &i, rest, a + 1);
			break;
		case 'q':
			o->run_queue = 1;
			if (*rest == 'I' || *rest == 'R' || *rest == 'S') {
				const char *v = rest[1] ? rest + 1 : argv[++i];
				if (!v)
					die(EX_USAGE, "option -q%c needs a value", *rest);
				if (*rest == 'I' && runner_filter_add_id(&o->filter, v) < 0)
					die(EX_USAGE, "-qI: \"%s\" is not a queue id", v);
				if (*rest == 'R')
					o->filter.rcpt = v;
				if (*rest == 'S')
					o->filter.sender = v;
			} else if (*rest) {
				if ((o->every = queue_parse_interval(rest)) < 0)
					die(EX_USAGE, "-q%s: expected -q, -qINTERVAL (-q5m), -qI ID, -qR TEXT or -qS TEXT", rest);
			}
			break;
		case 'b':
			if (!strcmp(rest, "p"))
				o->list_queue = 1;
			else if (!strcmp(rest, "s"))
				o->smtp_stdio = 1;
			else if (strcmp(rest, "m"))
				die(EX_USAGE, "-b%s is not supported (see --help)", rest);
			break;
		case 'o':
			if (!strcmp(rest, "i"))
				o->ignore_dots = 1;
			/* -odi, -oem and the other sendmail -o options are no-ops here. */
			break;
		case 'v':
		case 'U':
		case 'n':
		case 'm':
			break;
		default:
			die(EX_USAGE, "unknown option %s (see --help)", a);
		}
	}
	o->rcpts = argv + i;
	o->nrcpts = argc - i;
}

struct submission {
	const struct config *cfg;
	const struct options *opt;
	struct envelope env;
	struct spool_tx tx;
	struct buf out;          /* bytes on their way into the spool file */
	long long max_size;
	long long max_header;   /* max_header_size; 0: no limit */
	long long total;
	int eight_bit;
};

static _Noreturn void fail(struct submission *s, int ex, const char *fmt, const char *detail)
{
	spool_abort(&s->tx);
	die(ex, fmt, detail);
}

/* Add one recipient (an addr-spec), qualified and deduplicated. */
static int add_recipient(void *ctx, const char *text, size_t n)
{
	struct submission *s = ctx;
	struct mailbox m;
	struct mail_err e;
	char addr[ADDR_TEXT_MAX + 1], shown[600];
	if (addr_parse(text, n, ADDR_ALLOW_BARE | ADDR_ALLOW_NODOMAIN, &m, &e) < 0 ||
	    (m.flags & MBOX_NULL)) {
		log_value(shown, sizeof shown, text, n);
		fprintf(stderr, "%s: error: bad recipient address \"%s\": %s\n", cli_name(), shown,
			m.flags & MBOX_NULL ? "empty" : e.msg);
		spool_abort(&s->tx);
		exit(EX_NOUSER);
	}
	if (addr_qualify(&m, config_str(s->cfg, CFG_HOSTNAME)) < 0 ||
	    addr_format(&m, addr, sizeof addr) < 0)
		fail(s, EX_NOUSER, "recipient address too long: %s", m.local);
	if (m.flags & MBOX_UTF8)
		s->env.smtputf8 = 1;
	for (size_t i = 0; i < s->env.nrcpt; i++) {
		const char *old = s->env.rcpt[i].addr;
		const char *at_old = strrchr(old, '@'), *at_new = strrchr(addr, '@');
		if (at_old - old == at_new - addr && !strncmp(old, addr, (size_t)(at_new - addr)) &&
		    addr_domain_eq(at_old + 1, at_new + 1))
			return 0;
	}
	if ((long long)s->env.nrcpt >= config_num(s->cfg, CFG_MAX_RECIPIENTS))
		fail(s, s->opt->from_headers ? EX_DATAERR : EX_USAGE,
		     "too many recipients (max_recipients is %s)", config_str(s->cfg, CFG_MAX_RECIPIENTS));
	if (!envelope_add_rcpt(&s->env, addr))
		fail(s, EX_TEMPFAIL, "%s", strerror(errno));
	return 0;
}

static void emit(struct submission *s, const char *p, size_t n)
{
	struct mail_err e;
	s->total += (long long)n;
	if (s->total > s->max_size) {
		char lim[32];
		snprintf(lim, sizeof lim, "%lld", s->max_size);
		fail(s, EX_DATAERR, "message larger than max_message_size (%s octets)", lim);
	}
	buf_add(&s->out, p, n);
	if (s->out.len >= 65536 || !buf_ok(&s->out)) {
		if (!buf_ok(&s->out))
			fail(s, EX_TEMPFAIL, "%s", "out of memory");
		if (spool_write(&s->tx, s->out.ptr, s->out.len, &e) < 0)
			fail(s, EX_TEMPFAIL, "%s", e.msg);
		buf_reset(&s->out);
	}
}

static int has_8bit(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}

/* The header section is complete: take -t recipients, drop Bcc, add
 * Received, and Date, Message-ID and From where missing, then write it. */
static void finish_headers(struct submission *s, struct buf *hdrs)
{
	const char *host = config_str(s->cfg, CFG_HOSTNAME);
	int have_date = 0, have_msgid = 0, have_from = 0;
	struct header h;
	size_t pos = 0;
	char date[64];
	mime_date(date, sizeof date, time(NULL));

	struct buf line = BUF_INIT;
	buf_addf(&line, "Received: by %s (postbox sendmail, from uid %u)\n\tid %s; %s\n", host,
		 (unsigned)getuid(), s->tx.id, date);
	emit(s, line.ptr, line.len);

	while (hdr_next(hdrs->ptr, hdrs->len, &pos, &h) == 1) {
		int bcc = hdr_name_is(&h, "Bcc") || hdr_name_is(&h, "Resent-Bcc");
		if (s->opt->from_headers && (bcc || hdr_name_is(&h, "To") || hdr_name_is(&h, "Cc"))) {
			int r = addrlist_parse(h.value, h.value_len, add_recipient, s);
			if (r < 0) {
				char shown[200];
				log_value(shown, sizeof shown, h.name, h.name_len);
				fail(s, EX_NOUSER, "malformed address list in %s: header", shown);
			}
		}
		have_date |= hdr_name_is(&h, "Date");
		have_msgid |= hdr_name_is(&h, "Message-ID");
		have_from |= hdr_name_is(&h, "From");
		if (has_8bit(hdrs->ptr + h.start, h.len))
			s->env.smtputf8 = 1;
		if (!bcc)
			emit(s, hdrs->ptr + h.start, h.len);
	}
	buf_reset(&line);
	if (!have_date)
		buf_addf(&line, "Date: %s\n", date);
	if (!have_msgid)
		buf_addf(&line, "Message-ID: <%s@%s>\n", s->tx.id, host);
	if (!have_from) {
		const char *sender = s->env.sender[0] ? s->env.sender : NULL;
		char fallback[300];
		if (!sender) {
			snprintf(fallback, sizeof fallback, "MAILER-DAEMON@%s", host);
			sender = fallback;
		}
		buf_adds(&line, "From: ");
		if (s->opt->fullname && s->opt->fullname[0]) {
			mime_phrase(&line, s->opt->fullname, strlen(s->opt->fullname));
			buf_addf(&line, " <%s>\n", sender);
		} else {
			buf_addf(&line, "%s\n", sender);
		}
	}
	buf_addc(&line, '\n'); /* the blank line before the body */
	if (!buf_ok(&line))
		fail(s, EX_TEMPFAIL, "%s", "out of memory");
	emit(s, line.ptr, line.len);
	buf_free(&line);
}

/* Is this line (LF stripped) the start or the continuation of a field? */
static int header_line(const char *p, size_t n, int have_fields)
{
	if (n > 0 && (p[0] == ' ' || p[0] == '\t'))
		return have_fields;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == ':')
			return i > 0;
		if (c < 33 || c > 126)
			return 0;
	}
	return 0;
}

/* Read stdin line by line into the spool: headers first, then body. */
static void read_message(struct submission *s)
{
	struct io in;
	struct buf line = BUF_INIT, hdrs = BUF_INIT;
	struct mail_err e;
	size_t max_line = (size_t)config_num(s->cfg, CFG_MAX_LINE_LENGTH);
	long lineno = 0;
	int in_headers = 1;
	char what[96];

	io_init(&in, STDIN_FILENO, -1, -1, "stdin");
	buf_init(&hdrs, (size_t)s->max_size + 1);
	for (;;) {
		/* max_line counts CRLF; the limit handed to the reader allows for it. */
		int r = io_getline(&in, &line, max_line, &e);
		lineno++;
		if (r == IO_EOF)
			break;
		if (r == IO_ERR)
			fail(s, EX_TEMPFAIL, "%s", e.msg);
		if (r == IO_TOOLONG) {
			snprintf(what, sizeof what, "line %ld is longer than %zu octets", lineno, max_line - 2);
			fail(s, EX_DATAERR, "%s (max_line_length)", what);
		}
		size_t n = line.len;
		if (n && line.ptr[n - 1] == '\n')
			n--;
		if (n && line.ptr[n - 1] == '\r')
			n--;
		if (n + 2 > max_line) {
			snprintf(what, sizeof what, "line %ld is longer than %zu octets", lineno, max_line - 2);
			fail(s, EX_DATAERR, "%s (max_line_length)", what);
		}
		if (memchr(line.ptr, '\0', n)) {
			snprintf(what, sizeof what, "line %ld", lineno);
			fail(s, EX_DATAERR, "%s contains a NUL byte", what);
		}
		if (memchr(line.ptr, '\r', n)) {
			snprintf(what, sizeof what, "line %ld", lineno);
			fail(s, EX_DATAERR, "%s contains a bare CR", what);
		}
		if (!s->opt->ignore_dots && n == 1 && line.ptr[0] == '.')
			break;
		if (lineno == 1 && n >= 5 && !memcmp(line.ptr, "From ", 5))
			continue; /* an mbox separator is not part of the message */
		if (in_headers && header_line(line.ptr, n, hdrs.len > 0)) {
			buf_add(&hdrs, line.ptr, n);
			buf_addc(&hdrs, '\n');
			if (!buf_ok(&hdrs))
				fail(s, EX_DATAERR, "%s", "header section larger than max_message_size");
			if (s->max_header && (long long)hdrs.len > s->max_header) {
				snprintf(what, sizeof what, "%lld", s->max_header);
				fail(s, EX_DATAERR, "header section larger than max_header_size (%s octets)", what);
			}
			continue;
		}
		if (in_headers) {
			in_headers = 0;
			finish_headers(s, &hdrs);
			if (n == 0)
				continue; /* the original blank line; finish_headers wrote one */
		}
		if (!s->eight_bit && has_8bit(line.ptr, n))
			s->eight_bit = 1;
		emit(s, line.ptr, n);
		emit(s, "\n", 1);
	}
	if (in_headers)
		finish_headers(s, &hdrs);
	if (s->out.len && spool_write(&s->tx, s->out.ptr, s->out.len, &e) < 0)
		fail(s, EX_TEMPFAIL, "%s", e.msg);
	buf_reset(&s->out);
	buf_free(&line);
	buf_free(&hdrs);
	io_free(&in);
}

static unsigned parse_notify(const char *v)
{
	static const struct { const char *name; unsigned bit; } words[] = {
		{ "never", NOTIFY_NEVER }, { "success", NOTIFY_SUCCESS },
		{ "failure", NOTIFY_FAILURE }, { "delay", NOTIFY_DELAY },
	};
	unsigned bits = 0;
	while (*v) {
		size_t len = strcspn(v, ",");
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof words / sizeof *words; i++)
			if (strlen(words[i].name) == len && !strncasecmp(v, words[i].name, len))
				bit = words[i].bit;
		if (!bit)
			die(EX_USAGE, "-N: expected never or success,failure,delay, got \"%s\"", v);
		bits |= bit;
		v += len + (v[len] == ',');
	}
	if (!bits || ((bits & NOTIFY_NEVER) && bits != NOTIFY_NEVER))
		die(EX_USAGE, "-N: \"never\" cannot be combined with other values");
	return bits;
}

/* Root and the spool's owner may name any envelope sender; anyone else
 * only their own address, so no user can forge another's. */
static void set_sender(struct submission *s, const struct spool *spool)
{
	const char *host = config_str(s->cfg, CFG_HOSTNAME);
	uid_t uid = getuid();
	struct passwd *pw = getpwuid(uid);
	char own[ADDR_TEXT_MAX + 1];
	int trusted = spool_trusted(spool, uid);
	if (!pw || (size_t)snprintf(own, sizeof own, "%s@%s", pw->pw_name, host) >= sizeof own)
		die(EX_NOUSER, "uid %u: no passwd entry, or login name too long", (unsigned)uid);
	s->env.uid = uid;
	str_copy(s->env.client, sizeof s->env.client, "local", 5);

	const char *given = s->opt->sender;
	if (!given) {
		str_copy(s->env.sender, sizeof s->env.sender, own, strlen(own));
		return;
	}
	/* An empty -f is the null sender, as cron jobs and bounce handlers
	 * write it for Postfix and sendmail: the same as "<>". */
	if (!*given)
		given = "<>";
	struct mailbox m;
	struct mail_err e;
	if (addr_parse(given, strlen(given), ADDR_ALLOW_BARE | ADDR_ALLOW_NULL | ADDR_ALLOW_NODOMAIN, &m,
		       &e) < 0)
		die(EX_USAGE, "-f: bad sender address \"%s\": %s", given, e.msg);
	if (addr_qualify(&m, host) < 0 || addr_format(&m, s->env.sender, sizeof s->env.sender) < 0)
		die(EX_USAGE, "-f: sender address too long");
	if (m.flags & MBOX_UTF8)
		s->env.smtputf8 = 1;
	if (!trusted) {
		const char *at = strrchr(s->env.sender, '@');
		const char *own_at = strrchr(own, '@');
		int same = at && at - s->env.sender == own_at - own &&
			   !strncmp(s->env.sender, own, (size_t)(at - s->env.sender)) &&
			   addr_domain_eq(at + 1, own_at + 1);
		if (!same)
			die(EX_NOPERM, "-f %s: only root or the spool's owner may set another sender than %s",
			    s->env.sender, own);
	}
}

/* -bp: the queue as mailq lists it. */
static int list_queue(struct config *cfg)
{
	struct mail_err e;
	struct queue_list_opts lo = { .sel = { .uid = -1 }, .problem = cli_warn_text };
	int r = queue_list(config_str(cfg, CFG_SPOOL), &lo, stdout, &e);
	if (r < 0)
		say_error("%s", e.msg);
	config_free(cfg);
	return r < 0 ? e.ex : 0;
}

/* -bs: one SMTP session on stdin/stdout, the local client; with
 * immediate_delivery its messages go to a runner when it is over. */
static int smtp_stdio(struct config *cfg)
{
	struct mail_err e;
	struct smtp_queued queued;
	signal(SIGPIPE, SIG_IGN);
	int immediate = (int)config_num(cfg, CFG_IMMEDIATE_DELIVERY);
	int r = smtp_stdio_session(cfg, getenv("TCPREMOTEIP"), immediate ? &queued : NULL, &e);
	if (r < 0)
		die(e.ex, "%s", e.msg);
	if (immediate)
		queue_kick_session(cfg, &queued);
	config_free(cfg);
	return r;
}

int sendmail_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	struct options opt;
	parse_options(argc, argv, &opt);
	struct config cfg;
	cli_load_config(&cfg, opt.config);
	if (opt.list_queue || opt.smtp_stdio)
		return opt.list_queue ? list_queue(&cfg) : smtp_stdio(&cfg);
	if (opt.run_queue) {
		if (opt.nrcpts)
			die(EX_USAGE, "-q takes no recipients");
		struct mail_err e;
		struct run_progress progress = { NULL, -1, -1 };
		struct tally *shown = opt.every ? NULL : run_progress_start(&progress);
		int r = queue_run(&cfg, &opt.filter, opt.every, shown, &e);
		run_progress_stop(&progress);
		if (r < 0)
			say_error("%s", e.msg);
		runner_filter_free(&opt.filter);
		config_free(&cfg);
		return r < 0 ? e.ex : 0;
	}
	struct submission s;
	memset(&s, 0, sizeof s);
	s.cfg = &cfg;
	s.opt = &opt;
	s.max_size = config_num(&cfg, CFG_MAX_MESSAGE_SIZE);
	s.max_header = config_num(&cfg, CFG_MAX_HEADER_SIZE);
	s.tx.fd = -1;
	envelope_init(&s.env);
	buf_init(&s.out, 0);

	if (opt.fullname && strpbrk(opt.fullname, "\r\n"))
		die(EX_USAGE, "-F: a full name cannot contain a line break");
	if (opt.nrcpts == 0 && !opt.from_headers)
		die(EX_USAGE, "no recipients given (name them as arguments, or use -t)");
	unsigned notify = opt.notify ? parse_notify(opt.notify) : 0;
	if (opt.ret) {
		if (!strcasecmp(opt.ret, "full"))
			s.env.ret = RET_FULL;
		else if (!strcasecmp(opt.ret, "hdrs"))
			s.env.ret = RET_HDRS;
		else
			die(EX_USAGE, "-R: expected full or hdrs, got \"%s\"", opt.ret);
	}
	if (opt.envid) {
		size_t len = strlen(opt.envid);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)opt.envid[i] < 33 || (unsigned char)opt.envid[i] > 126)
				die(EX_USAGE, "-V: the envelope id must be printable ASCII without spaces");
		if (str_copy(s.env.envid, sizeof s.env.envid, opt.envid, len) < 0)
			die(EX_USAGE, "-V: the envelope id is longer than %d characters", ENV_ENVID_MAX);
	}
	if (opt.body) {
		if (!strcasecmp(opt.body, "8BITMIME"))
			s.env.body = BODY_8BITMIME;
		else if (!strcasecmp(opt.body, "7BIT"))
			s.env.body = BODY_7BIT;
		else
			die(EX_USAGE, "-B: expected 7BIT or 8BITMIME, got \"%s\"", opt.body);
	}

	const char *spool_dir = config_str(&cfg, CFG_SPOOL);
	struct spool spool;
	struct mail_err e;
	if (spool_open(&spool, spool_dir, 1, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	set_sender(&s, &spool);
	for (int i = 0; i < opt.nrcpts; i++) {
		const char *r = opt.rcpts[i];
		if (r[0] == '-')
			die(EX_USAGE, "\"%s\" looks like an option, not a recipient (options go first)", r);
		if (addrlist_parse(r, strlen(r), add_recipient, &s) < 0)
			die(EX_NOUSER, "bad recipient address \"%s\"", r);
	}

	/* Users who may not write the queue drop their mail into incoming/,
	 * from where the queue runner picks it up (pickup.h). */
	int direct = spool_trusted(&spool, getuid());
	if ((direct ? spool_begin(&spool, &s.tx, &e) : spool_begin_incoming(&spool, &s.tx, &e)) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	read_message(&s);
	if (s.env.nrcpt == 0)
		fail(&s, EX_USAGE, "%s", "no recipients found (none as arguments, none in To:, Cc: or Bcc:)");
	for (size_t i = 0; i < s.env.nrcpt; i++)
		s.env.rcpt[i].notify = notify;
	if (s.eight_bit && s.env.body == BODY_UNSET)
		s.env.body = BODY_8BITMIME;
	/* Users who may write the queue sign here; the others' mail is signed
	 * by pickup, which may read the keys. */
	static struct dkim_keyring keys;
	if (direct) {
		cli_load_dkim_keys(&keys, &cfg);
		if (dkim_sign_spooled(&keys, &s.tx, (long long)time(NULL), &e) < 0)
			fail(&s, e.ex ? e.ex : EX_TEMPFAIL, "%s", e.msg);
	}
	if (spool_commit(&s.tx, &s.env, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	log_info(s.env.id, "queued from=<%s> nrcpt=%zu size=%lld uid=%lld", LOG_TOKEN(s.env.sender), s.env.nrcpt,
		 s.env.size, s.env.uid);
	if (config_num(&cfg, CFG_IMMEDIATE_DELIVERY)) {
		const char *id = s.env.id;
		queue_kick(&cfg, &id, 1);
	}
	envelope_free(&s.env);
	buf_free(&s.out);
	spool_close(&spool);
	config_free(&cfg);
	return 0;
}
