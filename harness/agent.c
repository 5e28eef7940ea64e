// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "cleanup.h"
#include "util.h"

#define PROGRESS_EVERY_S 10

static int connect_sock(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		die(EXIT_USAGE, "control socket path too long: %s; use a shorter results directory", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read what is there, waiting up to wait_ms; false when the channel died. */
static bool fill(struct agent *a, int wait_ms)
{
	struct pollfd p = { .fd = a->fd, .events = POLLIN };
	ssize_t r;

	if (poll(&p, 1, wait_ms) <= 0)
		return true;
	if (a->cap - a->len < 4096) {
		a->cap = a->cap ? a->cap * 2 : 65536;
		a->buf = realloc(a->buf, a->cap);
		if (!a->buf)
			die(EXIT_RUN, "out of memory");
	}
	r = read(a->fd, a->buf + a->len, a->cap - a->len - 1);
	if (r <= 0)
		return false;
	a->len += r;
	a->buf[a->len] = '\0';
	return true;
}

static void consume(struct agent *a, size_t n)
{
	memmove(a->buf, a->buf + n, a->len - n);
	a->len -= n;
	a->buf[a->len] = '\0';
}

bool agent_connect(struct agent *a, const char *sock)
{
	memset(a, 0, sizeof(*a));
	a->fd = connect_sock(sock);
	return a->fd >= 0;
}

bool agent_wait_ready(struct agent *a, struct machine *m, double timeout_s, const char *what)
{
	double start = now_s(), next_progress = start + PROGRESS_EVERY_S;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->m = m;
	while (now_s() - start < timeout_s) {
		cleanup_check_signal();
		if (!machine_alive(m))
			return false;
		if (a->fd < 0) {
			a->fd = connect_sock(m->d.ctl_sock);
			if (a->fd < 0) {
				usleep(100000);
				continue;
			}
		}
		if (!fill(a, 200)) {
			close(a->fd);
			a->fd = -1;
			continue;
		}
		if (a->buf && strstr(a->buf, "@@TDH READY")) {
			char *nl = strchr(strstr(a->buf, "@@TDH READY"), '\n');

			if (nl) {
				consume(a, nl + 1 - a->buf);
				return true;
			}
		}
		if (now_s() >= next_progress) {
			char *tail = machine_console_tail(m);

			info("  %s: still booting (%.0f s): %s", what, now_s() - start, tail);
			free(tail);
			next_progress += PROGRESS_EVERY_S;
		}
	}
	return false;
}

/* RFC 4648 base64 of s: the characters busybox's base64 -d reads back. */
static char *base64(const char *s)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;
	char *out = xcalloc(4 * ((n + 2) / 3) + 1, 1), *o = out;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = tab[(p[i + 1] & 15) << 2 | p[i + 2] >> 6];
		*o++ = tab[p[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[(p[i] & 3) << 4];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		*o++ = tab[p[i] >> 2];
		*o++ = tab[(p[i] & 3) << 4 | p[i + 1] >> 4];
		*o++ = tab[(p[i + 1] & 15) << 2];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/*
 * Send one command.  The protocol carries one line per command, so a
 * command of several lines (a script) goes base64-encoded and is decoded
 * and run by the guest's shell.
 */
int agent_send(struct agent *a, const char *cmd)
{
	int id = ++a->next_id;
	char *line;
	ssize_t len;

	if (a->fd < 0)
		return -1;
	a->len = 0;
	if (strchr(cmd, '\n')) {
		/* the protocol is one line per command: a script travels encoded */
		char *b64 = base64(cmd);

		line = xasprintf("%d printf %%s %s | base64 -d | sh\n", id, b64);
		free(b64);
	} else {
		line = xasprintf("%d %s\n", id, cmd);
	}
	len = (ssize_t)strlen(line);
	if (write(a->fd, line, len) != len)
		id = -1;
	free(line);
	return id;
}

int agent_wait(struct agent *a, int id, double timeout_s, char **out)
{
	char marker[64], *hit, *eol;
	double deadline = now_s() + timeout_s;
	size_t mlen;
	int rc;

	if (out)
		*out = NULL;
	if (id < 0 || a->fd < 0)
		return -1;
	mlen = snprintf(marker, sizeof(marker), "\n@@TDH END %d ", id);
	for (;;) {
		cleanup_check_signal();
		if (now_s() > deadline)
			return -1;
		if (!fill(a, 200))
			return -1;
		hit = a->buf ? strstr(a->buf, marker) : NULL;
		if (hit && (eol = strchr(hit + mlen, '\n')))
			break;
	}
	rc = atoi(hit + mlen);
	*hit = '\0';
	if (out)
		*out = xstrdup(a->buf);
	consume(a, eol + 1 - a->buf);
	return rc;
}

int agent_run(struct agent *a, const char *cmd, double timeout_s, char **out)
{
	return agent_wait(a, agent_send(a, cmd), timeout_s, out);
}

void agent_close(struct agent *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	free(a->buf);
	a->buf = NULL;
	a->len = a->cap = 0;
}
