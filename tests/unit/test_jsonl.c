/* Unit tests for jsonl.c: JSON Lines batch lines, every field and every error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "jsonl.h"
#include "rb.h"

/* 2026-11-27T10:00:00Z, the example in SPEC.md. */
#define T_EXAMPLE INT64_C(1795773600)

static char why[JSONL_WHYLEN];

static int
parse(const char *line, struct jsonl_op *op)
{
	why[0] = '\0';
	return jsonl_parse(line, strlen(line), op, why, sizeof(why));
}

/* LINE must be refused with exactly the reason WANT. */
static void
refused(const char *line, const char *want)
{
	struct jsonl_op op;

	if (parse(line, &op) != RB_ESYNTAX)
		fail_msg("accepted: %s", line);
	assert_null(op.root);
	assert_string_equal(why, want);
}

static void
test_report_all_fields(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"zone\":"
	    "\"relays.example.org\",\"reason\":\"accepted relay\",\"code\":\"127.0.0.3\","
	    "\"source\":\"trap-7\",\"evidence\":\"Received: x\",\"at\":"
	    "\"2026-11-27T10:00:00Z\",\"lifetime\":\"12h\",\"force\":true}", &op), 0);
	assert_int_equal(op.kind, JSONL_REPORT);
	assert_string_equal(op.zone, "relays.example.org");
	assert_int_equal(op.report.net.fam, ADDR_V4);
	assert_int_equal(op.report.net.plen, 32);
	assert_memory_equal(op.report.net.a, "\xc0\x00\x02\x05", 4);
	assert_string_equal(op.report.reason, "accepted relay");
	assert_int_equal(op.report.code, 0x7f000003);
	assert_string_equal(op.report.source, "trap-7");
	assert_string_equal(op.report.evidence, "Received: x");
	assert_true(op.has_at);
	assert_int_equal(op.report.at, T_EXAMPLE);
	assert_true(op.has_lifetime);
	assert_int_equal(op.report.lifetime, 43200);
	assert_true(op.force);
	assert_false(op.report.imported);
	jsonl_op_fini(&op);
	assert_null(op.root);
}

static void
test_report_minimal_leaves_defaults(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"addr\":\"2001:db8::/48\",\"op\":\"report\"}", &op), 0);
	assert_int_equal(op.kind, JSONL_REPORT);
	assert_null(op.zone);
	assert_int_equal(op.report.net.fam, ADDR_V6);
	assert_int_equal(op.report.net.plen, 48);
	assert_null(op.report.reason);
	assert_null(op.report.source);
	assert_null(op.report.evidence);
	assert_int_equal(op.report.code, 0);
	assert_false(op.has_at);
	assert_int_equal(op.report.at, 0);
	assert_false(op.has_lifetime);
	assert_int_equal(op.report.lifetime, 0);
	assert_false(op.force);
	jsonl_op_fini(&op);
}

static void
test_null_counts_as_absent(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"zone\":null,"
	    "\"reason\":null,\"code\":null,\"at\":null,\"lifetime\":null,\"force\":null}",
	    &op), 0);
	assert_null(op.zone);
	assert_null(op.report.reason);
	assert_int_equal(op.report.code, 0);
	assert_false(op.has_at);
	assert_false(op.has_lifetime);
	assert_false(op.force);
	jsonl_op_fini(&op);
}

static void
test_mapped_address_becomes_ipv4(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"::ffff:192.0.2.5\"}", &op), 0);
	assert_int_equal(op.report.net.fam, ADDR_V4);
	assert_int_equal(op.report.net.plen, 32);
	assert_memory_equal(op.report.net.a, "\xc0\x00\x02\x05", 4);
	jsonl_op_fini(&op);
}

static void
test_delist_fields(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("  {\"op\":\"delist\",\"addr\":\"192.0.2.0/24\",\"zone\":"
	    "\"relays.example.org\",\"reason\":\"relay closed\",\"by\":"
	    "\"postmaster@example.net\",\"at\":\"2026-11-27T12:00:00+02:00\"}\r", &op), 0);
	assert_int_equal(op.kind, JSONL_DELIST);
	assert_string_equal(op.zone, "relays.example.org");
	assert_int_equal(op.delist.net.plen, 24);
	assert_memory_equal(op.delist.net.a, "\xc0\x00\x02\x00", 4);
	assert_string_equal(op.delist.reason, "relay closed");
	assert_string_equal(op.delist.by, "postmaster@example.net");
	assert_true(op.has_at);
	assert_int_equal(op.delist.at, T_EXAMPLE);
	jsonl_op_fini(&op);

	assert_int_equal(parse("{\"op\":\"delist\",\"addr\":\"192.0.2.5\",\"reason\":\"x\"}",
	    &op), 0);
	assert_null(op.delist.by);
	assert_false(op.has_at);
	jsonl_op_fini(&op);
}

static void
test_blank_lines(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("", &op), JSONL_BLANK);
	assert_int_equal(parse("  \t \r", &op), JSONL_BLANK);
	assert_null(op.root);
}

static void
test_not_json(void **state)
{
	(void)state;
	refused("{\"op\":\"report\",", "not JSON: string or '}' expected near end of file "
	    "(column 15)");
	refused("op=report addr=192.0.2.5", "not JSON: invalid token near 'op' (column 2)");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\"} {}",
	    "not JSON: end of file expected near '{' (column 36)");
}

static void
test_not_an_object(void **state)
{
	(void)state;
	refused("[\"report\",\"192.0.2.5\"]", "not a JSON object but an array (one object "
	    "per line)");
	refused("\"report\"", "not a JSON object but a string (one object per line)");
	refused("42", "not a JSON object but a number (one object per line)");
	refused("null", "not a JSON object but null (one object per line)");
}

static void
test_duplicate_key(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"addr\":"
	    "\"192.0.2.6\"}", &op), RB_ESYNTAX);
	assert_non_null(strstr(why, "duplicate object key"));
}

static void
test_missing_op(void **state)
{
	(void)state;
	refused("{\"addr\":\"192.0.2.5\"}", "missing \"op\" (\"report\" or \"delist\")");
	refused("{\"op\":null,\"addr\":\"192.0.2.5\"}",
	    "missing \"op\" (\"report\" or \"delist\")");
}

static void
test_unknown_op(void **state)
{
	(void)state;
	refused("{\"op\":\"list\",\"addr\":\"192.0.2.5\"}",
	    "unknown op \"list\" (want \"report\" or \"delist\")");
	refused("{\"op\":\"Report\",\"addr\":\"192.0.2.5\"}",
	    "unknown op \"Report\" (want \"report\" or \"delist\")");
	/* Control characters never reach the terminal; long values are cut. */
	refused("{\"op\":\"a\\u001b[2Jb\"}", "unknown op \"a?[2Jb\" (want \"report\" or "
	    "\"delist\")");
	refused("{\"op\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}",
	    "unknown op \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" (want \"report\" "
	    "or \"delist\")");
}

static void
test_op_wrong_type(void **state)
{
	(void)state;
	refused("{\"op\":1,\"addr\":\"192.0.2.5\"}",
	    "\"op\" must be a string such as \"report\", not a number");
}

static void
test_missing_addr(void **state)
{
	(void)state;
	refused("{\"op\":\"report\"}", "missing \"addr\" (or \"name\")");
	refused("{\"op\":\"delist\",\"reason\":\"closed\"}", "missing \"addr\" (or \"name\")");
	refused("{\"op\":\"report\",\"addr\":null}", "missing \"addr\" (or \"name\")");
}

static void
test_bad_addr(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.300\"}", &op),
	    RB_ESYNTAX);
	assert_true(strncmp(why, "bad \"addr\" \"192.0.2.300\": ", 26) == 0);
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5/24\"}", &op),
	    RB_ESYNTAX);
	assert_true(strncmp(why, "bad \"addr\" \"192.0.2.5/24\": ", 27) == 0);
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"relay.example.net\"}", &op),
	    RB_ESYNTAX);
	assert_true(strncmp(why, "bad \"addr\" \"relay.example.net\": ", 32) == 0);
}

static void
test_wrong_types(void **state)
{
	(void)state;
	refused("{\"op\":\"report\",\"addr\":3221225989}",
	    "\"addr\" must be a string such as \"192.0.2.5\", not a number");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"code\":2}",
	    "\"code\" must be a string such as \"127.0.0.2\", not a number");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"lifetime\":86400}",
	    "\"lifetime\" must be a string such as \"30d\", not a number");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":[\"a\"]}",
	    "\"reason\" must be a string such as \"accepted relay\", not an array");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"source\":{}}",
	    "\"source\" must be a string such as \"trap-7\", not an object");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"evidence\":true}",
	    "\"evidence\" must be a string such as \"Received: ...\", not a boolean");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"at\":1795773600}",
	    "\"at\" must be a string such as \"2026-11-27T10:00:00Z\", not a number");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"zone\":1}",
	    "\"zone\" must be a string such as \"relays.example.org\", not a number");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"force\":\"yes\"}",
	    "\"force\" must be true or false, not a string");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"force\":1}",
	    "\"force\" must be true or false, not a number");
	refused("{\"op\":\"delist\",\"addr\":\"192.0.2.5\",\"reason\":\"x\",\"by\":2}",
	    "\"by\" must be a string such as \"postmaster@example.net\", not a number");
}

static void
test_unknown_field(void **state)
{
	(void)state;
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reasn\":\"typo\"}",
	    "unknown field \"reasn\" for op report (fields: op, addr, zone, reason, code, "
	    "source, evidence, at, lifetime, force, name)");
	/* A delisting's "by" is not a report field, nor a report's "source" a delisting's. */
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"by\":\"me\"}",
	    "unknown field \"by\" for op report (fields: op, addr, zone, reason, code, "
	    "source, evidence, at, lifetime, force, name)");
	refused("{\"op\":\"delist\",\"addr\":\"192.0.2.5\",\"reason\":\"x\",\"source\":\"s\"}",
	    "unknown field \"source\" for op delist (fields: op, addr, zone, reason, by, at, "
	    "force, name)");
}

/* A delisting wider than max-range needs "force", as on the command line. */
static void
test_delist_force(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"delist\",\"addr\":\"0.0.0.0/0\","
	    "\"reason\":\"x\",\"force\":true}", &op), 0);
	assert_int_equal(op.kind, JSONL_DELIST);
	assert_true(op.force);
	jsonl_op_fini(&op);
	assert_int_equal(parse("{\"op\":\"delist\",\"addr\":\"0.0.0.0/0\","
	    "\"reason\":\"x\"}", &op), 0);
	assert_false(op.force);
	jsonl_op_fini(&op);
	refused("{\"op\":\"delist\",\"addr\":\"192.0.2.5\",\"reason\":\"x\",\"force\":\"yes\"}",
	    "\"force\" must be true or false, not a string");
}

static void
test_bad_time(void **state)
{
	(void)state;
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"at\":\"yesterday\"}",
	    "bad \"at\" \"yesterday\" (want RFC 3339, e.g. 2026-11-27T10:00:00Z)");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"at\":\"2026-13-01T00:00:00Z\"}",
	    "bad \"at\" \"2026-13-01T00:00:00Z\" (want RFC 3339, e.g. 2026-11-27T10:00:00Z)");
	refused("{\"op\":\"delist\",\"addr\":\"192.0.2.5\",\"reason\":\"x\",\"at\":\"\"}",
	    "bad \"at\" \"\" (want RFC 3339, e.g. 2026-11-27T10:00:00Z)");
}

static void
test_bad_duration(void **state)
{
	(void)state;
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"lifetime\":\"30 days\"}",
	    "bad \"lifetime\" \"30 days\" (want a duration such as 90s, 15m, 12h, 30d)");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"lifetime\":\"-1d\"}",
	    "bad \"lifetime\" \"-1d\" (want a duration such as 90s, 15m, 12h, 30d)");
}

static void
test_bad_code_text(void **state)
{
	(void)state;
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"code\":\"two\"}",
	    "bad \"code\" \"two\" (want an address such as 127.0.0.2)");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"code\":\"127.0.0\"}",
	    "bad \"code\" \"127.0.0\" (want an address such as 127.0.0.2)");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"code\":\"0.0.0.0\"}",
	    "code 0.0.0.0 is outside 127.0.0.0/8");
}

static void
test_code_outside_loopback_left_to_policy(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"code\":"
	    "\"10.0.0.2\"}", &op), 0);
	assert_int_equal(op.report.code, 0x0a000002);
	jsonl_op_fini(&op);
}

static void
test_delist_needs_reason(void **state)
{
	(void)state;
	refused("{\"op\":\"delist\",\"addr\":\"192.0.2.5\"}",
	    "missing \"reason\" (a delisting says why)");
	refused("{\"op\":\"delist\",\"addr\":\"192.0.2.5\",\"reason\":null}",
	    "missing \"reason\" (a delisting says why)");
}

static void
test_embedded_nul_refused(void **state)
{
	struct jsonl_op op;
	static const char line[] = "{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":"
	    "\"a\\u0000b\"}";

	(void)state;
	assert_int_equal(jsonl_parse(line, sizeof(line) - 1, &op, why, sizeof(why)),
	    RB_ESYNTAX);
	assert_true(strncmp(why, "not JSON: ", 10) == 0);
	/* A raw NUL octet inside the line is not JSON either. */
	assert_int_equal(jsonl_parse("{\"op\"\0:1}", 9, &op, why, sizeof(why)), RB_ESYNTAX);
	assert_true(strncmp(why, "not JSON: ", 10) == 0);
}

/* Escapes and non-ASCII go to jansson; the result is the same as for plain text. */
static void
test_plain_and_jansson_lines_agree(void **state)
{
	static const char *const lines[] = {
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":\"a/b\",\"force\":true}",
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":\"a\\/b\",\"force\":true}",
		"{\"\\u006fp\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":\"a/b\",\"force\":true}",
		" { \"op\" : \"report\" , \"addr\" : \"192.0.2.5\" , \"reason\" : \"a/b\" , "
		    "\"force\" : true } ",
	};
	struct jsonl_op op;
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(lines); i++) {
		assert_int_equal(parse(lines[i], &op), 0);
		assert_non_null(op.root);
		assert_int_equal(op.tree, i == 1 || i == 2);
		assert_int_equal(op.kind, JSONL_REPORT);
		assert_string_equal(op.report.reason, "a/b");
		assert_true(op.force);
		jsonl_op_fini(&op);
		assert_null(op.root);
	}
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":"
	    "\"caf\xc3\xa9\"}", &op), 0);
	assert_true(op.tree);
	assert_string_equal(op.report.reason, "caf\xc3\xa9");
	jsonl_op_fini(&op);
	/* Invalid UTF-8 is jansson's to refuse. */
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":\"\xff\"}",
	    &op), RB_ESYNTAX);
	assert_true(strncmp(why, "not JSON: ", 10) == 0);
}

/*
 * Lines jsmn tokenises otherwise than JSON reads them, or that the fast path
 * leaves to jansson: each is refused with jansson's own message.
 */
static void
test_jsmn_doubts_left_to_jansson(void **state)
{
	static const char *const lines[] = {
		"{\"op\":tru,\"addr\":\"192.0.2.5\"}",
		"{\"op\":truex,\"addr\":\"192.0.2.5\"}",
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\",}",
		"{,\"op\":\"report\",\"addr\":\"192.0.2.5\"}",
		"{\"op\":\"report\",,\"addr\":\"192.0.2.5\"}",
		"{\"op\":\"report\" \"addr\":\"192.0.2.5\"}",
		"{\"op\"::\"report\",\"addr\":\"192.0.2.5\"}",
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\":\"x\"}",
		"{\"op\":\"report\",\"addr\"}",
		"{\"op\":\"report\",\"addr\":}",
		"{\"op\",\"report\"}",
		"{\"op\":\"report\"}{\"addr\":\"192.0.2.5\"}",
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\"} {}",
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\"]",
		"{\"op\":\"report\",\"addr\":\"192.0.2\t5\"}",
		"{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":\"a\\qb\"}",
	};
	json_error_t err;
	struct jsonl_op op;
	char want[JSONL_WHYLEN];
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(lines); i++) {
		assert_null(json_loadb(lines[i], strlen(lines[i]),
		    JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err));
		snprintf(want, sizeof(want), "not JSON: %s (column %d)", err.text, err.column);
		refused(lines[i], want);
	}
	/* A number, a backslash and nesting are JSON, and judged on jansson's tree. */
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"force\":1}",
	    "\"force\" must be true or false, not a number");
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":{\"a\":\"b\"}}",
	    "\"reason\" must be a string such as \"accepted relay\", not an object");
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"reason\":"
	    "\"a\\\\b\"}", &op), 0);
	assert_true(op.tree);
	assert_string_equal(op.report.reason, "a\\b");
	jsonl_op_fini(&op);
}

static void
test_parse_in_place(void **state)
{
	char line[] = "{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"source\":\"trap-7\"}";
	char esc[] = "{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"source\":\"trap\\u002d7\"}";
	char copy[sizeof(esc)];
	struct jsonl_op op;

	(void)state;
	/* A plain line: the strings are in the line itself, nothing to free. */
	assert_int_equal(jsonl_parse_in(line, sizeof(line) - 1, &op, why, sizeof(why)), 0);
	assert_null(op.root);
	assert_ptr_equal(op.report.source, line + strlen("{\"op\":\"report\",\"addr\":"
	    "\"192.0.2.5\",\"source\":\""));
	assert_string_equal(op.report.source, "trap-7");
	jsonl_op_fini(&op);
	/* Anything else is parsed by jansson, and the line is left as it was. */
	memcpy(copy, esc, sizeof(esc));
	assert_int_equal(jsonl_parse_in(esc, sizeof(esc) - 1, &op, why, sizeof(why)), 0);
	assert_non_null(op.root);
	assert_true(op.tree);
	assert_string_equal(op.report.source, "trap-7");
	assert_memory_equal(esc, copy, sizeof(esc));
	jsonl_op_fini(&op);
}

static void
test_many_members(void **state)
{
	(void)state;
	/* Past 16 members jansson parses; the first unknown field is still the one named. */
	refused("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\",\"d\":\"4\",\"e\":\"5\",\"f\":\"6\",\"g\":"
	    "\"7\",\"h\":\"8\",\"i\":\"9\",\"j\":\"10\",\"k\":\"11\",\"l\":\"12\",\"m\":\"13\","
	    "\"n\":\"14\",\"o\":\"15\",\"p\":\"16\",\"q\":\"17\",\"op\":\"report\",\"addr\":"
	    "\"192.0.2.5\"}", "unknown field \"a\" for op report (fields: op, addr, zone, "
	    "reason, code, source, evidence, at, lifetime, force, name)");
	refused("{\"a\":1,\"op\":\"report\",\"addr\":\"192.0.2.5\"}",
	    "unknown field \"a\" for op report (fields: op, addr, zone, reason, code, "
	    "source, evidence, at, lifetime, force, name)");
}

static void
test_same_time_on_many_lines(void **state)
{
	struct jsonl_op op;

	(void)state;
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"at\":"
	    "\"2026-11-27T10:00:00Z\"}", &op), 0);
	assert_int_equal(op.report.at, T_EXAMPLE);
	jsonl_op_fini(&op);
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.6\",\"at\":"
	    "\"2026-11-27T10:00:00Z\"}", &op), 0);
	assert_int_equal(op.report.at, T_EXAMPLE);
	jsonl_op_fini(&op);
	assert_int_equal(parse("{\"op\":\"report\",\"addr\":\"192.0.2.7\",\"at\":"
	    "\"2026-11-27T10:00:01Z\"}", &op), 0);
	assert_int_equal(op.report.at, T_EXAMPLE + 1);
	jsonl_op_fini(&op);
	refused("{\"op\":\"report\",\"addr\":\"192.0.2.5\",\"at\":\"\"}",
	    "bad \"at\" \"\" (want RFC 3339, e.g. 2026-11-27T10:00:00Z)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_all_fields),
		cmocka_unit_test(test_report_minimal_leaves_defaults),
		cmocka_unit_test(test_null_counts_as_absent),
		cmocka_unit_test(test_mapped_address_becomes_ipv4),
		cmocka_unit_test(test_delist_fields),
		cmocka_unit_test(test_blank_lines),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_missing_op),
		cmocka_unit_test(test_unknown_op),
		cmocka_unit_test(test_op_wrong_type),
		cmocka_unit_test(test_missing_addr),
		cmocka_unit_test(test_bad_addr),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_delist_force),
		cmocka_unit_test(test_bad_time),
		cmocka_unit_test(test_bad_duration),
		cmocka_unit_test(test_bad_code_text),
		cmocka_unit_test(test_code_outside_loopback_left_to_policy),
		cmocka_unit_test(test_delist_needs_reason),
		cmocka_unit_test(test_embedded_nul_refused),
		cmocka_unit_test(test_plain_and_jansson_lines_agree),
		cmocka_unit_test(test_jsmn_doubts_left_to_jansson),
		cmocka_unit_test(test_parse_in_place),
		cmocka_unit_test(test_many_members),
		cmocka_unit_test(test_same_time_on_many_lines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
