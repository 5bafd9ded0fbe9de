/* main.c — postbox: one binary, many applets (the busybox model).
 *
 * Usage and exit codes: usage() below, which --help prints.
 * The applet is basename(argv[0]) when that names one (a "postbox-"
 * prefix is allowed, so that a package can install links such as
 * postbox-smtpd that clash with no other program), else argv[1].
 * --libs prints the sonames of the libraries postbox loads with dlopen
 * (base/lazylib.h), one a line: the dependencies packagers declare.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/lazylib.h"
#include "applets.h"

struct applet {
	const char *name;
	int (*main)(int argc, char **argv);
	int link;                /* installed as a link by --install */
	unsigned libs;           /* loaded before it starts (lazylib.h): the ones
				  * it always uses, and smtp-chat's before its
				  * threads; the others load where they are used */
	const char *summary;
};

/* Sorted by name. */
static const struct applet applets[] = {
	{ "authcheck", authcheck_main, 0, 0, "the Authentication-Results (SPF, DKIM, DMARC) smtpd would add to a message" },
	{ "config", config_main, 0, 0, "print the effective configuration" },
	{ "deliver", deliver_main, 1, 0, "deliver one message into a Maildir, an mbox or a program" },
	{ "dkim", dkim_main, 0, LAZYLIB_OPENSSL, "DKIM: sign a message, verify its signatures, make keys" },
	{ "imapd", imapd_main, 1, 0, "IMAP server for the users' Maildirs and their folders" },
	{ "mailq", mailq_main, 1, 0, "list the mail queue (text or JSON)" },
	{ "passwd", passwd_main, 0, LAZYLIB_CRYPT, "make a password hash for the users file" },
	{ "pickup", pickup_main, 0, 0, "move users' submissions from incoming/ into the queue" },
	{ "pop3d", pop3d_main, 1, 0, "POP3 server for the users' Maildirs" },
	{ "runq", runq_main, 1, LAZYLIB_OPENSSL | LAZYLIB_LDNS, "run the mail queue now (sendmail -q)" },
	{ "sendmail", sendmail_main, 1, 0, "submit a message (sendmail-compatible)" },
	{ "smtp-chat", smtp_chat_main, 1, LAZYLIB_OPENSSL | LAZYLIB_LDNS, "scripted SMTP client, probes and load generator" },
	{ "smtpd", smtpd_main, 1, 0, "ESMTP server: inetd or standalone, MTA and submission" },
	{ "spf", spf_main, 0, LAZYLIB_LDNS, "SPF verdict (RFC 7208) for a client address and sender" },
};
#define NAPPLETS (sizeof applets / sizeof applets[0])

static const struct applet *find_applet(const char *name)
{
	for (size_t i = 0; i < NAPPLETS; i++)
		if (!strcmp(applets[i].name, name))
			return &applets[i];
	return NULL;
}

static void list_applets(FILE *f, int with_summary)
{
	for (size_t i = 0; i < NAPPLETS; i++) {
		if (with_summary < 0 && !applets[i].link)
			continue;
		if (with_summary > 0)
			fprintf(f, "  %-10s %s\n", applets[i].name, applets[i].summary);
		else
			fprintf(f, "%s\n", applets[i].name);
	}
}

static void usage(FILE *f)
{
	fprintf(f, "postbox %s — a complete mail system in one binary\n\n"
		   "Usage: postbox APPLET [ARGS...]   (or APPLET [ARGS...] through a link)\n"
		   "       postbox --list | --list-links | --install [--force] DIR | --libs\n"
		   "       postbox --help | -h | --version\n\n"
		   "  --list        the applets, one per line\n"
		   "  --list-links  the applets that --install links\n"
		   "  --install     link DIR/APPLET to this binary for each of them (--force\n"
		   "                replaces files that are not such links)\n"
		   "  --libs        the libraries postbox loads when needed (dlopen), one\n"
		   "                soname a line: its dependencies, for packagers\n\n"
		   "Applets:\n",
		POSTBOX_VERSION);
	list_applets(f, 1);
	fprintf(f, "\nEach applet answers --help. Links named after an applet run it.\n"
		   "Exit: the applet's own; 64 an unknown applet; 71 a library the applet needs\n"
		   "cannot be loaded; 73 --install cannot make a link.\n");
}

/* Link DIR/NAME to our own binary for every linkable applet. A file that is
 * not already such a link is left alone unless force is set. */
static int install_links(const char *dir, int force)
{
	char self[PATH_MAX], path[PATH_MAX], target[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n < 0 || n >= (ssize_t)sizeof self - 1)
		die(EX_OSERR, "/proc/self/exe: %s", n < 0 ? strerror(errno) : "path too long");
	self[n] = '\0';
	int failed = 0;
	for (size_t i = 0; i < NAPPLETS; i++) {
		if (!applets[i].link)
			continue;
		int len = snprintf(path, sizeof path, "%s/%s", dir, applets[i].name);
		if (len < 0 || (size_t)len >= sizeof path)
			die(EX_USAGE, "%s: path too long", dir);
		struct stat st;
		if (lstat(path, &st) == 0) {
			ssize_t t = S_ISLNK(st.st_mode) ? readlink(path, target, sizeof target - 1) : -1;
			int ours = t >= 0 && (target[t] = '\0', !strcmp(target, self));
			if (!ours && !force) {
				warn("%s exists and is not a link to %s; not replaced (use --force)", path, self);
				failed = 1;
				continue;
			}
			if (unlink(path) < 0) {
				warn("%s: %s", path, strerror(errno));
				failed = 1;
				continue;
			}
		}
		if (symlink(self, path) < 0) {
			warn("%s: %s", path, strerror(errno));
			failed = 1;
		}
	}
	return failed ? EX_CANTCREAT : 0;
}

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	base = base ? base + 1 : (argc > 0 ? argv[0] : "postbox");
	if (!strncmp(base, "postbox-", 8))
		base += 8;
	const struct applet *a = find_applet(base);
	if (!a) {
		if (argc < 2) {
			usage(stderr);
			return EXIT_UNKNOWN_APPLET;
		}
		const char *arg = argv[1];
		cli_init("postbox");
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(arg, "--version")) {
			printf("postbox %s\n", POSTBOX_VERSION);
			return 0;
		}
		if (!strcmp(arg, "--list")) {
			list_applets(stdout, 0);
			return 0;
		}
		if (!strcmp(arg, "--list-links")) {
			list_applets(stdout, -1); /* what --install links; for make install */
			return 0;
		}
		if (!strcmp(arg, "--libs")) {
			static const unsigned libs[] = { LAZYLIB_OPENSSL, LAZYLIB_LDNS, LAZYLIB_CRYPT };
			for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++)
				printf("%s\n", lazylib_soname(libs[i]));
			return 0;
		}
		if (!strcmp(arg, "--install")) {
			int force = argc > 2 && !strcmp(argv[2], "--force");
			if (argc != 3 + force)
				die(EX_USAGE, "usage: postbox --install [--force] DIR");
			return install_links(argv[2 + force], force);
		}
		a = find_applet(arg);
		if (!a) {
			fprintf(stderr, "postbox: unknown applet \"%s\"; the applets are:\n", arg);
			list_applets(stderr, 1);
			return EXIT_UNKNOWN_APPLET;
		}
		argc--;
		argv++;
	}
	cli_init(a->name);
	/* A write past RLIMIT_FSIZE (ulimit -f) must fail with EFBIG, which
	 * every writer handles as a temporary failure and cleans up after,
	 * not kill us by SIGXFSZ mid-file and mid-reply. */
	signal(SIGXFSZ, SIG_IGN);
	struct mail_err e;
	if (a->libs && lazylib_load(a->libs, &e) < 0)
		die(EX_OSERR, "%s", e.msg);
	return a->main(argc, argv);
}
