/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reader for QEMU's "simple" trace backend files (log format version 4),
 * as written by trace/simple.c and read by scripts/simpletrace.py.
 */
#ifndef SIMPLETRACE_H
#define SIMPLETRACE_H

#include <stdint.h>
#include <stdio.h>

#define ST_HEADER_EVENT_ID	0xffffffffffffffffULL
#define ST_HEADER_MAGIC		0xf2b177cb0aa429b4ULL
#define ST_DROPPED_EVENT_ID	0xfffffffffffffffeULL
#define ST_REC_MAPPING		0
#define ST_REC_EVENT		1
#define ST_MAX_ARGS		16

struct st_reader {
	FILE *f;
	const char *path;
	char **names;		/* event id -> name, from mapping records */
	uint64_t nnames;
	uint8_t *payload;	/* the current record's arguments */
	uint32_t payload_size;
};

struct st_event {
	uint64_t id;
	const char *name;	/* "dropped" for the dropped-events record */
	uint64_t ts;
	uint32_t pid;
	uint32_t nargs;		/* 8-byte argument words in the record */
	uint64_t args[ST_MAX_ARGS];
	const uint8_t *payload;	/* raw arguments, valid until st_next() */
	uint32_t payload_len;
};

int st_open(struct st_reader *r, const char *path);
/* 1: an event was read; 0: end of file; -1: malformed (message printed) */
int st_next(struct st_reader *r, struct st_event *ev);
void st_close(struct st_reader *r);
/*
 * Decode the arguments of an event that has string arguments, which
 * shift the ones after them: fmt has 'u' for an integer argument
 * (uint64_t *) and 's' for a string (char *buf, size_t size; truncated
 * to fit).  Returns 0, or -1 if the record is shorter than fmt says.
 */
int st_args(const struct st_event *ev, const char *fmt, ...);

#endif
