/* Unit tests: the mailbox layer (Maildir names, dovecot-uidlist, keywords,
 * mailfolder views shared by two sessions, folders, subscriptions). */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/read_all.h"
#include "store/folder_tree.h"
#include "store/keywords.h"
#include "store/maildir.h"
#include "store/maildir_name.h"
#include "store/mailfolder.h"
#include "store/mailfolder_int.h"
#include "store/msgcache.h"
#include "store/subscriptions.h"
#include "store/uidlist.h"
#include "unit.h"

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(p);
}

static void rm_tree(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch Maildir under a fresh mkdtemp directory. */
static char *scratch(char *dir, size_t cap)
{
	const char *t = getenv("TMPDIR");
	snprintf(dir, cap, "%s/store-unit.XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(dir))
		return NULL;
	return dir;
}

/* A scratch directory and the path of a Maildir in it (made on the first
 * delivery); 0, with the check failed, when no directory could be made. */
static int scratch_maildir(char *dir, size_t dcap, char *md, size_t mcap)
{
	if (!scratch(dir, dcap)) {
		CHECK(!"mkdtemp");
		return 0;
	}
	snprintf(md, mcap, "%s/Maildir", dir);
	return 1;
}

static void deliver(const char *maildir, const char *text)
{
	struct maildir m;
	struct mail_err e;
	char name[MAILDIR_NAME_MAX];
	struct iovec iov = { (void *)text, strlen(text) };
	if (maildir_open(&m, maildir, 1, &e) == 0)
		maildir_deliver(&m, &iov, 1, name, sizeof name, &e);
	maildir_close(&m);
}

static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	struct buf b = BUF_INIT;
	if (fd >= 0) {
		read_all(fd, &b, 0);
		close(fd);
	}
	char *s = strdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

UNIT_TEST(store_maildir_names)
{
	const char *n = "1700000000.M1P2Q3R4.host,S=120,W=124:2,FRSab";
	CHECK(maildir_name_base_len(n) == strlen("1700000000.M1P2Q3R4.host,S=120,W=124"));
	CHECK(maildir_name_field(n, 'S') == 120);
	CHECK(maildir_name_field(n, 'W') == 124);
	CHECK(maildir_name_field("1.M1.host", 'W') == -1);
	CHECK(maildir_name_field("1.M1.host,W=12x", 'W') == -1);
	unsigned flags;
	uint32_t kw, other;
	maildir_name_flags(n, &flags, &kw, &other);
	CHECK(flags == (MF_FLAGGED | MF_ANSWERED | MF_SEEN));
	CHECK(kw == 3 && other == 0);
	maildir_name_flags("1.M1.host:2,PS", &flags, &kw, &other);
	CHECK(flags == MF_SEEN && other == 1u << ('P' - 'A'));
	char out[300];
	CHECK(maildir_name_with_flags(out, sizeof out, "1.M1.host:2,PS", MF_SEEN | MF_DRAFT | MF_DELETED,
				      1u << 25 | 1u, other) == 0);
	CHECK_STR(out, "1.M1.host:2,DPSTaz");
	CHECK(maildir_name_with_flags(out, sizeof out, "1.M1.host", 0, 0, 0) == 0);
	CHECK_STR(out, "1.M1.host:2,");
}

static long long parse(struct uidlist *u, const char *text)
{
	uidlist_init(u, -1, "test");
	return uidlist_parse(u, text, strlen(text), 0);
}

UNIT_TEST(store_uidlist_parse)
{
	struct uidlist u;
	/* As Dovecot 2.3 wrote it: N lags behind the appended records. */
	const char *dovecot = "3 V1796428235 N1 Gd8d3f535cb51136be867000083ecc375\n"
			      "1 :1000.M1P1.host,S=29\n"
			      "2 W37 P00000002abc :1001.M1P1.host\n";
	CHECK(parse(&u, dovecot) == (long long)strlen(dovecot));
	CHECK(u.uidvalidity == 1796428235u && u.nextuid == 3 && u.n == 2);
	CHECK_STR(u.guid, "d8d3f535cb51136be867000083ecc375");
	CHECK(uidlist_find(&u, "1001.M1P1.host", 14) == 1);
	CHECK(uidlist_find(&u, "1001.M1P1.hos", 13) == -1);
	size_t n;
	const char *p = uidlist_ext(&u.v[1], 'P', &n);
	CHECK(p && n == 11 && !memcmp(p, "00000002abc", 11));
	p = uidlist_ext(&u.v[1], 'W', &n);
	CHECK(p && n == 2 && !memcmp(p, "37", 2));
	CHECK(uidlist_ext(&u.v[0], 'W', &n) == NULL);
	uidlist_free(&u);

	/* Unknown header fields are kept for the rewrite. */
	CHECK(parse(&u, "3 V5 N9 Gd8d3f535cb51136be867000083ecc375 X1 M77\n") > 0);
	CHECK(u.nextuid == 9 && u.hdr_ext && !strcmp(u.hdr_ext, "X1 M77"));
	uidlist_free(&u);

	/* A torn last line is not a record yet. */
	const char *torn = "3 V5 N1 G00000000000000000000000000000000\n1 :a\n2 :b";
	CHECK(parse(&u, torn) == (long long)strlen(torn) - 4 && u.n == 1);
	uidlist_free(&u);

	/* Version 1 (Courier) is read. */
	CHECK(parse(&u, "1 1234 10\n3 abc\n7 def\n") > 0);
	CHECK(u.uidvalidity == 1234 && u.nextuid == 10 && u.n == 2 && u.rewrite);
	uidlist_free(&u);

	/* Broken: UIDs out of order, bad version, zero UID, slash in a name. */
	CHECK(parse(&u, "3 V5 N9\n2 :a\n1 :b\n") == -1);
	uidlist_free(&u);
	CHECK(parse(&u, "4 V5 N9\n") == -1);
	uidlist_free(&u);
	CHECK(parse(&u, "3 V5 N9\n0 :a\n") == -1);
	uidlist_free(&u);
	CHECK(parse(&u, "3 V5 N9\n1 :../a\n") == -1);
	uidlist_free(&u);
	CHECK(parse(&u, "3 N9\n") == -1);   /* no UIDVALIDITY */
	uidlist_free(&u);
}

UNIT_TEST(store_keywords_parse)
{
	struct keywords k = { 0 };
	const char *text = "0 $Junk\n1 NonJunk\nbad line\n27 toolarge\n3 has space\n";
	keywords_parse(&k, text, strlen(text));
	CHECK(k.name[0] && !strcmp(k.name[0], "$Junk"));
	CHECK(k.name[1] && !strcmp(k.name[1], "NonJunk"));
	CHECK(k.name[2] == NULL);
	CHECK(k.name[3] == NULL);   /* "has space" is not an atom */
	keywords_free(&k);
}

static uint32_t expunged_seq[16];
static size_t nexpunged;

static void on_expunge(void *arg, uint32_t seq, uint32_t uid)
{
	(void)arg, (void)uid;
	if (nexpunged < 16)
		expunged_seq[nexpunged++] = seq;
}

UNIT_TEST(store_mailfolder_two_sessions)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	deliver(md, "Subject: one\n\nbody\n");
	deliver(md, "Subject: two\n\nbody two\n");
	deliver(md, "Subject: three\n\nno newline");

	struct mailfolder a, b;
	struct mail_err e;
	CHECK(mailfolder_open(&a, md, "INBOX", 0, &e) == 0);
	CHECK(mailfolder_sync(&a, &e) == 0);
	CHECK(a.n == 3 && a.uidnext == 4 && a.uidvalidity > 0);
	CHECK(a.v[0].uid == 1 && a.v[2].uid == 3);
	CHECK(a.v[0].recent && !a.v[0].in_new);   /* moved to cur/ by us */
	CHECK(a.v[0].size == 19 + 3 && a.v[2].size == (long long)strlen("Subject: three\n\nno newline") + 2);

	/* A second session sees the same UIDs and no \Recent. */
	CHECK(mailfolder_open(&b, md, "inbox", 0, &e) == 0);
	CHECK(mailfolder_sync(&b, &e) == 0);
	CHECK(b.n == 3 && b.v[1].uid == 2 && !b.v[1].recent && b.uidvalidity == a.uidvalidity);

	/* Flags set by a are seen by b as a change; the UID stays. */
	int junk = mailfolder_keyword(&a, "$Junk", 1, &e);
	CHECK(junk == 0);
	CHECK(mailfolder_store(&a, 1, MF_SEEN | MF_FLAGGED, 1u << junk, &e) == 0);
	CHECK(strstr(a.v[1].name, ":2,FSa") != NULL);
	CHECK(mailfolder_sync(&b, &e) == 0);
	CHECK(b.n == 3 && b.v[1].changed && b.v[1].flags == (MF_SEEN | MF_FLAGGED) && b.v[1].keywords == 1);
	CHECK(b.keywords[0] && !strcmp(b.keywords[0], "$Junk"));

	/* b stores on a name a renamed meanwhile: found again by its base. */
	CHECK(mailfolder_store(&a, 0, MF_ANSWERED, 0, &e) == 0);
	CHECK(mailfolder_store(&b, 0, MF_ANSWERED | MF_DELETED, 0, &e) == 0);

	/* a expunges what b marked \Deleted (after syncing): b sees it gone. */
	CHECK(mailfolder_sync(&a, &e) == 0);
	CHECK(a.v[0].flags == (MF_ANSWERED | MF_DELETED));
	CHECK(mailfolder_expunge(&a, NULL, &e) == 0);
	nexpunged = 0;
	CHECK(mailfolder_purge(&a, on_expunge, NULL) == 1 && nexpunged == 1 && expunged_seq[0] == 1);
	CHECK(a.n == 2 && a.v[0].uid == 2);
	CHECK(mailfolder_sync(&b, &e) == 0);
	CHECK(b.n == 3 && b.v[0].gone);
	nexpunged = 0;
	CHECK(mailfolder_purge(&b, on_expunge, NULL) == 1 && expunged_seq[0] == 1 && b.n == 2);

	/* New mail: the next UID, never a reused one. */
	deliver(md, "Subject: four\n\n4\n");
	uint32_t uid = 0;
	CHECK(mailfolder_append(&b, "Subject: five\r\n\r\nfive\r\n", 23, MF_SEEN, 0, 1000000000, &uid, &e) == 0);
	/* \Recent goes to the first read-write session that sees a message,
	 * APPENDed with flags (into cur/) or delivered (RFC 3501 §2.3.2, as
	 * Dovecot): a read-only look (EXAMINE, STATUS) reports it recent and
	 * leaves it so. */
	struct mailfolder_status st;
	CHECK(mailfolder_status(md, "INBOX", &st, &e) == 0 && st.recent == 2 && st.messages == 4);
	struct mailfolder ro;
	CHECK(mailfolder_open(&ro, md, "INBOX", MAILFOLDER_RDONLY, &e) == 0 && mailfolder_sync(&ro, &e) == 0);
	CHECK(ro.n == 4 && !ro.v[1].recent && ro.v[2].recent && ro.v[3].recent);
	mailfolder_close(&ro);
	CHECK(mailfolder_sync(&a, &e) == 0);
	/* The delivered file gets its UID at this sync, after the append's. */
	CHECK(a.n == 4 && a.v[2].uid == 4 && a.v[3].uid == 5 && uid == 4);
	CHECK(mailfolder_internal_date(&a, 2) == 1000000000 && a.v[2].size == 23 && a.v[2].disk_size == 20);
	CHECK(a.v[2].flags == MF_SEEN && a.v[2].recent && a.v[3].recent);
	/* b (which appended it) syncs later: a has them; so has STATUS. */
	CHECK(mailfolder_sync(&b, &e) == 0);
	CHECK(b.n == 4 && !b.v[2].recent && !b.v[3].recent);
	CHECK(mailfolder_status(md, "INBOX", &st, &e) == 0 && st.recent == 0);

	/* COPY into a folder keeps flags and keywords by name. */
	CHECK(folder_create(md, "Archive", &e) == 0);
	struct mailfolder arch;
	CHECK(mailfolder_open(&arch, md, "Archive", 0, &e) == 0);
	size_t idx[2] = { 0, 3 };
	uint32_t uids[2] = { 0, 0 };
	CHECK(mailfolder_copy(&a, idx, 2, &arch, uids, &e) == 0);
	CHECK(uids[0] == 1 && uids[1] == 2);
	CHECK(mailfolder_sync(&arch, &e) == 0);
	CHECK(arch.n == 2 && arch.v[0].flags == (MF_SEEN | MF_FLAGGED) && arch.v[0].keywords == 1);
	CHECK(arch.v[0].recent && arch.v[1].recent);   /* copies are new there */
	CHECK(arch.keywords[0] && !strcmp(arch.keywords[0], "$Junk"));
	mailfolder_close(&arch);

	/* Reopened: the same UIDs, and UIDNEXT never goes back. */
	mailfolder_close(&a);
	CHECK(mailfolder_open(&a, md, "INBOX", MAILFOLDER_RDONLY, &e) == 0);
	CHECK(mailfolder_sync(&a, &e) == 0);
	CHECK(a.n == 4 && a.v[0].uid == 2 && a.v[3].uid == 5 && a.uidnext == 6);
	CHECK(mailfolder_store(&a, 0, 0, 0, &e) == -1 && e.sys == EROFS);
	CHECK(mailfolder_status(md, "INBOX", &st, &e) == 0);
	CHECK(st.messages == 4 && st.uidnext == 6 && st.unseen == 2);

	mailfolder_close(&a);
	mailfolder_close(&b);
	rm_tree(dir);
}

UNIT_TEST(store_uidlist_survives_rewrite_and_loss)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	char path[4300];
	for (int i = 0; i < 8; i++)
		deliver(md, "Subject: x\n\nx\n");
	struct mailfolder a;
	struct mail_err e;
	CHECK(mailfolder_open(&a, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&a, &e) == 0);
	uint32_t validity = a.uidvalidity;
	/* Remove 5 of 8: the next sync rewrites the file without them. */
	for (size_t i = 0; i < 5; i++)
		CHECK(mailfolder_remove(&a, i, &e) == 0);
	CHECK(mailfolder_sync(&a, &e) == 0);
	mailfolder_purge(&a, NULL, NULL);
	deliver(md, "Subject: y\n\ny\n");
	CHECK(mailfolder_sync(&a, &e) == 0);
	CHECK(a.n == 4 && a.v[3].uid == 9 && a.uidvalidity == validity);
	snprintf(path, sizeof path, "%s/dovecot-uidlist", md);
	char *text = slurp(path);
	struct uidlist u;
	uidlist_init(&u, -1, "test");
	CHECK(strncmp(text, "3 V", 3) == 0 && uidlist_parse(&u, text, strlen(text), 0) > 0);
	CHECK(u.nextuid == 10 && u.n == 4 && u.uidvalidity == validity);
	uidlist_free(&u);
	CHECK(strstr(text, "\n1 :") == NULL && strstr(text, "\n6 :") != NULL && strstr(text, "\n9 :") != NULL);
	free(text);
	mailfolder_close(&a);

	/* Lost: a new UIDVALIDITY, never the old one. */
	unlink(path);
	CHECK(mailfolder_open(&a, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&a, &e) == 0);
	CHECK(a.n == 4 && a.uidvalidity != validity && a.v[0].uid == 1);
	mailfolder_close(&a);
	rm_tree(dir);
}

UNIT_TEST(store_empty_folder_has_uidvalidity)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	deliver(md, "Subject: one\n\nbody\n");

	/* An empty folder's first sync fixes its UIDVALIDITY (RFC 3501 2.3.1.1):
	 * nonzero, and the same for every later session and STATUS. */
	struct mail_err e;
	CHECK(folder_create(md, "Empty", &e) == 0);
	struct mailfolder a, b;
	CHECK(mailfolder_open(&a, md, "Empty", 0, &e) == 0 && mailfolder_sync(&a, &e) == 0);
	CHECK(a.n == 0 && a.uidvalidity > 0 && a.uidnext == 1);
	CHECK(mailfolder_open(&b, md, "Empty", MAILFOLDER_RDONLY, &e) == 0 && mailfolder_sync(&b, &e) == 0);
	CHECK(b.uidvalidity == a.uidvalidity);
	struct mailfolder_status st;
	CHECK(mailfolder_status(md, "Empty", &st, &e) == 0 && st.uidvalidity == a.uidvalidity);
	mailfolder_close(&a);
	mailfolder_close(&b);
	rm_tree(dir);
}

/* Another session rewrote the uidlist and the new file got the old one's
 * inode number back (ext4 hands a freed inode out again at once): what
 * follows our place is no continuation. The file is read again, not judged
 * broken, so the folder keeps its UIDVALIDITY (imaptest's stress mode saw
 * "UIDVALIDITY changed" without this). */
UNIT_TEST(store_uidlist_replaced_under_same_inode)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	char path[4300];
	for (int i = 0; i < 4; i++)
		deliver(md, "Subject: x\n\nx\n");
	struct mailfolder a;
	struct mail_err e;
	CHECK(mailfolder_open(&a, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&a, &e) == 0);
	uint32_t validity = a.uidvalidity;
	CHECK(a.n == 4);

	/* The same records, the last one longer (an extension field more):
	 * a read from our old end starts inside that line. */
	snprintf(path, sizeof path, "%s/dovecot-uidlist", md);
	char *text = slurp(path);
	CHECK(text != NULL);
	size_t len = strlen(text);
	char *last = text + len - 1;
	while (last > text && last[-1] != '\n')
		last--;
	char *colon = strstr(last, " :");
	CHECK(colon != NULL);
	struct buf b = BUF_INIT;
	buf_add(&b, text, (size_t)(colon - text));
	buf_adds(&b, " X");
	for (int i = 0; i < 200; i++)
		buf_addc(&b, 'A');
	buf_adds(&b, colon);
	FILE *f = fopen(path, "r+");   /* in place: the inode stays */
	CHECK(f && fwrite(b.ptr, 1, b.len, f) == b.len && fclose(f) == 0);
	buf_free(&b);
	free(text);

	/* An APPEND's first read is the one under the lock. */
	uint32_t uid = 0;
	CHECK(mailfolder_append(&a, "Subject: y\r\n\r\ny\r\n", 17, 0, 0, time(NULL), &uid, &e) == 0 && uid == 5);
	CHECK(mailfolder_sync(&a, &e) == 0);
	CHECK(a.uidvalidity == validity && a.n == 5 && a.v[4].uid == 5);

	/* Same inode, same size, other bytes (a later mtime): read again too. */
	text = slurp(path);
	char *one = strstr(text, "\n1 ");
	CHECK(one != NULL);
	if (!one) {
		free(text);
		mailfolder_close(&a);
		return;
	}
	one[1] = '9';   /* record 1 becomes 9: out of order, so broken if read */
	struct timespec later[2] = { { 0, UTIME_OMIT }, { 0, 0 } };
	clock_gettime(CLOCK_REALTIME, &later[1]);
	later[1].tv_sec += 2;
	f = fopen(path, "r+");
	CHECK(f && fwrite(text, 1, strlen(text), f) == strlen(text) && fclose(f) == 0);
	CHECK(utimensat(AT_FDCWD, path, later, 0) == 0);
	free(text);
	/* Truly broken now, and seen: a new UIDVALIDITY, which this session
	 * must report as such. */
	CHECK(mailfolder_sync(&a, &e) < 0);
	struct mailfolder c;
	CHECK(mailfolder_open(&c, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&c, &e) == 0);
	CHECK(c.uidvalidity != validity && c.n == 5);
	mailfolder_close(&c);
	mailfolder_close(&a);
	rm_tree(dir);
}

/* STORE +FLAGS/-FLAGS from two sessions on one message: each applies its
 * change to the file's name as it is now, so neither loses the other's
 * (imapd computed whole flag sets from its own view before: the later
 * rename put back what the view held, dropping the other's flag). */
UNIT_TEST(store_flag_deltas_of_two_sessions_both_kept)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	deliver(md, "Subject: one\n\nbody\n");
	struct mailfolder a, b;
	struct mail_err e;
	CHECK(mailfolder_open(&a, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&a, &e) == 0);
	CHECK(mailfolder_open(&b, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&b, &e) == 0);
	int junk = mailfolder_keyword(&a, "$Junk", 1, &e);
	CHECK(junk == 0);
	CHECK(mailfolder_store_delta(&a, 0, MF_SEEN, 0, 1u << junk, 0, &e) == 0);
	/* b has not synced: its view still has no flags. */
	CHECK(mailfolder_store_delta(&b, 0, MF_FLAGGED, 0, 0, 0, &e) == 0);
	CHECK(b.v[0].flags == (MF_SEEN | MF_FLAGGED) && b.v[0].keywords == 1u << junk);
	/* a removes \Seen on its stale name: b's \Flagged stays. */
	CHECK(mailfolder_store_delta(&a, 0, 0, MF_SEEN, 0, 0, &e) == 0);
	CHECK(a.v[0].flags == MF_FLAGGED && a.v[0].keywords == 1u << junk);
	/* b's view says \Flagged is set; a clears it; b's +\Flagged is no
	 * no-op for that (the name b knows is gone). */
	CHECK(mailfolder_store_delta(&a, 0, 0, MF_FLAGGED, 0, 0, &e) == 0);
	CHECK(mailfolder_store_delta(&b, 0, MF_FLAGGED, 0, 0, 0, &e) == 0);
	CHECK(mailfolder_sync(&a, &e) == 0);
	CHECK(a.v[0].flags == MF_FLAGGED && a.v[0].keywords == 1u << junk && strstr(a.v[0].name, ":2,Fa"));
	mailfolder_close(&a);
	mailfolder_close(&b);
	rm_tree(dir);
}

/* store/msgcache.h: values by UID come back after a flush, a torn tail is
 * cut before the next append, a file of another UIDVALIDITY is started
 * again, and one whose records mostly name gone UIDs is rewritten with the
 * live ones only. */
UNIT_TEST(store_msgcache_append_tear_compact)
{
	char dir[4096];
	if (!scratch(dir, sizeof dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(dfd >= 0);
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, MSGCACHE_FILE);
	uint32_t live[2000];
	for (uint32_t i = 0; i < 2000; i++)
		live[i] = i + 1;

	struct msgcache c;
	size_t len;
	msgcache_open(&c, dfd, 7);
	CHECK(msgcache_get(&c, 1, 'E', &len) == NULL);
	msgcache_put(&c, 1, 'E', "(one)", 5);
	msgcache_put(&c, 2, 'E', "(two\nlines)", 11);
	msgcache_flush(&c, live, 2);
	msgcache_close(&c);
	msgcache_open(&c, dfd, 7);
	const char *v = msgcache_get(&c, 2, 'E', &len);
	CHECK(v && len == 11 && memcmp(v, "(two\nlines)", 11) == 0);
	CHECK(msgcache_get(&c, 2, 'B', &len) == NULL && msgcache_get(&c, 3, 'E', &len) == NULL);
	msgcache_close(&c);

	/* A writer died mid-record: readers stop there, the next writer cuts it. */
	int fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0 && write(fd, "3 E 50\n(torn", 12) == 12);
	close(fd);
	msgcache_open(&c, dfd, 7);
	CHECK(c.n == 2 && msgcache_get(&c, 3, 'E', &len) == NULL);
	msgcache_put(&c, 4, 'E', "(four)", 6);
	msgcache_flush(&c, live, 4);
	msgcache_close(&c);
	char *text = slurp(path);
	CHECK(text && !strstr(text, "torn") && strstr(text, "4 E 6\n(four)\n"));
	free(text);

	/* Another UIDVALIDITY: nothing is believed, the file starts again. */
	msgcache_open(&c, dfd, 8);
	CHECK(c.n == 0 && msgcache_get(&c, 1, 'E', &len) == NULL);
	msgcache_put(&c, 1, 'E', "(new one)", 9);
	msgcache_flush(&c, live, 1);
	msgcache_close(&c);
	text = slurp(path);
	CHECK(text && strncmp(text, "postbox-cache 1 8\n1 E 9\n(new one)\n", 34) == 0 && !strstr(text, "(two"));
	free(text);

	/* 1,500 records, then only the last 100 UIDs still exist: the next
	 * flush rewrites the file with those (and the new record). */
	msgcache_open(&c, dfd, 8);
	for (uint32_t u = 2; u <= 1500; u++)
		msgcache_put(&c, u, 'E', "(x)", 3);
	msgcache_flush(&c, live, 1500);
	msgcache_close(&c);
	msgcache_open(&c, dfd, 8);
	CHECK(c.n == 1500);
	msgcache_put(&c, 1501, 'E', "(y)", 3);
	msgcache_flush(&c, live + 1400, 101);
	msgcache_close(&c);
	msgcache_open(&c, dfd, 8);
	CHECK(c.n == 101 && msgcache_get(&c, 1401, 'E', &len) && msgcache_get(&c, 1501, 'E', &len) &&
	      !msgcache_get(&c, 1400, 'E', &len) && !msgcache_get(&c, 1, 'E', &len));
	msgcache_close(&c);
	close(dfd);
	rm_tree(dir);
}

/* Files that hold no entries: Dovecot's subscriptions file after the last
 * UNSUBSCRIBE ("V\t2\n\n"), an empty one, and a postbox-cache of a header
 * only. Each reads as an empty list (under UBSan this sorted a NULL array:
 * imaptest's LIST after its UNSUBSCRIBEs). */
UNIT_TEST(store_empty_subscriptions_and_cache)
{
	char dir[4096];
	if (!scratch(dir, sizeof dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	char path[4200];
	snprintf(path, sizeof path, "%s/subscriptions", dir);
	const char *bodies[] = { "V\t2\n\n", "", "\n\n" };
	for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		size_t len = strlen(bodies[i]);
		CHECK(fd >= 0 && write(fd, bodies[i], len) == (ssize_t)len);
		close(fd);
		struct subscriptions subs;
		struct mail_err e;
		CHECK(subscriptions_read(dir, &subs, &e) == 0 && subs.n == 0);
		subscriptions_free(&subs);
	}

	snprintf(path, sizeof path, "%s/%s", dir, MSGCACHE_FILE);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0 && write(fd, "postbox-cache 1 7\n", 18) == 18);
	close(fd);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct msgcache c;
	size_t len;
	msgcache_open(&c, dfd, 7);
	CHECK(c.n == 0 && msgcache_get(&c, 1, 'E', &len) == NULL);
	msgcache_close(&c);
	close(dfd);
	rm_tree(dir);
}

/* ---- postbox-index (folder_index.h) ---- */

/* Move the mtime of md/entry secs into the past: a change made then is
 * settled (folder_index.h), as if the clock had moved on. */
static void backdate(const char *md, const char *entry, int secs)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/%s", md, entry);
	struct timespec ts[2];
	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= secs;
	ts[1] = ts[0];
	CHECK(utimensat(AT_FDCWD, p, ts, 0) == 0);
}

static void settle(const char *md)
{
	backdate(md, "new", 10);
	backdate(md, "cur", 10);
	backdate(md, "dovecot-uidlist", 10);
}

/* Open and sync md's INBOX into f: the listings of new/ and cur/ it made. */
static unsigned long open_listing(struct mailfolder *f, const char *md, unsigned opts)
{
	struct mail_err e;
	unsigned long before = mailfolder_listings;
	CHECK(mailfolder_open(f, md, "INBOX", opts, &e) == 0);
	CHECK(mailfolder_sync(f, &e) == 0);
	return mailfolder_listings - before;
}

/* Three messages, their files moved to cur/ by a first session, the
 * folder settled and listed once more so that postbox-index is written. */
static int indexed_maildir(char *dir, size_t dcap, char *md, size_t mcap)
{
	if (!scratch_maildir(dir, dcap, md, mcap))
		return 0;
	for (int i = 0; i < 3; i++)
		deliver(md, "Subject: x\n\nx\n");
	struct mailfolder f;
	CHECK(open_listing(&f, md, 0) == 1 && f.n == 3);
	mailfolder_close(&f);
	settle(md);
	CHECK(open_listing(&f, md, 0) == 1 && f.n == 3);
	mailfolder_close(&f);
	char p[4300];
	snprintf(p, sizeof p, "%s/%s", md, FOLDER_INDEX_FILE);
	CHECK(access(p, F_OK) == 0);
	return 1;
}

UNIT_TEST(store_folder_index_written_by_read_write_views_only)
{
	char dir[4096], md[4200], p[4300];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	for (int i = 0; i < 2; i++)
		deliver(md, "Subject: x\n\nx\n");
	struct mailfolder f;
	CHECK(open_listing(&f, md, 0) == 1);
	mailfolder_close(&f);
	settle(md);
	snprintf(p, sizeof p, "%s/%s", md, FOLDER_INDEX_FILE);
	/* EXAMINE and STATUS list a settled folder without an index and leave
	 * it so; the first read-write open writes it. */
	CHECK(open_listing(&f, md, MAILFOLDER_RDONLY) == 1 && f.n == 2);
	mailfolder_close(&f);
	struct mailfolder_status st;
	struct mail_err e;
	CHECK(mailfolder_status(md, "INBOX", &st, &e) == 0 && st.messages == 2);
	CHECK(access(p, F_OK) < 0 && errno == ENOENT);
	CHECK(open_listing(&f, md, 0) == 1 && f.n == 2);
	mailfolder_close(&f);
	CHECK(access(p, F_OK) == 0);
	CHECK(open_listing(&f, md, MAILFOLDER_RDONLY) == 0 && f.n == 2);
	mailfolder_close(&f);
	rm_tree(dir);
}

UNIT_TEST(store_folder_index_unchanged_folder_not_listed)
{
	char dir[4096], md[4200];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	struct mailfolder a, b;
	struct mail_err e;
	/* The view from the index is the listing's: UIDs, names, sizes. */
	CHECK(open_listing(&a, md, 0) == 0);
	CHECK(open_listing(&b, md, MAILFOLDER_RDONLY) == 0);
	CHECK(a.n == 3 && b.n == 3 && a.uidnext == 4 && a.uidvalidity == b.uidvalidity && a.uidvalidity);
	for (size_t i = 0; i < 3; i++) {
		CHECK(a.v[i].uid == i + 1 && !a.v[i].recent && !a.v[i].in_new && a.v[i].size == 17 &&
		      a.v[i].disk_size == 14 && strstr(a.v[i].name, ":2,"));
		CHECK_STR(a.v[i].name, b.v[i].name);
	}
	/* A sync that finds nothing changed lists nothing either. */
	unsigned long before = mailfolder_listings;
	CHECK(mailfolder_sync(&a, &e) == 0 && mailfolder_listings == before);
	struct mailfolder_status st;
	CHECK(mailfolder_status(md, "INBOX", &st, &e) == 0 && st.messages == 3 && st.uidnext == 4);
	CHECK(mailfolder_listings == before);
	/* A flag changed through one view is seen by the other (cur/ changed). */
	CHECK(mailfolder_store(&a, 1, MF_FLAGGED, 0, &e) == 0);
	CHECK(mailfolder_sync(&b, &e) == 0 && mailfolder_listings == before + 1);
	CHECK(b.v[1].flags == MF_FLAGGED && b.v[1].changed);
	mailfolder_close(&b);
	/* Delivered after the index was written: listed again, given a UID. */
	deliver(md, "Subject: y\n\ny\n");
	CHECK(open_listing(&b, md, MAILFOLDER_RDONLY) == 1);
	CHECK(b.n == 4 && b.v[3].uid == 4 && b.v[3].recent && b.v[1].flags == MF_FLAGGED);
	CHECK(mailfolder_sync(&a, &e) == 0 && a.n == 4 && a.v[3].uid == 4);
	mailfolder_close(&a);
	mailfolder_close(&b);
	rm_tree(dir);
}

UNIT_TEST(store_folder_index_change_in_the_listing_tick)
{
	char dir[4096], md[4200], newdir[4300];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	snprintf(newdir, sizeof newdir, "%s/new", md);
	/* A delivery just now: its mtime is the listing's tick. */
	deliver(md, "Subject: y\n\ny\n");
	struct stat st0;
	CHECK(stat(newdir, &st0) == 0);
	struct mailfolder a;
	CHECK(open_listing(&a, md, MAILFOLDER_RDONLY) == 1 && a.n == 4);
	mailfolder_close(&a);
	/* A second delivery in that same tick leaves new/ as it was (the
	 * same mtime; the size of a directory rarely changes): it must be
	 * seen all the same, by a new view and by a sync of an old one. */
	CHECK(open_listing(&a, md, MAILFOLDER_RDONLY) == 1 && a.n == 4);
	deliver(md, "Subject: z\n\nz\n");
	struct timespec ts[2] = { st0.st_atim, st0.st_mtim };
	CHECK(utimensat(AT_FDCWD, newdir, ts, 0) == 0);
	struct stat st1;
	CHECK(stat(newdir, &st1) == 0 && st1.st_size == st0.st_size);
	struct mail_err e;
	CHECK(mailfolder_sync(&a, &e) == 0 && a.n == 5);
	mailfolder_close(&a);
	CHECK(open_listing(&a, md, 0) == 1 && a.n == 5 && a.v[4].uid == 5);
	mailfolder_close(&a);
	rm_tree(dir);
}

/* Replace the index by data[0..n), or cut it to n bytes (data NULL). */
static void damage(const char *md, const char *data, size_t n, long flip_at)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/%s", md, FOLDER_INDEX_FILE);
	if (flip_at >= 0) {
		int fd = open(p, O_RDWR);
		unsigned char c = 0;
		CHECK(fd >= 0 && pread(fd, &c, 1, flip_at) == 1);
		c ^= 0x20;
		CHECK(pwrite(fd, &c, 1, flip_at) == 1);
		close(fd);
	} else if (data) {
		int fd = open(p, O_WRONLY | O_TRUNC);
		CHECK(fd >= 0 && write(fd, data, n) == (ssize_t)n);
		close(fd);
	} else {
		CHECK(truncate(p, (off_t)n) == 0);
	}
}

UNIT_TEST(store_folder_index_damaged_is_ignored_and_rebuilt)
{
	char dir[4096], md[4200], p[4300];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	snprintf(p, sizeof p, "%s/%s", md, FOLDER_INDEX_FILE);
	struct stat st;
	CHECK(stat(p, &st) == 0 && st.st_size > 100);
	long size = (long)st.st_size;
	char *good = slurp(p);   /* text up to the first NUL: enough for garbage */
	char garbage[4096];
	for (size_t i = 0; i < sizeof garbage; i++)
		garbage[i] = (char)(i * 7 + 3);
	struct mailfolder a;
	uint32_t validity = 0;
	CHECK(open_listing(&a, md, 0) == 0);
	validity = a.uidvalidity;
	mailfolder_close(&a);
	for (int k = 0; k < 9; k++) {
		switch (k) {
		case 0: damage(md, NULL, 0, -1); break;                 /* empty */
		case 1: damage(md, NULL, 10, -1); break;                /* torn header */
		case 2: damage(md, NULL, (size_t)size / 2, -1); break;  /* torn records */
		case 3: damage(md, NULL, (size_t)size - 1, -1); break;  /* one byte short */
		case 4: damage(md, NULL, (size_t)size + 1, -1); break;  /* one byte long */
		case 5: damage(md, NULL, 0, size - 5); break;           /* a name's byte */
		case 6: damage(md, NULL, 0, 24); break;                 /* the count */
		case 7: damage(md, garbage, (size_t)size < sizeof garbage ? (size_t)size : sizeof garbage, -1); break;
		case 8: damage(md, good, strlen(good), -1); break;      /* the magic alone */
		}
		settle(md);
		CHECK(open_listing(&a, md, 0) == 1);
		CHECK(a.n == 3 && a.uidvalidity == validity && a.v[0].uid == 1 && a.v[2].uid == 3);
		mailfolder_close(&a);
		/* rebuilt: the next open reads it */
		CHECK(open_listing(&a, md, MAILFOLDER_RDONLY) == 0 && a.n == 3 && a.v[2].uid == 3);
		mailfolder_close(&a);
	}
	free(good);
	rm_tree(dir);
}

UNIT_TEST(store_folder_index_uids_come_from_the_uidlist)
{
	char dir[4096], md[4200], p[4300];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	struct mailfolder a;
	CHECK(open_listing(&a, md, 0) == 0 && a.n == 3);
	/* Another program renumbers the folder; the directories stay as the
	 * index recorded them. */
	struct buf b = BUF_INIT;
	buf_addf(&b, "3 V42 N20\n");
	for (size_t i = 0; i < a.n; i++)
		buf_addf(&b, "%zu :%.*s\n", 10 + i, (int)maildir_name_base_len(a.v[i].name), a.v[i].name);
	mailfolder_close(&a);
	snprintf(p, sizeof p, "%s/dovecot-uidlist", md);
	int fd = open(p, O_WRONLY | O_TRUNC);
	CHECK(fd >= 0 && write(fd, b.ptr, b.len) == (ssize_t)b.len);
	close(fd);
	buf_free(&b);
	backdate(md, "dovecot-uidlist", 10);
	CHECK(open_listing(&a, md, MAILFOLDER_RDONLY) == 1);
	CHECK(a.n == 3 && a.uidvalidity == 42 && a.uidnext == 20 && a.v[0].uid == 10 && a.v[2].uid == 12);
	mailfolder_close(&a);
	rm_tree(dir);
}

/* ---- lazy views: SELECT from postbox-index's header ---- */

/* The counts of f, which must be filled, as a listing gives them. */
static void counted(struct mailfolder *f, struct mailfolder_counts *c)
{
	CHECK(!f->lazy && (f->v || !f->n));
	mailfolder_counts(f, c);
}

static int same_counts(const struct mailfolder_counts *a, const struct mailfolder_counts *b)
{
	return a->recent == b->recent && a->unseen == b->unseen && a->first_unseen == b->first_unseen &&
	       a->deleted == b->deleted && a->size == b->size;
}

UNIT_TEST(store_lazy_view_opens_from_the_header_alone)
{
	char dir[4096], md[4200];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	struct mailfolder full, a;
	struct mail_err e;
	CHECK(open_listing(&full, md, 0) == 0 && !full.lazy && full.n == 3);
	/* Nothing listed, no record read: the count, UIDs' validity and next
	 * and the counts SELECT reports come from the header. */
	CHECK(open_listing(&a, md, MAILFOLDER_LAZY) == 0);
	CHECK(a.lazy && a.v == NULL && a.n == 3 && a.uidnext == 4 && a.uidvalidity == full.uidvalidity);
	struct mailfolder_counts c, want;
	mailfolder_counts(&a, &c);
	counted(&full, &want);
	CHECK(same_counts(&c, &want) && c.unseen == 3 && c.first_unseen == 1 && c.size == 3 * 17);
	/* NOOP, IDLE: a sync that finds nothing changed keeps it so. */
	unsigned long before = mailfolder_listings;
	CHECK(mailfolder_sync(&a, &e) == 0 && a.lazy && a.v == NULL && mailfolder_listings == before);
	CHECK(mailfolder_purge(&a, NULL, NULL) == 0 && a.n == 3 && mailfolder_find_uid(&a, 2) == -1);
	/* CLOSE with nothing \Deleted (the header says so) reads nothing. */
	CHECK(mailfolder_expunge(&a, NULL, &e) == 0 && a.lazy);
	/* The first command that needs the messages reads the records. */
	CHECK(mailfolder_fill(&a, &e) == 0 && !a.lazy && a.n == 3 && mailfolder_listings == before);
	for (size_t i = 0; i < 3; i++) {
		CHECK(a.v[i].uid == full.v[i].uid && a.v[i].size == full.v[i].size && !a.v[i].recent);
		CHECK_STR(a.v[i].name, full.v[i].name);
	}
	CHECK(mailfolder_fill(&a, &e) == 0 && a.n == 3);
	mailfolder_close(&a);
	/* A change made meanwhile: the sync fills the view, then finds it. */
	CHECK(open_listing(&a, md, MAILFOLDER_LAZY) == 0 && a.lazy);
	CHECK(mailfolder_store(&full, 2, MF_SEEN, 0, &e) == 0);
	deliver(md, "Subject: y\n\ny\n");
	CHECK(mailfolder_sync(&a, &e) == 0 && !a.lazy && a.n == 4 && a.v[3].uid == 4 && a.v[3].recent);
	CHECK(a.v[2].flags == MF_SEEN && a.v[2].changed);
	mailfolder_close(&a);
	mailfolder_close(&full);
	rm_tree(dir);
}

UNIT_TEST(store_lazy_view_with_recent_messages_is_filled)
{
	char dir[4096], md[4200], p[4300];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	/* Without the recent boundary every message is recent again: the
	 * header cannot say which are, so the view reads the records. */
	snprintf(p, sizeof p, "%s/postbox-recent", md);
	CHECK(unlink(p) == 0);
	struct mailfolder a;
	CHECK(open_listing(&a, md, MAILFOLDER_LAZY | MAILFOLDER_RDONLY) == 0);
	struct mailfolder_counts c;
	mailfolder_counts(&a, &c);
	CHECK(!a.lazy && a.n == 3 && c.recent == 3);
	mailfolder_close(&a);
	rm_tree(dir);
}

/* The offset of the records block in md's index (the header's size). */
static long index_records_at(const char *md)
{
	struct mailfolder f;
	struct stat st;
	char p[4300];
	snprintf(p, sizeof p, "%s/%s", md, FOLDER_INDEX_FILE);
	CHECK(open_listing(&f, md, MAILFOLDER_RDONLY) == 0 && stat(p, &st) == 0);
	size_t names = 0;
	for (size_t i = 0; i < f.n; i++)
		names += strlen(f.v[i].name) + 1 + (f.v[i].pop3_uidl ? strlen(f.v[i].pop3_uidl) + 1 : 0);
	long at = (long)st.st_size - (long)names - (long)f.n * 40;
	mailfolder_close(&f);
	return at;
}

UNIT_TEST(store_lazy_view_damaged_records_are_listed_at_fill)
{
	char dir[4096], md[4200], cur[4300];
	if (!indexed_maildir(dir, sizeof dir, md, sizeof md))
		return;
	long records = index_records_at(md);
	CHECK(records > 100 && records < 400);
	struct mailfolder full, a;
	struct mail_err e;
	CHECK(open_listing(&full, md, MAILFOLDER_RDONLY) == 0 && full.n == 3);
	/* A byte of a record, then a byte of a name: the header still answers
	 * SELECT; the fill finds the damage and lists the folder instead. */
	long at[2] = { records + 2, records + 3 * 40 + 5 };
	for (int k = 0; k < 2; k++) {
		CHECK(open_listing(&a, md, MAILFOLDER_LAZY) == 0 && a.lazy && a.n == 3);
		damage(md, NULL, 0, at[k]);
		unsigned long before = mailfolder_listings;
		CHECK(mailfolder_fill(&a, &e) == 0 && !a.lazy && mailfolder_listings == before + 1);
		CHECK(a.n == 3 && a.uidvalidity == full.uidvalidity);
		for (size_t i = 0; i < 3; i++) {
			CHECK(a.v[i].uid == full.v[i].uid && !a.v[i].gone);
			CHECK_STR(a.v[i].name, full.v[i].name);
		}
		mailfolder_close(&a);
		/* the listing was settled: the index is whole again */
		CHECK(open_listing(&a, md, MAILFOLDER_LAZY) == 0 && a.lazy);
		CHECK(mailfolder_fill(&a, &e) == 0 && a.n == 3 && a.v[2].uid == 3);
		mailfolder_close(&a);
	}
	/* Damaged, and a message gone before the fill: the numbers given out
	 * stay valid (a gone entry in front), the UIDs are the uidlist's, and
	 * the purge reports one expunge. */
	CHECK(open_listing(&a, md, MAILFOLDER_LAZY) == 0 && a.lazy && a.n == 3);
	damage(md, NULL, 0, records + 2);
	snprintf(cur, sizeof cur, "%s/cur/%s", md, full.v[1].name);
	CHECK(unlink(cur) == 0);
	CHECK(mailfolder_fill(&a, &e) == 0 && a.n == 3 && a.v[0].gone && a.v[1].uid == 1 && a.v[2].uid == 3);
	CHECK(mailfolder_purge(&a, NULL, NULL) == 1 && a.n == 2 && a.v[0].uid == 1 && a.v[1].uid == 3);
	mailfolder_close(&a);
	mailfolder_close(&full);
	rm_tree(dir);
}

UNIT_TEST(store_lazy_view_header_counts_agree_with_a_listing)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	for (int i = 0; i < 8; i++)
		deliver(md, i % 2 ? "Subject: odd\n\nodd\n" : "Subject: x\n\nx\n");
	struct mailfolder f, lazy;
	struct mail_err e;
	CHECK(open_listing(&f, md, 0) == 1 && f.n == 8);
	/* STORE, EXPUNGE, a delivery, in turn, each followed by a settled
	 * listing that writes the index and a lazy open that reads it. */
	for (int step = 0; step < 4; step++) {
		switch (step) {
		case 0: /* the first three seen, one deleted */
			for (size_t i = 0; i < 3; i++)
				CHECK(mailfolder_store(&f, i, MF_SEEN, 0, &e) == 0);
			CHECK(mailfolder_store(&f, 5, MF_DELETED | MF_FLAGGED, 0, &e) == 0);
			break;
		case 1:
			CHECK(mailfolder_expunge(&f, NULL, &e) == 0);
			CHECK(mailfolder_store(&f, 6, MF_DELETED, 0, &e) == 0);
			break;
		case 2:
			deliver(md, "Subject: late\n\nlate\n");
			break;
		case 3: /* every message seen (+FLAGS: the \Deleted one stays so) */
			for (size_t i = 0; i < f.n; i++)
				CHECK(mailfolder_store_delta(&f, i, MF_SEEN, 0, 0, 0, &e) == 0);
			break;
		}
		CHECK(mailfolder_sync(&f, &e) == 0);
		mailfolder_purge(&f, NULL, NULL);
		settle(md);
		mailfolder_close(&f);
		CHECK(open_listing(&f, md, 0) == 1);
		struct mailfolder_counts want, got;
		counted(&f, &want);
		CHECK(open_listing(&lazy, md, MAILFOLDER_LAZY | MAILFOLDER_RDONLY) == 0 && lazy.lazy);
		mailfolder_counts(&lazy, &got);
		CHECK(lazy.n == f.n && lazy.uidnext == f.uidnext && same_counts(&got, &want));
		struct mailfolder_status st;
		CHECK(mailfolder_status(md, "INBOX", &st, &e) == 0 && st.messages == f.n && st.unseen == want.unseen &&
		      st.deleted == want.deleted && st.size == want.size && st.recent == 0);
		switch (step) {
		case 0: CHECK(f.n == 8 && want.unseen == 5 && want.first_unseen == 4 && want.deleted == 1); break;
		case 1: CHECK(f.n == 7 && want.unseen == 4 && want.first_unseen == 4 && want.deleted == 1); break;
		case 2: CHECK(f.n == 8 && want.unseen == 5 && want.deleted == 1); break;
		case 3: CHECK(f.n == 8 && want.unseen == 0 && want.first_unseen == 0 && want.deleted == 1); break;
		}
		mailfolder_close(&lazy);
	}
	mailfolder_close(&f);
	/* CLOSE of a lazy view with a message \Deleted (the header says so)
	 * reads the records and removes it. */
	CHECK(open_listing(&lazy, md, MAILFOLDER_LAZY) == 0 && lazy.lazy && lazy.summary.deleted == 1);
	CHECK(mailfolder_expunge(&lazy, NULL, &e) == 0 && !lazy.lazy);
	CHECK(mailfolder_purge(&lazy, NULL, NULL) == 1 && lazy.n == 7);
	mailfolder_close(&lazy);
	CHECK(open_listing(&f, md, MAILFOLDER_RDONLY) == 1 && f.n == 7);
	mailfolder_close(&f);
	rm_tree(dir);
}

/* Count the entries of md/sub other than "." and "..". */
static int entries(const char *md, const char *sub)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", md, sub);
	int n = 0;
	DIR *d = opendir(path);
	for (struct dirent *de; d && (de = readdir(d));)
		n += de->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

UNIT_TEST(store_append_set_all_or_nothing)
{
	char dir[4096], md[4200];
	if (!scratch_maildir(dir, sizeof dir, md, sizeof md))
		return;
	deliver(md, "Subject: one\n\n1\n");
	struct mailfolder f;
	struct mail_err e;
	CHECK(mailfolder_open(&f, md, "INBOX", 0, &e) == 0 && mailfolder_sync(&f, &e) == 0);
	/* MULTIAPPEND: three at once, UIDs in order under one lock. */
	const struct mailfolder_new three[3] = {
		{ "Subject: a\r\n\r\na\r\n", 17, 0, 0, 0 },
		{ "Subject: b\r\n\r\nb\r\n", 17, MF_SEEN | MF_FLAGGED, 0, 1000000000 },
		{ "Subject: c\r\n\r\nc\r\n", 17, MF_DRAFT, 0, 0 },
	};
	uint32_t uids[3] = { 0, 0, 0 };
	CHECK(mailfolder_append_set(&f, three, 3, uids, &e) == 0);
	CHECK(uids[0] == 2 && uids[1] == 3 && uids[2] == 4);
	CHECK(mailfolder_sync(&f, &e) == 0 && f.n == 4 && f.v[2].flags == (MF_SEEN | MF_FLAGGED));
	CHECK(mailfolder_internal_date(&f, 2) == 1000000000 && f.v[3].flags == MF_DRAFT);
	/* A failure after the first was published takes it back: Box's cur/
	 * is removed under the open view, so the second message (flagged,
	 * for cur/) cannot be linked; the first (for new/) was. */
	mailfolder_close(&f);
	CHECK(folder_create(md, "Box", &e) == 0);
	CHECK(mailfolder_open(&f, md, "Box", 0, &e) == 0);
	char cur[4300], away[4300], box[4300];
	snprintf(box, sizeof box, "%s/.Box", md);
	snprintf(cur, sizeof cur, "%s/.Box/cur", md);
	snprintf(away, sizeof away, "%s/.Box/cur-away", md);
	CHECK(rename(cur, away) == 0 && rmdir(away) == 0 && mkdir(cur, 0700) == 0);
	const struct mailfolder_new two[2] = {
		{ "Subject: d\r\n\r\nd\r\n", 17, 0, 0, 0 },
		{ "Subject: e\r\n\r\ne\r\n", 17, MF_SEEN, 0, 0 },
	};
	CHECK(mailfolder_append_set(&f, two, 2, uids, &e) == -1);
	CHECK(entries(box, "new") == 0 && entries(box, "cur") == 0 && entries(box, "tmp") == 0);
	mailfolder_close(&f);
	/* No UID was spent: the next append set starts at 1. */
	CHECK(mailfolder_open(&f, md, "Box", 0, &e) == 0);
	CHECK(mailfolder_append_set(&f, two, 2, uids, &e) == 0 && uids[0] == 1 && uids[1] == 2);
	CHECK(mailfolder_sync(&f, &e) == 0 && f.n == 2 && f.v[1].flags == MF_SEEN);
	mailfolder_close(&f);
	rm_tree(dir);
}
