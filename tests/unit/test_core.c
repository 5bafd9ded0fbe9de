/* Unit tests: buffers, errors, JSON, base64 and configuration. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/array.h"
#include "base/buf.h"
#include "base/config.h"
#include "base/file_replace.h"
#include "base/io.h"
#include "base/json.h"
#include "base/read_all.h"
#include "base/strpool.h"
#include "msg/mime.h"
#include "unit.h"

UNIT_TEST(buf_growth_and_limit)
{
	struct buf b;
	buf_init(&b, 10);
	CHECK(buf_adds(&b, "0123456789") == 0);
	CHECK(buf_addc(&b, 'x') < 0 && !buf_ok(&b));
	CHECK(buf_adds(&b, "") < 0); /* latched */
	buf_reset(&b);
	CHECK(buf_addf(&b, "%d-%s", 42, "ok") == 0);
	CHECK_STR(buf_cstr(&b), "42-ok");
	buf_consume(&b, 3);
	CHECK_STR(buf_cstr(&b), "ok");
	buf_free(&b);
	char small[4];
	CHECK(str_copy(small, sizeof small, "abc", 3) == 0);
	CHECK(str_copy(small, sizeof small, "abcd", 4) < 0 && !strcmp(small, "abc"));
}

/* Appends that fit in the room there is and appends that need more,
 * byte by byte and formatted, keep the same text and the same limit. */
UNIT_TEST(buf_append_in_room_and_past_it)
{
	struct buf b;
	buf_init(&b, 0);
	for (int i = 0; i < 200; i++)
		CHECK(buf_addc(&b, (char)('a' + i % 26)) == 0);
	CHECK(b.len == 200 && b.ptr[0] == 'a' && b.ptr[199] == 'r');
	buf_reset(&b);
	CHECK(buf_addf(&b, "%s", "short") == 0); /* fits the 256 bytes there are */
	CHECK(buf_addf(&b, "%0300d|", 7) == 0);  /* does not: grown, formatted again */
	CHECK(b.len == 5 + 301 && !memcmp(b.ptr, "short000", 8) && !memcmp(b.ptr + b.len - 3, "07|", 3));
	CHECK_STR(buf_cstr(&b), b.ptr);
	buf_free(&b);
	buf_init(&b, 8);
	CHECK(buf_addf(&b, "%s", "1234567") == 0);
	CHECK(buf_addc(&b, '8') == 0);
	CHECK(buf_addc(&b, '9') < 0 && b.len == 8);
	buf_reset(&b);
	CHECK(buf_addf(&b, "%s", "123456789") < 0 && !buf_ok(&b) && b.len == 0);
	buf_free(&b);
}

static void tick(int sig)
{
	(void)sig;
}

/* Two pieces into a pipe whose reader drains 1000 bytes at a time,
 * slower than the writer, while a timer interrupts the writer every
 * 200 µs (SA_RESTART: an interrupted writev returns what it wrote so
 * far): every byte arrives, in order, across the short writevs. */
UNIT_TEST(write_all2_short_writes)
{
	enum { NA = 150000, NB = 70001 };
	static char a[NA], b[NB], got[NA + NB + 1];
	for (size_t i = 0; i < NA; i++)
		a[i] = (char)('a' + i % 23);
	for (size_t i = 0; i < NB; i++)
		b[i] = (char)('A' + i % 19);
	int p[2], back[2];
	CHECK(pipe(p) == 0 && pipe(back) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[1]);
		close(back[0]);
		char chunk[1000];
		ssize_t r;
		while ((r = read(p[0], chunk, sizeof chunk)) > 0) {
			usleep(50);
			if (write_all(back[1], chunk, (size_t)r) < 0)
				_exit(1);
		}
		_exit(0);
	}
	close(p[0]);
	close(back[1]);
	/* the pipe back must not fill while we write: read it in a child of our own */
	pid_t collector = fork();
	if (collector == 0) {
		close(p[1]);
		size_t n = 0;
		ssize_t r;
		while ((r = read(back[0], got + n, sizeof got - n)) > 0)
			n += (size_t)r;
		_exit(n == NA + NB && !memcmp(got, a, NA) && !memcmp(got + NA, b, NB) ? 0 : 1);
	}
	close(back[0]);
	struct sigaction sa = { .sa_handler = tick, .sa_flags = SA_RESTART }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	struct itimerval every = { { 0, 200 }, { 0, 200 } }, off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &every, NULL);
	CHECK(write_all2(p[1], a, NA, b, NB) == 0);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	CHECK(write_all2(p[1], "", 0, "", 0) == 0);
	close(p[1]);
	int st1 = 0, st2 = 0;
	waitpid(pid, &st1, 0);
	waitpid(collector, &st2, 0);
	CHECK(WIFEXITED(st1) && WEXITSTATUS(st1) == 0);
	CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 0);
}

UNIT_TEST(err_sys_classes)
{
	struct mail_err e;
	errno = ENOSPC;
	CHECK(err_sys(&e, "spool") < 0);
	CHECK(e.smtp == 452 && !strcmp(e.status, "4.3.1") && e.ex == EX_TEMPFAIL);
	CHECK(strstr(e.msg, "spool: ") == e.msg);
	errno = EIO;
	err_sys(&e, "x");
	CHECK(e.smtp == 451 && !strcmp(e.status, "4.3.0"));
}

UNIT_TEST(json_strings_always_valid)
{
	struct buf b = BUF_INIT;
	json_string(&b, "a\"b\\c\n\x01\xff\xc3\xa9", 10);
	CHECK_STR(buf_cstr(&b), "\"a\\\"b\\\\c\\u000a\\u0001\\u00ff\xc3\xa9\"");
	buf_free(&b);
}

UNIT_TEST(base64_and_phrase)
{
	struct buf b = BUF_INIT;
	base64_encode(&b, "hello!?", 7);
	CHECK_STR(buf_cstr(&b), "aGVsbG8hPw==");
	struct buf d = BUF_INIT;
	CHECK(base64_decode(&d, b.ptr, b.len) == 0 && d.len == 7 && !memcmp(d.ptr, "hello!?", 7));
	CHECK(base64_decode(&d, "a=b=", 4) < 0);
	buf_reset(&b);
	mime_phrase(&b, "Jane Doe", 8);
	CHECK_STR(buf_cstr(&b), "Jane Doe");
	buf_reset(&b);
	mime_phrase(&b, "Doe, \"J\"", 8);
	CHECK_STR(buf_cstr(&b), "\"Doe, \\\"J\\\"\"");
	buf_reset(&b);
	mime_phrase(&b, "J\xc3\xb6rg", 5);
	CHECK_STR(buf_cstr(&b), "=?UTF-8?B?SsO2cmc=?=");
	buf_free(&b);
	buf_free(&d);
}

static const char *write_tmp(const char *text)
{
	static char path[64];
	snprintf(path, sizeof path, "/tmp/postbox-unit-%d.conf", (int)getpid());
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

UNIT_TEST(config_defaults_file_and_errors)
{
	struct config cfg;
	struct mail_err e;
	const char *path = write_tmp("# comment\n\nspool = /tmp/x y\nmax_message_size = 2M\nsmtp_port=2525\n");
	CHECK(config_load(&cfg, path, &e) == 0);
	CHECK_STR(config_str(&cfg, CFG_SPOOL), "/tmp/x y");
	CHECK(config_num(&cfg, CFG_MAX_MESSAGE_SIZE) == 2 * 1024 * 1024);
	CHECK(config_num(&cfg, CFG_SMTP_PORT) == 2525);
	CHECK(strstr(cfg.v[CFG_SPOOL].origin, ":3") != NULL);
	CHECK_STR(cfg.v[CFG_MAX_RECIPIENTS].origin, "default");
	CHECK(config_list_has(&cfg, CFG_RELAY_NETWORKS, "::1/128"));
	config_free(&cfg);

	path = write_tmp("spool = /x\ncolour = blue\n");
	CHECK(config_load(&cfg, path, &e) < 0 && e.ex == EX_CONFIG);
	CHECK(strstr(e.msg, ":2: unknown key") != NULL);
	config_free(&cfg);
	path = write_tmp("smtp_port = 70000\n");
	CHECK(config_load(&cfg, path, &e) < 0 && strstr(e.msg, ":1: bad value for smtp_port"));
	config_free(&cfg);
	path = write_tmp("just words\n");
	CHECK(config_load(&cfg, path, &e) < 0 && strstr(e.msg, "key = value"));
	config_free(&cfg);
	CHECK(config_load(&cfg, "/nonexistent/postbox.conf", &e) < 0 && e.ex == EX_CONFIG);
	config_free(&cfg);
	unlink(path);
}

UNIT_TEST(read_all_limits)
{
	struct buf b = BUF_INIT;
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789", 10) == 10);
	close(p[1]);
	CHECK(read_all(p[0], &b, 0) == READ_ALL_OK && b.len == 10);
	close(p[0]);
	buf_reset(&b);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789", 10) == 10);
	close(p[1]);
	CHECK(read_all(p[0], &b, 10) == READ_ALL_OK && b.len == 10);  /* exactly the limit */
	close(p[0]);
	buf_reset(&b);
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789", 10) == 10);
	close(p[1]);
	CHECK(read_all(p[0], &b, 9) == READ_ALL_TOOBIG);
	close(p[0]);
	buf_reset(&b);
	CHECK(read_all(-1, &b, 0) == READ_ALL_ERR && errno == EBADF);
	struct buf small;
	buf_init(&small, 4);  /* a buffer's own limit: EFBIG */
	CHECK(pipe(p) == 0);
	CHECK(write(p[1], "0123456789", 10) == 10);
	close(p[1]);
	CHECK(read_all(p[0], &small, 0) == READ_ALL_ERR && errno == EFBIG);
	close(p[0]);
	buf_free(&small);
	buf_free(&b);
}

UNIT_TEST(array_grow_doubles_and_refuses_a_size_that_would_overflow)
{
	size_t cap = 0;
	int *v = array_grow(NULL, &cap, sizeof *v, 4);
	CHECK(v != NULL && cap == 4);
	for (int i = 0; i < 4; i++)
		v[i] = i;
	int *w = array_grow(v, &cap, sizeof *w, 4);
	CHECK(w != NULL && cap == 8 && w[3] == 3);
	/* a doubling past SIZE_MAX bytes: refused, the array and cap kept */
	size_t huge = SIZE_MAX / 4;
	errno = 0;
	CHECK(array_grow(w, &huge, sizeof *w, 4) == NULL && errno == ENOMEM && huge == SIZE_MAX / 4);
	w[7] = 7;   /* still the caller's */
	free(w);
}

UNIT_TEST(strpool_keeps_every_string_until_freed)
{
	struct strpool p = STRPOOL_INIT;
	static char big[200000];
	memset(big, 'b', sizeof big - 1);
	char *v[5000];
	char want[32];
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(want, sizeof want, "1700000000.M%dP42.host", i);
		v[i] = strpool_dup(&p, want, (size_t)n);
		CHECK(v[i] != NULL);
		if (i == 2500)   /* one longer than a chunk, between the others */
			CHECK(strlen(strpool_dup(&p, big, sizeof big - 1)) == sizeof big - 1);
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(want, sizeof want, "1700000000.M%dP42.host", i);
		CHECK_STR(v[i], want);
	}
	CHECK(strcmp(strpool_dup(&p, "abc", 2), "ab") == 0);
	strpool_free(&p);
	CHECK(p.head == NULL);
	CHECK(strcmp(strpool_dup(&p, "again", 5), "again") == 0);
	strpool_free(&p);
}

/* Entries of dir other than "." and "..". */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

/* base/file_replace.h: the new bytes replace the old in one step; a writer
 * killed in the middle of its write (here by RLIMIT_FSIZE's SIGXFSZ, as
 * an OOM kill or a kill -9 would) leaves the old file as it was and no
 * temporary file beside it (a named one, postbox-index.PID.tmp of 8 MB
 * for a large folder, stayed for good before). */
UNIT_TEST(file_replace_whole_or_nothing)
{
	char dir[] = "/tmp/unit-replace.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	struct iovec two[2] = { { "old ", 4 }, { "index", 5 } };
	CHECK(file_replace(dfd, "idx", two, 2) == 0);
	char path[64], got[64] = "";
	snprintf(path, sizeof path, "%s/idx", dir);
	struct stat st;
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_size == 9);
	int fd = open(path, O_RDONLY);
	CHECK(fd >= 0 && read(fd, got, sizeof got) == 9 && memcmp(got, "old index", 9) == 0);
	close(fd);
	CHECK(entries(dir) == 1);

	static char big[1 << 20];
	memset(big, 'x', sizeof big);
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 65536, 65536 };
		signal(SIGXFSZ, SIG_DFL);
		setrlimit(RLIMIT_FSIZE, &rl);
		struct iovec one = { big, sizeof big };
		file_replace(dfd, "idx", &one, 1);
		_exit(0);   /* not reached: SIGXFSZ ends the write */
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ);
	CHECK(stat(path, &st) == 0 && st.st_size == 9);
	CHECK(entries(dir) == 1);

	/* A directory it cannot write to: -1 with errno, the file untouched. */
	CHECK(file_replace(-1, "idx", two, 2) == -1 && errno == EBADF);
	unlink(path);
	close(dfd);
	rmdir(dir);
}
