/* spool_verify.c — is a queued message file still the one that was
 * committed? See spool_verify_message() in spool.h.
 *
 * The envelope is written after the message was fsynced, with its size
 * and CRC-32 (envelope version 2). A message cut short, emptied or
 * overwritten afterwards (storage damage, another process) must never go
 * out as if whole, nor be bounced or removed as if delivered: callers move
 * it to corrupt/ for a person instead.
 */
#include "store/spool.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/crc32.h"

int spool_verify_message(const struct envelope *env, int msg_fd, char *why, size_t why_cap,
			 struct mail_err *e)
{
	struct stat st;
	char chunk[65536];
	if (fstat(msg_fd, &st) < 0)
		return err_sys(e, "spool: %s.msg", env->id);
	if (env->has_size && (long long)st.st_size != env->size) {
		snprintf(why, why_cap, "message file is %lld octets, the envelope recorded %lld",
			 (long long)st.st_size, env->size);
		return 1;
	}
	if (!env->has_crc)
		return 0;
	uint32_t crc = CRC32_INIT;
	off_t off = 0;
	for (;;) {
		ssize_t n = pread(msg_fd, chunk, sizeof chunk, off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return err_sys(e, "spool: read %s.msg", env->id);
		if (n == 0)
			break;
		crc = crc32_update(crc, chunk, (size_t)n);
		off += n;
	}
	if (off != st.st_size) {
		snprintf(why, why_cap, "message file changed size while read (%lld octets, then %lld)",
			 (long long)st.st_size, (long long)off);
		return 1;
	}
	if (crc != env->crc) {
		snprintf(why, why_cap, "message file's CRC-32 is %08X, the envelope recorded %08X",
			 (unsigned)crc, (unsigned)env->crc);
		return 1;
	}
	return 0;
}
