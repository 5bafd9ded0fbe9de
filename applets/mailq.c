/* mailq.c — list and manage the mail queue, as `mailq`, `sendmail -bp`
 * and Postfix's postqueue/postsuper do.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * The listing (Postfix's text, or --json's postqueue -j objects) is
 * libmail/queue/queue_list.h's; the run of --flush queue_run.h's.
 *
 * Actions apply to the IDs given ("-" reads ids from stdin, one per line
 * or the queue_id fields of mailq --json), or without ids to every message
 * the filters select. --show checks the message file against its
 * envelope's size and CRC-32; a damaged one is moved to corrupt/.
 *
 * A user who is neither root nor the spool's owner sees and acts on only
 * the messages they submitted. Entries whose envelope cannot be parsed are
 * moved to corrupt/ (when permitted) and reported on stderr.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "queue/integrity.h"
#include "queue/queue_admin.h"
#include "queue/queue_list.h"
#include "queue/queue_run.h"
#include "queue/runner.h"
#include "store/spool.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: mailq [-C FILE] [--json] [FILTER...]\n"
	"       mailq [-C FILE] ACTION [ID... | -] [FILTER...]\n"
	"List or manage the messages in the postbox queue.\n\n"
	"  --json, -j         one JSON object per message (Postfix postqueue -j fields)\n"
	"  --metrics          the queue as Prometheus metrics (text exposition format)\n"
	"  -C FILE            configuration file\n\n"
	"Actions (on the IDs given, \"-\" = ids on stdin, or on all messages the\n"
	"filters select; --all selects every message):\n"
	"  --flush            deliver now, ignoring retry times\n"
	"  --hold, --release  keep a message from delivery (\"!\" in the listing), or let it go\n"
	"  --delete           remove without a bounce\n"
	"  --requeue          forget the retry backoff\n"
	"  --expire           bounce the pending recipients now\n"
	"  --show ID          print the envelope and the header\n\n"
	"Filters: --sender TEXT, --rcpt TEXT, --older-than AGE, --younger-than AGE\n"
	"(AGE: 30s, 5m, 2h, 1d), --state hold|deferred|active, --all.\n\n"
	"Exit: 0 done, 64 usage, 65 damaged message (--show), 66 no such id,\n"
	"75 spool unavailable or busy, 77 not your message, 78 bad config.\n";

enum action { ACT_LIST, ACT_FLUSH, ACT_HOLD, ACT_RELEASE, ACT_DELETE, ACT_REQUEUE, ACT_EXPIRE, ACT_SHOW };

struct args {
	const char *config;
	int json, all, metrics;
	enum action action;
	struct queue_select sel;
	char **ids;
	size_t nids;
	int ids_from_stdin;
};

static void add_id(struct args *a, const char *id, size_t n)
{
	char tmp[QID_MAX];
	if (str_copy(tmp, sizeof tmp, id, n) < 0 || !spool_id_valid(tmp))
		die(EX_USAGE, "\"%.*s\" is not a queue id", (int)(n > 60 ? 60 : n), id);
	char **grown = realloc(a->ids, (a->nids + 1) * sizeof *grown);
	if (!grown || !(grown[a->nids] = strdup(tmp)))
		die(EX_OSERR, "out of memory");
	a->ids = grown;
	a->nids++;
}

/* Ids on stdin: one per line, or lines of mailq --json (the queue_id field). */
static void read_ids(struct args *a)
{
	char line[65536];
	while (fgets(line, sizeof line, stdin)) {
		const char *p = strstr(line, "\"queue_id\":\"");
		size_t n;
		if (p) {
			p += 12;
			n = strcspn(p, "\"");
		} else {
			p = line + strspn(line, " \t");
			n = strcspn(p, " \t\r\n!");
		}
		if (n)
			add_id(a, p, n);
	}
}

static long long age_arg(const char *opt, const char *v)
{
	long long s = v ? queue_parse_interval(v) : -1;
	if (s <= 0)
		die(EX_USAGE, "%s: expected an age such as 30s, 5m, 2h or 1d", opt);
	return s;
}

static void parse_args(int argc, char **argv, struct args *a)
{
	static const struct { const char *name; enum action act; } actions[] = {
		{ "--flush", ACT_FLUSH }, { "--hold", ACT_HOLD }, { "--release", ACT_RELEASE },
		{ "--delete", ACT_DELETE }, { "--requeue", ACT_REQUEUE }, { "--expire", ACT_EXPIRE },
		{ "--show", ACT_SHOW },
	};
	memset(a, 0, sizeof *a);
	a->sel.uid = -1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		size_t k;
		for (k = 0; k < sizeof actions / sizeof *actions; k++)
			if (!strcmp(o, actions[k].name))
				break;
		if (k < sizeof actions / sizeof *actions) {
			if (a->action != ACT_LIST)
				die(EX_USAGE, "one action at a time (%s)", o);
			a->action = actions[k].act;
		} else if (!strcmp(o, "--json") || !strcmp(o, "-j")) {
			a->json = 1;
		} else if (!strcmp(o, "--metrics")) {
			a->metrics = 1;
		} else if (!strcmp(o, "--all")) {
			a->all = 1;
		} else if (!strcmp(o, "-C") && v) {
			a->config = argv[++i];
		} else if (!strcmp(o, "--sender") && v) {
			a->sel.sender = argv[++i];
		} else if (!strcmp(o, "--rcpt") && v) {
			a->sel.rcpt = argv[++i];
		} else if (!strcmp(o, "--older-than")) {
			a->sel.older_than = age_arg(o, v);
			i++;
		} else if (!strcmp(o, "--younger-than")) {
			a->sel.younger_than = age_arg(o, v);
			i++;
		} else if (!strcmp(o, "--state") && v) {
			a->sel.state = argv[++i];
			if (strcmp(v, "hold") && strcmp(v, "deferred") && strcmp(v, "active"))
				die(EX_USAGE, "--state: expected hold, deferred or active");
		} else if (!strcmp(o, "-")) {
			a->ids_from_stdin = 1;
		} else if (o[0] == '-') {
			die(EX_USAGE, "unknown argument \"%s\" (see --help)", o);
		} else {
			add_id(a, o, strlen(o));
		}
	}
	if (a->ids_from_stdin)
		read_ids(a);
	int filtered = a->sel.sender || a->sel.rcpt || a->sel.older_than || a->sel.younger_than || a->sel.state;
	if (a->action == ACT_LIST && (a->nids || a->ids_from_stdin))
		die(EX_USAGE, "queue ids given without an action (see --help)");
	if (a->action == ACT_SHOW && a->nids != 1)
		die(EX_USAGE, "--show takes one queue id");
	if (a->action != ACT_LIST && a->action != ACT_FLUSH && !a->nids && !a->ids_from_stdin && !filtered &&
	    !a->all)
		die(EX_USAGE, "name the messages: queue ids, \"-\" for stdin, filters, or --all");
}

static int show(struct spool *spool, const char *id, long long uid_only)
{
	struct envelope env;
	struct mail_err e;
	if (spool_read_envelope(spool, id, &env, &e) < 0)
		die(e.sys == ENOENT ? EX_NOINPUT : e.sys == EACCES ? EX_NOPERM : EX_TEMPFAIL, "%s: %s", id,
		    e.sys == ENOENT ? "not in the queue" : e.msg);
	if (uid_only >= 0 && env.uid != uid_only)
		die(EX_NOPERM, "%s: not your message", id);
	int fd = spool_open_message(spool, id, &e);
	if (fd < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	/* A damaged message is shown as such, never as if it were whole. */
	int damaged = queue_check_message(spool, &env, fd, &e);
	if (damaged < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	if (damaged > 0)
		die(EX_DATAERR, "%s: the message file is damaged (see %s/corrupt/%s.why)%s%s", id, spool->dir, id,
		    e.msg[0] ? "; it could not be moved to corrupt/: " : "", e.msg);
	struct buf b = BUF_INIT;
	envelope_write(&env, &b);
	fwrite(b.ptr, 1, b.len, stdout);
	buf_free(&b);
	envelope_free(&env);
	printf("\n");
	FILE *f = fdopen(fd, "r");
	char line[4096];
	while (f && fgets(line, sizeof line, f) && line[0] != '\n')
		fputs(line, stdout);
	if (f)
		fclose(f);
	return 0;
}

/* The ids to act on: those given, or every queued message. */
static void target_ids(struct spool *spool, struct args *a, char ***ids, size_t *n)
{
	struct mail_err e;
	if (a->nids || a->ids_from_stdin) {
		*ids = a->ids;
		*n = a->nids;
		return;
	}
	if (spool_list(spool, ids, n, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
}

static int act(struct spool *spool, const struct config *cfg, struct args *a)
{
	static const enum queue_op ops[] = { [ACT_HOLD] = QOP_HOLD, [ACT_RELEASE] = QOP_RELEASE,
					     [ACT_DELETE] = QOP_DELETE, [ACT_REQUEUE] = QOP_REQUEUE,
					     [ACT_EXPIRE] = QOP_EXPIRE };
	static const char *const done_word[] = { [ACT_HOLD] = "held", [ACT_RELEASE] = "released",
						 [ACT_DELETE] = "deleted", [ACT_REQUEUE] = "requeued",
						 [ACT_EXPIRE] = "expired" };
	char **ids;
	size_t n, count = 0;
	int rv = 0, given = a->nids || a->ids_from_stdin;
	/* --expire writes bounces: signed like the queue runner's. */
	static struct dkim_keyring keys;
	if (a->action == ACT_EXPIRE)
		cli_load_dkim_keys(&keys, cfg);
	target_ids(spool, a, &ids, &n);
	for (size_t i = 0; i < n; i++) {
		struct mail_err e;
		err_clear(&e);
		int r = queue_apply(spool, ids[i], ops[a->action], &a->sel, config_str(cfg, CFG_HOSTNAME), &keys, &e);
		if (r > 0) {
			count++;
			continue;
		}
		if (r == 0) {
			if (given && a->sel.uid >= 0) {
				warn("%s: not your message", ids[i]);
				rv = rv ? rv : EX_NOPERM;
			}
			continue;
		}
		if (e.sys == EACCES || e.sys == EPERM) {
			warn("%s: not your message (%s)", ids[i], e.msg);
			rv = rv ? rv : EX_NOPERM;
			continue;
		}
		if (e.sys == ENOENT) {
			if (given) {
				warn("%s: not in the queue", ids[i]);
				rv = rv ? rv : EX_NOINPUT;
			}
			continue;
		}
		warn("%s", e.msg);
		rv = EX_TEMPFAIL;
	}
	printf("mailq: %zu message%s %s\n", count, count == 1 ? "" : "s", done_word[a->action]);
	if (!given)
		spool_ids_free(ids, n);
	return rv;
}

/* --flush: the selected messages (or all) through one forced queue run. */
static int flush(struct spool *spool, const struct config *cfg, struct args *a)
{
	struct runner_filter f;
	memset(&f, 0, sizeof f);
	f.force = 1;
	int selective = a->nids || a->ids_from_stdin || a->sel.sender || a->sel.rcpt || a->sel.older_than ||
			a->sel.younger_than || a->sel.state || a->sel.uid >= 0;
	if (selective) {
		char **ids;
		size_t n;
		target_ids(spool, a, &ids, &n);
		for (size_t i = 0; i < n; i++) {
			struct envelope env;
			struct mail_err e;
			if (spool_read_envelope(spool, ids[i], &env, &e) < 0)
				continue;
			if (queue_select_match(&a->sel, &env, (long long)time(NULL)))
				runner_filter_add_id(&f, ids[i]);
			envelope_free(&env);
		}
		if (!(a->nids || a->ids_from_stdin))
			spool_ids_free(ids, n);
		if (f.nids == 0) {
			printf("mailq: nothing to flush\n");
			return 0;
		}
	}
	struct mail_err e;
	int r = queue_run(cfg, &f, 0, NULL, &e);
	if (r < 0)
		say_error("%s", e.msg);
	runner_filter_free(&f);
	return r < 0 ? e.ex : 0;
}

int mailq_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	struct args a;
	parse_args(argc, argv, &a);
	if (a.metrics && a.action != ACT_LIST)
		die(EX_USAGE, "--metrics lists; it takes no action");
	struct config cfg;
	cli_load_config(&cfg, a.config);
	const char *dir = config_str(&cfg, CFG_SPOOL);
	struct mail_err e;
	if (a.action == ACT_LIST) {
		struct queue_list_opts lo = { .sel = a.sel, .json = a.json, .metrics = a.metrics, .problem = cli_warn_text };
		int r = queue_list(dir, &lo, stdout, &e);
		if (r < 0)
			say_error("%s", e.msg);
		config_free(&cfg);
		return r < 0 ? e.ex : 0;
	}
	struct spool spool;
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT) {
		if (a.nids)
			die(EX_NOINPUT, "%s: not in the queue (no spool at %s)", a.ids[0], dir);
		config_free(&cfg);
		return 0;
	}
	if (spool_open(&spool, dir, 0, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	if (spool.queue_fd < 0)
		die(EX_NOPERM, "%s/queue: only root and the spool's owner may list this queue", dir);
	uid_t uid = getuid();
	if (uid != 0 && st.st_uid != uid)
		a.sel.uid = (long long)uid;
	int r = a.action == ACT_SHOW ? show(&spool, a.ids[0], a.sel.uid)
		: a.action == ACT_FLUSH ? flush(&spool, &cfg, &a) : act(&spool, &cfg, &a);
	for (size_t i = 0; i < a.nids; i++)
		free(a.ids[i]);
	free(a.ids);
	spool_close(&spool);
	config_free(&cfg);
	return fflush(stdout) == 0 ? r : EX_IOERR;
}
