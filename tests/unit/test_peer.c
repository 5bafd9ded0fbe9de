/* test_peer.c — the typed client address (net/peer.h) and relay matching
 * on it (net/cidr.h). */
#include <sys/socket.h>
#include <unistd.h>

#include "net/cidr.h"
#include "net/peer.h"
#include "unit.h"

UNIT_TEST(peer_from_text_and_bytes)
{
	struct peer p;
	CHECK(peer_from_text(&p, "192.0.2.7", 25) == 0);
	CHECK(p.kind == PEER_IP && p.family == AF_INET && p.port == 25 && p.addr[3] == 7);
	CHECK_STR(p.text, "192.0.2.7");
	CHECK(peer_from_text(&p, "2001:DB8:0::1", 0) == 0);
	CHECK(p.family == AF_INET6);
	CHECK_STR(p.text, "2001:db8::1");
	/* IPv4-mapped IPv6 is an IPv4 client */
	CHECK(peer_from_text(&p, "::ffff:192.0.2.9", 0) == 0);
	CHECK(p.family == AF_INET);
	CHECK_STR(p.text, "192.0.2.9");
	CHECK(peer_from_text(&p, "local", 0) < 0);
	CHECK(p.kind == PEER_OTHER);
	CHECK_STR(p.text, "unknown");
	const unsigned char mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3 };
	peer_from_bytes(&p, AF_INET6, mapped, 9);
	CHECK(p.family == AF_INET && p.port == 9);
	CHECK_STR(p.text, "10.1.2.3");
	struct peer q;
	peer_from_text(&q, "10.1.2.3", 9);
	CHECK(peer_equal(&p, &q));
	q.port = 10;
	CHECK(!peer_equal(&p, &q));
}

UNIT_TEST(peer_of_stdin_local_only_for_non_sockets)
{
	struct peer p;
	int pfd[2], sv[2];
	CHECK(pipe(pfd) == 0);
	peer_of_stdin(&p, pfd[0], NULL);
	CHECK(p.kind == PEER_LOCAL);
	CHECK_STR(p.text, "local");
	peer_of_stdin(&p, pfd[0], "");
	CHECK(p.kind == PEER_LOCAL);
	/* a super-server's name for the client wins over the pipe */
	peer_of_stdin(&p, pfd[0], "198.51.100.4");
	CHECK(p.kind == PEER_IP);
	CHECK_STR(p.text, "198.51.100.4");
	peer_of_stdin(&p, pfd[0], "local");
	CHECK(p.kind == PEER_OTHER);
	CHECK_STR(p.text, "unknown");
	/* a UNIX socket pair (stunnel, socat EXEC) is nobody we know */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	peer_of_stdin(&p, sv[0], NULL);
	CHECK(p.kind == PEER_OTHER);
	CHECK_STR(p.text, "unix");
	peer_of_stdin(&p, sv[0], "192.0.2.1");
	CHECK(p.kind == PEER_IP);
	/* an unconnected socket neither */
	int u = socket(AF_INET, SOCK_STREAM, 0);
	peer_of_stdin(&p, u, NULL);
	CHECK(p.kind == PEER_OTHER);
	CHECK_STR(p.text, "unknown");
	close(u);
	close(sv[0]);
	close(sv[1]);
	close(pfd[0]);
	close(pfd[1]);
}

UNIT_TEST(cidr_match_addr)
{
	struct mail_err e;
	struct peer p;
	const char *l = "127.0.0.0/8, 2001:db8::/32";
	peer_from_text(&p, "127.1.2.3", 0);
	CHECK(net_list_match_addr(l, p.family, p.addr, &e) == 1);
	peer_from_text(&p, "::ffff:127.0.0.1", 0);
	CHECK(net_list_match_addr(l, p.family, p.addr, &e) == 1);
	peer_from_text(&p, "2001:db9::1", 0);
	CHECK(net_list_match_addr(l, p.family, p.addr, &e) == 0);
	CHECK(net_list_match_addr(l, AF_UNIX, p.addr, &e) == 0);
	CHECK(net_list_match_addr("10.0.0.0/33", AF_INET, p.addr, &e) < 0);
}
