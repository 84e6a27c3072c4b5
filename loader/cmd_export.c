/* rbldb export: a zone as an rbldnsd data file or a master file, from one read snapshot. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "atomicfile.h"
#include "cmd.h"
#include "name.h"
#include "rb.h"
#include "timeutil.h"
#include "zonemap.h"

enum { OPT_FORMAT = 256, OPT_ZONE, OPT_FAMILY };

/* rbldnsd(8) reads at most 32 name servers from $NS. */
#define RBLDNSD_MAX_NS 32

struct export {
	FILE *f;
	const struct conf_zone *cz;
	struct store_reader *rd;
	uint16_t zone;
	uint32_t serial;
	int64_t now;
	int family;		/* ZONE_FAMILY_* to write */
	uint64_t records, entries, odd_dollar;
};

/* ---- Master file ---- */

/* The apex records of the apex file, the SOA with the store's serial. */
static int
write_apex(struct export *ex)
{
	ldns_rr *rr, *soa;
	ldns_rdf *serial;
	char *s;
	size_t i;

	for (i = 0; i < ldns_rr_list_rr_count(ex->cz->apex); i++) {
		rr = ldns_rr_list_rr(ex->cz->apex, i);
		soa = NULL;
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
			if ((soa = ldns_rr_clone(rr)) == NULL ||
			    (serial = ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, ex->serial)) == NULL) {
				ldns_rr_free(soa);
				return -ENOMEM;
			}
			ldns_rdf_deep_free(ldns_rr_set_rdf(soa, serial, 2));
			rr = soa;
		}
		s = ldns_rr2str(rr);
		ldns_rr_free(soa);
		if (s == NULL)
			return -ENOMEM;
		fputs(s, ex->f);
		free(s);
	}
	return 0;
}

/* A character-string in master file form (RFC 1035 s5.1): quoted, \" \\ and \DDD. */
static void
put_string(FILE *f, const uint8_t *s, size_t n)
{
	size_t i;

	putc('"', f);
	for (i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] >= 0x7f)
			fprintf(f, "\\%03u", s[i]);
		else
			putc(s[i], f);
	}
	putc('"', f);
}

static int
zone_rr(void *arg, const struct zonemap_rr *rr)
{
	struct export *ex = arg;
	size_t i;

	ex->records++;
	fprintf(ex->f, "%s\t%u\tIN\t", rr->name, rr->ttl);
	if (rr->type == ZONEMAP_TYPE_A) {
		fprintf(ex->f, "A\t%u.%u.%u.%u\n", rr->rdata[0], rr->rdata[1], rr->rdata[2],
		    rr->rdata[3]);
	} else {
		fputs("TXT\t", ex->f);
		for (i = 0; i < rr->rdlen; i += 1 + (size_t)rr->rdata[i]) {
			if (i > 0)
				putc(' ', ex->f);
			put_string(ex->f, rr->rdata + i + 1, rr->rdata[i]);
		}
		putc('\n', ex->f);
	}
	return ferror(ex->f) ? -EIO : 0;
}

static int
write_zone(struct export *ex)
{
	struct zonemap_src src = { ex->cz, ex->rd, ex->zone, (uint32_t)ex->now, NULL, 0 };
	char t[TIME_BUFLEN];
	int rc;

	fprintf(ex->f, "; %s: master file exported by rbldb, serial %u, %s\n"
	    "; Listed addresses are names and wildcards (see rbldb's README, \"Mirroring\").\n"
	    "$ORIGIN %s.\n", ex->cz->name, ex->serial, time_format(ex->now, t, sizeof(t)),
	    ex->cz->name);
	if ((rc = write_apex(ex)) != 0)
		return rc;
	return zonemap_zone(&src, zone_rr, ex);
}

/* ---- rbldnsd data ---- */

/* A text on one rbldnsd line: control octets would end or break it. */
static void
put_text(FILE *f, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		putc((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? ' ' : s[i], f);
}

/*
 * rbldb's texts are written in rbldnsd's syntax ('$' the address, "$$" a
 * literal '$'), so they go out as they are.  Only '$' before a digit or
 * '=' reads as something else to rbldnsd (its substitutions); the text
 * rule refuses them, but a store from before it may hold some.
 */
static bool
odd_dollar(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++) {
		if (s[i] != '$')
			continue;
		if (s[i + 1] == '$')
			i++;
		else if ((s[i + 1] >= '0' && s[i + 1] <= '9') || s[i + 1] == '=')
			return true;
	}
	return false;
}

static void
put_code(FILE *f, uint32_t code)
{
	fprintf(f, "%u.%u.%u.%u", code >> 24, code >> 16 & 255, code >> 8 & 255, code & 255);
}

/* IPv4 as rbldnsd reads it; IPv6 as eight groups, which every rbldnsd version reads as /128. */
static void
put_net(FILE *f, const struct addr *a)
{
	char buf[ADDR_STRLEN];
	unsigned i;

	if (a->fam == ADDR_V4) {
		fputs(addr_format(a, buf, sizeof(buf)), f);
		return;
	}
	for (i = 0; i < 8; i++)
		fprintf(f, "%s%x", i ? ":" : "", (unsigned)a->a[2 * i] << 8 | a->a[2 * i + 1]);
	if (!addr_is_host(a))
		fprintf(f, "/%u", a->plen);
}

/* An entry: an address, or in a dnset the name ("*.name" as it is). */
static void
put_entry(struct export *ex, const struct addr *a)
{
	char buf[NAME_TEXTLEN];

	if (a->fam == ADDR_NAME)
		fputs(store_net_text(ex->rd, a, buf, sizeof(buf)), ex->f);
	else
		put_net(ex->f, a);
}

/* One entry as an rbldnsd line; a store_entry_cb (ARG is the export). */
static int
write_entry(void *arg, const struct listing *l)
{
	struct export *ex = arg;
	const char *text = NULL;
	size_t n = 0;
	int rc;

	ex->entries++;
	if (l->flags & LISTING_EXCEPTION) {
		putc('!', ex->f);
		put_entry(ex, &l->net);
		putc('\n', ex->f);
		return 0;
	}
	put_entry(ex, &l->net);
	if (l->reason_id != 0) {
		rc = store_text(ex->rd, l->reason_id, &text, &n);
		if (rc != 0 && rc != RB_ENOTFOUND)
			return rc;
		if (rc != 0)
			n = 0;
	}
	if (n > 0) {
		/* ":A:TXT" whatever the text starts with ('#' or ';' alone would be a comment). */
		fputs(" :", ex->f);
		put_code(ex->f, l->code != 0 ? l->code : ex->cz->code);
		putc(':', ex->f);
		put_text(ex->f, text, n);
		ex->odd_dollar += odd_dollar(text, n);
	} else if (l->code != 0) {
		/* ":A" alone keeps the default TXT, the zone's text. */
		fputs(" :", ex->f);
		put_code(ex->f, l->code);
	}
	putc('\n', ex->f);
	return ferror(ex->f) ? -EIO : 0;
}

/* $SOA and $NS from the apex file, so an rbldnsd mirror answers SOA and NS as we do. */
static void
write_specials(struct export *ex)
{
	const ldns_rr *soa = ex->cz->soa, *rr;
	char *s;
	size_t i, k, nns = 0;

	if (soa != NULL && ldns_rr_rd_count(soa) == 7) {
		fprintf(ex->f, "$SOA %u", ldns_rr_ttl(soa));
		for (k = 0; k < 7; k++) {
			if (k == 2) {
				fprintf(ex->f, " %u", ex->serial);
				continue;
			}
			if ((s = ldns_rdf2str(ldns_rr_rdf(soa, k))) != NULL)
				fprintf(ex->f, " %s", s);
			free(s);
		}
		putc('\n', ex->f);
	}
	for (i = 0; i < ldns_rr_list_rr_count(ex->cz->apex); i++) {
		rr = ldns_rr_list_rr(ex->cz->apex, i);
		if (ldns_rr_get_type(rr) != LDNS_RR_TYPE_NS || nns == RBLDNSD_MAX_NS)
			continue;
		if (nns++ == 0)
			fprintf(ex->f, "$NS %u", ldns_rr_ttl(rr));
		if ((s = ldns_rdf2str(ldns_rr_rdf(rr, 0))) != NULL)
			fprintf(ex->f, " %s", s);
		free(s);
	}
	if (nns > 0)
		putc('\n', ex->f);
	fprintf(ex->f, "$TTL %u\n", ex->cz->ttl);
}

/* The default value line: the zone's code and text (":A:" alone means no TXT). */
static void
write_default(struct export *ex)
{
	const char *t = ex->cz->text;

	putc(':', ex->f);
	put_code(ex->f, ex->cz->code);
	putc(':', ex->f);
	if (t != NULL) {
		put_text(ex->f, t, strlen(t));
		ex->odd_dollar += odd_dollar(t, strlen(t));
	}
	putc('\n', ex->f);
}

static int
dnset_cb(void *arg, const struct listing *l)
{
	struct export *ex = arg;

	if (l->net.fam != ADDR_NAME || (l->expires != 0 && l->expires <= (uint32_t)ex->now))
		return 0;
	return write_entry(ex, l);
}

/* A names zone as an rbldnsd dnset: the same names, wildcards and exceptions. */
static int
write_dnset(struct export *ex, const char *target)
{
	char t[TIME_BUFLEN];

	fprintf(ex->f, "# %s: rbldnsd data exported by rbldb, serial %u, %s\n"
	    "# Serve it with: rbldnsd ... %s:dnset:%s\n", ex->cz->name, ex->serial,
	    time_format(ex->now, t, sizeof(t)), ex->cz->name, target);
	write_specials(ex);
	write_default(ex);
	return store_foreach(ex->rd, ex->zone, dnset_cb, ex);
}

/* The entries are written as the store's walk meets them, not held: a zone may have 100M. */
static int
write_rbldnsd(struct export *ex, const char *target)
{
	struct zonemap_src src = { ex->cz, ex->rd, ex->zone, (uint32_t)ex->now, NULL, 0 };
	bool both = ex->family == ZONE_FAMILY_BOTH;
	char t[TIME_BUFLEN];
	int rc = 0, f;

	fprintf(ex->f, "# %s: rbldnsd data exported by rbldb, serial %u, %s\n"
	    "# Serve it with: rbldnsd ... %s:%s:%s\n", ex->cz->name, ex->serial,
	    time_format(ex->now, t, sizeof(t)), ex->cz->name,
	    both ? "combined" : ex->family == ZONE_FAMILY_V4 ? "ip4trie" : "ip6trie", target);
	if (both)
		fputs("# (one file, both families; --family ipv4 or ipv6 writes an ip4trie or "
		    "ip6trie file)\n", ex->f);
	else if (ex->family == ZONE_FAMILY_V4)
		fputs("# (ip4set reads it too, but answers differently where ranges overlap)\n",
		    ex->f);
	write_specials(ex);
	for (f = ZONE_FAMILY_V4; f <= ZONE_FAMILY_V6 && rc == 0; f <<= 1) {
		uint8_t fam = f == ZONE_FAMILY_V4 ? ADDR_V4 : ADDR_V6;

		if (!(ex->family & f))
			continue;
		if (both)
			fprintf(ex->f, "$DATASET %s @\n", f == ZONE_FAMILY_V4 ? "ip4trie" : "ip6trie");
		write_default(ex);
		rc = zonemap_foreach_entry(&src, fam, write_entry, ex);
	}
	return rc;
}

/* ---- The command ---- */

/* The command line of `export`: --format zone|rbldnsd [--zone Z] [--family F] [-o FILE]. */
struct export_opts {
	const char *format, *zone, *family, *out;
	bool zonefile;		/* --format zone */
};

static int
export_options(int argc, char **argv, struct export_opts *o)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "zone", required_argument, NULL, OPT_ZONE },
		{ "family", required_argument, NULL, OPT_FAMILY },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 0;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_FORMAT:
			o->format = optarg;
			break;
		case OPT_ZONE:
			o->zone = optarg;
			break;
		case OPT_FAMILY:
			o->family = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		default:
			return cmd_bad_option("export", c, argv);
		}
	}
	if (optind != argc)
		return cmd_fail("export", CMD_USAGE, "unexpected argument %s", argv[optind]);
	if (o->format == NULL ||
	    (strcmp(o->format, "zone") != 0 && strcmp(o->format, "rbldnsd") != 0))
		return cmd_fail("export", CMD_USAGE, "--format zone or --format rbldnsd is needed");
	o->zonefile = strcmp(o->format, "zone") == 0;
	return 0;
}

/* Narrow EX to the address family asked for with --family, if any. */
static int
export_family(struct export *ex, const struct export_opts *o)
{
	if (o->family == NULL)
		return 0;
	if (o->zonefile)
		return cmd_fail("export", CMD_USAGE, "--family is for --format rbldnsd");
	if (strcmp(o->family, "ipv4") == 0)
		ex->family = ZONE_FAMILY_V4;
	else if (strcmp(o->family, "ipv6") == 0)
		ex->family = ZONE_FAMILY_V6;
	else
		return cmd_fail("export", CMD_USAGE, "--family ipv4 or --family ipv6");
	if (!(ex->cz->family & ex->family))
		return cmd_fail("export", CMD_USAGE, "zone %s does not list %s", ex->cz->name,
		    o->family);
	return 0;
}

int
cmd_export(struct loader *L, int argc, char **argv)
{
	struct export_opts o;
	const char *out;
	bool zonefile;
	struct export ex;
	struct atomicfile af = { NULL, NULL, NULL };
	struct store_reader rd;
	struct store_zone sz;
	size_t zi;
	int rc;

	if ((rc = export_options(argc, argv, &o)) != 0)
		return rc;
	out = o.out;
	zonefile = o.zonefile;
	if ((rc = cmd_zone(L, "export", o.zone, &zi)) != 0)
		return rc;

	memset(&ex, 0, sizeof(ex));
	ex.cz = &L->conf->zones[zi];
	ex.zone = L->zone_ids[zi];
	ex.family = ex.cz->family;
	if ((rc = export_family(&ex, &o)) != 0)
		return rc;

	if ((rc = cmd_reader(L, "export", &rd)) != 0)
		return rc;
	ex.rd = &rd;
	ex.now = time_now();
	ex.serial = store_zone_get(&rd, ex.zone, &sz) == 0 ? sz.serial : ex.cz->apex_serial;
	if (out != NULL) {
		if ((rc = atomicfile_open(&af, out)) != 0) {
			store_reader_fini(&rd);
			return cmd_fail("export", CMD_FAIL, "%s: %s", out, strerror(-rc));
		}
		ex.f = af.f;
	} else {
		ex.f = stdout;
	}

	rc = zonefile ? write_zone(&ex) : ex.cz->kind == ZONE_KIND_NAMES ?
	    write_dnset(&ex, out != NULL ? out : "FILE") :
	    write_rbldnsd(&ex, out != NULL ? out : "FILE");
	store_reader_fini(&rd);
	if (rc == 0 && ferror(ex.f))
		rc = -EIO;
	if (out != NULL) {
		if (rc == 0)
			rc = atomicfile_commit(&af);
		else
			atomicfile_abort(&af);
	}
	if (rc != 0)
		return cmd_fail("export", CMD_FAIL, "%s: %s%s", out != NULL ? out : "stdout",
		    rb_strerror(rc), out != NULL ? " (the old file is untouched)" : "");
	if (ex.odd_dollar > 0)
		fprintf(stderr, "rbldb: export: note: %llu %s '$' before a digit or '=', which "
		    "rbldnsd reads as its own substitutions\n", (unsigned long long)ex.odd_dollar,
		    cmd_plural(ex.odd_dollar, "text has", "texts have"));
	if (out != NULL)
		printf("exported %s to %s: %llu %s, serial %u\n", ex.cz->name, out,
		    (unsigned long long)(zonefile ? ex.records : ex.entries),
		    zonefile ? cmd_plural(ex.records, "record", "records") :
		    cmd_plural(ex.entries, "entry", "entries"), ex.serial);
	return CMD_OK;
}
