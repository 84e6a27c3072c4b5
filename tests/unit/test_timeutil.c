/* Unit tests for timeutil.c: durations and RFC 3339 times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rb.h"
#include "timeutil.h"

static uint32_t
dur(const char *s)
{
	uint32_t v = 0;

	if (time_parse_duration(s, &v) != 0)
		fail_msg("refused duration \"%s\"", s);
	return v;
}

static int64_t
when(const char *s)
{
	int64_t t = 0;

	if (time_parse_rfc3339(s, &t) != 0)
		fail_msg("refused time \"%s\"", s);
	return t;
}

/* 2026-11-27T10:00:00Z, the example in SPEC.md. */
#define T_EXAMPLE INT64_C(1795773600)

/* ---- durations ---- */

static void
test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(dur("90s"), 90);
	assert_int_equal(dur("15m"), 900);
	assert_int_equal(dur("12h"), 43200);
	assert_int_equal(dur("30d"), 2592000);
	assert_int_equal(dur("2w"), 1209600);
}

static void
test_duration_bare_number_is_seconds(void **state)
{
	(void)state;
	assert_int_equal(dur("2100"), 2100);
	assert_int_equal(dur("1"), 1);
	assert_int_equal(dur("4294967295"), UINT32_MAX);
}

static void
test_duration_rejects_junk(void **state)
{
	static const char *bad[] = {
		"", "s", "-5s", "+5s", " 5s", "5s ", "5 s", "5x", "5ss", "5S", "5D", "1.5h",
		"0x10", "5s5", "d30",
	};
	uint32_t v = 77;
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(bad); i++) {
		if (time_parse_duration(bad[i], &v) != RB_ESYNTAX)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(v, 77);
}

static void
test_duration_rejects_zero(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(time_parse_duration("0", &v), RB_ESYNTAX);
	assert_int_equal(time_parse_duration("0d", &v), RB_ESYNTAX);
}

static void
test_duration_rejects_overflow(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(time_parse_duration("4294967296", &v), RB_ESYNTAX);
	assert_int_equal(time_parse_duration("99999999999999999999999", &v), RB_ESYNTAX);
	assert_int_equal(time_parse_duration("49711d", &v), RB_ESYNTAX);
	assert_int_equal(time_parse_duration("49710d", &v), 0);
	assert_int_equal(v, 4294944000u);
	assert_int_equal(time_parse_duration("7102w", &v), RB_ESYNTAX);
}

static void
test_duration_format_picks_largest_exact_unit(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(time_format_duration(90, buf, sizeof(buf)), "90s");
	assert_string_equal(time_format_duration(900, buf, sizeof(buf)), "15m");
	assert_string_equal(time_format_duration(43200, buf, sizeof(buf)), "12h");
	assert_string_equal(time_format_duration(2592000, buf, sizeof(buf)), "30d");
	assert_string_equal(time_format_duration(1209600, buf, sizeof(buf)), "2w");
	assert_string_equal(time_format_duration(86401, buf, sizeof(buf)), "86401s");
	assert_string_equal(time_format_duration(0, buf, sizeof(buf)), "0s");
	assert_string_equal(time_format_duration(UINT32_MAX, buf, sizeof(buf)), "4294967295s");
}

static void
test_duration_round_trips(void **state)
{
	static const uint32_t v[] = { 1, 59, 60, 3600, 86400, 604800, 2592000, 4294944000u };
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(v); i++)
		assert_int_equal(dur(time_format_duration(v[i], buf, sizeof(buf))), v[i]);
}

/* ---- RFC 3339 ---- */

static void
test_rfc3339_utc(void **state)
{
	(void)state;
	assert_int_equal(when("2026-11-27T10:00:00Z"), T_EXAMPLE);
	assert_int_equal(when("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(when("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(when("2038-01-19T03:14:08Z"), INT64_C(2147483648));
}

static void
test_rfc3339_offsets(void **state)
{
	(void)state;
	assert_int_equal(when("2026-11-27T12:00:00+02:00"), T_EXAMPLE);
	assert_int_equal(when("2026-11-27T04:30:00-05:30"), T_EXAMPLE);
	assert_int_equal(when("2026-11-27T10:00:00+00:00"), T_EXAMPLE);
	assert_int_equal(when("2026-11-27T10:00:00-00:00"), T_EXAMPLE);
	/* An offset can move the day, month and year. */
	assert_int_equal(when("2026-11-28T09:59:00+23:59"), T_EXAMPLE);
	assert_int_equal(when("1969-12-31T19:00:00-05:00"), 0);
}

static void
test_rfc3339_fraction_dropped(void **state)
{
	(void)state;
	assert_int_equal(when("2026-11-27T10:00:00.5Z"), T_EXAMPLE);
	assert_int_equal(when("2026-11-27T10:00:00.999999999Z"), T_EXAMPLE);
	assert_int_equal(when("2026-11-27T12:00:00.123+02:00"), T_EXAMPLE);
}

static void
test_rfc3339_separators_and_case(void **state)
{
	(void)state;
	assert_int_equal(when("2026-11-27t10:00:00z"), T_EXAMPLE);
	assert_int_equal(when("2026-11-27 10:00:00Z"), T_EXAMPLE);
}

static void
test_rfc3339_leap_day(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(when("2024-02-29T00:00:00Z"), INT64_C(1709164800));
	assert_int_equal(when("2000-02-29T00:00:00Z"), INT64_C(951782400));
	assert_int_equal(time_parse_rfc3339("2026-02-29T00:00:00Z", &t), RB_ESYNTAX);
	assert_int_equal(time_parse_rfc3339("1900-02-29T00:00:00Z", &t), RB_ESYNTAX);
	assert_int_equal(time_parse_rfc3339("2024-02-30T00:00:00Z", &t), RB_ESYNTAX);
}

static void
test_rfc3339_leap_second(void **state)
{
	(void)state;
	/* RFC 3339 s5.7: 23:59:60 is the leap second; it rolls into the next minute. */
	assert_int_equal(when("2016-12-31T23:59:60Z"), when("2017-01-01T00:00:00Z"));
}

static void
test_rfc3339_rejects_invalid_dates(void **state)
{
	static const char *bad[] = {
		"2026-00-10T00:00:00Z", "2026-13-10T00:00:00Z", "2026-04-31T00:00:00Z",
		"2026-06-00T00:00:00Z", "2026-01-32T00:00:00Z", "2026-11-27T24:00:00Z",
		"2026-11-27T10:60:00Z", "2026-11-27T10:00:61Z", "2026-11-27T10:00:00+24:00",
		"2026-11-27T10:00:00+02:60",
	};
	int64_t t = 77;
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(bad); i++) {
		if (time_parse_rfc3339(bad[i], &t) != RB_ESYNTAX)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	assert_int_equal(t, 77);
}

static void
test_rfc3339_rejects_bad_syntax(void **state)
{
	static const char *bad[] = {
		"", "2026-11-27", "2026-11-27T10:00:00", "2026-11-27T10:00Z",
		"2026-11-27X10:00:00Z", "26-11-27T10:00:00Z", "2026-1-27T10:00:00Z",
		"2026-11-27T10:00:00.Z", "2026-11-27T10:00:00+0200", "2026-11-27T10:00:00+02",
		"2026-11-27T10:00:00Z ", " 2026-11-27T10:00:00Z", "2026-11-27T10:00:00ZZ",
		"2026/11/27T10:00:00Z", "2026-11-27T1a:00:00Z", "2026-11-27T10:00:00UTC",
		"+2026-11-27T10:00:00Z",
	};
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(bad); i++) {
		if (time_parse_rfc3339(bad[i], &t) != RB_ESYNTAX)
			fail_msg("accepted \"%s\"", bad[i]);
	}
}

static void
test_time_format(void **state)
{
	char buf[TIME_BUFLEN];

	(void)state;
	assert_string_equal(time_format(T_EXAMPLE, buf, sizeof(buf)), "2026-11-27T10:00:00Z");
	assert_string_equal(time_format(0, buf, sizeof(buf)), "1970-01-01T00:00:00Z");
	assert_string_equal(time_format(-1, buf, sizeof(buf)), "1969-12-31T23:59:59Z");
	assert_string_equal(time_format(INT64_C(1709164800), buf, sizeof(buf)),
	    "2024-02-29T00:00:00Z");
}

static void
test_time_format_small_buffer_is_empty(void **state)
{
	char buf[TIME_BUFLEN];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_string_equal(time_format(T_EXAMPLE, buf, 10), "");
}

static void
test_time_round_trips(void **state)
{
	static const int64_t v[] = { 0, 1, -86400, T_EXAMPLE, INT64_C(951782400),
		INT64_C(4102444799) };
	char buf[TIME_BUFLEN];
	size_t i;

	(void)state;
	for (i = 0; i < RB_ARRAY_LEN(v); i++)
		assert_int_equal(when(time_format(v[i], buf, sizeof(buf))), v[i]);
}

static void
test_time_now_is_recent(void **state)
{
	(void)state;
	/* After this file was written (2024-01-01) and before 2100. */
	assert_true(time_now() > INT64_C(1704067200));
	assert_true(time_now() < INT64_C(4102444800));
}

static void
test_rb_strerror(void **state)
{
	(void)state;
	assert_string_equal(rb_strerror(0), "success");
	assert_non_null(strstr(rb_strerror(RB_EMAPFULL), "mapsize"));
	assert_non_null(strstr(rb_strerror(RB_EMAPFULL), "[server]"));
	assert_string_equal(rb_strerror(-ENOENT), strerror(ENOENT));
	assert_string_equal(rb_strerror(RB_ESYNTAX), "malformed input");
	assert_string_equal(rb_strerror(-999999), "unknown error");
	assert_string_equal(rb_strerror(5), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_bare_number_is_seconds),
		cmocka_unit_test(test_duration_rejects_junk),
		cmocka_unit_test(test_duration_rejects_zero),
		cmocka_unit_test(test_duration_rejects_overflow),
		cmocka_unit_test(test_duration_format_picks_largest_exact_unit),
		cmocka_unit_test(test_duration_round_trips),
		cmocka_unit_test(test_rfc3339_utc),
		cmocka_unit_test(test_rfc3339_offsets),
		cmocka_unit_test(test_rfc3339_fraction_dropped),
		cmocka_unit_test(test_rfc3339_separators_and_case),
		cmocka_unit_test(test_rfc3339_leap_day),
		cmocka_unit_test(test_rfc3339_leap_second),
		cmocka_unit_test(test_rfc3339_rejects_invalid_dates),
		cmocka_unit_test(test_rfc3339_rejects_bad_syntax),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_format_small_buffer_is_empty),
		cmocka_unit_test(test_time_round_trips),
		cmocka_unit_test(test_time_now_is_recent),
		cmocka_unit_test(test_rb_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
