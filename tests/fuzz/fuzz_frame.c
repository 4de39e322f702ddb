/*
 * The wire: frame decoding, then the request envelope and every argument
 * getter a command uses, on whatever bytes a client may send.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <msgpack.h>

#include "frame.h"
#include "mp.h"
#include "mpjson.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	msgpack_unpacked	 m;
	const msgpack_object	*args;
	size_t			 used, off = 0, n;
	char			*cause = NULL, *s = NULL, **v = NULL;
	uint64_t		 u;
	int64_t			 i;
	int			 b;
	json_t			*j;

	while (off < len) {
		if (frame_decode(data + off, len - off, &used, &m, &cause) != 1) {
			free(cause);
			break;
		}
		off += used;
		mp_get_uint(&m.data, "id", &u, &cause);
		free(cause);
		cause = NULL;
		mp_get_str(&m.data, "cmd", &s, &cause);
		free(cause);
		cause = NULL;
		args = mp_map_get(&m.data, "args");
		if (args != NULL) {
			mp_get_str(args, "name", &s, &cause);
			free(cause);
			cause = NULL;
			mp_get_strv(args, "region", &v, &n, &cause);
			free(cause);
			cause = NULL;
			mp_get_bool(args, "replace", &b, &cause);
			free(cause);
			cause = NULL;
			mp_get_int(args, "limit", &i, &cause);
			free(cause);
			cause = NULL;
		}
		j = mp_to_json(&m.data);
		json_decref(j);
		msgpack_unpacked_destroy(&m);
	}
	free(s);
	mp_strv_free(v);
	return (0);
}
