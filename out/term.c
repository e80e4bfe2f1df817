// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * term.c - the terminal: whether to colour a stream, its charset, human
 * units for text lines, raw keyboard mode.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include "synfin.h"
#include "out/term.h"

/* --color: 0 auto, 1 always, 2 never. */
int parse_color(const char *s, int *mode)
{
	if (!strcmp(s, "auto"))
		*mode = 0;
	else if (!strcmp(s, "always"))
		*mode = 1;
	else if (!strcmp(s, "never"))
		*mode = 2;
	else
		return -1;
	return 0;
}

bool color_wanted(int mode, FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (mode == 1)
		return true;
	if (mode == 2 || (nc && *nc))
		return false;
	return isatty(fileno(f));
}

const char *term_state_color(int st)
{
	switch (st) {
	case SF_ESTABLISHED: return "\033[32m";
	case SF_CLOSED: case SF_TIME_WAIT: return "\033[31m";
	case SF_SYN_SENT: case SF_SYN_RECV: case SF_UNKNOWN: case SF_LISTEN: return "\033[36m";
	default: return "\033[33m";
	}
}

const char *term_segment_color(unsigned f)
{
	if (f & SF_TH_RST)
		return "\033[31m";
	if (f & SF_TH_FIN)
		return "\033[34m";
	if (f & SF_TH_SYN)
		return "\033[32m";
	return "";
}

static struct termios saved_tio;
static bool tio_saved;

void term_restore(void)
{
	if (tio_saved) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tio);
		tio_saved = false;
	}
	fputs("\033[?25h\033[?1049l", stdout);	/* cursor back, main screen back */
	fflush(stdout);
}

int term_raw(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tio))
		return 0;
	t = saved_tio;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSANOW, &t))
		return -errno;
	tio_saved = true;
	return 0;
}

/* Whether the locale's charset is UTF-8 (µs, box drawing, arrows). */
bool terminal_utf8(void)
{
	static int cached = -1;

	if (cached < 0) {
		setlocale(LC_CTYPE, "");
		cached = !strcmp(nl_langinfo(CODESET), "UTF-8");
	}
	return cached;
}

/* v / div with the unit of the first limit above v (the last one otherwise). */
struct unit {
	uint64_t below;		/* applies while v is below this */
	uint64_t div;
	int decimals;
	const char *name;
};

static void buf_scaled(struct buf *b, uint64_t v, const struct unit *u, size_t n_units)
{
	size_t i = 0;

	while (i + 1 < n_units && v >= u[i].below)
		i++;
	buf_ratio(b, v, u[i].div, u[i].decimals);
	buf_str(b, u[i].name);
}

/* Human units: 375µs, 12.3ms, 4.20s (us where the terminal lacks UTF-8). */
void buf_us(struct buf *b, uint64_t us)
{
	static const struct unit units[] = {
		{ 1000, 1, 0, "µs" }, { 1000000, 1000, 1, "ms" }, { 600000000, 1000000, 2, "s" },
		{ 0, 60000000, 0, "m" },
	};

	if (us < 1000 && !terminal_utf8()) {
		buf_u64(b, us);
		buf_lit(b, "us");
	} else {
		buf_scaled(b, us, units, sizeof(units) / sizeof(units[0]));
	}
}

void buf_bytes(struct buf *b, uint64_t v)
{
	static const struct unit units[] = {
		{ 10000, 1, 0, "B" }, { 10000000, 1000, 1, "KB" }, { 10000000000ull, 1000000, 1, "MB" },
		{ 0, 1000000000, 1, "GB" },
	};

	buf_scaled(b, v, units, sizeof(units) / sizeof(units[0]));
}

void fmt_us(uint64_t us, char *out, size_t n)
{
	char t[64];
	struct buf b = BUF_FIXED(t);

	buf_us(&b, us);
	snprintf(out, n, "%s", buf_cstr(&b));	/* cut short to fit, as before */
}

void fmt_bytes(uint64_t v, char *out, size_t n)
{
	char t[64];
	struct buf b = BUF_FIXED(t);

	buf_bytes(&b, v);
	snprintf(out, n, "%s", buf_cstr(&b));
}
