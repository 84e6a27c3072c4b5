/*
 * Fuzz target: the one parse of every received message (dns_parse) and
 * the TSIG record it locates, against ldns's reading of the same octets.
 * Where both take the message as well formed they must agree on the ID,
 * the opcode, the question (name in lower case, type, class) and, where
 * only OPT and TSIG records follow the question, the EDNS fields and
 * whether a TSIG ends it; and the least reply built from the
 * parse is never larger than the message and is one ldns can read.
 */
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "dns.h"
#include "fuzz.h"
#include "tsig.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

static void
compare_question(const struct dns_msg *m, ldns_pkt *p)
{
	ldns_rr *q = ldns_rr_list_rr(ldns_pkt_question(p), 0);
	ldns_rdf *owner;
	uint8_t *name;
	size_t n, i;

	if (q == NULL)
		fuzz_fail("ldns has no question where we have one");
	owner = ldns_rr_owner(q);
	name = ldns_rdf_data(owner);
	n = ldns_rdf_size(owner);
	if (n != m->qnamelen)
		fuzz_fail("question name of %zu octets, ldns %zu", (size_t)m->qnamelen, n);
	for (i = 0; i < n; i++)
		if (dns_lower(name[i]) != m->lname[i])
			fuzz_fail("question name differs at octet %zu", i);
	if (ldns_rr_get_type(q) != m->qtype || ldns_rr_get_class(q) != m->qclass)
		fuzz_fail("question type/class %u/%u, ldns %u/%u", m->qtype, m->qclass,
		    ldns_rr_get_type(q), ldns_rr_get_class(q));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[DNS_MSGMAX];
	struct dns_msg m;
	struct tsig_rr t;
	ldns_pkt *p = NULL;
	size_t n;
	int rc;

	if (size < DNS_HDRLEN || size > DNS_MSGMAX)
		return 0;
	dns_parse(&m, data, size);
	if (m.len > m.wirelen || m.wirelen != size || (m.tsig != 0 && (m.tsig < DNS_HDRLEN ||
	    m.tsig >= size)) || (m.hasq && m.qnamelen == 0))
		fuzz_fail("inconsistent parse: len %zu of %zu, tsig at %zu", m.len, size, m.tsig);
	rc = tsig_parse(&m, &t);
	if (rc == 1 && (t.start != m.tsig || t.mac + t.maclen > data + size))
		fuzz_fail("TSIG read past its record");
	if (m.tsig == 0 && !m.badtsig && rc != 0)
		fuzz_fail("a TSIG where the parse found none");

	/* The least reply holds nothing the message did not. */
	n = dns_reply_min(&m, DNS_FORMERR, false, out, sizeof(out));
	if (m.ok && n > size)
		fuzz_fail("least reply of %zu octets to a message of %zu", n, size);
	if (m.ok && ldns_wire2pkt(&p, out, n) != LDNS_STATUS_OK)
		fuzz_fail("ldns cannot read the least reply");
	ldns_pkt_free(p);
	p = NULL;

	/* A misplaced TSIG is FORMERR to us; ldns reads such messages its own way. */
	if (!m.ok || m.badtsig || ldns_wire2pkt(&p, data, size) != LDNS_STATUS_OK) {
		ldns_pkt_free(p);
		return 0;
	}
	if (ldns_pkt_id(p) != m.id || ldns_pkt_get_opcode(p) != m.opcode)
		fuzz_fail("id/opcode %u/%u, ldns %u/%u", m.id, m.opcode, ldns_pkt_id(p),
		    ldns_pkt_get_opcode(p));
	if (ldns_pkt_qdcount(p) != m.qdcount)
		fuzz_fail("qdcount %u, ldns %u", m.qdcount, ldns_pkt_qdcount(p));
	if (m.hasq)
		compare_question(&m, p);
	/*
	 * ldns reads the RDATA of the types it knows by their own rules and may
	 * step out of a record's RDLENGTH where they disagree; we never read it.
	 * So OPT and TSIG are compared where nothing else but them follows the
	 * question, as in every query.
	 */
	if (m.ancount != 0 || m.nscount != 0 || m.arcount != m.nopt) {
		ldns_pkt_free(p);
		return 0;
	}
	if (m.nopt == 1) {
		if (!ldns_pkt_edns(p) || ldns_pkt_edns_udp_size(p) != m.udpsize ||
		    ldns_pkt_edns_version(p) != m.ednsver || ldns_pkt_edns_do(p) != m.dobit)
			fuzz_fail("EDNS %u/%u/%d, ldns %d %u/%u/%d", m.udpsize, m.ednsver, m.dobit,
			    ldns_pkt_edns(p), ldns_pkt_edns_udp_size(p), ldns_pkt_edns_version(p),
			    ldns_pkt_edns_do(p));
	} else if (m.nopt == 0 && ldns_pkt_edns(p)) {
		fuzz_fail("ldns sees EDNS where we see no OPT");
	}
	if ((m.tsig != 0) != (ldns_pkt_tsig(p) != NULL))
		fuzz_fail("TSIG %s, ldns %s", m.tsig ? "found" : "none",
		    ldns_pkt_tsig(p) ? "found" : "none");
	ldns_pkt_free(p);
	return 0;
}
