/* The served zones: apex records turned into wire form once, at start or reload. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "conf_server.h"
#include "rb.h"
#include "wire.h"
#include "zonetab.h"

/* Tables are told apart by this, so a worker's serial cache notices a swap. */
static uint32_t zonetab_generation;

static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + ('a' - 'A')) : c;
}

/*
 * Length octets are at most 63, below 'A', so lower-casing every octet of a
 * wire name only ever changes letters.
 */
static void
lower_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = lower(src[i]);
}

static bool
equal_ci(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* Octets of the uncompressed wire name at P (at most LEN available), or -1. */
static int
name_len(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != 0) {
		if (p[i] > 63)
			return -1;
		i += 1 + (size_t)p[i];
	}
	if (i >= len || i + 1 > ZT_NAMELEN)
		return -1;
	return (int)(i + 1);
}

/* Offset in NAME (N octets) where the apex of Z starts as a suffix, or -1 when not under it. */
static int
apex_offset(const struct zt_zone *z, const uint8_t *name, size_t n)
{
	size_t i = 0;

	for (;;) {
		if (n - i == z->apexlen && equal_ci(name + i, z->apex, z->apexlen))
			return (int)i;
		if (i >= n || name[i] == 0)
			return -1;
		i += 1 + (size_t)name[i];
		if (i > n)
			return -1;
	}
}

uint32_t
zonetab_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;	/* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= name[i];
		h *= 16777619u;
	}
	return h;
}

int
zonetab_find(const struct zonetab *zt, const uint8_t *name, size_t len)
{
	size_t mask, i;
	const struct zt_zone *z;
	uint32_t slot;

	if (zt->nslots == 0)
		return -1;
	mask = zt->nslots - 1;
	for (i = zonetab_hash(name, len) & mask; (slot = zt->slots[i]) != 0; i = (i + 1) & mask) {
		z = &zt->zones[slot - 1];
		if (z->apexlen == len && memcmp(z->apex, name, len) == 0)
			return (int)(slot - 1);
	}
	return -1;
}

/* Take the wire name at P into D, relative to Z's apex when under it.  Octets used, or -1. */
static int
dname_take(const struct zt_zone *z, const uint8_t *p, size_t len, struct zt_dname *d)
{
	int n = name_len(p, len), off;

	if (n < 0)
		return -1;
	off = apex_offset(z, p, (size_t)n);
	d->rel = off >= 0;
	d->len = (uint8_t)(off >= 0 ? off : n);
	memcpy(d->wire, p, d->len);
	return n;
}

/* Turn RR into wire form for zone Z.  Returns 0 or -1. */
static int
rr_build(const struct zt_zone *z, const ldns_rr *rr, struct zt_rr *out)
{
	ldns_buffer *buf;
	const uint8_t *data;
	size_t n, off = 0;
	unsigned k;
	int used, rc = -1;

	memset(out, 0, sizeof(*out));
	if ((buf = ldns_buffer_new(256)) == NULL)
		return -1;
	if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK)
		goto out;
	data = ldns_buffer_begin(buf);
	n = ldns_buffer_position(buf);
	out->type = (uint16_t)ldns_rr_get_type(rr);
	out->ttl = ldns_rr_ttl(rr);
	out->nnames = out->type == LDNS_RR_TYPE_SOA ? 2 : out->type == LDNS_RR_TYPE_NS ? 1 : 0;
	for (k = 0; k < out->nnames; k++) {
		if ((used = dname_take(z, data + off, n - off, &out->names[k])) < 0)
			goto out;
		off += (size_t)used;
	}
	if (out->type == LDNS_RR_TYPE_SOA && n - off != 20)
		goto out;
	if (n - off > UINT16_MAX)
		goto out;
	out->taillen = (uint16_t)(n - off);
	if (out->taillen > 0) {
		if ((out->tail = malloc(out->taillen)) == NULL)
			goto out;
		memcpy(out->tail, data + off, out->taillen);
	}
	rc = 0;
out:
	ldns_buffer_free(buf);
	return rc;
}

static void
zone_fini(struct zt_zone *z)
{
	size_t i;

	for (i = 0; i < z->nrrs; i++)
		free(z->rrs[i].tail);
	free(z->rrs);
	free(z->text);
	free(z->key_text);
	free(z->name);
}

/*
 * The apex records of class IN, the SOA first so an ANY lists it first.
 * conf_load has made sure every record of the file is at the apex.
 */
static int
zone_records(struct zt_zone *z, const struct conf_zone *cz)
{
	size_t nlist = cz->apex != NULL ? ldns_rr_list_rr_count(cz->apex) : 0;
	const ldns_rr *rr;
	size_t i;

	if ((z->rrs = calloc(nlist + 1, sizeof(*z->rrs))) == NULL)
		return -1;
	if (rr_build(z, cz->soa, &z->rrs[z->nrrs++]) < 0)
		return -1;
	for (i = 0; i < nlist; i++) {
		rr = ldns_rr_list_rr(cz->apex, i);
		if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN ||
		    ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA ||
		    ldns_dname_compare(ldns_rr_owner(rr), cz->origin) != 0)
			continue;
		if (rr_build(z, rr, &z->rrs[z->nrrs]) < 0)
			return -1;
		z->nrrs++;
	}
	return 0;
}

/* A zone's kind and, for an aggregate, its members (their indices are conf's). */
static int
zone_kind_build(struct zt_zone *z, const struct conf_zone *cz, char *err, size_t errlen)
{
	size_t i;

	z->kind = (uint8_t)cz->kind;
	z->authority_ns = cz->authority_ns;
	z->answer = (uint8_t)cz->answer;
	/*
	 * Under a names zone the label below the apex is a name's last label
	 * (a TLD such as "business"): with keys optional it could not be told
	 * from a key.  Required keys leave no doubt.
	 */
	if (cz->kind == ZONE_KIND_NAMES && cz->server != NULL &&
	    cz->server->keys == CONF_KEYS_ALLOWED) {
		snprintf(err, errlen, "zone %s: keys = allowed cannot tell a key from a name's "
		    "last label in a kind = names zone (use keys = required, or off)", cz->name);
		return -1;
	}
	if (cz->nmembers > ZT_MAX_MEMBERS) {
		snprintf(err, errlen, "aggregate %s has %zu members (at most %d)", cz->name,
		    cz->nmembers, ZT_MAX_MEMBERS);
		return -1;
	}
	z->nmembers = (uint8_t)cz->nmembers;
	for (i = 0; i < cz->nmembers; i++)
		z->members[i] = (uint16_t)cz->members[i];
	return 0;
}

static int
zone_build(struct zt_zone *z, const struct conf_zone *cz, struct store *s, char *err,
    size_t errlen)
{
	struct store_zone sz;
	const uint8_t *tail;
	uint32_t minimum;
	int rc;

	if ((z->name = strdup(cz->name)) == NULL)
		goto nomem;
	if (cz->origin == NULL || cz->soa == NULL || ldns_rdf_size(cz->origin) > ZT_NAMELEN) {
		snprintf(err, errlen, "zone %s: no origin or SOA", cz->name);
		return -1;
	}
	z->apexlen = (uint8_t)ldns_rdf_size(cz->origin);
	lower_copy(z->apex, ldns_rdf_data(cz->origin), z->apexlen);
	z->nlabels = ldns_dname_label_count(cz->origin);
	z->apex_serial = cz->apex_serial;
	z->family = cz->family;
	z->code = cz->code;
	if (zone_kind_build(z, cz, err, errlen) != 0)
		return -1;
	z->ttl = cz->ttl;
	if (cz->text != NULL && cz->text[0] != '\0') {
		if ((z->text = strdup(cz->text)) == NULL)
			goto nomem;
		z->textlen = strlen(z->text);
	}
	if (cz->server != NULL) {
		z->keys = (uint8_t)cz->server->keys;
		z->key_refusal = (uint8_t)cz->server->key_refusal;
		z->key_code = cz->server->key_refusal_code;
		if (cz->server->key_refusal_text != NULL) {
			if ((z->key_text = strdup(cz->server->key_refusal_text)) == NULL)
				goto nomem;
			z->key_textlen = strlen(z->key_text);
		}
	}
	if (zone_records(z, cz) < 0) {
		snprintf(err, errlen, "zone %s: cannot use the apex records of %s", cz->name,
		    cz->apex_path != NULL ? cz->apex_path : "the apex file");
		return -1;
	}
	/* RFC 2308 s5: negative answers live min(SOA TTL, SOA minimum). */
	tail = z->rrs[0].tail;
	minimum = wire_get_u32(tail + 16);
	z->neg_ttl = z->rrs[0].ttl < minimum ? z->rrs[0].ttl : minimum;

	if ((rc = store_zone_ensure(s, cz->name, cz->apex_serial, &sz)) == RB_EREADONLY) {
		snprintf(err, errlen, "zone %s is not in the store, and a store served "
		    "read-only gets no new zone: serve it once without --read-only, or "
		    "leave the zone out of the configuration", cz->name);
		return -1;
	}
	if (rc < 0) {
		snprintf(err, errlen, "zone %s: store: %s", cz->name, rb_strerror(rc));
		return -1;
	}
	z->id = sz.id;
	return 0;
nomem:
	snprintf(err, errlen, "zone %s: out of memory", cz->name);
	return -1;
}

static int
index_zones(struct zonetab *zt, char *err, size_t errlen)
{
	const struct zt_zone *z;
	size_t i, k, mask;

	for (zt->nslots = 4; zt->nslots < 2 * zt->nzones; zt->nslots *= 2)
		;
	if ((zt->slots = calloc(zt->nslots, sizeof(*zt->slots))) == NULL) {
		snprintf(err, errlen, "zone table: out of memory");
		return -1;
	}
	mask = zt->nslots - 1;
	zt->minlabels = UINT8_MAX;
	for (i = 0; i < zt->nzones; i++) {
		z = &zt->zones[i];
		if (zonetab_find(zt, z->apex, z->apexlen) >= 0) {
			snprintf(err, errlen, "zone %s is configured twice", z->name);
			return -1;
		}
		for (k = zonetab_hash(z->apex, z->apexlen) & mask; zt->slots[k] != 0; k = (k + 1) & mask)
			;
		zt->slots[k] = (uint32_t)(i + 1);
		if (z->nlabels < zt->minlabels)
			zt->minlabels = z->nlabels;
		if (z->nlabels > zt->maxlabels)
			zt->maxlabels = z->nlabels;
	}
	return 0;
}

struct zonetab *
zonetab_new(const struct conf *c, struct store *s, char *err, size_t errlen)
{
	struct zonetab *zt;
	size_t i;

	if (c->nzones > STORE_MAX_ZONES) {
		snprintf(err, errlen, "%zu zones configured, at most %d are served", c->nzones,
		    STORE_MAX_ZONES);
		return NULL;
	}
	if ((zt = calloc(1, sizeof(*zt))) == NULL ||
	    (zt->zones = calloc(c->nzones + 1, sizeof(*zt->zones))) == NULL) {
		free(zt);
		snprintf(err, errlen, "zone table: out of memory");
		return NULL;
	}
	zt->gen = __atomic_add_fetch(&zonetab_generation, 1, __ATOMIC_RELAXED);
	for (i = 0; i < c->nzones; i++) {
		zt->nzones = i + 1;
		if (zone_build(&zt->zones[i], &c->zones[i], s, err, errlen) < 0)
			goto fail;
	}
	if (index_zones(zt, err, errlen) < 0)
		goto fail;
	return zt;
fail:
	zonetab_free(zt);
	return NULL;
}

void
zonetab_free(struct zonetab *zt)
{
	size_t i;

	if (zt == NULL)
		return;
	for (i = 0; i < zt->nzones; i++)
		zone_fini(&zt->zones[i]);
	free(zt->zones);
	free(zt->slots);
	free(zt);
}
