// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* term.c - the terminal: whether to colour a stream, raw keyboard mode. */
#include <errno.h>
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
