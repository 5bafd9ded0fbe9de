/* err.h — the error a libmail call fills in for its caller.
 *
 * libmail never prints and never exits: a failing call returns -1 and
 * describes the failure here. One error carries every face the caller may
 * need: a sysexits class for a command's exit code, an SMTP reply code with
 * its RFC 3463 enhanced status for a server's reply, the errno that caused
 * it, and a message that names the object and the cause.
 */
#ifndef POSTBOX_ERR_H
#define POSTBOX_ERR_H

#include <sysexits.h>

struct mail_err {
	int ex;             /* sysexits class, EX_OK when clear */
	int smtp;           /* SMTP reply code, e.g. 451 */
	char status[12];    /* enhanced status code, e.g. "4.3.0" */
	int sys;            /* errno, 0 when not a system error */
	char msg[512];
};

void err_clear(struct mail_err *e);
/* Set and return -1. */
int err_set(struct mail_err *e, int ex, int smtp, const char *status,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Like err_set, for a failed system call: appends ": strerror(errno)" and
 * picks the class from errno (ENOSPC/EDQUOT/EFBIG → 452 4.3.1, EX_TEMPFAIL). */
int err_sys(struct mail_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prefix the message with more context: "CONTEXT: old message". */
int err_wrap(struct mail_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
