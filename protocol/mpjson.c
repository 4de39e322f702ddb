#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <msgpack.h>

#include "log.h"
#include "mp.h"
#include "mpjson.h"
#include "xmalloc.h"

/* Whether a map's key is one of keys (NULL: every key is). */
static int
mp_key_wanted(const msgpack_object *key, const char *const *keys)
{
	size_t	 n;

	if (keys == NULL)
		return (1);
	if (key->type != MSGPACK_OBJECT_STR)
		return (0);
	for (n = 0; keys[n] != NULL; n++) {
		if (strlen(keys[n]) == key->via.str.size &&
		    memcmp(keys[n], key->via.str.ptr, key->via.str.size) == 0)
			return (1);
	}
	return (0);
}

/* A map, with only those of its string keys that are in keys (if any). */
static json_t *
mp_map_to_json(const msgpack_object *o, const char *const *keys)
{
	const msgpack_object_kv	*kv;
	json_t			*j = json_object();
	char			*k;
	uint32_t		 i;

	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (!mp_key_wanted(&kv->key, keys))
			continue;
		if (kv->key.type == MSGPACK_OBJECT_STR)
			k = xstrndup(kv->key.via.str.ptr, kv->key.via.str.size);
		else
			xasprintf(&k, "#%u", i);
		json_object_set_new(j, k, mp_to_json(&kv->val));
		free(k);
	}
	return (j);
}

json_t *
mp_to_json(const msgpack_object *o)
{
	json_t		*j;
	uint32_t	 i;

	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return (json_null());
	case MSGPACK_OBJECT_BOOLEAN:
		return (json_boolean(o->via.boolean));
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (o->via.u64 > INT64_MAX)
			return (json_real((double)o->via.u64));
		return (json_integer((json_int_t)o->via.u64));
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return (json_integer((json_int_t)o->via.i64));
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		return (json_real(o->via.f64));
	case MSGPACK_OBJECT_STR:
		if (o->via.str.size == 0 ||
		    (j = json_stringn(o->via.str.ptr, o->via.str.size)) == NULL)
			return (json_string(""));	/* empty, or not UTF-8 */
		return (j);
	case MSGPACK_OBJECT_BIN:
		if (o->via.bin.size == 0 ||
		    (j = json_stringn(o->via.bin.ptr, o->via.bin.size)) == NULL)
			return (json_string(""));
		return (j);
	case MSGPACK_OBJECT_ARRAY:
		j = json_array();
		for (i = 0; i < o->via.array.size; i++)
			json_array_append_new(j, mp_to_json(&o->via.array.ptr[i]));
		return (j);
	case MSGPACK_OBJECT_MAP:
		return (mp_map_to_json(o, NULL));
	default:
		return (json_null());
	}
}

void
mp_pack_json(struct mp_buf *b, const json_t *j)
{
	const char	*k;
	json_t		*v;
	size_t		 i;

	switch (json_typeof(j)) {
	case JSON_OBJECT:
		mp_map(b, json_object_size(j));
		json_object_foreach((json_t *)j, k, v) {
			mp_str(b, k);
			mp_pack_json(b, v);
		}
		break;
	case JSON_ARRAY:
		mp_array(b, json_array_size(j));
		json_array_foreach(j, i, v)
			mp_pack_json(b, v);
		break;
	case JSON_STRING:
		mp_strn(b, json_string_value(j), json_string_length(j));
		break;
	case JSON_INTEGER:
		mp_int(b, (int64_t)json_integer_value(j));
		break;
	case JSON_REAL:
		msgpack_pack_double(&b->pk, json_real_value(j));
		break;
	case JSON_TRUE:
		mp_bool(b, 1);
		break;
	case JSON_FALSE:
		mp_bool(b, 0);
		break;
	default:
		mp_nil(b);
		break;
	}
}

/*
 * One zone serves every call (acmd is single-threaded): a zone of its
 * own, 8 KiB from malloc, made decoding each of 10,000 inventory records
 * cost more than the record itself (malloc consolidated its free lists
 * every time).
 */
json_t *
mp_decode_json_keys(const void *buf, size_t len, const char *const *keys)
{
	static msgpack_zone	*zone;
	msgpack_object		 obj;
	msgpack_unpack_return	 ret;
	size_t			 off = 0;
	json_t			*j = NULL;

	if (zone == NULL &&
	    (zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE)) == NULL)
		fatalx("mp_decode_json: out of memory");
	ret = msgpack_unpack(buf, len, &off, zone, &obj);
	if (ret == MSGPACK_UNPACK_SUCCESS || ret == MSGPACK_UNPACK_EXTRA_BYTES)
		j = keys != NULL && obj.type == MSGPACK_OBJECT_MAP ?
		    mp_map_to_json(&obj, keys) : mp_to_json(&obj);
	msgpack_zone_clear(zone);
	return (j);
}

json_t *
mp_decode_json(const void *buf, size_t len)
{
	return (mp_decode_json_keys(buf, len, NULL));
}
