/* Unit tests: mbox escaping, command splitting, message reading and loops. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "local/program.h"
#include "local/delivery.h"
#include "store/maildir.h"
#include "store/maildirsize.h"
#include "store/mbox.h"
#include "unit.h"

UNIT_TEST(mbox_escape_mboxrd)
{
	struct buf b = BUF_INIT;
	int bol = 1;
	const char *in = "From a\n>From b\n>>From c\nFrom\nFromage\n x From y\n>From";
	CHECK(mbox_escape(&b, in, strlen(in), &bol) == 0);
	CHECK_STR(buf_cstr(&b), ">From a\n>>From b\n>>>From c\nFrom\nFromage\n x From y\n>From");
	CHECK(bol == 0);
	/* a second part continues the line state */
	buf_reset(&b);
	bol = 0;
	CHECK(mbox_escape(&b, "From x\nFrom y\n", 14, &bol) == 0);
	CHECK_STR(buf_cstr(&b), "From x\n>From y\n");
	CHECK(bol == 1);
	buf_free(&b);
}

UNIT_TEST(command_split_words)
{
	char **argv;
	struct mail_err e;
	CHECK(command_split("/bin/x a  'b c' \"d \\\"e\\\\\" f\\ g $HOME;rm `x`", &argv, &e) == 0);
	CHECK_STR(argv[0], "/bin/x");
	CHECK_STR(argv[1], "a");
	CHECK_STR(argv[2], "b c");
	CHECK_STR(argv[3], "d \"e\\");
	CHECK_STR(argv[4], "f g");
	CHECK_STR(argv[5], "$HOME;rm");
	CHECK_STR(argv[6], "`x`");
	CHECK(argv[7] == NULL);
	free(argv);
	CHECK(command_split("relative arg", &argv, &e) < 0 && strstr(e.msg, "absolute"));
	CHECK(command_split("/bin/x 'open", &argv, &e) < 0 && strstr(e.msg, "unterminated"));
	CHECK(command_split("   ", &argv, &e) < 0);
	char many[400] = "/bin/x";
	for (int i = 0; i < 70; i++)
		memcpy(many + 6 + 2 * i, " a", 3);
	CHECK(command_split(many, &argv, &e) < 0 && strstr(e.msg, "words"));
}

UNIT_TEST(command_run_results)
{
	struct mail_err e;
	char *ok[] = { "/bin/sh", "-c", "cat >/dev/null", NULL };
	struct iovec parts[2] = { { "a\n", 2 }, { "b\n", 2 } };
	CHECK(command_run(ok, NULL, parts, 2, (uid_t)-1, (gid_t)-1, 5, &e) == 0);
	char *tf[] = { "/bin/sh", "-c", "echo busy >&2; exit 75", NULL };
	CHECK(command_run(tf, NULL, parts, 2, (uid_t)-1, (gid_t)-1, 5, &e) < 0);
	CHECK(e.ex == 75 && strstr(e.msg, "busy"));
	char *perm[] = { "/bin/sh", "-c", "exit 3", NULL };
	CHECK(command_run(perm, NULL, parts, 2, (uid_t)-1, (gid_t)-1, 5, &e) < 0 && e.ex == EX_UNAVAILABLE);
	char *nouser[] = { "/bin/sh", "-c", "exit 67", NULL };
	CHECK(command_run(nouser, NULL, parts, 2, (uid_t)-1, (gid_t)-1, 5, &e) < 0 && e.ex == 67);
	char *missing[] = { "/nonexistent/prog", NULL };
	CHECK(command_run(missing, NULL, parts, 2, (uid_t)-1, (gid_t)-1, 5, &e) < 0 && e.ex == EX_UNAVAILABLE);
	/* exits without reading: still accepted */
	char *noread[] = { "/bin/true", NULL };
	static char big[1 << 20];
	memset(big, 'x', sizeof big);
	struct iovec bp[1] = { { big, sizeof big } };
	CHECK(command_run(noread, NULL, bp, 1, (uid_t)-1, (gid_t)-1, 5, &e) == 0);
}

static int pipe_with(const char *s)
{
	int fds[2];
	if (pipe(fds) < 0)
		return -1;
	if (write(fds[1], s, strlen(s)) != (ssize_t)strlen(s))
		return -1;
	close(fds[1]);
	return fds[0];
}

UNIT_TEST(message_read_normalises)
{
	struct buf m = BUF_INIT;
	struct mail_err e;
	char pm[100];
	int fd = pipe_with("From joe@x Sat Jan 1\r\nSubject: a\r\n\r\nbody\rcr\r\n");
	CHECK(message_read(fd, 0, &m, pm, sizeof pm, &e) == 0);
	close(fd);
	CHECK(m.len == 20 && !memcmp(m.ptr, "Subject: a\n\nbody\rcr\n", 20));
	CHECK_STR(pm, "joe@x");
	fd = pipe_with("a\nb");
	CHECK(message_read(fd, 2, &m, NULL, 0, &e) < 0 && e.ex == EX_DATAERR && e.smtp == 552);
	close(fd);
	buf_free(&m);
}

UNIT_TEST(message_loops)
{
	struct mail_err e;
	const char *m = "Received: a\nDelivered-To: <Ann@X.org> \nReceived: b\n\nDelivered-To: body@x\n";
	CHECK(message_check_loop(m, strlen(m), "ann@x.org", 10, &e) < 0 && !strcmp(e.status, "5.4.6"));
	CHECK(message_check_loop(m, strlen(m), "bob@x.org", 10, &e) == 0);
	CHECK(message_check_loop(m, strlen(m), "body@x", 10, &e) == 0); /* only headers count */
	CHECK(message_check_loop(m, strlen(m), "bob@x.org", 1, &e) < 0 && strstr(e.msg, "2 Received"));
}

UNIT_TEST(maildir_folder_names)
{
	CHECK(maildir_folder_valid("Lists"));
	CHECK(maildir_folder_valid("Lists.postbox-dev"));
	CHECK(!maildir_folder_valid(""));
	CHECK(!maildir_folder_valid(".x"));
	CHECK(!maildir_folder_valid("x."));
	CHECK(!maildir_folder_valid("a..b"));
	CHECK(!maildir_folder_valid("a/b"));
	CHECK(!maildir_folder_valid("a\nb"));
}

/* --- maildirsize (libmail/store/maildirsize.c) ------------------------------- */

static int mds(const char *s, long long *q, long long *b, long long *c)
{
	return maildirsize_parse(s, strlen(s), q, b, c);
}

UNIT_TEST(maildirsize_parse_lines)
{
	long long q, b, c;
	CHECK(mds("1048576S\n", &q, &b, &c) == 0 && q == 1048576 && b == 0 && c == 0);
	CHECK(mds("1048576S,1000C\n100 1\n  -40   -1 \n", &q, &b, &c) == 0);
	CHECK(q == 1048576 && b == 60 && c == 0);
	CHECK(mds("1000C\n5 1\n", &q, &b, &c) == 0 && q == -1 && b == 5 && c == 1);
	CHECK(mds("2048S\n10 1\n20", &q, &b, &c) < 0);   /* torn last line */
	CHECK(mds("2048S", &q, &b, &c) < 0);             /* no newline at all */
	CHECK(mds("2048X\n", &q, &b, &c) < 0);
	CHECK(mds("-5S\n", &q, &b, &c) < 0);
	CHECK(mds("2048S,\n", &q, &b, &c) < 0);
	CHECK(mds("2048S\n\n", &q, &b, &c) < 0);
	CHECK(mds("2048S\n10\n", &q, &b, &c) < 0);
	CHECK(mds("2048S\n10 1 2\n", &q, &b, &c) < 0);
	CHECK(mds("2048S\nx 1\n", &q, &b, &c) < 0);
	CHECK(mds("99999999999999999999S\n", &q, &b, &c) < 0);
}
