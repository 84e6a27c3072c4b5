/* Fuzz target: one JSON Lines batch line (jsonl_parse), as `rbldb ingest` reads a feed's file. */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "fuzz.h"
#include "jsonl.h"
#include "rb.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	return 0;
}

static void
check_net(const struct addr *a)
{
	fuzz_check_net(a, "parsed addr");
	/* As on the command line, an IPv4-mapped address is listed as IPv4. */
	if (addr_is_v4mapped(a))
		fuzz_fail("an IPv4-mapped addr was kept as IPv6");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* The line in a buffer of exactly its size, without a NUL, as ingest may hand it. */
	char *line = malloc(size > 0 ? size : 1);
	char why[JSONL_WHYLEN];
	struct jsonl_op op;
	size_t i, n;
	int rc;

	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	memset(why, 0x55, sizeof(why));
	why[sizeof(why) - 1] = '\0';
	rc = jsonl_parse(line, size, &op, why, sizeof(why));
	if (rc == 0) {
		if (op.root == NULL)
			fuzz_fail("parsed without a JSON tree");
		if (op.kind == JSONL_REPORT) {
			check_net(&op.report.net);
		} else if (op.kind == JSONL_DELIST) {
			check_net(&op.delist.net);
			if (op.delist.reason == NULL)
				fuzz_fail("a delisting without a reason");
		} else {
			fuzz_fail("op kind %d", (int)op.kind);
		}
		jsonl_op_fini(&op);
		if (op.root != NULL)
			fuzz_fail("jsonl_op_fini kept the tree");
	} else if (rc == RB_ESYNTAX) {
		/* One line for the operator's terminal: no control octets from the input. */
		n = strnlen(why, sizeof(why));
		if (n == 0 || n == sizeof(why))
			fuzz_fail("syntax error with an empty or unterminated reason");
		for (i = 0; i < n; i++)
			if ((unsigned char)why[i] < 0x20 || why[i] == 0x7f)
				fuzz_fail("reason carries control octet 0x%02x: %s",
				    (unsigned char)why[i], why);
	} else if (rc != JSONL_BLANK) {
		fuzz_fail("jsonl_parse returned %d", rc);
	}
	free(line);
	return 0;
}
