/* runq.c — run the mail queue (the queue runner), as `sendmail -q` does.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * The run itself is libmail/queue/queue_run.h's. One run (RFC 5321
 * §4.5.4.1): every queued message whose recipients are
 * due is claimed (messages another runner holds are skipped), its
 * recipients grouped by domain and attempted; the envelope is rewritten
 * after each attempt, bounces (RFC 3464) are queued before the original
 * leaves, and a message leaves the queue only when every recipient is
 * final. -I, -R and -S restrict the run to a queue id, a recipient or a
 * sender (substring, case-insensitive) and deliver those now, whatever
 * their retry time (as Postfix's sendmail -qI/-qR/-qS); --force does that
 * for the whole queue (mailq --flush).
 *
 * --route prints, for each domain, the mail exchangers in the order they
 * would be tried (RFC 5321 §5.1) with their addresses.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/dns.h"
#include "queue/queue_run.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: runq [-C FILE] [-I ID]... [-R RCPT] [-S SENDER] [--force]\n"
	"       runq [-C FILE] -d INTERVAL\n"
	"       runq [-C FILE] --route DOMAIN...\n"
	"Deliver the mail in the postbox queue that is due (same as sendmail -q).\n\n"
	"  -I ID         only this queue id (repeatable); delivered now\n"
	"  -R TEXT       only recipients containing TEXT; delivered now\n"
	"  -S TEXT       only messages whose sender contains TEXT; delivered now\n"
	"  --force       attempt every recipient now, ignoring retry times\n"
	"  -d INTERVAL   keep running the queue every INTERVAL (30s, 5m, 1h)\n"
	"  --route       print the mail exchangers of each DOMAIN and exit\n"
	"  -C FILE       configuration file\n\n"
	"Exit: 0 the run completed (deferred mail is not an error); 64 usage;\n"
	"68 --route: a domain that cannot receive mail (NXDOMAIN, null MX); 75 the\n"
	"spool or the DNS could not be used (try again); 78 bad configuration.\n";

static void addr_text(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	const void *a = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
						 : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
	if (!inet_ntop(ss->ss_family, a, out, (socklen_t)cap))
		str_copy(out, cap, "?", 1);
}

/* --route: the MX list of each domain with every host's addresses. */
static int show_routes(const struct config *cfg, char **domains, int n)
{
	struct dns dns;
	struct mail_err e;
	int worst = 0;
	if (dns_init(&dns, config_str(cfg, CFG_RESOLVER), (int)config_num(cfg, CFG_DNS_TIMEOUT) * 1000, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	for (int i = 0; i < n; i++) {
		struct dns_mx_list mx;
		if (dns_mx_lookup(&dns, domains[i], &mx, &e) < 0) {
			printf("%s error %s %s\n", domains[i], e.status, e.msg);
			int ex = e.smtp >= 500 ? EX_NOHOST : EX_TEMPFAIL;
			worst = worst == EX_TEMPFAIL ? worst : ex;
			continue;
		}
		for (size_t j = 0; j < mx.n; j++) {
			struct dns_addr_list addrs;
			char pref[16];
			if (mx.implicit)
				str_copy(pref, sizeof pref, "implicit", 8);
			else
				snprintf(pref, sizeof pref, "%u", mx.mx[j].pref);
			printf("%s %s %s", domains[i], pref, mx.mx[j].host);
			if (dns_addr_lookup(&dns, mx.mx[j].host, &addrs, &e) < 0) {
				printf(" error %s %s\n", e.status, e.msg);
				continue;
			}
			for (size_t k = 0; k < addrs.n; k++) {
				char text[64];
				addr_text(&addrs.addr[k], text, sizeof text);
				printf(" %s", text);
			}
			printf("\n");
		}
	}
	return worst;
}

int runq_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	struct runner_filter filter;
	const char *path = NULL, *interval = NULL;
	int route = 0, i;
	memset(&filter, 0, sizeof filter);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--route"))
			route = 1;
		else if (!strcmp(a, "--force"))
			filter.force = 1;
		else if (!strcmp(a, "-C") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(a, "-d") && i + 1 < argc)
			interval = argv[++i];
		else if (!strcmp(a, "-I") && i + 1 < argc) {
			if (runner_filter_add_id(&filter, argv[++i]) < 0)
				die(EX_USAGE, "-I: \"%s\" is not a queue id", argv[i]);
		} else if (!strcmp(a, "-R") && i + 1 < argc)
			filter.rcpt = argv[++i];
		else if (!strcmp(a, "-S") && i + 1 < argc)
			filter.sender = argv[++i];
		else if (a[0] == '-')
			die(EX_USAGE, "unknown option \"%s\" (see --help)", a);
		else
			break;
	}
	struct config cfg;
	cli_load_config(&cfg, path);
	if (route) {
		if (i >= argc)
			die(EX_USAGE, "--route needs at least one domain");
		int r = show_routes(&cfg, argv + i, argc - i);
		config_free(&cfg);
		return r;
	}
	if (i < argc)
		die(EX_USAGE, "unexpected argument \"%s\" (see --help)", argv[i]);
	long long every = 0;
	if (interval && (every = queue_parse_interval(interval)) < 0)
		die(EX_USAGE, "bad interval \"%s\" (expected 30s, 5m, 1h ...)", interval);
	struct mail_err e;
	/* A run started by hand on a terminal shows its progress; a daemon
	 * (-d) does not. */
	struct run_progress progress = { NULL, -1, -1 };
	struct tally *shown = every ? NULL : run_progress_start(&progress);
	int r = queue_run(&cfg, &filter, every, shown, &e);
	run_progress_stop(&progress);
	if (r < 0)
		say_error("%s", e.msg);
	runner_filter_free(&filter);
	config_free(&cfg);
	return r < 0 ? e.ex : 0;
}
