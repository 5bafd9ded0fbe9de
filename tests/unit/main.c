/* main.c — runs every registered unit test and prints TAP. */
#include <stdlib.h>

#include "unit.h"

#define UNIT_MAX 512

static struct {
	const char *name;
	unit_fn fn;
} tests[UNIT_MAX];
static int ntests, current_failed;

void unit_register(const char *name, unit_fn fn)
{
	if (ntests < UNIT_MAX) {
		tests[ntests].name = name;
		tests[ntests].fn = fn;
		ntests++;
	}
}

void unit_fail(const char *file, int line, const char *what)
{
	printf("# %s:%d: check failed: %s\n", file, line, what);
	current_failed = 1;
}

int main(void)
{
	int failures = 0;
	printf("1..%d\n", ntests);
	for (int i = 0; i < ntests; i++) {
		current_failed = 0;
		tests[i].fn();
		printf("%sok %d - unit: %s\n", current_failed ? "not " : "", i + 1, tests[i].name);
		failures += current_failed;
	}
	return failures ? 1 : 0;
}
