/* Unit tests of the query path: the committed answer table, malformed queries, EDNS, TC. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ldns/ldns.h>

#include "addr.h"
#include "conf.h"
#include "query.h"
#include "rb.h"
#include "store.h"
#include "testdir.h"
#include "timeutil.h"
#include "wire.h"

#ifndef QUERY_TABLE
#define QUERY_TABLE "tests/unit/query_table.txt"
#endif

#define ZONE "relays.example.org"
#define MAXLINES 2048

struct fixture {
	char dir[TESTDIR_LEN];
	struct conf *c;
	struct store *s;
	struct zonetab *zt;
	struct query_ctx q;
	char *lines[MAXLINES];
	int nlines;
	uint8_t out[QUERY_BUFSIZE];
	size_t outlen;
};

/* ---- Small helpers ---- */

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* "a.b.c" or "a.b.c." as wire labels at P; returns the octets written. */
static size_t
put_name(uint8_t *p, const char *name)
{
	size_t n = 0, len;
	const char *dot;

	while (*name != '\0') {
		dot = strchr(name, '.');
		len = dot != NULL ? (size_t)(dot - name) : strlen(name);
		p[n++] = (uint8_t)len;
		memcpy(p + n, name, len);
		n += len;
		name += len;
		if (*name == '.')
			name++;
	}
	p[n++] = 0;
	return n;
}

/* A header with ID 0x1234, FLAGS (octets 2-3) and the four counts. */
static size_t
put_header(uint8_t *p, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
	put16(p, 0x1234);
	put16(p + 2, flags);
	put16(p + 4, qd);
	put16(p + 6, an);
	put16(p + 8, ns);
	put16(p + 10, ar);
	return 12;
}

static size_t
put_question(uint8_t *p, const char *name, uint16_t type, uint16_t class)
{
	size_t n = put_name(p, name);

	put16(p + n, type);
	put16(p + n + 2, class);
	return n + 4;
}

/* An OPT record: SIZE, VERSION, DO, and RDLEN octets of options from OPTS. */
static size_t
put_opt(uint8_t *p, uint16_t size, uint8_t version, bool dobit, const uint8_t *opts,
    uint16_t rdlen)
{
	p[0] = 0;
	put16(p + 1, 41);
	put16(p + 3, size);
	p[5] = 0;
	p[6] = version;
	put16(p + 7, dobit ? 0x8000 : 0);
	put16(p + 9, rdlen);
	if (rdlen > 0)
		memcpy(p + 11, opts, rdlen);
	return 11 + (size_t)rdlen;
}

static enum query_result
ask(struct fixture *f, const uint8_t *pkt, size_t len, enum query_transport t)
{
	return query_answer(&f->q, pkt, len, t, f->out,
	    t == QUERY_TCP ? sizeof(f->out) : 4096, &f->outlen);
}

/* Parse the last answer with ldns (only tests use ldns_pkt). */
static ldns_pkt *
parsed(struct fixture *f)
{
	ldns_pkt *p = NULL;

	assert_int_equal(ldns_wire2pkt(&p, f->out, f->outlen), LDNS_STATUS_OK);
	return p;
}

static unsigned
rcode_of(const ldns_pkt *p)
{
	return (unsigned)ldns_pkt_edns_extended_rcode(p) << 4 | ldns_pkt_get_rcode(p);
}

static uint32_t
zone_serial(struct fixture *f, const char *name)
{
	struct store_reader r;
	struct store_zone z;
	const struct conf_zone *cz = conf_zone(f->c, name);

	assert_non_null(cz);
	assert_int_equal(store_zone_ensure(f->s, cz->name, cz->apex_serial, &z), 0);
	assert_int_equal(store_reader_init(f->s, &r), 0);
	assert_int_equal(store_zone_get(&r, z.id, &z), 0);
	store_reader_fini(&r);
	return z.serial;
}

/* ---- The table: set-up ---- */

static void
read_table(struct fixture *f)
{
	const char *path = getenv("QUERY_TABLE") != NULL ? getenv("QUERY_TABLE") : QUERY_TABLE;
	FILE *fp = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (fp == NULL)
		fail_msg("cannot read %s (run from the top directory or set QUERY_TABLE)", path);
	while ((n = getline(&line, &cap, fp)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		assert_true(f->nlines < MAXLINES);
		f->lines[f->nlines++] = strdup(line);
	}
	free(line);
	fclose(fp);
}

/* Split LINE into shell words ('...' and "..." quoting, no escapes); modifies LINE. */
static int
words(char *line, char **argv, int max)
{
	int argc = 0;
	char *r = line, *w;
	char quote;

	while (*r != '\0') {
		while (isspace((unsigned char)*r))
			r++;
		if (*r == '\0')
			break;
		assert_true(argc < max);
		argv[argc++] = w = r;
		quote = 0;
		while (*r != '\0' && (quote != 0 || !isspace((unsigned char)*r))) {
			if (quote == 0 && (*r == '\'' || *r == '"'))
				quote = *r++;
			else if (quote != 0 && *r == quote)
				quote = 0, r++;
			else
				*w++ = *r++;
		}
		if (*r != '\0')
			r++;
		*w = '\0';
	}
	return argc;
}

/* Apply one seed line ("report ADDR --zone Z ..." or "delist ...") as one commit. */
static void
seed(struct fixture *f, char *cmd, int lineno)
{
	char *argv[32];
	int argc = words(cmd, argv, 32), i;
	const char *zone = NULL, *reason = NULL, *by = NULL, *source = NULL;
	const struct conf_zone *cz;
	struct report r;
	struct delisting d;
	struct store_zone sz;
	struct store_wr *w;
	enum store_outcome outcome;
	struct addr code;
	int64_t at = time_now();
	uint32_t lifetime = 0, codev = 0;

	if (argc < 2)
		fail_msg("line %d: seed needs a command and an address", lineno);
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0)
			continue;
		if (i + 1 >= argc)
			fail_msg("line %d: %s needs a value", lineno, argv[i]);
		if (strcmp(argv[i], "--zone") == 0)
			zone = argv[++i];
		else if (strcmp(argv[i], "--reason") == 0)
			reason = argv[++i];
		else if (strcmp(argv[i], "--by") == 0)
			by = argv[++i];
		else if (strcmp(argv[i], "--source") == 0)
			source = argv[++i];
		else if (strcmp(argv[i], "--at") == 0)
			assert_int_equal(time_parse_rfc3339(argv[++i], &at), 0);
		else if (strcmp(argv[i], "--lifetime") == 0)
			assert_int_equal(time_parse_duration(argv[++i], &lifetime), 0);
		else if (strcmp(argv[i], "--code") == 0) {
			code = testdir_net(argv[++i]);
			codev = (uint32_t)code.a[0] << 24 | (uint32_t)code.a[1] << 16 |
			    (uint32_t)code.a[2] << 8 | code.a[3];
		} else
			fail_msg("line %d: unknown option %s", lineno, argv[i]);
	}
	if ((cz = conf_zone(f->c, zone)) == NULL)
		fail_msg("line %d: no zone", lineno);
	assert_int_equal(store_zone_ensure(f->s, cz->name, cz->apex_serial, &sz), 0);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	if (strcmp(argv[0], "report") == 0) {
		memset(&r, 0, sizeof(r));
		r.net = testdir_net(argv[1]);
		r.at = at;
		r.code = codev;
		r.lifetime = lifetime != 0 ? lifetime : cz->lifetime;
		r.reason = reason;
		r.source = source;
		assert_int_equal(store_report(w, sz.id, &r, &outcome), 0);
	} else if (strcmp(argv[0], "delist") == 0) {
		memset(&d, 0, sizeof(d));
		d.net = testdir_net(argv[1]);
		d.at = at;
		d.reason = reason;
		d.by = by;
		assert_int_equal(store_delist(w, sz.id, &d, &outcome), 0);
	} else {
		fail_msg("line %d: unknown seed command %s", lineno, argv[0]);
	}
	assert_int_equal(store_wr_commit(w), 0);
}

static void
append_line(const char *dir, const char *file, const char *text)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_non_null(fp = fopen(path, "a"));
	fprintf(fp, "%s\n", text);
	fclose(fp);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char name[256], *line, *sp;
	int i;

	assert_non_null(f);
	testdir_make(f->dir, "query");
	read_table(f);

	append_line(f->dir, "test.conf", "[server]\ndb = db\nlisten = 127.0.0.1:5300");
	for (i = 0; i < f->nlines; i++) {
		line = f->lines[i];
		if (strncmp(line, "conf ", 5) == 0) {
			append_line(f->dir, "test.conf", line + 5);
		} else if (strncmp(line, "file ", 5) == 0) {
			sp = strchr(line + 5, ' ');
			assert_non_null(sp);
			snprintf(name, sizeof(name), "%.*s", (int)(sp - line - 5), line + 5);
			append_line(f->dir, name, sp + 1);
		}
	}
	f->c = testdir_conf(f->dir, "test.conf");
	assert_int_equal(store_open(&f->s, f->c->db, 64 << 20, STORE_CREATE), 0);
	f->zt = testdir_zonetab(f->c, f->s);

	for (i = 0; i < f->nlines; i++) {
		if (strncmp(f->lines[i], "seed ", 5) == 0) {
			char *copy = strdup(f->lines[i] + 5);

			seed(f, copy, i + 1);
			free(copy);
		}
	}
	assert_int_equal(query_ctx_init(&f->q, f->zt, f->s), 0);
	assert_int_equal(query_ctx_refresh(&f->q), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	query_ctx_release(&f->q);
	query_ctx_fini(&f->q);
	zonetab_free(f->zt);
	store_close(f->s);
	conf_free(f->c);
	testdir_remove(f->dir);
	for (i = 0; i < f->nlines; i++)
		free(f->lines[i]);
	free(f);
	return 0;
}

/* ---- The table: replay ---- */

/* Collapse blanks outside double quotes to one space, trim the ends. */
static void
normalize(const char *in, char *out, size_t cap)
{
	size_t n = 0;
	bool quoted = false, blank = false;

	for (; *in != '\0' && n + 2 < cap; in++) {
		if (*in == '\\' && quoted && in[1] != '\0') {
			out[n++] = *in++;
			out[n++] = *in;
			continue;
		}
		if (*in == '"')
			quoted = !quoted;
		if (!quoted && isspace((unsigned char)*in)) {
			blank = n > 0;
			continue;
		}
		if (blank)
			out[n++] = ' ';
		blank = false;
		out[n++] = *in;
	}
	out[n] = '\0';
}

/* EXPECTED with SERIAL replaced by the serial of the SOA owner's zone. */
static void
expand_serial(struct fixture *f, const char *expected, char *out, size_t cap)
{
	const char *at = strstr(expected, " SERIAL");
	char owner[256];

	if (at == NULL) {
		snprintf(out, cap, "%s", expected);
		return;
	}
	sscanf(expected, "%255s", owner);
	snprintf(out, cap, "%.*s %u%s", (int)(at - expected), expected, zone_serial(f, owner),
	    at + 7);
}

/* Compare section LIST with the expected lines; print what differs. */
static int
check_section(struct fixture *f, int lineno, const char *what, const ldns_rr_list *list,
    char **want, size_t nwant)
{
	size_t i, n = list != NULL ? ldns_rr_list_rr_count(list) : 0;
	char a[8192], b[8192], e[8192], *s;
	int bad = 0;

	for (i = 0; i < n || i < nwant; i++) {
		a[0] = b[0] = '\0';
		if (i < n) {
			s = ldns_rr2str(ldns_rr_list_rr(list, i));
			normalize(s, a, sizeof(a));
			free(s);
		}
		if (i < nwant) {
			expand_serial(f, want[i], e, sizeof(e));
			normalize(e, b, sizeof(b));
		}
		if (strcmp(a, b) != 0) {
			print_message("line %d: %s %zu:\n  want: %s\n  got:  %s\n", lineno, what, i,
			    b, a);
			bad++;
		}
	}
	return bad;
}

static const char *
rcode_name(unsigned rc)
{
	static const char *names[] = { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",
		"REFUSED" };

	if (rc < RB_ARRAY_LEN(names))
		return names[rc];
	return rc == 16 ? "BADVERS" : "?";
}

/* Replay the case starting at line index I; returns the number of mismatches. */
static int
run_case(struct fixture *f, int i)
{
	char qline[1024], want_flags[64] = "", got_flags[64] = "", want_edns[64] = "",
	    got_edns[64] = "", want_rcode[32] = "", *argv[16], *an[32], *ns[32], *s;
	int argc, k, bad = 0, lineno = i + 1;
	size_t nan = 0, nns = 0;
	enum query_transport t = QUERY_UDP;
	uint16_t edns = 0, flags = LDNS_RD;
	bool dobit = false;
	ldns_rr_class class = LDNS_RR_CLASS_IN;
	ldns_rr_type type;
	ldns_rdf *qname;
	ldns_pkt *qp, *ap;
	ldns_rr *qrr;
	uint8_t *wire;
	size_t wlen;
	enum query_result res;

	snprintf(qline, sizeof(qline), "%s", f->lines[i] + 6);
	argc = words(qline, argv, 16);
	assert_true(argc >= 2);
	for (k = 2; k < argc; k++) {
		if (strcmp(argv[k], "tcp") == 0)
			t = QUERY_TCP;
		else if (strcmp(argv[k], "udp") == 0)
			t = QUERY_UDP;
		else if (strncmp(argv[k], "edns=", 5) == 0)
			edns = (uint16_t)atoi(argv[k] + 5);
		else if (strcmp(argv[k], "do") == 0)
			dobit = true;
		else if (strcmp(argv[k], "nord") == 0)
			flags = 0;
		else if (strncmp(argv[k], "class=", 6) == 0)
			class = ldns_get_rr_class_by_name(argv[k] + 6);
		else
			fail_msg("line %d: unknown query option %s", lineno, argv[k]);
	}
	for (k = i + 1; k < f->nlines && strncmp(f->lines[k], "query ", 6) != 0; k++) {
		s = f->lines[k];
		if (strncmp(s, "reply ", 6) == 0)
			sscanf(s + 6, "%31s %63s %63s", want_rcode, want_flags, want_edns);
		else if (strncmp(s, "an ", 3) == 0 && nan < 32)
			an[nan++] = s + 3;
		else if (strncmp(s, "ns ", 3) == 0 && nns < 32)
			ns[nns++] = s + 3;
	}
	if (want_rcode[0] == '\0')
		fail_msg("line %d: case without a reply line", lineno);

	type = ldns_get_rr_type_by_name(argv[1]);
	assert_int_equal(ldns_str2rdf_dname(&qname, argv[0]), LDNS_STATUS_OK);
	assert_non_null(qp = ldns_pkt_query_new(qname, type, class, flags));
	ldns_pkt_set_id(qp, (uint16_t)lineno);
	if (edns != 0) {
		ldns_pkt_set_edns_udp_size(qp, edns);
		ldns_pkt_set_edns_do(qp, dobit);
	}
	assert_int_equal(ldns_pkt2wire(&wire, qp, &wlen), LDNS_STATUS_OK);
	res = query_answer(&f->q, wire, wlen, t, f->out,
	    t == QUERY_TCP ? sizeof(f->out) : 4096, &f->outlen);
	free(wire);
	if (res != QUERY_ANSWER) {
		print_message("line %d: no answer (%d)\n", lineno, res);
		ldns_pkt_free(qp);
		return 1;
	}
	ap = parsed(f);

	/* Header and question. */
	if (ldns_pkt_id(ap) != lineno || !ldns_pkt_qr(ap) || ldns_pkt_ra(ap) || ldns_pkt_ad(ap) ||
	    ldns_pkt_cd(ap) || ldns_pkt_get_opcode(ap) != LDNS_PACKET_QUERY) {
		print_message("line %d: bad header\n", lineno);
		bad++;
	}
	if (strcmp(rcode_name(rcode_of(ap)), want_rcode) != 0) {
		print_message("line %d: rcode want %s got %s\n", lineno, want_rcode,
		    rcode_name(rcode_of(ap)));
		bad++;
	}
	snprintf(got_flags, sizeof(got_flags), "%s%s%s", ldns_pkt_aa(ap) ? "aa," : "",
	    ldns_pkt_tc(ap) ? "tc," : "", ldns_pkt_rd(ap) ? "rd," : "");
	if (got_flags[0] == '\0')
		strcpy(got_flags, "-");
	else
		got_flags[strlen(got_flags) - 1] = '\0';
	if (strcmp(got_flags, want_flags) != 0) {
		print_message("line %d: flags want %s got %s\n", lineno, want_flags, got_flags);
		bad++;
	}
	if (ldns_pkt_edns(ap))
		snprintf(got_edns, sizeof(got_edns), "edns=%u%s", ldns_pkt_edns_udp_size(ap),
		    ldns_pkt_edns_do(ap) ? ",do" : "");
	if (strcmp(got_edns, want_edns) != 0) {
		print_message("line %d: OPT want '%s' got '%s'\n", lineno, want_edns, got_edns);
		bad++;
	}
	if (ldns_pkt_qdcount(ap) != 1) {
		print_message("line %d: no question\n", lineno);
		bad++;
	} else {
		qrr = ldns_rr_list_rr(ldns_pkt_question(ap), 0);
		s = ldns_rdf2str(ldns_rr_owner(qrr));
		if (strcmp(s, argv[0]) != 0 || ldns_rr_get_type(qrr) != type ||
		    ldns_rr_get_class(qrr) != class) {
			print_message("line %d: question %s not echoed (%s)\n", lineno, argv[0], s);
			bad++;
		}
		free(s);
	}
	bad += check_section(f, lineno, "answer", ldns_pkt_answer(ap), an, nan);
	bad += check_section(f, lineno, "authority", ldns_pkt_authority(ap), ns, nns);
	if (ldns_rr_list_rr_count(ldns_pkt_additional(ap)) != 0) {
		print_message("line %d: additional section not empty\n", lineno);
		bad++;
	}
	ldns_pkt_free(ap);
	ldns_pkt_free(qp);
	return bad;
}

static void
test_table_answers(void **state)
{
	struct fixture *f = *state;
	int i, cases = 0, bad = 0;

	for (i = 0; i < f->nlines; i++) {
		if (strncmp(f->lines[i], "query ", 6) == 0) {
			cases++;
			bad += run_case(f, i) != 0;
		}
	}
	print_message("query table: %d cases, %d failed\n", cases, bad);
	assert_true(cases >= 50);
	assert_int_equal(bad, 0);
}

/* ---- Serials ---- */

static uint32_t
soa_serial_answer(struct fixture *f, const char *zone)
{
	uint8_t pkt[512];
	size_t n = put_header(pkt, 0, 1, 0, 0, 0);
	ldns_pkt *p;
	uint32_t serial;

	n += put_question(pkt + n, zone, LDNS_RR_TYPE_SOA, LDNS_RR_CLASS_IN);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	p = parsed(f);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	serial = ldns_rdf2native_int32(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 2));
	ldns_pkt_free(p);
	return serial;
}

static void
test_soa_serial_counts_commits(void **state)
{
	struct fixture *f = *state;

	/* One seed commit each after the apex serials 7 and 1. */
	assert_int_equal(soa_serial_answer(f, "v4.relays.example.org"), 8);
	assert_int_equal(soa_serial_answer(f, "v6.example.net"), 2);
	assert_true(soa_serial_answer(f, ZONE) > 2026112801);
	assert_int_equal(soa_serial_answer(f, ZONE), zone_serial(f, ZONE));
}

/* ---- Malformed and unusual queries ---- */

static size_t
simple_query(uint8_t *pkt, const char *name, uint16_t type)
{
	size_t n = put_header(pkt, 0x0100, 1, 0, 0, 0);

	return n + put_question(pkt + n, name, type, LDNS_RR_CLASS_IN);
}

static void
test_short_packets_are_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[12] = { 0x12, 0x34 };

	assert_int_equal(ask(f, pkt, 0, QUERY_UDP), QUERY_DROP);
	assert_int_equal(ask(f, pkt, 11, QUERY_UDP), QUERY_DROP);
	assert_int_equal(f->outlen, 0);
}

static void
test_responses_are_dropped(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, ZONE, LDNS_RR_TYPE_SOA);

	pkt[2] |= 0x80;
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_DROP);
	/* A NOTIFY acknowledgement (QR=1, opcode 4) is consumed silently too. */
	pkt[2] = 0x80 | 4 << 3;
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_DROP);
}

static void
test_qdcount_zero_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[64];
	size_t n = put_header(pkt, 0x0100, 0, 0, 0, 0);

	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->outlen, 12);
	assert_int_equal(get16(f->out), 0x1234);
	assert_int_equal(f->out[2], 0x81);		/* QR, RD copied */
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_FORMERR);
	assert_int_equal(get16(f->out + 4), 0);
}

static void
test_qdcount_two_is_formerr_with_opt(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = put_header(pkt, 0, 2, 0, 0, 1);
	ldns_pkt *p;

	n += put_question(pkt + n, "2.0.0.127." ZONE, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN);
	n += put_question(pkt + n, "1.0.0.127." ZONE, LDNS_RR_TYPE_A, LDNS_RR_CLASS_IN);
	n += put_opt(pkt + n, 1232, 0, false, NULL, 0);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	p = parsed(f);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_int_equal(ldns_pkt_qdcount(p), 0);
	assert_true(ldns_pkt_edns(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	ldns_pkt_free(p);
}

static void
expect_formerr(struct fixture *f, const uint8_t *pkt, size_t n)
{
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_true(f->outlen >= 12);
	assert_int_equal(f->out[2] & 0x80, 0x80);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_FORMERR);
}

static void
test_label_over_63_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = put_header(pkt, 0, 1, 0, 0, 0);

	pkt[n++] = 64;
	memset(pkt + n, 'a', 64);
	n += 64;
	n += put_name(pkt + n, ZONE);
	put16(pkt + n, 1);
	put16(pkt + n + 2, 1);
	expect_formerr(f, pkt, n + 4);
	assert_int_equal(get16(f->out + 4), 0);
}

/* A name of LEN octets: labels of 'a's, then the zone. */
static size_t
long_name(uint8_t *p, size_t len)
{
	size_t zlen, n = 0, l;
	uint8_t zone[64];

	zlen = put_name(zone, ZONE);
	while (len - n > zlen) {
		l = len - n - zlen - 1;
		if (l > 63)
			l = 63;
		if (l == 0)
			l = 1;
		p[n++] = (uint8_t)l;
		memset(p + n, 'a', l);
		n += l;
	}
	memcpy(p + n, zone, zlen);
	return n + zlen;
}

static void
test_name_over_255_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[1024];
	size_t n = put_header(pkt, 0, 1, 0, 0, 0), q;

	q = long_name(pkt + n, 256);
	assert_int_equal(q, 256);
	put16(pkt + n + q, 1);
	put16(pkt + n + q + 2, 1);
	expect_formerr(f, pkt, n + q + 4);

	/* 255 octets is still a name: under the zone, no address: NXDOMAIN. */
	q = long_name(pkt + n, 255);
	assert_int_equal(q, 255);
	put16(pkt + n + q, 1);
	put16(pkt + n + q + 2, 1);
	assert_int_equal(ask(f, pkt, n + q + 4, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NXDOMAIN);
}

static void
test_pointer_in_question_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[64];
	size_t n = put_header(pkt, 0, 1, 0, 0, 0);

	pkt[n++] = 1;
	pkt[n++] = '2';
	pkt[n++] = 0xc0;	/* pointer to the header */
	pkt[n++] = 0x0c;
	put16(pkt + n, 1);
	put16(pkt + n + 2, 1);
	expect_formerr(f, pkt, n + 4);
}

static void
test_truncated_question_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	expect_formerr(f, pkt, n - 1);		/* class cut short */
	expect_formerr(f, pkt, 12 + 3);		/* name cut short */
}

static void
test_missing_additional_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	put16(pkt + 10, 1);	/* ARCOUNT 1, no record */
	expect_formerr(f, pkt, n);
	/* The question parsed, so it is echoed. */
	assert_int_equal(get16(f->out + 4), 1);
}

static void
test_trailing_garbage_is_ignored(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	memcpy(pkt + n, "garbage", 7);
	assert_int_equal(ask(f, pkt, n + 7, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NOERROR);
	assert_int_equal(get16(f->out + 6), 1);
}

static void
test_two_opts_are_formerr_with_opt(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);
	ldns_pkt *p;

	put16(pkt + 10, 2);
	n += put_opt(pkt + n, 1232, 0, true, NULL, 0);
	n += put_opt(pkt + n, 1232, 0, false, NULL, 0);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	p = parsed(f);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_FORMERR);
	assert_false(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_true(ldns_pkt_edns(p));
	assert_true(ldns_pkt_edns_do(p));
	ldns_pkt_free(p);
}

static void
test_opt_not_at_root_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);
	/* RFC 6891 s6.1.2: the owner must be the root; here a pointer to the question. */
	static const uint8_t opt[] = { 0xc0, 0x0c, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0 };

	put16(pkt + 10, 1);
	memcpy(pkt + n, opt, sizeof(opt));
	expect_formerr(f, pkt, n + sizeof(opt));
}

static void
test_opt_outside_the_additional_section_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A), k;

	/* RFC 6891 s6.1.1: an OPT in the answer, then in the authority section. */
	for (k = 6; k <= 8; k += 2) {
		n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);
		put16(pkt + k, 1);
		n += put_opt(pkt + n, 1232, 0, false, NULL, 0);
		expect_formerr(f, pkt, n);
	}
}

static void
test_bad_opt_options_are_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512], opts[6] = { 0, 10, 0, 8, 1, 2 };	/* option length 8, 2 octets given */
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	put16(pkt + 10, 1);
	n += put_opt(pkt + n, 1232, 0, false, opts, sizeof(opts));
	expect_formerr(f, pkt, n);
	/* The OPT is still echoed: 12 + question + 11. */
	assert_int_equal(get16(f->out + 10), 1);
}

static void
test_good_opt_options_are_accepted(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512], opts[12] = { 0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };	/* a cookie */
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	put16(pkt + 10, 1);
	n += put_opt(pkt + n, 1232, 0, false, opts, sizeof(opts));
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NOERROR);
	assert_int_equal(get16(f->out + 6), 1);
}

static void
test_edns_version_1_is_badvers(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);
	ldns_pkt *p;

	put16(pkt + 10, 1);
	n += put_opt(pkt + n, 4096, 1, true, NULL, 0);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	p = parsed(f);
	/* BADVERS is 16: 0 in the header, 1 in the OPT's extended rcode. */
	assert_int_equal(ldns_pkt_get_rcode(p), 0);
	assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1);
	assert_int_equal(ldns_pkt_edns_version(p), 0);
	assert_true(ldns_pkt_edns_do(p));
	assert_int_equal(ldns_pkt_edns_udp_size(p), 1232);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void
test_unknown_opcode_is_notimp_echoed(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	pkt[2] = 15 << 3 | 0x01;
	pkt[3] = 0x10 | 0x20;	/* CD and AD */
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	/* Opcode echoed; no RD, RA, AD or CD outside QUERY (genreport's opcodeflg). */
	assert_int_equal(f->out[2], 0x80 | 15 << 3);
	assert_int_equal(f->out[3], LDNS_RCODE_NOTIMPL);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NOTIMPL);
	assert_int_equal(get16(f->out + 4), 1);
	assert_int_equal(get16(f->out + 6), 0);

	/* No question needed: a bare header gets NOTIMP too. */
	pkt[2] = 2 << 3;	/* STATUS */
	put16(pkt + 4, 0);
	assert_int_equal(ask(f, pkt, 12, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->outlen, 12);
	assert_int_equal(f->out[2], 0x80 | 2 << 3);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NOTIMPL);
}

static void
test_notify_is_refused(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, ZONE, LDNS_RR_TYPE_SOA);

	pkt[2] = 4 << 3 | 0x04;	/* NOTIFY, AA */
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[2], 0x80 | 4 << 3);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_REFUSED);
	assert_int_equal(get16(f->out + 4), 1);
}

static void
test_qtype_opt_is_formerr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, ZONE, LDNS_RR_TYPE_OPT);

	expect_formerr(f, pkt, n);
}

static void
test_flags_copied_and_cleared(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);

	pkt[2] = 0x01 | 0x04 | 0x02;	/* RD, and AA and TC that a query should not set */
	pkt[3] = 0x80 | 0x40 | 0x20 | 0x10 | 0x05;	/* RA, Z, AD, CD, an rcode */
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[2], 0x80 | 0x04 | 0x01);	/* QR AA RD */
	assert_int_equal(f->out[3], 0x10);			/* CD only, NOERROR */
}

static void
test_answer_owner_is_compressed(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "6.2.0.192." ZONE, LDNS_RR_TYPE_A);
	size_t qlen = n - 12;

	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NXDOMAIN);
	/* The SOA owner points at "relays" inside the echoed question: 12 + 10. */
	assert_memory_equal(f->out + 12, pkt + 12, qlen);
	assert_int_equal(get16(f->out + n), 0xc000 | 22);
	assert_int_equal(get16(f->out + n + 2), LDNS_RR_TYPE_SOA);

	n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_A);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(get16(f->out + n), 0xc00c);
	assert_int_equal(f->outlen, n + 16);
}

static void
test_tc_when_buffer_is_512(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512], out[512];
	size_t n = simple_query(pkt, "10.113.0.203." ZONE, LDNS_RR_TYPE_TXT), outlen;

	/* The caller's capacity bounds the answer even when EDNS allows more. */
	put16(pkt + 10, 1);
	n += put_opt(pkt + n, 1232, 0, false, NULL, 0);
	assert_int_equal(query_answer(&f->q, pkt, n, QUERY_UDP, out, sizeof(out), &outlen),
	    QUERY_ANSWER);
	assert_int_equal(out[2] & 0x02, 0x02);
	assert_int_equal(get16(out + 6), 0);
	assert_int_equal(get16(out + 8), 0);
	assert_int_equal(get16(out + 10), 1);
	assert_int_equal(outlen, n);	/* header + question + OPT, as asked */
}

/* The TXT answer's text for NAME: its last character-string. */
static void
txt_answer(struct fixture *f, const char *name, char *text, size_t cap)
{
	uint8_t pkt[512], out[4096];
	size_t n = simple_query(pkt, name, LDNS_RR_TYPE_TXT), outlen;
	ldns_pkt *p = NULL;
	ldns_rr *rr;
	char *s;

	assert_int_equal(query_answer(&f->q, pkt, n, QUERY_UDP, out, sizeof(out), &outlen),
	    QUERY_ANSWER);
	assert_int_equal(ldns_wire2pkt(&p, out, outlen), LDNS_STATUS_OK);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	s = ldns_rdf2str(ldns_rr_rdf(rr, ldns_rr_rd_count(rr) - 1));
	snprintf(text, cap, "%s", s);
	free(s);
	ldns_pkt_free(p);
}

/*
 * query_text's cache holds where texts lie in the snapshot's map: after
 * commits that rewrite and reuse the pages a text lay in, a new snapshot
 * must read it again, not through the old pointer.
 */
static void
test_text_cache_follows_snapshots(void **state)
{
	struct fixture *f = *state;
	char cmd[256], before[512], after[512];
	int i, j;

	snprintf(cmd, sizeof(cmd), "report 10.200.0.1 --zone " ZONE " --reason cached-text-of-10.200.0.1");
	seed(f, cmd, 0);
	assert_int_equal(query_ctx_refresh(&f->q), 0);
	txt_answer(f, "1.0.200.10." ZONE, before, sizeof(before));
	assert_non_null(strstr(before, "cached-text-of-10.200.0.1"));
	txt_answer(f, "1.0.200.10." ZONE, before, sizeof(before));	/* from the cache */
	assert_non_null(strstr(before, "cached-text-of-10.200.0.1"));
	query_ctx_release(&f->q);
	/* New texts after it: its leaf is copied on write, freed and reused. */
	for (i = 0; i < 12; i++)
		for (j = 0; j < 8; j++) {
			snprintf(cmd, sizeof(cmd), "report 10.201.%d.%d --zone " ZONE " --reason "
			    "zzzz-overwriting-text-%03d-%03d-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
			    i, j + 1, i, j);
			seed(f, cmd, 0);
		}
	assert_int_equal(query_ctx_refresh(&f->q), 0);
	txt_answer(f, "1.0.200.10." ZONE, after, sizeof(after));
	assert_string_equal(after, before);
}

static void
test_answer_in_the_query_buffer(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[512];
	size_t n = simple_query(buf, "9.113.0.203." ZONE, LDNS_RR_TYPE_A), outlen;

	assert_int_equal(query_answer(&f->q, buf, n, QUERY_UDP, buf, sizeof(buf), &outlen),
	    QUERY_ANSWER);
	assert_int_equal(outlen, n + 16);
	assert_int_equal(get16(buf), 0x1234);
	assert_int_equal(buf[2], 0x80 | 0x04 | 0x01);
	assert_int_equal(get16(buf + 6), 1);
	assert_int_equal(buf[outlen - 1], 4);	/* 127.0.0.4 */
}

static void
test_transfers_over_tcp_go_to_xfr(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, ZONE, LDNS_RR_TYPE_AXFR);

	assert_int_equal(ask(f, pkt, n, QUERY_TCP), QUERY_XFR);
	n = simple_query(pkt, "v4." ZONE, LDNS_RR_TYPE_IXFR);
	assert_int_equal(ask(f, pkt, n, QUERY_TCP), QUERY_XFR);
	/* Only whole zones are transferred. */
	n = simple_query(pkt, "2.0.0.127." ZONE, LDNS_RR_TYPE_AXFR);
	assert_int_equal(ask(f, pkt, n, QUERY_TCP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_REFUSED);
	n = simple_query(pkt, "example.com", LDNS_RR_TYPE_AXFR);
	assert_int_equal(ask(f, pkt, n, QUERY_TCP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_REFUSED);
}

static void
test_ixfr_over_udp_with_client_soa(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, ZONE, LDNS_RR_TYPE_IXFR);
	uint8_t soa[] = { 0xc0, 0x0c, 0, 6, 0, 1, 0, 0, 0, 0, 0, 22,
		0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	ldns_pkt *p;

	/* RFC 1995 s3: the client's SOA in the authority section. */
	put16(pkt + 8, 1);
	memcpy(pkt + n, soa, sizeof(soa));
	n += sizeof(soa);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	p = parsed(f);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(ldns_pkt_answer(p), 0)),
	    LDNS_RR_TYPE_SOA);
	ldns_pkt_free(p);
}

/* Every prefix and every one-octet change of a few real queries: no crash, bounded answers. */
static void
test_mutated_queries_stay_bounded(void **state)
{
	struct fixture *f = *state;
	static const char *names[] = { "2.0.0.127." ZONE, "10.113.0.203." ZONE, ZONE,
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2." ZONE };
	uint8_t pkt[512], m[512];
	size_t n, i, k, len;
	unsigned seedv = 1;
	enum query_result res;

	for (k = 0; k < RB_ARRAY_LEN(names); k++) {
		n = simple_query(pkt, names[k], LDNS_RR_TYPE_ANY);
		put16(pkt + 10, 1);
		n += put_opt(pkt + n, 600, 0, true, NULL, 0);
		for (len = 0; len <= n; len++) {
			for (i = 0; i < len * 8 + 1; i++) {
				memcpy(m, pkt, len);
				if (len > 0) {
					seedv = seedv * 1103515245u + 12345u;
					m[i % len] ^= (uint8_t)(1u << (i % 8));
					if (i % 7 == 0)
						m[(seedv >> 8) % len] = (uint8_t)(seedv >> 16);
				}
				res = query_answer(&f->q, m, len, QUERY_UDP, f->out, 4096,
				    &f->outlen);
				if (res == QUERY_ANSWER) {
					assert_true(f->outlen >= 12);
					assert_true(f->outlen <= QUERY_UDP_MAX);
				} else {
					assert_int_equal(f->outlen, 0);
				}
			}
		}
	}
}

/*
 * Commit a report of NET in zone ZONE at AT for LIFETIME seconds straight
 * into the store, below the listing policy (as a store written before the
 * policy refused it holds it), and let the worker take the new snapshot.
 */
static void
store_put(struct fixture *f, const char *zone, const char *net, int64_t at, uint32_t lifetime)
{
	const struct conf_zone *cz = conf_zone(f->c, zone);
	struct report r = { .net = testdir_net(net), .at = at, .lifetime = lifetime,
	    .source = "test" };
	enum store_outcome out;
	struct store_zone sz;
	struct store_wr *w;

	assert_non_null(cz);
	assert_int_equal(store_zone_ensure(f->s, cz->name, cz->apex_serial, &sz), 0);
	assert_int_equal(store_wr_begin(f->s, &w), 0);
	store_wr_set_now(w, time_now());
	assert_int_equal(store_report(w, sz.id, &r, &out), 0);
	assert_int_equal(out, STORE_NEW);
	assert_int_equal(store_wr_commit(w), 0);
	query_ctx_release(&f->q);
	assert_int_equal(query_ctx_refresh(&f->q), 0);
}

/* NAME A over UDP: the rcode, and in *A the first answer's address (0: none). */
static unsigned
ask_a(struct fixture *f, const char *name, uint32_t *a)
{
	uint8_t pkt[512];
	size_t n = simple_query(pkt, name, LDNS_RR_TYPE_A);

	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	*a = 0;
	if (get16(f->out + 6) > 0)
		*a = (uint32_t)f->out[n + 12] << 24 | (uint32_t)f->out[n + 13] << 16 |
		    (uint32_t)f->out[n + 14] << 8 | f->out[n + 15];
	return f->out[3] & 0x0f;
}

/*
 * RFC 5782 s5: 127.0.0.1 is never listed, not even inside a range of
 * 127.0.0.0/8 the store holds (rbldb refuses to write one now, older
 * imports did); the range itself is served.  The same in IPv6 form.
 */
static void
test_clean_test_point_inside_a_stored_range(void **state)
{
	struct fixture *f = *state;
	uint32_t a;

	store_put(f, ZONE, "127.0.0.0/24", time_now() - 10, 86400);
	assert_int_equal(ask_a(f, "3.0.0.127." ZONE, &a), LDNS_RCODE_NOERROR);
	assert_int_equal(a, 0x7f000002);
	assert_int_equal(ask_a(f, "1.0.0.127." ZONE, &a), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ask_a(f, "2.0.0.127." ZONE, &a), LDNS_RCODE_NOERROR);
	assert_int_equal(a, 0x7f000002);
	/* ::ffff:127.0.0.1 in an IPv6-only zone holding ::ffff:127.0.0.0/120. */
	store_put(f, "v6.example.net", "::ffff:7f00:0/120", time_now() - 10, 86400);
	assert_int_equal(ask_a(f, "3.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.v6.example.net", &a), LDNS_RCODE_NOERROR);
	assert_int_equal(ask_a(f, "1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0."
	    "0.0.0.0.v6.example.net", &a), LDNS_RCODE_NXDOMAIN);
}

/*
 * SPEC: an expired listing is never served, even before the expiry is
 * committed.  Nothing is committed here, so only the worker's clock,
 * moved by each refresh, can make the answer change.
 */
static void
test_refresh_moves_the_clock(void **state)
{
	struct fixture *f = *state;
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	int64_t expires = time_now() + 2;
	uint32_t a;

	store_put(f, ZONE, "192.0.2.201", expires - 60, 60);
	assert_int_equal(ask_a(f, "201.2.0.192." ZONE, &a), LDNS_RCODE_NOERROR);
	assert_int_equal(a, 0x7f000002);
	while (time_now() < expires)
		nanosleep(&pause, NULL);
	query_ctx_release(&f->q);
	assert_int_equal(query_ctx_refresh(&f->q), 0);
	assert_int_equal(ask_a(f, "201.2.0.192." ZONE, &a), LDNS_RCODE_NXDOMAIN);
}

/* From here on the tests commit, so the snapshot moves: they run last. */
static void
test_refresh_sees_new_commits(void **state)
{
	struct fixture *f = *state;
	uint8_t pkt[512];
	size_t n = simple_query(pkt, "200.2.0.192." ZONE, LDNS_RR_TYPE_A);
	char line[] = "report 192.0.2.200 --zone relays.example.org";
	uint32_t before = soa_serial_answer(f, ZONE);

	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NXDOMAIN);
	seed(f, line, 0);
	/* The old snapshot still answers until the worker refreshes. */
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NXDOMAIN);
	assert_int_equal(soa_serial_answer(f, ZONE), before);
	query_ctx_release(&f->q);
	assert_int_equal(query_ctx_refresh(&f->q), 0);
	assert_int_equal(ask(f, pkt, n, QUERY_UDP), QUERY_ANSWER);
	assert_int_equal(f->out[3] & 0x0f, LDNS_RCODE_NOERROR);
	assert_int_equal(get16(f->out + 6), 1);
	assert_int_equal(soa_serial_answer(f, ZONE), before + 1);
}

/* wire_lower8 lowers exactly 'A'..'Z', each octet value at each of the eight places. */
static void
test_lower8_is_ascii_tolower(void **state)
{
	unsigned v, pos, k;

	(void)state;
	for (pos = 0; pos < 8; pos++) {
		for (v = 0; v < 256; v++) {
			uint8_t in[8], out[8];
			uint64_t w;

			for (k = 0; k < 8; k++)
				in[k] = (uint8_t)(v * 7 + k * 37);	/* neighbours vary too */
			in[pos] = (uint8_t)v;
			memcpy(&w, in, 8);
			w = wire_lower8(w);
			memcpy(out, &w, 8);
			for (k = 0; k < 8; k++)
				assert_int_equal(out[k], in[k] >= 'A' && in[k] <= 'Z' ?
				    in[k] + ('a' - 'A') : in[k]);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_answers),
		cmocka_unit_test(test_lower8_is_ascii_tolower),
		cmocka_unit_test(test_soa_serial_counts_commits),
		cmocka_unit_test(test_short_packets_are_dropped),
		cmocka_unit_test(test_responses_are_dropped),
		cmocka_unit_test(test_qdcount_zero_is_formerr),
		cmocka_unit_test(test_qdcount_two_is_formerr_with_opt),
		cmocka_unit_test(test_label_over_63_is_formerr),
		cmocka_unit_test(test_name_over_255_is_formerr),
		cmocka_unit_test(test_pointer_in_question_is_formerr),
		cmocka_unit_test(test_truncated_question_is_formerr),
		cmocka_unit_test(test_missing_additional_is_formerr),
		cmocka_unit_test(test_trailing_garbage_is_ignored),
		cmocka_unit_test(test_two_opts_are_formerr_with_opt),
		cmocka_unit_test(test_opt_not_at_root_is_formerr),
		cmocka_unit_test(test_opt_outside_the_additional_section_is_formerr),
		cmocka_unit_test(test_bad_opt_options_are_formerr),
		cmocka_unit_test(test_good_opt_options_are_accepted),
		cmocka_unit_test(test_edns_version_1_is_badvers),
		cmocka_unit_test(test_unknown_opcode_is_notimp_echoed),
		cmocka_unit_test(test_notify_is_refused),
		cmocka_unit_test(test_qtype_opt_is_formerr),
		cmocka_unit_test(test_flags_copied_and_cleared),
		cmocka_unit_test(test_answer_owner_is_compressed),
		cmocka_unit_test(test_tc_when_buffer_is_512),
		cmocka_unit_test(test_answer_in_the_query_buffer),
		cmocka_unit_test(test_transfers_over_tcp_go_to_xfr),
		cmocka_unit_test(test_ixfr_over_udp_with_client_soa),
		cmocka_unit_test(test_mutated_queries_stay_bounded),
		cmocka_unit_test(test_refresh_sees_new_commits),
		cmocka_unit_test(test_clean_test_point_inside_a_stored_range),
		cmocka_unit_test(test_refresh_moves_the_clock),
		cmocka_unit_test(test_text_cache_follows_snapshots),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
