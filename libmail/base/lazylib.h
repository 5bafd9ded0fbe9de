/* lazylib.h — OpenSSL, ldns and libcrypt, loaded when first needed.
 *
 * Linking them normally costs every exec about 1 ms before main() (libcrypto
 * alone has thousands of relocations), which is most of what `sendmail`
 * spends on a message. So the binary does not link them: the files that use
 * them include this header (it includes the libraries' own headers before
 * its #defines, so the order of includes does not matter), and each call
 * below goes through a pointer that lazylib_load() fills by dlopen() of the
 * library the build was compiled against (see lazylib.c).
 *
 * The rules that make this safe:
 *   - Loading is lazylib_load(): each library once per process, under
 *     pthread_once, so threads may race for it; a library that cannot be
 *     loaded is an error returned (EX_OSERR), never an exit or a message.
 *   - Every libmail entry point that leads to one of these libraries loads
 *     it first and returns that error: tls_*_ctx (OpenSSL), dns_init and
 *     dns_parse_reply (ldns), users_load and users_hash_password
 *     (libcrypt), maildrop_open and smtp_cram_md5 (OpenSSL); daemon_run
 *     and runner_run load all three before they fork. The applets load
 *     what they need before they start (main.c's table, exit 71 naming the
 *     library), before any thread exists.
 *   - A call that reaches a pointer still unset (an entry point that forgot
 *     the rule) loads the library then; if that fails there is no error
 *     path left mid-call, and the process aborts (a bug, like a failed
 *     assert).
 *   - The dependencies are declared where packagers look: `postbox --libs`
 *     prints the sonames this build loads (Makefile: SONAMES), and the
 *     README's Installing section names the Debian packages.
 *
 * Two lists, kept in step by the compiler: a name in LAZY_*_SYMBOLS without
 * its #define is an undefined reference at link time; a #define without its
 * list entry is an undeclared lazy_ pointer. A new call into one of these
 * libraries needs one line in each.
 */
#ifndef POSTBOX_LAZYLIB_H
#define POSTBOX_LAZYLIB_H

#include <crypt.h>
#include <ldns/ldns.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "base/err.h"

enum lazylib_set {
	LAZYLIB_OPENSSL = 1,
	LAZYLIB_LDNS = 2,
	LAZYLIB_CRYPT = 4,
	LAZYLIB_ALL = 7,
};

/* Load the libraries of `set` now (those already loaded cost nothing).
 * 0, or -1 with EX_OSERR 451 4.3.0 naming the library and the cause. Safe
 * from any thread. */
int lazylib_load(unsigned set, struct mail_err *e);

/* The soname of one library (LAZYLIB_OPENSSL, _LDNS or _CRYPT). */
const char *lazylib_soname(unsigned lib);

/* The fallback of a call through an unset pointer; see above. */
void lazylib_require_openssl(void);
void lazylib_require_ldns(void);
void lazylib_require_crypt(void);

#ifdef __CPPCHECK__ /* let the analyser see plain calls, whose effects it knows */
#define LAZY(lib, f) f
#else
#define LAZY(lib, f) (*(lazy_##f ? lazy_##f : (lazylib_require_##lib(), lazy_##f)))
#endif

#define LAZY_OPENSSL_SYMBOLS(X) \
	X(ASN1_TIME_print) \
	X(BIO_ctrl) \
	X(BIO_free) \
	X(BIO_new) \
	X(BIO_new_mem_buf) \
	X(BIO_puts) \
	X(BIO_s_mem) \
	X(CRYPTO_free) \
	X(ERR_clear_error) \
	X(ERR_error_string_n) \
	X(ERR_get_error) \
	X(EVP_Digest) \
	X(EVP_DigestFinal_ex) \
	X(EVP_DigestInit_ex) \
	X(EVP_DigestSign) \
	X(EVP_DigestSignInit) \
	X(EVP_DigestUpdate) \
	X(EVP_DigestVerify) \
	X(EVP_DigestVerifyInit) \
	X(EVP_MD_CTX_free) \
	X(EVP_MD_CTX_new) \
	X(EVP_PKEY_CTX_free) \
	X(EVP_PKEY_CTX_new) \
	X(EVP_PKEY_CTX_new_id) \
	X(EVP_PKEY_CTX_set_rsa_keygen_bits) \
	X(EVP_PKEY_CTX_set_signature_md) \
	X(EVP_PKEY_free) \
	X(EVP_PKEY_get_base_id) \
	X(EVP_PKEY_get_bits) \
	X(EVP_PKEY_get_raw_public_key) \
	X(EVP_PKEY_keygen) \
	X(EVP_PKEY_keygen_init) \
	X(EVP_PKEY_new_raw_public_key) \
	X(EVP_PKEY_sign) \
	X(EVP_PKEY_sign_init) \
	X(EVP_PKEY_verify) \
	X(EVP_PKEY_verify_init) \
	X(EVP_md5) \
	X(EVP_sha1) \
	X(EVP_sha256) \
	X(EVP_sha512) \
	X(HMAC) \
	X(OPENSSL_sk_num) \
	X(OPENSSL_sk_value) \
	X(PEM_read_bio_PrivateKey) \
	X(PEM_write_bio_PrivateKey) \
	X(SSL_CIPHER_get_name) \
	X(SSL_CTX_check_private_key) \
	X(SSL_CTX_ctrl) \
	X(SSL_CTX_free) \
	X(SSL_CTX_load_verify_locations) \
	X(SSL_CTX_new) \
	X(SSL_CTX_set_cipher_list) \
	X(SSL_CTX_set_ciphersuites) \
	X(SSL_CTX_set_default_verify_paths) \
	X(SSL_CTX_set_options) \
	X(SSL_CTX_set_verify) \
	X(SSL_CTX_use_PrivateKey_file) \
	X(SSL_CTX_use_certificate_chain_file) \
	X(SSL_accept) \
	X(SSL_connect) \
	X(SSL_ctrl) \
	X(SSL_free) \
	X(SSL_get1_peer_certificate) \
	X(SSL_get_current_cipher) \
	X(SSL_get_error) \
	X(SSL_get_peer_cert_chain) \
	X(SSL_get_verify_result) \
	X(SSL_get_version) \
	X(SSL_new) \
	X(SSL_pending) \
	X(SSL_read_ex) \
	X(SSL_set1_host) \
	X(SSL_set_hostflags) \
	X(SSL_set_rfd) \
	X(SSL_set_wfd) \
	X(SSL_shutdown) \
	X(SSL_write_ex) \
	X(TLS_client_method) \
	X(TLS_server_method) \
	X(X509_NAME_oneline) \
	X(X509_STORE_CTX_free) \
	X(X509_STORE_CTX_get0_param) \
	X(X509_STORE_CTX_init) \
	X(X509_STORE_CTX_new) \
	X(X509_STORE_add_cert) \
	X(X509_STORE_free) \
	X(X509_STORE_new) \
	X(X509_VERIFY_PARAM_set1_host) \
	X(X509_VERIFY_PARAM_set_flags) \
	X(X509_VERIFY_PARAM_set_hostflags) \
	X(X509_digest) \
	X(X509_free) \
	X(X509_get0_notAfter) \
	X(X509_get0_notBefore) \
	X(X509_get_X509_PUBKEY) \
	X(X509_get_issuer_name) \
	X(X509_get_subject_name) \
	X(X509_verify_cert) \
	X(X509_verify_cert_error_string) \
	X(d2i_PUBKEY) \
	X(d2i_PublicKey) \
	X(i2d_PUBKEY) \
	X(i2d_X509) \
	X(i2d_X509_PUBKEY)

#define LAZY_LDNS_SYMBOLS(X) \
	X(ldns_dname_new_frm_str) \
	X(ldns_pkt2wire) \
	X(ldns_pkt_ad) \
	X(ldns_pkt_answer) \
	X(ldns_pkt_free) \
	X(ldns_pkt_get_rcode) \
	X(ldns_pkt_qr) \
	X(ldns_pkt_query_new) \
	X(ldns_pkt_question) \
	X(ldns_pkt_set_ad) \
	X(ldns_pkt_set_edns_do) \
	X(ldns_pkt_set_edns_udp_size) \
	X(ldns_pkt_set_id) \
	X(ldns_pkt_tc) \
	X(ldns_rdf_data) \
	X(ldns_rdf_deep_free) \
	X(ldns_rdf_get_type) \
	X(ldns_rdf_size) \
	X(ldns_rr_get_class) \
	X(ldns_rr_get_type) \
	X(ldns_rr_list_rr) \
	X(ldns_rr_list_rr_count) \
	X(ldns_rr_owner) \
	X(ldns_rr_rd_count) \
	X(ldns_rr_rdf) \
	X(ldns_wire2pkt)

#define LAZY_CRYPT_SYMBOLS(X) \
	X(crypt_r) \
	X(crypt_gensalt_rn)

#define LAZY_DECLARE(f) extern __typeof__(f) *lazy_##f;
LAZY_OPENSSL_SYMBOLS(LAZY_DECLARE)
LAZY_LDNS_SYMBOLS(LAZY_DECLARE)
LAZY_CRYPT_SYMBOLS(LAZY_DECLARE)
#undef LAZY_DECLARE

#define ASN1_TIME_print LAZY(openssl, ASN1_TIME_print)
#define BIO_ctrl LAZY(openssl, BIO_ctrl)
#define BIO_free LAZY(openssl, BIO_free)
#define BIO_new LAZY(openssl, BIO_new)
#define BIO_new_mem_buf LAZY(openssl, BIO_new_mem_buf)
#define BIO_puts LAZY(openssl, BIO_puts)
#define BIO_s_mem LAZY(openssl, BIO_s_mem)
#define CRYPTO_free LAZY(openssl, CRYPTO_free)
#define ERR_clear_error LAZY(openssl, ERR_clear_error)
#define ERR_error_string_n LAZY(openssl, ERR_error_string_n)
#define ERR_get_error LAZY(openssl, ERR_get_error)
#define EVP_Digest LAZY(openssl, EVP_Digest)
#define EVP_DigestFinal_ex LAZY(openssl, EVP_DigestFinal_ex)
#define EVP_DigestInit_ex LAZY(openssl, EVP_DigestInit_ex)
#define EVP_DigestSign LAZY(openssl, EVP_DigestSign)
#define EVP_DigestSignInit LAZY(openssl, EVP_DigestSignInit)
#define EVP_DigestUpdate LAZY(openssl, EVP_DigestUpdate)
#define EVP_DigestVerify LAZY(openssl, EVP_DigestVerify)
#define EVP_DigestVerifyInit LAZY(openssl, EVP_DigestVerifyInit)
#define EVP_MD_CTX_free LAZY(openssl, EVP_MD_CTX_free)
#define EVP_MD_CTX_new LAZY(openssl, EVP_MD_CTX_new)
#define EVP_PKEY_CTX_free LAZY(openssl, EVP_PKEY_CTX_free)
#define EVP_PKEY_CTX_new LAZY(openssl, EVP_PKEY_CTX_new)
#define EVP_PKEY_CTX_new_id LAZY(openssl, EVP_PKEY_CTX_new_id)
#define EVP_PKEY_CTX_set_rsa_keygen_bits LAZY(openssl, EVP_PKEY_CTX_set_rsa_keygen_bits)
#define EVP_PKEY_CTX_set_signature_md LAZY(openssl, EVP_PKEY_CTX_set_signature_md)
#define EVP_PKEY_free LAZY(openssl, EVP_PKEY_free)
#define EVP_PKEY_get_base_id LAZY(openssl, EVP_PKEY_get_base_id)
#define EVP_PKEY_get_bits LAZY(openssl, EVP_PKEY_get_bits)
#define EVP_PKEY_get_raw_public_key LAZY(openssl, EVP_PKEY_get_raw_public_key)
#define EVP_PKEY_keygen LAZY(openssl, EVP_PKEY_keygen)
#define EVP_PKEY_keygen_init LAZY(openssl, EVP_PKEY_keygen_init)
#define EVP_PKEY_new_raw_public_key LAZY(openssl, EVP_PKEY_new_raw_public_key)
#define EVP_PKEY_sign LAZY(openssl, EVP_PKEY_sign)
#define EVP_PKEY_sign_init LAZY(openssl, EVP_PKEY_sign_init)
#define EVP_PKEY_verify LAZY(openssl, EVP_PKEY_verify)
#define EVP_PKEY_verify_init LAZY(openssl, EVP_PKEY_verify_init)
#define EVP_md5 LAZY(openssl, EVP_md5)
#define EVP_sha1 LAZY(openssl, EVP_sha1)
#define EVP_sha256 LAZY(openssl, EVP_sha256)
#define EVP_sha512 LAZY(openssl, EVP_sha512)
#define HMAC LAZY(openssl, HMAC)
#define OPENSSL_sk_num LAZY(openssl, OPENSSL_sk_num)
#define OPENSSL_sk_value LAZY(openssl, OPENSSL_sk_value)
#define PEM_read_bio_PrivateKey LAZY(openssl, PEM_read_bio_PrivateKey)
#define PEM_write_bio_PrivateKey LAZY(openssl, PEM_write_bio_PrivateKey)
#define SSL_CIPHER_get_name LAZY(openssl, SSL_CIPHER_get_name)
#define SSL_CTX_check_private_key LAZY(openssl, SSL_CTX_check_private_key)
#define SSL_CTX_ctrl LAZY(openssl, SSL_CTX_ctrl)
#define SSL_CTX_free LAZY(openssl, SSL_CTX_free)
#define SSL_CTX_load_verify_locations LAZY(openssl, SSL_CTX_load_verify_locations)
#define SSL_CTX_new LAZY(openssl, SSL_CTX_new)
#define SSL_CTX_set_cipher_list LAZY(openssl, SSL_CTX_set_cipher_list)
#define SSL_CTX_set_ciphersuites LAZY(openssl, SSL_CTX_set_ciphersuites)
#define SSL_CTX_set_default_verify_paths LAZY(openssl, SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_options LAZY(openssl, SSL_CTX_set_options)
#define SSL_CTX_set_verify LAZY(openssl, SSL_CTX_set_verify)
#define SSL_CTX_use_PrivateKey_file LAZY(openssl, SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate_chain_file LAZY(openssl, SSL_CTX_use_certificate_chain_file)
#define SSL_accept LAZY(openssl, SSL_accept)
#define SSL_connect LAZY(openssl, SSL_connect)
#define SSL_ctrl LAZY(openssl, SSL_ctrl)
#define SSL_free LAZY(openssl, SSL_free)
#define SSL_get1_peer_certificate LAZY(openssl, SSL_get1_peer_certificate)
#define SSL_get_current_cipher LAZY(openssl, SSL_get_current_cipher)
#define SSL_get_error LAZY(openssl, SSL_get_error)
#define SSL_get_peer_cert_chain LAZY(openssl, SSL_get_peer_cert_chain)
#define SSL_get_verify_result LAZY(openssl, SSL_get_verify_result)
#define SSL_get_version LAZY(openssl, SSL_get_version)
#define SSL_new LAZY(openssl, SSL_new)
#define SSL_pending LAZY(openssl, SSL_pending)
#define SSL_read_ex LAZY(openssl, SSL_read_ex)
#define SSL_set1_host LAZY(openssl, SSL_set1_host)
#define SSL_set_hostflags LAZY(openssl, SSL_set_hostflags)
#define SSL_set_rfd LAZY(openssl, SSL_set_rfd)
#define SSL_set_wfd LAZY(openssl, SSL_set_wfd)
#define SSL_shutdown LAZY(openssl, SSL_shutdown)
#define SSL_write_ex LAZY(openssl, SSL_write_ex)
#define TLS_client_method LAZY(openssl, TLS_client_method)
#define TLS_server_method LAZY(openssl, TLS_server_method)
#define X509_NAME_oneline LAZY(openssl, X509_NAME_oneline)
#define X509_STORE_CTX_free LAZY(openssl, X509_STORE_CTX_free)
#define X509_STORE_CTX_get0_param LAZY(openssl, X509_STORE_CTX_get0_param)
#define X509_STORE_CTX_init LAZY(openssl, X509_STORE_CTX_init)
#define X509_STORE_CTX_new LAZY(openssl, X509_STORE_CTX_new)
#define X509_STORE_add_cert LAZY(openssl, X509_STORE_add_cert)
#define X509_STORE_free LAZY(openssl, X509_STORE_free)
#define X509_STORE_new LAZY(openssl, X509_STORE_new)
#define X509_VERIFY_PARAM_set1_host LAZY(openssl, X509_VERIFY_PARAM_set1_host)
#define X509_VERIFY_PARAM_set_flags LAZY(openssl, X509_VERIFY_PARAM_set_flags)
#define X509_VERIFY_PARAM_set_hostflags LAZY(openssl, X509_VERIFY_PARAM_set_hostflags)
#define X509_digest LAZY(openssl, X509_digest)
#define X509_free LAZY(openssl, X509_free)
#define X509_get0_notAfter LAZY(openssl, X509_get0_notAfter)
#define X509_get0_notBefore LAZY(openssl, X509_get0_notBefore)
#define X509_get_X509_PUBKEY LAZY(openssl, X509_get_X509_PUBKEY)
#define X509_get_issuer_name LAZY(openssl, X509_get_issuer_name)
#define X509_get_subject_name LAZY(openssl, X509_get_subject_name)
#define X509_verify_cert LAZY(openssl, X509_verify_cert)
#define X509_verify_cert_error_string LAZY(openssl, X509_verify_cert_error_string)
#define d2i_PUBKEY LAZY(openssl, d2i_PUBKEY)
#define d2i_PublicKey LAZY(openssl, d2i_PublicKey)
#define i2d_PUBKEY LAZY(openssl, i2d_PUBKEY)
#define i2d_X509 LAZY(openssl, i2d_X509)
#define i2d_X509_PUBKEY LAZY(openssl, i2d_X509_PUBKEY)

#define ldns_dname_new_frm_str LAZY(ldns, ldns_dname_new_frm_str)
#define ldns_pkt2wire LAZY(ldns, ldns_pkt2wire)
#define ldns_pkt_ad LAZY(ldns, ldns_pkt_ad)
#define ldns_pkt_answer LAZY(ldns, ldns_pkt_answer)
#define ldns_pkt_free LAZY(ldns, ldns_pkt_free)
#define ldns_pkt_get_rcode LAZY(ldns, ldns_pkt_get_rcode)
#define ldns_pkt_qr LAZY(ldns, ldns_pkt_qr)
#define ldns_pkt_query_new LAZY(ldns, ldns_pkt_query_new)
#define ldns_pkt_question LAZY(ldns, ldns_pkt_question)
#define ldns_pkt_set_ad LAZY(ldns, ldns_pkt_set_ad)
#define ldns_pkt_set_edns_do LAZY(ldns, ldns_pkt_set_edns_do)
#define ldns_pkt_set_edns_udp_size LAZY(ldns, ldns_pkt_set_edns_udp_size)
#define ldns_pkt_set_id LAZY(ldns, ldns_pkt_set_id)
#define ldns_pkt_tc LAZY(ldns, ldns_pkt_tc)
#define ldns_rdf_data LAZY(ldns, ldns_rdf_data)
#define ldns_rdf_deep_free LAZY(ldns, ldns_rdf_deep_free)
#define ldns_rdf_get_type LAZY(ldns, ldns_rdf_get_type)
#define ldns_rdf_size LAZY(ldns, ldns_rdf_size)
#define ldns_rr_get_class LAZY(ldns, ldns_rr_get_class)
#define ldns_rr_get_type LAZY(ldns, ldns_rr_get_type)
#define ldns_rr_list_rr LAZY(ldns, ldns_rr_list_rr)
#define ldns_rr_list_rr_count LAZY(ldns, ldns_rr_list_rr_count)
#define ldns_rr_owner LAZY(ldns, ldns_rr_owner)
#define ldns_rr_rd_count LAZY(ldns, ldns_rr_rd_count)
#define ldns_rr_rdf LAZY(ldns, ldns_rr_rdf)
#define ldns_wire2pkt LAZY(ldns, ldns_wire2pkt)

#define crypt_r LAZY(crypt, crypt_r)
#define crypt_gensalt_rn LAZY(crypt, crypt_gensalt_rn)

#endif
