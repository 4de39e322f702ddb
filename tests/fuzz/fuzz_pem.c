/* PEM bundles, certificate details and private keys from files. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pem.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct pem_bundle	*b = NULL;
	struct pem_certinfo	*ci = NULL;
	struct pem_key		*k = NULL;
	char			*buf, *cause = NULL, fp[65];
	size_t			 half = len / 2;

	buf = xmalloc(len + 1);
	memcpy(buf, data, len);
	buf[len] = '\0';
	if (pem_bundle_parse(buf, len, NULL, 0, &b, &cause) == 0) {
		if (pem_certinfo_parse(b->leaf, strlen(b->leaf), &ci,
		    &cause) == 0)
			pem_certinfo_free(ci);
		free(cause);
		cause = NULL;
		pem_bundle_free(b);
	}
	free(cause);
	cause = NULL;
	if (pem_cert_fingerprint(buf, len, fp, &cause) != 0)
		free(cause);
	cause = NULL;
	/* The second half as a key for the first half's certificate. */
	if (pem_key_parse(buf + half, len - half, "pass", &k, &cause) == 0) {
		if (pem_key_match_cert(k, buf, half, &cause) != 0)
			free(cause);
		cause = NULL;
		pem_key_free(k);
	}
	free(cause);
	free(buf);
	return (0);
}
