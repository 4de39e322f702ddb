#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "frame.h"
#include "log.h"
#include "proto.h"
#include "xmalloc.h"

static uint32_t
frame_get_len(const uint8_t *p)
{
	return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

static void
frame_put_len(uint8_t *p, uint32_t len)
{
	p[0] = len >> 24;
	p[1] = len >> 16;
	p[2] = len >> 8;
	p[3] = len;
}

static int
frame_check_len(uint32_t len, char **cause)
{
	if (len == 0) {
		xasprintf(cause, "empty frame");
		return (-1);
	}
	if (len > PROTO_MAX_FRAME) {
		xasprintf(cause, "frame of %u bytes exceeds the %u byte maximum",
		    len, PROTO_MAX_FRAME);
		return (-1);
	}
	return (0);
}

/*
 * msgpack objects point into the bytes they were decoded from, so the
 * body is copied into the zone that the caller's msgpack_unpacked owns.
 */
static int
frame_decode_body(const uint8_t *body, size_t len, msgpack_unpacked *out,
    char **cause)
{
	msgpack_zone		*zone;
	msgpack_object		 obj;
	char			*copy;
	size_t			 off = 0;
	msgpack_unpack_return	 ret;

	msgpack_unpacked_init(out);
	if ((zone = msgpack_zone_new(MSGPACK_ZONE_CHUNK_SIZE)) == NULL ||
	    (copy = msgpack_zone_malloc(zone, len)) == NULL)
		fatalx("frame: out of memory");
	memcpy(copy, body, len);
	ret = msgpack_unpack(copy, len, &off, zone, &obj);
	if (ret != MSGPACK_UNPACK_SUCCESS && ret != MSGPACK_UNPACK_EXTRA_BYTES) {
		xasprintf(cause, "frame body is not valid msgpack");
		goto fail;
	}
	if (off != len) {
		xasprintf(cause, "frame body has %zu trailing bytes", len - off);
		goto fail;
	}
	if (obj.type != MSGPACK_OBJECT_MAP) {
		xasprintf(cause, "frame body is not a map");
		goto fail;
	}
	out->zone = zone;
	out->data = obj;
	return (1);
fail:
	msgpack_zone_free(zone);
	return (-1);
}

int
frame_decode(const void *buf, size_t len, size_t *consumed,
    msgpack_unpacked *out, char **cause)
{
	const uint8_t	*p = buf;
	uint32_t	 flen;

	*consumed = 0;
	if (len < PROTO_HDR_LEN)
		return (0);
	flen = frame_get_len(p);
	if (frame_check_len(flen, cause) != 0)
		return (-1);
	if (len - PROTO_HDR_LEN < flen)
		return (0);
	if (frame_decode_body(p + PROTO_HDR_LEN, flen, out, cause) != 1)
		return (-1);
	*consumed = PROTO_HDR_LEN + (size_t)flen;
	return (1);
}

int
frame_evbuffer_read(struct evbuffer *in, msgpack_unpacked *out, char **cause)
{
	uint8_t		 hdr[PROTO_HDR_LEN];
	uint32_t	 flen;
	size_t		 have, consumed;
	unsigned char	*p;
	int		 ret;

	have = evbuffer_get_length(in);
	if (have < PROTO_HDR_LEN)
		return (0);
	if (evbuffer_copyout(in, hdr, sizeof hdr) != sizeof hdr) {
		xasprintf(cause, "cannot read frame header");
		return (-1);
	}
	flen = frame_get_len(hdr);
	if (frame_check_len(flen, cause) != 0)
		return (-1);
	if (have - PROTO_HDR_LEN < flen)
		return (0);
	p = evbuffer_pullup(in, PROTO_HDR_LEN + (ssize_t)flen);
	if (p == NULL) {
		xasprintf(cause, "cannot assemble frame");
		return (-1);
	}
	ret = frame_decode(p, PROTO_HDR_LEN + (size_t)flen, &consumed, out,
	    cause);
	if (ret == 1)
		evbuffer_drain(in, consumed);
	return (ret);
}

int
frame_evbuffer_write(struct evbuffer *outbuf, const void *body, size_t len,
    char **cause)
{
	uint8_t	 hdr[PROTO_HDR_LEN];

	if (frame_check_len(len > UINT32_MAX ? UINT32_MAX : len, cause) != 0)
		return (-1);
	frame_put_len(hdr, len);
	if (evbuffer_add(outbuf, hdr, sizeof hdr) != 0 ||
	    evbuffer_add(outbuf, body, len) != 0) {
		xasprintf(cause, "cannot queue frame");
		return (-1);
	}
	return (0);
}

static int
frame_write_all(int fd, const uint8_t *p, size_t len, char **cause)
{
	ssize_t	 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "write: %s", strerror(errno));
			return (-1);
		}
		p += n;
		len -= n;
	}
	return (0);
}

/* Read exactly len bytes: 1 done, 0 EOF before any byte, -1 error. */
static int
frame_read_all(int fd, uint8_t *p, size_t len, char **cause)
{
	size_t	 got = 0;
	ssize_t	 n;

	while (got < len) {
		n = read(fd, p + got, len - got);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			xasprintf(cause, "read: %s", strerror(errno));
			return (-1);
		}
		if (n == 0) {
			if (got == 0)
				return (0);
			xasprintf(cause, "connection closed inside a frame");
			return (-1);
		}
		got += n;
	}
	return (1);
}

int
frame_fd_write(int fd, const void *body, size_t len, char **cause)
{
	uint8_t	 hdr[PROTO_HDR_LEN];

	if (frame_check_len(len > UINT32_MAX ? UINT32_MAX : len, cause) != 0)
		return (-1);
	frame_put_len(hdr, len);
	if (frame_write_all(fd, hdr, sizeof hdr, cause) != 0)
		return (-1);
	return (frame_write_all(fd, body, len, cause));
}

int
frame_fd_read(int fd, msgpack_unpacked *out, char **cause)
{
	uint8_t		 hdr[PROTO_HDR_LEN], *body;
	uint32_t	 flen;
	int		 ret;

	ret = frame_read_all(fd, hdr, sizeof hdr, cause);
	if (ret != 1)
		return (ret);
	flen = frame_get_len(hdr);
	if (frame_check_len(flen, cause) != 0)
		return (-1);
	body = xmalloc(flen);
	ret = frame_read_all(fd, body, flen, cause);
	if (ret == 0) {
		xasprintf(cause, "connection closed inside a frame");
		ret = -1;
	}
	if (ret == 1)
		ret = frame_decode_body(body, flen, out, cause);
	free(body);
	return (ret);
}
