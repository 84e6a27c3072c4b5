/* The records of a name-based zone for stock secondaries and exports (zonemap.h says how). */
#include <stdlib.h>
#include <string.h>

#include "name.h"
#include "rb.h"
#include "zonemap.h"

struct nm {
	char *text;	/* "a.example.com", "*.example.com" */
	int entry;	/* index into the entries, -1: a name above one (an empty non-terminal) */
};

struct nmap {
	const struct zonemap_src *src;
	struct listing_vec e;
	struct nm *v;
	size_t n, cap;
	uint8_t rdata[ZONEMAP_RDATA_MAX];
};

/* RFC 4034 s6.1 order: by labels from the right. */
static int
name_cmp(const char *a, const char *b)
{
	const char *ea = a + strlen(a), *eb = b + strlen(b), *la, *lb;
	size_t na, nb;
	int d;

	for (;;) {
		if (ea == a || eb == b)
			return (ea != a) - (eb != b);
		for (la = ea; la > a && la[-1] != '.'; la--)
			;
		for (lb = eb; lb > b && lb[-1] != '.'; lb--)
			;
		na = (size_t)(ea - la);
		nb = (size_t)(eb - lb);
		if ((d = memcmp(la, lb, na < nb ? na : nb)) != 0 || (d = (na > nb) - (na < nb)) != 0)
			return d;
		ea = la > a ? la - 1 : la;
		eb = lb > b ? lb - 1 : lb;
	}
}

static int
nm_cmp(const void *a, const void *b)
{
	const struct nm *x = a, *y = b;
	int d = name_cmp(x->text, y->text);

	return d != 0 ? d : (y->entry > x->entry) - (y->entry < x->entry);	/* entries first */
}

static int
add_name(struct nmap *m, const char *text, size_t len, int entry)
{
	struct nm *p;

	if (m->n == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 64;
		if ((p = realloc(m->v, m->cap * sizeof(*p))) == NULL)
			return -ENOMEM;
		m->v = p;
	}
	if ((m->v[m->n].text = strndup(text, len)) == NULL)
		return -ENOMEM;
	m->v[m->n++].entry = entry;
	return 0;
}

static int
collect_cb(void *arg, const struct listing *l)
{
	struct nmap *m = arg;

	if (l->net.fam != ADDR_NAME || (m->src->now != 0 && l->expires != 0 &&
	    l->expires <= m->src->now))
		return 0;
	return listing_vec_push(&m->e, l);
}

/* Every entry's name and every name above one, sorted, without repeats. */
static int
gather(struct nmap *m)
{
	char t[NAME_TEXTLEN];
	const char *p;
	size_t i, k;
	int rc = 0;

	if (m->src->entries != NULL) {
		for (i = 0; i < m->src->nentries && rc == 0; i++)
			rc = collect_cb(m, &m->src->entries[i]);
	} else {
		rc = store_foreach(m->src->rd, m->src->zone, collect_cb, m);
	}
	for (i = 0; i < m->e.n && rc == 0; i++) {
		store_net_text(m->src->rd, &m->e.v[i].net, t, sizeof(t));
		rc = add_name(m, t, strlen(t), (int)i);
		p = name_is_wild(t) ? t + 2 : strchr(t, '.');
		for (; rc == 0 && p != NULL; p = strchr(p, '.')) {
			if (*p == '.')
				p++;
			rc = add_name(m, p, strlen(p), -1);
		}
	}
	if (rc != 0)
		return rc;
	qsort(m->v, m->n, sizeof(*m->v), nm_cmp);
	for (i = k = 0; i < m->n; i++) {
		if (k > 0 && strcmp(m->v[k - 1].text, m->v[i].text) == 0) {
			free(m->v[i].text);
			continue;
		}
		m->v[k++] = m->v[i];
	}
	m->n = k;
	return 0;
}

static const struct nm *
find(const struct nmap *m, const char *text)
{
	size_t lo = 0, hi = m->n, mid;
	int d;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if ((d = name_cmp(text, m->v[mid].text)) == 0)
			return &m->v[mid];
		if (d < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* The entry rbldbd answers from for a name below P: the nearest wildcard "*.P" or above. */
static int
wild_from(const struct nmap *m, const char *p)
{
	char t[NAME_TEXTLEN + 2];
	const struct nm *w;

	for (; p != NULL && *p != '\0'; p = strchr(p, '.'), p = p != NULL ? p + 1 : NULL) {
		memcpy(t, "*.", 2);
		strcpy(t + 2, p);
		if ((w = find(m, t)) != NULL && w->entry >= 0)
			return w->entry;
	}
	return -1;
}

static int
put(struct nmap *m, const char *owner, uint16_t type, const uint8_t *rd, size_t rdlen,
    zonemap_cb cb, void *arg)
{
	uint8_t wire[NAME_TEXTLEN + 1];
	struct zonemap_rr rr;
	size_t n = 0, len;
	const char *p = owner, *dot;

	while (*p != '\0') {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		wire[n++] = (uint8_t)len;
		memcpy(wire + n, p, len);
		n += len;
		p += len + (dot != NULL);
	}
	rr.name = owner;
	rr.wire = wire;
	rr.wirelen = n;
	rr.type = type;
	rr.ttl = m->src->cz->ttl;
	rr.rdata = rd;
	rr.rdlen = rdlen;
	return cb(arg, &rr);
}

/* A and TXT of listing L (NULL: the zone's code and text) at OWNER; '$' shows SUB. */
static int
put_listed(struct nmap *m, const char *owner, const struct listing *l, const char *sub,
    zonemap_cb cb, void *arg)
{
	const struct conf_zone *cz = m->src->cz;
	uint32_t code = l != NULL && l->code != 0 ? l->code : cz->code;
	uint8_t a[4] = { (uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8),
	    (uint8_t)code };
	const char *t = cz->text;
	size_t n = t != NULL ? strlen(t) : 0;
	int rc;

	if ((rc = put(m, owner, ZONEMAP_TYPE_A, a, 4, cb, arg)) != 0)
		return rc;
	if (l != NULL && l->reason_id != 0 && store_text(m->src->rd, l->reason_id, &t, &n) != 0) {
		t = cz->text;
		n = t != NULL ? strlen(t) : 0;
	}
	if (n == 0)
		return 0;
	return put(m, owner, ZONEMAP_TYPE_TXT, m->rdata,
	    zonemap_txt_rdata(m->rdata, t, n, sub), cb, arg);
}

/* The records of name V: its entry's, or a wildcard's where one shows through. */
static int
put_name(struct nmap *m, const struct nm *v, zonemap_cb cb, void *arg)
{
	static const char excepted[] = ZONEMAP_TXT_EXCEPTED;
	char star[NAME_TEXTLEN + 2];
	const char *up = strchr(v->text, '.');
	int w, rc;

	if (v->entry >= 0 && (m->e.v[v->entry].flags & LISTING_EXCEPTION)) {
		uint8_t rd[sizeof(excepted)];

		rd[0] = (uint8_t)(sizeof(excepted) - 1);
		memcpy(rd + 1, excepted, sizeof(excepted) - 1);
		rc = put(m, v->text, ZONEMAP_TYPE_TXT, rd, sizeof(excepted), cb, arg);
	} else if (v->entry >= 0) {
		rc = put_listed(m, v->text, &m->e.v[v->entry],
		    name_is_wild(v->text) ? v->text + 2 : v->text, cb, arg);
	} else {
		/* An empty non-terminal rbldbd answers from a wildcard above it. */
		w = wild_from(m, up != NULL ? up + 1 : NULL);
		rc = w >= 0 && !(m->e.v[w].flags & LISTING_EXCEPTION) ?
		    put_listed(m, v->text, &m->e.v[w], v->text, cb, arg) : 0;
	}
	if (rc != 0 || name_is_wild(v->text))
		return rc;
	/* RFC 4592 s2.2.1: V stops the wildcards above it for the names below V. */
	snprintf(star, sizeof(star), "*.%s", v->text);
	if (find(m, star) != NULL)
		return 0;
	w = wild_from(m, up != NULL ? up + 1 : NULL);
	if (w < 0 || (m->e.v[w].flags & LISTING_EXCEPTION))
		return 0;
	return put_listed(m, star, &m->e.v[w], v->text, cb, arg);
}

int
zonemap_names(const struct zonemap_src *src, zonemap_cb cb, void *arg)
{
	struct nmap *m;
	size_t i;
	int rc;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -ENOMEM;
	m->src = src;
	rc = gather(m);
	/* RFC 5782 s5: TEST is listed; INVALID is not, and has no records. */
	if (rc == 0 && find(m, "test") == NULL)
		rc = put_listed(m, "test", NULL, "test", cb, arg);
	for (i = 0; i < m->n && rc == 0; i++)
		rc = put_name(m, &m->v[i], cb, arg);
	for (i = 0; i < m->n; i++)
		free(m->v[i].text);
	free(m->v);
	free(m->e.v);
	free(m);
	return rc;
}
