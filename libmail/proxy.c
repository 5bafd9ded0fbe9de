/* proxy.c — PROXY protocol v1 (text) and v2 (binary); see proxy.h. */
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static const unsigned char v2sig[12] = { '\r', '\n', '\r', '\n', 0, '\r', '\n', 'Q', 'U', 'I', 'T', '\n' };

static int parse_v1(const unsigned char *p, size_t n, size_t *len, char *ip, size_t cap)
{
	const unsigned char *crlf = NULL;
	for (size_t i = 0; i + 1 < n && i + 1 < PROXY_V1_MAX; i++)
		if (p[i] == '\r' && p[i + 1] == '\n') {
			crlf = p + i;
			break;
		}
	if (!crlf)
		return n >= PROXY_V1_MAX ? -1 : 0;
	char line[PROXY_V1_MAX + 1], proto[8], src[64], dst[64];
	unsigned sport, dport;
	size_t l = (size_t)(crlf - p);
	memcpy(line, p, l);
	line[l] = '\0';
	*len = l + 2;
	if (!strcmp(line, "PROXY UNKNOWN") || !strncmp(line, "PROXY UNKNOWN ", 14)) {
		ip[0] = '\0';
		return 1;
	}
	char tail;
	if (sscanf(line, "PROXY %7s %63s %63s %u %u%c", proto, src, dst, &sport, &dport, &tail) != 5 ||
	    sport > 65535 || dport > 65535)
		return -1;
	unsigned char bin[16];
	int af = !strcmp(proto, "TCP4") ? AF_INET : !strcmp(proto, "TCP6") ? AF_INET6 : 0;
	if (!af || inet_pton(af, src, bin) != 1 || inet_pton(af, dst, bin) != 1)
		return -1;
	return str_copy(ip, cap, src, strlen(src)) < 0 ? -1 : 1;
}

static int parse_v2(const unsigned char *p, size_t n, size_t *len, char *ip, size_t cap)
{
	if (n < 16)
		return 0;
	size_t body = ((size_t)p[14] << 8) | p[15];
	if (16 + body > PROXY_MAX)
		return -1;
	if (n < 16 + body)
		return 0;
	*len = 16 + body;
	unsigned ver = p[12] >> 4, cmd = p[12] & 15, fam = p[13];
	if (ver != 2 || cmd > 1)
		return -1;
	ip[0] = '\0';
	if (cmd == 0) /* LOCAL: a health check from the proxy itself */
		return 1;
	if (fam == 0x11 && body >= 12)
		return inet_ntop(AF_INET, p + 16, ip, (socklen_t)cap) ? 1 : -1;
	if (fam == 0x21 && body >= 36)
		return inet_ntop(AF_INET6, p + 16, ip, (socklen_t)cap) ? 1 : -1;
	return fam == 0x00 ? 1 : -1; /* UNSPEC: keep the peer's address */
}

int proxy_parse(const unsigned char *p, size_t n, size_t *len, char *ip, size_t cap)
{
	size_t m = n < 12 ? n : 12;
	if (!memcmp(p, v2sig, m))
		return n < 12 ? 0 : parse_v2(p, n, len, ip, cap);
	m = n < 6 ? n : 6;
	if (!memcmp(p, "PROXY ", m))
		return n < 6 ? 0 : parse_v1(p, n, len, ip, cap);
	return -1;
}

int proxy_read(int fd, int timeout_ms, char *ip, size_t cap, struct mail_err *e)
{
	unsigned char buf[PROXY_MAX];
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (spent >= timeout_ms || poll(&pfd, 1, (int)(timeout_ms - spent)) == 0)
			return err_set(e, EX_PROTOCOL, 421, "4.7.0", "no PROXY header in time");
		/* Peek, so that nothing after the header is taken from the
		 * session's own reader. */
		ssize_t r = recv(fd, buf, sizeof buf, MSG_PEEK);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			return err_set(e, EX_PROTOCOL, 421, "4.7.0", "connection closed before the PROXY header");
		size_t len = 0;
		int k = proxy_parse(buf, (size_t)r, &len, ip, cap);
		if (k < 0)
			return err_set(e, EX_PROTOCOL, 421, "4.7.0", "malformed PROXY header");
		if (k == 1) {
			if (recv(fd, buf, len, 0) != (ssize_t)len)
				return err_sys(e, "PROXY header");
			return 0;
		}
		if (r == (ssize_t)sizeof buf)
			return err_set(e, EX_PROTOCOL, 421, "4.7.0", "malformed PROXY header");
		/* Part of a header: wait for more (poll says readable at once
		 * for peeked data, so pause briefly). */
		struct timespec ts = { 0, 5 * 1000000L };
		nanosleep(&ts, NULL);
	}
}
