#include <string.h>

#include "proto.h"

static const struct {
	const char	*code;
	const char	*text;
} proto_errors[PROTO_NERRORS] = {
	[PROTO_OK] = { "OK", "success" },
	[PROTO_EINVAL_ARG] = { "EINVAL_ARG", "invalid argument" },
	[PROTO_ENOTFOUND] = { "ENOTFOUND", "not found" },
	[PROTO_EEXIST] = { "EEXIST", "already exists" },
	[PROTO_EDENIED] = { "EDENIED", "permission denied" },
	[PROTO_EAWS] = { "EAWS", "AWS error" },
	[PROTO_EUNKNOWN_CMD] = { "EUNKNOWN_CMD", "unknown command" },
	[PROTO_EVERSION] = { "EVERSION", "protocol version mismatch" },
	[PROTO_EPROTO] = { "EPROTO", "protocol error" },
	[PROTO_ESTATE] = { "ESTATE", "not possible in this state" },
	[PROTO_EBUSY] = { "EBUSY", "busy" },
	[PROTO_EINTERNAL] = { "EINTERNAL", "internal error" },
	[PROTO_EUNSUPPORTED] = { "EUNSUPPORTED", "not supported" },
	[PROTO_ENETWORK] = { "ENETWORK", "network error" },
};

const char *
proto_error_string(enum proto_error e)
{
	if ((unsigned)e >= PROTO_NERRORS)
		return ("EINTERNAL");
	return (proto_errors[e].code);
}

const char *
proto_error_text(enum proto_error e)
{
	if ((unsigned)e >= PROTO_NERRORS)
		return ("internal error");
	return (proto_errors[e].text);
}

int
proto_error_from_string(const char *s)
{
	int	 i;

	for (i = 0; i < PROTO_NERRORS; i++) {
		if (strcmp(proto_errors[i].code, s) == 0)
			return (i);
	}
	return (-1);
}
