/* inetd.h — the descriptors of a session run by a super-server (inetd,
 * xinetd, tcpserver, systemd Accept=yes), for smtpd and pop3d; who the
 * client is comes from peer_of_stdin() (peer.h).
 */
#ifndef POSTBOX_INETD_H
#define POSTBOX_INETD_H

/* A super-server may hand the client's socket over as stderr too (inetd's
 * "wait"-less services, xinetd, systemd StandardError=socket): then stderr
 * becomes /dev/null, so that no log line or error message of ours ever
 * reaches the client inside the protocol stream. A writer that the client
 * stopped reading must not kill us either: SIGPIPE is ignored. */
void inetd_stdio_guard(void);

#endif
