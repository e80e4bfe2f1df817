/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * testlib.h - assertions and a runner for synfin's C tests, in the style of
 * the kernel's BPF selftests (tools/testing/selftests/bpf/test_progs.h).
 *
 * Every ASSERT_*(..., what) is an expression: when the check does not hold
 * it reports it and evaluates to false, so a failed setup check is also the
 * jump to cleanup:
 *
 *	if (!ASSERT_OK_PTR(tr, "tracker_new"))
 *		goto out;
 *
 * A test is `static void test_NAME(void)`, listed in a table of TL_TEST(NAME)
 * that tl_main() runs in order. Each test prints one line, which
 * tests/run.sh counts: "PASS NAME", "SKIP NAME: why", or - at its first
 * failed assertion - "FAIL NAME: what: got X, want Y (file:line)"; later
 * failures of the same test add "#   what: ..." lines. A test that walks a
 * table (TL_SUBTESTS) names each row with tl_subtest(), and then each row
 * gets its own line instead of the test.
 *
 * The optional argument of a test binary is a filter: only tests, and rows,
 * whose name contains it run.
 */
#ifndef SYNFIN_TESTLIB_H
#define SYNFIN_TESTLIB_H
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct tl_test {
	const char *name;
	void (*fn)(void);
	bool subtests;		/* reports rows through tl_subtest(), not itself */
};

#define TL_TEST(n) { #n, test_##n, false }
#define TL_SUBTESTS(n) { #n, test_##n, true }

static struct {
	char name[160];		/* the test or row running */
	const char *filter;	/* argv[1], or NULL */
	bool open;		/* name is running and not yet reported */
	bool quiet;		/* a passing end prints nothing (a table's test) */
	bool failed, skipped;
	char skip_why[256];
	int pass, fail, skip;
} tl;

/* Report what ran under the current name, if it is still open. */
static inline void tl_end(void)
{
	if (!tl.open)
		return;
	tl.open = false;
	if (tl.failed)		/* its FAIL line is out already */
		return;
	if (tl.skipped) {
		tl.skip++;
		printf("SKIP %s: %s\n", tl.name, tl.skip_why);
	} else if (!tl.quiet) {
		tl.pass++;
		printf("PASS %s\n", tl.name);
	}
	fflush(stdout);
}

/* Report the previous test and start NAME; quiet: report only failures. */
static inline void tl_begin(const char *name, bool quiet)
{
	tl_end();
	snprintf(tl.name, sizeof(tl.name), "%s", name);
	tl.open = true;
	tl.quiet = quiet;
	tl.failed = tl.skipped = false;
	tl.skip_why[0] = 0;
}

/*
 * End the previous row and start the row named by fmt; false if the filter
 * leaves it out (the caller skips it).
 */
static inline bool __attribute__((format(printf, 1, 2))) tl_subtest(const char *fmt, ...)
{
	char name[sizeof(tl.name)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	tl_end();
	if (tl.filter && !strstr(name, tl.filter))
		return false;
	tl_begin(name, false);
	return true;
}

/* ok, or print the failure (file:line) and return false. */
static inline bool __attribute__((format(printf, 4, 5)))
tl_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return true;
	if (!tl.failed) {
		tl.fail++;
		printf("FAIL %s: ", tl.name);
	} else {
		printf("#   ");
	}
	tl.failed = true;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s:%d)\n", file, line);
	fflush(stdout);
	return false;
}

/* Run the tests the filter (argv[1]) selects; the exit status. */
static inline int tl_main(int argc, char **argv, const struct tl_test *t, size_t n)
{
	size_t i;

	tl.filter = argc > 1 ? argv[1] : NULL;
	for (i = 0; i < n; i++) {
		if (!t[i].subtests && tl.filter && !strstr(t[i].name, tl.filter))
			continue;
		tl_begin(t[i].name, t[i].subtests);
		t[i].fn();
		tl_end();
	}
	return tl.fail ? 1 : 0;
}

#define TL_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Numbers are compared and printed as long long, as they were before. */
#define ASSERT_EQ(got, want, what) ({ \
	long long tl_g = (long long)(got), tl_w = (long long)(want); \
	tl_check(tl_g == tl_w, __FILE__, __LINE__, "%s: got %lld, want %lld", \
		 (what), tl_g, tl_w); })

#define ASSERT_NEQ(got, unwanted, what) ({ \
	long long tl_g = (long long)(got), tl_w = (long long)(unwanted); \
	tl_check(tl_g != tl_w, __FILE__, __LINE__, "%s: got %lld, want anything else", \
		 (what), tl_g); })

#define ASSERT_TRUE(cond, what) \
	tl_check(!!(cond), __FILE__, __LINE__, "%s: got false, want true", (what))

#define ASSERT_FALSE(cond, what) \
	tl_check(!(cond), __FILE__, __LINE__, "%s: got true, want false", (what))

/* 0 is success; anything else (a -errno, a count of problems) fails. */
#define ASSERT_OK(res, what) ({ \
	long long tl_g = (long long)(res); \
	tl_check(tl_g == 0, __FILE__, __LINE__, "%s: got %lld%s%s%s, want 0", (what), tl_g, \
		 tl_g < 0 ? " (" : "", tl_g < 0 ? strerror((int)-tl_g) : "", \
		 tl_g < 0 ? ")" : ""); })

#define ASSERT_ERR(res, what) ({ \
	long long tl_g = (long long)(res); \
	tl_check(tl_g < 0, __FILE__, __LINE__, "%s: got %lld, want an error (< 0)", \
		 (what), tl_g); })

/* A constructor's result: NULL fails, naming errno as the cause. */
#define ASSERT_OK_PTR(ptr, what) ({ \
	const void *tl_p = (ptr); \
	int tl_e = errno; \
	tl_check(tl_p != NULL, __FILE__, __LINE__, "%s: got NULL (%s), want a pointer", \
		 (what), tl_e ? strerror(tl_e) : "errno not set"); })

#define ASSERT_NULL(ptr, what) ({ \
	const void *tl_p = (ptr); \
	tl_check(tl_p == NULL, __FILE__, __LINE__, "%s: got %p, want NULL", (what), tl_p); })

#define ASSERT_STREQ(got, want, what) ({ \
	const char *tl_gs = (got), *tl_ws = (want); \
	tl_check(tl_gs && tl_ws && !strcmp(tl_gs, tl_ws), __FILE__, __LINE__, \
		 "%s: got \"%s\", want \"%s\"", (what), tl_gs ? tl_gs : "(null)", \
		 tl_ws ? tl_ws : "(null)"); })

/* A failure the ASSERTs cannot phrase: printf-style, evaluates to false. */
#define PRINT_FAIL(...) tl_check(false, __FILE__, __LINE__, __VA_ARGS__)

/* Report the running test (or row) as skipped, and return from it. */
#define SKIP(why) do { \
	tl.skipped = true; \
	snprintf(tl.skip_why, sizeof(tl.skip_why), "%s", (why)); \
	return; } while (0)

#endif
