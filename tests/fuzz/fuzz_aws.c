/*
 * What AWS answers: XML (IAM, STS, Route 53), the error shapes of all
 * three protocols, and the JSON that ACM answers with.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "awserr.h"
#include "xml.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct xml_node		*root = NULL;
	struct aws_error	 e;
	json_error_t		 jerr;
	json_t			*j;
	char			*cause = NULL;
	const char		*body = (const char *)data;

	if (xml_parse(body, len, &root, &cause) == 0) {
		xml_text(root, "GetServerCertificateResult/ServerCertificate/"
		    "CertificateBody");
		xml_text(root, "ChangeInfo/Status");
		xml_free(root);
	}
	free(cause);
	aws_error_parse(AWS_PROTO_JSON, 400, body, len, "x", "r", &e);
	aws_error_clear(&e);
	aws_error_parse(AWS_PROTO_QUERY, 403, body, len, NULL, NULL, &e);
	aws_error_clear(&e);
	aws_error_parse(AWS_PROTO_RESTXML, 400, body, len, NULL, NULL, &e);
	aws_error_clear(&e);
	if ((j = json_loadb(body, len, JSON_DECODE_ANY, &jerr)) != NULL)
		json_decref(j);
	return (0);
}
