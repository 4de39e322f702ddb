/*
 * The inventory's record of a certificate ACM described (DescribeCertificate,
 * its PEM and tags), in the inventory's spelling (inventory.h).
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "discovery-int.h"
#include "log.h"
#include "pem.h"
#include "rec.h"
#include "xmalloc.h"

/*
 * ACM answers "RSA-2048", "EC-prime256v1" where its API's enum (and what
 * acmd reads from certificates) says RSA_2048: one spelling, the enum's.
 */
static json_t *
key_algorithm(const char *alg)
{
	json_t	*v;
	char	*s, *p;

	if (alg == NULL)
		return (NULL);
	s = xstrdup(alg);
	for (p = s; *p != '\0'; p++) {
		if (*p == '-')
			*p = '_';
	}
	v = json_string(s);
	free(s);
	return (v);
}

static const char *
type_name(const char *acm_type)
{
	if (acm_type == NULL)
		return ("Unknown");
	if (strcmp(acm_type, "AMAZON_ISSUED") == 0)
		return ("Amazon Issued");
	if (strcmp(acm_type, "PRIVATE") == 0)
		return ("Private");
	if (strcmp(acm_type, "IMPORTED") == 0)
		return ("Imported");
	return (acm_type);
}

static json_t *
epoch(json_t *v)
{
	if (json_is_number(v))
		return (json_integer((json_int_t)json_number_value(v)));
	return (NULL);
}

static void
set_if(json_t *o, const char *k, json_t *v)
{
	if (v != NULL)
		json_object_set_new(o, k, v);
}

/* ACM's tags as a map, or the ones known before when they were not read. */
static json_t *
disc_tags(const struct disc_cert *c)
{
	json_t	*tags, *tl, *tg;
	size_t	 i;

	if (c->tags == NULL)
		return (json_incref(json_object_get(c->old, "tags")));
	tags = json_object();
	tl = json_object_get(c->tags, "Tags");
	json_array_foreach(tl, i, tg) {
		if (rec_str(tg, "Key") != NULL)
			json_object_set_new(tags, rec_str(tg, "Key"),
			    json_string(rec_str(tg, "Value") ? rec_str(tg,
			    "Value") : ""));
	}
	return (tags);
}

/* The inventory's record of a certificate ACM described. */
json_t *
disc_cert_record(const struct disc_cert *c)
{
	struct disc_region	*r = c->r;
	json_t			*d = c->desc, *rec, *v;
	struct pem_certinfo	*ci = NULL;
	char			*cause = NULL;

	rec = json_object();
	json_object_set_new(rec, "account", json_string(r->account));
	json_object_set_new(rec, "region", json_string(r->region));
	json_object_set_new(rec, "arn", json_string(c->arn));
	json_object_set_new(rec, "credential", json_string(r->cred_name));
	json_object_set_new(rec, "type", json_string(type_name(rec_str(d,
	    "Type"))));
	json_object_set_new(rec, "status", json_string(rec_str(d, "Status") ?
	    rec_str(d, "Status") : "UNKNOWN"));
	json_object_set_new(rec, "domain", json_string(rec_str(d,
	    "DomainName") ? rec_str(d, "DomainName") : ""));
	v = json_object_get(d, "SubjectAlternativeNames");
	json_object_set(rec, "sans", json_is_array(v) ? v : json_array());
	set_if(rec, "key_algorithm", key_algorithm(rec_str(d,
	    "KeyAlgorithm")));
	set_if(rec, "serial", json_incref(json_object_get(d, "Serial")));
	set_if(rec, "renewal_eligibility", json_incref(json_object_get(d,
	    "RenewalEligibility")));
	set_if(rec, "not_before", epoch(json_object_get(d, "NotBefore")));
	set_if(rec, "not_after", epoch(json_object_get(d, "NotAfter")));
	set_if(rec, "created_at", epoch(json_object_get(d, "CreatedAt")));
	set_if(rec, "failure_reason", json_incref(json_object_get(d,
	    "FailureReason")));
	v = json_object_get(d, "InUseBy");
	json_object_set(rec, "in_use_by", json_is_array(v) ? v : json_array());
	set_if(rec, "ca_arn", json_incref(json_object_get(d,
	    "CertificateAuthorityArn")));
	set_if(rec, "domain_validation", json_incref(json_object_get(d,
	    "DomainValidationOptions")));
	set_if(rec, "tags", disc_tags(c));
	/* What an incremental discovery compares the next listing with. */
	set_if(rec, "summary", json_incref(c->summary));
	if (c->cert == NULL)
		return (rec);
	if (pem_certinfo_parse(c->cert, strlen(c->cert), &ci, &cause) == 0) {
		json_object_set_new(rec, "sha256", json_string(ci->sha256));
		pem_certinfo_free(ci);
	} else {
		log_warnx("discovery: %s: certificate from ACM: %s", c->arn,
		    cause);
		free(cause);
	}
	return (rec);
}
