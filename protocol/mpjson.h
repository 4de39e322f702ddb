/* msgpack <-> jansson, for records, replies and --json output. */
#ifndef ACMD_MPJSON_H
#define ACMD_MPJSON_H

#include <stddef.h>

#include <jansson.h>
#include <msgpack.h>

#include "mp.h"

/* A new reference; binary values become strings. */
json_t	*mp_to_json(const msgpack_object *);
/* Pack a JSON value as msgpack. */
void	 mp_pack_json(struct mp_buf *, const json_t *);
/* Decode one msgpack value from a buffer; NULL when it is not one. */
json_t	*mp_decode_json(const void *, size_t);
/*
 * The same, of a map: only its keys in the NULL-terminated list (NULL:
 * all), for a reader that needs a few fields of a big record.
 */
json_t	*mp_decode_json_keys(const void *, size_t, const char *const *);

#endif
