/* mailfolder.c — a mailbox's view: open, sync, purge, close; see mailfolder.h. */
#include "store/mailfolder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int not_yet(struct mail_err *e, const char *what)
{
	errno = ENOSYS;
	return err_sys(e, "%s", what);
}

int mailfolder_open(struct mailfolder *f, const char *root, const char *name, unsigned opts,
		    struct mail_err *e)
{
	memset(f, 0, sizeof *f);
	f->md.fd = f->md.tmp = f->md.new_ = f->md.cur = -1;
	(void)root, (void)name, (void)opts;
	return not_yet(e, "mailfolder_open");
}

int mailfolder_sync(struct mailfolder *f, struct mail_err *e)
{
	(void)f;
	return not_yet(e, "mailfolder_sync");
}

size_t mailfolder_purge(struct mailfolder *f, void (*expunged)(void *arg, uint32_t seq, uint32_t uid),
			void *arg)
{
	(void)f, (void)expunged, (void)arg;
	return 0;
}

long mailfolder_find_uid(const struct mailfolder *f, uint32_t uid)
{
	size_t lo = 0, hi = f->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (f->v[mid].uid == uid)
			return (long)mid;
		if (f->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int mailfolder_open_msg(struct mailfolder *f, size_t i, struct mail_err *e)
{
	(void)f, (void)i;
	return not_yet(e, "mailfolder_open_msg");
}

int mailfolder_keyword(struct mailfolder *f, const char *kw, int create, struct mail_err *e)
{
	(void)f, (void)kw, (void)create;
	return not_yet(e, "mailfolder_keyword");
}

int mailfolder_store(struct mailfolder *f, size_t i, unsigned flags, uint32_t keywords,
		     struct mail_err *e)
{
	(void)f, (void)i, (void)flags, (void)keywords;
	return not_yet(e, "mailfolder_store");
}

int mailfolder_append(struct mailfolder *f, const char *data, size_t len, unsigned flags,
		      uint32_t keywords, time_t internal_date, uint32_t *uid, struct mail_err *e)
{
	(void)f, (void)data, (void)len, (void)flags, (void)keywords, (void)internal_date, (void)uid;
	return not_yet(e, "mailfolder_append");
}

int mailfolder_copy(struct mailfolder *src, const size_t *idx, size_t n, struct mailfolder *dst,
		    uint32_t *new_uids, struct mail_err *e)
{
	(void)src, (void)idx, (void)n, (void)dst, (void)new_uids;
	return not_yet(e, "mailfolder_copy");
}

int mailfolder_expunge(struct mailfolder *f, const unsigned char *pick, struct mail_err *e)
{
	(void)f, (void)pick;
	return not_yet(e, "mailfolder_expunge");
}

int mailfolder_remove(struct mailfolder *f, size_t i, struct mail_err *e)
{
	(void)f, (void)i;
	return not_yet(e, "mailfolder_remove");
}

void mailfolder_close(struct mailfolder *f)
{
	maildir_close(&f->md);
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].pop3_uidl);
	}
	free(f->v);
	for (size_t k = 0; k < f->nkeywords; k++)
		free(f->keywords[k]);
	memset(f, 0, sizeof *f);
	f->md.fd = f->md.tmp = f->md.new_ = f->md.cur = -1;
}

int mailfolder_status(const char *root, const char *name, struct mailfolder_status *st,
		      struct mail_err *e)
{
	(void)root, (void)name;
	memset(st, 0, sizeof *st);
	return not_yet(e, "mailfolder_status");
}
