/* Fuzz target: address and CIDR text (addr_parse, addr_parse_cidr) and what is built on them. */
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

/* Text form and back again give the same value; into short buffers, nothing overflows. */
static void
check_format(const struct addr *a, bool cidr)
{
	char text[ADDR_STRLEN], *small;
	struct addr b;
	size_t n, len;

	addr_format(a, text, sizeof(text));
	if ((cidr ? addr_parse_cidr(text, &b, NULL) : addr_parse(text, &b)) != 0 ||
	    memcmp(a, &b, sizeof(b)) != 0)
		fuzz_fail("\"%s\" does not parse back to the same value", text);
	n = strlen(text);
	for (len = 1; len <= n + 1; len += (len < 4 || len + 4 > n) ? 1 : 4) {
		/* Exactly LEN octets, so ASan sees any write past them. */
		if ((small = malloc(len)) == NULL)
			return;
		addr_format(a, small, len);
		if (strnlen(small, len) == len)
			fuzz_fail("addr_format into %zu octets left no NUL", len);
		free(small);
	}
}

/* The reversed name of a prefix on label boundaries reads back as the same prefix. */
static void
check_rname(const struct addr *a)
{
	char text[ADDR_STRLEN * 2 + 8];
	uint8_t wire[160];
	struct addr v4, v6;
	const struct addr *got;
	unsigned labels = 0;
	size_t i, start = 0, w = 0;
	int parsed, n;

	n = addr_rname_text(a, text, sizeof(text));
	if (a->fam == ADDR_V4 ? a->plen % 8 != 0 : a->plen % 4 != 0) {
		if (n != -1)
			fuzz_fail("reversed name of a /%u", a->plen);
		return;
	}
	if (n < 0 || (size_t)n != strlen(text))
		fuzz_fail("no reversed name for a /%u", a->plen);
	if (a->plen == 0)
		return;
	for (i = 0; i <= (size_t)n; i++) {
		if (i == (size_t)n || text[i] == '.') {
			wire[w++] = (uint8_t)(i - start);
			memcpy(wire + w, text + start, i - start);
			w += i - start;
			start = i + 1;
			labels++;
		}
	}
	parsed = addr_from_rname(wire, labels, &v4, &v6);
	if (!(parsed & (a->fam == ADDR_V4 ? ADDR_PARSED_V4 : ADDR_PARSED_V6)))
		fuzz_fail("reversed name \"%s\" does not read back", text);
	got = a->fam == ADDR_V4 ? &v4 : &v6;
	if (memcmp(got, a, sizeof(*a)) != 0)
		fuzz_fail("reversed name \"%s\" reads back as another prefix", text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	const char *why = NULL;
	struct addr a, c, v4;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	if (addr_parse(s, &a) == 0) {
		fuzz_check_net(&a, "addr_parse");
		if (!addr_is_host(&a))
			fuzz_fail("addr_parse gave a /%u", a.plen);
		check_format(&a, false);
		check_rname(&a);
		if (addr_parse_cidr(s, &c, NULL) != 0 || memcmp(&a, &c, sizeof(c)) != 0)
			fuzz_fail("an address parses differently as CIDR");
	}
	if (addr_parse_cidr(s, &c, &why) == 0) {
		fuzz_check_net(&c, "addr_parse_cidr");
		check_format(&c, true);
		check_rname(&c);
		if (!addr_contains(&c, &c))
			fuzz_fail("a prefix does not contain itself");
		a = c;
		addr_mask(&a, a.plen / 2);
		fuzz_check_net(&a, "addr_mask");
		if (!addr_contains(&a, &c) || (a.plen < c.plen && addr_contains(&c, &a)))
			fuzz_fail("containment of /%u in /%u", c.plen, a.plen);
		if (addr_is_v4mapped(&c)) {
			addr_unmap(&c, &v4);
			fuzz_check_net(&v4, "addr_unmap");
			if (v4.plen != c.plen - 96 || memcmp(v4.a, c.a + 12, 4) != 0)
				fuzz_fail("unmapped /%u as /%u", c.plen, v4.plen);
		}
	} else if (why == NULL || why[0] == '\0') {
		fuzz_fail("addr_parse_cidr refused \"%s\" without a reason", s);
	}
	free(s);
	return 0;
}
