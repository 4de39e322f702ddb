/*
 * msgpack helpers shared by acmd and acmctl: typed, bounds-checked
 * access to maps, and a small builder.
 *
 * Getters return 0 when the key is absent (leaving *out untouched), 1 when
 * it was found with the right type, -1 with *cause when it has the wrong
 * type or shape.  Returned strings are copies the caller frees.
 */
#ifndef ACMD_MP_H
#define ACMD_MP_H

#include <stdint.h>
#include <time.h>

#include <msgpack.h>

/* Borrowed: lives as long as the msgpack_unpacked it came from. */
const msgpack_object	*mp_map_get(const msgpack_object *, const char *);
int	 mp_get_str(const msgpack_object *, const char *, char **, char **);
int	 mp_get_uint(const msgpack_object *, const char *, uint64_t *,
	     char **);
int	 mp_get_int(const msgpack_object *, const char *, int64_t *, char **);
int	 mp_get_bool(const msgpack_object *, const char *, int *, char **);
/* A string or an array of strings, as a NULL-terminated vector. */
int	 mp_get_strv(const msgpack_object *, const char *, char ***, size_t *,
	     char **);
void	 mp_strv_free(char **);
/* An object as a string (for strings only), else NULL. */
char	*mp_obj_str(const msgpack_object *);
int	 mp_obj_is_str(const msgpack_object *, const char *);
/*
 * msgpack read in place, without msgpack-c's objects: the next item's head
 * (a scalar whole, an array's or map's size; its items follow), and an
 * item skipped whole.  0, or -1 on bytes that are not msgpack.
 */
int	 mp_raw_next(const char **, const char *, msgpack_object *);
int	 mp_raw_skip(const char **, const char *);

/* Builder: an sbuffer with a packer. */
struct mp_buf {
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;
};
struct mp_buf	*mp_buf_new(void);
void		 mp_buf_free(struct mp_buf *);
struct mp_buf	*mp_buf_new_secret(size_t);
void		 mp_buf_free_secret(struct mp_buf *);
void		 mp_buf_reset(struct mp_buf *);
/* Room for so many bytes in all, allocated (and mapped) at once. */
void		 mp_buf_reserve(struct mp_buf *, size_t);
/* madvise the whole pages inside a range (a hint: failure ignored). */
void		 mp_madvise(void *, size_t, int);

void	mp_map(struct mp_buf *, size_t);
void	mp_array(struct mp_buf *, size_t);
void	mp_str(struct mp_buf *, const char *);	/* NULL packs nil */
void	mp_strn(struct mp_buf *, const char *, size_t);
void	mp_uint(struct mp_buf *, uint64_t);
void	mp_int(struct mp_buf *, int64_t);
void	mp_bool(struct mp_buf *, int);
void	mp_nil(struct mp_buf *);
void	mp_obj(struct mp_buf *, const msgpack_object *);
void	mp_kstr(struct mp_buf *, const char *, const char *);
void	mp_kuint(struct mp_buf *, const char *, uint64_t);
void	mp_kint(struct mp_buf *, const char *, int64_t);
void	mp_kbool(struct mp_buf *, const char *, int);
/* Append raw, already packed msgpack (one or more objects). */
void	mp_raw(struct mp_buf *, const void *, size_t);

#endif
