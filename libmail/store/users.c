/* users.c — the users file; see users.h. */
#include "store/users.h"

#include "base/read_all.h"
#include "base/lazy_crypt.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg/addr.h"
#include "base/buf.h"

/* A yescrypt hash of a random string, verified when the user is unknown so
 * that the answer takes as long as for a real user. Used only when the file
 * has no user who may log in (then there is no real algorithm to imitate). */
static const char dummy_hash[] =
	"$y$j9T$nuk6sUeeX18g45Iz4vWt4.$k5qcj4mCZ6kNHkLLRiJ3a7kquiun1ZKZ9ibzgJT4HV2";

static int cmp_user(const void *a, const void *b)
{
	const struct user *x = a, *y = b;
	int c = strcasecmp(x->address, y->address);
	return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* "local@domain" or "@domain", plain ASCII/UTF-8, no spaces. */
static int valid_address(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > ADDR_TEXT_MAX)
		return 0;
	struct mail_err e;
	if (s[0] == '@') {
		if (n == 1 || strpbrk(s + 1, "@ \t<>()[],;\"\\"))
			return 0;
		return 1;
	}
	struct mailbox m;
	return addr_parse(s, n, ADDR_ALLOW_BARE, &m, &e) == 0 && m.domain[0] &&
	       !(m.flags & MBOX_LITERAL);
}

static int hash_can_login(const char *h)
{
	return h[0] == '$' || (h[0] && h[0] != '*' && h[0] != '!');
}

static int parse_line(struct users *u, char *s, unsigned lineno, const char *name,
		      struct mail_err *e)
{
	char *c1 = strchr(s, ':');
	char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return err_set(e, EX_CONFIG, 451, "4.3.5",
			       "%s:%u: expected ADDRESS:HASH:MAILBOX", name, lineno);
	*c1 = *c2 = '\0';
	struct user usr = { s, c1 + 1, c2 + 1, 0, 0, lineno };
	if (!valid_address(usr.address))
		return err_set(e, EX_CONFIG, 451, "4.3.5", "%s:%u: bad address \"%s\"", name,
			       lineno, usr.address);
	size_t hl = strlen(usr.hash);
	if (hl == 0 || hl > USERS_HASH_MAX || strpbrk(usr.hash, " \t"))
		return err_set(e, EX_CONFIG, 451, "4.3.5",
			       "%s:%u: bad password hash (use *, ! or a crypt(3) string)", name,
			       lineno);
	if (usr.mailbox[0] != '/')
		return err_set(e, EX_CONFIG, 451, "4.3.5",
			       "%s:%u: mailbox must be an absolute path", name, lineno);
	size_t ml = strlen(usr.mailbox);
	usr.maildir = usr.mailbox[ml - 1] == '/';
	usr.can_login = usr.address[0] != '@' && hash_can_login(usr.hash);
	if (u->n >= USERS_MAX)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "%s:%u: more than %d users", name,
			       lineno, USERS_MAX);
	u->v[u->n++] = usr;
	return 0;
}

int users_parse(struct users *u, const char *text, size_t n, const char *name,
		struct mail_err *e)
{
	memset(u, 0, sizeof *u);
	str_copy(u->path, sizeof u->path, name, strlen(name));
	if (memchr(text, '\0', n))
		return err_set(e, EX_CONFIG, 451, "4.3.5", "%s: contains a NUL byte", name);
	size_t lines = 1;
	for (size_t i = 0; i < n; i++)
		lines += text[i] == '\n';
	u->text = malloc(n + 1);
	u->v = calloc(lines < USERS_MAX ? lines : USERS_MAX + 1, sizeof *u->v);
	if (!u->text || !u->v)
		return err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: out of memory", name);
	memcpy(u->text, text, n);
	u->text[n] = '\0';

	unsigned lineno = 0;
	for (char *s = u->text; s < u->text + n;) {
		lineno++;
		char *nl = memchr(s, '\n', (size_t)(u->text + n - s));
		char *end = nl ? nl : u->text + n;
		if ((size_t)(end - s) >= USERS_LINE_MAX)
			return err_set(e, EX_CONFIG, 451, "4.3.5", "%s:%u: line longer than %d",
				       name, lineno, USERS_LINE_MAX);
		*end = '\0';
		if (end > s && end[-1] == '\r')
			end[-1] = '\0';
		char *next = nl ? nl + 1 : u->text + n;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s && *s != '#') {
			for (char *p = s; *p; p++)
				if ((unsigned char)*p < 0x20 && *p != '\t')
					return err_set(e, EX_CONFIG, 451, "4.3.5",
						       "%s:%u: control character", name, lineno);
			if (parse_line(u, s, lineno, name, e) < 0)
				return -1;
		}
		s = next;
	}
	qsort(u->v, u->n, sizeof *u->v, cmp_user);
	for (size_t i = 1; i < u->n; i++)
		if (!strcasecmp(u->v[i - 1].address, u->v[i].address))
			return err_set(e, EX_CONFIG, 451, "4.3.5",
				       "%s:%u: %s already defined on line %u", name, u->v[i].line,
				       u->v[i].address, u->v[i - 1].line);
	return 0;
}

int users_load(struct users *u, const char *path, struct mail_err *e)
{
	memset(u, 0, sizeof *u);
	if (!path || !*path)
		return 0;
	if (lazylib_load(LAZYLIB_CRYPT, e) < 0) /* users_check_password's */
		return -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err_sys(e, "%s", path);
		if (errno != ENOMEM && errno != ENFILE && errno != EMFILE)
			e->ex = EX_CONFIG;
		return -1;
	}
	struct buf b = BUF_INIT;
	int r = read_all(fd, &b, (size_t)USERS_MAX * USERS_LINE_MAX);
	if (r == READ_ALL_ERR)
		err_sys(e, "%s", path);
	else if (r == READ_ALL_TOOBIG)
		err_set(e, EX_CONFIG, 451, "4.3.5", "%s: file too large", path);
	close(fd);
	int rc = r != READ_ALL_OK ? -1 : users_parse(u, b.ptr ? b.ptr : "", b.len, path, e);
	buf_free(&b);
	return rc;
}

void users_free(struct users *u)
{
	free(u->text);
	free(u->v);
	u->text = NULL;
	u->v = NULL;
	u->n = 0;
}

static int cmp_addr_user(const void *key, const void *elem)
{
	return strcasecmp(key, ((const struct user *)elem)->address);
}

const struct user *users_find(const struct users *u, const char *addr)
{
	return u->n ? bsearch(addr, u->v, u->n, sizeof *u->v, cmp_addr_user) : NULL;
}

/* Equal strings in time that depends only on the length of b. */
static int const_eq(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);
	unsigned char d = na != nb;
	for (size_t i = 0; i < nb; i++)
		d |= (unsigned char)(a[i < na ? i : 0] ^ b[i]);
	return d == 0;
}

const struct user *users_check_password(const struct users *u, const char *addr,
					const char *password)
{
	const struct user *usr = addr ? users_find(u, addr) : NULL;
	const char *setting = NULL;
	if (usr && usr->can_login) {
		setting = usr->hash;
	} else {
		/* Imitate a real user: the first hash in the file that can log
		 * in has the algorithm and cost the real ones have. */
		usr = NULL;
		for (size_t i = 0; i < u->n && !setting; i++)
			if (u->v[i].can_login)
				setting = u->v[i].hash;
		if (!setting)
			setting = dummy_hash;
	}
	struct crypt_data *cd = calloc(1, sizeof *cd);
	if (!cd)
		return NULL;
	const char *h = crypt_r(password ? password : "", setting, cd);
	int ok = h && h[0] != '*' && const_eq(h, setting);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok && usr ? usr : NULL;
}

int users_hash_password(const char *password, const char *method, char *out, size_t cap,
			struct mail_err *e)
{
	const char *prefix = "$y$";
	if (lazylib_load(LAZYLIB_CRYPT, e) < 0)
		return -1;
	if (method && !strcmp(method, "sha512"))
		prefix = "$6$";
	else if (method && strcmp(method, "yescrypt"))
		return err_set(e, EX_USAGE, 501, "5.5.4", "unknown hash method \"%s\"", method);
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	if (!crypt_gensalt_rn(prefix, 0, NULL, 0, salt, sizeof salt))
		return err_sys(e, "crypt_gensalt %s", prefix);
	struct crypt_data *cd = calloc(1, sizeof *cd);
	if (!cd)
		return err_sys(e, "crypt");
	const char *h = crypt_r(password, salt, cd);
	int rc = 0;
	if (!h || h[0] == '*')
		rc = err_sys(e, "crypt %s", prefix);
	else if (str_copy(out, cap, h, strlen(h)) < 0)
		rc = err_set(e, EX_SOFTWARE, 451, "4.3.0", "hash longer than %zu", cap);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return rc;
}
