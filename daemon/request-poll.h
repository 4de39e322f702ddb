/*
 * The request poller's insides, shared by requests.c (the poll),
 * challenge.c (Route 53), request-rec.c (records) and requests-list.c: one req_poll per look at a
 * request, which ends by writing the record and answering who asked.
 */
#ifndef ACMD_REQUEST_POLL_H
#define ACMD_REQUEST_POLL_H

#include <jansson.h>

#include "op.h"

#define REQ_POLL_MIN	5	/* seconds between polls, at first */
#define REQ_POLL_MAX	1800	/* ... growing to this */

struct aws_cred;

struct req_poll {
	char		*id;
	json_t		*rec;
	struct aws_cred	*cred;
	struct op_reply	 reply;		/* request sync: answer when done */
	int		 pending;
	int		 force;		/* a person asked: no back-off */
	int		 challenge_cmd;	/* deploy-challenge: fail if it did */
	int		 challenge_failed; /* Route 53 failed in this poll */
	/* A step (the Route 53 challenge's) is done: req_poll_done. */
	void		(*step_done)(struct req_poll *);
};

#define REQ_SEND	0x1	/* RequestCertificate (with the stored token) */
#define REQ_FORCE	0x2	/* a person asked: no back-off */
#define REQ_CHALLENGE	0x4	/* deploy-challenge: a failure is an error */

/* Start a poll of one request (rec taken over); reply when done. */
int	 req_poll_start(json_t *, struct op_reply, int, char **);
/* One step of the poll is done: the last one writes and answers. */
void	 req_poll_done(struct req_poll *);
void	 req_set_status(json_t *, const char *);
/* Issued, Failed or Validation Timed Out. */
int	 req_final(const json_t *);
/*
 * An Issued request --with-key whose key is not known to be stored: due
 * for a look at its version (and an export) when it has not given up and
 * its next_retry has come, or when forced (request sync).
 */
int	 req_key_due(const json_t *, int);
/* A request as shown (without its token and challenge). */
json_t	*req_view(const json_t *);
/* request-rec.c: the record, or NULL with *cause set on a store error. */
json_t	*req_get(const char *, char **);
/* The request id, or NULL after failing reply (ENOTFOUND, EINTERNAL). */
json_t	*req_find(const char *, const struct op_reply *);
/*
 * challenge.c: write the records into Route 53 (Deploy Challenge); each
 * step it starts ends in p->step_done.
 */
void	 req_challenge(struct req_poll *);

#endif
