/* spf.c — `postbox spf`: the SPF verdict (RFC 7208) for a client address
 * and a sender, for scripts and tests.
 *
 * Usage: postbox spf [-C FILE] [-h HELO] [-v] IP SENDER
 *
 * Prints the result keyword (none neutral pass fail softfail temperror
 * permerror) on the first line and, for a fail whose record has an exp=
 * explanation, a second line "explanation: TEXT". SENDER is the MAIL FROM
 * address; the empty string is the null sender, for which the HELO
 * identity is checked (§2.4; -h is then required). -v writes what
 * decided to stderr. DNS goes to the `resolver` key's server (or
 * resolv.conf) with the `dns_timeout` key's timeout.
 *
 * Exit codes: 0 when a result was computed (whatever it is), 64 usage,
 * 78 bad configuration.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/spf.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: postbox spf [-C FILE] [-h HELO] [-v] IP SENDER\n"
	"Evaluate SPF (RFC 7208) for a client IP address and a MAIL FROM sender.\n\n"
	"  -C FILE   configuration file (its resolver and dns_timeout keys)\n"
	"  -h HELO   the client's HELO/EHLO name (needed when SENDER is \"\")\n"
	"  -v        say on stderr what decided the result\n\n"
	"Prints the result: none, neutral, pass, fail, softfail, temperror or\n"
	"permerror; for a fail with an explanation, a second line\n"
	"\"explanation: TEXT\". SENDER \"\" is the null sender: the HELO identity\n"
	"is checked.\n\n"
	"Exit: 0 a result was computed, 64 usage, 78 bad configuration.\n";

int spf_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	cli_init("spf");
	const char *path = NULL, *helo = "";
	int verbose = 0, c;
	while ((c = getopt(argc, argv, "C:h:v")) != -1) {
		switch (c) {
		case 'C': path = optarg; break;
		case 'h': helo = optarg; break;
		case 'v': verbose = 1; break;
		default: die(EX_USAGE, "see --help");
		}
	}
	if (argc - optind != 2)
		die(EX_USAGE, "expected IP and SENDER (see --help)");
	struct spf_query q = { .helo = helo, .sender = argv[optind + 1] };
	const char *ip = argv[optind];
	if (inet_pton(AF_INET, ip, q.ip) == 1)
		q.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, q.ip) == 1)
		q.family = AF_INET6;
	else
		die(EX_USAGE, "\"%s\" is not an IPv4 or IPv6 address", ip);
	if (!q.sender[0] && !helo[0])
		die(EX_USAGE, "the null sender is checked by its HELO name: give -h HELO");

	struct config cfg;
	struct dns dns;
	struct mail_err e;
	cli_load_config(&cfg, path);
	q.receiver = config_str(&cfg, CFG_HOSTNAME);
	if (dns_init(&dns, config_str(&cfg, CFG_RESOLVER), (int)config_num(&cfg, CFG_DNS_TIMEOUT) * 1000, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	struct spf_verdict v;
	spf_check(&dns, &q, &v);
	printf("%s\n", spf_result_name(v.result));
	if (v.result == SPF_FAIL && v.explanation.len)
		printf("explanation: %s\n", buf_cstr(&v.explanation));
	if (verbose)
		fprintf(stderr, "spf: %s identity %s: %s\n", v.identity, v.domain, v.reason);
	spf_verdict_free(&v);
	config_free(&cfg);
	return 0;
}
