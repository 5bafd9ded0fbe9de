/* pickup.c — move unprivileged users' submissions from incoming/ into the
 * queue (see libmail/pickup.h for the checks made).
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 * Run by root or the spool's owner, from cron or by the queue runner.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "auth/dkim_keyring.h"
#include "base/log.h"
#include "queue/pickup.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: postbox pickup [-C FILE]\n"
	"Move the messages that unprivileged users submitted (spool incoming/)\n"
	"into the queue, checking each as untrusted input.\n\n"
	"  -C FILE   configuration file\n\n"
	"Exit: 0 done (refused entries are moved to corrupt/ and logged); 64 usage;\n"
	"75 the queue could not take a message (it stays in incoming/); 77 not root\n"
	"or the spool's owner; 78 bad configuration.\n";

int pickup_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	const char *path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-C") && i + 1 < argc)
			path = argv[++i];
		else
			die(EX_USAGE, "unknown argument \"%s\" (see --help)", argv[i]);
	}
	struct config cfg;
	cli_load_config(&cfg, path);
	struct spool spool;
	struct mail_err e;
	if (spool_open(&spool, config_str(&cfg, CFG_SPOOL), 1, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	if (!spool_trusted(&spool, getuid()))
		die(EX_NOPERM, "only root or the owner of %s may run pickup", spool.dir);
	static struct dkim_keyring keys;
	cli_load_dkim_keys(&keys, &cfg);
	struct pickup_result res;
	int r = spool_pickup(&spool, &keys, config_str(&cfg, CFG_HOSTNAME), config_num(&cfg, CFG_MAX_MESSAGE_SIZE),
			     &res, &e);
	if (res.moved || res.refused)
		log_info(NULL, "pickup moved=%zu refused=%zu", res.moved, res.refused);
	dkim_keyring_free(&keys);
	spool_close(&spool);
	config_free(&cfg);
	if (r < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	return 0;
}
