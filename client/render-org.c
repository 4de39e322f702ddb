/*
 * What acmctl shows of organizations: credential test ORG, the accounts
 * discover could not reach, and status's organizations.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <msgpack.h>

#include "acmctl.h"
#include "mp.h"

/* Each unreachable account on a line of its own, in red: why (and, for
 * one the organization no longer has active, that it is marked gone). */
static void
render_unreachable_rows(const msgpack_object *v, FILE *f)
{
	const msgpack_object	*row;
	char			*cred, *acct, *name, *err, *gone;
	uint32_t		 i;

	for (i = 0; i < v->via.array.size; i++) {
		row = &v->via.array.ptr[i];
		cred = mp_obj_str(mp_map_get(row, "credential"));
		acct = mp_obj_str(mp_map_get(row, "account"));
		name = mp_obj_str(mp_map_get(row, "name"));
		err = mp_obj_str(mp_map_get(row, "error"));
		gone = mp_obj_str(mp_map_get(row, "gone"));
		fprintf(f, "  %s%s%s%s %s%s%s%s: %s%s%s%s%s\n", ctl_color ?
		    RED : "", cred ? cred : "", cred ? " " : "", acct ? acct :
		    "?", name && *name ? "(" : "", name ? name : "", name &&
		    *name ? ")" : "", "", err ? err : "?", gone ? " -- marked "
		    "gone: " : "", gone ? gone : "", "", ctl_color ? RESET :
		    "");
		free(cred);
		free(acct);
		free(name);
		free(err);
		free(gone);
	}
}

/* discover's answer, then the accounts it could not reach. */
void
render_discover_org(const msgpack_object *o, FILE *f)
{
	const msgpack_object	*v;

	render_discover(o, f);

	if ((v = mp_map_get(o, "unreachable_accounts")) == NULL ||
	    v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size == 0)
		return;
	fprintf(f, "\naccounts whose role could not be assumed (the others "
	    "were discovered):\n");
	render_unreachable_rows(v, f);
}

/* status, then each organization's accounts and the unreachable. */
void
render_status_org(const msgpack_object *o, FILE *f)
{
	const msgpack_object	*v, *row, *bad;
	char			*cred, *role;
	uint64_t		 active, gone, excluded;
	uint32_t		 i;

	render_status(o, f);
	if ((v = mp_map_get(o, "organizations")) == NULL ||
	    v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size == 0)
		return;
	fputc('\n', f);
	for (i = 0; i < v->via.array.size; i++) {
		char	*dummy = NULL;

		row = &v->via.array.ptr[i];
		active = gone = excluded = 0;
		mp_get_uint(row, "active", &active, &dummy);
		mp_get_uint(row, "gone", &gone, &dummy);
		mp_get_uint(row, "excluded", &excluded, &dummy);
		free(dummy);
		cred = mp_obj_str(mp_map_get(row, "credential"));
		role = mp_obj_str(mp_map_get(row, "role_name"));
		bad = mp_map_get(row, "unreachable");
		fprintf(f, "organization %s (role %s): %" PRIu64 " accounts "
		    "active, %" PRIu64 " gone, %" PRIu64 " excluded, %u "
		    "unreachable\n", cred ? cred : "?", role ? role : "?",
		    active, gone, excluded, bad != NULL && bad->type ==
		    MSGPACK_OBJECT_ARRAY ? bad->via.array.size : 0);
		if (bad != NULL && bad->type == MSGPACK_OBJECT_ARRAY)
			render_unreachable_rows(bad, f);
		free(cred);
		free(role);
	}
}

/* credential test: an organization's answer has its accounts. */
void
render_credential_test(const msgpack_object *o, FILE *f)
{
	static const char *const cols[] = { "account", "name", "status",
	    "state", "assumed", "error", NULL };
	const msgpack_object	*accts;
	char			*org, *mgmt, *acct, *arn, *role;

	if ((accts = mp_map_get(o, "accounts")) == NULL ||
	    accts->type != MSGPACK_OBJECT_ARRAY) {
		render_generic(o, f);
		return;
	}
	org = mp_obj_str(mp_map_get(o, "organization"));
	mgmt = mp_obj_str(mp_map_get(o, "management_account"));
	acct = mp_obj_str(mp_map_get(o, "account"));
	arn = mp_obj_str(mp_map_get(o, "arn"));
	role = mp_obj_str(mp_map_get(o, "role_name"));
	fprintf(f, "organization %s, management account %s\n", org ? org : "?",
	    mgmt ? mgmt : "?");
	fprintf(f, "keys of      %s (%s)\n", acct ? acct : "?", arn ? arn : "?");
	fprintf(f, "role         %s, in each of %u accounts listed\n\n",
	    role ? role : "?", accts->via.array.size);
	render_table(accts, cols, f);
	free(org);
	free(mgmt);
	free(acct);
	free(arn);
	free(role);
}
