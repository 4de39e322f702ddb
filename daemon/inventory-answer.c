/*
 * acm list's answer, packed from the cache of inventory rows
 * (inventory-list.c) part by part: each part of about PROTO_PART_BYTES
 * goes to the client as soon as it is packed, and the next is packed at
 * the loop's next turn, so acmctl reads and prints a part while acmd
 * packs the next one, and a ping or another client waits for one part
 * (a few ms at most), not for 100,000 rows.
 */
#include <sys/queue.h>

#include <ctype.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "acmd.h"
#include "cmd.h"
#include "inventory.h"
#include "inventory-rows.h"
#include "log.h"
#include "mp.h"
#include "pem.h"
#include "proto.h"
#include "xmalloc.h"

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * Sort a filter set once, so each row is looked up in it in log time;
 * returns its size.
 */
static size_t
set_sort(char **v)
{
	size_t	 n = 0;

	if (v == NULL)
		return (0);
	while (v[n] != NULL)
		n++;
	qsort(v, n, sizeof *v, str_cmp);
	return (n);
}

/* Whether s is in the sorted set v of n strings (NULL: any). */
static int
in_set(char **v, size_t n, const char *s)
{
	size_t	 lo = 0, hi = n, mid;
	int	 cmp;

	if (v == NULL)
		return (1);
	if (s == NULL)
		return (0);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(s, v[mid])) == 0)
			return (1);
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return (0);
}

/* Whether the domain or one of the nsans strings in sans matches glob. */
static int
domain_matches(const char *domain, const char *sans, size_t nsans,
    const char *glob)
{
	size_t	 i;

	if (glob == NULL)
		return (1);
	if (domain != NULL && fnmatch(glob, domain, FNM_CASEFOLD) == 0)
		return (1);
	for (i = 0; i < nsans; i++, sans += strlen(sans) + 1) {
		if (fnmatch(glob, sans, FNM_CASEFOLD) == 0)
			return (1);
	}
	return (0);
}

static int
type_matches(const char *want, const char *type)
{
	char	 norm[64];
	size_t	 i, j = 0;

	if (want == NULL)
		return (1);
	if (type == NULL)
		return (0);
	/* "amazon-issued", "Amazon Issued", "AMAZON_ISSUED" all match. */
	for (i = 0; type[i] != '\0' && j + 1 < sizeof norm; i++)
		norm[j++] = (type[i] == ' ' || type[i] == '_') ? '-' :
		    (char)tolower((unsigned char)type[i]);
	norm[j] = '\0';
	for (i = 0; want[i] != '\0'; i++) {
		char	 w = (want[i] == ' ' || want[i] == '_') ? '-' :
		    (char)tolower((unsigned char)want[i]);

		if (w != norm[i])
			return (0);
	}
	return (norm[i] == '\0');
}

/* inv_days_left of the record, at now. */
static long long
acm_days_left(const struct inv_crow *c, time_t now)
{
	if (!(c->flags & CROW_NOT_AFTER_NUM))
		return (0);
	return (pem_days_left(c->not_after, now));
}

/* Until when (excluded) acm_days_left stays what it is at now. */
static time_t
acm_days_until(const struct inv_crow *c, time_t now)
{
	long long	 diff, rem;

	if (!(c->flags & CROW_NOT_AFTER_NUM))
		return (now + 86400);
	if (__builtin_sub_overflow((long long)c->not_after, (long long)now,
	    &diff))
		return (now + 1);
	/* pem_days_left is diff / 86400 rounded down. */
	if ((rem = diff % 86400) < 0)
		rem += 86400;
	return (now + rem + 1);
}

/*
 * The credential filter: a name, or an organization's name for its
 * accounts' records ("ORG/ACCOUNT").
 */
static int
cred_in_set(char **v, size_t n, const char *cred)
{
	const char	*slash;
	char		*org;
	int		 in;

	if (in_set(v, n, cred))
		return (1);
	if (cred == NULL || (slash = strchr(cred, '/')) == NULL)
		return (0);
	org = xstrndup(cred, slash - cred);
	in = in_set(v, n, org);
	free(org);
	return (in);
}

static int
acm_matches(const struct inv_filter *f, const struct inv_crow *c, time_t now)
{
	if (!f->all && (c->flags & CROW_GONE))
		return (0);
	if (!cred_in_set(f->creds, f->ncreds, c->credential) ||
	    !in_set(f->accounts, f->naccounts, c->account) ||
	    !in_set(f->regions, f->nregions, c->region) ||
	    !type_matches(f->type, c->type) ||
	    (f->status != NULL && (c->status == NULL ||
	    strcasecmp(f->status, c->status) != 0)) ||
	    !domain_matches(crow_str(c, c->domain), c->str + c->sans, c->nsans,
	    f->domain))
		return (0);
	/* Days over LLONG_MAX hold every certificate with a date. */
	if (f->has_expiring && (!(c->flags & CROW_HAS_NOT_AFTER) ||
	    (f->expiring <= (uint64_t)LLONG_MAX &&
	    acm_days_left(c, now) > (long long)f->expiring)))
		return (0);
	return (1);
}

/*
 * The answer's parts (2.5 MB in all for 10,000 rows) are kept from one
 * list to the next and leave from there by reference: that much fresh
 * memory costs more in page faults than building the answer does.  A
 * list asked for while the last answer is still on its way gets parts of
 * its own.
 *
 * An answer to a list without filters is sent again as it is while
 * nothing in it can have changed: the same cache and deployment states
 * (epoch), the same --all, and no row's days left has moved.
 */
struct inv_answer {
	struct mp_buf	**parts;	/* rows packed, without an array head */
	size_t		*counts;	/* and how many in each */
	size_t		 nparts;	/* in use */
	size_t		 aparts;	/* allocated (buffers kept for reuse) */
	size_t		 bytes;
	int		 reusable;	/* no filters but --all */
	int		 all;
	uint64_t	 epoch;
	time_t		 from;		/* valid from */
	time_t		 until;		/* and before */
};
static struct inv_answer	*acm_spare;
/*
 * A big spare is kept for the lists that follow it (scripts run them
 * back to back), not for good: ACM_SPARE_SECS after it was last sent it
 * goes (26 MB at 100,000 rows).  Each keeping has its number.
 */
#define ACM_SPARE_SECS	5
static uintptr_t		 acm_spare_seq;
/*
 * Rows looked at in a turn of the loop at most, whatever the filter
 * keeps: a --domain glob that matches none is a walk of the cache too.
 */
#define ACM_SLICE_ROWS	8192
/*
 * Parts packed ahead of what the client has read, at most: one that does
 * not read holds about that much, not the whole answer (26 MB at 100,000
 * rows); acmd looks again every ACM_WAIT_MS.  acmctl reads a part about
 * as fast as acmd packs one, and never gets near it.
 */
#define ACM_AHEAD_PARTS	4
#define ACM_WAIT_MS	2
/* What a row took in the last answer (a guess before the first). */
static size_t			 acm_row_bytes = 256;

/* A list being answered, a part at a time. */
struct acm_build {
	LIST_ENTRY(acm_build)	 entry;
	struct cmd_ctx		*ctx;
	struct inv_filter	 f;
	struct inv_answer	*a;
	struct inv_cursor	 cur;	/* the last row looked at */
	size_t			 next;	/* and where the next one was */
	time_t			 now;
	struct event		*ev;
};
static LIST_HEAD(, acm_build)	 acm_builds = LIST_HEAD_INITIALIZER(acm_builds);

static void
acm_answer_free(struct inv_answer *a)
{
	size_t	 i;

	for (i = 0; i < a->aparts; i++)
		mp_buf_free(a->parts[i]);
	free(a->parts);
	free(a->counts);
	free(a);
}

static void
acm_spare_cb(evutil_socket_t fd, short what, void *arg)
{
	if (acm_spare != NULL && (uintptr_t)arg == acm_spare_seq) {
		acm_answer_free(acm_spare);
		acm_spare = NULL;
	}
}

/* The answer has gone out (its last part carries this): kept, or freed. */
static void
acm_answer_sent(const void *data, size_t len, void *arg)
{
	struct inv_answer	*a = arg;
	struct timeval		 tv = { ACM_SPARE_SECS, 0 };

	if (acm_spare != NULL) {
		acm_answer_free(a);
		return;
	}
	acm_spare = a;
	acm_spare_seq++;
	if (a->bytes >= PROTO_PART_BYTES)
		event_base_once(acmd.base, -1, EV_TIMEOUT, acm_spare_cb,
		    (void *)acm_spare_seq, &tv);
}

/* A string column, left out when the record has none (as jansson did). */
static void
acm_kstr(struct mp_buf *b, const char *k, size_t klen, const char *v)
{
	if (v == NULL)
		return;
	mp_strn(b, k, klen);
	mp_str(b, v);
}

/*
 * One row, its columns in the order acm list has always sent them; the
 * days left move with the clock (*until: when they change next), the
 * deployments' states often.
 */
static void
acm_pack_row(struct mp_buf *b, const struct inv_crow *c, time_t now,
    time_t *until)
{
	const char	*domain = crow_str(c, c->domain);
	const char	*linked = crow_str(c, c->linked);
	time_t		 t;

	/* domain, region, in_use, days_left, deployment, and those present */
	mp_map(b, 5 + (c->type != NULL) + (c->status != NULL) +
	    (!(c->flags & CROW_LINKED) || linked != NULL) +
	    (c->account != NULL) + (c->credential != NULL) +
	    (c->arn != CROW_NONE) + ((c->flags & CROW_GONE) != 0));
	mp_strn(b, "domain", 6);
	mp_str(b, domain != NULL ? domain : "");
	acm_kstr(b, "type", 4, c->type);
	acm_kstr(b, "status", 6, c->status);
	mp_strn(b, "region", 6);
	mp_str(b, c->region != NULL ? c->region : "global");
	mp_strn(b, "in_use", 6);
	mp_bool(b, (c->flags & CROW_IN_USE) != 0);
	if (!(c->flags & CROW_LINKED)) {
		mp_strn(b, "linked", 6);
		mp_nil(b);
	} else
		acm_kstr(b, "linked", 6, linked);
	acm_kstr(b, "account", 7, c->account);
	acm_kstr(b, "credential", 10, c->credential);
	acm_kstr(b, "arn", 3, crow_str(c, c->arn));
	if (c->flags & CROW_GONE) {
		mp_strn(b, "gone", 4);
		mp_bool(b, 1);
	}
	mp_strn(b, "days_left", 9);
	if (c->flags & CROW_HAS_NOT_AFTER) {
		mp_int(b, acm_days_left(c, now));
		if ((t = acm_days_until(c, now)) < *until)
			*until = t;
	} else
		mp_nil(b);
	mp_strn(b, "deployment", 10);
	mp_str(b, c->deployment);
}

/*
 * A part more, in a new (or kept) buffer, as big as the rows after row at
 * of the cache can take in it at the last answer's bytes a row.
 */
static struct mp_buf *
acm_part_open(struct inv_answer *a, size_t at)
{
	size_t	 n, room;

	if (a->nparts == a->aparts) {
		a->parts = xreallocarray(a->parts, a->aparts + 1,
		    sizeof *a->parts);
		a->counts = xreallocarray(a->counts, a->aparts + 1,
		    sizeof *a->counts);
		a->parts[a->aparts++] = mp_buf_new();
	}
	mp_buf_reset(a->parts[a->nparts]);
	(void)inv_cache_rows(&n);
	room = n > at ? (n - at) * acm_row_bytes + 4096 : 4096;
	/* Mapped at once: 26 parts grown a doubling at a time cost more. */
	mp_buf_reserve(a->parts[a->nparts], room < PROTO_PART_BYTES + 16384 ?
	    room : PROTO_PART_BYTES + 16384);
	a->counts[a->nparts] = 0;
	return (a->parts[a->nparts++]);
}

/*
 * Rows after the cursor into the answer's last part, until it is full, the
 * cache ends (1) or ACM_SLICE_ROWS were looked at.  The cache may have
 * moved since the last slice (a discovery's batch, a rebuild): the place
 * is found again by key, so no row goes out twice.
 */
static int
acm_build_slice(struct acm_build *bd)
{
	struct inv_answer	 *a = bd->a;
	struct mp_buf		 *b = a->parts[a->nparts - 1];
	struct inv_crow *const	 *v;
	size_t			  n, at, i;

	v = inv_cache_rows(&n);
	at = inv_cache_after(bd->cur.iam, bd->cur.key);
	for (i = at; i < n && i - at < ACM_SLICE_ROWS &&
	    b->sb.size < PROTO_PART_BYTES; i++) {
		if (!acm_matches(&bd->f, v[i], bd->now))
			continue;
		acm_pack_row(b, v[i], bd->now, &a->until);
		a->counts[a->nparts - 1]++;
	}
	if (i > at)
		inv_cursor_set(&bd->cur, v[i - 1]);
	bd->next = i;
	return (i >= n);
}

/* Packed: the buffers it did not need go, and the bytes a row took. */
static void
acm_answer_end(struct inv_answer *a)
{
	size_t	 i, rows = 0;

	for (i = a->nparts; i < a->aparts; i++)
		mp_buf_free(a->parts[i]);
	a->aparts = a->nparts;
	for (i = 0; i < a->nparts; i++)
		rows += a->counts[i];
	if (rows > 0)
		acm_row_bytes = a->bytes / rows + 1;
}

static void
acm_build_free(struct acm_build *bd)
{
	LIST_REMOVE(bd, entry);
	if (bd->ev != NULL)
		event_free(bd->ev);
	inv_cursor_clear(&bd->cur);
	inv_filter_free(&bd->f);
	free(bd);
}

/*
 * A slice more: a full part goes out (rows the client can print while the
 * next is packed), the last one with the result; the next slice at the
 * loop's next turn, or once the client has read what went ahead.  A
 * client gone meanwhile ends it.
 */
static void
acm_build_step(struct acm_build *bd)
{
	struct inv_answer	*a = bd->a;
	struct mp_buf		*b;
	struct timeval		 wait = { 0, ACM_WAIT_MS * 1000 };
	int			 end;

	if (bd->ctx->client == NULL) {
		acm_answer_free(a);
		cmd_reply_error(bd->ctx, PROTO_EINTERNAL, "the client went");
		acm_build_free(bd);
		return;
	}
	if (bd->ctx->io->queued(bd->ctx) > ACM_AHEAD_PARTS * PROTO_PART_BYTES) {
		event_add(bd->ev, &wait);
		return;
	}
	end = acm_build_slice(bd);
	b = a->parts[a->nparts - 1];
	if (end) {
		a->bytes += b->sb.size;
		acm_answer_end(a);
		cmd_reply_rows_last(bd->ctx, b->sb.data, b->sb.size,
		    a->counts[a->nparts - 1], acm_answer_sent, a);
		acm_build_free(bd);
		return;
	}
	if (b->sb.size >= PROTO_PART_BYTES) {
		a->bytes += b->sb.size;
		cmd_reply_part(bd->ctx, b->sb.data, b->sb.size,
		    a->counts[a->nparts - 1]);
		acm_part_open(a, bd->next);
	}
	event_active(bd->ev, EV_TIMEOUT, 1);
}

static void
acm_build_cb(evutil_socket_t fd, short what, void *arg)
{
	acm_build_step(arg);
}

/* The kept answer again: its parts, then the last with the result. */
static void
acm_answer_send(struct cmd_ctx *ctx, struct inv_answer *a)
{
	size_t	 i;

	for (i = 0; i + 1 < a->nparts; i++)
		cmd_reply_part(ctx, a->parts[i]->sb.data, a->parts[i]->sb.size,
		    a->counts[i]);
	cmd_reply_rows_last(ctx, a->parts[i]->sb.data, a->parts[i]->sb.size,
	    a->counts[i], acm_answer_sent, a);
}

void
inv_list(struct cmd_ctx *ctx, struct inv_filter *f)
{
	struct acm_build	*bd;
	struct inv_answer	*a;
	time_t			 now;
	char			*cause = NULL;
	int			 reusable;

	if (inv_cache_update(&cause) != 0) {
		cmd_reply_error(ctx, PROTO_EINTERNAL, "%s", cause);
		free(cause);
		inv_filter_free(f);
		return;
	}
	now = time(NULL);
	f->ncreds = set_sort(f->creds);
	f->nregions = set_sort(f->regions);
	f->naccounts = set_sort(f->accounts);
	reusable = f->creds == NULL && f->regions == NULL && f->type == NULL &&
	    f->accounts == NULL &&
	    f->status == NULL && f->domain == NULL && !f->has_expiring;
	if ((a = acm_spare) != NULL)
		acm_spare = NULL;
	else
		a = xcalloc(1, sizeof *a);
	if (reusable && a->reusable && a->all == f->all && a->nparts > 0 &&
	    a->epoch == inv_cache_epoch() && now >= a->from && now < a->until) {
		inv_filter_free(f);
		acm_answer_send(ctx, a);
		return;
	}
	a->reusable = reusable;
	a->all = f->all;
	/* Rows packed after the cache moves leave it stale: never kept. */
	a->epoch = inv_cache_epoch();
	a->from = now;
	a->until = now + 86400;
	a->nparts = a->bytes = 0;
	acm_part_open(a, 0);
	bd = xcalloc(1, sizeof *bd);
	bd->ctx = ctx;
	bd->f = *f;
	memset(f, 0, sizeof *f);
	bd->a = a;
	bd->now = now;
	LIST_INSERT_HEAD(&acm_builds, bd, entry);
	if ((bd->ev = event_new(acmd.base, -1, 0, acm_build_cb, bd)) == NULL)
		fatalx("acm list: cannot make an event");
	acm_build_step(bd);
}

void
inv_list_shutdown(void)
{
	struct acm_build	*bd;

	while ((bd = LIST_FIRST(&acm_builds)) != NULL) {
		acm_answer_free(bd->a);
		cmd_reply_error(bd->ctx, PROTO_EINTERNAL, "acmd is stopping");
		acm_build_free(bd);
	}
	if (acm_spare != NULL) {
		acm_answer_free(acm_spare);
		acm_spare = NULL;
	}
}

void
inv_filter_free(struct inv_filter *f)
{
	mp_strv_free(f->creds);
	mp_strv_free(f->regions);
	mp_strv_free(f->accounts);
	free(f->type);
	free(f->status);
	free(f->domain);
}
