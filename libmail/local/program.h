/* program.h — delivery to a program: "|/usr/bin/something arg" in aliases.
 *
 * The command line is split into argv by command_split(): words separated
 * by blanks, 'single quotes' literal, "double quotes" with \" and \\, a
 * backslash escaping the next character outside quotes. Nothing else is
 * special: no shell ever runs, no variable, glob or redirection is
 * expanded. argv[0] must be an absolute path (no PATH search).
 *
 * command_run() feeds the message on the program's stdin, with a clean
 * environment (PATH=/usr/bin:/bin plus the caller's variables), "/" as
 * working directory, no other descriptors, its own process group, and,
 * when uid is not -1, that user's ids (set before exec). Its stdout and
 * stderr are kept (the first 512 bytes) for the error message. Results:
 * exit 0 → 0; exit 75, a signal or the timeout (the group is killed) →
 * EX_TEMPFAIL; another sysexits code 64..78 → that code; any other status
 * → EX_UNAVAILABLE (69). A program that exits 0 without reading all of its
 * input has still accepted the message (as in Postfix).
 */
#ifndef POSTBOX_COMMAND_H
#define POSTBOX_COMMAND_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "base/err.h"

#define COMMAND_ARGS_MAX 64
#define COMMAND_LINE_MAX 4096

/* Split s into a NULL-terminated argv (one allocation: free(*argv)). */
int command_split(const char *s, char ***argv, struct mail_err *e);

/* env: NULL-terminated "NAME=value" strings added to the clean environment. */
int command_run(char *const argv[], char *const env[], const struct iovec *parts, int nparts,
		uid_t uid, gid_t gid, int timeout_s, struct mail_err *e);

#endif
