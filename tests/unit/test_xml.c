/* The expat DOM: real IAM and Route 53 answers, malformed and hostile XML. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xml.h"
#include "xmalloc.h"

static const char iam_list[] =
    "<ListServerCertificatesResponse "
    "xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
    "  <ListServerCertificatesResult>\n"
    "    <IsTruncated>false</IsTruncated>\n"
    "    <ServerCertificateMetadataList>\n"
    "      <member>\n"
    "        <ServerCertificateId>ASCACKCEVSQ6C2EXAMPLE1</ServerCertificateId>\n"
    "        <ServerCertificateName>ProdServerCert</ServerCertificateName>\n"
    "        <Path>/company/servercerts/</Path>\n"
    "        <Arn>arn:aws:iam::123456789012:server-certificate/company/"
    "servercerts/ProdServerCert</Arn>\n"
    "        <UploadDate>2010-05-08T01:02:03.004Z</UploadDate>\n"
    "        <Expiration>2012-05-08T01:02:03.004Z</Expiration>\n"
    "      </member>\n"
    "      <member>\n"
    "        <ServerCertificateId>ASCACKCEVSQ6C2EXAMPLE2</ServerCertificateId>\n"
    "        <ServerCertificateName>BetaServerCert &amp; co</ServerCertificateName>\n"
    "        <Path>/company/servercerts/</Path>\n"
    "        <Arn>arn:aws:iam::123456789012:server-certificate/company/"
    "servercerts/BetaServerCert</Arn>\n"
    "        <UploadDate>2010-05-08T01:02:03.004Z</UploadDate>\n"
    "        <Expiration>2012-05-08T01:02:03.004Z</Expiration>\n"
    "      </member>\n"
    "    </ServerCertificateMetadataList>\n"
    "  </ListServerCertificatesResult>\n"
    "  <ResponseMetadata>\n"
    "    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</ListServerCertificatesResponse>\n";

static const char r53_list[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListResourceRecordSetsResponse "
    "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\">"
    "<ResourceRecordSets>"
    "<ResourceRecordSet><Name>example.com.</Name><Type>SOA</Type>"
    "<TTL>900</TTL><ResourceRecords><ResourceRecord>"
    "<Value>ns-2048.awsdns-64.net. hostmaster.awsdns.com. 1 7200 900 "
    "1209600 86400</Value></ResourceRecord></ResourceRecords>"
    "</ResourceRecordSet>"
    "<ResourceRecordSet><Name>example.com.</Name><Type>NS</Type>"
    "<TTL>172800</TTL><ResourceRecords>"
    "<ResourceRecord><Value>ns-2048.awsdns-64.com</Value></ResourceRecord>"
    "<ResourceRecord><Value>ns-2049.awsdns-65.net</Value></ResourceRecord>"
    "<ResourceRecord><Value>ns-2050.awsdns-66.org</Value></ResourceRecord>"
    "</ResourceRecords></ResourceRecordSet>"
    "<ResourceRecordSet>"
    "<Name>_3639ac514e785e898d2646601fa951d5.example.com.</Name>"
    "<Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord>"
    "<Value>_98d74c6b0f4b5bd5a3d4b9e5c7d8e9f0.acm-validations.aws.</Value>"
    "</ResourceRecord></ResourceRecords></ResourceRecordSet>"
    "<ResourceRecordSet><Name>www.example.com.</Name><Type>A</Type>"
    "<AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId>"
    "<DNSName>d111111abcdef8.cloudfront.net.</DNSName>"
    "<EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>"
    "</ResourceRecordSet>"
    "</ResourceRecordSets>"
    "<IsTruncated>true</IsTruncated>"
    "<MaxItems>4</MaxItems>"
    "<NextRecordName>www.example.com.</NextRecordName>"
    "<NextRecordType>AAAA</NextRecordType>"
    "</ListResourceRecordSetsResponse>";

static struct xml_node *
parse_ok(const char *s)
{
	struct xml_node	*root = NULL;
	char		*cause = NULL;

	if (xml_parse(s, strlen(s), &root, &cause) != 0)
		fail_msg("parse failed: %s", cause);
	assert_null(cause);
	assert_non_null(root);
	return (root);
}

static void
parse_fails(const char *s, size_t len, const char *want)
{
	struct xml_node	*root = (struct xml_node *)1;
	char		*cause = NULL;

	assert_int_equal(xml_parse(s, len, &root, &cause), -1);
	assert_null(root);
	assert_non_null(cause);
	if (want != NULL && strstr(cause, want) == NULL)
		fail_msg("error '%s' does not contain '%s'", cause, want);
	free(cause);
}

static void
test_iam_list(void **state)
{
	struct xml_node		*root = parse_ok(iam_list);
	const struct xml_node	*list, *m;
	const char		*names[2] = { "ProdServerCert",
				    "BetaServerCert & co" };
	size_t			 i = 0;

	assert_string_equal(root->name, "ListServerCertificatesResponse");
	assert_null(root->parent);
	assert_string_equal(xml_text(root,
	    "ListServerCertificatesResult/IsTruncated"), "false");
	assert_string_equal(xml_text(root, "ResponseMetadata/RequestId"),
	    "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
	list = xml_path(root,
	    "ListServerCertificatesResult/ServerCertificateMetadataList");
	assert_non_null(list);
	assert_int_equal(xml_count(list, "member"), 2);
	for (m = xml_child(list, "member"); m != NULL;
	    m = xml_next_named(m, "member")) {
		assert_true(i < 2);
		assert_ptr_equal(m->parent, list);
		assert_string_equal(xml_text(m, "ServerCertificateName"),
		    names[i]);
		assert_string_equal(xml_text(m, "Path"),
		    "/company/servercerts/");
		i++;
	}
	assert_int_equal(i, 2);
	/* Text of an element with children is its own trimmed text. */
	assert_string_equal(list->text, "");
	/* Absent things. */
	assert_null(xml_text(root, "ListServerCertificatesResult/Marker"));
	assert_null(xml_path(root, "Nope/IsTruncated"));
	assert_null(xml_child(NULL, "x"));
	assert_null(xml_text(NULL, "x"));
	assert_ptr_equal(xml_path(root, ""), root);
	assert_ptr_equal(xml_path(root, NULL), root);
	/* Leading, doubled and trailing slashes are ignored. */
	assert_string_equal(xml_text(root,
	    "/ListServerCertificatesResult//IsTruncated/"), "false");
	/* A prefix of a name is not the name. */
	assert_null(xml_path(root, "ListServerCertificates"));
	xml_free(root);
}

static void
test_route53_list(void **state)
{
	struct xml_node		*root = parse_ok(r53_list);
	const struct xml_node	*sets, *rr, *v;
	size_t			 n = 0, values = 0;

	assert_string_equal(root->name, "ListResourceRecordSetsResponse");
	assert_string_equal(xml_text(root, "IsTruncated"), "true");
	assert_string_equal(xml_text(root, "NextRecordName"),
	    "www.example.com.");
	sets = xml_child(root, "ResourceRecordSets");
	for (rr = xml_child(sets, "ResourceRecordSet"); rr != NULL;
	    rr = xml_next_named(rr, "ResourceRecordSet")) {
		n++;
		if (strcmp(xml_text(rr, "Type"), "NS") == 0) {
			for (v = xml_path(rr, "ResourceRecords/ResourceRecord");
			    v != NULL; v = xml_next_named(v, "ResourceRecord"))
				values++;
		}
		if (strcmp(xml_text(rr, "Type"), "CNAME") == 0) {
			assert_string_equal(xml_text(rr,
			    "ResourceRecords/ResourceRecord/Value"),
			    "_98d74c6b0f4b5bd5a3d4b9e5c7d8e9f0."
			    "acm-validations.aws.");
			assert_string_equal(xml_text(rr, "TTL"), "300");
		}
		if (strcmp(xml_text(rr, "Type"), "A") == 0) {
			assert_null(xml_text(rr, "TTL"));
			assert_string_equal(xml_text(rr,
			    "AliasTarget/DNSName"),
			    "d111111abcdef8.cloudfront.net.");
		}
	}
	assert_int_equal(n, 4);
	assert_int_equal(values, 3);
	/* Any name. */
	assert_string_equal(xml_child(root, NULL)->name, "ResourceRecordSets");
	assert_string_equal(xml_next_named(xml_child(root, NULL), NULL)->name,
	    "IsTruncated");
	xml_free(root);
}

static void
test_namespaces_and_text(void **state)
{
	struct xml_node	*root;

	root = parse_ok("<a:Root xmlns:a=\"urn:x\" xmlns:b=\"urn:y\">"
	    "<b:Item>  one <![CDATA[<two>]]> &#x41;&lt;  </b:Item>"
	    "<Item>plain</Item></a:Root>");
	assert_string_equal(root->name, "Root");
	assert_string_equal(xml_text(root, "Item"), "one <two> A<");
	assert_int_equal(xml_count(root, "Item"), 2);
	xml_free(root);

	/* Non-ASCII in an ISO-8859-1 document comes out as UTF-8. */
	root = parse_ok("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
	    "<r>caf\xe9</r>");
	assert_string_equal(root->text, "caf\xc3\xa9");
	xml_free(root);

	root = parse_ok("<r/>");
	assert_string_equal(xml_text(root, NULL), "");
	assert_null(root->children);
	xml_free(root);
}

static void
test_malformed(void **state)
{
	static const char nul[] = "<a>x\0y</a>";

	parse_fails("", 0, "not well-formed");
	parse_fails(NULL, 0, NULL);
	parse_fails("   ", 3, NULL);
	parse_fails("<a><b></a>", 10, "line 1");
	parse_fails("<a>", 3, NULL);
	parse_fails("<a></a><b></b>", 14, NULL);
	parse_fails("<a>&foo;</a>", 12, NULL);
	parse_fails("<p:a></p:a>", 11, NULL);	/* unbound prefix */
	parse_fails(nul, sizeof nul - 1, NULL);
	parse_fails("<a>\xff\xfe</a>", 9, NULL);
	parse_fails("<html><body>502 Bad Gateway<hr></body></html>", 46, NULL);
	/* Truncated at every length: never a crash, never a leak. */
	for (size_t i = 0; i < sizeof iam_list - 2; i++) {
		struct xml_node	*root = NULL;
		char		*cause = NULL;

		assert_int_equal(xml_parse(iam_list, i, &root, &cause), -1);
		free(cause);
	}
}

static void
test_dtd_refused(void **state)
{
	static const char laughs[] =
	    "<?xml version=\"1.0\"?>\n"
	    "<!DOCTYPE lolz [\n"
	    " <!ENTITY lol \"lol\">\n"
	    " <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
	    " <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
	    "]>\n"
	    "<lolz>&lol3;</lolz>";
	static const char xxe[] =
	    "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<r>&x;</r>";
	static const char plain[] =
	    "<!DOCTYPE html><html></html>";

	parse_fails(laughs, sizeof laughs - 1, "document type");
	parse_fails(xxe, sizeof xxe - 1, "document type");
	parse_fails(plain, sizeof plain - 1, "document type");
}

static void
test_limits(void **state)
{
	char		*doc;
	size_t		 i, len;
	struct xml_node	*root;
	char		*cause = NULL;
	int		 depth;

	/* Exactly XML_MAX_DEPTH levels is fine, one more is not. */
	for (depth = XML_MAX_DEPTH; depth <= XML_MAX_DEPTH + 1; depth++) {
		doc = xmalloc(depth * 7 + 1);
		len = 0;
		for (i = 0; i < (size_t)depth; i++)
			len += sprintf(doc + len, "<a>");
		for (i = 0; i < (size_t)depth; i++)
			len += sprintf(doc + len, "</a>");
		if (depth == XML_MAX_DEPTH) {
			root = parse_ok(doc);
			xml_free(root);
		} else
			parse_fails(doc, len, "deeper");
		free(doc);
	}
	/* Deep but unclosed: still the depth error, no leak. */
	doc = xmalloc(100000 * 3 + 1);
	for (i = 0; i < 100000; i++)
		memcpy(doc + i * 3, "<a>", 3);
	parse_fails(doc, 100000 * 3, "deeper");
	free(doc);

	/* Too many elements. */
	len = 3 + (size_t)(XML_MAX_NODES + 1) * 4 + 4;
	doc = xmalloc(len + 1);
	memcpy(doc, "<r>", 3);
	for (i = 0; i < XML_MAX_NODES; i++)
		memcpy(doc + 3 + i * 4, "<a/>", 4);
	memcpy(doc + 3 + i * 4, "</r>", 5);
	parse_fails(doc, strlen(doc), "more than");
	free(doc);

	/* Too big: refused before parsing. */
	assert_int_equal(xml_parse("<a/>", (size_t)XML_MAX_SIZE + 1, &root,
	    &cause), -1);
	assert_non_null(strstr(cause, "limit"));
	free(cause);
}

static void
test_escape(void **state)
{
	char		*s, *doc;
	struct xml_node	*root;

	s = xml_escape("a&b<c>d\"e'f\r\ng\th\x01i");
	assert_string_equal(s,
	    "a&amp;b&lt;c&gt;d&quot;e&apos;f&#xD;\ng\thi");
	/* Round trip through the parser. */
	xasprintf(&doc, "<v a=\"%s\">%s</v>", s, s);
	root = parse_ok(doc);
	assert_string_equal(root->text, "a&b<c>d\"e'f\r\ng\thi");
	xml_free(root);
	free(doc);
	free(s);
	s = xml_escape("");
	assert_string_equal(s, "");
	free(s);
	s = xml_escape(NULL);
	assert_string_equal(s, "");
	free(s);
	s = xml_escape("caf\xc3\xa9");
	assert_string_equal(s, "caf\xc3\xa9");
	free(s);
	xml_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iam_list),
		cmocka_unit_test(test_route53_list),
		cmocka_unit_test(test_namespaces_and_text),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_dtd_refused),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_escape),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
