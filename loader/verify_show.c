/* Relay tests in rbldb's output: the held report's line, show's tests with their transcripts. */
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "output.h"
#include "rb.h"
#include "timeutil.h"
#include "verify_show.h"

void
verify_held_message(struct store_reader *rd, const char *zname, uint16_t zone,
    const struct addr *net, char *msg, size_t len)
{
	struct verify_job j;
	char a[ADDR_STRLEN], t[TIME_BUFLEN];

	addr_format(net, a, sizeof(a));
	if (store_verify_latest(rd, zone, net, &j, NULL) != 0) {
		snprintf(msg, len, "%s pending a relay test in %s", a, zname);
		return;
	}
	if (j.state == VERIFY_PENDING)
		snprintf(msg, len, "%s pending a relay test in %s (job %llu, due %s); not "
		    "published until a test confirms it", a, zname, (unsigned long long)j.id,
		    time_format(j.due, t, sizeof(t)));
	else
		snprintf(msg, len, "%s held in %s: relay test job %llu is %s; not published "
		    "until a test confirms it", a, zname, (unsigned long long)j.id,
		    verify_state_name(j.state));
}

struct show_arg {
	const struct loader *L;
	struct store_reader *rd;
	json_t *arr;
	unsigned n;
};

static void
time_field(const char *name, int64_t t)
{
	char buf[TIME_BUFLEN];

	if (t != 0)
		printf(" %s %s", name, time_format(t, buf, sizeof(buf)));
}

/* The transcript is escaped already, one event per line: printed indented. */
static void
print_transcript(const char *s, size_t len)
{
	const char *end = s + len, *nl;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		printf("      %.*s\n", (int)(nl - s), s);
		s = nl + 1;
	}
}

static int
text_cb(void *arg, const struct verify_job *j)
{
	struct show_arg *sa = arg;
	char zname[256];

	if (sa->n++ == 0)
		printf("relay tests:\n");
	printf("  job %llu %s %s (%s)", (unsigned long long)j->id,
	    cmd_zone_name(sa->L, sa->rd, j->zone, zname, sizeof(zname)),
	    verify_state_name(j->state), verify_trigger_name(j->trigger));
	time_field("created", j->created);
	if (j->state == VERIFY_PENDING)
		time_field("due", j->due);
	time_field("started", j->started);
	time_field("finished", j->finished);
	if (j->form != 0)
		printf(" form %u", (unsigned)j->form);
	if (j->connect != NULL)
		printf(" connect %s", j->connect);
	printf("\n");
	if (j->note != NULL) {
		printf("    note ");
		output_text(stdout, j->note, strlen(j->note), true);
		printf("\n");
	}
	if (j->transcript_len > 0) {
		printf("    transcript:\n");
		print_transcript(j->transcript, j->transcript_len);
	}
	if (j->received_len > 0) {
		printf("    received at the drop box:\n");
		print_transcript(j->received, j->received_len);
	}
	return 0;
}

static json_t *
time_or_null(int64_t t)
{
	return t != 0 ? output_json_time(t) : json_null();
}

static int
json_cb(void *arg, const struct verify_job *j)
{
	struct show_arg *sa = arg;
	char zname[256];
	json_t *o = json_object();

	json_object_set_new(o, "job", json_integer((json_int_t)j->id));
	json_object_set_new(o, "zone",
	    json_string(cmd_zone_name(sa->L, sa->rd, j->zone, zname, sizeof(zname))));
	json_object_set_new(o, "state", json_string(verify_state_name(j->state)));
	json_object_set_new(o, "trigger", json_string(verify_trigger_name(j->trigger)));
	json_object_set_new(o, "created", time_or_null(j->created));
	json_object_set_new(o, "due", time_or_null(j->due));
	json_object_set_new(o, "started", time_or_null(j->started));
	json_object_set_new(o, "finished", time_or_null(j->finished));
	json_object_set_new(o, "form", j->form ? json_integer(j->form) : json_null());
	json_object_set_new(o, "connect", output_json_str(j->connect));
	json_object_set_new(o, "note", output_json_str(j->note));
	json_object_set_new(o, "transcript", j->transcript_len ?
	    json_stringn(j->transcript, j->transcript_len) : json_null());
	json_object_set_new(o, "received", j->received_len ?
	    json_stringn(j->received, j->received_len) : json_null());
	json_array_append_new(sa->arr, o);
	return 0;
}

int
verify_show_text(const struct loader *L, struct store_reader *rd, const struct addr *a)
{
	struct show_arg sa = { L, rd, NULL, 0 };

	if (!addr_is_host(a))
		return 0;
	return store_verify_foreach(rd, a, text_cb, &sa);
}

int
verify_show_json(const struct loader *L, struct store_reader *rd, const struct addr *a,
    json_t *root)
{
	struct show_arg sa = { L, rd, json_array(), 0 };
	int rc = 0;

	if (addr_is_host(a))
		rc = store_verify_foreach(rd, a, json_cb, &sa);
	json_object_set_new(root, "relay_tests", sa.arr);
	return rc;
}
