/* dkim_key.c — DKIM private and public keys on OpenSSL; see dkim_key.h. */
#include "auth/dkim_key.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"
#include "msg/mime.h"
#include "base/lazy_ssl.h"

#define KEY_FILE_MAX 65536

/* Read a key file, refusing what would leak or could not be a key. */
static int read_key_file(const char *path, struct buf *pem, struct mail_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: %s", path, strerror(errno));
	struct stat st;
	int rc = -1;
	if (fstat(fd, &st) < 0) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: %s", path, strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: not a regular file", path);
	} else if (st.st_mode & S_IRWXO) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: others may read or write it (mode %04o); chmod o-rwx",
			path, (unsigned)(st.st_mode & 07777));
	} else if (st.st_size > KEY_FILE_MAX) {
		err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: over %d bytes, not a key", path, KEY_FILE_MAX);
	} else {
		buf_init(pem, KEY_FILE_MAX + 1);
		char chunk[4096];
		ssize_t r;
		while ((r = read(fd, chunk, sizeof chunk)) > 0)
			buf_add(pem, chunk, (size_t)r);
		if (r < 0 || !buf_ok(pem))
			err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: %s", path,
				r < 0 ? strerror(errno) : "over the size limit");
		else
			rc = 0;
	}
	close(fd);
	return rc;
}

int dkim_key_load(struct dkim_signing_key *k, const char *domain, const char *selector, const char *path,
		  const char *alg, struct mail_err *e)
{
	memset(k, 0, sizeof *k);
	if (str_copy(k->domain, sizeof k->domain, domain, strlen(domain)) < 0 ||
	    str_copy(k->selector, sizeof k->selector, selector, strlen(selector)) < 0)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: domain or selector too long", path);
	struct buf pem = BUF_INIT;
	if (read_key_file(path, &pem, e) < 0) {
		buf_free(&pem);
		return -1;
	}
	BIO *bio = BIO_new_mem_buf(pem.ptr ? pem.ptr : "", (int)pem.len);
	EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	explicit_bzero(pem.ptr ? pem.ptr : (char *)"", pem.ptr ? pem.cap : 0);
	buf_free(&pem);
	ERR_clear_error();
	if (!pkey)
		return err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: not a PEM private key", path);
	int id = EVP_PKEY_get_base_id(pkey);
	enum dkim_alg want;
	if (id == EVP_PKEY_RSA) {
		want = DKIM_RSA_SHA256;
		if (EVP_PKEY_get_bits(pkey) < DKIM_RSA_BITS_MIN) {
			err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: RSA key of %d bits, under %d (RFC 8301)", path,
				EVP_PKEY_get_bits(pkey), DKIM_RSA_BITS_MIN);
			EVP_PKEY_free(pkey);
			return -1;
		}
	} else if (id == EVP_PKEY_ED25519) {
		want = DKIM_ED25519_SHA256;
	} else {
		EVP_PKEY_free(pkey);
		return err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: neither an RSA nor an Ed25519 key", path);
	}
	if (alg && strcasecmp(alg, dkim_alg_name(want))) {
		EVP_PKEY_free(pkey);
		return err_set(e, EX_CONFIG, 451, "4.3.5", "DKIM key %s: an %s key cannot sign %s", path,
			       want == DKIM_RSA_SHA256 ? "RSA" : "Ed25519", alg);
	}
	k->alg = want;
	k->pkey = pkey;
	return 0;
}

void dkim_key_free(struct dkim_signing_key *k)
{
	if (k->pkey)
		EVP_PKEY_free(k->pkey);
	k->pkey = NULL;
}

int dkim_key_record_text(EVP_PKEY *pkey, struct buf *record, struct mail_err *e)
{
	unsigned char raw[DKIM_PUBKEY_MAX];
	size_t len = 0;
	const char *type;
	if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519) {
		/* RFC 8463 §4.2: p= is the raw 32-octet key, not an SPKI. */
		len = sizeof raw;
		if (EVP_PKEY_get_raw_public_key(pkey, raw, &len) != 1)
			return err_set(e, EX_SOFTWARE, 451, "4.3.0", "cannot get the Ed25519 public key");
		type = "ed25519";
	} else {
		int n = i2d_PUBKEY(pkey, NULL);
		if (n <= 0 || n > (int)sizeof raw)
			return err_set(e, EX_SOFTWARE, 451, "4.3.0", "cannot encode the RSA public key");
		unsigned char *p = raw;
		i2d_PUBKEY(pkey, &p);
		len = (size_t)n;
		type = "rsa";
	}
	buf_addf(record, "v=DKIM1; k=%s; p=", type);
	base64_encode(record, raw, len);
	return buf_ok(record) ? 0 : err_set(e, EX_SOFTWARE, 451, "4.3.0", "out of memory");
}

static EVP_PKEY *generate(enum dkim_key_type type, int bits)
{
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(type == DKIM_KEY_RSA ? EVP_PKEY_RSA : EVP_PKEY_ED25519, NULL);
	if (ctx && EVP_PKEY_keygen_init(ctx) == 1 &&
	    (type != DKIM_KEY_RSA || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1) &&
	    EVP_PKEY_keygen(ctx, &pkey) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

int dkim_keygen(enum dkim_key_type type, int bits, const char *path, struct buf *record, struct mail_err *e)
{
	if (type == DKIM_KEY_RSA && (bits < DKIM_RSA_BITS_MIN || bits > DKIM_RSA_BITS_MAX))
		return err_set(e, EX_USAGE, 501, "5.5.4", "RSA keys have %d to %d bits, not %d", DKIM_RSA_BITS_MIN,
			       DKIM_RSA_BITS_MAX, bits);
	EVP_PKEY *pkey = generate(type, bits);
	ERR_clear_error();
	if (!pkey)
		return err_set(e, EX_SOFTWARE, 451, "4.3.0", "OpenSSL could not make the key");
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem = NULL;
	long pem_len = 0;
	if (bio && PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1)
		pem_len = BIO_get_mem_data(bio, &pem);
	int rc = -1;
	if (pem_len <= 0) {
		err_set(e, EX_SOFTWARE, 451, "4.3.0", "OpenSSL could not write the key");
		goto out;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		err_set(e, EX_CANTCREAT, 451, "4.3.0", "%s: %s", path, strerror(errno));
		goto out;
	}
	/* The mode of O_CREAT passes through the umask, which can only take
	 * bits away; fchmod makes it exactly 0600 anyway. */
	if (fchmod(fd, 0600) < 0 || write_all(fd, pem, (size_t)pem_len) < 0 || fsync(fd) < 0) {
		err_set(e, EX_IOERR, 451, "4.3.0", "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		goto out;
	}
	if (close(fd) < 0) {
		err_set(e, EX_IOERR, 451, "4.3.0", "%s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	rc = dkim_key_record_text(pkey, record, e);
out:
	if (pem_len > 0)
		explicit_bzero(pem, (size_t)pem_len);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
	return rc;
}

int dkim_public_key(const struct dkim_key_record *rec, EVP_PKEY **pkey, const char **why)
{
	*pkey = NULL;
	if (rec->type == DKIM_KEY_ED25519) {
		if (rec->p_len != 32) {
			*why = "an Ed25519 key is 32 octets";
			return -1;
		}
		*pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, rec->p, rec->p_len);
	} else {
		/* SubjectPublicKeyInfo as RFC 6376 asks; some publish the bare
		 * RSAPublicKey (PKCS#1), which verifiers accept as well. */
		const unsigned char *p = rec->p;
		*pkey = d2i_PUBKEY(NULL, &p, (long)rec->p_len);
		if (!*pkey) {
			p = rec->p;
			*pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)rec->p_len);
		}
		if (*pkey && EVP_PKEY_get_base_id(*pkey) != EVP_PKEY_RSA) {
			EVP_PKEY_free(*pkey);
			*pkey = NULL;
		}
	}
	ERR_clear_error();
	if (!*pkey) {
		*why = "the key record's p= is not a public key of its k= type";
		return -1;
	}
	if (rec->type == DKIM_KEY_RSA && EVP_PKEY_get_bits(*pkey) < DKIM_RSA_BITS_MIN) {
		*why = "RSA key under 1024 bits (RFC 8301)";
		EVP_PKEY_free(*pkey);
		*pkey = NULL;
		return -1;
	}
	return 0;
}

void dkim_public_key_free(EVP_PKEY *pkey)
{
	if (pkey)
		EVP_PKEY_free(pkey);
}
