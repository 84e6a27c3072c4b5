/* A bounded write cursor for DNS messages: every put checks room, and the first miss sticks. */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * Writes past CAP never happen: the put that would cross it sets ERR and
 * writes nothing, and every later put is a no-op.  A whole answer can so be
 * written without checks and tested once at the end, where "did not fit"
 * becomes TC=1 (NSD's buffer_available, rbldnsd's fixed packet buffer).
 */
struct wire {
	uint8_t *buf;
	size_t len;		/* octets written */
	size_t cap;		/* octets allowed */
	bool err;		/* a put did not fit */
};

static inline void
wire_init(struct wire *w, uint8_t *buf, size_t cap)
{
	w->buf = buf;
	w->len = 0;
	w->cap = cap;
	w->err = false;
}

/* True when N more octets fit; otherwise marks the cursor failed. */
static inline bool
wire_room(struct wire *w, size_t n)
{
	if (w->err || w->cap < w->len || w->cap - w->len < n) {
		w->err = true;
		return false;
	}
	return true;
}

static inline void
wire_u8(struct wire *w, uint8_t v)
{
	if (wire_room(w, 1))
		w->buf[w->len++] = v;
}

static inline void
wire_u16(struct wire *w, uint16_t v)
{
	if (wire_room(w, 2)) {
		w->buf[w->len++] = (uint8_t)(v >> 8);
		w->buf[w->len++] = (uint8_t)v;
	}
}

static inline void
wire_u32(struct wire *w, uint32_t v)
{
	if (wire_room(w, 4)) {
		w->buf[w->len++] = (uint8_t)(v >> 24);
		w->buf[w->len++] = (uint8_t)(v >> 16);
		w->buf[w->len++] = (uint8_t)(v >> 8);
		w->buf[w->len++] = (uint8_t)v;
	}
}

static inline void
wire_mem(struct wire *w, const void *p, size_t n)
{
	if (n > 0 && wire_room(w, n)) {
		memcpy(w->buf + w->len, p, n);
		w->len += n;
	}
}

/* Overwrite two octets already written at POS (a count or an RDLENGTH). */
static inline void
wire_set_u16(struct wire *w, size_t pos, uint16_t v)
{
	if (!w->err && pos + 2 <= w->len) {
		w->buf[pos] = (uint8_t)(v >> 8);
		w->buf[pos + 1] = (uint8_t)v;
	}
}

/* Read a big-endian 16 or 32-bit value from P. */
static inline uint16_t
wire_get_u16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
wire_get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * ASCII upper to lower case in eight octets at once: names are compared in
 * lower case, and a byte at a time was a tenth of a query's instructions.
 * Adding 0x3f or 0x25 to an octet's low seven bits sets its top bit from
 * 'A' or past 'Z' on, without a carry into the next octet; octets with the
 * top bit set are not ASCII and stay as they are.
 */
static inline uint64_t
wire_lower8(uint64_t w)
{
	const uint64_t top = 0x8080808080808080ull;
	uint64_t low7 = w & ~top;
	uint64_t from_a = low7 + 0x3f3f3f3f3f3f3f3full;
	uint64_t past_z = low7 + 0x2525252525252525ull;

	return w | (from_a & ~past_z & ~w & top) >> 2;
}

#endif
