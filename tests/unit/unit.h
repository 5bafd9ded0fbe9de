/* unit.h — a tiny TAP unit-test harness for libmail.
 *
 *     UNIT_TEST(addr_plain) { CHECK(1 + 1 == 2); CHECK_STR(a, "b"); }
 *
 * Tests register themselves (no central list to edit); main.c runs them
 * all, printing "ok N - name" or "not ok N - name" with the failed check.
 */
#ifndef POSTBOX_UNIT_H
#define POSTBOX_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
void unit_fail(const char *file, int line, const char *what);

#define UNIT_TEST(name)                                                   \
	static void unit_##name(void);                                    \
	__attribute__((constructor)) static void unit_reg_##name(void)    \
	{                                                                 \
		unit_register(#name, unit_##name);                        \
	}                                                                 \
	static void unit_##name(void)

#define CHECK(cond)                                         \
	do {                                                \
		if (!(cond))                                \
			unit_fail(__FILE__, __LINE__, #cond); \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (strcmp(a_, b_)) {                                          \
			char m_[600];                                          \
			snprintf(m_, sizeof m_, "\"%s\" != \"%s\"", a_, b_); \
			unit_fail(__FILE__, __LINE__, m_);                     \
		}                                                              \
	} while (0)

#endif
