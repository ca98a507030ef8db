// SPDX-License-Identifier: GPL-2.0-or-later
/* CMS verification through OpenSSL 3. */
#include <ctype.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/artifact.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "lib/verify.h"

struct certs {
	STACK_OF(X509) *stack;
};

/*
 * Every certificate of a PEM file (a bundle), else its one DER
 * certificate, onto stack: how many (0: none), or -1 with why where a
 * certificate was read and then something is wrong, which would
 * otherwise leave a certificate out unsaid: a PEM certificate block
 * that does not parse after the good ones (text around the blocks, and
 * other kinds of block, are as OpenSSL takes them), or bytes after a DER
 * certificate (at *off).
 */
static int load_file_certs(const char *path, STACK_OF(X509) *stack, const char **why,
			   long *off)
{
	BIO *b = BIO_new_file(path, "rb");
	unsigned long e;
	X509 *x;
	char c;
	int n = 0;

	if (!b)
		return 0;
	ERR_clear_error();
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		sk_X509_push(stack, x);
		n++;
	}
	e = ERR_peek_last_error();
	if (n && !(ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE)) {
		*why = "a PEM certificate that does not parse, after the good ones";
		n = -1;
	}
	ERR_clear_error();
	if (!n) {
		BIO_reset(b);
		if ((x = d2i_X509_bio(b, NULL)) != NULL) {
			sk_X509_push(stack, x);
			n++;
			*off = BIO_tell(b);
			if (BIO_read(b, &c, 1) > 0) {
				*why = "bytes after its DER certificate";
				n = -1;
			}
		}
		ERR_clear_error();
	}
	BIO_free(b);
	return n;
}

int certs_load(struct certs **ret, const char *const *paths, size_t n,
	       struct sr_error **err)
{
	struct certs *c = xcalloc(1, sizeof(*c));

	c->stack = sk_X509_new_null();
	for (size_t i = 0; i < n; i++) {
		const char *why = NULL;
		struct stat st;
		long off = -1;
		int e = 0, k;

		/* (a directory or a FIFO is no certificate file: 125, as
		 * any file that cannot be read) */
		if (stat(paths[i], &st) < 0 || access(paths[i], R_OK) < 0)
			e = errno;
		else if (S_ISDIR(st.st_mode))
			e = EISDIR;
		else if (!S_ISREG(st.st_mode))
			e = EINVAL;
		if (e) {
			certs_free(c);
			return sr_error_make(err, SR_EXIT_FAILURE, e == EINVAL ? 0 : e,
					     e == EINVAL ? "cannot read '%s': not a regular file" :
					     "cannot read '%s'", paths[i]);
		}
		k = load_file_certs(paths[i], c->stack, &why, &off);
		if (k <= 0) {
			certs_free(c);
			if (!k)
				return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: not a PEM or "
						     "DER X.509 certificate", paths[i]);
			if (off >= 0)
				return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %ld: %s",
						     paths[i], off, why);
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: %s", paths[i], why);
		}
	}
	*ret = c;
	return 0;
}

void certs_free(struct certs *c)
{
	if (!c)
		return;
	sk_X509_pop_free(c->stack, X509_free);
	free(c);
}

static void describe(CMS_ContentInfo *cms, struct verify_result *r)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) > 0 ?
			     sk_CMS_SignerInfo_value(sis, 0) : NULL;
	ASN1_OCTET_STRING *keyid = NULL;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509_ALGOR *dig = NULL;

	if (!si)
		return;
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
	if (dig) {
		snprintf(r->digest, sizeof(r->digest), "%s",
			 OBJ_nid2sn(OBJ_obj2nid(dig->algorithm)));
		for (char *q = r->digest; *q; q++)	/* sha256, as tools say */
			*q = (char)tolower((unsigned char)*q);
	}
	if (CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial) != 1)
		return;
	if (keyid) {
		size_t o = (size_t)snprintf(r->id, sizeof(r->id), "keyid=");

		for (int i = 0; i < keyid->length && o + 3 < sizeof(r->id); i++)
			o += (size_t)snprintf(r->id + o, sizeof(r->id) - o, "%02x", keyid->data[i]);
	} else if (issuer && serial) {
		char name[256];
		BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
		char *hex = bn ? BN_bn2hex(bn) : NULL;

		X509_NAME_oneline(issuer, name, sizeof(name));
		snprintf(r->id, sizeof(r->id), "issuer=%s serial=%s", name, hex ? hex : "?");
		OPENSSL_free(hex);
		BN_free(bn);
	}
}

/* What the kernel's pkcs7_verify refuses in a module's signature, though
 * CMS_verify takes it: content that is not id-data, or is there (not
 * detached: "data already supplied"), or signed attributes.  True with
 * r's reason (a FAIL). */
static bool module_sig_refused(CMS_ContentInfo *cms, struct verify_result *r)
{
	STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
	ASN1_OCTET_STRING **content = CMS_get0_content(cms);
	const char *why = NULL;

	if (OBJ_obj2nid(CMS_get0_eContentType(cms)) != NID_pkcs7_data)
		why = "its content type is not data";
	else if (content && *content)
		why = "it carries its content (not detached)";
	for (int i = 0; !why && i < sk_CMS_SignerInfo_num(sis); i++)
		if (CMS_signed_get_attr_count(sk_CMS_SignerInfo_value(sis, i)) > 0)
			why = "it has authenticated attributes";
	if (!why)
		return false;
	r->ok = 0;
	snprintf(r->reason, sizeof(r->reason), "%s", why);
	return true;
}

/*
 * A BIO reading len bytes at p, whatever len is: BIO_new_mem_buf takes
 * an int (a length past 2 GiB would wrap, or be taken for a string's),
 * and a module's content or an image may be bigger.
 */
struct span {
	const uint8_t *p;
	size_t len, pos;
};

static int span_read(BIO *b, char *out, size_t n, size_t *got)
{
	struct span *s = BIO_get_data(b);

	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(out, s->p + s->pos, n);
	s->pos += n;
	*got = n;
	return n > 0;
}

static long span_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct span *s = BIO_get_data(b);

	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_EOF:
		return s->pos >= s->len;
	case BIO_CTRL_RESET:
		s->pos = 0;
		return 1;
	case BIO_CTRL_FLUSH:
		return 1;
	default:
		return 0;
	}
}

static int span_free(BIO *b)
{
	free(BIO_get_data(b));
	return 1;
}

static BIO *span_bio(const uint8_t *p, size_t len)
{
	static BIO_METHOD *m;
	struct span *s;
	BIO *b;

	if (!m) {		/* (the verifying is single-threaded) */
		m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sandrun span");
		if (!m || !BIO_meth_set_read_ex(m, span_read) ||
		    !BIO_meth_set_ctrl(m, span_ctrl) || !BIO_meth_set_destroy(m, span_free))
			die_oom();
	}
	b = BIO_new(m);
	if (!b)
		die_oom();
	s = xmalloc(sizeof(*s));
	*s = (struct span){ .p = p, .len = len };
	BIO_set_data(b, s);
	BIO_set_init(b, 1);
	return b;
}

int verify_cms(const struct certs *c, const uint8_t *sig, size_t sig_len, uint64_t sig_off,
	       const uint8_t *payload, size_t payload_len, const char *name,
	       struct verify_result *r, struct sr_error **err)
{
	const unsigned char *p = sig;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
	BIO *data;
	int ok;

	memset(r, 0, sizeof(*r));
	if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
		CMS_ContentInfo_free(cms);
		ERR_clear_error();
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "%s: byte %llu: the signature is not a CMS SignedData "
				     "(bad DER)", name, (unsigned long long)sig_off);
	}
	describe(cms, r);
	if (module_sig_refused(cms, r)) {
		CMS_ContentInfo_free(cms);
		return 0;
	}
	data = span_bio(payload, payload_len);
	/* CMS_BINARY: the payload is bytes, not MIME text to canonicalize;
	 * the key is trusted as given, as the kernel's keyring does. */
	ok = CMS_verify(cms, c->stack, NULL, data, NULL,
			CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY | CMS_NOINTERN |
			CMS_DETACHED);
	r->ok = ok == 1;
	if (r->ok) {
		STACK_OF(X509) *signers = CMS_get0_signers(cms);
		X509 *x = signers && sk_X509_num(signers) ? sk_X509_value(signers, 0) : NULL;

		if (x)
			X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
						  r->signer, sizeof(r->signer));
		sk_X509_free(signers);
	} else {
		unsigned long e = ERR_peek_last_error();
		STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
		CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) > 0 ?
				     sk_CMS_SignerInfo_value(sis, 0) : NULL;

		snprintf(r->reason, sizeof(r->reason), "%s",
			 e ? ERR_reason_error_string(e) : "signature does not match");
		if (!r->reason[0] || !strcmp(r->reason, "(null)"))
			snprintf(r->reason, sizeof(r->reason), "signature does not match");
		/* (a FAIL names its signer too: the given certificate its
		 * signer info names, if one is) */
		for (int i = 0; si && i < sk_X509_num(c->stack); i++)
			if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(c->stack, i)) == 0) {
				X509_NAME_get_text_by_NID(
					X509_get_subject_name(sk_X509_value(c->stack, i)),
					NID_commonName, r->signer, sizeof(r->signer));
				break;
			}
	}
	ERR_clear_error();
	BIO_free(data);
	CMS_ContentInfo_free(cms);
	return 0;
}

/*
 * Authenticode: the PE's certificate table holds WIN_CERTIFICATE entries;
 * a PKCS_SIGNED_DATA one carries PKCS#7 SignedData whose content is an
 * SpcIndirectDataContent { SpcAttributeTypeAndOptionalValue, DigestInfo }
 * (Microsoft's "Windows Authenticode Portable Executable Signature
 * Format").  The signature covers that content's value bytes (after its
 * SEQUENCE header), the DigestInfo the image's Authenticode digest.
 */
#define SPC_INDIRECT_DATA "1.3.6.1.4.1.311.2.1.4"
#define WIN_CERT_TYPE_PKCS_SIGNED_DATA 2
#define WIN_CERT_REVISION_2_0 0x0200

static int pe_bad(struct sr_error **err, const char *name, uint64_t off,
		  const char *what)
{
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %llu: %s",
			     name, (unsigned long long)off, what);
}

/* The PKCS#7 of the nth PKCS_SIGNED_DATA entry; 0 when there is none. */
static int pe_signature(const uint8_t *buf, uint64_t size, const char *name,
			unsigned nth, PKCS7 **ret, struct sr_error **err)
{
	struct region r[MAX_REGIONS];
	size_t n;
	uint64_t off, end;

	*ret = NULL;
	if (pe_regions(buf, size, name, r, &n, err) < 0)
		return -1;
	if (n < 3)
		return 0;
	for (off = r[2].off, end = r[2].off + r[2].len; off < end && end - off >= 8;) {
		uint32_t len = (uint32_t)buf[off] | (uint32_t)buf[off + 1] << 8 |
			       (uint32_t)buf[off + 2] << 16 | (uint32_t)buf[off + 3] << 24;
		unsigned type = buf[off + 6] | buf[off + 7] << 8;
		const unsigned char *p = buf + off + 8;

		if (len < 8 || len > end - off)
			return pe_bad(err, name, off, "WIN_CERTIFICATE length is outside "
				      "the certificate table");
		if (type == WIN_CERT_TYPE_PKCS_SIGNED_DATA && nth--) {
			off += ((uint64_t)len + 7) & ~(uint64_t)7;
			continue;
		}
		if (type == WIN_CERT_TYPE_PKCS_SIGNED_DATA) {
			unsigned rev = buf[off + 4] | buf[off + 5] << 8;

			/* (as the kernel's verify_pefile.c and sbverify refuse
			 * any other) */
			if (rev != WIN_CERT_REVISION_2_0) {
				char what[96];

				snprintf(what, sizeof(what), "WIN_CERTIFICATE revision is 0x%04x, "
					 "not 2.0 (0x0200)", rev);
				return pe_bad(err, name, off + 4, what);
			}
			*ret = d2i_PKCS7(NULL, &p, len - 8);
			if (!*ret || !PKCS7_type_is_signed(*ret)) {
				PKCS7_free(*ret);
				*ret = NULL;
				ERR_clear_error();
				return pe_bad(err, name, off + 8,
					      "Authenticode signature is not PKCS#7 SignedData (bad DER)");
			}
			return 1;
		}
		off += ((uint64_t)len + 7) & ~(uint64_t)7;
	}
	return 0;
}

/* The SpcIndirectDataContent's value bytes and its DigestInfo. */
static int spc_content(PKCS7 *p7, const unsigned char **ret, long *ret_len,
		       X509_SIG **ret_di)
{
	PKCS7 *inner = p7->d.sign->contents;
	ASN1_TYPE *t;
	const unsigned char *p, *q;
	long len, elen;
	int tag, cls;
	char oid[64];

	if (!inner || !inner->type || !(t = inner->d.other) ||
	    t->type != V_ASN1_SEQUENCE)
		return -1;
	OBJ_obj2txt(oid, sizeof(oid), inner->type, 1);
	if (strcmp(oid, SPC_INDIRECT_DATA))
		return -1;
	p = t->value.sequence->data;
	len = t->value.sequence->length;
	if (ASN1_get_object(&p, &elen, &tag, &cls, len) & 0x80 || tag != V_ASN1_SEQUENCE)
		return -1;
	*ret = p;
	*ret_len = elen;
	/* skip SpcAttributeTypeAndOptionalValue, then the DigestInfo */
	q = p;
	if (ASN1_get_object(&q, &len, &tag, &cls, elen) & 0x80 ||
	    len > elen - (q - p))
		return -1;
	q += len;
	*ret_di = d2i_X509_SIG(NULL, &q, elen - (q - p));
	return *ret_di ? 0 : -1;
}

static int authenticode_digest(const uint8_t *buf, uint64_t size, const char *name,
			       const EVP_MD *md, unsigned char *ret, unsigned *ret_len,
			       struct sr_error **err)
{
	struct region *v;
	size_t n;
	EVP_MD_CTX *ctx;
	int k = pe_authenticode_ranges(buf, size, name, &v, &n, err);

	if (k <= 0)
		return k < 0 ? -1 : pe_bad(err, name, 0, "not a PE image");
	ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, md, NULL);
	for (size_t i = 0; i < n; i++)
		EVP_DigestUpdate(ctx, buf + v[i].off, v[i].len);
	EVP_DigestFinal_ex(ctx, ret, ret_len);
	EVP_MD_CTX_free(ctx);
	free(v);
	return 0;
}

/* OpenSSL 3.0's PKCS7_verify leaks its content BIO when a signer's
 * digest is unknown: refuse such signatures before. */
static int signer_digests_known(PKCS7 *p7)
{
	STACK_OF(PKCS7_SIGNER_INFO) *sis = PKCS7_get_signer_info(p7);

	STACK_OF(X509_ALGOR) *mds = p7->d.sign->md_algs;

	if (!sis || !sk_PKCS7_SIGNER_INFO_num(sis))
		return 0;
	for (int i = 0; i < sk_X509_ALGOR_num(mds); i++)
		if (!EVP_get_digestbyobj(sk_X509_ALGOR_value(mds, i)->algorithm))
			return 0;
	for (int i = 0; i < sk_PKCS7_SIGNER_INFO_num(sis); i++) {
		PKCS7_SIGNER_INFO *si = sk_PKCS7_SIGNER_INFO_value(sis, i);

		if (!si->digest_alg || !EVP_get_digestbyobj(si->digest_alg->algorithm))
			return 0;
	}
	return 1;
}

/* The signer must be a given certificate or chain up to one; times and
 * purposes are not checked, as firmware does not check them either. */
static int trusted(const struct certs *c, X509 *signer, STACK_OF(X509) *extra)
{
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok = 0;

	for (int i = 0; i < sk_X509_num(c->stack); i++) {
		if (!X509_cmp(sk_X509_value(c->stack, i), signer))
			ok = 1;
		X509_STORE_add_cert(store, sk_X509_value(c->stack, i));
	}
	if (!ok && X509_STORE_CTX_init(ctx, store, signer, extra) == 1) {
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_PARTIAL_CHAIN |
					 X509_V_FLAG_NO_CHECK_TIME);
		ok = X509_verify_cert(ctx) == 1;
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	ERR_clear_error();
	return ok;
}

/* The signature's signers' certificates (its own, or the given ones, by
 * issuer and serial), the first's CN and issuer and serial into r. */
static STACK_OF(X509) *pe_signers(PKCS7 *p7, const struct certs *c, struct verify_result *r)
{
	STACK_OF(X509) *signers = PKCS7_get0_signers(p7, c->stack, 0);
	X509 *x;
	char name[256];
	BIGNUM *bn;
	char *hex;

	if (!signers || !sk_X509_num(signers))
		return signers;
	x = sk_X509_value(signers, 0);
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	hex = bn ? BN_bn2hex(bn) : NULL;
	X509_NAME_get_text_by_NID(X509_get_subject_name(x), NID_commonName,
				  r->signer, sizeof(r->signer));
	X509_NAME_oneline(X509_get_issuer_name(x), name, sizeof(name));
	snprintf(r->id, sizeof(r->id), "issuer=%s serial=%s", name, hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	return signers;
}

static int verify_nth(const struct certs *c, const uint8_t *sigbuf, uint64_t sigsize,
		      const char *signame, unsigned nth, const uint8_t *img,
		      uint64_t imgsize, const char *name, struct verify_result *r,
		      struct sr_error **err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	const unsigned char *content, *want;
	long content_len;
	X509_SIG *di = NULL;
	const X509_ALGOR *alg;
	const ASN1_OCTET_STRING *want_os;
	const EVP_MD *evp;
	STACK_OF(X509) *signers;
	BIO *data;
	PKCS7 *p7;
	int k;

	memset(r, 0, sizeof(*r));
	k = pe_signature(sigbuf, sigsize, signame, nth, &p7, err);
	if (k <= 0)
		return k;
	if (spc_content(p7, &content, &content_len, &di) < 0) {
		PKCS7_free(p7);
		ERR_clear_error();
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "%s: the Authenticode signature holds no SpcIndirectDataContent",
				     signame);
	}
	X509_SIG_get0(di, &alg, &want_os);
	evp = EVP_get_digestbyobj(alg->algorithm);
	if (!evp || EVP_MD_get_size(evp) < 20 || !signer_digests_known(p7)) {
		X509_SIG_free(di);
		PKCS7_free(p7);
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
				     "%s: unknown or unsupported Authenticode digest algorithm",
				     signame);
	}
	snprintf(r->digest, sizeof(r->digest), "%s", OBJ_nid2sn(EVP_MD_type(evp)));
	for (char *q = r->digest; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (authenticode_digest(img, imgsize, name, evp, md, &mdlen, err) < 0) {
		X509_SIG_free(di);
		PKCS7_free(p7);
		return -1;
	}
	memcpy(r->md, md, mdlen);
	r->md_len = mdlen;
	want = ASN1_STRING_get0_data(want_os);
	if ((unsigned)ASN1_STRING_length(want_os) != mdlen || memcmp(want, md, mdlen)) {
		snprintf(r->reason, sizeof(r->reason),
			 "the image's Authenticode digest does not match the signed one");
		goto out;
	}
	data = span_bio(content, (size_t)content_len);
	/* the signature over the content; the signer's certificate may be
	 * embedded (it usually is), trust is decided below */
	k = PKCS7_verify(p7, c->stack, NULL, data, NULL, PKCS7_BINARY | PKCS7_NOVERIFY);
	BIO_free(data);
	if (k != 1) {
		unsigned long e = ERR_peek_last_error();

		snprintf(r->reason, sizeof(r->reason), "%s",
			 e && ERR_reason_error_string(e) ? ERR_reason_error_string(e) :
			 "signature does not match");
		goto out;
	}
	signers = pe_signers(p7, c, r);
	if (signers && sk_X509_num(signers)) {
		r->ok = trusted(c, sk_X509_value(signers, 0), p7->d.sign->cert);
		if (!r->ok)
			snprintf(r->reason, sizeof(r->reason),
				 "the signer is not a given certificate and does not chain to one");
	}
	sk_X509_free(signers);
out:
	/* (a FAIL names its signer too, where its certificate is known) */
	if (!r->ok && !r->signer[0])
		sk_X509_free(pe_signers(p7, c, r));
	ERR_clear_error();
	X509_SIG_free(di);
	PKCS7_free(p7);
	return 1;
}

/* An image may carry several signatures (sbsign appends): it verifies
 * when one of them does, as firmware accepts it. */
int verify_authenticode(const struct certs *c, const uint8_t *sigbuf, uint64_t sigsize,
			const char *signame, const uint8_t *img, uint64_t imgsize,
			const char *name, struct verify_result *r, struct sr_error **err)
{
	struct verify_result first;
	int k;

	k = verify_nth(c, sigbuf, sigsize, signame, 0, img, imgsize, name, r, err);
	if (k <= 0 || r->ok)
		return k;
	first = *r;
	for (unsigned n = 1; n < 64; n++) {
		struct sr_error *e = NULL;
		int kn = verify_nth(c, sigbuf, sigsize, signame, n, img, imgsize, name, r, &e);

		sr_error_free(e);
		if (kn <= 0)
			break;
		if (r->ok)
			return 1;
	}
	*r = first;	/* none verified: say why the first did not */
	return 1;
}
