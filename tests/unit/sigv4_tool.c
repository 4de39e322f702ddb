/*
 * sigv4_tool: sign requests read from stdin, for the differential test
 * against botocore (sigv4_diff.py).
 *
 * One request a line, fields separated by tabs, every field hex-encoded
 * except where noted ("-" is NULL for query and token):
 *
 *	method path query body access-key secret-key token region service
 *	time(decimal) flags(decimal) [header-name header-value]...
 *
 * One line out for each: "OK<tab>x-amz-date<tab>token<tab>content-sha256
 * <tab>authorization" (absent values as "-") or "ERROR<tab>cause".
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xmalloc.h"
#include "sigv4.h"

#define TOOL_FIXED	11

static int
tool_unhex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode a hex field; the result is NUL-terminated. NULL for "-". */
static char *
tool_field(const char *s, size_t *lenp, int *error)
{
	char	*out;
	size_t	 len, i;
	int	 hi, lo;

	if (strcmp(s, "-") == 0) {
		if (lenp != NULL)
			*lenp = 0;
		return (NULL);
	}
	len = strlen(s);
	if (len % 2 != 0) {
		*error = 1;
		return (NULL);
	}
	out = xmalloc(len / 2 + 1);
	for (i = 0; i < len / 2; i++) {
		hi = tool_unhex((unsigned char)s[i * 2]);
		lo = tool_unhex((unsigned char)s[i * 2 + 1]);
		if (hi < 0 || lo < 0) {
			*error = 1;
			free(out);
			return (NULL);
		}
		out[i] = (char)(hi << 4 | lo);
	}
	out[len / 2] = '\0';
	if (lenp != NULL)
		*lenp = len / 2;
	return (out);
}

static void
tool_line(char *line)
{
	struct sigv4_request	 req;
	struct sigv4_creds	 creds;
	struct sigv4_result	 res;
	struct sigv4_header	*hdrs = NULL;
	char			**fields = NULL, *cp, *cause = NULL;
	char			*f[TOOL_FIXED];
	size_t			 nfields = 0, i, nhdrs, bodylen = 0;
	int			 error = 0;

	while ((cp = strsep(&line, "\t")) != NULL) {
		fields = xreallocarray(fields, nfields + 1, sizeof *fields);
		fields[nfields++] = cp;
	}
	if (nfields < TOOL_FIXED || (nfields - TOOL_FIXED) % 2 != 0) {
		printf("ERROR\tbad input line\n");
		free(fields);
		return;
	}

	memset(f, 0, sizeof f);
	for (i = 0; i < TOOL_FIXED - 2; i++)
		f[i] = tool_field(fields[i], i == 3 ? &bodylen : NULL, &error);
	nhdrs = (nfields - TOOL_FIXED) / 2;
	hdrs = xcalloc(nhdrs == 0 ? 1 : nhdrs, sizeof *hdrs);
	for (i = 0; i < nhdrs; i++) {
		hdrs[i].name = tool_field(fields[TOOL_FIXED + i * 2], NULL,
		    &error);
		hdrs[i].value = tool_field(fields[TOOL_FIXED + i * 2 + 1],
		    NULL, &error);
	}
	if (error) {
		printf("ERROR\tbad hex\n");
		goto out;
	}

	memset(&req, 0, sizeof req);
	req.method = f[0];
	req.path = f[1];
	req.query = f[2];
	req.body = f[3];
	req.bodylen = bodylen;
	req.headers = hdrs;
	req.nheaders = nhdrs;
	req.flags = (int)strtol(fields[10], NULL, 10);
	creds.access_key = f[4];
	creds.secret_key = f[5];
	creds.session_token = f[6];

	if (sigv4_sign(&req, &creds, f[7], f[8],
	    (time_t)strtoll(fields[9], NULL, 10), &res, &cause) != 0) {
		printf("ERROR\t%s\n", cause);
		free(cause);
		goto out;
	}
	printf("OK\t%s\t%s\t%s\t%s\n", res.amz_date,
	    res.security_token == NULL ? "-" : res.security_token,
	    res.content_sha256 == NULL ? "-" : res.content_sha256,
	    res.authorization);
	sigv4_result_clear(&res);

out:
	for (i = 0; i < TOOL_FIXED; i++)
		free(f[i]);
	for (i = 0; i < nhdrs; i++) {
		free((char *)hdrs[i].name);
		free((char *)hdrs[i].value);
	}
	free(hdrs);
	free(fields);
}

int
main(void)
{
	char	*line = NULL;
	size_t	 size = 0;
	ssize_t	 len;

	while ((len = getline(&line, &size, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = '\0';
		tool_line(line);
		fflush(stdout);
	}
	free(line);
	return (0);
}
