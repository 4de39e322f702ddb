#include <sys/mman.h>

#include <sys/socket.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <msgpack.h>

#include "frame.h"
#include "log.h"
#include "mp.h"
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
frame_check_max(uint32_t len, uint32_t max, char **cause)
{
	if (len == 0) {
		xasprintf(cause, "empty frame");
		return (-1);
	}
	if (len > max) {
		xasprintf(cause, "frame of %u bytes exceeds the %u byte maximum",
		    len, max);
		return (-1);
	}
	return (0);
}

static int
frame_check_len(uint32_t len, char **cause)
{
	return (frame_check_max(len, PROTO_MAX_FRAME, cause));
}

/*
 * Fresh memory costs a page fault per 4 KiB page on first touch, and on
 * some virtual machines a fault costs more than decoding the page: a big
 * answer (2.5 MB of body, 5 MB of objects) spent more time in faults than
 * in acmctl's own code.  So big zones ask for huge pages and have their
 * pages mapped in one call before they are written.  Both are hints; a
 * kernel without them faults as before.
 */
#define FRAME_PREFAULT	(512 * 1024)

static void
frame_hugepages(char *p, size_t len)
{
#ifdef MADV_HUGEPAGE
	mp_madvise(p, len, MADV_HUGEPAGE);
#endif
}

static void
frame_prefault(char *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	mp_madvise(p, len, MADV_POPULATE_WRITE);
#endif
}

/*
 * Walk the msgpack bytes before msgpack-c allocates anything: every
 * container's declared size must fit in the bytes that are left (msgpack-c
 * would allocate a 2^32-entry map up front), and the whole frame may hold
 * at most PROTO_MAX_ITEMS objects.  *need is what msgpack-c will take from
 * the zone for the containers' items.
 */
static int
frame_check_body(const uint8_t *p, size_t len, size_t *need, char **cause)
{
	size_t		 pos = 0, left = 1, total = 0, skip, n, w;
	uint8_t		 b;

	*need = 0;

	while (left > 0) {
		if (pos >= len)
			goto truncated;
		b = p[pos++];
		left--;
		if (++total > PROTO_MAX_ITEMS) {
			xasprintf(cause, "frame holds more than %u objects",
			    PROTO_MAX_ITEMS);
			return (-1);
		}
		skip = n = 0;
		if ((b & 0xe0) == 0xa0) {	/* fixstr, the most common */
			skip = b & 0x1f;
			goto skipping;
		}
		if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3)
			continue;
		if ((b & 0xf0) == 0x80)
			n = 2 * (size_t)(b & 0x0f);
		else if ((b & 0xf0) == 0x90)
			n = b & 0x0f;
		else if ((b & 0xe0) == 0xa0)
			skip = b & 0x1f;
		else {
			switch (b) {
			case 0xcc: case 0xd0: skip = 1; break;
			case 0xcd: case 0xd1: skip = 2; break;
			case 0xca: case 0xce: case 0xd2: skip = 4; break;
			case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
			case 0xd4: skip = 2; break;
			case 0xd5: skip = 3; break;
			case 0xd6: skip = 5; break;
			case 0xd7: skip = 9; break;
			case 0xd8: skip = 17; break;
			case 0xc4: case 0xd9: case 0xc7: w = 1; goto sized;
			case 0xc5: case 0xda: case 0xc8: case 0xdc: case 0xde:
				w = 2; goto sized;
			case 0xc6: case 0xdb: case 0xc9: case 0xdd: case 0xdf:
				w = 4; goto sized;
			default:
				xasprintf(cause, "frame body has a byte (0x%02x) that "
				    "is not msgpack", b);
				return (-1);
			}
			goto skipping;
sized:
			if (len - pos < w)
				goto truncated;
			for (skip = 0; w > 0; w--)
				skip = (skip << 8) | p[pos++];
			if (b == 0xdc || b == 0xdd)
				n = skip, skip = 0;
			else if (b == 0xde || b == 0xdf)
				n = 2 * skip, skip = 0;
			else if (b >= 0xc7 && b <= 0xc9)
				skip += 1;	/* the ext type byte */
		}
skipping:
		if (skip > len - pos)
			goto truncated;
		pos += skip;
		/* Each declared item takes at least one of the bytes left. */
		if (n > len - pos || left + n > len - pos + 1)
			goto truncated;
		left += n;
		/* An array's items, a map's pairs (n counts both halves). */
		*need += n * sizeof(msgpack_object);
	}
	return (0);
truncated:
	xasprintf(cause, "frame body is truncated or declares more than it "
	    "holds");
	return (-1);
}

/* Parse a body that already lives in zone (which out takes over). */
static int
frame_parse_in_zone(msgpack_zone *zone, const char *copy, size_t len,
    msgpack_unpacked *out, char **cause)
{
	msgpack_object		 obj;
	size_t			 off = 0, need;
	msgpack_unpack_return	 ret;

	msgpack_unpacked_init(out);
	if (frame_check_body((const uint8_t *)copy, len, &need, cause) != 0)
		goto fail;
	if (need >= FRAME_PREFAULT)
		frame_prefault(zone->chunk_list.ptr, need <
		    zone->chunk_list.free ? need : zone->chunk_list.free);
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

/*
 * The zone holds the body and then the objects msgpack-c decodes from it,
 * which take about twice the body's size (10,000 inventory rows: 2.5 MB
 * of body, 5 MB of objects).  A big body gets chunks to match, not the
 * hundreds of 8 KiB ones msgpack-c would allocate.
 */
/*
 * Frames carry private keys and AWS secrets: the body's bytes, which the
 * decoded strings point into, are wiped when the zone goes.
 */
struct frame_body {
	void	*p;
	size_t	 len;
};

static void
frame_wipe(void *arg)
{
	struct frame_body	*b = arg;

	explicit_bzero(b->p, b->len);
}

static msgpack_zone *
frame_zone(size_t len, char **copy)
{
	msgpack_zone		*zone;
	struct frame_body	*b;
	size_t			 chunk = MSGPACK_ZONE_CHUNK_SIZE;

	if (len > chunk / 4)
		chunk = 4 * len;
	if ((zone = msgpack_zone_new(chunk)) == NULL)
		fatalx("frame: out of memory");
	if (chunk >= FRAME_PREFAULT)
		frame_hugepages(zone->chunk_list.ptr, zone->chunk_list.free);
	if ((*copy = msgpack_zone_malloc(zone, len)) == NULL ||
	    (b = msgpack_zone_malloc(zone, sizeof *b)) == NULL)
		fatalx("frame: out of memory");
	b->p = *copy;
	b->len = len;
	if (!msgpack_zone_push_finalizer(zone, frame_wipe, b))
		fatalx("frame: out of memory");
	if (len >= FRAME_PREFAULT)
		frame_prefault(*copy, len);
	return (zone);
}

/*
 * msgpack objects point into the bytes they were decoded from, so the
 * body is copied into the zone that the caller's msgpack_unpacked owns.
 */
static int
frame_decode_body(const uint8_t *body, size_t len, msgpack_unpacked *out,
    char **cause)
{
	msgpack_zone	*zone;
	char		*copy;

	zone = frame_zone(len, &copy);
	memcpy(copy, body, len);
	return (frame_parse_in_zone(zone, copy, len, out, cause));
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
	return (frame_evbuffer_read_max(in, PROTO_MAX_FRAME, out, cause));
}

/* Zero the first len bytes of an evbuffer, in place. */
static void
frame_evbuffer_wipe(struct evbuffer *in, size_t len)
{
	struct evbuffer_iovec	 one, *v = &one;
	int			 i, n;
	size_t			 k;

	if ((n = evbuffer_peek(in, (ssize_t)len, NULL, NULL, 0)) <= 0)
		return;
	if (n > 1)
		v = xcalloc((size_t)n, sizeof *v);
	n = evbuffer_peek(in, (ssize_t)len, NULL, v, n);
	for (i = 0; i < n && len > 0; i++) {
		k = v[i].iov_len < len ? v[i].iov_len : len;
		explicit_bzero(v[i].iov_base, k);
		len -= k;
	}
	if (v != &one)
		free(v);
}

/* As frame_evbuffer_read, refusing a frame announced longer than max. */
int
frame_evbuffer_read_max(struct evbuffer *in, uint32_t max,
    msgpack_unpacked *out, char **cause)
{
	uint8_t			 hdr[PROTO_HDR_LEN];
	uint32_t		 flen;
	size_t			 have;
	msgpack_zone		*zone;
	struct evbuffer_ptr	 pos;
	char			*body;

	have = evbuffer_get_length(in);
	if (have < PROTO_HDR_LEN)
		return (0);
	if (evbuffer_copyout(in, hdr, sizeof hdr) != sizeof hdr) {
		xasprintf(cause, "cannot read frame header");
		return (-1);
	}
	flen = frame_get_len(hdr);
	if (frame_check_max(flen, max, cause) != 0)
		return (-1);
	if (have - PROTO_HDR_LEN < flen)
		return (0);
	/* Copied into the zone, then wiped where it was read into. */
	zone = frame_zone(flen, &body);
	if (evbuffer_ptr_set(in, &pos, PROTO_HDR_LEN, EVBUFFER_PTR_SET) != 0 ||
	    evbuffer_copyout_from(in, &pos, body, flen) != (ssize_t)flen) {
		msgpack_zone_free(zone);
		xasprintf(cause, "cannot assemble frame");
		return (-1);
	}
	frame_evbuffer_wipe(in, PROTO_HDR_LEN + (size_t)flen);
	evbuffer_drain(in, PROTO_HDR_LEN + (size_t)flen);
	return (frame_parse_in_zone(zone, body, flen, out, cause));
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

int
frame_evbuffer_write2(struct evbuffer *outbuf, const void *a, size_t alen,
    const void *b, size_t blen, char **cause)
{
	uint8_t	 hdr[PROTO_HDR_LEN];
	size_t	 len = alen + blen;

	if (frame_check_len(len > UINT32_MAX ? UINT32_MAX : len, cause) != 0)
		return (-1);
	frame_put_len(hdr, len);
	if (evbuffer_add(outbuf, hdr, sizeof hdr) != 0 ||
	    evbuffer_add(outbuf, a, alen) != 0 ||
	    (blen > 0 && evbuffer_add(outbuf, b, blen) != 0)) {
		xasprintf(cause, "cannot queue frame");
		return (-1);
	}
	return (0);
}

int
frame_evbuffer_write_ref(struct evbuffer *outbuf, const void *a, size_t alen,
    const void *b, size_t blen, frame_done_cb done, void *arg, char **cause)
{
	uint8_t	 hdr[PROTO_HDR_LEN];
	size_t	 len = alen + blen;

	if (frame_check_len(len > UINT32_MAX ? UINT32_MAX : len, cause) != 0) {
		done(b, blen, arg);
		return (-1);
	}
	frame_put_len(hdr, len);
	if (evbuffer_add(outbuf, hdr, sizeof hdr) != 0 ||
	    evbuffer_add(outbuf, a, alen) != 0 ||
	    evbuffer_add_reference(outbuf, b, blen, done, arg) != 0) {
		done(b, blen, arg);
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
		/* A peer gone is EPIPE, not a SIGPIPE that kills the writer. */
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n == -1 && errno == ENOTSOCK)
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
frame_fd_read_body(int fd, msgpack_zone **zone, char **body, size_t *len,
    char **cause)
{
	uint8_t		 hdr[PROTO_HDR_LEN];
	uint32_t	 flen;
	size_t		 need;
	int		 ret;

	ret = frame_read_all(fd, hdr, sizeof hdr, cause);
	if (ret != 1)
		return (ret);
	flen = frame_get_len(hdr);
	if (frame_check_len(flen, cause) != 0)
		return (-1);
	/* Read straight into the zone: no second copy of a big answer. */
	*zone = frame_zone(flen, body);
	ret = frame_read_all(fd, (uint8_t *)*body, flen, cause);
	if (ret != 1) {
		if (ret == 0)
			xasprintf(cause, "connection closed inside a frame");
		msgpack_zone_free(*zone);
		return (-1);
	}
	if (frame_check_body((const uint8_t *)*body, flen, &need, cause) != 0) {
		msgpack_zone_free(*zone);
		return (-1);
	}
	*len = flen;
	return (1);
}

int
frame_parse_body(msgpack_zone *zone, char *body, size_t len,
    msgpack_unpacked *out, char **cause)
{
	return (frame_parse_in_zone(zone, body, len, out, cause));
}

int
frame_fd_read(int fd, msgpack_unpacked *out, char **cause)
{
	msgpack_zone	*zone;
	char		*body;
	size_t		 len;
	int		 ret;

	if ((ret = frame_fd_read_body(fd, &zone, &body, &len, cause)) != 1)
		return (ret);
	return (frame_parse_in_zone(zone, body, len, out, cause));
}
