// SPDX-License-Identifier: GPL-2.0
/*
 * tdpattern - move a known byte stream over TCP both ways and check every
 * byte.
 *
 *   tdpattern serve PORT [--flip OFFSET]
 *	in a guest: answer connections forever (--flip: change the byte at
 *	OFFSET of every stream it sends, to test the check).  Each starts with one line:
 *	"recv SEED BYTES" (the client sends; the server checks and answers
 *	"ok BYTES" or "bad OFFSET BYTES") or "send SEED BYTES" (the server
 *	sends, the client checks).
 *   tdpattern check HOST PORT SEED BYTES
 *	on the peer: both directions against a server, then one line
 *	  tdpattern: to HOST N bytes ok|bad at OFF; from HOST N bytes ok|bad at OFF
 *	exit 0 when both were intact, 1 when a byte differed, 2 on errors.
 *
 * Why: a TCP checksum does not protect data a NIC checksums itself after
 * it was corrupted on its way (a copy in Xen before segmentation offload
 * computes the checksum over whatever it copied).  The writer uses
 * seeded random write sizes from 1 byte to 64 KiB with TCP_NODELAY, so
 * frames of every size go out: short ones that need padding, full ones,
 * and segmentation-offload ones spread over many slots and pages.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define CHUNK_MAX	65536
#define IO_TIMEOUT_S	30

static int64_t flip_at = -1;	/* serve --flip: the byte sent wrong */

static uint64_t splitmix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The stream's bytes [off, off + n) for seed, into buf. */
static void pattern(uint64_t seed, uint64_t off, unsigned char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++, off++)
		buf[i] = splitmix(seed ^ (off >> 3)) >> ((off & 7) * 8);
}

static void timeouts(int fd)
{
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int one = 1;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

/* Write the stream in writes of seeded random sizes; 0 or -1. */
static int send_stream(int fd, uint64_t seed, uint64_t bytes)
{
	static unsigned char buf[CHUNK_MAX];
	uint64_t off = 0, r = seed;

	while (off < bytes) {
		size_t n, done = 0;

		r = splitmix(r);
		/* sizes spread over every order of magnitude */
		n = 1 + (r % CHUNK_MAX) / (1 + (r >> 32) % 64);
		if (n > bytes - off)
			n = bytes - off;
		pattern(seed, off, buf, n);
		if (flip_at >= (int64_t)off && flip_at < (int64_t)(off + n))
			buf[flip_at - off] ^= 0x5a;
		while (done < n) {
			ssize_t w = write(fd, buf + done, n - done);

			if (w <= 0)
				return -1;
			done += w;
		}
		off += n;
	}
	return 0;
}

/*
 * Read bytes of the stream and compare: the offset of the first differing
 * byte, bytes if none, or -1 when the stream ended early.
 */
static int64_t recv_stream(int fd, uint64_t seed, uint64_t bytes)
{
	static unsigned char buf[CHUNK_MAX], want[CHUNK_MAX];
	uint64_t off = 0;
	int64_t bad = -1;

	while (off < bytes) {
		size_t n = bytes - off < CHUNK_MAX ? bytes - off : CHUNK_MAX, i;
		ssize_t r = read(fd, buf, n);

		if (r <= 0)
			return -1;
		pattern(seed, off, want, r);
		for (i = 0; bad < 0 && i < (size_t)r; i++)
			if (buf[i] != want[i])
				bad = off + i;
		off += r;
	}
	return bad < 0 ? (int64_t)bytes : bad;
}

static int read_line(int fd, char *line, size_t len)
{
	size_t n = 0;

	while (n + 1 < len) {
		if (read(fd, line + n, 1) != 1)
			return -1;
		if (line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	return 0;
}

static void serve_one(int fd)
{
	char line[128], verb[8];
	unsigned long long seed, bytes;
	int64_t got;

	timeouts(fd);
	if (read_line(fd, line, sizeof(line)) ||
	    sscanf(line, "%7s %llu %llu", verb, &seed, &bytes) != 3)
		return;
	if (!strcmp(verb, "send")) {
		send_stream(fd, seed, bytes);
		return;
	}
	if (strcmp(verb, "recv"))
		return;
	got = recv_stream(fd, seed, bytes);
	if (got == (int64_t)bytes)
		snprintf(line, sizeof(line), "ok %llu\n", bytes);
	else
		snprintf(line, sizeof(line), "bad %lld %llu\n", (long long)got, bytes);
	if (write(fd, line, strlen(line)) < 0)
		return;
}

static int serve(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_port = htons(atoi(port));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4)) {
		fprintf(stderr, "tdpattern: cannot listen on port %s: %s\n", port, strerror(errno));
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c < 0)
			continue;
		serve_one(c);
		close(c);
	}
}

/* An IPv4 address: static binaries resolve no names. */
static int connect_to(const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd;

	if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
		fprintf(stderr, "tdpattern: '%s' is not an IPv4 address\n", host);
		return -1;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "tdpattern: cannot connect to %s:%s: %s\n", host, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	if (fd >= 0)
		timeouts(fd);
	return fd;
}

static int check(const char *host, const char *port, uint64_t seed, uint64_t bytes)
{
	char line[128];
	int64_t to = -1, from;
	unsigned long long okbytes;
	long long off;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	/* to the server: it checks and says */
	fd = connect_to(host, port);
	if (fd < 0)
		return 2;
	snprintf(line, sizeof(line), "recv %llu %llu\n", (unsigned long long)seed,
		 (unsigned long long)bytes);
	if (write(fd, line, strlen(line)) < 0 || send_stream(fd, seed, bytes) ||
	    read_line(fd, line, sizeof(line))) {
		fprintf(stderr, "tdpattern: the stream to %s broke: %s\n", host, strerror(errno));
		return 2;
	}
	close(fd);
	if (sscanf(line, "ok %llu", &okbytes) == 1 && okbytes == bytes)
		to = bytes;
	else if (sscanf(line, "bad %lld", &off) == 1)
		to = off;
	/* from the server: we check */
	fd = connect_to(host, port);
	if (fd < 0)
		return 2;
	snprintf(line, sizeof(line), "send %llu %llu\n", (unsigned long long)seed + 1,
		 (unsigned long long)bytes);
	if (write(fd, line, strlen(line)) < 0)
		return 2;
	from = recv_stream(fd, seed + 1, bytes);
	close(fd);
	if (from < 0) {
		fprintf(stderr, "tdpattern: the stream from %s ended early\n", host);
		return 2;
	}
	printf("tdpattern: to %s %llu bytes %s", host, (unsigned long long)bytes,
	       to == (int64_t)bytes ? "ok" : "bad");
	if (to != (int64_t)bytes)
		printf(" at %lld", (long long)to);
	printf("; from %s %llu bytes %s", host, (unsigned long long)bytes,
	       from == (int64_t)bytes ? "ok" : "bad");
	if (from != (int64_t)bytes)
		printf(" at %lld", (long long)from);
	printf("\n");
	return to == (int64_t)bytes && from == (int64_t)bytes ? 0 : 1;
}

int main(int argc, char **argv)
{
	char *end;
	unsigned long long seed, bytes;

	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	if (argc == 5 && !strcmp(argv[1], "serve") && !strcmp(argv[3], "--flip")) {
		flip_at = strtoll(argv[4], &end, 0);
		if (*end || flip_at < 0)
			goto usage;
		return serve(argv[2]);
	}
	if (argc == 6 && !strcmp(argv[1], "check")) {
		seed = strtoull(argv[4], &end, 0);
		if (*end)
			goto usage;
		bytes = strtoull(argv[5], &end, 0);
		if (*end || !bytes)
			goto usage;
		return check(argv[2], argv[3], seed, bytes);
	}
usage:
	fprintf(stderr, "usage: tdpattern serve PORT [--flip OFFSET] | tdpattern check HOST PORT SEED BYTES\n");
	return 2;
}
