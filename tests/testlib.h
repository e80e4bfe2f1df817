/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * testlib.h - named assertions for synfin's C tests. Each test is a function
 * `test_NAME(void)`; RUN(NAME) runs it and prints one line, "PASS NAME" or
 * "FAIL NAME: what", which tests/run.sh counts. SKIP(why) reports a skip.
 */
#ifndef SYNFIN_TESTLIB_H
#define SYNFIN_TESTLIB_H
#include <stdio.h>
#include <string.h>

static int tl_failed_now;	/* the current test has failed */
static int tl_skipped_now;
static int tl_pass, tl_fail, tl_skip;
static char tl_why[512];

#define ASSERT_TRUE(cond, what) do { \
	if (!(cond)) { \
		if (!tl_failed_now) \
			snprintf(tl_why, sizeof(tl_why), "%s (%s:%d)", what, __FILE__, __LINE__); \
		tl_failed_now = 1; \
	} } while (0)

#define ASSERT_EQ(got, want, what) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) { \
		if (!tl_failed_now) \
			snprintf(tl_why, sizeof(tl_why), "%s: got %lld, want %lld (%s:%d)", \
				 what, g_, w_, __FILE__, __LINE__); \
		tl_failed_now = 1; \
	} } while (0)

#define ASSERT_STREQ(got, want, what) do { \
	const char *g_ = (got), *w_ = (want); \
	if (strcmp(g_ ? g_ : "(null)", w_ ? w_ : "(null)")) { \
		if (!tl_failed_now) \
			snprintf(tl_why, sizeof(tl_why), "%s: got \"%s\", want \"%s\" (%s:%d)", \
				 what, g_ ? g_ : "(null)", w_, __FILE__, __LINE__); \
		tl_failed_now = 1; \
	} } while (0)

#define SKIP(why) do { tl_skipped_now = 1; snprintf(tl_why, sizeof(tl_why), "%s", why); return; } while (0)

#define RUN_NAMED(fn, name) do { \
	tl_failed_now = 0; tl_skipped_now = 0; tl_why[0] = 0; \
	fn(); \
	if (tl_skipped_now) { tl_skip++; printf("SKIP %s: %s\n", name, tl_why); } \
	else if (tl_failed_now) { tl_fail++; printf("FAIL %s: %s\n", name, tl_why); } \
	else { tl_pass++; printf("PASS %s\n", name); } \
	fflush(stdout); \
	} while (0)

#define RUN(name) RUN_NAMED(test_##name, #name)

#define TL_EXIT() (tl_fail ? 1 : 0)
#endif
