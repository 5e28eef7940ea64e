// SPDX-License-Identifier: GPL-2.0
/*
 * Reader for QEMU's simple trace format.  Every record carries its own
 * length, so events we do not know are skipped without needing the
 * trace-events file.  Argument words are meaningful for events without
 * string arguments; events with strings (the fault ones) are decoded
 * from the raw payload by st_args().
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "simpletrace.h"

static int rd(struct st_reader *r, void *buf, size_t len)
{
	return fread(buf, 1, len, r->f) == len ? 0 : -1;
}

int st_open(struct st_reader *r, const char *path)
{
	uint64_t hdr[3];

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->f = fopen(path, "rb");
	if (!r->f) {
		perror(path);
		return -1;
	}
	if (rd(r, hdr, sizeof(hdr)) || hdr[0] != ST_HEADER_EVENT_ID ||
	    hdr[1] != ST_HEADER_MAGIC) {
		fprintf(stderr, "%s: not a QEMU simple trace file\n", path);
		return -1;
	}
	if (hdr[2] != 4) {
		fprintf(stderr, "%s: trace log version %llu, only 4 is known\n",
			path, (unsigned long long)hdr[2]);
		return -1;
	}
	return 0;
}

static int read_mapping(struct st_reader *r)
{
	uint64_t id;
	uint32_t len;
	char *name;

	if (rd(r, &id, sizeof(id)) || rd(r, &len, sizeof(len)) || len > 4096)
		return -1;
	name = malloc(len + 1);
	if (!name || rd(r, name, len)) {
		free(name);
		return -1;
	}
	name[len] = '\0';
	/* ids are dense small integers assigned by tracetool */
	if (id > 1000000) {
		free(name);
		return -1;
	}
	if (id >= r->nnames) {
		uint64_t n = id + 1;
		char **nn = realloc(r->names, n * sizeof(*nn));

		if (!nn) {
			free(name);
			return -1;
		}
		memset(nn + r->nnames, 0, (n - r->nnames) * sizeof(*nn));
		r->names = nn;
		r->nnames = n;
	}
	free(r->names[id]);
	r->names[id] = name;
	return 0;
}

int st_next(struct st_reader *r, struct st_event *ev)
{
	uint64_t type, hdr[2];
	uint32_t len_pid[2], len, words;

	for (;;) {
		size_t n = fread(&type, 1, sizeof(type), r->f);

		if (n == 0 && feof(r->f))
			return 0;
		if (n != sizeof(type))
			goto bad;
		if (type == ST_REC_MAPPING) {
			if (read_mapping(r))
				goto bad;
			continue;
		}
		if (type != ST_REC_EVENT)
			goto bad;
		break;
	}
	if (rd(r, hdr, sizeof(hdr)) || rd(r, len_pid, sizeof(len_pid)))
		goto bad;
	if (len_pid[0] < 24 || (len_pid[0] - 24) > 1 << 20)
		goto bad;
	ev->id = hdr[0];
	ev->ts = hdr[1];
	ev->pid = len_pid[1];
	len = len_pid[0] - 24;
	if (len > r->payload_size) {
		uint8_t *p = realloc(r->payload, len);

		if (!p)
			goto bad;
		r->payload = p;
		r->payload_size = len;
	}
	if (len && rd(r, r->payload, len))
		goto bad;
	ev->payload = r->payload;
	ev->payload_len = len;
	words = len / 8;
	ev->nargs = words < ST_MAX_ARGS ? words : ST_MAX_ARGS;
	if (ev->nargs)
		memcpy(ev->args, r->payload, ev->nargs * 8);
	if (ev->id == ST_DROPPED_EVENT_ID)
		ev->name = "dropped";
	else if (ev->id < r->nnames && r->names[ev->id])
		ev->name = r->names[ev->id];
	else
		goto bad;
	return 1;
bad:
	fprintf(stderr, "%s: malformed or truncated record at byte %ld\n",
		r->path, ftell(r->f));
	return -1;
}

int st_args(const struct st_event *ev, const char *fmt, ...)
{
	uint32_t off = 0, slen;
	va_list ap;
	int rc = 0;

	va_start(ap, fmt);
	for (; *fmt && !rc; fmt++) {
		if (*fmt == 'u') {
			uint64_t *v = va_arg(ap, uint64_t *);

			if (ev->payload_len - off < 8) {
				rc = -1;
				break;
			}
			memcpy(v, ev->payload + off, 8);
			off += 8;
		} else {
			char *buf = va_arg(ap, char *);
			size_t size = va_arg(ap, size_t), n;

			/* QEMU writes a 32-bit length, then the bytes */
			if (ev->payload_len - off < 4) {
				rc = -1;
				break;
			}
			memcpy(&slen, ev->payload + off, 4);
			off += 4;
			if (ev->payload_len - off < slen) {
				rc = -1;
				break;
			}
			n = slen < size - 1 ? slen : size - 1;
			memcpy(buf, ev->payload + off, n);
			buf[n] = '\0';
			off += slen;
		}
	}
	va_end(ap);
	return rc;
}

void st_close(struct st_reader *r)
{
	uint64_t i;

	for (i = 0; i < r->nnames; i++)
		free(r->names[i]);
	free(r->names);
	free(r->payload);
	if (r->f)
		fclose(r->f);
}
