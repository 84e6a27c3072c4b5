/* The fuzz targets' shared pieces: a temporary store with zones and listings, answer checks. */
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "acl.h"
#include "conf.h"
#include "conf_server.h"
#include "fuzz.h"
#include "presence.h"
#include "rb.h"
#include "store.h"
#include "timeutil.h"
#include "tsig.h"
#include "xfr.h"

#define HDRLEN 12
#define DAY 86400

static char dir[64];
static struct conf *conf;
static struct store *store;
static struct zonetab *zt;
static struct query_ctx qctx;
static struct acl *acl;
static struct tsig_keyring *kr;
static struct fuzz_server server;
static struct presence *presence;
static bool ready;

void
fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: invariant broken: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void
write_file(const char *name, const char *text)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL || fputs(text, fp) < 0 || fclose(fp) != 0)
		fuzz_fail("cannot write %s", path);
}

static void
write_apex(const char *zone)
{
	char name[128], text[1024];

	snprintf(name, sizeof(name), "%s.zone", zone);
	snprintf(text, sizeof(text),
	    "$ORIGIN %s.\n$TTL 3600\n"
	    "@ IN SOA ns1.%s. hostmaster.example.org. 2026112801 3600 600 1209600 300\n"
	    "@ IN NS ns1.%s.\n@ IN NS ns2.example.org.\n"
	    "@ IN TXT \"apex text of %s\"\n@ IN A 192.0.2.53\n@ IN AAAA 2001:db8::53\n",
	    zone, zone, zone, zone);
	write_file(name, text);
}

static struct addr
net_of(const char *text)
{
	struct addr a;

	if (addr_parse_cidr(text, &a, NULL) != 0)
		fuzz_fail("fixture address %s", text);
	return a;
}

/* One report (or delisting when DELIST) in its own commit. */
static void
seed(const char *zone, const char *net, bool delist, int64_t at, uint32_t lifetime,
    uint32_t code, const char *reason)
{
	const struct conf_zone *cz = conf_zone(conf, zone);
	struct store_zone sz;
	struct store_wr *w;
	enum store_outcome out;
	struct report r;
	struct delisting d;
	int rc;

	if (cz == NULL || store_zone_ensure(store, cz->name, cz->apex_serial, &sz) != 0 ||
	    store_wr_begin(store, &w) != 0)
		fuzz_fail("fixture zone %s", zone);
	if (delist) {
		memset(&d, 0, sizeof(d));
		d.net = net_of(net);
		d.at = at;
		d.reason = "fixed";
		rc = store_delist(w, sz.id, &d, &out);
	} else {
		memset(&r, 0, sizeof(r));
		r.net = net_of(net);
		r.at = at;
		r.lifetime = lifetime;
		r.code = code;
		r.reason = reason;
		r.source = "fuzz";
		rc = store_report(w, sz.id, &r, &out);
	}
	if (rc != 0 || store_wr_commit(w) != 0)
		fuzz_fail("fixture %s %s: %s", delist ? "delist" : "report", net, rb_strerror(rc));
}

/* One name reported (or delisted) in a `kind = names` zone, in its own commit. */
static void
seed_name(const char *zone, const char *name, bool delist, int64_t at, const char *reason)
{
	const struct conf_zone *cz = conf_zone(conf, zone);
	struct store_zone sz;
	struct store_wr *w;
	enum store_outcome out;
	struct report r;
	struct delisting d;
	int rc;

	if (cz == NULL || store_zone_ensure(store, cz->name, cz->apex_serial, &sz) != 0 ||
	    store_wr_begin(store, &w) != 0)
		fuzz_fail("fixture zone %s", zone);
	memset(&r, 0, sizeof(r));
	memset(&d, 0, sizeof(d));
	r.name = d.name = name;
	r.at = d.at = at;
	r.lifetime = DAY;
	r.reason = reason;
	d.reason = "fixed";
	rc = delist ? store_name_delist(w, sz.id, &d, &out) : store_name_report(w, sz.id, &r, &out);
	if (rc != 0 || store_wr_commit(w) != 0)
		fuzz_fail("fixture name %s: %s", name, rb_strerror(rc));
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void
fixture_free(void)
{
	if (!ready)
		return;
	query_ctx_release(&qctx);
	query_ctx_fini(&qctx);
	xfr_free(server.xfr);
	tsig_keyring_free(kr);
	acl_free(acl);
	presence_free(presence);
	zonetab_free(zt);
	store_close(store);
	conf_free(conf);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	ready = false;
}

struct query_ctx *
fuzz_query_ctx(void)
{
	char path[128], err[512], reason[1100];
	const char *tmp = getenv("TMPDIR");
	int64_t now = time_now();

	if (ready)
		return &qctx;
	snprintf(dir, sizeof(dir), "%s/rbldb-fuzz.XXXXXX", tmp != NULL && strlen(tmp) < 32 ?
	    tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		fuzz_fail("mkdtemp %s", dir);
	/* The text has three '$': with an IPv6 address it passes 255 octets and is split. */
	write_file("fuzz.conf",
	    "[server]\ndb = db\nlisten = 127.0.0.1:5300\n"
	    "acl = 203.0.113.5 refuse\nacl = 203.0.113.6 drop\n"
	    "acl = 203.0.113.7 answer 127.255.255.254 \"fixed answer for $\"\n"
	    "[key xfr]\nalgorithm = hmac-sha256\nsecret = " FUZZ_XFR_SECRET "\n"
	    "[key other]\nalgorithm = hmac-sha1\nsecret = " FUZZ_OTHER_SECRET "\n"
	    "[zone relays.example.org]\napex = relays.example.org.zone\nfamily = both\n"
	    "allow-transfer = 127.0.0.1, 192.0.2.0/24 key xfr, ::1\n"
	    "code = 127.0.0.2\nttl = 2100\nlifetime = 30d\n"
	    "text = Listed: $ (see https://relays.example.org/lookup?ip=$ for $, "
	    "a text long enough that three IPv6 addresses take it past 255 octets, "
	    "which must be split into character-strings)\n"
	    "[zone v4.example.net]\napex = v4.example.net.zone\nfamily = ipv4\n"
	    "acl = 198.51.100.0/24 answer 127.0.0.99\nallow-transfer = 198.51.100.1 key other\n"
	    "code = 127.0.0.4\nttl = 300\nlifetime = 1d\n"
	    "keys = allowed\nkey-refusal = 127.255.255.254 \"key over quota\"\n"
	    "[zone v6.sub.relays.example.org]\napex = v6.sub.relays.example.org.zone\n"
	    "family = ipv6\ncode = 127.0.0.6\ntext = v6 $\nttl = 60\nlifetime = 1d\n"
	    "[zone dbl.example.net]\napex = dbl.example.net.zone\nkind = names\n"
	    "code = 127.0.0.8\ntext = $ is listed\nlifetime = 1d\n"
	    "[aggregate zen.example.net]\napex = zen.example.net.zone\n"
	    "zones = v4.example.net, dbl.example.net\n"
	    "[aggregate bits.example.net]\napex = bits.example.net.zone\n"
	    "zones = v4.example.net, dbl.example.net\nanswer = bitmask\n");
	write_apex("relays.example.org");
	write_apex("v4.example.net");
	write_apex("v6.sub.relays.example.org");
	write_apex("dbl.example.net");
	write_apex("zen.example.net");
	write_apex("bits.example.net");
	snprintf(path, sizeof(path), "%s/fuzz.conf", dir);
	if ((conf = conf_server_load(path, err, sizeof(err))) == NULL)
		fuzz_fail("conf_server_load: %s", err);
	snprintf(path, sizeof(path), "%s/db", dir);
	if (store_open(&store, path, (size_t)64 << 20, STORE_CREATE) != 0)
		fuzz_fail("store_open %s", path);
	if ((zt = zonetab_new(conf, store, err, sizeof(err))) == NULL)
		fuzz_fail("zonetab_new: %s", err);

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	seed("relays.example.org", "192.0.2.5", false, now, 30 * DAY, 0, "accepted relay");
	seed("relays.example.org", "198.51.100.0/24", false, now, 30 * DAY, 0x7f000003, NULL);
	seed("relays.example.org", "198.51.100.7", true, now, 0, 0, NULL);
	seed("relays.example.org", "203.0.113.0/28", false, now, 0, 0, "no expiry");
	seed("relays.example.org", "203.0.113.99", false, now - 40 * DAY, 30 * DAY, 0, "expired");
	seed("relays.example.org", "2001:db8::1", false, now, 30 * DAY, 0, NULL);
	seed("relays.example.org", "2001:db8:1::/48", false, now, 30 * DAY, 0, reason);
	seed("relays.example.org", "2001:db8:1::5", true, now, 0, 0, NULL);
	seed("v4.example.net", "192.0.2.0/24", false, now, DAY, 0x7f00000a, NULL);
	seed("v4.example.net", "0.0.0.0/8", false, now, DAY, 0, "zero net");
	seed("v6.sub.relays.example.org", "2001:db8::/32", false, now, DAY, 0, NULL);
	seed_name("dbl.example.net", "spam.example", false, now, "spam domain");
	seed_name("dbl.example.net", "*.bad.example", false, now, NULL);
	seed_name("dbl.example.net", "ok.bad.example", true, now, NULL);
	{
		/* Keyed access in v4.example.net: one key, and one disabled. */
		struct store_key k;
		struct store_wr *w;

		memset(&k, 0, sizeof(k));
		strcpy(k.label, "fuzzkey1");
		if (store_wr_begin(store, &w) != 0 || store_key_add(w, &k) != 0)
			fuzz_fail("fixture key");
		strcpy(k.label, "fuzzkey2");
		k.disabled = true;
		if (store_key_add(w, &k) != 0 || store_wr_commit(w) != 0)
			fuzz_fail("fixture key");
	}

	/* The presence maps as rbldbd keeps them, over the same snapshot as the queries'. */
	if ((presence = presence_new(zt)) == NULL)
		fuzz_fail("presence_new");
	if (presence_build(presence, store) != 0)
		fuzz_fail("presence_build");
	if (query_ctx_init(&qctx, zt, store) != 0 || query_ctx_refresh(&qctx) != 0)
		fuzz_fail("query_ctx_init");
	qctx.presence = presence;
	server.c = conf;
	server.s = store;
	server.zt = zt;
	if ((acl = acl_new(conf, zt, err, sizeof(err))) == NULL ||
	    (kr = tsig_keyring_new(conf, err, sizeof(err))) == NULL)
		fuzz_fail("acl or keys: %s", err);
	if ((server.xfr = xfr_new(conf, zt, store, kr)) == NULL)
		fuzz_fail("xfr_new");
	server.acl = acl;
	server.kr = kr;
	ready = true;
	atexit(fixture_free);
	return &qctx;
}

const struct fuzz_server *
fuzz_server(void)
{
	fuzz_query_ctx();
	return &server;
}

/* Octets of the uncompressed name at P[0..len), or 0 when it is not one. */
static size_t
plain_name_len(const uint8_t *p, size_t len)
{
	size_t i = 0;

	while (i < len && p[i] != 0) {
		if (p[i] > 63)
			return 0;
		i += 1 + (size_t)p[i];
	}
	return i < len ? i + 1 : 0;
}

void
fuzz_check_answer(const uint8_t *pkt, size_t len, enum query_transport t, size_t outcap,
    enum query_result r, const uint8_t *out, size_t outlen, unsigned flags)
{
	bool silent = len < HDRLEN || (pkt[2] & 0x80) != 0;
	unsigned opcode, rcode, qd, ar;
	size_t n;
	ldns_pkt *p = NULL;
	ldns_status st;

	if (outlen > outcap)
		fuzz_fail("answer of %zu octets in a buffer of %zu", outlen, outcap);
	if (r == QUERY_DROP) {
		/* SPEC: the only silences are short packets and responses. */
		if (!silent && !(flags & FUZZ_MAY_DROP))
			fuzz_fail("a %zu-octet query with QR=0 got no answer", len);
		if (outlen != 0)
			fuzz_fail("dropped, yet %zu octets written", outlen);
		return;
	}
	if (silent)
		fuzz_fail("answered a packet that must get nothing (len %zu, QR=%d)", len,
		    len >= 3 && (pkt[2] & 0x80) != 0);
	if (r == QUERY_XFR) {
		if (t != QUERY_TCP)
			fuzz_fail("a transfer handed over on UDP");
		return;
	}
	if (r != QUERY_ANSWER)
		fuzz_fail("unknown result %d", (int)r);
	if (outlen < HDRLEN)
		fuzz_fail("answer of %zu octets, shorter than a header", outlen);
	if (out[0] != pkt[0] || out[1] != pkt[1])
		fuzz_fail("ID not echoed");
	if ((out[2] & 0x80) == 0)
		fuzz_fail("QR not set in an answer");
	opcode = (pkt[2] >> 3) & 0x0f;
	rcode = out[3] & 0x0f;
	if (((out[2] >> 3) & 0x0f) != opcode)
		fuzz_fail("opcode %u answered as %u", opcode, (out[2] >> 3) & 0x0f);
	/* SPEC: replies to opcodes other than QUERY carry no RD, RA, AD or CD. */
	if (opcode != 0 && ((out[2] & 0x01) != 0 || (out[3] & 0xb0) != 0))
		fuzz_fail("opcode %u answered with flags %02x %02x", opcode, out[2], out[3]);
	if ((flags & FUZZ_QUERY_RCODES) && opcode != 0 && opcode != 4 && rcode != 4)
		fuzz_fail("opcode %u not answered NOTIMP but rcode %u", opcode, rcode);
	qd = (unsigned)out[4] << 8 | out[5];
	ar = (unsigned)out[10] << 8 | out[11];
	/* At most our OPT, and a TSIG when answering a signed request. */
	if (qd > 1 || ar > ((flags & FUZZ_QUERY_RCODES) ? 1u : 2u))
		fuzz_fail("answer with QDCOUNT %u, ARCOUNT %u", qd, ar);
	if ((flags & FUZZ_QUERY_RCODES) && (opcode == 0 || opcode == 4) &&
	    (pkt[4] != 0 || pkt[5] != 1) && rcode != 1)
		fuzz_fail("QDCOUNT %u answered with rcode %u, not FORMERR", pkt[4] << 8 | pkt[5],
		    rcode);
	if (t == QUERY_UDP && (outlen > QUERY_UDP_MAX || (ar == 0 && outlen > 512)))
		fuzz_fail("UDP answer of %zu octets (ARCOUNT %u)", outlen, ar);
	if (qd == 1) {
		/* The question as asked: same octets, case kept (SPEC). */
		n = plain_name_len(out + HDRLEN, outlen - HDRLEN);
		if (n == 0 || HDRLEN + n + 4 > outlen || HDRLEN + n + 4 > len ||
		    memcmp(out + HDRLEN, pkt + HDRLEN, n + 4) != 0)
			fuzz_fail("question not echoed as asked");
	}
	if ((st = ldns_wire2pkt(&p, out, outlen)) != LDNS_STATUS_OK)
		fuzz_fail("ldns cannot parse the answer: %s", ldns_get_errorstr_by_id(st));
	ldns_pkt_free(p);
}

void
fuzz_check_net(const struct addr *a, const char *what)
{
	unsigned i;

	if (a->fam != ADDR_V4 && a->fam != ADDR_V6)
		fuzz_fail("%s of family %u", what, a->fam);
	if (a->plen > addr_bits(a->fam))
		fuzz_fail("%s /%u", what, a->plen);
	for (i = a->plen; i < 128; i++)
		if (a->a[i / 8] & (0x80 >> (i % 8)))
			fuzz_fail("%s with bit %u set past /%u", what, i, a->plen);
}
