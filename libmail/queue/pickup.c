/* pickup.c — incoming/ into queue/; see pickup.h. */
#include "queue/pickup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "auth/dkim_spool.h"
#include "base/read_all.h"
#include "msg/addr.h"
#include "base/log.h"

#define PICKUP_ENVELOPE_MAX (16L * 1024 * 1024)

struct entry {
	struct spool *spool;
	const struct dkim_keyring *dkim;
	int dir_fd;                 /* incoming/ */
	char id[QID_MAX];
	char why[300];
};

/* Open incoming/NAME as a plain file with one link, owned by uid (or any
 * owner when uid is -1, reported through *owner). */
static int open_plain(struct entry *en, const char *name, long long uid, struct stat *st)
{
	int fd = openat(en->dir_fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(en->why, sizeof en->why, "%s: %s", name, strerror(errno));
		return -1;
	}
	if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode) || st->st_nlink != 1 ||
	    (uid >= 0 && (long long)st->st_uid != uid)) {
		snprintf(en->why, sizeof en->why, "%s: not a plain file of the submitter", name);
		close(fd);
		return -1;
	}
	return fd;
}

/* The envelope as the submitter may have it: uid from the kernel, and an
 * untrusted user's sender forced to their own address. */
static int vet_envelope(struct entry *en, struct envelope *env, uid_t owner, const char *hostname)
{
	env->uid = owner;
	str_copy(env->client, sizeof env->client, "local", 5);
	env->helo[0] = env->auth[0] = '\0';
	env->held = 0;
	for (size_t i = 0; i < env->nrcpt; i++) {
		struct rcpt *r = &env->rcpt[i];
		r->state = RCPT_QUEUED;
		r->attempts = 0;
		r->next_try = 0;
		r->error[0] = '\0';
		struct mailbox m;
		struct mail_err e;
		if (addr_parse(r->addr, strlen(r->addr), ADDR_ALLOW_BARE, &m, &e) < 0) {
			snprintf(en->why, sizeof en->why, "recipient \"%s\": %s", r->addr, e.msg);
			return -1;
		}
	}
	if (spool_trusted(en->spool, owner))
		return 0;
	struct passwd *pw = getpwuid(owner);
	char own[ADDR_TEXT_MAX + 1];
	if (!pw || (size_t)snprintf(own, sizeof own, "%s@%s", pw->pw_name, hostname) >= sizeof own) {
		snprintf(en->why, sizeof en->why, "uid %u has no usable passwd entry", (unsigned)owner);
		return -1;
	}
	if (strcmp(env->sender, own)) {
		log_warn(en->id, "pickup uid=%u sender=<%s> replaced by <%s>", (unsigned)owner, LOG_TOKEN(env->sender),
			 LOG_TOKEN(own));
		str_copy(env->sender, sizeof env->sender, own, strlen(own));
	}
	return 0;
}

/* Copy the message into a new queue entry; 0 done, -1 refused (why set),
 * -2 temporary failure (e set, entry left for the next run). */
static int requeue(struct entry *en, struct envelope *env, int msg_fd, long long max, struct mail_err *e)
{
	struct spool_tx tx;
	struct buf b = BUF_INIT;
	int r = read_all(msg_fd, &b, max > 0 ? (size_t)max : 0);
	if (r != READ_ALL_OK) {
		snprintf(en->why, sizeof en->why, r == READ_ALL_TOOBIG ? "message larger than the limit" : "message unreadable");
		buf_free(&b);
		return -1;
	}
	if (b.len && (memchr(b.ptr, '\r', b.len) || memchr(b.ptr, '\0', b.len))) {
		snprintf(en->why, sizeof en->why, "message contains CR or NUL");
		buf_free(&b);
		return -1;
	}
	long long arrival = env->arrival;
	if (spool_begin(en->spool, &tx, e) < 0 || spool_write(&tx, b.ptr, b.len, e) < 0) {
		spool_abort(&tx);
		buf_free(&b);
		return -2;
	}
	buf_free(&b);
	env->arrival = arrival;
	if (dkim_sign_spooled(en->dkim, &tx, (long long)time(NULL), e) < 0) {
		spool_abort(&tx);
		return -2;
	}
	return spool_commit(&tx, env, e) < 0 ? -2 : 0;
}

/* Move incoming/ID.env and ID.msg to corrupt/ with the reason. */
static void refuse(struct entry *en)
{
	char path[sizeof en->spool->dir + 16], name[QID_MAX + 8];
	snprintf(path, sizeof path, "%s/corrupt", en->spool->dir);
	int cfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	log_err(en->id, "pickup refused: %s; moved to %s/corrupt/", en->why, en->spool->dir);
	if (cfd < 0)
		return;
	snprintf(name, sizeof name, "%s.env", en->id);
	renameat(en->dir_fd, name, cfd, name);
	snprintf(name, sizeof name, "%s.msg", en->id);
	renameat(en->dir_fd, name, cfd, name);
	snprintf(name, sizeof name, "%s.why", en->id);
	int fd = openat(cfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		dprintf(fd, "pickup: %s\n", en->why);
		fsync(fd);
		close(fd);
	}
	fsync(cfd);
	close(cfd);
}

static int pick_one(struct entry *en, const char *hostname, long long max, struct pickup_result *res,
		    struct mail_err *e)
{
	char name[QID_MAX + 8];
	struct stat st_env, st_msg;
	struct envelope env;
	struct buf text = BUF_INIT;
	int r = -1;
	envelope_init(&env);
	snprintf(name, sizeof name, "%s.env", en->id);
	int env_fd = open_plain(en, name, -1, &st_env);
	if (env_fd < 0)
		goto refused;
	int rr = read_all(env_fd, &text, PICKUP_ENVELOPE_MAX);
	close(env_fd);
	if (rr != READ_ALL_OK || envelope_parse(text.ptr, text.len, &env, e) < 0) {
		snprintf(en->why, sizeof en->why, "envelope: %s", rr != READ_ALL_OK ? "unreadable or too large" : e->msg);
		goto refused;
	}
	if (vet_envelope(en, &env, st_env.st_uid, hostname) < 0)
		goto refused;
	snprintf(name, sizeof name, "%s.msg", en->id);
	int msg_fd = open_plain(en, name, (long long)st_env.st_uid, &st_msg);
	if (msg_fd < 0)
		goto refused;
	/* The submitter's envelope recorded the message's size and CRC-32:
	 * a message damaged in incoming/ must not enter the queue as whole. */
	char why[200];
	int damaged = spool_verify_message(&env, msg_fd, why, sizeof why, e);
	if (damaged != 0) {
		close(msg_fd);
		if (damaged < 0)
			snprintf(why, sizeof why, "%s", e->msg);
		snprintf(en->why, sizeof en->why, "CORRUPT: %s: %s", damaged > 0 ? "damaged message" : "unreadable", why);
		goto refused;
	}
	r = requeue(en, &env, msg_fd, max, e);
	close(msg_fd);
	if (r == -1)
		goto refused;
	if (r == 0) {
		log_info(env.id, "pickup from=<%s> uid=%u nrcpt=%zu incoming=%s", LOG_TOKEN(env.sender),
			 (unsigned)st_env.st_uid, env.nrcpt, en->id);
		/* Committed in the queue: now the incoming entry may go. */
		snprintf(name, sizeof name, "%s.env", en->id);
		unlinkat(en->dir_fd, name, 0);
		snprintf(name, sizeof name, "%s.msg", en->id);
		unlinkat(en->dir_fd, name, 0);
		res->moved++;
	}
	envelope_free(&env);
	buf_free(&text);
	return r == 0 ? 0 : -1;
refused:
	refuse(en);
	res->refused++;
	envelope_free(&env);
	buf_free(&text);
	return 0;
}

int spool_pickup(struct spool *s, const struct dkim_keyring *dkim, const char *hostname, long long max_size,
		 struct pickup_result *res, struct mail_err *e)
{
	char path[sizeof s->dir + 16];
	memset(res, 0, sizeof *res);
	snprintf(path, sizeof path, "%s/incoming", s->dir);
	DIR *d = opendir(path);
	if (!d) {
		if (errno == ENOENT)
			return 0;
		return err_sys(e, "spool: %s", path);
	}
	struct entry en = { .spool = s, .dkim = dkim, .dir_fd = dirfd(d) };
	struct dirent *de;
	int r = 0;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		/* Dot files are still being written; .msg files follow their .env. */
		if (de->d_name[0] == '.' || len < 5 || strcmp(de->d_name + len - 4, ".env"))
			continue;
		if (str_copy(en.id, sizeof en.id, de->d_name, len - 4) < 0 || !spool_id_valid(en.id))
			continue;
		if (pick_one(&en, hostname, max_size, res, e) < 0) {
			r = -1; /* temporary: stop, the next run tries again */
			break;
		}
	}
	if (fsync(dirfd(d)) < 0 && r == 0)
		r = err_sys(e, "spool: fsync %s", path);
	closedir(d);
	return r;
}
