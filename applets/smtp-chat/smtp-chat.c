/* smtp-chat.c — the scriptable SMTP client for testing any server: swaks'
 * flags, chat scripts with assertions, probes, load mode.
 *
 * Standards: RFC 5321 (SMTP), 3207 (STARTTLS), 4954 (AUTH; PLAIN 4616,
 * LOGIN, CRAM-MD5 2195), 2920 (PIPELINING), 3030 (CHUNKING/BDAT),
 * 1870 (SIZE), 6152 (8BITMIME), 6531 (SMTPUTF8), 3461 (DSN),
 * 5322/2045/2046 for the message it builds.
 *
 * Usage, options and exit codes: usage_text below, which --help prints
 * (tests/help.bats checks that it names every option the parser accepts).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "base/config.h"
#include "base/read_all.h"
#include "../applets.h"
#include "chat.h"

static const char usage_text[] =
	"Usage: smtp-chat --server HOST[:PORT] [OPTIONS]\n"
	"Talk SMTP to a server: send a test message, run a chat script, probe, load.\n\n"
	"Connection:\n"
	"  -s, --server HOST[:PORT]  server (port 25, 465 with --tls-on-connect);\n"
	"                            without it, the MX of the last --to's domain\n"
	"  -p, --port PORT           port\n"
	"  -4, -6                    IPv4 or IPv6 only\n"
	"  --local-interface ADDR    bind this local address\n"
	"  --pipe 'COMMAND'          talk to a program on its stdin/stdout\n"
	"  --socket PATH             talk over a Unix-domain socket\n"
	"  --timeout SECONDS         per reply and per connect (default 30)\n"
	"  --dot-timeout SECONDS     for the reply after the message (default: --timeout)\n"
	"  --ehlo, --helo NAME       EHLO name (default: hostname from config)\n"
	"  --proxy 1|2               send a PROXY protocol header first\n"
	"  --proxy-source ADDR:PORT  --proxy-dest ADDR:PORT  (default: the real ones)\n"
	"  --xclient 'NAME=V ...'    XCLIENT after EHLO (Postfix), then EHLO again\n"
	"TLS (certificates are verified unless --insecure):\n"
	"  --starttls, --tls         STARTTLS, abort if not offered\n"
	"  --tls-optional            STARTTLS when offered\n"
	"  --tls-on-connect          implicit TLS (port 465)\n"
	"  --insecure                do not verify the certificate (warns)\n"
	"  --tls-ca FILE  --tls-cert FILE  --tls-key FILE\n"
	"  --tls-protocol TLSv1.2|TLSv1.3  --tls-cipher LIST  --tls-show-cert\n"
	"AUTH (the password never on the command line, never in a transcript):\n"
	"  --auth-user USER          authenticate as USER\n"
	"  --auth MECH               PLAIN, LOGIN or CRAM-MD5 (default: best offered)\n"
	"  --auth-password-file F | --auth-password-fd N | --auth-password-env VAR\n"
	"                            (default: asked on the terminal, echo off)\n"
	"Envelope and message:\n"
	"  -f, --from ADDR           envelope sender (\"\" or \"<>\" for none;\n"
	"                            default USER@hostname)\n"
	"  -t, --to ADDR             recipient (repeatable)\n"
	"  --header 'Name: value'    add or replace a header (repeatable)\n"
	"  --subject TEXT  --body TEXT|@FILE|-  --attach @FILE (repeatable)\n"
	"  --data TEXT|@FILE|-       send this complete message instead\n"
	"  --size N                  pad the message to N bytes\n"
	"  --no-date  --no-message-id  (--add-date, --add-message-id: the default)\n"
	"  --mail-params 'P=V ...'   extra MAIL FROM parameters\n"
	"  --dsn-notify LIST  --dsn-ret full|hdrs  --envid ID\n"
	"  --requiretls              REQUIRETLS (RFC 8689); needs TLS and the offer\n"
	"  --pipeline                pipeline MAIL, RCPT and DATA (when offered)\n"
	"  --bdat  --chunk-size N    send with BDAT (CHUNKING)\n"
	"  --quit-after STAGE  --drop-after STAGE\n"
	"                            connect banner ehlo tls auth mail rcpt data dot\n"
	"Modes:\n"
	"  --script FILE|-  --var NAME=VALUE   run a chat script (see docs)\n"
	"  --probe smuggling|starttls-injection|open-relay|all  [--probe-domain D]\n"
	"  --count N  --concurrency K  --per-session M      load mode\n"
	"  --interactive  type SMTP by hand (default on a terminal without --to)\n"
	"Output:\n"
	"  --json        one JSON object per step and a summary\n"
	"  --quiet       nothing but the reason of a failure\n"
	"  --timing      time of every reply\n"
	"  --hide-data   do not show the message text\n"
	"  -C FILE       configuration file\n\n"
	"Exit: 0 every step succeeded; 1 a script expectation failed or a probe\n"
	"found the server vulnerable; 2 connect; 21 banner; 22 EHLO/HELO; 23 MAIL;\n"
	"24 RCPT (any recipient refused); 25 DATA; 26 end of data; 28 AUTH; 29 TLS;\n"
	"64 usage; 65 bad script or message; 66 an input file missing; 69/75 a\n"
	"script or probe could not reach the server; 78 bad configuration.\n";

enum {
	O_PORT = 'p', O_SERVER = 's', O_FROM = 'f', O_TO = 't', O_CONF = 'C',
	O_LOCAL = 256, O_PIPE, O_SOCKET, O_TIMEOUT, O_EHLO, O_STARTTLS, O_TLS_OPT, O_TLSC,
	O_INSECURE, O_CA, O_CERT, O_KEY, O_PROTO, O_CIPHER, O_SHOWCERT, O_AUTH_USER, O_AUTH,
	O_PWFILE, O_PWFD, O_PWENV, O_HEADER, O_SUBJECT, O_BODY, O_DATA, O_ATTACH, O_SIZE,
	O_NODATE, O_NOMSGID, O_MAILPAR, O_NOTIFY, O_RET, O_ENVID, O_PIPELINE, O_BDAT, O_CHUNK,
	O_QUIT_AFTER, O_DROP_AFTER, O_SCRIPT, O_VAR, O_PROBE, O_PROBE_DOMAIN, O_COUNT,
	O_CONC, O_PER, O_JSON, O_QUIET, O_TIMING, O_HIDE, O_INTERACTIVE, O_PROXY, O_PROXY_SRC,
	O_PROXY_DST, O_XCLIENT, O_REQUIRETLS, O_ADDDATE, O_ADDMSGID, O_DOT_TIMEOUT,
};

static const struct option long_opts[] = {
	{ "server", 1, 0, O_SERVER }, { "port", 1, 0, O_PORT }, { "local-interface", 1, 0, O_LOCAL },
	{ "pipe", 1, 0, O_PIPE }, { "socket", 1, 0, O_SOCKET }, { "timeout", 1, 0, O_TIMEOUT },
	{ "ehlo", 1, 0, O_EHLO }, { "helo", 1, 0, O_EHLO }, { "starttls", 0, 0, O_STARTTLS },
	{ "tls", 0, 0, O_STARTTLS }, { "tls-optional", 0, 0, O_TLS_OPT },
	{ "tls-on-connect", 0, 0, O_TLSC }, { "insecure", 0, 0, O_INSECURE },
	{ "tls-ca", 1, 0, O_CA }, { "tls-cert", 1, 0, O_CERT }, { "tls-key", 1, 0, O_KEY },
	{ "tls-protocol", 1, 0, O_PROTO }, { "tls-cipher", 1, 0, O_CIPHER },
	{ "tls-show-cert", 0, 0, O_SHOWCERT }, { "auth-user", 1, 0, O_AUTH_USER },
	{ "auth", 1, 0, O_AUTH }, { "auth-password-file", 1, 0, O_PWFILE },
	{ "auth-password-fd", 1, 0, O_PWFD }, { "auth-password-env", 1, 0, O_PWENV },
	{ "from", 1, 0, O_FROM }, { "to", 1, 0, O_TO }, { "header", 1, 0, O_HEADER },
	{ "subject", 1, 0, O_SUBJECT }, { "body", 1, 0, O_BODY }, { "data", 1, 0, O_DATA },
	{ "attach", 1, 0, O_ATTACH }, { "size", 1, 0, O_SIZE }, { "no-date", 0, 0, O_NODATE },
	{ "no-message-id", 0, 0, O_NOMSGID }, { "mail-params", 1, 0, O_MAILPAR },
	{ "dsn-notify", 1, 0, O_NOTIFY }, { "dsn-ret", 1, 0, O_RET }, { "envid", 1, 0, O_ENVID },
	{ "pipeline", 0, 0, O_PIPELINE }, { "bdat", 0, 0, O_BDAT }, { "chunk-size", 1, 0, O_CHUNK },
	{ "quit-after", 1, 0, O_QUIT_AFTER }, { "drop-after", 1, 0, O_DROP_AFTER },
	{ "script", 1, 0, O_SCRIPT }, { "var", 1, 0, O_VAR }, { "probe", 1, 0, O_PROBE },
	{ "probe-domain", 1, 0, O_PROBE_DOMAIN }, { "count", 1, 0, O_COUNT },
	{ "concurrency", 1, 0, O_CONC }, { "per-session", 1, 0, O_PER }, { "json", 0, 0, O_JSON },
	{ "quiet", 0, 0, O_QUIET }, { "timing", 0, 0, O_TIMING }, { "hide-data", 0, 0, O_HIDE },
	{ "interactive", 0, 0, O_INTERACTIVE }, { "proxy", 1, 0, O_PROXY },
	{ "proxy-source", 1, 0, O_PROXY_SRC }, { "proxy-dest", 1, 0, O_PROXY_DST },
	{ "xclient", 1, 0, O_XCLIENT }, { "requiretls", 0, 0, O_REQUIRETLS },
	{ "dot-timeout", 1, 0, O_DOT_TIMEOUT },
	{ "add-date", 0, 0, O_ADDDATE }, { "add-message-id", 0, 0, O_ADDMSGID },
	{ 0, 0, 0, 0 },
};

static unsigned long long number(const char *s, const char *what, unsigned long long max)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		die(EX_USAGE, "%s: not a number up to %llu: \"%s\"", what, max, s);
	return v;
}

static enum chat_stage stage_arg(const char *s)
{
	for (enum chat_stage st = ST_CONNECT; st <= ST_DOT; st++)
		if (!strcmp(s, chat_stage_name(st)))
			return st;
	die(EX_USAGE, "unknown stage \"%s\" (connect banner ehlo tls auth mail rcpt data dot)", s);
}

static void add_list(const char **list, size_t *n, size_t max, const char *v, const char *what)
{
	if (*n >= max)
		die(EX_USAGE, "too many %s (at most %zu)", what, max);
	list[(*n)++] = v;
}

/* Split HOST[:PORT] / [V6]:PORT / bare V6 into o->host and o->port. */
static void parse_server(struct chat_opts *o, const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t hl = strlen(s);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			die(EX_USAGE, "--server %s: missing ]", s);
		hl = (size_t)(close - s) - 1;
		s++;
		colon = close[1] == ':' ? close + 1 : NULL;
	} else if (colon && strchr(s, ':') != colon) {
		colon = NULL; /* a bare IPv6 address */
	} else if (colon) {
		hl = (size_t)(colon - s);
	}
	if (str_copy(o->host, sizeof o->host, s, hl) < 0 || !hl)
		die(EX_USAGE, "--server: bad host \"%s\"", s);
	if (colon && str_copy(o->port, sizeof o->port, colon + 1, strlen(colon + 1)) < 0)
		die(EX_USAGE, "--server: bad port");
}

static void parse_options(struct chat_opts *o, int argc, char **argv, const char **conf)
{
	int c;
	while ((c = getopt_long(argc, argv, "46s:p:f:t:C:", long_opts, NULL)) != -1) {
		switch (c) {
		case '4': o->family = SMTP_IPV4; break;
		case '6': o->family = SMTP_IPV6; break;
		case O_SERVER: o->server = optarg; parse_server(o, optarg); break;
		case O_PORT: number(optarg, "--port", 65535);
			str_copy(o->port, sizeof o->port, optarg, strlen(optarg)); break;
		case O_CONF: *conf = optarg; break;
		case O_LOCAL: o->local = optarg; break;
		case O_PIPE: o->pipe_cmd = optarg; break;
		case O_SOCKET: o->socket_path = optarg; break;
		case O_TIMEOUT: o->timeout_ms = (int)number(optarg, "--timeout", 86400) * 1000; break;
		case O_DOT_TIMEOUT:
			o->dot_timeout_ms = (int)number(optarg, "--dot-timeout", 86400) * 1000;
			break;
		case O_EHLO: o->ehlo = optarg; break;
		case O_STARTTLS: o->starttls = 1; break;
		case O_TLS_OPT: o->tls_optional = 1; break;
		case O_TLSC: o->tls_on_connect = 1; break;
		case O_INSECURE: o->insecure = 1; break;
		case O_CA: o->tls_ca = optarg; break;
		case O_CERT: o->tls_cert = optarg; break;
		case O_KEY: o->tls_key = optarg; break;
		case O_PROTO: o->tls_protocol = optarg; break;
		case O_CIPHER: o->tls_cipher = optarg; break;
		case O_SHOWCERT: o->show_cert = 1; break;
		case O_AUTH_USER: o->auth_user = optarg; break;
		case O_AUTH:
			if (!(o->auth_mech = smtp_auth_mech(optarg)))
				die(EX_USAGE, "--auth: unknown mechanism \"%s\" (PLAIN, LOGIN, CRAM-MD5)", optarg);
			break;
		case O_PWFILE: o->pw_file = optarg; break;
		case O_PWFD: o->pw_fd = (int)number(optarg, "--auth-password-fd", 1 << 20); break;
		case O_PWENV: o->pw_env = optarg; break;
		case O_FROM: o->from = !strcmp(optarg, "<>") ? "" : optarg; break;
		case O_TO: add_list(o->to, &o->nto, CHAT_MAX_LIST, optarg, "--to"); break;
		case O_HEADER: add_list(o->headers, &o->nheaders, CHAT_MAX_LIST, optarg, "--header"); break;
		case O_SUBJECT: o->subject = optarg; break;
		case O_BODY: o->body_arg = optarg; break;
		case O_DATA: o->data_arg = optarg; break;
		case O_ATTACH: add_list(o->attach_arg, &o->nattach, 64, optarg, "--attach"); break;
		case O_SIZE: o->size = number(optarg, "--size", 1ULL << 40); break;
		case O_NODATE: o->add_date = 0; break;
		case O_NOMSGID: o->add_msgid = 0; break;
		case O_MAILPAR: o->mail_params = optarg; break;
		case O_NOTIFY: o->dsn_notify = optarg; break;
		case O_RET: o->dsn_ret = optarg; break;
		case O_ENVID: o->envid = optarg; break;
		case O_PIPELINE: o->pipeline = 1; break;
		case O_BDAT: o->bdat = 1; break;
		case O_CHUNK: o->chunk = number(optarg, "--chunk-size", 1ULL << 30); break;
		case O_QUIT_AFTER: o->quit_after = stage_arg(optarg); break;
		case O_DROP_AFTER: o->drop_after = stage_arg(optarg); break;
		case O_SCRIPT: o->script = optarg; break;
		case O_VAR: add_list(o->vars, &o->nvars, CHAT_MAX_LIST, optarg, "--var"); break;
		case O_PROBE: o->probe = optarg; break;
		case O_PROBE_DOMAIN: o->probe_domain = optarg; break;
		case O_COUNT: o->count = number(optarg, "--count", 100000000); break;
		case O_CONC: o->concurrency = number(optarg, "--concurrency", 1000); break;
		case O_PER: o->per_session = number(optarg, "--per-session", 1000000); break;
		case O_JSON: o->format = OUT_JSON; break;
		case O_QUIET: o->format = OUT_QUIET; break;
		case O_TIMING: o->timing = 1; break;
		case O_HIDE: o->hide_data = 1; break;
		case O_INTERACTIVE: o->interactive = 1; break;
		case O_PROXY: o->proxy = (int)number(optarg, "--proxy", 2);
			if (!o->proxy) die(EX_USAGE, "--proxy: version 1 or 2");
			break;
		case O_PROXY_SRC: o->proxy_src = optarg; break;
		case O_PROXY_DST: o->proxy_dst = optarg; break;
		case O_XCLIENT: o->xclient = optarg; break;
		case O_REQUIRETLS: o->requiretls = 1; break;
		case O_ADDDATE: o->add_date = 1; break;
		case O_ADDMSGID: o->add_msgid = 1; break;
		default: fputs(usage_text, stderr); exit(EX_USAGE);
		}
	}
	if (optind < argc)
		die(EX_USAGE, "unexpected argument \"%s\" (see --help)", argv[optind]);
}

/* Read a whole file ("-" is stdin) into b. */
void chat_slurp(struct buf *b, const char *path, const char *what)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		die(errno == ENOENT ? EX_NOINPUT : EX_IOERR, "%s %s: %s", what, path, strerror(errno));
	if (read_all(fd, b, 0) != READ_ALL_OK)
		die(errno == ENOMEM ? EX_SOFTWARE : EX_IOERR, "%s %s: %s", what, path, strerror(errno));
	if (fd > 0)
		close(fd);
}

/* TEXT, @FILE or - (stdin). */
static void text_arg(struct buf *b, const char *arg, const char *what)
{
	if (!strcmp(arg, "-"))
		chat_slurp(b, "-", what);
	else if (arg[0] == '@')
		chat_slurp(b, arg + 1, what);
	else
		buf_adds(b, arg);
}

static void build_message(struct chat_opts *o)
{
	struct mail_err e;
	buf_init(&o->message, 0);
	if (o->data_arg) {
		text_arg(&o->message, o->data_arg, "--data");
		return;
	}
	struct buf body = BUF_INIT;
	struct chat_attach att[64];
	struct buf files[64];
	if (o->body_arg)
		text_arg(&body, o->body_arg, "--body");
	for (size_t i = 0; i < o->nattach; i++) {
		const char *name = o->attach_arg[i][0] == '@' ? o->attach_arg[i] + 1 : o->attach_arg[i];
		buf_init(&files[i], 0);
		chat_slurp(&files[i], name, "--attach");
		att[i] = (struct chat_attach){ name, files[i].ptr ? files[i].ptr : "", files[i].len, NULL };
	}
	struct chat_msg_opts m = {
		.from = o->from, .to = o->to, .nto = o->nto, .subject = o->subject,
		.body = o->body_arg ? (body.ptr ? body.ptr : "") : NULL, .body_len = body.len,
		.headers = o->headers, .nheaders = o->nheaders, .attach = att, .nattach = o->nattach,
		.add_date = o->add_date, .add_msgid = o->add_msgid, .size = o->size,
		.hostname = o->hostname, .now = time(NULL), .seq = 1,
	};
	if (chat_msg_build(&o->message, &m, &e) < 0)
		die(e.ex, "%s", e.msg);
	for (size_t i = 0; i < o->nattach; i++)
		buf_free(&files[i]);
	buf_free(&body);
}

/* The password from a file, a descriptor, the environment or the terminal:
 * never from argv, where every user on the host could read it. */
static void read_password(struct chat_opts *o)
{
	struct buf pw = BUF_INIT;
	if (o->pw_file) {
		chat_slurp(&pw, o->pw_file, "--auth-password-file");
	} else if (o->pw_fd > 0) {
		char fdname[32];
		snprintf(fdname, sizeof fdname, "/dev/fd/%d", o->pw_fd);
		chat_slurp(&pw, fdname, "--auth-password-fd");
	} else if (o->pw_env) {
		const char *v = getenv(o->pw_env);
		if (!v)
			die(EX_USAGE, "--auth-password-env: $%s is not set", o->pw_env);
		buf_adds(&pw, v);
	} else {
		int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
		if (tty < 0)
			die(EX_USAGE, "--auth-user needs a password: --auth-password-file, -fd or -env "
				      "(no terminal to ask on)");
		struct termios old, quiet;
		int have = tcgetattr(tty, &old) == 0;
		if (have) {
			quiet = old;
			quiet.c_lflag &= ~(tcflag_t)ECHO;
			tcsetattr(tty, TCSAFLUSH, &quiet);
		}
		if (write(tty, "Password: ", 10) < 0)
			die(EX_IOERR, "/dev/tty: %s", strerror(errno));
		char ch;
		while (read(tty, &ch, 1) == 1 && ch != '\n')
			buf_addc(&pw, ch);
		if (have)
			tcsetattr(tty, TCSAFLUSH, &old);
		if (write(tty, "\n", 1) < 0) { /* nothing more to do */ }
		close(tty);
	}
	/* one line: a trailing newline in a password file is not part of it */
	while (pw.len && (pw.ptr[pw.len - 1] == '\n' || pw.ptr[pw.len - 1] == '\r'))
		pw.len--;
	o->password = strdup(buf_cstr(&pw));
	if (!o->password)
		die(EX_SOFTWARE, "out of memory");
	if (pw.ptr)
		memset(pw.ptr, 0, pw.cap);
	buf_free(&pw);
}

/* The addresses of one MX host as literals, the family -4/-6 asks for. */
static void mx_addresses(struct dns *d, int family, struct chat_mx_host *h)
{
	struct mail_err e;
	struct dns_addr_list *a = malloc(sizeof *a);
	if (!a)
		die(EX_OSERR, "out of memory");
	if (dns_addr_lookup(d, h->name, a, &e) < 0) {
		str_copy(h->why, sizeof h->why, e.msg, strlen(e.msg));
		a->n = 0;
	}
	for (size_t i = 0; i < a->n && h->naddr < CHAT_MX_ADDR_MAX; i++) {
		const struct sockaddr_storage *ss = &a->addr[i];
		if ((family == SMTP_IPV4 && ss->ss_family != AF_INET) ||
		    (family == SMTP_IPV6 && ss->ss_family != AF_INET6))
			continue;
		const void *bin = ss->ss_family == AF_INET ? (const void *)&((const struct sockaddr_in *)ss)->sin_addr
							  : (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;
		if (inet_ntop(ss->ss_family, bin, h->addr[h->naddr], sizeof h->addr[0]))
			h->naddr++;
	}
	if (a->n && !h->naddr) { /* only addresses of the other family */
		char why[sizeof h->why];
		snprintf(why, sizeof why, "%s: no IPv%d address", h->name, family);
		str_copy(h->why, sizeof h->why, why, strlen(why));
	}
	free(a);
}

/* No --server: the MX hosts of the last recipient's domain (as swaks does),
 * by libmail/dns.h (RFC 5321 §5.1: preference order, random among equal
 * preferences, implicit MX, null MX); the nameserver is the resolver key,
 * the port smtp_port from the configuration unless --port says. */
static void find_mx(struct chat_opts *o, const struct config *cfg)
{
	struct mail_err e;
	struct dns d;
	const char *at = o->nto ? strrchr(o->to[o->nto - 1], '@') : NULL;
	if (!at || !at[1])
		die(EX_USAGE, "no --server, and no recipient domain to look up MX for");
	const char *domain = at + 1;
	if (dns_init(&d, config_str(cfg, CFG_RESOLVER), (int)config_num(cfg, CFG_DNS_TIMEOUT) * 1000, &e) < 0)
		die(e.ex == EX_CONFIG ? EX_CONFIG : CHAT_EX_CONNECT, "%s", e.msg);
	struct dns_mx_list *mx = malloc(sizeof *mx);
	if (!mx)
		die(EX_OSERR, "out of memory");
	if (dns_mx_lookup(&d, domain, mx, &e) < 0)
		die(CHAT_EX_CONNECT, "MX lookup for %s: %s", domain, e.msg);
	for (size_t i = 0; i < mx->n && o->nmx < CHAT_MX_MAX; i++) {
		struct chat_mx_host *h = &o->mx[o->nmx++];
		memset(h, 0, sizeof *h);
		str_copy(h->name, sizeof h->name, mx->mx[i].host, strlen(mx->mx[i].host));
		h->pref = mx->mx[i].pref;
		mx_addresses(&d, o->family, h);
	}
	free(mx);
	if (!o->port[0])
		str_copy(o->port, sizeof o->port, config_str(cfg, CFG_SMTP_PORT),
			 strlen(config_str(cfg, CFG_SMTP_PORT)));
	str_copy(o->host, sizeof o->host, o->mx[0].name, strlen(o->mx[0].name));
}

int smtp_chat_main(int argc, char **argv)
{
	struct chat_opts o = { .add_date = 1, .add_msgid = 1, .timeout_ms = 30000, .pw_fd = -1 };
	struct config cfg;
	const char *conf = NULL;
	cli_init("smtp-chat");
	cli_help_version(argc, argv, usage_text);
	/* A server that hangs up must show as an error, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	parse_options(&o, argc, argv, &conf);
	cli_load_config(&cfg, conf);
	o.hostname = config_str(&cfg, CFG_HOSTNAME);
	if (!o.ehlo)
		o.ehlo = o.hostname;
	if (!o.server && !o.pipe_cmd && !o.socket_path)
		find_mx(&o, &cfg);
	if (!o.port[0])
		str_copy(o.port, sizeof o.port, o.tls_on_connect ? "465" : "25", 3);
	if (o.starttls + o.tls_optional + o.tls_on_connect > 1)
		die(EX_USAGE, "--starttls, --tls-optional and --tls-on-connect exclude each other");
	char from_buf[320];
	if (!o.from) { /* as swaks: the user at this host */
		const struct passwd *pw = getpwuid(getuid());
		snprintf(from_buf, sizeof from_buf, "%s@%s", pw ? pw->pw_name : "smtp-chat", o.hostname);
		o.from = from_buf;
	}
	if (o.insecure && o.format != OUT_QUIET)
		warn("--insecure: the server's certificate is not verified");
	if (o.auth_user)
		read_password(&o);
	struct chat_out out;
	chat_out_init(&out, o.format, o.timing, o.hide_data);
	int rc;
	if (o.count) {
		if (!o.nto)
			die(EX_USAGE, "load mode needs --to");
		build_message(&o);
		rc = chat_load_main(&o);
	} else if (o.probe) {
		rc = chat_probe_main(&o, &out);
	} else if (o.script) {
		build_message(&o);
		chat_slurp(&o.script_text, o.script, "--script");
		rc = chat_script_main(&o, &out);
		buf_free(&o.script_text);
	} else if (o.interactive || (!o.nto && !o.quit_after && !o.drop_after && isatty(0))) {
		rc = chat_interactive_main(&o, &out);
	} else {
		enum chat_stage stop = o.quit_after ? o.quit_after : o.drop_after;
		if (!o.nto && (!stop || stop >= ST_RCPT))
			die(EX_USAGE, "no --to (or --quit-after/--drop-after a stage before rcpt)");
		build_message(&o);
		rc = chat_flags_main(&o, &out);
	}
	chat_out_free(&out);
	if (o.password) {
		memset(o.password, 0, strlen(o.password));
		free(o.password);
	}
	buf_free(&o.message);
	tls_ctx_free(o.tls);
	config_free(&cfg);
	return rc;
}
