/* mailq.c — list the mail queue, as `mailq` and `sendmail -bp` do.
 *
 * Usage: mailq [-C FILE] [--json]
 *
 * Text output follows Postfix's listing: queue id (with "!" when held),
 * size, arrival time and sender, then each pending recipient beneath with
 * its last error in parentheses; a closing "-- N Kbytes in M Requests."
 * line, or "Mail queue is empty". --json prints one object per message
 * with the field names of Postfix's `postqueue -j`.
 *
 * A user who is neither root nor the spool's owner sees only the messages
 * they submitted. Entries whose envelope cannot be parsed are moved to
 * corrupt/ (when permitted) and reported on stderr.
 *
 * Exit codes: 0 listed; 64 bad usage; 75 the spool cannot be read;
 * 78 bad configuration.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../libmail/json.h"
#include "../libmail/log.h"
#include "../libmail/spool.h"
#include "applets.h"

static const char usage_text[] =
	"Usage: mailq [-C FILE] [--json]\n"
	"List the messages in the postbox queue.\n\n"
	"  --json     one JSON object per message (Postfix postqueue -j fields)\n"
	"  -C FILE    configuration file\n";

static const char *queue_name(const struct envelope *env)
{
	if (env->held)
		return "hold";
	for (size_t i = 0; i < env->nrcpt; i++)
		if (env->rcpt[i].state == RCPT_DEFERRED)
			return "deferred";
	return "active";
}

static void print_json(const struct envelope *env)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"queue_name\":");
	json_cstring(&b, queue_name(env));
	buf_adds(&b, ",\"queue_id\":");
	json_cstring(&b, env->id);
	buf_addf(&b, ",\"arrival_time\":%lld,\"message_size\":%lld,\"forced_expire\":false,\"sender\":",
		 env->arrival, env->size);
	json_cstring(&b, env->sender);
	buf_adds(&b, ",\"recipients\":[");
	const char *sep = "";
	for (size_t i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];
		if (!rcpt_pending(r))
			continue;
		buf_addf(&b, "%s{\"address\":", sep);
		json_cstring(&b, r->addr);
		if (r->error[0]) {
			buf_adds(&b, ",\"delay_reason\":");
			json_cstring(&b, r->error);
		}
		buf_addc(&b, '}');
		sep = ",";
	}
	buf_adds(&b, "]}\n");
	fwrite(b.ptr, 1, b.len, stdout);
	buf_free(&b);
}

/* An error text for the listing: spaces kept, control bytes as \xHH. */
static char *printable(char *out, size_t cap, const char *s)
{
	size_t o = 0;
	for (; *s && o + 5 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

static void print_text(const struct envelope *env)
{
	char when[64], shown[ADDR_TEXT_MAX * 4 + 1], why[ENV_ERROR_MAX * 4 + 1];
	time_t t = (time_t)env->arrival;
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(when, sizeof when, "%a %b %e %H:%M:%S", &tm);
	log_value(shown, sizeof shown, env->sender, strlen(env->sender));
	printf("%-24s%c %8lld %s  %s\n", env->id, env->held ? '!' : ' ', env->size, when,
	       env->sender[0] ? shown : "MAILER-DAEMON");
	for (size_t i = 0; i < env->nrcpt; i++) {
		const struct rcpt *r = &env->rcpt[i];
		if (!rcpt_pending(r))
			continue;
		if (r->error[0])
			printf("%58s(%s)\n", "", printable(why, sizeof why, r->error));
		printf("%58s%s\n", "", log_value(shown, sizeof shown, r->addr, strlen(r->addr)));
	}
	printf("\n");
}

int mailq_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	const char *path = NULL;
	int json = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			json = 1;
		else if (!strcmp(argv[i], "-C") && i + 1 < argc)
			path = argv[++i];
		else
			die(EX_USAGE, "unknown argument \"%s\" (see --help)", argv[i]);
	}
	struct config cfg;
	cli_load_config(&cfg, path);
	const char *dir = config_str(&cfg, CFG_SPOOL);
	struct spool spool;
	struct mail_err e;
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT) {
		if (!json)
			printf("Mail queue is empty\n");
		config_free(&cfg);
		return 0;
	}
	if (spool_open(&spool, dir, 0, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	uid_t uid = getuid();
	int sees_all = uid == 0 || st.st_uid == uid;

	char **ids;
	size_t n;
	if (spool_list(&spool, &ids, &n, &e) < 0)
		die(EX_TEMPFAIL, "%s", e.msg);
	long long total = 0;
	size_t shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct envelope env;
		if (spool_read_envelope(&spool, ids[i], &env, &e) < 0) {
			if (e.sys == ENOENT)
				continue; /* delivered while we looked */
			if (sees_all && e.ex == EX_DATAERR &&
			    spool_quarantine(&spool, ids[i], e.msg, NULL) == 0)
				warn("%s: %s; moved to %s/corrupt", ids[i], e.msg, dir);
			else
				warn("%s: %s", ids[i], e.msg);
			continue;
		}
		if (sees_all || env.uid == (long long)uid) {
			if (!json && shown == 0)
				printf("%-24s  %8s %-20s  %s\n", "-Queue ID-", "--Size--",
				       "----Arrival Time----", "-Sender/Recipient-------");
			if (json)
				print_json(&env);
			else
				print_text(&env);
			total += env.size;
			shown++;
		}
		envelope_free(&env);
	}
	if (!json) {
		if (shown == 0)
			printf("Mail queue is empty\n");
		else
			printf("-- %lld Kbytes in %zu Request%s.\n", (total + 1023) / 1024, shown,
			       shown == 1 ? "" : "s");
	}
	spool_ids_free(ids, n);
	spool_close(&spool);
	config_free(&cfg);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
