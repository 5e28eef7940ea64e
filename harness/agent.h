/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tdh: the control channel to a guest's agent (guest/images/common/rootfs/
 * etc/tdh/agent.sh) over QEMU's second serial port, a UNIX socket here.
 */
#ifndef TDH_AGENT_H
#define TDH_AGENT_H

#include "machine.h"

struct agent {
	int fd;
	char *buf;
	size_t len, cap;
	int next_id;
	struct machine *m;
};

/*
 * Wait until the guest's agent says READY, showing progress; false on
 * timeout or when QEMU exited (the caller names the console log).
 */
bool agent_wait_ready(struct agent *a, struct machine *m, double timeout_s, const char *what);
/*
 * Connect to the agent of a machine another tdh holds (tdh boot without a
 * command): its READY line is long gone, commands go straight in.
 */
bool agent_connect(struct agent *a, const char *sock);
/*
 * Run a shell command in the guest; its output (stdout and stderr) in
 * *out.  Returns its exit status, or -1 on timeout or a dead channel.
 */
int agent_run(struct agent *a, const char *cmd, double timeout_s, char **out);
/* The same in two halves, so the harness can work while the guest does. */
int agent_send(struct agent *a, const char *cmd);
int agent_wait(struct agent *a, int id, double timeout_s, char **out);
void agent_close(struct agent *a);

#endif
