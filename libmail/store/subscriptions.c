/* subscriptions.c — Dovecot's subscriptions file; see subscriptions.h. */
#include "store/subscriptions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int subscriptions_read(const char *root, struct subscriptions *s, struct mail_err *e)
{
	(void)root;
	memset(s, 0, sizeof *s);
	errno = ENOSYS;
	return err_sys(e, "subscriptions_read");
}

void subscriptions_free(struct subscriptions *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof *s);
}

int subscriptions_has(const struct subscriptions *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->v[i], name) == 0 ||
		    (strcasecmp(name, "INBOX") == 0 && strcasecmp(s->v[i], "INBOX") == 0))
			return 1;
	return 0;
}

int subscriptions_set(const char *root, const char *name, int on, struct mail_err *e)
{
	(void)root, (void)name, (void)on;
	errno = ENOSYS;
	return err_sys(e, "subscriptions_set");
}
