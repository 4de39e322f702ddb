/* Route 53: REST-XML, global. */
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "services.h"
#include "sigv4.h"
#include "xml.h"
#include "xmalloc.h"

#define R53_NS	"https://route53.amazonaws.com/doc/2013-04-01/"

struct aws_call *
route53_list_hosted_zones_by_name(struct aws_cred *c, const char *dnsname,
    const char *hzid, aws_cb cb, void *arg)
{
	struct sigv4_param	 p[3];
	struct aws_call		*call;
	size_t			 n = 0;
	char			*q;

	if (dnsname != NULL) {
		p[n].name = "dnsname";
		p[n++].value = dnsname;
	}
	if (dnsname != NULL && hzid != NULL) {
		p[n].name = "hostedzoneid";
		p[n++].value = hzid;
	}
	p[n].name = "maxitems";
	p[n++].value = "100";
	q = sigv4_query_build(p, n);
	call = aws_rest(c, &aws_svc_route53, "ListHostedZonesByName", "GET",
	    "/2013-04-01/hostedzonesbyname", q, NULL, cb, arg);
	free(q);
	return (call);
}

/* A zone id may come as "/hostedzone/Z123" or "Z123". */
static const char *
zone_id(const char *id)
{
	const char	*p = strrchr(id, '/');

	return (p != NULL ? p + 1 : id);
}

struct aws_call *
route53_change_cname(struct aws_cred *c, const char *zone,
    const char *action, const char *const *names, const char *const *values,
    size_t n, aws_cb cb, void *arg)
{
	struct aws_call	*call;
	char		*body, *path, *changes = xstrdup(""), *tmp, *en, *ev;
	size_t		 i;

	for (i = 0; i < n; i++) {
		en = xml_escape(names[i]);
		ev = xml_escape(values[i]);
		xasprintf(&tmp, "%s<Change><Action>%s</Action>"
		    "<ResourceRecordSet><Name>%s</Name><Type>CNAME</Type>"
		    "<TTL>300</TTL><ResourceRecords><ResourceRecord><Value>%s"
		    "</Value></ResourceRecord></ResourceRecords>"
		    "</ResourceRecordSet></Change>", changes, action, en, ev);
		free(changes);
		free(en);
		free(ev);
		changes = tmp;
	}
	xasprintf(&body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<ChangeResourceRecordSetsRequest xmlns=\"%s\"><ChangeBatch>"
	    "<Comment>acmd: ACM validation</Comment><Changes>%s</Changes>"
	    "</ChangeBatch></ChangeResourceRecordSetsRequest>", R53_NS, changes);
	xasprintf(&path, "/2013-04-01/hostedzone/%s/rrset", zone_id(zone));
	call = aws_rest(c, &aws_svc_route53, "ChangeResourceRecordSets", "POST",
	    path, NULL, body, cb, arg);
	free(changes);
	free(body);
	free(path);
	return (call);
}

struct aws_call *
route53_get_change(struct aws_cred *c, const char *id, aws_cb cb, void *arg)
{
	struct aws_call	*call;
	char		*path;

	xasprintf(&path, "/2013-04-01/change/%s", zone_id(id));
	call = aws_rest(c, &aws_svc_route53, "GetChange", "GET", path, NULL,
	    NULL, cb, arg);
	free(path);
	return (call);
}
