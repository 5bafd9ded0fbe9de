/* applets.h — the applets of the postbox binary and their shared CLI glue.
 *
 * The table itself lives in main.c, sorted by name; --list, --install and
 * the top-level help are generated from it.
 */
#ifndef POSTBOX_APPLETS_H
#define POSTBOX_APPLETS_H

#include <stdlib.h>
#include <sys/types.h>

#include "base/config.h"

#ifndef POSTBOX_VERSION
#define POSTBOX_VERSION "0.1.0"
#endif

/* Exit code for an unknown applet name (documented in the README). */
#define EXIT_UNKNOWN_APPLET EX_USAGE

int authcheck_main(int argc, char **argv);
int config_main(int argc, char **argv);
int deliver_main(int argc, char **argv);
int dkim_main(int argc, char **argv);
int imapd_main(int argc, char **argv);
int mailq_main(int argc, char **argv);
int passwd_main(int argc, char **argv);
int pickup_main(int argc, char **argv);
int pop3d_main(int argc, char **argv);
int runq_main(int argc, char **argv);
int sendmail_main(int argc, char **argv);
int smtp_chat_main(int argc, char **argv);
int smtpd_main(int argc, char **argv);
int spf_main(int argc, char **argv);

/* --- cli.c: what every applet needs at its edge --- */

/* Name the program for messages and logs. */
void cli_init(const char *applet);
const char *cli_name(void);
/* "APPLET: error: ..." on stderr and exit with a sysexits code. A macro
 * around exit() so that every reader (and analyser) sees it ends here. */
#define die(ex, ...) (say_error(__VA_ARGS__), exit(ex))
void say_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warn() for a library's callback that tells a problem as text. */
void cli_warn_text(void *ctx, const char *text);
/* Load the configuration (-C path, $POSTBOX_CONFIG, default) or die. */
void cli_load_config(struct config *cfg, const char *path);
/* Read the dkim_keys file and every key in it, or die with EX_CONFIG
 * naming the file, the line and the cause (an empty keyring without the
 * key). Call before privileges are dropped. */
struct dkim_keyring;
void cli_load_dkim_keys(struct dkim_keyring *kr, const struct config *cfg);
/* Print the usage text to stdout and exit 0 when argv[1] is --help or
 * --version; call first thing. */
void cli_help_version(int argc, char **argv, const char *usage);

/* --- run_progress.c: a queue run's one-line display on a terminal --- */

struct tally;
struct run_progress {
	struct tally *tally;
	pid_t pid;               /* the drawing process, or -1 */
	int watch;               /* closed when the run is over */
};
/* The tally to hand to queue_run, with a process drawing it, when stdout
 * is a terminal; NULL (no display) otherwise. */
struct tally *run_progress_start(struct run_progress *p);
/* Draw the final line and end the display (nothing if none was started). */
void run_progress_stop(struct run_progress *p);

#endif
