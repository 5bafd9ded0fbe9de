/* config.c — `postbox config`: the effective configuration and its origins.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 * Prints `key = value   # origin` for every key (or the named ones; with
 * one KEY, just the value, for scripts). --keys prints a Markdown table.
 */
#include <stdio.h>
#include <string.h>

#include "applets.h"

static const char usage_text[] =
	"Usage: postbox config [-C FILE] [KEY...]\n"
	"       postbox config --keys\n"
	"Print the effective configuration: every key, its value and where the\n"
	"value came from (default, built-in, or FILE:LINE). With one KEY, print\n"
	"only its value. --keys lists every key, its default and its meaning.\n\n"
	"  -C FILE   configuration file (else $POSTBOX_CONFIG, else the built-in path)\n\n"
	"Exit: 0 printed, 64 usage or unknown key, 78 bad configuration.\n";

static int list_keys(void)
{
	printf("| key | default | meaning |\n| --- | --- | --- |\n");
	for (int k = 0; k < CFG_NKEYS; k++) {
		const char *def = config_key_default((enum config_key)k);
		printf("| `%s` | %s%s%s | %s |\n", config_key_name((enum config_key)k),
		       def && *def ? "`" : "", def ? (*def ? def : "(none)") : "(computed)",
		       def && *def ? "`" : "", config_key_help((enum config_key)k));
	}
	return 0;
}

int config_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	if (argc == 2 && !strcmp(argv[1], "--keys"))
		return list_keys();
	const char *path = NULL;
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "-C")) {
		path = argv[i + 1];
		i += 2;
	}
	if (i < argc && argv[i][0] == '-')
		die(EX_USAGE, "unknown option %s (see --help)", argv[i]);
	struct config cfg;
	cli_load_config(&cfg, path);
	if (argc - i == 1) {
		for (int k = 0; k < CFG_NKEYS; k++)
			if (!strcmp(config_key_name((enum config_key)k), argv[i])) {
				printf("%s\n", config_str(&cfg, (enum config_key)k));
				config_free(&cfg);
				return 0;
			}
		die(EX_USAGE, "unknown key \"%s\"", argv[i]);
	}
	printf("# configuration file: %s\n", cfg.path[0] ? cfg.path : "(none; built-in defaults)");
	for (int k = 0; k < CFG_NKEYS; k++) {
		const char *name = config_key_name((enum config_key)k);
		int wanted = argc == i;
		for (int j = i; j < argc && !wanted; j++)
			wanted = !strcmp(argv[j], name);
		if (wanted)
			printf("%s = %s\t# %s\n", name, config_str(&cfg, (enum config_key)k),
			       cfg.v[k].origin);
	}
	config_free(&cfg);
	return 0;
}
