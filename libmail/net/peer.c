/* peer.c — the typed client address; see peer.h. */
#include "net/peer.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>

#include "base/buf.h"

static void set_text(struct peer *p, const char *text)
{
	str_copy(p->text, sizeof p->text, text, strlen(text));
}

static void set_ip(struct peer *p, int family, const void *addr, unsigned port)
{
	memset(p, 0, sizeof *p);
	p->kind = PEER_IP;
	p->family = family;
	p->port = port;
	memcpy(p->addr, addr, family == AF_INET ? 4 : 16);
	inet_ntop(family, p->addr, p->text, sizeof p->text);
}

static void set_other(struct peer *p, const char *text)
{
	memset(p, 0, sizeof *p);
	p->kind = PEER_OTHER;
	set_text(p, text);
}

void peer_from_bytes(struct peer *p, int family, const unsigned char *addr, unsigned port)
{
	/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is an IPv4 client on a v6 socket. */
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (family == AF_INET6 && !memcmp(addr, mapped, sizeof mapped))
		set_ip(p, AF_INET, addr + 12, port);
	else
		set_ip(p, family, addr, port);
}

void peer_from_sockaddr(struct peer *p, const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		set_ip(p, AF_INET, &a->sin_addr, ntohs(a->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		peer_from_bytes(p, AF_INET6, a->sin6_addr.s6_addr, ntohs(a->sin6_port));
	} else {
		set_other(p, sa->sa_family == AF_UNIX ? "unix" : "unknown");
	}
}

int peer_from_text(struct peer *p, const char *ip, unsigned port)
{
	unsigned char b[16];
	if (inet_pton(AF_INET, ip, b) == 1) {
		set_ip(p, AF_INET, b, port);
		return 0;
	}
	struct in6_addr a6;
	if (inet_pton(AF_INET6, ip, &a6) == 1) {
		peer_from_bytes(p, AF_INET6, a6.s6_addr, port);
		return 0;
	}
	set_other(p, "unknown");
	return -1;
}

int peer_of_socket(struct peer *p, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	memset(&ss, 0, sizeof ss);
	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	peer_from_sockaddr(p, (const struct sockaddr *)&ss, len);
	return 0;
}

void peer_of_stdin(struct peer *p, int fd, const char *tcpremoteip)
{
	struct stat st;
	if (peer_of_socket(p, fd) == 0 && p->kind == PEER_IP)
		return;
	/* A super-server named the client: an address, or nobody we trust. */
	if (tcpremoteip && tcpremoteip[0]) {
		peer_from_text(p, tcpremoteip, 0);
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		/* A socket whose peer is not an IP address, or that has no
		 * peer at all: not a local user's pipe. */
		if (peer_of_socket(p, fd) < 0)
			set_other(p, "unknown");
		return;
	}
	memset(p, 0, sizeof *p);
	p->kind = PEER_LOCAL;
	set_text(p, "local");
}

int peer_equal(const struct peer *a, const struct peer *b)
{
	return a->kind == b->kind && a->family == b->family && a->port == b->port &&
	       !memcmp(a->addr, b->addr, sizeof a->addr) && !strcmp(a->text, b->text);
}
