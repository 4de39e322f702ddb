/*
 * The frame codec: the only code that touches bytes on the socket.
 * A frame is a 4-byte big-endian length and one msgpack map.
 */
#ifndef ACMD_FRAME_H
#define ACMD_FRAME_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

struct evbuffer;

/*
 * Decode one frame from buf.  Returns 1 with *out filled (the caller
 * destroys it with msgpack_unpacked_destroy) and *consumed set, 0 when
 * more bytes are needed, -1 with *cause on a malformed or oversize frame.
 */
int	frame_decode(const void *, size_t, size_t *, msgpack_unpacked *,
	    char **);
/* Read one frame from an evbuffer, draining it: 1, 0 or -1 as above. */
int	frame_evbuffer_read(struct evbuffer *, msgpack_unpacked *, char **);
int	frame_evbuffer_read_max(struct evbuffer *, uint32_t, msgpack_unpacked *,
	    char **);
/* Append one frame holding the given msgpack body. */
int	frame_evbuffer_write(struct evbuffer *, const void *, size_t,
	    char **);
/* The same, with the body given in two parts (no copy to join them). */
int	frame_evbuffer_write2(struct evbuffer *, const void *, size_t,
	    const void *, size_t, char **);
/*
 * The same again, the second part added by reference, not copied: done
 * runs with it once the evbuffer is through with it (sent or freed), or
 * before this returns -1.
 */
typedef void (*frame_done_cb)(const void *, size_t, void *);
int	frame_evbuffer_write_ref(struct evbuffer *, const void *, size_t,
	    const void *, size_t, frame_done_cb, void *, char **);
/*
 * Blocking file descriptor I/O for the client.  frame_fd_read returns
 * 1 with a frame, 0 on a clean end of file, -1 with *cause.
 */
int	frame_fd_write(int, const void *, size_t, char **);
int	frame_fd_read(int, msgpack_unpacked *, char **);
/*
 * The same in two steps: the body read and checked (in a zone that wipes
 * it when freed; same returns), then parsed (out takes the zone over), or
 * read in place (mp_raw_next) before the zone is freed.
 */
int	frame_fd_read_body(int, msgpack_zone **, char **, size_t *, char **);
int	frame_parse_body(msgpack_zone *, char *, size_t, msgpack_unpacked *,
	    char **);

#endif
