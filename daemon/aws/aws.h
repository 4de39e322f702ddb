/*
 * The AWS engine: every call acmd makes to AWS goes through here.  A
 * call is built for its protocol (JSON 1.1, query, REST-XML), waits for
 * its rate-limit slot, is signed (SigV4) and sent on the event loop, and
 * is retried as the SDKs' standard mode does.  The callback gets exactly
 * one result; the result and everything in it are freed after it returns.
 */
#ifndef ACMD_AWS_H
#define ACMD_AWS_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "awserr.h"
#include "sigv4.h"
#include "xml.h"

struct event_base;
struct http_engine;
struct config;

struct aws_service {
	const char		*env;		/* AWS_ENDPOINT_URL_<env> */
	const char		*signing_name;
	const char		*host_prefix;
	enum aws_protocol	 proto;
	const char		*target_prefix;	/* JSON: X-Amz-Target */
	const char		*api_version;	/* query: Version= */
	int			 global;	/* one endpoint, us-east-1 */
};

extern const struct aws_service aws_svc_acm;
extern const struct aws_service aws_svc_pca;
extern const struct aws_service aws_svc_iam;
extern const struct aws_service aws_svc_route53;
extern const struct aws_service aws_svc_sts;

struct aws_call;
struct aws_cred;

struct aws_result {
	int			 ok;
	long			 status;
	json_t			*json;	/* JSON protocol answers */
	struct xml_node		*xml;	/* query and REST-XML answers */
	struct aws_error	 err;	/* when !ok */
	unsigned		 attempts;
	/*
	 * Attempts AWS may have carried out: answered 2xx (a body lost on
	 * the way included), or timed out after the request went out.
	 */
	unsigned		 reached;
	const char		*region;
	const char		*op;
};

typedef void (*aws_cb)(struct aws_result *, void *);

/*
 * A credential: static keys, or a role assumed through another credential.
 * Reference counted; calls hold a reference while they live.
 */
struct aws_cred {
	char			*name;
	char			*account;	/* NULL until known */
	char			*access_key;
	char			*secret_key;
	char			*session_token;
	time_t			 expires;	/* 0: never */
	char			*role_arn;	/* assume this role ... */
	char			*external_id;
	struct aws_cred		*base;		/* ... with these keys */
	int			 refreshing;
	unsigned		 generation;	/* keys assumed so far */
	char			*refresh_error;
	TAILQ_HEAD(, aws_call)	 waiting;
	int			 refs;
};

struct aws_stats {
	uint64_t	 calls;		/* calls completed */
	uint64_t	 attempts;	/* HTTP attempts sent */
	uint64_t	 retries;
	uint64_t	 throttled;	/* throttling answers seen */
	uint64_t	 failed;	/* calls that ended in an error */
	uint64_t	 in_flight;
};

void	 aws_init(struct event_base *, const struct config *);
void	 aws_configure(const struct config *);
void	 aws_shutdown(void);
const struct aws_stats *aws_get_stats(void);
/* The engine's HTTP engine (webhooks and mail share it); NULL after
 * aws_shutdown. */
struct http_engine *aws_http(void);

struct aws_cred	*aws_cred_new(const char *, const char *, const char *,
		     const char *);
struct aws_cred	*aws_cred_assume(const char *, struct aws_cred *, const char *,
		     const char *);
void		 aws_cred_ref(struct aws_cred *);
void		 aws_cred_unref(struct aws_cred *);

/* JSON 1.1: body is taken over (NULL: {}). */
struct aws_call	*aws_json(struct aws_cred *, const struct aws_service *,
		     const char *, const char *, json_t *, aws_cb, void *);
/* Query: Action, Version and the parameters (not encoded). */
struct aws_call	*aws_query(struct aws_cred *, const struct aws_service *,
		     const char *, const char *, const struct sigv4_param *,
		     size_t, aws_cb, void *);
/* REST-XML: op names the operation for limits and logs. */
struct aws_call	*aws_rest(struct aws_cred *, const struct aws_service *,
		     const char *, const char *, const char *, const char *,
		     const char *, aws_cb, void *);
/* No callback after this. */
void		 aws_cancel(struct aws_call *);

#endif
