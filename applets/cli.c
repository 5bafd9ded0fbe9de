/* cli.c — die/warn, configuration loading and --help for every applet. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_keyring.h"
#include "base/log.h"
#include "applets.h"

static const char *program = "postbox";

void cli_init(const char *applet)
{
	program = applet;
	log_open(applet);
}

const char *cli_name(void)
{
	return program;
}

static void say(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", program, level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void say_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("error", fmt, ap);
	va_end(ap);
}

void warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	say("warning", fmt, ap);
	va_end(ap);
}

void cli_load_config(struct config *cfg, const char *path)
{
	struct mail_err e;
	err_clear(&e);
	if (config_load(cfg, path, &e) < 0)
		die(e.ex ? e.ex : EX_CONFIG, "%s", e.msg);
}

void cli_load_dkim_keys(struct dkim_keyring *kr, const struct config *cfg)
{
	struct mail_err e;
	err_clear(&e);
	if (dkim_keyring_load(kr, config_str(cfg, CFG_DKIM_KEYS), &e) < 0)
		die(EX_CONFIG, "%s", e.msg);
}

void cli_help_version(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return;
		if (!strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			exit(0);
		}
		if (!strcmp(argv[i], "--version")) {
			printf("%s (postbox) %s\n", program, POSTBOX_VERSION);
			exit(0);
		}
	}
}

void cli_warn_text(void *ctx, const char *text)
{
	(void)ctx;
	warn("%s", text);
}
