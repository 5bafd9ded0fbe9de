/* err.c — see err.h. */
#include "base/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/buf.h"

void err_clear(struct mail_err *e)
{
	memset(e, 0, sizeof *e);
}

static void err_fill(struct mail_err *e, int ex, int smtp, const char *status)
{
	e->ex = ex;
	e->smtp = smtp;
	str_copy(e->status, sizeof e->status, status, strlen(status));
}

int err_set(struct mail_err *e, int ex, int smtp, const char *status, const char *fmt, ...)
{
	if (!e)
		return -1;
	err_fill(e, ex, smtp, status);
	e->sys = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	return -1;
}

int err_sys(struct mail_err *e, const char *fmt, ...)
{
	int saved = errno;
	if (!e)
		return -1;
	if (saved == ENOSPC || saved == EDQUOT)
		err_fill(e, EX_TEMPFAIL, 452, "4.3.1");
	else if (saved == ENOMEM)
		err_fill(e, EX_TEMPFAIL, 451, "4.3.0");
	else if (saved == EFBIG)
		/* A file past RLIMIT_FSIZE or the file system's largest: a limit
		 * of this host, not a fault of the message (our own size limits
		 * are checked before anything is written), so try again later. */
		err_fill(e, EX_TEMPFAIL, 452, "4.3.1");
	else
		err_fill(e, EX_TEMPFAIL, 451, "4.3.0");
	e->sys = saved;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

int err_wrap(struct mail_err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char prefix[256], old[sizeof e->msg];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
	return -1;
}
