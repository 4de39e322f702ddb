/* Frame codec: round trips, partial input, truncated, oversize, garbage. */
#include <sys/socket.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <msgpack.h>

#include "frame.h"
#include "mp.h"
#include "proto.h"

static struct mp_buf *
sample(void)
{
	struct mp_buf	*b = mp_buf_new();

	mp_map(b, 3);
	mp_kstr(b, "kind", "request");
	mp_kuint(b, "id", 42);
	mp_kstr(b, "cmd", "status");
	return (b);
}

static size_t
encode(struct mp_buf *b, uint8_t **out)
{
	struct evbuffer	*eb = evbuffer_new();
	char		*cause = NULL;
	size_t		 len;

	assert_int_equal(frame_evbuffer_write(eb, b->sb.data, b->sb.size,
	    &cause), 0);
	len = evbuffer_get_length(eb);
	*out = malloc(len);
	evbuffer_remove(eb, *out, len);
	evbuffer_free(eb);
	return (len);
}

static void
test_roundtrip(void **state)
{
	struct mp_buf		*b = sample();
	uint8_t			*buf;
	size_t			 len, used;
	msgpack_unpacked	 m;
	char			*cause = NULL;
	uint64_t		 id = 0;

	len = encode(b, &buf);
	assert_int_equal(len, b->sb.size + 4);
	assert_int_equal(buf[0], 0);
	assert_int_equal((buf[2] << 8) | buf[3], b->sb.size);
	assert_int_equal(frame_decode(buf, len, &used, &m, &cause), 1);
	assert_int_equal(used, len);
	assert_true(mp_obj_is_str(mp_map_get(&m.data, "cmd"), "status"));
	assert_int_equal(mp_get_uint(&m.data, "id", &id, &cause), 1);
	assert_int_equal(id, 42);
	msgpack_unpacked_destroy(&m);
	free(buf);
	mp_buf_free(b);
}

static void
test_partial(void **state)
{
	struct mp_buf		*b = sample();
	uint8_t			*buf;
	size_t			 len, used, i;
	msgpack_unpacked	 m;
	char			*cause = NULL;

	len = encode(b, &buf);
	/* Every prefix is "need more", never an error. */
	for (i = 0; i < len; i++)
		assert_int_equal(frame_decode(buf, i, &used, &m, &cause), 0);
	assert_null(cause);
	free(buf);
	mp_buf_free(b);
}

static void
test_evbuffer_byte_by_byte(void **state)
{
	struct mp_buf		*b = sample();
	struct evbuffer		*eb = evbuffer_new();
	uint8_t			*buf;
	size_t			 len, i;
	msgpack_unpacked	 m;
	char			*cause = NULL;
	int			 got = 0;

	len = encode(b, &buf);
	for (i = 0; i < len; i++) {
		evbuffer_add(eb, buf + i, 1);
		if (frame_evbuffer_read(eb, &m, &cause) == 1) {
			got++;
			msgpack_unpacked_destroy(&m);
		}
	}
	assert_int_equal(got, 1);
	assert_int_equal(evbuffer_get_length(eb), 0);
	/* Two frames in one buffer come out one after the other. */
	evbuffer_add(eb, buf, len);
	evbuffer_add(eb, buf, len);
	assert_int_equal(frame_evbuffer_read(eb, &m, &cause), 1);
	msgpack_unpacked_destroy(&m);
	assert_int_equal(frame_evbuffer_read(eb, &m, &cause), 1);
	msgpack_unpacked_destroy(&m);
	assert_int_equal(frame_evbuffer_read(eb, &m, &cause), 0);
	evbuffer_free(eb);
	free(buf);
	mp_buf_free(b);
}

static void
test_oversize(void **state)
{
	uint8_t			 hdr[4];
	uint32_t		 n = PROTO_MAX_FRAME + 1;
	size_t			 used;
	msgpack_unpacked	 m;
	char			*cause = NULL;
	struct evbuffer		*eb = evbuffer_new();

	hdr[0] = n >> 24; hdr[1] = n >> 16; hdr[2] = n >> 8; hdr[3] = n;
	/* Refused from the header alone, before any body arrives. */
	assert_int_equal(frame_decode(hdr, 4, &used, &m, &cause), -1);
	assert_non_null(strstr(cause, "exceeds"));
	free(cause);
	cause = NULL;
	evbuffer_add(eb, hdr, 4);
	assert_int_equal(frame_evbuffer_read(eb, &m, &cause), -1);
	free(cause);
	cause = NULL;
	memset(hdr, 0xff, 4);
	assert_int_equal(frame_decode(hdr, 4, &used, &m, &cause), -1);
	free(cause);
	evbuffer_free(eb);
}

static void
test_empty_and_garbage(void **state)
{
	static const uint8_t	 zero[4] = { 0, 0, 0, 0 };
	static const uint8_t	 garbage[] = { 0, 0, 0, 5, 0xc1, 0xc1, 0xc1,
				    0xc1, 0xc1 };
	static const uint8_t	 notmap[] = { 0, 0, 0, 1, 0x2a };
	static const uint8_t	 trailing[] = { 0, 0, 0, 2, 0x80, 0x80 };
	static const uint8_t	 truncmap[] = { 0, 0, 0, 2, 0x81, 0xa1 };
	size_t			 used;
	msgpack_unpacked	 m;
	char			*cause = NULL;

	assert_int_equal(frame_decode(zero, 4, &used, &m, &cause), -1);
	free(cause); cause = NULL;
	assert_int_equal(frame_decode(garbage, sizeof garbage, &used, &m,
	    &cause), -1);
	free(cause); cause = NULL;
	assert_int_equal(frame_decode(notmap, sizeof notmap, &used, &m,
	    &cause), -1);
	assert_non_null(strstr(cause, "not a map"));
	free(cause); cause = NULL;
	assert_int_equal(frame_decode(trailing, sizeof trailing, &used, &m,
	    &cause), -1);
	assert_non_null(strstr(cause, "trailing"));
	free(cause); cause = NULL;
	assert_int_equal(frame_decode(truncmap, sizeof truncmap, &used, &m,
	    &cause), -1);
	free(cause);
}

static void
test_fd_io(void **state)
{
	struct mp_buf		*b = sample();
	msgpack_unpacked	 m;
	char			*cause = NULL;
	int			 sv[2];
	static const uint8_t	 half[] = { 0, 0, 0, 10, 0x81 };

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(frame_fd_write(sv[0], b->sb.data, b->sb.size,
	    &cause), 0);
	assert_int_equal(frame_fd_read(sv[1], &m, &cause), 1);
	assert_true(mp_obj_is_str(mp_map_get(&m.data, "kind"), "request"));
	msgpack_unpacked_destroy(&m);
	/* Half a frame, then the peer hangs up. */
	assert_int_equal(write(sv[0], half, sizeof half), (ssize_t)sizeof half);
	close(sv[0]);
	assert_int_equal(frame_fd_read(sv[1], &m, &cause), -1);
	assert_non_null(strstr(cause, "closed inside a frame"));
	free(cause);
	cause = NULL;
	/* Clean end of file. */
	assert_int_equal(frame_fd_read(sv[1], &m, &cause), 0);
	close(sv[1]);
	mp_buf_free(b);
}

static void
test_mp_getters(void **state)
{
	struct mp_buf		*b = mp_buf_new();
	msgpack_unpacked	 m;
	size_t			 off = 0, n = 0;
	char			*s = NULL, *cause = NULL, **v = NULL;
	uint64_t		 u;
	int			 flag;

	mp_map(b, 4);
	mp_kstr(b, "name", "web");
	mp_kuint(b, "n", 7);
	mp_str(b, "region");
	mp_array(b, 2);
	mp_str(b, "eu-west-1");
	mp_str(b, "us-east-1");
	mp_kstr(b, "bad", "x");
	msgpack_unpacked_init(&m);
	assert_int_equal(msgpack_unpack_next(&m, b->sb.data, b->sb.size, &off),
	    MSGPACK_UNPACK_SUCCESS);
	assert_int_equal(mp_get_str(&m.data, "name", &s, &cause), 1);
	assert_string_equal(s, "web");
	assert_int_equal(mp_get_str(&m.data, "absent", &s, &cause), 0);
	assert_int_equal(mp_get_str(&m.data, "n", &s, &cause), -1);
	assert_non_null(cause);
	free(cause); cause = NULL;
	assert_int_equal(mp_get_uint(&m.data, "bad", &u, &cause), -1);
	free(cause); cause = NULL;
	assert_int_equal(mp_get_bool(&m.data, "name", &flag, &cause), -1);
	free(cause); cause = NULL;
	assert_int_equal(mp_get_strv(&m.data, "region", &v, &n, &cause), 1);
	assert_int_equal(n, 2);
	assert_string_equal(v[1], "us-east-1");
	mp_strv_free(v);
	free(s);
	msgpack_unpacked_destroy(&m);
	mp_buf_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_partial),
		cmocka_unit_test(test_evbuffer_byte_by_byte),
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_empty_and_garbage),
		cmocka_unit_test(test_fd_io),
		cmocka_unit_test(test_mp_getters),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
