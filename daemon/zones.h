/*
 * Route 53 hosted zones: every zone of an account (ListHostedZonesByName,
 * page by page), and a zone named by its id or by its name.
 */
#ifndef ACMD_ZONES_H
#define ACMD_ZONES_H

#include <jansson.h>

struct aws_cred;

/* At most this many pages of 100 zones are listed. */
#define ZONES_MAX_PAGES	100

/*
 * zones: an array of {id ("Z123"), name ("example.com.", lower case),
 * private (bool)}, taken over; NULL with error (AWS's code and message,
 * or why it is not there) when it failed.  code is an AWS error code, or
 * NULL when the answer was not AWS's refusal.
 */
typedef void (*zones_cb)(json_t *, const char *, const char *, void *);

/* Every hosted zone the credential sees. */
void	 zones_list(struct aws_cred *, zones_cb, void *);
/*
 * The one zone that zone names: an id ("Z123" or "/hostedzone/Z123") or
 * a name ("example.com", with or without the final dot).  The answer is
 * an array of that one zone; a name that no zone or several zones have
 * (a public and a private one, say) is an error naming their ids.
 */
void	 zones_resolve(struct aws_cred *, const char *, zones_cb, void *);
/* Whether s has the shape of a zone id. */
int	 zones_is_id(const char *);
/* The zone of zones that holds record name: the longest match, public. */
const json_t *zones_for_name(const json_t *, const char *);

#endif
