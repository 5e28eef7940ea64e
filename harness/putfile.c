// SPDX-License-Identifier: GPL-2.0
/*
 * tdh: a host file handed to a guest over the peer's network.  The agent's
 * serial line carries about 3 KB/s under TCG (the UART, not the shell, is
 * the limit: a payload of 90 KB took 47 s), the e1000 a few MB/s.  tdh
 * answers one HTTP GET on the peer's address itself, while the guest's
 * busybox wget fetches the file; the guest then checks its sha256.  The
 * guest's own driver must run the NIC meanwhile.
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

/* One connection: the request read to its blank line, the file sent. */
static bool serve_one(int lfd, const char *data, size_t len, double timeout_s)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	char req[2048], *hdr;
	size_t got = 0;
	bool ok;
	int fd;

	if (poll(&p, 1, (int)(timeout_s * 1000)) != 1)
		return false;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return false;
	p.fd = fd;
	while (got < sizeof(req) - 1 && poll(&p, 1, (int)(timeout_s * 1000)) == 1) {
		ssize_t r = read(fd, req + got, sizeof(req) - 1 - got);

		if (r <= 0)
			break;
		got += r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	hdr = xasprintf("HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n"
			"Content-Type: application/octet-stream\r\n\r\n", len);
	ok = strstr(req, "\r\n\r\n") && write_all(fd, hdr, strlen(hdr)) && write_all(fd, data, len);
	free(hdr);
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
			"wget -q -T %d -O '%s' http://%s:%d/f 2>&1 && "
			"sha256sum '%s' | cut -c1-64", remote, remote, (int)timeout_s, remote, PEER_IP,
			port, remote);
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
