/* Unit tests: the users file, the aliases file and recipient resolution. */
#include <crypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/aliases.h"
#include "local/recipient.h"
#include "store/users.h"
#include "unit.h"

static int parse_users(struct users *u, const char *text, struct mail_err *e)
{
	return users_parse(u, text, strlen(text), "users", e);
}

UNIT_TEST(users_parse_and_find)
{
	struct users u;
	struct mail_err e;
	const char *text = "# comment\n"
			   "\n"
			   "ann@Example.ORG:$6$abc$def:/var/mail/ann/Maildir/\n"
			   "  bob@example.org:*:/var/mail/bob:with:colons\n"
			   "@example.org:!:/var/mail/catchall\r\n"
			   "carol@example.org:!locked:/m/carol/";
	CHECK(parse_users(&u, text, &e) == 0);
	CHECK(u.n == 4);
	const struct user *a = users_find(&u, "ANN@example.org");
	CHECK(a && a->maildir && a->can_login && a->line == 3);
	CHECK(a && !strcmp(a->mailbox, "/var/mail/ann/Maildir/"));
	const struct user *b = users_find(&u, "bob@EXAMPLE.org");
	CHECK(b && !b->maildir && !b->can_login && !strcmp(b->mailbox, "/var/mail/bob:with:colons"));
	const struct user *c = users_find(&u, "@example.org");
	CHECK(c && !c->can_login && !strcmp(c->mailbox, "/var/mail/catchall"));
	CHECK(users_find(&u, "carol@example.org") && !users_find(&u, "carol@example.org")->can_login);
	CHECK(users_find(&u, "dave@example.org") == NULL);
	users_free(&u);
}

UNIT_TEST(users_errors_name_file_and_line)
{
	struct users u;
	struct mail_err e;
	CHECK(parse_users(&u, "ann@x.org:*:/a/\nbad line\n", &e) < 0);
	CHECK(strstr(e.msg, "users:2:") && e.ex == EX_CONFIG);
	users_free(&u);
	CHECK(parse_users(&u, "ann@x.org:*:relative/path\n", &e) < 0 && strstr(e.msg, "users:1: mailbox"));
	users_free(&u);
	CHECK(parse_users(&u, "not an address:*:/a\n", &e) < 0 && strstr(e.msg, "bad address"));
	users_free(&u);
	CHECK(parse_users(&u, "ann@x.org::/a\n", &e) < 0 && strstr(e.msg, "hash"));
	users_free(&u);
	CHECK(parse_users(&u, "ann@x.org:*:/a\nANN@X.org:*:/b\n", &e) < 0);
	CHECK(strstr(e.msg, "already defined on line 1") != NULL);
	users_free(&u);
	CHECK(parse_users(&u, "ann@x.org:*:/a\x01\n", &e) < 0 && strstr(e.msg, "control"));
	users_free(&u);
	CHECK(users_parse(&u, "a@x.org:*:/a\0\n", 14, "users", &e) < 0 && strstr(e.msg, "NUL"));
	users_free(&u);
	char *big = malloc(USERS_LINE_MAX + 20);
	memset(big, 'a', USERS_LINE_MAX + 10);
	memcpy(big, "a@x.org:*:/", 11);
	big[USERS_LINE_MAX + 10] = '\0';
	CHECK(parse_users(&u, big, &e) < 0 && strstr(e.msg, "users:1: line longer"));
	users_free(&u);
	free(big);
	CHECK(users_load(&u, "/nonexistent/users", &e) < 0 && strstr(e.msg, "/nonexistent/users"));
	users_free(&u);
}

UNIT_TEST(users_passwords)
{
	struct users u;
	struct mail_err e;
	char h1[CRYPT_OUTPUT_SIZE], h2[CRYPT_OUTPUT_SIZE];
	CHECK(users_hash_password("s3cret", NULL, h1, sizeof h1, &e) == 0);
	CHECK(!strncmp(h1, "$y$", 3));
	CHECK(users_hash_password("other", "sha512", h2, sizeof h2, &e) == 0);
	CHECK(!strncmp(h2, "$6$", 3));
	CHECK(users_hash_password("x", "md5", h2, sizeof h2, &e) < 0);
	CHECK(users_hash_password("other", "sha512", h2, sizeof h2, &e) == 0);
	char text[2048];
	snprintf(text, sizeof text, "ann@x.org:%s:/m/ann/\nbob@x.org:%s:/m/bob\nnologin@x.org:*:/m/n\n",
		 h1, h2);
	CHECK(parse_users(&u, text, &e) == 0);
	CHECK(users_check_password(&u, "ann@x.org", "s3cret") == users_find(&u, "ann@x.org"));
	CHECK(users_check_password(&u, "ANN@x.org", "s3cret") != NULL);
	CHECK(users_check_password(&u, "ann@x.org", "s3cre") == NULL);
	CHECK(users_check_password(&u, "ann@x.org", "") == NULL);
	CHECK(users_check_password(&u, "bob@x.org", "other") != NULL);
	CHECK(users_check_password(&u, "bob@x.org", "s3cret") == NULL);
	/* unknown user with a real user's password: still refused */
	CHECK(users_check_password(&u, "eve@x.org", "s3cret") == NULL);
	CHECK(users_check_password(&u, "nologin@x.org", "*") == NULL);
	CHECK(users_check_password(&u, NULL, "s3cret") == NULL);
	users_free(&u);
	/* no loginable user at all: the built-in dummy is a valid hash */
	CHECK(parse_users(&u, "n@x.org:*:/m/n\n", &e) == 0);
	CHECK(users_check_password(&u, "n@x.org", "") == NULL);
	users_free(&u);
}

UNIT_TEST(users_dummy_hash_takes_real_time)
{
	/* The dummy must be a valid yescrypt string, or crypt returns at once
	 * and an unknown user answers faster than a real one. */
	struct crypt_data *cd = calloc(1, sizeof *cd);
	const char *h = crypt_r("x", "$y$j9T$nuk6sUeeX18g45Iz4vWt4.$k5qcj4mCZ6kNHkLLRiJ3a7kquiun1ZKZ9ibzgJT4HV2", cd);
	CHECK(h && h[0] == '$');
	free(cd);
}

static int parse_aliases(struct aliases *a, const char *text, struct mail_err *e)
{
	return aliases_parse(a, text, strlen(text), "aliases", e);
}

UNIT_TEST(aliases_syntax)
{
	struct aliases a;
	struct mail_err e;
	const char *text = "# the usual\n"
			   "postmaster: root\n"
			   "root:\tann, bob@example.org  ,\n"
			   "   \\ann\n"
			   "\n"
			   "# a comment inside does not end the entry\n"
			   "  , carol\n"
			   "list: \"|/usr/bin/handler --name list, x\", /var/log/list.mbox,\n"
			   "\t:include:/etc/list.members, |/bin/cat -n\n"
			   "box: /srv/mail/box/\n"
			   "@example.net: catchall@example.org\n"
			   "Ann@Example.org: \"\\\\ann\"\n";
	CHECK(parse_aliases(&a, text, &e) == 0);
	CHECK(a.n == 6);
	const struct alias *r = aliases_find(&a, "ROOT");
	CHECK(r && r->nt == 4 && r->line == 3);
	if (r && r->nt == 4) {
		CHECK(r->t[0].kind == ALIAS_ADDRESS && !strcmp(r->t[0].text, "ann"));
		CHECK(!strcmp(r->t[1].text, "bob@example.org"));
		CHECK(r->t[2].kind == ALIAS_LOCAL_ONLY && !strcmp(r->t[2].text, "ann"));
		CHECK(!strcmp(r->t[3].text, "carol"));
	}
	const struct alias *l = aliases_find(&a, "list");
	CHECK(l && l->nt == 4);
	if (l && l->nt == 4) {
		CHECK(l->t[0].kind == ALIAS_PIPE && !strcmp(l->t[0].text, "/usr/bin/handler --name list, x"));
		CHECK(l->t[1].kind == ALIAS_FILE && !strcmp(l->t[1].text, "/var/log/list.mbox"));
		CHECK(l->t[2].kind == ALIAS_INCLUDE && !strcmp(l->t[2].text, "/etc/list.members"));
		CHECK(l->t[3].kind == ALIAS_PIPE && !strcmp(l->t[3].text, "/bin/cat -n"));
	}
	CHECK(aliases_find(&a, "@example.NET") != NULL);
	const struct alias *q = aliases_find(&a, "ann@example.org");
	CHECK(q && q->nt == 1 && q->t[0].kind == ALIAS_LOCAL_ONLY);
	CHECK(aliases_find(&a, "nobody") == NULL);
	aliases_free(&a);
}

UNIT_TEST(aliases_errors)
{
	struct aliases a;
	struct mail_err e;
	CHECK(parse_aliases(&a, "a: b\n  \nno colon here\n", &e) < 0 && strstr(e.msg, "aliases:3:"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "  b\n", &e) < 0 && strstr(e.msg, "continuation"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a:\n", &e) < 0 && strstr(e.msg, "no targets"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a: \"|x\n", &e) < 0 && strstr(e.msg, "unterminated"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a: :include:relative\n", &e) < 0 && strstr(e.msg, "absolute"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a: b\nA: c\n", &e) < 0 && strstr(e.msg, "aliases:2: alias A already defined on line 1"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a b: c\n", &e) < 0 && strstr(e.msg, "bad alias name"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a: <b@c>>\n", &e) < 0 && strstr(e.msg, "bad address"));
	aliases_free(&a);
	CHECK(parse_aliases(&a, "a: |\n", &e) < 0 && strstr(e.msg, "empty command"));
	aliases_free(&a);
	struct alias_target *t;
	size_t n;
	const char *list = "# members\nann\nbob@x.org, carol\n\n|/bin/true\n";
	CHECK(aliases_parse_targets(list, strlen(list), "inc", &t, &n, &e) == 0);
	CHECK(n == 4 && t[3].kind == ALIAS_PIPE);
	aliases_free_targets(t, n);
}

struct fixture {
	struct users u;
	struct aliases a;
	struct config cfg;
	struct resolver r;
	struct dests d;
	struct mail_err e;
	char dir[64];
};

static void fixture_init(struct fixture *f, const char *users, const char *aliases)
{
	memset(f, 0, sizeof *f);
	CHECK(users_parse(&f->u, users, strlen(users), "users", &f->e) == 0);
	CHECK(aliases_parse(&f->a, aliases, strlen(aliases), "aliases", &f->e) == 0);
	CHECK(config_load(&f->cfg, "/dev/null", &f->e) == 0);
	CHECK(config_set(&f->cfg, "local_domains", "x.org, y.org", "test", &f->e) == 0);
	CHECK(config_set(&f->cfg, "hostname", "x.org", "test", &f->e) == 0);
	resolver_init(&f->r, &f->cfg, &f->u, &f->a);
}

static void fixture_free(struct fixture *f)
{
	dests_free(&f->d);
	users_free(&f->u);
	aliases_free(&f->a);
	config_free(&f->cfg);
}

static int run(struct fixture *f, const char *addr)
{
	dests_free(&f->d);
	return resolve(&f->r, addr, &f->d, &f->e);
}

static const char users_text[] = "ann@x.org:*:/m/ann/\n"
				 "bob@x.org:*:/m/bob\n"
				 "carol@y.org:*:/m/carol/\n"
				 "@y.org:*:/m/catchall/\n";

UNIT_TEST(resolve_users_details_catchall)
{
	struct fixture f;
	fixture_init(&f, users_text, "");
	CHECK(run(&f, "ann@x.org") == 0 && f.d.n == 1);
	CHECK(f.d.v[0].kind == DEST_MAILBOX && f.d.v[0].maildir && !strcmp(f.d.v[0].target, "/m/ann/"));
	CHECK(!strcmp(f.d.v[0].rcpt, "ann@x.org") && !f.d.v[0].detail[0]);
	CHECK(run(&f, "ANN+Lists@X.ORG") == 0 && f.d.n == 1 && !strcmp(f.d.v[0].detail, "Lists"));
	CHECK(!strcmp(f.d.v[0].target, "/m/ann/"));
	CHECK(run(&f, "ann") == 0 && f.d.n == 1);  /* bare name: the hostname */
	CHECK(run(&f, "dave@x.org") < 0 && f.e.ex == EX_NOUSER && f.e.smtp == 550 &&
	      !strcmp(f.e.status, "5.1.1"));
	CHECK(run(&f, "dave@y.org") == 0 && !strcmp(f.d.v[0].target, "/m/catchall/"));
	CHECK(run(&f, "carol@y.org") == 0 && !strcmp(f.d.v[0].target, "/m/carol/"));
	CHECK(run(&f, "ann@elsewhere.example") < 0 && f.e.ex == EX_NOUSER);
	/* path tricks are just unknown names: nothing is pasted into a path */
	CHECK(run(&f, "../../etc/passwd@x.org") < 0 && f.e.ex == EX_NOUSER);
	CHECK(run(&f, "\"ann\"@x.org") < 0);
	CHECK(run(&f, "ann@[127.0.0.1]") < 0);
	CHECK(resolve_exists(&f.r, "ann+x@x.org", &f.e) == 1);
	CHECK(resolve_exists(&f.r, "zed@x.org", &f.e) == 0 && f.e.smtp == 550);
	CHECK(resolve_exists(&f.r, "zed@y.org", &f.e) == 1);
	CHECK(resolve_exists(&f.r, "<<bad", &f.e) < 0);
	fixture_free(&f);
}

UNIT_TEST(resolve_aliases)
{
	struct fixture f;
	fixture_init(&f, users_text,
		     "postmaster: root\n"
		     "root: ann, bob, ann@x.org, \\bob\n"
		     "ann: ann, \"|/usr/bin/vacation ann\"\n"
		     "list: /var/list.mbox, /var/list/, fwd@remote.example, carol@y.org\n"
		     "a: b\nb: c\nc: a\n"
		     "me: me\n"
		     "ghost: \\nobody\n"
		     "@x.org: bob\n");
	CHECK(run(&f, "postmaster@x.org") == 0);
	/* root → ann (alias: ann itself + vacation) + bob; duplicates once */
	CHECK(f.d.n == 3);
	if (f.d.n == 3) {
		CHECK(f.d.v[0].kind == DEST_MAILBOX && !strcmp(f.d.v[0].target, "/m/ann/"));
		CHECK(f.d.v[1].kind == DEST_PIPE && !strcmp(f.d.v[1].target, "/usr/bin/vacation ann"));
		CHECK(!strcmp(f.d.v[1].rcpt, "ann@x.org") && !strcmp(f.d.v[1].origin, "aliases:3"));
		CHECK(f.d.v[2].kind == DEST_MAILBOX && !strcmp(f.d.v[2].target, "/m/bob"));
	}
	CHECK(run(&f, "list@x.org") == 0 && f.d.n == 4);
	if (f.d.n == 4) {
		CHECK(f.d.v[0].kind == DEST_FILE && !f.d.v[0].maildir);
		CHECK(f.d.v[1].kind == DEST_FILE && f.d.v[1].maildir);
		CHECK(f.d.v[2].kind == DEST_FORWARD && !strcmp(f.d.v[2].target, "fwd@remote.example"));
		CHECK(f.d.v[3].kind == DEST_MAILBOX && !strcmp(f.d.v[3].target, "/m/carol/"));
	}
	CHECK(run(&f, "a@x.org") < 0 && f.e.ex == EX_DATAERR && !strcmp(f.e.status, "5.4.6"));
	CHECK(strstr(f.e.msg, "a@x.org -> b@x.org -> c@x.org -> a@x.org") != NULL);
	CHECK(run(&f, "me@x.org") < 0 && !strcmp(f.e.status, "5.4.6"));
	CHECK(run(&f, "ghost@x.org") < 0 && f.e.ex == EX_NOUSER);
	/* catch-all alias after users: a real user is not swallowed */
	CHECK(run(&f, "ann@x.org") == 0 && f.d.n == 2);
	CHECK(run(&f, "unknown@x.org") == 0 && f.d.n == 1 && !strcmp(f.d.v[0].target, "/m/bob"));
	CHECK(run(&f, "list+tag@x.org") == 0 && f.d.n == 4);
	fixture_free(&f);
}

UNIT_TEST(resolve_include_and_depth)
{
	struct fixture f;
	char inc[] = "/tmp/pb-unit-inc.XXXXXX";
	int fd = mkstemp(inc);
	CHECK(fd >= 0);
	const char *members = "# members\nann\n|/bin/cat\nbob@x.org\n";
	CHECK(write(fd, members, strlen(members)) == (ssize_t)strlen(members));
	close(fd);
	char aliases[4096];
	int n = snprintf(aliases, sizeof aliases, "team: :include:%s\nself: :include:/tmp/pb-unit-self\n", inc);
	for (int i = 0; i < 30; i++)
		n += snprintf(aliases + n, sizeof aliases - (size_t)n, "d%d: d%d\n", i, i + 1);
	fixture_init(&f, users_text, aliases);
	CHECK(run(&f, "team@x.org") == 0 && f.d.n == 3);
	if (f.d.n == 3) {
		CHECK(f.d.v[1].kind == DEST_PIPE && f.d.v[1].has_owner && f.d.v[1].owner == getuid());
		CHECK(!strcmp(f.d.v[1].origin, inc));
	}
	CHECK(run(&f, "d0@x.org") < 0 && !strcmp(f.e.status, "5.4.6") && strstr(f.e.msg, "deeper"));
	/* a missing include: retried later, not bounced */
	CHECK(run(&f, "self@x.org") < 0 && f.e.ex == EX_TEMPFAIL);
	FILE *s = fopen("/tmp/pb-unit-self", "w");
	fputs(":include:/tmp/pb-unit-self\n", s);
	fclose(s);
	CHECK(run(&f, "self@x.org") < 0 && strstr(f.e.msg, "include loop"));
	unlink("/tmp/pb-unit-self");
	unlink(inc);
	fixture_free(&f);
}
