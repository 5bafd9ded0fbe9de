/* passwd.c — make a password hash for the users file (users.h).
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 *
 * Reads the password from the terminal with echo off (asked twice), or, when
 * stdin is not a terminal, as the first line of stdin — never from argv,
 * where any user could read it in ps. Prints one crypt(3) hash made with a
 * fresh salt from crypt_gensalt: yescrypt ($y$, the default) or
 * SHA-512-crypt ($6$), ready for ADDRESS:HASH:MAILBOX. Not installed as a
 * link (the name would shadow the system's passwd); run it as
 * `postbox passwd`.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "base/io.h"
#include "store/users.h"
#include "applets.h"

#define PASSWORD_MAX 1024

static const char usage_text[] =
	"Usage: postbox passwd [-m yescrypt|sha512] [-C FILE]\n"
	"Print a crypt(3) password hash for the users file.\n\n"
	"The password is read from the terminal with echo off (twice), or as the\n"
	"first line of stdin when that is not a terminal.\n\n"
	"  -m METHOD   yescrypt (default) or sha512\n"
	"  -C FILE     configuration file\n\n"
	"Exit: 0 printed; 64 usage; 65 empty password, passwords that differ, or a\n"
	"line longer than 1024 bytes; 70 crypt failed; 74 cannot read the terminal\n"
	"or stdin.\n";

/* One line from fd (without its newline); -1 on error, -2 when too long. */
static int read_line(int fd, char *out, size_t cap)
{
	size_t n = 0;
	for (;;) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= cap)
			return -2;
		out[n++] = c;
	}
	if (n && out[n - 1] == '\r')
		n--;
	out[n] = '\0';
	return (int)n;
}

static int prompt(int tty, const char *text, char *out, size_t cap)
{
	struct termios old, quiet;
	if (tcgetattr(tty, &old) < 0)
		return -1;
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write_all(tty, text, strlen(text)) < 0 || tcsetattr(tty, TCSAFLUSH, &quiet) < 0)
		return -1;
	int n = read_line(tty, out, cap);
	tcsetattr(tty, TCSAFLUSH, &old);
	write_all(tty, "\n", 1);
	return n;
}

int passwd_main(int argc, char **argv)
{
	cli_help_version(argc, argv, usage_text);
	const char *method = NULL;
	int c;
	while ((c = getopt(argc, argv, "m:C:")) != -1) {
		if (c == 'm')
			method = optarg;
		else if (c != 'C')
			die(EX_USAGE, "usage: postbox passwd [-m yescrypt|sha512]");
	}
	if (optind != argc)
		die(EX_USAGE, "the password is read from the terminal or stdin, never from arguments");
	if (method && strcmp(method, "yescrypt") && strcmp(method, "sha512"))
		die(EX_USAGE, "-m: unknown method \"%s\" (yescrypt or sha512)", method);

	char pw[PASSWORD_MAX + 1], again[PASSWORD_MAX + 1];
	int n;
	if (isatty(0)) {
		int tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
		if (tty < 0)
			tty = 0;
		n = prompt(tty, "Password: ", pw, sizeof pw);
		if (n >= 0) {
			int m = prompt(tty, "Again: ", again, sizeof again);
			if (m < 0 || strcmp(pw, again)) {
				explicit_bzero(pw, sizeof pw);
				explicit_bzero(again, sizeof again);
				die(EX_DATAERR, "the passwords differ");
			}
		}
		if (tty > 0)
			close(tty);
	} else {
		n = read_line(0, pw, sizeof pw);
	}
	explicit_bzero(again, sizeof again);
	if (n == -2)
		die(EX_DATAERR, "password longer than %d bytes", PASSWORD_MAX);
	if (n < 0)
		die(EX_IOERR, "cannot read the password: %s", strerror(errno));
	if (n == 0)
		die(EX_DATAERR, "empty password");

	char hash[CRYPT_OUTPUT_SIZE];
	struct mail_err e;
	err_clear(&e);
	int rc = users_hash_password(pw, method, hash, sizeof hash, &e);
	explicit_bzero(pw, sizeof pw);
	if (rc < 0)
		die(EX_SOFTWARE, "%s", e.msg);
	printf("%s\n", hash);
	return fflush(stdout) == 0 ? 0 : EX_IOERR;
}
