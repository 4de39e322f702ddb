#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "log.h"
#include "vault.h"
#include "xmalloc.h"

#define VAULT_MAGIC	"AV1"
#define VAULT_MAGIC_LEN	3
#define VAULT_NONCE_LEN	12
#define VAULT_TAG_LEN	16

struct vault {
	uint8_t	*key;
};

static struct vault *
vault_alloc(void)
{
	struct vault	*v;

	v = xcalloc(1, sizeof *v);
	/* In the secure heap: locked, and out of core files. */
	v->key = xmalloc_secret(VAULT_KEY_LEN);
	return (v);
}

struct vault *
vault_from_key(const uint8_t *key)
{
	struct vault	*v;

	v = vault_alloc();
	memcpy(v->key, key, VAULT_KEY_LEN);
	return (v);
}

void
vault_free(struct vault *v)
{
	if (v == NULL)
		return;
	xfree_secret(v->key, VAULT_KEY_LEN);
	free(v);
}

static int
vault_create(const char *path, char **cause)
{
	uint8_t	 key[VAULT_KEY_LEN];
	int	 fd;
	ssize_t	 n;

	if (RAND_bytes(key, sizeof key) != 1) {
		xasprintf(cause, "vault: no random bytes for a master key");
		return (-1);
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		OPENSSL_cleanse(key, sizeof key);
		xasprintf(cause, "vault: create %s: %s", path, strerror(errno));
		return (-1);
	}
	n = write(fd, key, sizeof key);
	OPENSSL_cleanse(key, sizeof key);
	if (n != (ssize_t)sizeof key || fsync(fd) != 0) {
		xasprintf(cause, "vault: write %s: %s", path,
		    n == -1 ? strerror(errno) : "short write");
		close(fd);
		unlink(path);
		return (-1);
	}
	close(fd);
	log_info("vault: created master key %s", path);
	return (0);
}

int
vault_open(const char *path, int create, struct vault **out, char **cause)
{
	struct vault	*v;
	struct stat	 st;
	ssize_t		 n;
	int		 fd;
	uint8_t		 extra;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && create) {
		if (vault_create(path, cause) != 0)
			return (-1);
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd == -1 && errno == ELOOP) {
		xasprintf(cause, "vault: master key %s is a symbolic link, "
		    "which acmd does not follow: put the key file itself there",
		    path);
		return (-1);
	}
	if (fd == -1) {
		xasprintf(cause, "vault: open %s: %s", path, strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "vault: %s is not a regular file", path);
		close(fd);
		return (-1);
	}
	if ((st.st_mode & 077) != 0) {
		xasprintf(cause, "vault: master key %s has mode %04o: group or "
		    "others may access it; run chmod 600 on it", path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return (-1);
	}
	if (st.st_uid != geteuid()) {
		xasprintf(cause, "vault: master key %s is owned by uid %u, not "
		    "by acmd's uid %u", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
		close(fd);
		return (-1);
	}
	v = vault_alloc();
	n = read(fd, v->key, VAULT_KEY_LEN);
	if (n != VAULT_KEY_LEN || read(fd, &extra, 1) != 0) {
		xasprintf(cause, "vault: master key %s must hold exactly %d "
		    "bytes", path, VAULT_KEY_LEN);
		close(fd);
		vault_free(v);
		return (-1);
	}
	close(fd);
	*out = v;
	return (0);
}

int
vault_seal(struct vault *v, const char *aad, const void *pt, size_t ptlen,
    uint8_t **out, size_t *outlen, char **cause)
{
	EVP_CIPHER_CTX	*ctx;
	uint8_t		*blob, *nonce, *ct;
	int		 len, ok = 0;

	if (ptlen > 64 * 1024 * 1024) {
		xasprintf(cause, "vault: record too large");
		return (-1);
	}
	blob = xmalloc(VAULT_OVERHEAD + ptlen);
	memcpy(blob, VAULT_MAGIC, VAULT_MAGIC_LEN);
	nonce = blob + VAULT_MAGIC_LEN;
	ct = nonce + VAULT_NONCE_LEN;
	if (RAND_bytes(nonce, VAULT_NONCE_LEN) != 1) {
		free(blob);
		xasprintf(cause, "vault: no random bytes for a nonce");
		return (-1);
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		fatalx("vault: EVP_CIPHER_CTX_new");
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, v->key,
	    nonce) == 1 &&
	    EVP_EncryptUpdate(ctx, NULL, &len, (const uint8_t *)aad,
	    (int)strlen(aad)) == 1 &&
	    EVP_EncryptUpdate(ctx, ct, &len, pt, (int)ptlen) == 1 &&
	    EVP_EncryptFinal_ex(ctx, ct + len, &len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, VAULT_TAG_LEN,
	    ct + ptlen) == 1)
		ok = 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		free(blob);
		xasprintf(cause, "vault: encryption failed");
		return (-1);
	}
	*out = blob;
	*outlen = VAULT_OVERHEAD + ptlen;
	return (0);
}

int
vault_unseal(struct vault *v, const char *aad, const void *blob,
    size_t bloblen, uint8_t **out, size_t *outlen, char **cause)
{
	EVP_CIPHER_CTX	*ctx;
	const uint8_t	*b = blob, *nonce, *ct;
	uint8_t		*pt, tag[VAULT_TAG_LEN];
	size_t		 ctlen;
	int		 len, ok = 0;

	if (bloblen < VAULT_OVERHEAD ||
	    memcmp(b, VAULT_MAGIC, VAULT_MAGIC_LEN) != 0) {
		xasprintf(cause, "vault: record '%s' is not a sealed blob", aad);
		return (-1);
	}
	nonce = b + VAULT_MAGIC_LEN;
	ct = nonce + VAULT_NONCE_LEN;
	ctlen = bloblen - VAULT_OVERHEAD;
	memcpy(tag, ct + ctlen, VAULT_TAG_LEN);
	pt = xmalloc_secret(ctlen + 1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		fatalx("vault: EVP_CIPHER_CTX_new");
	if (EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, v->key,
	    nonce) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &len, (const uint8_t *)aad,
	    (int)strlen(aad)) == 1 &&
	    EVP_DecryptUpdate(ctx, pt, &len, ct, (int)ctlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, VAULT_TAG_LEN,
	    tag) == 1 &&
	    EVP_DecryptFinal_ex(ctx, pt + len, &len) == 1)
		ok = 1;
	EVP_CIPHER_CTX_free(ctx);
	if (!ok) {
		xfree_secret(pt, ctlen + 1);
		xasprintf(cause, "vault: record '%s' failed authentication "
		    "(tampered, moved, or another master key)", aad);
		return (-1);
	}
	pt[ctlen] = '\0';
	*out = pt;
	*outlen = ctlen;
	return (0);
}
