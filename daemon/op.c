#include <stdarg.h>
#include <stdlib.h>

#include "op.h"
#include "xmalloc.h"

void
op_progress(const struct op_reply *r, uint64_t done, uint64_t total,
    const char *what)
{
	if (r->progress != NULL)
		r->progress(r->arg, done, total, what);
}

void
op_ok(const struct op_reply *r, json_t *result)
{
	if (r->done != NULL)
		r->done(r->arg, result, NULL);
	else
		json_decref(result);
}

static void
op_end(const struct op_reply *r, struct op_error *e, const char *fmt,
    va_list ap)
{
	char	*msg;

	xvasprintf(&msg, fmt, ap);
	e->message = msg;
	if (r->done != NULL)
		r->done(r->arg, NULL, e);
	json_decref(e->data);
	free(msg);
}

void
op_fail(const struct op_reply *r, enum proto_error code, const char *fmt, ...)
{
	struct op_error	 e = { .code = code };
	va_list		 ap;

	va_start(ap, fmt);
	op_end(r, &e, fmt, ap);
	va_end(ap);
}

void
op_fail_arg(const struct op_reply *r, const char *arg, const char *fmt, ...)
{
	struct op_error	 e = { .code = PROTO_EINVAL_ARG, .arg = arg };
	va_list		 ap;

	va_start(ap, fmt);
	op_end(r, &e, fmt, ap);
	va_end(ap);
}

void
op_fail_data(const struct op_reply *r, enum proto_error code, json_t *data,
    const char *fmt, ...)
{
	struct op_error	 e = { .code = code, .data = data };
	va_list		 ap;

	va_start(ap, fmt);
	op_end(r, &e, fmt, ap);
	va_end(ap);
}

void
op_fail_aws(const struct op_reply *r, const struct aws_error *ae,
    const char *message)
{
	struct op_error	 e = { .code = PROTO_EAWS, .aws_code = ae->code };
	char		*msg;

	if (ae->network) {
		e.code = PROTO_ENETWORK;
		e.aws_code = NULL;
	}
	xasprintf(&msg, "%s: %s", ae->code, message != NULL ? message :
	    ae->message);
	e.message = msg;
	if (r->done != NULL)
		r->done(r->arg, NULL, &e);
	free(msg);
}
