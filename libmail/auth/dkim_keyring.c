/* dkim_keyring.c — the dkim_keys file; see dkim_keyring.h. */
#include "auth/dkim_keyring.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 4096

int dkim_keyring_load(struct dkim_keyring *kr, const char *path, struct mail_err *e)
{
	kr->n = 0;
	if (!path || !*path)
		return 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "dkim_keys %s: %s", path, strerror(errno));
	char line[LINE_MAX_LEN];
	int lineno = 0, rc = 0;
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = err_set(e, EX_CONFIG, 451, "4.3.5", "%s:%d: line too long", path, lineno);
			break;
		}
		char *words[5], *save = NULL;
		int n = 0;
		for (char *w = strtok_r(line, " \t\r\n", &save); w && n < 5; w = strtok_r(NULL, " \t\r\n", &save))
			words[n++] = w;
		if (n == 0 || words[0][0] == '#')
			continue;
		if (n < 3 || n > 4) {
			rc = err_set(e, EX_CONFIG, 451, "4.3.5", "%s:%d: want DOMAIN SELECTOR KEYFILE [ALGORITHM]", path,
				     lineno);
		} else if (kr->n == DKIM_KEYRING_MAX) {
			rc = err_set(e, EX_CONFIG, 451, "4.3.5", "%s:%d: more than %d keys", path, lineno,
				     DKIM_KEYRING_MAX);
		} else if (dkim_key_load(&kr->key[kr->n], words[0], words[1], words[2], n == 4 ? words[3] : NULL, e) < 0) {
			rc = err_wrap(e, "%s:%d", path, lineno);
		} else {
			kr->n++;
		}
	}
	if (rc == 0 && ferror(f))
		rc = err_set(e, EX_CONFIG, 451, "4.3.5", "dkim_keys %s: read error", path);
	fclose(f);
	if (rc < 0)
		dkim_keyring_free(kr);
	return rc;
}

void dkim_keyring_free(struct dkim_keyring *kr)
{
	for (size_t i = 0; i < kr->n; i++)
		dkim_key_free(&kr->key[i]);
	kr->n = 0;
}

int dkim_keyring_matches(const struct dkim_keyring *kr, size_t i, const char *domain)
{
	return i < kr->n && !strcasecmp(kr->key[i].domain, domain);
}
