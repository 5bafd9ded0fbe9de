/* folder_tree.c — list, create, delete, rename Maildir++ folders; see folder_tree.h. */
#include "store/folder_tree.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int folder_is_inbox(const char *name)
{
	return strcasecmp(name, "INBOX") == 0;
}

int folder_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (n == 0 || n > 200 || name[0] == '.' || name[n - 1] == '.' || name[0] == '~')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c > 0x7e || c == '/' || c == '\\')
			return 0;
		if (c == '.' && name[i + 1] == '.')
			return 0;
	}
	return 1;
}

unsigned folder_special_use(const char *name)
{
	static const struct {
		const char *name;
		unsigned attr;
	} uses[] = {
		{ "Sent", FOLDER_SENT },           { "Sent Messages", FOLDER_SENT },
		{ "Sent Items", FOLDER_SENT },     { "Drafts", FOLDER_DRAFTS },
		{ "Trash", FOLDER_TRASH },         { "Deleted Messages", FOLDER_TRASH },
		{ "Junk", FOLDER_JUNK },           { "Spam", FOLDER_JUNK },
		{ "Archive", FOLDER_ARCHIVE },
	};
	for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++)
		if (strcasecmp(name, uses[i].name) == 0)
			return uses[i].attr;
	return 0;
}

static int not_yet(struct mail_err *e, const char *what)
{
	errno = ENOSYS;
	return err_sys(e, "%s", what);
}

int folder_list(const char *root, struct folder_list *out, struct mail_err *e)
{
	(void)root;
	memset(out, 0, sizeof *out);
	return not_yet(e, "folder_list");
}

void folder_list_free(struct folder_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof *l);
}

int folder_create(const char *root, const char *name, struct mail_err *e)
{
	(void)root, (void)name;
	return not_yet(e, "folder_create");
}

int folder_delete(const char *root, const char *name, struct mail_err *e)
{
	(void)root, (void)name;
	return not_yet(e, "folder_delete");
}

int folder_rename(const char *root, const char *from, const char *to, struct mail_err *e)
{
	(void)root, (void)from, (void)to;
	return not_yet(e, "folder_rename");
}
