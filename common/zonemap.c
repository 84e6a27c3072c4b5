/* The mapping from a zone's listings to records a stock DNS server serves (see zonemap.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "rb.h"
#include "zonemap.h"
#include "zonemap_impl.h"

static const struct result MIXED = { true, NX };

/* ---- The tree ---- */

static unsigned
child_index(const struct addr *a, unsigned plen, unsigned step)
{
	if (step == 8)
		return a->a[plen / 8];
	return plen % 8 == 0 ? a->a[plen / 8] >> 4 : a->a[plen / 8] & 0x0f;
}

static void
set_child(struct addr *p, unsigned step, unsigned ci)
{
	unsigned plen = p->plen;

	if (step == 8)
		p->a[plen / 8] = (uint8_t)ci;
	else if (plen % 8 == 0)
		p->a[plen / 8] = (uint8_t)(ci << 4);
	else
		p->a[plen / 8] |= (uint8_t)ci;
	p->plen = (uint8_t)(plen + step);
}

/* Runs for children [from, to): the innermost spanning entry on the stack, else G. */
static size_t
gap(struct run *runs, size_t nr, int g, const int *stk, const unsigned *end, int *sp,
    unsigned from, unsigned to)
{
	unsigned last;

	while (from < to) {
		while (*sp > 0 && end[*sp - 1] < from)
			(*sp)--;
		last = *sp > 0 && end[*sp - 1] < to - 1 ? end[*sp - 1] : to - 1;
		runs[nr].first = from;
		runs[nr].last = last;
		runs[nr].g = *sp > 0 ? stk[*sp - 1] : g;
		runs[nr].lo = runs[nr].hi = 0;
		nr++;
		from = last + 1;
	}
	return nr;
}

/*
 * Split the children of part PT (STEP bits per label) into runs.  Entries
 * between the part's length and a child's ("spanning": a /20 under a /16)
 * cover several children and nest, so a small stack holds them.
 */
static size_t
sweep(const struct ctx *c, const struct part *pt, unsigned step, struct run *runs)
{
	unsigned nc = 1u << step, cpl = pt->p.plen + step, cur = 0, ci;
	int stk[8];
	unsigned end[8];
	int sp = 0;
	size_t i = pt->lo, j, nr = 0;
	const struct listing *l;

	while (i < pt->hi) {
		l = &c->e[i];
		ci = child_index(&l->net, pt->p.plen, step);
		nr = gap(runs, nr, pt->g, stk, end, &sp, cur, ci);
		while (sp > 0 && end[sp - 1] < ci)
			sp--;
		if (l->net.plen < cpl) {
			stk[sp] = (int)i;
			end[sp] = ci + (1u << (cpl - l->net.plen)) - 1;
			sp++;
			cur = ci;
			i++;
			continue;
		}
		runs[nr].first = runs[nr].last = ci;
		runs[nr].g = sp > 0 ? stk[sp - 1] : pt->g;
		if (l->net.plen == cpl)
			runs[nr].g = (int)i++;
		for (j = i; j < pt->hi && child_index(&c->e[j].net, pt->p.plen, step) == ci; j++)
			;
		runs[nr].lo = i;
		runs[nr].hi = j;
		nr++;
		i = j;
		cur = ci + 1;
	}
	return gap(runs, nr, pt->g, stk, end, &sp, cur, nc);
}

static const struct run *
run_of(const struct run *runs, size_t nr, unsigned ci)
{
	size_t lo = 0, hi = nr, mid;

	while (lo + 1 < hi) {
		mid = lo + (hi - lo) / 2;
		if (runs[mid].first <= ci)
			lo = mid;
		else
			hi = mid;
	}
	return &runs[lo];
}

/* The child of ND with label L, its parts taken from the runs of its families. */
static void
child_node(const struct node *nd, struct label l, const struct run *r4, size_t n4,
    const struct run *r6, size_t n6, struct node *ch)
{
	const struct run *r;
	int f;

	memset(ch, 0, sizeof(*ch));
	ch->depth = nd->depth + 1;
	for (f = F4; f <= F6; f++) {
		if (l.fam != FBOTH && l.fam != f)
			continue;
		r = f == F4 ? run_of(r4, n4, l.v) : run_of(r6, n6, l.v);
		ch->part[f].on = true;
		ch->part[f].p = nd->part[f].p;
		set_child(&ch->part[f].p, f == F4 ? 8 : 4, l.v);
		ch->part[f].g = r->g;
		if (r->first == r->last) {
			ch->part[f].lo = r->lo;
			ch->part[f].hi = r->hi;
		}
	}
}

static bool
is_target(const struct node *nd)
{
	return (nd->part[F4].on && nd->depth == DEPTH4) ||
	    (nd->part[F6].on && nd->depth == DEPTH6);
}

static bool
has_children(const struct node *nd)
{
	return (nd->part[F4].on && nd->depth < DEPTH4) ||
	    (nd->part[F6].on && nd->depth < DEPTH6);
}

/*
 * The address a target node stands for, as rbldbd shows it for '$': an
 * IPv4-mapped name in a zone listing IPv4 is answered as the IPv4 address.
 */
static void
target_text(const struct ctx *c, const struct node *nd, char *buf, size_t len)
{
	struct addr a = nd->part[nd->depth == DEPTH4 && nd->part[F4].on ? F4 : F6].p, m;

	if (a.fam == ADDR_V6 && (c->src->cz->family & ZONE_FAMILY_V4) && addr_is_v4mapped(&a)) {
		addr_unmap(&a, &m);
		a = m;
	}
	addr_format(&a, buf, len);
}

/* Child CH of the current node answers V throughout, unlike the node's wildcard. */
static void
materialize(struct ctx *c, const struct node *ch, int v)
{
	char sub[ADDR_STRLEN];

	if (zm_is_nx(c, v)) {
		/* Without a wildcard below it, every name under it is NXDOMAIN. */
		zm_put_unlisted(c, ch->depth, v);
		return;
	}
	if (is_target(ch)) {
		target_text(c, ch, sub, sizeof(sub));
		zm_put_listed(c, ch->depth, false, v, sub);
		if (!has_children(ch))
			return;
	}
	zm_put_wildcard(c, ch->depth, v);
}

static bool
label_is_focus(const struct ctx *c, unsigned depth, struct label l)
{
	struct label f = c->fpath[depth];

	return f.v == l.v && (l.fam == FBOTH || l.fam == f.fam);
}

/* The label of the focus path at DEPTH as a child of ND: digits are both families there. */
static struct label
focus_label(const struct ctx *c, const struct node *nd, bool kids4, bool kids6)
{
	struct label l = c->fpath[nd->depth];

	if (kids4 && kids6 && l.v < 10)
		l.fam = FBOTH;
	return l;
}

static struct result solve(struct ctx *c, const struct node *nd, enum mode mode);

/*
 * Streaming: the entries inside child CH of the apex, loaded after those
 * kept throughout, and CH's parts pointed at them.  The apex's entries
 * told which parts have any (their runs have entries inside).
 */
static int
load_child(struct ctx *c, struct node *ch)
{
	struct addr nets[2];
	size_t nn = 0, i;
	int8_t *d;
	int f, rc;

	c->held.n = c->base;
	for (f = F4; f <= F6; f++)
		if (ch->part[f].on && ch->part[f].lo < ch->part[f].hi)
			nets[nn++] = ch->part[f].p;
	if (nn > 0 && (rc = zonemap_gather_inside(c->src, nets, nn, &c->held)) != 0)
		return rc;
	if ((d = realloc(c->dollar, c->held.n ? c->held.n : 1)) == NULL)
		return -ENOMEM;
	c->dollar = d;
	memset(c->dollar + c->base, -1, c->held.n - c->base);
	c->e = c->held.v;
	c->n = c->held.n;
	if (c->n > c->peak)
		c->peak = c->n;
	for (i = c->base, f = F4; f <= F6; f++) {
		if (!ch->part[f].on || ch->part[f].lo == ch->part[f].hi)
			continue;
		ch->part[f].lo = i;
		while (i < c->n && c->e[i].net.fam == (f == F4 ? ADDR_V4 : ADDR_V6))
			i++;
		ch->part[f].hi = i;
	}
	return 0;
}

/*
 * Solve child CH (MODE).  Streaming, a child of the apex is solved on its
 * own entries, dropped after.  The apex's wildcard and names still read
 * the entry the child answers with: when one of the dropped, it is kept
 * as a copy with what is cached of it, so the answer stays addressable.
 */
static struct result
solve_child(struct ctx *c, struct node *ch, enum mode mode)
{
	struct result res;
	int rc;

	if (!c->stream || ch->depth != 1)
		return solve(c, ch, mode);
	if ((rc = load_child(c, ch)) != 0) {
		if (c->err == 0)
			c->err = rc;
		return MIXED;
	}
	res = solve(c, ch, mode);
	if (!res.mixed && res.v >= (int)c->base) {
		c->held.v[c->base] = c->e[res.v];
		c->dollar[c->base] = c->dollar[res.v];
		res.v = (int)c->base++;
	}
	c->n = c->held.n = c->base;
	return res;
}

static enum mode
child_mode(const struct ctx *c, unsigned depth, enum mode mode, struct label l)
{
	if (mode == SHALLOW)
		return EMIT_NONE;
	if (mode != FOCUS || !label_is_focus(c, depth, l) || c->probe)
		return mode == FOCUS ? EMIT_NONE : mode;
	return c->shallow ? SHALLOW : EMIT_ALL;
}

/* Solve every child of ND into groups; returns their number. */
static size_t
solve_children(struct ctx *c, const struct node *nd, enum mode mode, const struct run *r4,
    size_t n4, const struct run *r6, size_t n6)
{
	struct group *gr = c->groups[nd->depth];
	unsigned k = nd->depth, lim, d;
	bool both = n4 > 0 && n6 > 0;
	struct label l;
	struct node ch;
	size_t ng = 0, i;
	int f;

	lim = both ? 10 : 0;
	for (d = 0; both && d < 10; d++) {
		l.v = (uint8_t)d;
		l.fam = FBOTH;
		child_node(nd, l, r4, n4, r6, n6, &ch);
		c->path[k] = l;
		gr[ng].first = gr[ng].last = d;
		gr[ng].fam = FBOTH;
		gr[ng].res = solve_child(c, &ch, child_mode(c, k, mode, l));
		ng++;
	}
	for (f = F4; f <= F6; f++) {
		const struct run *r = f == F4 ? r4 : r6;
		size_t nr = f == F4 ? n4 : n6;

		for (i = 0; i < nr; i++) {
			if (r[i].last < lim)
				continue;
			gr[ng].first = r[i].first < lim ? lim : r[i].first;
			gr[ng].last = r[i].last;
			gr[ng].fam = (enum fam)f;
			gr[ng].res.mixed = false;
			gr[ng].res.v = r[i].g;
			if (r[i].lo < r[i].hi) {
				l.v = (uint8_t)r[i].first;
				l.fam = (uint8_t)f;
				child_node(nd, l, r4, n4, r6, n6, &ch);
				c->path[k] = l;
				gr[ng].res = solve_child(c, &ch, child_mode(c, k, mode, l));
			}
			ng++;
		}
	}
	return ng;
}

/*
 * Answers as sortable keys: equal keys are zm_same() answers.  Texts with '$'
 * make every entry an answer of its own.
 */
static void
answer_key(struct ctx *c, int v, struct tally *t)
{
	t->kind = zm_is_nx(c, v) ? 0 : zm_has_dollar(c, v) ? 2 : 1;
	t->a = t->kind == 1 ? zm_code_of(c, v) : t->kind == 2 ? (uint32_t)v : 0;
	t->b = t->kind == 1 ? c->e[v].reason_id : 0;
	t->v = v;
}

static int
tally_cmp(const void *pa, const void *pb)
{
	const struct tally *a = pa, *b = pb;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->a != b->a)
		return a->a < b->a ? -1 : 1;
	if (a->b != b->b)
		return a->b < b->b ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/*
 * The answer most uniform children share: the node's wildcard.  Ties go
 * to "not listed", which needs no wildcard, then to the first in label order.
 */
static int
choose_wildcard(struct ctx *c, const struct group *gr, size_t ng)
{
	struct tally *t = c->tally;
	size_t i, j, nt = 0, cnt, best = 0, bestorder = 0;
	int w = NX;

	for (i = 0; i < ng; i++) {
		if (gr[i].res.mixed)
			continue;
		answer_key(c, gr[i].res.v, &t[nt]);
		t[nt].n = gr[i].last - gr[i].first + 1;
		t[nt].order = i;
		nt++;
	}
	qsort(t, nt, sizeof(*t), tally_cmp);
	for (i = 0; i < nt; i = j) {
		for (cnt = 0, j = i; j < nt && t[j].kind == t[i].kind && t[j].a == t[i].a &&
		    t[j].b == t[i].b; j++)
			cnt += t[j].n;
		if (cnt > best || (cnt == best && (t[i].kind == 0 ||
		    (!zm_is_nx(c, w) && t[i].order < bestorder)))) {
			best = cnt;
			bestorder = t[i].order;
			w = t[i].v;
		}
	}
	return w;
}

/* The region's parent, probed: the group holding the region tells its result. */
static void
probe_parent(struct ctx *c, unsigned k, const struct group *gr, size_t ng)
{
	struct label l = c->fpath[k];
	size_t i;

	for (i = 0; i < ng; i++) {
		if (l.v >= gr[i].first && l.v <= gr[i].last &&
		    (gr[i].fam == FBOTH || gr[i].fam == l.fam)) {
			c->pres = gr[i].res;
			c->phit = true;
			return;
		}
	}
}

/*
 * A mixed node's records (its NG groups of children solved): its own name
 * when it is a target listed (OWN), the wildcard most children share, and a
 * name for each child of a uniform group answering otherwise.
 */
static void
write_mixed(struct ctx *c, const struct node *nd, enum mode mode, int own, const struct run *r4,
    size_t n4, const struct run *r6, size_t n6, size_t ng)
{
	unsigned k = nd->depth, x;
	const struct group *gr = c->groups[k];
	char sub[ADDR_STRLEN];
	struct label l;
	struct node ch;
	size_t i;
	int w;

	w = choose_wildcard(c, gr, ng);
	if (mode == EMIT_ALL || mode == SHALLOW) {
		if (!zm_is_nx(c, own)) {
			target_text(c, nd, sub, sizeof(sub));
			zm_put_listed(c, k, false, own, sub);
		}
		if (!zm_is_nx(c, w))
			zm_put_wildcard(c, k, w);
	}
	for (i = 0; i < ng; i++) {
		if (gr[i].res.mixed || zm_same(c, gr[i].res.v, w))
			continue;
		for (x = gr[i].first; x <= gr[i].last; x++) {
			l.v = (uint8_t)x;
			l.fam = (uint8_t)gr[i].fam;
			if (mode == FOCUS && !label_is_focus(c, k, l))
				continue;
			child_node(nd, l, r4, n4, r6, n6, &ch);
			c->path[k] = l;
			materialize(c, &ch, gr[i].res.v);
		}
	}
}

static struct result
solve(struct ctx *c, const struct node *nd, enum mode mode)
{
	const struct part *p4 = &nd->part[F4], *p6 = &nd->part[F6];
	unsigned k = nd->depth;
	bool kids4 = p4->on && k < DEPTH4, kids6 = p6->on && k < DEPTH6;
	const struct run *r4 = NULL, *r6 = NULL;
	size_t n4 = 0, n6 = 0, ng, i;
	struct group *gr;
	struct result res;
	struct label l;
	struct node ch;
	int own = NX;
	bool target = is_target(nd), uniform;

	if (c->err != 0)
		return MIXED;
	/* Nothing inside: every address below answers as the node's governing entry. */
	if ((!kids4 || p4->lo == p4->hi) && (!kids6 || p6->lo == p6->hi)) {
		res.mixed = false;
		res.v = p4->on ? p4->g : p6->g;
		if (!(p4->on && p6->on) || zm_same(c, p4->g, p6->g)) {
			if (c->probe && mode == FOCUS) {
				/* The region lies in a part that answers alike throughout. */
				c->pres = res;
				c->phit = true;
			}
			return res;
		}
	}
	if (kids4)
		n4 = sweep(c, p4, 8, (struct run *)(r4 = c->runs4[k]));
	if (kids6)
		n6 = sweep(c, p6, 4, (struct run *)(r6 = c->runs6[k]));

	if (mode == FOCUS && k + 1 < c->fdepth) {
		/* Above the region's parent only the way down matters. */
		l = focus_label(c, nd, kids4, kids6);
		if ((l.fam == F4 && !kids4) || (l.fam == F6 && !kids6))
			return MIXED;
		child_node(nd, l, r4, n4, r6, n6, &ch);
		c->path[k] = l;
		solve(c, &ch, FOCUS);
		return MIXED;
	}

	ng = solve_children(c, nd, mode, r4, n4, r6, n6);
	gr = c->groups[k];
	if (c->probe && mode == FOCUS) {
		probe_parent(c, k, gr, ng);
		return MIXED;
	}
	if (target)
		own = p4->on && k == DEPTH4 ? p4->g : p6->g;

	/* Uniform when the node itself and every child answer alike. */
	res.v = target ? own : gr[0].res.v;
	uniform = true;
	for (i = 0; i < ng && uniform; i++)
		uniform = !gr[i].res.mixed && zm_same(c, res.v, gr[i].res.v);
	if (uniform) {
		res.mixed = false;
		return res;
	}
	if (mode == EMIT_NONE || c->err != 0)
		return MIXED;

	write_mixed(c, nd, mode, own, r4, n4, r6, n6, ng);
	return MIXED;
}

/* The apex: each family's part covers everything, governed by a /0 entry if any. */
static void
root_node(const struct ctx *c, struct node *nd)
{
	size_t i = 0;
	int f;

	memset(nd, 0, sizeof(*nd));
	for (f = F4; f <= F6; f++) {
		uint8_t fam = f == F4 ? ADDR_V4 : ADDR_V6;
		struct part *pt = &nd->part[f];

		pt->on = (c->src->cz->family & (f == F4 ? ZONE_FAMILY_V4 : ZONE_FAMILY_V6)) != 0;
		pt->p.fam = fam;
		pt->g = NX;
		if (i < c->n && c->e[i].net.fam == fam && c->e[i].net.plen == 0)
			pt->g = (int)i++;
		pt->lo = i;
		while (i < c->n && c->e[i].net.fam == fam)
			i++;
		pt->hi = i;
	}
}

static int
no_records(void *arg, const struct zonemap_rr *rr)
{
	(void)arg;
	(void)rr;
	return 0;
}

/* A probe's result as something two mappings can compare. */
static void
answer_of(struct ctx *c, struct result r, struct zonemap_answer *out)
{
	memset(out, 0, sizeof(*out));
	out->mixed = r.mixed;
	if (r.mixed)
		return;
	if (r.v < 0) {
		out->kind = ZONEMAP_NOT_LISTED;
		return;
	}
	if (c->e[r.v].flags & LISTING_EXCEPTION) {
		out->kind = ZONEMAP_EXCEPTED;
		return;
	}
	out->kind = ZONEMAP_LISTED;
	out->code = zm_code_of(c, r.v);
	out->reason_id = c->e[r.v].reason_id;
	if (zm_has_dollar(c, r.v)) {
		out->own = true;
		out->entry = c->e[r.v].net;
	}
}

/*
 * Map the entries, all or (FDEPTH > 0) the region of FPATH; with PROBE
 * only find its result.  With STREAM the apex's children one at a time
 * (zonemap_stream), *STREAM getting the most entries held at once.
 */
static int
run_map(const struct zonemap_src *src, const struct addr *nets, size_t nnets, unsigned fdepth,
    const struct label *fpath, zonemap_cb cb, void *arg, struct zonemap_answer *probe,
    bool shallow, size_t *stream)
{
	struct ctx *c;
	struct listing_vec vc;
	struct node root;
	struct result r = MIXED;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	rc = stream != NULL ? zonemap_gather_top(src, &vc) : zonemap_gather(src, nets, nnets, &vc);
	if (rc != 0) {
		free(c);
		return rc;
	}
	c->src = src;
	c->held = vc;
	c->e = vc.v;
	c->n = c->base = c->peak = vc.n;
	c->stream = stream != NULL;
	c->cb = probe != NULL ? no_records : cb;
	c->arg = arg;
	c->fdepth = fdepth;
	c->probe = probe != NULL;
	c->shallow = shallow;
	if (fdepth > 0)
		memcpy(c->fpath, fpath, fdepth * sizeof(*fpath));
	if ((c->dollar = malloc(vc.n ? vc.n : 1)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	memset(c->dollar, -1, vc.n);
	root_node(c, &root);
	if (root.part[F4].on || root.part[F6].on)
		r = solve(c, &root, fdepth > 0 ? FOCUS : probe != NULL ? EMIT_NONE :
		    c->shallow ? SHALLOW : EMIT_ALL);
	if (probe != NULL)
		answer_of(c, fdepth == 0 ? r : c->phit ? c->pres : MIXED, probe);
	rc = c->err;
	if (stream != NULL)
		*stream = c->peak;
out:
	free(c->dollar);
	free(c->held.v);
	free(c);
	return rc;
}

int
zonemap_stream(const struct zonemap_src *src, zonemap_cb cb, void *arg, size_t *peak)
{
	return run_map(src, NULL, 0, 0, NULL, cb, arg, NULL, false, peak);
}

int
zonemap_zone(const struct zonemap_src *src, zonemap_cb cb, void *arg)
{
	size_t peak;

	if (src->cz->kind == ZONE_KIND_NAMES)
		return zonemap_names(src, cb, arg);
	return zonemap_stream(src, cb, arg, &peak);
}

/* The region's records, or with PROBE its result. */
static int
map_region(const struct zonemap_src *src, const struct addr *region, zonemap_cb cb, void *arg,
    struct zonemap_answer *probe, bool shallow)
{
	struct label fpath[DEPTH6];
	struct addr nets[2];
	unsigned step = region->fam == ADDR_V4 ? 8 : 4, depth = region->plen / step, i;
	/* A probe needs only the region's own entries; records need its parent's. */
	unsigned up = probe != NULL ? 0 : 1;
	bool digits = true;
	size_t nnets = 0;
	struct addr p;

	if (depth == 0)
		return run_map(src, NULL, 0, 0, NULL, cb, arg, probe, shallow, NULL);
	for (i = 0; i < depth; i++) {
		fpath[i].v = (uint8_t)child_index(region, i * step, step);
		fpath[i].fam = region->fam == ADDR_V4 ? F4 : F6;
		if (i + up < depth && fpath[i].v > 9)
			digits = false;
	}
	/* Entries under the region's parent decide its records; both families where its labels are both. */
	nets[nnets] = *region;
	addr_mask(&nets[nnets], (depth - up) * step);
	nnets++;
	if (digits && depth - up <= DEPTH4 && src->cz->family == ZONE_FAMILY_BOTH) {
		memset(&p, 0, sizeof(p));
		p.fam = region->fam == ADDR_V4 ? ADDR_V6 : ADDR_V4;
		for (i = 0; i + up < depth; i++)
			set_child(&p, p.fam == ADDR_V4 ? 8 : 4, fpath[i].v);
		nets[nnets++] = p;
	}
	return run_map(src, nets, nnets, depth, fpath, cb, arg, probe, shallow, NULL);
}

int
zonemap_region(const struct zonemap_src *src, const struct addr *region, zonemap_cb cb,
    void *arg)
{
	return map_region(src, region, cb, arg, NULL, false);
}

int
zonemap_shallow(const struct zonemap_src *src, const struct addr *region, zonemap_cb cb,
    void *arg)
{
	return map_region(src, region, cb, arg, NULL, true);
}

int
zonemap_node(const struct zonemap_src *src, const struct addr *region,
    struct zonemap_answer *out)
{
	return map_region(src, region, no_records, NULL, out, false);
}

bool
zonemap_answer_alike(const struct zonemap_answer *a, const struct zonemap_answer *b)
{
	if (a->mixed || b->mixed)
		return a->mixed && b->mixed;
	if (a->kind != b->kind)
		return false;
	if (a->kind != ZONEMAP_LISTED)
		return true;
	return a->code == b->code && a->reason_id == b->reason_id && a->own == b->own &&
	    (!a->own || memcmp(&a->entry, &b->entry, sizeof(a->entry)) == 0);
}
