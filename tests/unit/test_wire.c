/*
 * The wire contract holds both binaries to one declaration (proto.h): every
 * command of acmd's table and of acmctl's is declared, every option of
 * acmctl becomes a declared argument of the right type, and every declared
 * argument can be given from acmctl.  Fails when the tables drift.
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acmctl.h"
#include "acmd.h"
#include "cmd.h"
#include "proto.h"

struct acmd	acmd;	/* main.c's, which the daemon's code refers to */

/*
 * Arguments acmctl's prepare functions add, not options: the secret (and
 * a session token) read from standard input, the passphrase asked for on
 * the terminal, the confirmation asked for on it.
 */
static const struct {
	const char	*cmd;
	const char	*key;
} prepared[] = {
	{ PROTO_CMD_CREDENTIAL_ADD, PROTO_A_SECRET },
	{ PROTO_CMD_CREDENTIAL_ADD, PROTO_A_SESSION_TOKEN },
	{ PROTO_CMD_CERT_ADD, PROTO_A_PASSPHRASE },
	{ PROTO_CMD_CERT_RENEW, PROTO_A_PASSPHRASE },
	{ NULL, NULL }
};

static const struct ctl_cmd *
client_cmd(const char *wire)
{
	const struct ctl_cmd	*c;

	for (c = ctl_cmds; c->name != NULL; c++) {
		if (strcmp(c->cmd, wire) == 0)
			return (c);
	}
	return (NULL);
}

static const char *
opt_key(const struct ctl_opt *o)
{
	return (o->key != NULL ? o->key : o->name);
}

/* Positional i of "NAME [VERSION]" as a wire key ("name"), or NULL. */
static int
positional(const char *spec, int i, char *out, size_t len)
{
	const char	*p = spec;
	size_t		 n;
	int		 k = 0;

	while (*p != '\0') {
		p += strspn(p, " [");
		n = strcspn(p, " ].");
		if (n == 0)
			break;
		if (k++ == i) {
			if (n >= len)
				n = len - 1;
			for (size_t j = 0; j < n; j++)
				out[j] = (char)tolower((unsigned char)p[j]);
			out[n] = '\0';
			return (1);
		}
		p += n;
		p += strspn(p, "].");
	}
	return (0);
}

static int
type_fits(enum opt_type ot, enum proto_type pt)
{
	switch (ot) {
	case OPT_FLAG:
		return (pt == PROTO_T_BOOL);
	case OPT_STR:
	case OPT_FILE:
		return (pt == PROTO_T_STR);
	case OPT_LIST:
		return (pt == PROTO_T_STRV);
	case OPT_UINT:
		return (pt == PROTO_T_UINT);
	case OPT_LOCAL:
	case OPT_LOCAL_FLAG:
		return (0);
	}
	return (0);
}

/* Every command of either table is declared, and the tables match. */
static void
test_commands_declared(void **state)
{
	const struct ctl_cmd	*c;
	const struct proto_cmd	*pc;
	size_t			 i;

	(void)state;
	for (c = ctl_cmds; c->name != NULL; c++) {
		if (proto_cmd_find(c->cmd) == NULL)
			fail_msg("acmctl %s sends '%s', which proto.h does not "
			    "declare", c->name, c->cmd);
	}
	for (i = 0; cmd_table[i] != NULL; i++) {
		if (proto_cmd_find(cmd_table[i]->name) == NULL)
			fail_msg("acmd's command '%s' is not declared in proto.h",
			    cmd_table[i]->name);
	}
	for (pc = proto_cmds; pc->name != NULL; pc++) {
		if (cmd_find(pc->name) == NULL)
			fail_msg("'%s' is declared but acmd has no such command",
			    pc->name);
		if (client_cmd(pc->name) == NULL)
			fail_msg("'%s' is declared but acmctl cannot send it",
			    pc->name);
	}
}

/* Every option and positional of acmctl is a declared argument. */
static void
test_options_declared(void **state)
{
	const struct ctl_cmd	*c;
	const struct ctl_opt	*o;
	const struct proto_cmd	*pc;
	const struct proto_arg	*a;
	char			 key[64];
	int			 i;

	(void)state;
	for (c = ctl_cmds; c->name != NULL; c++) {
		assert_non_null(pc = proto_cmd_find(c->cmd));
		for (o = c->opts; o->name != NULL; o++) {
			if (o->type == OPT_LOCAL || o->type == OPT_LOCAL_FLAG) {
				if (proto_arg_find(pc, opt_key(o)) != NULL)
					fail_msg("acmctl %s --%s is acmctl's own "
					    "but the wire has '%s' too", c->name,
					    o->name, opt_key(o));
				continue;
			}
			if ((a = proto_arg_find(pc, opt_key(o))) == NULL)
				fail_msg("acmctl %s --%s sends '%s', which '%s' "
				    "does not take", c->name, o->name,
				    opt_key(o), c->cmd);
			if (!type_fits(o->type, a->type))
				fail_msg("acmctl %s --%s: '%s' is declared %s",
				    c->name, o->name, a->key,
				    proto_type_name(a->type));
		}
		for (i = 0; positional(c->args, i, key, sizeof key); i++) {
			if ((a = proto_arg_find(pc, key)) == NULL)
				fail_msg("acmctl %s: positional %s is not an "
				    "argument of '%s'", c->name, key, c->cmd);
			if (a->type != PROTO_T_STR && a->type != PROTO_T_STRV)
				fail_msg("acmctl %s: positional %s is declared "
				    "%s", c->name, key, proto_type_name(a->type));
		}
	}
}

/* Every declared argument can be given from acmctl. */
static void
test_arguments_reachable(void **state)
{
	const struct proto_cmd	*pc;
	const struct proto_arg	*a;
	const struct ctl_cmd	*c;
	const struct ctl_opt	*o;
	char			 key[64];
	int			 i, found;

	(void)state;
	for (pc = proto_cmds; pc->name != NULL; pc++) {
		assert_non_null(c = client_cmd(pc->name));
		for (a = pc->args; a->key != NULL; a++) {
			found = 0;
			for (o = c->opts; o->name != NULL; o++)
				if (o->type != OPT_LOCAL &&
				    strcmp(opt_key(o), a->key) == 0)
					found = 1;
			for (i = 0; positional(c->args, i, key, sizeof key);
			    i++)
				if (strcmp(key, a->key) == 0)
					found = 1;
			for (i = 0; prepared[i].cmd != NULL; i++)
				if (strcmp(prepared[i].cmd, pc->name) == 0 &&
				    strcmp(prepared[i].key, a->key) == 0)
					found = 1;
			if (!found)
				fail_msg("'%s' takes '%s', which acmctl %s cannot "
				    "give", pc->name, a->key, c->name);
		}
	}
}

/* Declarations are sane: bounds where they are needed, no duplicates. */
static void
test_declarations_bounded(void **state)
{
	const struct proto_cmd	*pc, *pd;
	const struct proto_arg	*a, *b;

	(void)state;
	for (pc = proto_cmds; pc->name != NULL; pc++) {
		for (pd = pc + 1; pd->name != NULL; pd++)
			if (strcmp(pc->name, pd->name) == 0)
				fail_msg("'%s' is declared twice", pc->name);
		for (a = pc->args; a->key != NULL; a++) {
			if ((a->type == PROTO_T_STR || a->type == PROTO_T_STRV) &&
			    (a->max_len == 0 || a->max_len > PROTO_MAX_FRAME))
				fail_msg("%s %s: no sane length bound", pc->name,
				    a->key);
			if (a->type == PROTO_T_STRV && a->max_items == 0)
				fail_msg("%s %s: no bound on items", pc->name,
				    a->key);
			for (b = a + 1; b->key != NULL; b++)
				if (strcmp(a->key, b->key) == 0)
					fail_msg("%s %s: declared twice",
					    pc->name, a->key);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_commands_declared),
		cmocka_unit_test(test_options_declared),
		cmocka_unit_test(test_arguments_reachable),
		cmocka_unit_test(test_declarations_bounded),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
