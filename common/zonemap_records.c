/* The mapping's answers and records: what an entry answers, and the records written for it. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "zonemap.h"
#include "zonemap_impl.h"

/* ---- Answers ---- */

bool
zm_is_nx(const struct ctx *c, int v)
{
	return v < 0 || (c->e[v].flags & LISTING_EXCEPTION);
}

uint32_t
zm_code_of(const struct ctx *c, int v)
{
	return c->e[v].code != 0 ? c->e[v].code : c->src->cz->code;
}

/* The TXT template of listed entry V: its reason, else the zone's text (may be empty). */
static void
text_of(struct ctx *c, int v, const char **t, size_t *n)
{
	uint32_t id = c->e[v].reason_id;
	int rc;

	if (id != 0 && c->src->rd != NULL) {
		rc = store_text(c->src->rd, id, t, n);
		if (rc == 0 && *n > 0)
			return;
		if (rc < 0 && rc != RB_ENOTFOUND && c->err == 0)
			c->err = rc;
	}
	*t = c->src->cz->text;
	*n = *t != NULL ? strlen(*t) : 0;
}

bool
zm_has_dollar(struct ctx *c, int v)
{
	const char *t;
	size_t n;

	if (c->dollar[v] < 0) {
		text_of(c, v, &t, &n);
		c->dollar[v] = n > 0 && memchr(t, '$', n) != NULL;
	}
	return c->dollar[v] != 0;
}

/*
 * Do A and B give the same answer everywhere?  Not listed equals not
 * listed; two entries do when code and text agree and the text has no '$'
 * (which would show each one's own range).
 */
bool
zm_same(struct ctx *c, int a, int b)
{
	if (zm_is_nx(c, a) || zm_is_nx(c, b))
		return zm_is_nx(c, a) && zm_is_nx(c, b);
	if (a == b)
		return true;
	return zm_code_of(c, a) == zm_code_of(c, b) && c->e[a].reason_id == c->e[b].reason_id &&
	    !zm_has_dollar(c, a);
}

/* ---- Writing records ---- */

static size_t
label_text(struct label l, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (l.fam == F6) {
		buf[0] = hex[l.v & 15];
		return 1;
	}
	if (l.v >= 100)
		buf[n++] = (char)('0' + l.v / 100);
	if (l.v >= 10)
		buf[n++] = (char)('0' + l.v / 10 % 10);
	buf[n++] = (char)('0' + l.v % 10);
	return n;
}

/* The owner of depth DEPTH (or the wildcard below it) into c->name and c->wire. */
static size_t
owner(struct ctx *c, unsigned depth, bool wild)
{
	size_t t = 0, w = 0, n;
	unsigned i;

	if (wild) {
		c->name[t++] = '*';
		c->wire[w++] = 1;
		c->wire[w++] = '*';
	}
	for (i = depth; i-- > 0;) {
		if (t > 0)
			c->name[t++] = '.';
		n = label_text(c->path[i], c->name + t);
		c->wire[w++] = (uint8_t)n;
		memcpy(c->wire + w, c->name + t, n);
		w += n;
		t += n;
	}
	c->name[t] = '\0';
	return w;
}

static void
put(struct ctx *c, size_t wirelen, uint16_t type, const uint8_t *rdata, size_t rdlen)
{
	struct zonemap_rr rr;
	int rc;

	if (c->err != 0)
		return;
	rr.name = c->name;
	rr.wire = c->wire;
	rr.wirelen = wirelen;
	rr.type = type;
	rr.ttl = c->src->cz->ttl;
	rr.rdata = rdata;
	rr.rdlen = rdlen;
	if ((rc = c->cb(c->arg, &rr)) != 0)
		c->err = rc;
}

/*
 * TXT RDATA from template T[0..N) with each '$' replaced by SUB and each
 * "$$" by a literal '$', in character-strings of at most 255 octets (RFC
 * 1035 s3.3.14), as rbldbd sends it; cut at the RDATA limit.
 */
size_t
zonemap_txt_rdata(uint8_t *out, const char *t, size_t n, const char *sub)
{
	size_t len = 0, lenpos = 0, i, j, k, sublen = strlen(sub);
	const char *s;
	unsigned cur = 256;

	for (i = 0; i < n; i++) {
		if (t[i] == '$' && i + 1 < n && t[i + 1] == '$') {
			s = t + i++;
			k = 1;
		} else {
			s = t[i] == '$' ? sub : t + i;
			k = t[i] == '$' ? sublen : 1;
		}
		for (j = 0; j < k; j++) {
			if (cur >= 255) {
				if (len + 2 > RDATA_MAX)
					return len;
				lenpos = len;
				out[len++] = 0;
				cur = 0;
			} else if (len + 1 > RDATA_MAX) {
				return len;
			}
			out[len++] = (uint8_t)s[j];
			out[lenpos] = (uint8_t)++cur;
		}
	}
	return len;
}

/* A and TXT of listed entry V at the name of DEPTH (or its wildcard); '$' shows SUB. */
void
zm_put_listed(struct ctx *c, unsigned depth, bool wild, int v, const char *sub)
{
	uint32_t code = zm_code_of(c, v);
	uint8_t a[4] = { (uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8),
	    (uint8_t)code };
	size_t wl = owner(c, depth, wild), n;
	const char *t;

	put(c, wl, ZONEMAP_TYPE_A, a, 4);
	text_of(c, v, &t, &n);
	if (n > 0)
		put(c, wl, ZONEMAP_TYPE_TXT, c->rdata, zonemap_txt_rdata(c->rdata, t, n, sub));
}

/* A name that must exist without listing anything: only a TXT saying so. */
void
zm_put_unlisted(struct ctx *c, unsigned depth, int v)
{
	const char *t = v >= 0 ? ZONEMAP_TXT_EXCEPTED : ZONEMAP_TXT_UNLISTED;
	size_t wl = owner(c, depth, false);

	put(c, wl, ZONEMAP_TYPE_TXT, c->rdata, zonemap_txt_rdata(c->rdata, t, strlen(t), ""));
}

/* Listed entry V as a wildcard below the name of DEPTH; '$' shows V's range. */
void
zm_put_wildcard(struct ctx *c, unsigned depth, int v)
{
	char range[ADDR_STRLEN];

	addr_format(&c->e[v].net, range, sizeof(range));
	zm_put_listed(c, depth, true, v, range);
}

