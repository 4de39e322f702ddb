/*
 * Discovery's answer: the summary of a run, unit by unit, and what
 * failed, named with AWS's error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "acmd.h"
#include "aws/aws.h"
#include "discovery-int.h"
#include "rec.h"
#include "sched.h"
#include "util.h"
#include "xmalloc.h"

json_t *
disc_summary(struct disc_run *run)
{
	json_t		*out, *units = json_array(), *u;
	uint64_t	 found = 0, new = 0, changed = 0, gone = 0, errors = 0;
	uint64_t	 unchanged = 0;
	size_t		 i;

	for (i = 0; i < run->nunits; i++) {
		struct disc_region *r = run->units[i];

		u = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}",
		    "credential", r->cred_name, "account", r->account,
		    "region", r->iam ? "IAM" : r->region,
		    "found", (json_int_t)r->found, "new", (json_int_t)r->new,
		    "changed", (json_int_t)r->changed,
		    "gone", (json_int_t)r->gone,
		    "errors", (json_int_t)r->errors);
		json_object_set_new(u, "error", r->error != NULL ?
		    json_string(r->error) : json_null());
		json_array_append_new(units, u);
		found += r->found;
		new += r->new;
		changed += r->changed;
		gone += r->gone;
		errors += r->errors;
		unchanged += r->unchanged;
	}
	errors += json_array_size(run->cred_errors);
	out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "duration_ms", (json_int_t)(now_ms() - run->started_ms),
	    "found", (json_int_t)found, "new", (json_int_t)new,
	    "changed", (json_int_t)changed, "gone", (json_int_t)gone,
	    "errors", (json_int_t)errors,
	    "aws_calls", (json_int_t)(aws_get_stats()->calls -
	    run->calls_before));
	json_object_set_new(out, "full", json_boolean(run->full));
	json_object_set_new(out, "unchanged", json_integer(unchanged));
	json_object_set_new(out, "regions", units);
	json_object_set(out, "credential_errors", run->cred_errors);
	/* Organizations' accounts whose role could not be assumed. */
	json_object_set(out, "unreachable_accounts", run->unreachable);
	return (out);
}

/*
 * What failed, every unit and credential named with its first error
 * ("eu-west-1 (ListCertificates: NetworkError: ...); ..."), or NULL when
 * nothing did; *network: every failure was AWS not being reached.
 */
static char *
disc_failures(struct disc_run *run, size_t *nfailed, int *network)
{
	struct disc_region	*r;
	json_t			*e;
	char			*list = NULL, *next;
	size_t			 i;

	*nfailed = 0;
	*network = 1;
	for (i = 0; i < run->nunits; i++) {
		if ((r = run->units[i])->error == NULL)
			continue;
		(*nfailed)++;
		*network = *network && r->network;
		xasprintf(&next, "%s%s%s%s (%s)", list ? list : "", list ?
		    "; " : "", r->iam ? "IAM " : "", r->iam ? r->account :
		    r->region, r->error);
		free(list);
		list = next;
	}
	json_array_foreach(run->cred_errors, i, e) {
		(*nfailed)++;
		*network = *network && rec_bool(e, "network");
		xasprintf(&next, "%s%scredential %s (%s)", list ? list : "",
		    list ? "; " : "", rec_str(e, "credential"), rec_str(e,
		    "error"));
		free(list);
		list = next;
	}
	return (list);
}

/*
 * The answer: the summary, ok when nothing failed; else an error (EAWS,
 * or ENETWORK when AWS could not be reached at all) naming what failed,
 * with the summary, as a deploy to several regions answers.
 */
int
disc_answer(struct disc_run *run, json_t *summary, const char *line)
{
	size_t	 nfailed, total;
	int	 network;
	char	*list;

	if ((list = disc_failures(run, &nfailed, &network)) == NULL) {
		op_ok(&run->reply, summary);
		if (run->job != NULL)
			job_done(run->job, 1, line);
		return (1);
	}
	total = run->nunits + json_array_size(run->cred_errors);
	op_fail_data(&run->reply, network ? PROTO_ENETWORK : PROTO_EAWS,
	    summary, "discovery failed in %zu of %zu %s: %s", nfailed, total,
	    run->nunits == 0 ? "credentials" : json_array_size(
	    run->cred_errors) == 0 ? "regions" : "regions and credentials",
	    list);
	if (run->job != NULL)
		job_done(run->job, 0, list);
	free(list);
	return (0);
}

