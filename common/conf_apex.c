/* Zone apex files: the SOA, NS and apex records of each zone, read with ldns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <ldns/ldns.h>

#include "conf.h"
#include "conf_parse.h"
#include "privs.h"
#include "rb.h"

#define CONF_APEX_TTL 3600			/* records of an apex file without $TTL */

/*
 * Take record RR of line LN of PATH into Z's apex, counting NS records in
 * *NNS; a record not at the apex or a second SOA is refused.  Returns 0,
 * or -1 after the message (RR freed).
 */
static int
apex_take(struct conf_parse *p, struct conf_zone *z, const char *path, int ln, ldns_rr *rr,
    size_t *nns)
{
	char *owner;

	if (ldns_dname_compare(ldns_rr_owner(rr), z->origin) != 0) {
		owner = ldns_rdf2str(ldns_rr_owner(rr));
		if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA)
			conf_fail_at(p, path, ln, "SOA owner %s is not the zone name %s. "
			    "(use @ or %s.)", owner != NULL ? owner : "?", z->name,
			    z->name);
		else
			conf_fail_at(p, path, ln, "%s is not the apex %s. (an apex file "
			    "holds only apex records; listings come from the store)",
			    owner != NULL ? owner : "?", z->name);
		free(owner);
		ldns_rr_free(rr);
		return -1;
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_SOA) {
		if (z->soa != NULL) {
			conf_fail_at(p, path, ln, "second SOA record (a zone has one)");
			ldns_rr_free(rr);
			return -1;
		}
		z->soa = rr;
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NS)
		(*nns)++;
	if (!ldns_rr_list_push_rr(z->apex, rr)) {
		ldns_rr_free(rr);
		conf_fail(p, "out of memory");
		return -1;
	}
	return 0;
}

/* The apex as a whole: one complete SOA and some NS.  0, or -1 after the message. */
static int
apex_check(struct conf_parse *p, struct conf_zone *z, int apex_line, size_t nns)
{
	const char *path = z->apex_path;

	if (z->soa == NULL) {
		conf_fail_at(p, NULL, apex_line, "apex file %s has no SOA record (add "
		    "\"@ SOA ns1.%s. hostmaster.%s. 1 3600 600 1209600 300\")", path,
		    z->name, z->name);
		return -1;
	}
	if (nns == 0) {
		conf_fail_at(p, NULL, apex_line, "apex file %s has no NS record (add "
		    "\"@ NS\" for each name server)", path);
		return -1;
	}
	if (ldns_rr_rd_count(z->soa) != 7) {
		conf_fail_at(p, NULL, apex_line, "the SOA record of %s is incomplete "
		    "(MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM)", path);
		return -1;
	}
	return 0;
}

/*
 * Only the apex is allowed; every name below it comes from the store.
 * Records are read one by one so each error names its line.
 */
int
conf_apex_load(struct conf_parse *p, struct conf_zone *z, int apex_line)
{
	const char *path = z->apex_path;
	ldns_rdf *origin = NULL, *prev = NULL;
	uint32_t ttl = CONF_APEX_TTL;
	ldns_status st;
	ldns_rr *rr;
	FILE *fp;
	int line = 0, ln, rc = -1;
	size_t nns = 0;

	if ((fp = privs_fopen_read(path)) == NULL)
		return conf_fail_at(p, NULL, apex_line, "cannot read apex file %s: %s",
		    path, rb_strerror(-errno));
	if ((z->apex = ldns_rr_list_new()) == NULL ||
	    (origin = ldns_rdf_clone(z->origin)) == NULL ||
	    (prev = ldns_rdf_clone(z->origin)) == NULL) {
		conf_fail(p, "out of memory");
		goto out;
	}
	while (!feof(fp)) {
		int before = line;

		rr = NULL;
		st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
		/* A last line without newline is not counted by ldns. */
		ln = line > before ? line : before + 1;
		if (st == LDNS_STATUS_SYNTAX_EMPTY || st == LDNS_STATUS_SYNTAX_TTL ||
		    st == LDNS_STATUS_SYNTAX_ORIGIN)
			continue;
		if (st == LDNS_STATUS_SYNTAX_INCLUDE) {
			conf_fail_at(p, path, ln, "$INCLUDE is not supported in an apex file (put "
			    "the records here)");
			goto out;
		}
		if (st != LDNS_STATUS_OK) {
			conf_fail_at(p, path, ln,
			    "%s (fix the record)", ldns_get_errorstr_by_id(st));
			goto out;
		}
		if (apex_take(p, z, path, ln, rr, &nns) != 0)
			goto out;
	}
	if (apex_check(p, z, apex_line, nns) != 0)
		goto out;
	z->apex_serial = ldns_rdf2native_int32(ldns_rr_rdf(z->soa, 2));
	rc = 0;
out:
	ldns_rdf_deep_free(origin);
	ldns_rdf_deep_free(prev);
	fclose(fp);
	return rc;
}
