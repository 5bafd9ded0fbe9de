/* srs_config.c — srs_secret, srs_domain and srs_max_age; see srs_config.h. */
#include "store/srs_config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/lazylib.h"
#include "base/read_all.h"
#include "msg/idna.h"

/* The secrets file: one secret a line, as postsrsd reads it. */
static int load_file(struct srs *s, const char *path, struct mail_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: %s", path, strerror(errno));
	struct stat st;
	struct buf b = BUF_INIT;
	int rc = -1;
	if (fstat(fd, &st) < 0) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: not a regular file", path);
	} else if (st.st_mode & S_IRWXO) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: others may read or write it (mode %04o); chmod o-rwx",
			path, (unsigned)(st.st_mode & 07777));
	} else {
		int r = read_all(fd, &b, SRS_FILE_MAX);
		if (r == READ_ALL_ERR)
			err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: %s", path, strerror(errno));
		else if (r == READ_ALL_TOOBIG)
			err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: over %d bytes", path, SRS_FILE_MAX);
		else
			rc = 0;
	}
	close(fd);
	for (size_t pos = 0, line = 1; rc == 0 && pos < b.len; line++) {
		const char *p = b.ptr + pos, *nl = memchr(p, '\n', b.len - pos);
		size_t end = nl ? (size_t)(nl - b.ptr) : b.len;
		const char *cr = memchr(p, '\r', end - pos);
		size_t len = (cr ? (size_t)(cr - b.ptr) : end) - pos;
		if (len && srs_add_secret(s, p, len, e) < 0)
			rc = err_wrap(e, "srs_secret %s:%zu", path, line);
		pos = end + 1;
	}
	if (rc == 0 && !s->nsecret)
		rc = err_set(e, EX_CONFIG, 451, "4.3.5", "srs_secret %s: no secret in it", path);
	if (b.ptr)
		explicit_bzero(b.ptr, b.len);
	buf_free(&b);
	return rc;
}

int srs_config_load(struct srs *s, const struct config *cfg, struct mail_err *e)
{
	srs_init(s);
	const char *secret = config_str(cfg, CFG_SRS_SECRET);
	if (!secret[0])
		return 0;
	if (secret[0] == '/') {
		if (load_file(s, secret, e) < 0)
			goto fail;
	} else if (srs_add_secret(s, secret, strlen(secret), e) < 0) {
		err_wrap(e, "srs_secret");
		goto fail;
	}
	const char *domain = config_str(cfg, CFG_SRS_DOMAIN);
	if (domain[0]) {
		if (str_copy(s->domain, sizeof s->domain, domain, strlen(domain)) < 0) {
			err_set(e, EX_CONFIG, 451, "4.3.5", "srs_domain: too long");
			goto fail;
		}
	} else {
		config_primary_domain(cfg, s->domain, sizeof s->domain);
	}
	if (!s->domain[0] || !idna_list_has(config_str(cfg, CFG_LOCAL_DOMAINS), s->domain)) {
		err_set(e, EX_CONFIG, 451, "4.3.5",
			"srs_domain %s is not one of local_domains: bounces to its addresses would be refused",
			s->domain);
		goto fail;
	}
	s->max_age = (long)(config_num(cfg, CFG_SRS_MAX_AGE) / 86400);
	if (lazylib_load(LAZYLIB_OPENSSL, e) < 0)
		goto fail;
	return 0;
fail:
	srs_free(s);
	return -1;
}
