/* rbldb verify (queue a relay test and run the tester on it) and rbldb verify-receive (the drop box). */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cmd.h"
#include "rb.h"
#include "timeutil.h"
#include "verify_apply.h"
#include "verify_cookie.h"

enum { OPT_CONNECT = 256, OPT_JSON, OPT_QUEUE_ONLY, OPT_QUIET };

/* The largest message verify-receive reads; a test message is under 2 KB. */
#define RECEIVE_MAX (1 << 20)

/* HOST:PORT or [HOST]:PORT of --connect, checked here so the tester gets a good one. */
static bool
connect_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if (colon == NULL || colon == s)
		return false;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && port > 0 && port < 65536;
}

/*
 * Run the tester on job ID: rbldb-verify beside this program (or
 * $RBLDB_VERIFY), which prints the verdict.  Only returns on failure.
 */
static int
exec_tester(const struct loader *L, uint64_t id, bool json)
{
	char self[PATH_MAX], prog[PATH_MAX + 16], job[32], *slash;
	const char *env = getenv("RBLDB_VERIFY");
	const char *args[10];
	ssize_t n;
	int i = 0;

	if (env != NULL && *env != '\0') {
		snprintf(prog, sizeof(prog), "%s", env);
	} else if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		snprintf(prog, sizeof(prog), "%s/rbldb-verify", self);
	} else {
		snprintf(prog, sizeof(prog), "rbldb-verify");
	}
	snprintf(job, sizeof(job), "%llu", (unsigned long long)id);
	args[i++] = "rbldb-verify";
	args[i++] = "-c";
	args[i++] = L->confpath;
	if (L->dbopt != NULL) {
		args[i++] = "-D";
		args[i++] = L->dbopt;
	}
	args[i++] = "--job";
	args[i++] = job;
	if (json)
		args[i++] = "--json";
	args[i] = NULL;
	fflush(stdout);
	execvp(prog, (char *const *)args);
	return cmd_fail("verify", CMD_FAIL, "job %s queued, but the tester %s did not start: "
	    "%s (install rbldb-verify beside rbldb, or set RBLDB_VERIFY)", job, prog,
	    strerror(errno));
}

/* The cached verdict (RFC 6471 s3.6.2), printed instead of a test. */
static void
print_cached(const struct loader *L, const struct verify_job *last, const char *zname)
{
	char a[ADDR_STRLEN], t1[TIME_BUFLEN], t2[TIME_BUFLEN];

	printf("%s %s in %s (cached: job %llu finished %s; next test allowed from %s)\n",
	    addr_format(&last->addr, a, sizeof(a)), verify_state_name(last->state), zname,
	    (unsigned long long)last->id, time_format(last->finished, t1, sizeof(t1)),
	    time_format(last->finished + (int64_t)L->conf->verify->min_interval, t2,
	    sizeof(t2)));
}

/* Queue (or take over) the job for A in zone ZI; *id gets it, or 0 when a cached verdict stands. */
static int
queue_job(const struct loader *L, size_t zi, const struct addr *a, const char *connect,
    bool dry_run, bool force, int64_t now, uint64_t *id)
{
	const struct conf_zone *z = &L->conf->zones[zi];
	char text[ADDR_STRLEN];
	struct store_wr *w;
	struct verify_job j;
	bool cached;
	int rc;

	*id = 0;
	addr_format(a, text, sizeof(text));
	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return cmd_fail("verify", CMD_FAIL, "store: %s", rb_strerror(rc));
	store_wr_set_now(w, now);
	rc = verify_request(w, L->conf, L->zone_ids[zi], a, connect, force, now, &j, &cached);
	if (rc == RB_EBUSY) {
		store_wr_abort(w);
		return cmd_fail("verify", CMD_FAIL, "job %llu is testing %s now (see rbldb show)",
		    (unsigned long long)j.id, text);
	}
	if (rc == 0 && (cached || dry_run)) {
		if (cached)
			print_cached(L, &j, z->name);
		else
			printf("would test %s in %s (job %llu, %s)\n", text, z->name,
			    (unsigned long long)j.id, verify_trigger_name(j.trigger));
		store_wr_abort(w);
		return 0;
	}
	if (rc == 0)
		rc = store_wr_commit(w);
	else
		store_wr_abort(w);
	if (rc != 0)
		return cmd_fail("verify", CMD_FAIL, "store: %s", rb_strerror(rc));
	*id = j.id;
	return 0;
}

struct verify_args {
	const char *connect;
	bool json, queue_only;
};

static int
verify_opt(void *arg, int opt, const char *val)
{
	struct verify_args *a = arg;

	switch (opt) {
	case OPT_CONNECT: a->connect = val; return 0;
	case OPT_JSON: a->json = true; return 0;
	case OPT_QUEUE_ONLY: a->queue_only = true; return 0;
	default: return cmd_fail("verify", CMD_USAGE, "option not handled");
	}
}

int
cmd_verify(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "connect", required_argument, NULL, OPT_CONNECT },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "queue-only", no_argument, NULL, OPT_QUEUE_ONLY },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_args va = { NULL, false, false };
	struct cmd_args o;
	const char *connect;
	struct addr a;
	char why[512];
	uint64_t id;
	int64_t now = time_now();
	size_t zi;
	int rc;

	if ((rc = cmd_args_addr("verify", argc, argv, opts, verify_opt, &va, &o)) != CMD_OK)
		return rc;
	connect = va.connect;
	if (connect != NULL && !connect_ok(connect))
		return cmd_fail("verify", CMD_USAGE, "--connect %s is not HOST:PORT "
		    "(e.g. 127.0.0.1:2525 or [::1]:2525)", connect);
	if ((rc = cmd_addr("verify", o.addr, &a)) != 0)
		return rc;
	if ((rc = cmd_zone(L, "verify", o.zone, &zi)) != 0)
		return rc;
	if (L->conf->verify->secret == NULL || L->conf->verify->dropbox == NULL)
		return cmd_fail("verify", CMD_FAIL, "[verify] needs secret and dropbox before a "
		    "test can run (see rbldb.conf(5))");
	if (verify_check_target(L->conf->verify, &L->conf->zones[zi], &a, connect != NULL, why,
	    sizeof(why)) != 0)
		return cmd_fail("verify", CMD_FAIL, "%s", why);
	if ((rc = queue_job(L, zi, &a, connect, o.dry_run, o.force, now, &id)) != 0 || id == 0)
		return rc;
	if (va.queue_only) {
		printf("job %llu queued\n", (unsigned long long)id);
		return CMD_OK;
	}
	return exec_tester(L, id, va.json);
}

/* The message on standard input, NUL-terminated; NULL when too large or unreadable. */
static char *
read_message(size_t *len)
{
	size_t cap = 65536, n = 0, got;
	char *buf = malloc(cap + 1), *nb;

	while (buf != NULL && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= RECEIVE_MAX || (nb = realloc(buf, 2 * cap + 1)) == NULL) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf == NULL || ferror(stdin)) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* The end of the line at P (past its LF), or END. */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl + 1 : end;
}

/*
 * The message's Received: fields in their order (the last hop first), each
 * whole with its folded lines and escaped (verify_escape_octet), one field
 * a line: the evidence of the path the relayed message took.  The header
 * ends at the first empty line.  NULL when out of memory.
 */
static char *
received_chain(const char *msg, size_t len, size_t *outlen, unsigned *count)
{
	const char *p = msg, *end = msg + len, *next;
	char *out = malloc(4 * len + 1);
	size_t n = 0, i, flen;

	*count = 0;
	while (out != NULL && p < end && *p != '\n' && !(*p == '\r' && p + 1 < end &&
	    p[1] == '\n')) {
		next = line_end(p, end);
		while (next < end && (*next == ' ' || *next == '\t'))
			next = line_end(next, end);
		if ((size_t)(next - p) >= 9 && strncasecmp(p, "Received:", 9) == 0) {
			for (flen = (size_t)(next - p); flen > 0 && (p[flen - 1] == '\n' ||
			    p[flen - 1] == '\r'); flen--)
				;
			for (i = 0; i < flen; i++)
				n += verify_escape_octet((unsigned char)p[i], out + n);
			out[n++] = '\n';
			(*count)++;
		}
		p = next;
	}
	if (out != NULL)
		out[n] = '\0';
	*outlen = n;
	return out;
}

/*
 * Check cookie CK against its job: the MAC for the job's address, the
 * run's time, and a job still waiting (a replay finds it confirmed or
 * finished and confirms nothing).  Returns 0 or a reason in WHY.
 */
static int
check_cookie(const struct loader *L, const struct verify_cookie *ck, const struct verify_job *j,
    int64_t now, char *why, size_t len)
{
	const struct conf_verify *v = L->conf->verify;

	if (!verify_cookie_check(v->secret, &j->addr, ck)) {
		snprintf(why, len, "cookie %.40s... does not verify for job %llu", ck->text,
		    (unsigned long long)ck->job);
		return RB_EPOLICY;
	}
	if (ck->time != j->cookie_time || j->state != VERIFY_TESTING) {
		snprintf(why, len, "cookie of job %llu is not of a test waiting for its message "
		    "(job %s; a replay or a late copy)", (unsigned long long)ck->job,
		    verify_state_name(j->state));
		return RB_EPOLICY;
	}
	if (ck->time + (int64_t)v->window < now || ck->time > now + 300) {
		snprintf(why, len, "cookie of job %llu is older than [verify] window",
		    (unsigned long long)ck->job);
		return RB_EPOLICY;
	}
	return 0;
}

/*
 * Confirm the job of cookie CK in one write transaction, keeping the
 * message's Received chain RCVD (NRCVD fields) with it; prints the outcome.
 */
static int
confirm(struct loader *L, const struct verify_cookie *ck, const char *rcvd, size_t rcvd_len,
    unsigned nrcvd, int64_t now, char *why, size_t len)
{
	const struct conf_zone *z;
	struct store_wr *w;
	struct verify_job j;
	enum store_outcome out;
	char note[200], a[ADDR_STRLEN];
	int rc;

	if ((rc = store_wr_begin(L->store, &w)) != 0)
		return rc;
	store_wr_set_now(w, now);
	if ((rc = store_verify_get(store_wr_reader(w), ck->job, &j)) != 0) {
		store_wr_abort(w);
		if (rc == RB_ENOTFOUND)
			snprintf(why, len, "cookie names job %llu, which does not exist",
			    (unsigned long long)ck->job);
		return rc == RB_ENOTFOUND ? RB_EPOLICY : rc;
	}
	if ((z = cmd_zone_by_id(L, j.zone)) == NULL) {
		store_wr_abort(w);
		snprintf(why, len, "job %llu's zone is no longer configured",
		    (unsigned long long)j.id);
		return RB_EPOLICY;
	}
	if ((rc = check_cookie(L, ck, &j, now, why, len)) != 0) {
		store_wr_abort(w);
		return rc;
	}
	snprintf(note, sizeof(note), "the message relayed with form %u arrived at the drop box "
	    "with a valid cookie; its %u Received field%s kept", ck->form, nrcvd,
	    nrcvd == 1 ? " is" : "s are");
	j.received = rcvd;
	j.received_len = rcvd_len;
	if ((rc = verify_confirm(w, z, &j, ck->form, note, now, &out)) != 0 ||
	    (rc = store_wr_commit(w)) != 0) {
		if (rc != 0)
			store_wr_abort(w);
		return rc;
	}
	printf("%s confirmed open relay in %s (job %llu, form %u): %s\n",
	    addr_format(&j.addr, a, sizeof(a)), z->name, (unsigned long long)j.id, ck->form,
	    out == STORE_NEW ? "listed" : out == STORE_REFRESHED ? "listing refreshed" :
	    "listing unchanged");
	return 0;
}

int
cmd_verify_receive(struct loader *L, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "quiet-refusal", no_argument, NULL, OPT_QUIET },
		{ NULL, 0, NULL, 0 },
	};
	struct verify_cookie ck;
	bool quiet = false;
	char *msg, *rcvd, why[512] = "";
	size_t len = 0, rcvd_len = 0;
	unsigned nrcvd = 0;
	int c, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != OPT_QUIET)
			return cmd_bad_option("verify-receive", c, argv);
		quiet = true;
	}
	if (optind < argc)
		return cmd_fail("verify-receive", CMD_USAGE, "unexpected argument %s",
		    argv[optind]);
	if (L->conf->verify->secret == NULL)
		return cmd_fail("verify-receive", CMD_FAIL, "[verify] has no secret: no cookie "
		    "can be checked (see rbldb.conf(5))");
	if ((msg = read_message(&len)) == NULL)
		return cmd_fail("verify-receive", CMD_FAIL, "standard input: unreadable or over "
		    "%d octets; nothing confirmed", RECEIVE_MAX);
	if (!verify_cookie_find(msg, len, &ck)) {
		free(msg);
		cmd_fail("verify-receive", CMD_FAIL, "no relay-test cookie in the message; "
		    "nothing confirmed");
		return quiet ? CMD_OK : CMD_FAIL;
	}
	rcvd = received_chain(msg, len, &rcvd_len, &nrcvd);
	free(msg);
	if (rcvd == NULL)
		return cmd_fail("verify-receive", 75, "out of memory (the MTA should try again)");
	rc = confirm(L, &ck, rcvd, rcvd_len, nrcvd, time_now(), why, sizeof(why));
	free(rcvd);
	if (rc == RB_EPOLICY) {
		cmd_fail("verify-receive", CMD_FAIL, "%s; nothing confirmed", why);
		return quiet ? CMD_OK : CMD_FAIL;
	}
	if (rc != 0)
		return cmd_fail("verify-receive", 75, "store: %s (the MTA should try again)",
		    rb_strerror(rc));
	return CMD_OK;
}
