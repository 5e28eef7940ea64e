// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>

#include "cleanup.h"
#include "util.h"

static double start_time;

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

double elapsed_s(void)
{
	if (!start_time)
		start_time = now_s();
	return now_s() - start_time;
}

void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		if (cleanup_interrupted())
			break;
}

static int run_failure_code = EXIT_RUN;
static char die_msg[1024];

void die_remap_run_failure(int code)
{
	run_failure_code = code;
}

const char *die_message(void)
{
	return die_msg;
}

void die(int code, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	va_start(ap, fmt);
	vsnprintf(die_msg, sizeof(die_msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tdh: error: %s\n", die_msg);
	cleanup_all();
	exit(code == EXIT_RUN ? run_failure_code : code);
}

void info(const char *fmt, ...)
{
	va_list ap;

	printf("[%5.0fs] ", elapsed_s());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("tdh: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		die(EXIT_RUN, "out of memory");
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		die(EXIT_RUN, "out of memory");
	va_end(ap);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		die(EXIT_RUN, "out of memory");
	return p;
}

int mkdir_p(const char *path)
{
	char *p = xstrdup(path), *s;

	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			goto fail;
		*s = '/';
	}
	if (mkdir(p, 0755) && errno != EEXIST)
		goto fail;
	free(p);
	return 0;
fail:
	free(p);
	return -1;
}

int write_file(const char *path, const char *data, size_t len)
{
	char *tmp = xasprintf("%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	int ret = -1;

	if (!f)
		goto out;
	if (fwrite(data, 1, len, f) != len) {
		fclose(f);
		goto out;
	}
	if (fclose(f) == 0 && rename(tmp, path) == 0)
		ret = 0;
out:
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		size_t r;

		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				die(EXIT_RUN, "out of memory");
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

bool file_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

int run_cmd(char *const argv[], char **out, bool capture_stderr, double timeout_s)
{
	int pfd[2], status;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	double deadline = now_s() + timeout_s;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDWR);

		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(capture_stderr ? pfd[1] : devnull, 2);
		close(pfd[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int left = (int)((deadline - now_s()) * 1000);
		ssize_t r;

		if (left <= 0 || cleanup_interrupted()) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(pfd[0]);
			free(buf);
			return -2;
		}
		if (poll(&p, 1, left) <= 0)
			continue;
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				die(EXIT_RUN, "out of memory");
		}
		r = read(pfd[0], buf + n, cap - n - 1);
		if (r <= 0)
			break;
		n += r;
	}
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf)
		buf[n] = '\0';
	if (out)
		*out = buf ? buf : xstrdup("");
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (!s || !*s)
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}
