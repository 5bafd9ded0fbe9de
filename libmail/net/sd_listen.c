/* sd_listen.c — see sd_listen.h. */
#include "net/sd_listen.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SD_LISTEN_FDS_START 3
#define SD_MAX 64

static int passed[SD_MAX];
static int npassed = -1; /* -1: the environment not read yet */

static void read_environment(void)
{
	npassed = 0;
	const char *pid = getenv("LISTEN_PID");
	const char *fds = getenv("LISTEN_FDS");
	char *end;
	long p = pid ? strtol(pid, &end, 10) : 0;
	int ours = pid && *end == '\0' && p == (long)getpid();
	long n = ours && fds ? strtol(fds, &end, 10) : 0;
	if (ours && fds && *end == '\0' && n > 0) {
		for (long i = 0; i < n && npassed < SD_MAX; i++) {
			int fd = SD_LISTEN_FDS_START + (int)i;
			int type = 0, listening = 0;
			socklen_t tl = sizeof type, ll = sizeof listening;
			if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 && type == SOCK_STREAM &&
			    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &ll) == 0 && listening)
				passed[npassed++] = fd;
		}
	}
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
}

static int same_address(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return 0;
	if (a->sa_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->sa_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
		return x->sin6_port == y->sin6_port && !memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr);
	}
	return 0;
}

int sd_listen_take(const struct sockaddr *sa, socklen_t len)
{
	(void)len;
	if (npassed < 0)
		read_environment();
	for (int i = 0; i < npassed; i++) {
		struct sockaddr_storage bound;
		socklen_t blen = sizeof bound;
		if (getsockname(passed[i], (struct sockaddr *)&bound, &blen) < 0 || !same_address(sa, &bound))
			continue;
		int fd = passed[i];
		passed[i] = passed[--npassed];
		/* As our own listeners are: non-blocking, closed on exec. */
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		return fd;
	}
	return -1;
}
