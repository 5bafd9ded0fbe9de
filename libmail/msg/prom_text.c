/* prom_text.c — see prom_text.h. */
#include "msg/prom_text.h"

void prom_family(struct buf *out, const char *name, const char *type, const char *help)
{
	buf_addf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_sample(struct buf *out, const char *name, const char *labels, unsigned long long value)
{
	if (labels && labels[0])
		buf_addf(out, "%s{%s} %llu\n", name, labels, value);
	else
		buf_addf(out, "%s %llu\n", name, value);
}
