/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* cmds.h - the subcommands main.c dispatches to, a file each. */
#ifndef SYNFIN_CMD_CMDS_H
#define SYNFIN_CMD_CMDS_H

int cmd_watch(int argc, char **argv);
int cmd_replay(int argc, char **argv);
/* replay under another command's name (`diagram`): its messages say cmd. */
int cmd_replay_as(const char *cmd, int argc, char **argv);
int cmd_diagram(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_conns(int argc, char **argv);

#endif
