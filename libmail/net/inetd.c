/* inetd.c — a super-server session's descriptors; see inetd.h. */
#include "net/inetd.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

void inetd_stdio_guard(void)
{
	struct stat st;
	if (fstat(STDERR_FILENO, &st) == 0 && S_ISSOCK(st.st_mode)) {
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		if (null >= 0 && null != STDERR_FILENO) {
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
	signal(SIGPIPE, SIG_IGN);
}
