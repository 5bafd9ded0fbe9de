/* dns_query.c — sending one DNS question and receiving its answer: the
 * nameserver list, UDP with a deadline, TCP when the answer is truncated.
 * Decoding is msg/dns_decode.c's; see dns.h for the contract. */
#include "net/dns_query.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/lazy_ldns.h"

#include "base/buf.h"
#include "base/io.h"

int dns_parse_server(const char *s, unsigned default_port, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	unsigned long port = default_port;
	const char *colon = strchr(s, ':');
	const char *portp = NULL;
	size_t hn;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return -1;
		hn = (size_t)(close - s - 1);
		s++;
		if (close[1] == ':')
			portp = close + 2;
		else if (close[1])
			return -1;
	} else if (colon && !strchr(colon + 1, ':')) {
		hn = (size_t)(colon - s);
		portp = colon + 1;
	} else {
		hn = strlen(s);
	}
	if (str_copy(host, sizeof host, s, hn) < 0 || !host[0])
		return -1;
	if (portp) {
		char *end;
		errno = 0;
		port = strtoul(portp, &end, 10);
		if (errno || end == portp || *end || port < 1 || port > 65535)
			return -1;
	}
	memset(ss, 0, sizeof *ss);
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)port);
		*len = sizeof *v4;
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)port);
		*len = sizeof *v6;
	} else {
		return -1;
	}
	return 0;
}

int dns_init(struct dns *d, const char *resolver, int timeout_ms, struct mail_err *e)
{
	memset(d, 0, sizeof *d);
	if (lazylib_load(LAZYLIB_LDNS, e) < 0)
		return -1;
	d->timeout_ms = timeout_ms > 0 ? timeout_ms : 5000;
	d->tries = 2;
	if (resolver && resolver[0]) {
		if (dns_parse_server(resolver, 53, &d->ns[0], &d->ns_len[0]) < 0)
			return err_set(e, EX_CONFIG, 451, "4.3.5",
				       "resolver: expected ADDR[:PORT] or [IPV6]:PORT, got \"%s\"", resolver);
		d->nns = 1;
		return 0;
	}
	FILE *f = fopen("/etc/resolv.conf", "re");
	char line[512];
	while (f && d->nns < DNS_NS_MAX && fgets(line, sizeof line, f)) {
		char addr[80];
		if (sscanf(line, " nameserver %79s", addr) == 1 &&
		    dns_parse_server(addr, 53, &d->ns[d->nns], &d->ns_len[d->nns]) == 0)
			d->nns++;
	}
	if (f)
		fclose(f);
	if (d->nns == 0) /* resolv.conf(5): no nameserver line means the local one */
		dns_parse_server("127.0.0.1", 53, &d->ns[d->nns++], &d->ns_len[0]);
	return 0;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to become ready for `events` until the deadline: 1, 0 on
 * timeout, -1 on error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { fd, events, 0 };
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		return r < 0 ? -1 : r > 0;
	}
}

/* Is wire[0..n) an answer to our query (id, QR)? The question itself is
 * checked by the decoder. */
static int is_our_answer(const unsigned char *wire, size_t n, unsigned id)
{
	return n >= 12 && ((unsigned)wire[0] << 8 | wire[1]) == id && (wire[2] & 0x80);
}

/* One UDP exchange: 1 answered (*len set), 0 timeout, -1 error. */
static int udp_exchange(const struct dns *d, int i, const unsigned char *q, size_t qlen, unsigned id,
			unsigned char *ans, size_t cap, size_t *len)
{
	int fd = socket(d->ns[i].ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* connect() makes the kernel drop datagrams from any other source. */
	if (connect(fd, (const struct sockaddr *)&d->ns[i], d->ns_len[i]) < 0 ||
	    send(fd, q, qlen, 0) != (ssize_t)qlen) {
		close(fd);
		return -1;
	}
	long long deadline = now_ms() + d->timeout_ms;
	for (;;) {
		int r = wait_fd(fd, POLLIN, deadline);
		if (r <= 0) {
			close(fd);
			return r;
		}
		ssize_t got = recv(fd, ans, cap, 0);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got < 0) { /* ECONNREFUSED: nothing listens there */
			close(fd);
			return -1;
		}
		if (is_our_answer(ans, (size_t)got, id)) {
			*len = (size_t)got;
			close(fd);
			return 1;
		}
		/* someone else's datagram (or a forgery): keep waiting */
	}
}

static int read_full(int fd, unsigned char *p, size_t n, long long deadline)
{
	size_t done = 0;
	while (done < n) {
		int r = wait_fd(fd, POLLIN, deadline);
		if (r <= 0)
			return -1;
		ssize_t got = read(fd, p + done, n - done);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (got <= 0)
			return -1;
		done += (size_t)got;
	}
	return 0;
}

/* One TCP exchange (RFC 1035 §4.2.2: two-octet length prefix). */
static int tcp_exchange(const struct dns *d, int i, const unsigned char *q, size_t qlen, unsigned id,
			unsigned char *ans, size_t cap, size_t *len)
{
	long long deadline = now_ms() + d->timeout_ms;
	int fd = socket(d->ns[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&d->ns[i], d->ns_len[i]) < 0 && errno != EINPROGRESS)
		goto fail;
	int soerr = 0;
	socklen_t sl = sizeof soerr;
	if (wait_fd(fd, POLLOUT, deadline) <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 ||
	    soerr)
		goto fail;
	unsigned char pre[2] = { (unsigned char)(qlen >> 8), (unsigned char)qlen };
	if (write_all(fd, pre, 2) < 0 || write_all(fd, q, qlen) < 0)
		goto fail;
	if (read_full(fd, pre, 2, deadline) < 0)
		goto fail;
	size_t n = (size_t)pre[0] << 8 | pre[1];
	if (n > cap || read_full(fd, ans, n, deadline) < 0 || !is_our_answer(ans, n, id))
		goto fail;
	*len = n;
	close(fd);
	return 1;
fail:
	close(fd);
	return -1;
}

static unsigned short query_id(void)
{
	unsigned short id;
	if (getrandom(&id, sizeof id, 0) != sizeof id)
		id = (unsigned short)(now_ms() ^ getpid());
	return id;
}

/* The question's wire form (malloc'd: free it), or NULL with e set. */
static uint8_t *query_wire(const char *name, int qtype, int dnssec, unsigned short id, size_t *wlen,
			   struct mail_err *e)
{
	ldns_rdf *qname = ldns_dname_new_frm_str(name);
	if (!qname) {
		err_set(e, EX_NOHOST, 550, "5.1.2", "%s: not a valid domain name", name);
		return NULL;
	}
	ldns_pkt *q = ldns_pkt_query_new(qname, (ldns_rr_type)qtype, LDNS_RR_CLASS_IN, LDNS_RD);
	if (!q) {
		ldns_rdf_deep_free(qname);
		err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: out of memory", name);
		return NULL;
	}
	ldns_pkt_set_id(q, id);
	if (dnssec) {
		/* Ask for the AD bit (RFC 6840 §5.7) with EDNS0 and DO set. */
		ldns_pkt_set_ad(q, 1);
		ldns_pkt_set_edns_udp_size(q, 1232);
		ldns_pkt_set_edns_do(q, 1);
	}
	uint8_t *wire = NULL;
	*wlen = 0;
	ldns_status st = ldns_pkt2wire(&wire, q, wlen);
	ldns_pkt_free(q);
	if (st != LDNS_STATUS_OK) {
		free(wire);
		err_set(e, EX_TEMPFAIL, 451, "4.3.0", "%s: cannot build a query", name);
		return NULL;
	}
	return wire;
}

int dns_exchange(struct dns *d, const char *name, int qtype, int dnssec, unsigned char *ans, size_t cap,
		 size_t *len, struct mail_err *e)
{
	unsigned short id = query_id();
	size_t wlen;
	uint8_t *wire = query_wire(name, qtype, dnssec, id, &wlen, e);
	if (!wire)
		return -1;

	int r = -1, timed_out = 0;
	for (int t = 0; t < d->tries && r != 1; t++)
		for (int i = 0; i < d->nns && r != 1; i++) {
			r = udp_exchange(d, i, wire, wlen, id, ans, cap, len);
			if (r == 1 && *len >= 3 && (ans[2] & 0x02)) /* TC: ask again over TCP */
				r = tcp_exchange(d, i, wire, wlen, id, ans, cap, len);
			timed_out |= r == 0;
		}
	free(wire);
	if (r == 1)
		return 0;
	return err_set(e, EX_TEMPFAIL, 451, "4.4.3", "DNS lookup of %s failed: %s", name,
		       timed_out ? "no answer (timeout)" : "nameserver unreachable");
}

void dns_exchange_parallel(const struct dns *d, const struct dns_question *q, size_t n,
			   struct dns_wire_answer *out)
{
	int fd[DNS_PREFETCH_MAX];
	unsigned short id[DNS_PREFETCH_MAX];
	size_t waiting = 0;
	for (size_t i = 0; i < n && i < DNS_PREFETCH_MAX; i++) {
		struct mail_err e;
		size_t wlen;
		uint8_t *wire = NULL;
		out[i].len = 0;
		fd[i] = -1;
		id[i] = query_id();
		if (d->nns < 1 || !(wire = query_wire(q[i].name, q[i].qtype, 0, id[i], &wlen, &e)))
			continue;
		fd[i] = socket(d->ns[0].ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd[i] >= 0 && (connect(fd[i], (const struct sockaddr *)&d->ns[0], d->ns_len[0]) < 0 ||
				   send(fd[i], wire, wlen, 0) != (ssize_t)wlen)) {
			close(fd[i]);
			fd[i] = -1;
		}
		free(wire);
		waiting += fd[i] >= 0;
	}
	if (n > DNS_PREFETCH_MAX)
		n = DNS_PREFETCH_MAX;
	long long deadline = now_ms() + d->timeout_ms;
	while (waiting > 0) {
		struct pollfd p[DNS_PREFETCH_MAX];
		size_t which[DNS_PREFETCH_MAX], k = 0;
		for (size_t i = 0; i < n; i++)
			if (fd[i] >= 0) {
				p[k] = (struct pollfd){ fd[i], POLLIN, 0 };
				which[k++] = i;
			}
		long long left = deadline - now_ms();
		if (left <= 0)
			break;
		int r = poll(p, k, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (size_t j = 0; j < k; j++) {
			size_t i = which[j];
			if (!p[j].revents)
				continue;
			ssize_t got = recv(fd[i], out[i].wire, sizeof out[i].wire, 0);
			if (got < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
			if (got >= 0 && !is_our_answer(out[i].wire, (size_t)got, id[i]))
				continue; /* someone else's datagram (or a forgery): keep waiting */
			/* A truncated answer is left to the lookup, which asks over TCP. */
			if (got >= 3 && !(out[i].wire[2] & 0x02))
				out[i].len = (size_t)got;
			close(fd[i]);
			fd[i] = -1;
			waiting--;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (fd[i] >= 0)
			close(fd[i]);
}
