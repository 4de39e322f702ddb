/* acmd.conf: the INI parser and every value parser behind it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "xmalloc.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct config	*c;
	char		*text, *cause = NULL;

	if (memchr(data, '\0', len) != NULL)
		return (0);
	text = xmalloc(len + 1);
	memcpy(text, data, len);
	text[len] = '\0';
	if ((c = config_parse_string(text, "fuzz.conf", &cause)) != NULL)
		config_free(c);
	free(cause);
	free(text);
	return (0);
}
