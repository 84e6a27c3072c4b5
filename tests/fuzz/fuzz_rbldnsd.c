/* Fuzz target: an rbldnsd data file, line by line through one parser (rbldb import). */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "rb.h"
#include "rbldnsd.h"
#include "store.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

static uint64_t
v4_value(const struct addr *a)
{
	return (uint64_t)a->a[0] << 24 | (uint64_t)a->a[1] << 16 | (uint64_t)a->a[2] << 8 | a->a[3];
}

static void
check_line(int rc, const struct rbldnsd_line *l, const char *err, size_t errlen)
{
	size_t i;

	if (rc != 0) {
		if (rc != RB_ESYNTAX && rc != -ENOMEM)
			fuzz_fail("rbldnsd_parse returned %d", rc);
		if (rc == RB_ESYNTAX && (strnlen(err, errlen) == 0 || strnlen(err, errlen) == errlen))
			fuzz_fail("syntax error with an empty or unterminated reason");
		if (l->nnets != 0)
			fuzz_fail("an error with %zu entries", l->nnets);
		return;
	}
	switch (l->kind) {
	case RBLDNSD_NOTHING:
		if (l->nnets != 0)
			fuzz_fail("nothing, with %zu entries", l->nnets);
		break;
	case RBLDNSD_NOTE:
		if (l->note == NULL || l->nnets != 0)
			fuzz_fail("a note without text, or with entries");
		break;
	case RBLDNSD_ENTRIES:
		if (l->nnets == 0 || l->nnets > RBLDNSD_MAX_NETS)
			fuzz_fail("%zu entries", l->nnets);
		for (i = 0; i < l->nnets; i++)
			fuzz_check_net(&l->nets[i], "entry");
		/* Only an IPv4 range gives several: aligned pieces, in order, end to end. */
		for (i = 1; i < l->nnets; i++) {
			const struct addr *p = &l->nets[i - 1], *c = &l->nets[i];

			if (p->fam != ADDR_V4 || c->fam != ADDR_V4 ||
			    v4_value(p) + (1ull << (32 - p->plen)) != v4_value(c))
				fuzz_fail("range pieces %zu and %zu are not adjacent", i - 1, i);
		}
		if (l->text != NULL && strlen(l->text) > STORE_MAX_TEXT)
			fuzz_fail("a text of %zu octets", strlen(l->text));
		break;
	default:
		fuzz_fail("line kind %d", (int)l->kind);
	}
}

static void
check_expand(struct rbldnsd_parser *p, const char *text)
{
	char *raw = text != NULL ? strdup(text) : NULL, err[256];
	const char *out;
	int rc;

	if (text != NULL && raw == NULL)
		return;
	rc = rbldnsd_expand(p, raw, &out, err, sizeof(err));
	if (rc != 0 && rc != RB_ESYNTAX && rc != -ENOMEM)
		fuzz_fail("rbldnsd_expand returned %d", rc);
	if (rc == 0 && out != NULL && (strlen(out) == 0 || strlen(out) > STORE_MAX_TEXT))
		fuzz_fail("an expanded text of %zu octets", strlen(out));
	free(raw);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rbldnsd_parser *p = rbldnsd_new();
	struct rbldnsd_line l;
	char err[256], *line;
	const uint8_t *nl;
	size_t off = 0, n;
	uint32_t code;
	int rc;

	if (p == NULL)
		return 0;
	while (off < size) {
		nl = memchr(data + off, '\n', size - off);
		/* The line with its newline, if any, in a buffer of exactly its size. */
		n = nl != NULL ? (size_t)(nl - (data + off)) + 1 : size - off;
		if ((line = malloc(n + 1)) == NULL)
			break;
		memcpy(line, data + off, n);
		line[n] = '\0';
		memset(err, 0x55, sizeof(err));
		err[sizeof(err) - 1] = '\0';
		rc = rbldnsd_parse(p, line, &l, err, sizeof(err));
		check_line(rc, &l, err, sizeof(err));
		free(line);
		/* The entry's text expanded with what the file defined so far (or the base). */
		if (rc == 0 && l.kind == RBLDNSD_ENTRIES)
			check_expand(p, l.text);
		/* The line as an A value on its own, in a buffer without a NUL after it. */
		if (n > 0 && data[off + n - 1] == '\n')
			n--;
		if ((line = malloc(n > 0 ? n : 1)) == NULL)
			break;
		memcpy(line, data + off, n);
		if (rbldnsd_parse_code(line, n, &code) == 0 && memchr(line, '.', n) == NULL &&
		    (code & 0xffffff00u) != 0x7f000000u)
			fuzz_fail("a lone number read as %08x, not 127.0.0.N", code);
		free(line);
		off += nl != NULL ? (size_t)(nl - (data + off)) + 1 : size - off;
	}
	rbldnsd_free(p);
	return 0;
}
