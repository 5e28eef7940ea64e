// SPDX-License-Identifier: GPL-2.0
/*
 * tdh: a host file handed to a guest over the peer's network.  The agent's
 * serial line carries about 3 KB/s under TCG (the UART, not the shell, is
 * the limit: a payload of 90 KB took 47 s), the e1000 a few MB/s.  tdh
 * listens on the peer's address itself and sends the file to the one
 * connection the guest's busybox nc makes (its wget segfaults in dom0);
 * the guest then checks the copy's sha256.  The guest's own driver must
 * run the NIC meanwhile.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netns.h"
#include "putfile.h"
#include "util.h"

static int listen_on_peer(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	inet_pton(AF_INET, PEER_IP, &sa.sin_addr);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1) ||
	    getsockname(fd, (struct sockaddr *)&sa, &len)) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static bool write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return false;
		p += w;
		n -= w;
	}
	return true;
}

/* One connection, the file sent down it and closed. */
static bool serve_one(int lfd, const char *data, size_t len, double timeout_s)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	bool ok;
	int fd;

	if (poll(&p, 1, (int)(timeout_s * 1000)) != 1)
		return false;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	ok = write_all(fd, data, len);
	close(fd);
	return ok;
}

static char *sha256_of(const char *path)
{
	char *argv[] = { "sha256sum", (char *)path, NULL }, *out = NULL;

	if (run_cmd(argv, &out, false, 60) != 0 || !out || strlen(out) < 64) {
		free(out);
		return NULL;
	}
	out[64] = '\0';
	return out;
}

int peer_put_file(struct agent *a, const char *local, const char *remote, double timeout_s)
{
	size_t len;
	char *data = read_file(local, &len), *sum = sha256_of(local), *cmd = NULL, *out = NULL;
	int lfd = -1, port, id, rc = -1;

	if (!data || !sum || (lfd = listen_on_peer(&port)) < 0)
		goto out;
	cmd = xasprintf("mkdir -p \"$(dirname '%s')\" && rm -f '%s' && "
			"timeout %d nc %s %d </dev/null > '%s' && sha256sum '%s' | cut -c1-64",
			remote, remote, (int)timeout_s, PEER_IP, port, remote, remote);
	id = agent_send(a, cmd);
	if (id < 0)
		goto out;
	serve_one(lfd, data, len, timeout_s);
	if (agent_wait(a, id, timeout_s, &out) == 0 && out && !strncmp(out, sum, 64))
		rc = 0;
out:
	if (lfd >= 0)
		close(lfd);
	free(out);
	free(cmd);
	free(sum);
	free(data);
	return rc;
}
