/* Fuzz target: DNSBL query names below a zone (addr_from_rname) and their text form back. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

/* The labels of NAME (NLABELS of them) as dotted text, lower case. */
static void
labels_text(const uint8_t *name, unsigned nlabels, char *buf)
{
	size_t n = 0, k;
	unsigned i;

	for (i = 0; i < nlabels; i++) {
		if (i > 0)
			buf[n++] = '.';
		for (k = 0; k < name[0]; k++)
			buf[n++] = (char)tolower(name[1 + k]);
		name += 1 + name[0];
	}
	buf[n] = '\0';
}

static void
check(const uint8_t *name, unsigned nlabels, int parsed, const struct addr *v4,
    const struct addr *v6)
{
	char want[64 * 64], got[ADDR_STRLEN * 2 + 8];

	if (parsed & ~(ADDR_PARSED_V4 | ADDR_PARSED_V6))
		fuzz_fail("addr_from_rname returned %d", parsed);
	if ((parsed & ADDR_PARSED_V4) && (nlabels > 4 || v4->fam != ADDR_V4 ||
	    v4->plen != 8 * nlabels))
		fuzz_fail("%u labels read as IPv4 /%u", nlabels, v4->plen);
	if ((parsed & ADDR_PARSED_V6) && (nlabels > 32 || v6->fam != ADDR_V6 ||
	    v6->plen != 4 * nlabels))
		fuzz_fail("%u labels read as IPv6 /%u", nlabels, v6->plen);
	if (parsed == 0)
		return;
	/* Reading is the inverse of writing: the same labels come back (hex in lower case). */
	labels_text(name, nlabels, want);
	if (parsed & ADDR_PARSED_V4) {
		if (addr_rname_text(v4, got, sizeof(got)) < 0 || strcmp(got, want) != 0)
			fuzz_fail("IPv4 name \"%s\" written back as \"%s\"", want, got);
	}
	if (parsed & ADDR_PARSED_V6) {
		if (addr_rname_text(v6, got, sizeof(got)) < 0 || strcmp(got, want) != 0)
			fuzz_fail("IPv6 name \"%s\" written back as \"%s\"", want, got);
	}
}

/*
 * The input is taken as wire labels, as query.c hands them over: every
 * complete label up to the end, a zero octet, or a length above 63.  The
 * labels are copied into a buffer of exactly their size, so a read past
 * them is caught.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct addr v4, v6, only;
	size_t off = 0;
	unsigned nlabels = 0;
	uint8_t *name;
	int parsed;

	while (off < size && data[off] != 0 && data[off] <= 63 && off + 1 + data[off] <= size &&
	    nlabels < 127) {
		off += 1 + (size_t)data[off];
		nlabels++;
	}
	if ((name = malloc(off > 0 ? off : 1)) == NULL)
		return 0;
	memcpy(name, data, off);

	memset(&v4, 0xa5, sizeof(v4));
	memset(&v6, 0xa5, sizeof(v6));
	parsed = addr_from_rname(name, nlabels, &v4, &v6);
	check(name, nlabels, parsed, &v4, &v6);

	/* One reading asked for: the same answer for that family, the other untouched. */
	if ((addr_from_rname(name, nlabels, &only, NULL) != (parsed & ADDR_PARSED_V4)) ||
	    ((parsed & ADDR_PARSED_V4) && memcmp(&only, &v4, sizeof(only)) != 0))
		fuzz_fail("IPv4 reading alone differs");
	if ((addr_from_rname(name, nlabels, NULL, &only) != (parsed & ADDR_PARSED_V6)) ||
	    ((parsed & ADDR_PARSED_V6) && memcmp(&only, &v6, sizeof(only)) != 0))
		fuzz_fail("IPv6 reading alone differs");

	/* Fewer labels than there are: the leading ones are a prefix of the name. */
	if (nlabels > 1) {
		parsed = addr_from_rname(name, nlabels - 1, &v4, &v6);
		check(name, nlabels - 1, parsed, &v4, &v6);
	}
	free(name);
	return 0;
}
