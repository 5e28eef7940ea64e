/* SPDX-License-Identifier: GPL-2.0 */
/* tdh: small helpers shared by the harness's parts. */
#ifndef TDH_UTIL_H
#define TDH_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit codes: 0 fine, 1 the run failed, 2 bad usage or environment. */
#define EXIT_RUN	1
#define EXIT_USAGE	2

/*
 * die(): one line naming the problem and the fix, cleanup of everything
 * registered, and a non-zero exit.
 */
void die(int code, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
/*
 * tdh regress exits 1 for "a regression", so there a run that failed
 * (die(EXIT_RUN, ...)) must exit with another status: code replaces it.
 */
void die_remap_run_failure(int code);
/* The last die() message, for a failure report written while cleaning up. */
const char *die_message(void);
void info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

double now_s(void);		/* CLOCK_MONOTONIC */
double elapsed_s(void);		/* since the harness started */
void sleep_s(double s);

char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void *xcalloc(size_t n, size_t size);

int mkdir_p(const char *path);
int write_file(const char *path, const char *data, size_t len);
char *read_file(const char *path, size_t *len);	/* NUL-terminated */
bool file_exists(const char *path);

/*
 * Run argv to completion; stdout captured into *out (may be NULL), stderr
 * too when capture_stderr.  Returns the exit status, or -1 when it could
 * not start.  Times out after timeout_s (then -2).
 */
int run_cmd(char *const argv[], char **out, bool capture_stderr, double timeout_s);

/* Parse a strictly positive or non-negative number; false if malformed. */
bool parse_double(const char *s, double min, double max, double *out);
bool parse_int(const char *s, long min, long max, long *out);

#endif
