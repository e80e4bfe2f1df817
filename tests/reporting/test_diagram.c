// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * test_diagram.c - ladder diagrams of the standard lifecycles, built from
 * crafted segments run through the tracker (the same conn.h core as the
 * kernel), compared with golden files in tests/reporting/golden/.
 *
 * Usage: test_diagram GOLDEN_DIR SVG_DIR [FILTER]   (UPDATE_GOLDEN=1 rewrites goldens)
 * Each case's SVG goes to SVG_DIR/NAME.svg (tests/reporting/run.sh renders
 * and checks them; tools/figures.sh makes docs/ pictures of them).
 */
#include <stdlib.h>
#include <string.h>
#include "lib/track.h"
#include "out/diagram.h"
#include "testlib.h"

int verbose;
static const char *golden_dir, *svg_dir;
static bool use_v6, use_color;
static struct diagram *cur;

static void to_diagram(void *ctx, const struct sf_event *ev)
{
	struct sf_record rec;

	(void)ctx;
	record_event(&rec, ev, NULL, 0);
	diagram_record(cur, &rec);
}

/* One crafted segment: who sends it, flags, seq/ack as offsets from the ISNs. */
struct step {
	int from_server;
	__u8 flags;
	__u32 rseq, rack, len;
};

#define CISN 1000000u
#define SISN 7000000u

static void feed(struct tracker *t, const struct step *s, uint64_t now)
{
	static const __u8 cip[4] = { 10, 0, 0, 1 }, sip[4] = { 10, 0, 0, 2 };
	/* Long IPv6 addresses: the header must stay aligned. */
	static const __u8 cip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc,
				       0xde, 0xf0, 0x12, 0x34, 0x56, 0x78 };
	static const __u8 sip6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
				       0x32, 0x10, 0xfe, 0xdc, 0xba, 0x98 };
	const __u8 *c = use_v6 ? cip6 : cip, *sv = use_v6 ? sip6 : sip;
	struct sf_pkt pk;

	memset(&pk, 0, sizeof(pk));
	pk.key.family = use_v6 ? 6 : 4;
	pk.sport = s->from_server ? 80 : 40000;
	pk.dport = s->from_server ? 40000 : 80;
	sf_canon_key(&pk, s->from_server ? sv : c, s->from_server ? c : sv, use_v6 ? 16 : 4);
	pk.seg.flags = s->flags;
	pk.seg.seq = (s->from_server ? SISN : CISN) + s->rseq;
	pk.seg.ack = (s->flags & SF_TH_ACK) ? (s->from_server ? CISN : SISN) + s->rack : 0;
	pk.seg.len = s->len;
	pk.seg.win = 64240;
	if (s->flags & SF_TH_SYN) {
		pk.seg.mss = 1460;
		pk.seg.opts = SF_OPT_MSS;
	}
	tracker_packet(t, &pk, now);
}

#define S SF_TH_SYN
#define A SF_TH_ACK
#define F SF_TH_FIN
#define R SF_TH_RST
#define P SF_TH_PSH

/* The three-way handshake, client ISN+1 / server ISN+1 from here on. */
#define OPEN { 0, S, 0, 0, 0 }, { 1, S | A, 0, 1, 0 }, { 0, A, 1, 1, 0 }

static const struct step open_close4[] = {
	OPEN,
	{ 0, P | A, 1, 1, 100 }, { 1, A, 1, 101, 1448 }, { 1, P | A, 1449, 101, 552 },
	{ 0, A, 101, 2001, 0 },
	{ 0, F | A, 101, 2001, 0 }, { 1, A, 2001, 102, 0 }, { 1, F | A, 2001, 102, 0 },
	{ 0, A, 102, 2002, 0 },
};
static const struct step close3[] = {
	OPEN,
	{ 0, P | A, 1, 1, 77 }, { 1, P | A, 1, 78, 1448 },
	{ 1, F | A, 1449, 78, 0 }, { 0, F | A, 78, 1450, 0 }, { 1, A, 1450, 79, 0 },
};
static const struct step refused[] = {
	{ 0, S, 0, 0, 0 }, { 1, R | A, 0u - SISN, 1, 0 },	/* Linux: seq 0 */
};
static const struct step rst_abort[] = {
	OPEN,
	{ 0, P | A, 1, 1, 300 }, { 1, A, 1, 301, 0 }, { 0, R | A, 301, 1, 0 },
};
static const struct step simultaneous[] = {
	OPEN,
	{ 0, F | A, 1, 1, 0 }, { 1, F | A, 1, 1, 0 }, { 0, A, 2, 2, 0 }, { 1, A, 2, 2, 0 },
};
/* The client closes, the server's application never does: CLOSE_WAIT at the end. */
static const struct step close_wait[] = {
	OPEN,
	{ 0, P | A, 1, 1, 5 }, { 1, A, 1, 6, 0 }, { 0, F | A, 6, 1, 0 }, { 1, A, 1, 7, 0 },
};
/* Half-close: the server goes on sending after the client's FIN. */
static const struct step half_close[] = {
	OPEN,
	{ 0, P | A, 1, 1, 20 }, { 0, F | A, 21, 1, 0 }, { 1, A, 1, 22, 0 },
	{ 1, P | A, 1, 22, 1000 }, { 0, A, 22, 1001, 0 }, { 1, P | A, 1001, 22, 1000 },
	{ 0, A, 22, 2001, 0 }, { 1, F | A, 2001, 22, 0 }, { 0, A, 22, 2002, 0 },
};

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* Run steps through a tracker into a diagram; the text it drew, or NULL. */
static char *render(const struct step *steps, size_t n, bool unicode, const char *svg)
{
	struct sf_timeouts to = { .syn_ns = 130000000000ull, .time_wait_ns = 60000000000ull,
				  .idle_ns = 7200000000000ull };
	struct diagram_opts o = { .unicode = unicode, .times = true, .color = use_color };
	struct tracker *t = NULL;
	uint64_t now = 1000000000ull;
	char *text = NULL;
	size_t len = 0, i;
	bool ok = false;

	if (svg) {
		o.svg = fopen(svg, "w");
		if (!ASSERT_OK_PTR(o.svg, svg))
			return NULL;
	}
	o.out = open_memstream(&text, &len);
	if (!ASSERT_OK_PTR(o.out, "open_memstream"))
		return NULL;
	cur = diagram_new(&o);
	t = tracker_new(1024, &to, to_diagram, NULL);
	if (!ASSERT_OK_PTR(cur, "diagram_new") || !ASSERT_OK_PTR(t, "tracker_new"))
		goto out;
	for (i = 0; i < n; i++) {
		feed(t, &steps[i], now);
		now += (i % 3 == 0) ? 250000 : 40000;	/* 250µs or 40µs apart */
	}
	tracker_finish(t, now);
	ok = ASSERT_OK(diagram_finish(cur), "diagram_finish");
out:
	tracker_free(t);
	diagram_free(cur);
	cur = NULL;
	fclose(o.out);
	if (o.svg && fclose(o.svg))
		ok = false;
	if (!ok) {
		free(text);
		return NULL;
	}
	return text;
}

static void compare(const char *path, const char *got);

/* Draw steps and compare with GOLDEN_DIR/NAME[.ascii].txt; the SVG to SVG_DIR/NAME.svg. */
static void check(const char *name, const struct step *steps, size_t n, bool unicode)
{
	char *got, path[512], svg[512];

	snprintf(svg, sizeof(svg), "%s/%s.svg", svg_dir, name);
	got = render(steps, n, unicode, unicode ? svg : NULL);
	if (!got)
		return;
	snprintf(path, sizeof(path), "%s/%s%s.txt", golden_dir, name, unicode ? "" : ".ascii");
	compare(path, got);
	free(got);
}

/* got against the golden file at path (UPDATE_GOLDEN=1 writes it first). */
static void compare(const char *path, const char *got)
{
	char *want = NULL, what[600];
	FILE *f;

	if (getenv("UPDATE_GOLDEN")) {
		f = fopen(path, "w");
		if (ASSERT_OK_PTR(f, path)) {
			fputs(got, f);
			fclose(f);
		}
	}
	want = slurp(path);
	if (!ASSERT_OK_PTR(want, "golden file (UPDATE_GOLDEN=1 creates it)"))
		return;
	snprintf(what, sizeof(what), "diagram matches %s (diff on stderr)", path);
	if (!ASSERT_TRUE(!strcmp(got, want), what))
		fprintf(stderr, "--- got (%s)\n%s--- want\n%s", path, got, want);
	free(want);
}

#define CHECK(n) do { \
	check(#n, n, sizeof(n) / sizeof(n[0]), true); \
	check(#n, n, sizeof(n) / sizeof(n[0]), false); } while (0)

static void test_diagram_open_close4(void) { CHECK(open_close4); }
static void test_diagram_close3(void) { CHECK(close3); }
static void test_diagram_refused(void) { CHECK(refused); }
static void test_diagram_rst_abort(void) { CHECK(rst_abort); }
static void test_diagram_simultaneous(void) { CHECK(simultaneous); }

static void test_diagram_close_wait(void) { CHECK(close_wait); }
static void test_diagram_half_close(void) { CHECK(half_close); }

/* Long IPv6 endpoints: the title takes them, the column heads stay on the lifelines. */
static void test_diagram_ipv6(void)
{
	char *got;

	use_v6 = true;
	got = render(open_close4, sizeof(open_close4) / sizeof(open_close4[0]), true, NULL);
	use_v6 = false;
	if (got) {
		char path[512];

		snprintf(path, sizeof(path), "%s/ipv6.txt", golden_dir);
		compare(path, got);
	}
	free(got);
}

/* On a terminal: RST red, FIN blue, SYN green, states in their colours; else the same picture. */
static void test_diagram_color(void)
{
	char *got, *plain, *p, *q;

	use_color = true;
	got = render(rst_abort, sizeof(rst_abort) / sizeof(rst_abort[0]), true, NULL);
	use_color = false;
	plain = render(rst_abort, sizeof(rst_abort) / sizeof(rst_abort[0]), true, NULL);
	if (!got || !plain)
		goto out;
	ASSERT_TRUE(strstr(got, "\033[31m◀") || strstr(got, "\033[31m─"), "RST arrow in red");
	ASSERT_TRUE(strstr(got, "\033[32m─") != NULL, "SYN arrow in green");
	ASSERT_TRUE(strstr(got, "\033[32mESTABLISHED\033[0m") != NULL, "ESTABLISHED in green");
	/* Without the escapes, the same text as without colour. */
	for (p = q = got; *p; p++) {
		if (*p == '\033') {
			while (*p && *p != 'm')
				p++;
			continue;
		}
		*q++ = *p;
	}
	*q = 0;
	ASSERT_STREQ(got, plain, "coloured diagram less escapes == plain diagram");
out:
	free(got);
	free(plain);
}

static const struct tl_test tests[] = {
	TL_TEST(diagram_open_close4),
	TL_TEST(diagram_close3),
	TL_TEST(diagram_refused),
	TL_TEST(diagram_rst_abort),
	TL_TEST(diagram_simultaneous),
	TL_TEST(diagram_close_wait),
	TL_TEST(diagram_half_close),
	TL_TEST(diagram_ipv6),
	TL_TEST(diagram_color),
};

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s GOLDEN_DIR SVG_DIR [FILTER]\n", argv[0]);
		return 2;
	}
	golden_dir = argv[1];
	svg_dir = argv[2];
	return tl_main(argc - 2, argv + 2, tests, TL_ARRAY_SIZE(tests));
}
