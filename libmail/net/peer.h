/* peer.h — who is at the other end of a session, as a typed value.
 *
 * A client's address is parsed once, where it is learnt (accept(), the
 * super-server's socket, $TCPREMOTEIP, a PROXY header), and travels as a
 * struct peer; relay checks, reverse DNS, logs and Received: read its
 * fields instead of parsing text again.
 *
 * What counts as "local" (PEER_LOCAL, trusted like sendmail itself): only a
 * session whose standard input is not a socket at all — a pipe, a terminal
 * or a file — and for which no super-server named a client in
 * $TCPREMOTEIP. That is a process started by a local user, as `sendmail -bs`
 * is, who could hand the same mail to `sendmail` directly. A socket of any
 * other family (a UNIX socket pair from stunnel or socat, a systemd UNIX
 * listener) is PEER_OTHER: the real client behind it is unknown, so it
 * gets no more rights than any stranger. A super-server that connects a
 * network client to us through pipes must set $TCPREMOTEIP.
 */
#ifndef POSTBOX_PEER_H
#define POSTBOX_PEER_H

#include <stddef.h>
#include <sys/socket.h>

enum peer_kind {
	PEER_OTHER,              /* a non-IP socket, or a peer we cannot name */
	PEER_LOCAL,              /* stdio from a local user (see above) */
	PEER_IP,                 /* family, addr and port are set */
};

#define PEER_TEXT_MAX 46         /* INET6_ADDRSTRLEN */

struct peer {
	enum peer_kind kind;
	int family;              /* PEER_IP: AF_INET or AF_INET6 (IPv4-mapped
	                          * IPv6 is stored as AF_INET) */
	unsigned char addr[16];  /* network order; 4 bytes used for AF_INET */
	unsigned port;           /* 0 when unknown */
	char text[PEER_TEXT_MAX]; /* for logs and Received: the address in
	                           * canonical form, "local", "unix" or "unknown" */
};

/* From a socket address (accept(), getpeername()); AF_UNIX and the rest
 * give PEER_OTHER "unix"/"unknown". */
void peer_from_sockaddr(struct peer *p, const struct sockaddr *sa, socklen_t len);
/* From an address in network order: family AF_INET (4 bytes) or AF_INET6
 * (16 bytes). */
void peer_from_bytes(struct peer *p, int family, const unsigned char *addr, unsigned port);
/* From address text ("192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1") and
 * a port; -1 (p is PEER_OTHER "unknown") when the text is not an address. */
int peer_from_text(struct peer *p, const char *ip, unsigned port);
/* The peer of a connected socket fd; -1 when fd is not a connected socket
 * (p untouched then). */
int peer_of_socket(struct peer *p, int fd);
/* The client of a session on standard input under a super-server (inetd,
 * xinetd, tcpserver, systemd Accept=yes) or started by a user: the socket's
 * IP peer; else $TCPREMOTEIP (tcpremoteip, NULL when unset; PEER_OTHER
 * "unknown" when it is not an address); else PEER_LOCAL when stdin is not
 * a socket, PEER_OTHER when it is. */
void peer_of_stdin(struct peer *p, int fd, const char *tcpremoteip);
/* 1 when a and b name the same client (same kind, address and port). */
int peer_equal(const struct peer *a, const struct peer *b);

#endif
