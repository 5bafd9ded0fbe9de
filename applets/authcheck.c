/* authcheck.c — `postbox authcheck`: the Authentication-Results field
 * (RFC 8601) that smtpd's checks give a message: SPF (RFC 7208) for the
 * client address and sender, every DKIM signature (RFC 6376), DMARC
 * (RFC 7489) for the From: domain.
 *
 * Usage: postbox authcheck [-C FILE] -i IP [-h HELO] -s SENDER < message
 *
 * SPF checks HELO beside a non-null SENDER when it is a domain name
 * (RFC 7208 §2.3), as smtpd does, and SENDER "" is the null sender
 * (postmaster@HELO, §2.4). The DNS is the
 * `resolver` key's, within `dns_timeout`; the authserv-id is `hostname`;
 * organizational domains come from the Public Suffix List of Debian's
 * publicsuffix package.
 *
 * Exit codes: 0 printed; 64 usage; 65 the header section is over 1 MiB;
 * 74 the message cannot be read; 78 bad configuration or no suffix list.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth_results.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: postbox authcheck [-C FILE] -i IP [-h HELO] -s SENDER < message\n"
	"Print the Authentication-Results field (RFC 8601) for a message: SPF for\n"
	"the client IP and SENDER (\"\" is the null sender: HELO is checked) and\n"
	"for HELO when it is a domain name, every DKIM signature, DMARC for the\n"
	"From: domain.\n\n"
	"  -C FILE     configuration file (hostname, resolver, dns_timeout)\n"
	"  -i IP       the client's address\n"
	"  -h HELO     the client's HELO/EHLO name\n"
	"  -s SENDER   the MAIL FROM address\n\n"
	"Exit: 0 printed, 64 usage, 65 header section over 1 MiB, 74 read error,\n"
	"78 bad configuration.\n";

int authcheck_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	const char *path = NULL, *ip = NULL, *helo = "", *sender = NULL;
	int c;
	while ((c = getopt(argc, argv, "C:i:h:s:")) != -1) {
		switch (c) {
		case 'C': path = optarg; break;
		case 'i': ip = optarg; break;
		case 'h': helo = optarg; break;
		case 's': sender = optarg; break;
		default: die(EX_USAGE, "see --help");
		}
	}
	if (!ip || !sender || optind != argc)
		die(EX_USAGE, "usage: postbox authcheck [-C FILE] -i IP [-h HELO] -s SENDER < message");
	static struct auth_check chk;
	static struct auth_helo helo_verdict;
	chk.helo = &helo_verdict;
	chk.spf.helo = helo;
	chk.spf.sender = sender;
	if (inet_pton(AF_INET, ip, chk.spf.ip) == 1)
		chk.spf.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, chk.spf.ip) == 1)
		chk.spf.family = AF_INET6;
	else
		die(EX_USAGE, "\"%s\" is not an IPv4 or IPv6 address", ip);
	if (!sender[0] && !helo[0])
		die(EX_USAGE, "the null sender is checked by its HELO name: give -h HELO");
	struct config cfg;
	struct dns dns;
	struct psl psl;
	struct mail_err e;
	err_clear(&e);
	cli_load_config(&cfg, path);
	if (dns_init(&dns, config_str(&cfg, CFG_RESOLVER), (int)config_num(&cfg, CFG_DNS_TIMEOUT) * 1000, &e) < 0 ||
	    psl_load(&psl, PSL_DEFAULT_PATH, &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
	chk.dns = &dns;
	chk.psl = &psl;
	chk.authserv_id = config_str(&cfg, CFG_HOSTNAME);
	chk.spf.receiver = chk.authserv_id;
	if (auth_check_fd(&chk, 0, &e) < 0)
		die(e.ex, "%s", e.msg);
	struct buf field = BUF_INIT;
	auth_results_header(&chk, &field);
	fwrite(field.ptr, 1, field.len, stdout);
	buf_free(&field);
	auth_check_free(&chk);
	auth_helo_free(&helo_verdict);
	psl_free(&psl);
	config_free(&cfg);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
