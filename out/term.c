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

/* Human units: 375µs, 12.3ms, 4.20s (us where the terminal lacks UTF-8). */
void fmt_us(uint64_t us, char *buf, size_t n)
{
	if (us < 1000)
		snprintf(buf, n, "%llu%s", (unsigned long long)us, terminal_utf8() ? "µs" : "us");
	else if (us < 1000000)
		snprintf(buf, n, "%.1fms", us / 1e3);
	else if (us < 600000000ull)
		snprintf(buf, n, "%.2fs", us / 1e6);
	else
		snprintf(buf, n, "%.0fm", us / 6e7);
}

void fmt_bytes(uint64_t b, char *buf, size_t n)
{
	if (b < 10000)
		snprintf(buf, n, "%lluB", (unsigned long long)b);
	else if (b < 10000000)
		snprintf(buf, n, "%.1fKB", b / 1e3);
	else if (b < 10000000000ull)
		snprintf(buf, n, "%.1fMB", b / 1e6);
	else
		snprintf(buf, n, "%.1fGB", b / 1e9);
}
