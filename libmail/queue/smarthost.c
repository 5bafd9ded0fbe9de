/* smarthost.c — smarthost mode's configuration (the relay list, TLS
 * mode, the owner-only credentials file) and its From: rewriting rule;
 * see remote_transport.h. The delivery itself is remote_transport.c's. */
#include "queue/remote_transport.h"
#include "msg/idna.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg/header.h"
#include "net/tls.h"

/* "[host]:port", "host:port", "host", "[2001:db8::1]:587" → one entry. */
static int parse_smarthost(const char *s, size_t n, struct smarthost *h)
{
	char text[300];
	if (str_copy(text, sizeof text, s, n) < 0)
		return -1;
	const char *host = text, *port = "25";
	char *end;
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end)
			return -1;
		*end = '\0';
		host = text + 1;
		if (end[1] == ':')
			port = end + 2;
		else if (end[1])
			return -1;
	} else if ((end = strchr(text, ':')) && !strchr(end + 1, ':')) {
		*end = '\0';
		port = end + 1;
	}
	long p = strtol(port, &end, 10);
	if (!host[0] || *end || p < 1 || p > 65535 || str_copy(h->host, sizeof h->host, host, strlen(host)) < 0)
		return -1;
	snprintf(h->port, sizeof h->port, "%ld", p);
	return 0;
}

/* "USER PASSWORD" from a file only its owner may read. */
static int read_credentials(struct remote *rm, const char *path, struct mail_err *e)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char text[600];
	if (fd < 0)
		return err_sys(e, "smarthost_auth_file %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return err_set(e, EX_CONFIG, 451, "4.3.5",
			       "smarthost_auth_file %s: must be a regular file owned by uid %u and readable by "
			       "its owner only (chmod 600)", path, (unsigned)geteuid());
	}
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n < 0)
		return err_sys(e, "smarthost_auth_file %s", path);
	text[n] = '\0';
	text[strcspn(text, "\r\n")] = '\0';
	size_t ul = strcspn(text, " \t");
	const char *pw = text + ul + strspn(text + ul, " \t");
	if (ul == 0 || !*pw || str_copy(rm->user, sizeof rm->user, text, ul) < 0 ||
	    str_copy(rm->pass, sizeof rm->pass, pw, strlen(pw)) < 0) {
		explicit_bzero(text, sizeof text);
		return err_set(e, EX_CONFIG, 451, "4.3.5", "smarthost_auth_file %s: expected \"USER PASSWORD\"", path);
	}
	explicit_bzero(text, sizeof text);
	return 0;
}

int smarthost_init(struct remote *rm, const struct config *cfg, struct mail_err *e)
{
	const char *list = config_str(cfg, CFG_SMARTHOST), *mode = config_str(cfg, CFG_SMARTHOST_TLS);
	if (strcmp(mode, "auto") && strcmp(mode, "starttls") && strcmp(mode, "implicit") && strcmp(mode, "none"))
		return err_set(e, EX_CONFIG, 451, "4.3.5",
			       "smarthost_tls: expected auto, starttls, implicit or none, got \"%s\"", mode);
	while (*list) {
		list += strspn(list, ", \t");
		size_t len = strcspn(list, ", \t");
		if (!len)
			break;
		if (rm->nsmart == SMARTHOST_MAX)
			return err_set(e, EX_CONFIG, 451, "4.3.5", "smarthost: at most %d hosts", SMARTHOST_MAX);
		struct smarthost *h = &rm->smart[rm->nsmart];
		if (parse_smarthost(list, len, h) < 0)
			return err_set(e, EX_CONFIG, 451, "4.3.5", "smarthost: expected [host]:port, got \"%.*s\"",
				       (int)len, list);
		h->tls = !strcmp(mode, "none")       ? TLS_OFF
			 : !strcmp(mode, "implicit") ? TLS_IMPLICIT
			 : !strcmp(mode, "starttls") ? TLS_MANDATORY
			 : !strcmp(h->port, "465")   ? TLS_IMPLICIT : TLS_MANDATORY;
		rm->nsmart++;
		list += len;
	}
	if (!rm->nsmart)
		return 0;
	const char *ca = config_str(cfg, CFG_SMARTHOST_CA_FILE);
	int verify = config_num(cfg, CFG_SMARTHOST_VERIFY) ? TLS_VERIFY : TLS_NO_VERIFY;
	if (!(rm->smart_tls = tls_client_ctx(verify, ca[0] ? ca : NULL, NULL, NULL, e)))
		return -1;
	const char *auth = config_str(cfg, CFG_SMARTHOST_AUTH_FILE);
	if (auth[0]) {
		if (!strcmp(mode, "none"))
			return err_set(e, EX_CONFIG, 451, "4.3.5",
				       "smarthost_auth_file needs TLS: a password is never sent in plain text");
		return read_credentials(rm, auth, e);
	}
	return 0;
}

struct from_scan {
	char addr[ADDR_TEXT_MAX + 1];
	size_t count;
};

static int from_addr(void *ctx, const char *a, size_t n)
{
	struct from_scan *f = ctx;
	if (f->count++ == 0 && str_copy(f->addr, sizeof f->addr, a, n) < 0)
		f->addr[0] = '\0';
	return 0;
}

int remote_rewrite_from(const char *msg, size_t n, const char *new_addr, const struct config *cfg,
			struct buf *out)
{
	size_t pos = 0;
	struct header h;
	while (hdr_next(msg, n, &pos, &h) == 1) {
		if (!hdr_name_is(&h, "From"))
			continue;
		struct from_scan f = { "", 0 };
		if (addrlist_parse(h.value, h.value_len, from_addr, &f) != 0 || f.count != 1 || !f.addr[0])
			return 0;
		const char *at = strrchr(f.addr, '@');
		if (!at || !idna_list_has(config_str(cfg, CFG_LOCAL_DOMAINS), at + 1))
			return 0;
		size_t al = strlen(f.addr);
		for (const char *p = h.value; p + al <= h.value + h.value_len; p++)
			if (!strncasecmp(p, f.addr, al)) {
				buf_add(out, msg, (size_t)(p - msg));
				buf_adds(out, new_addr);
				buf_add(out, p + al, n - (size_t)(p + al - msg));
				return buf_ok(out) ? 1 : -1;
			}
		return 0;
	}
	return 0;
}
