// SPDX-License-Identifier: GPL-2.0-or-later
/* CMS verification through OpenSSL 3. */
#include <ctype.h>
#include <errno.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "lib/verify.h"

struct certs {
	STACK_OF(X509) *stack;
};

static X509 *load_one(const char *path)
{
	BIO *b = BIO_new_file(path, "rb");
	X509 *x;

	if (!b)
		return NULL;
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	if (!x) {
		ERR_clear_error();
		BIO_reset(b);
		x = d2i_X509_bio(b, NULL);
	}
	BIO_free(b);
	return x;
}

int certs_load(struct certs **ret, const char *const *paths, size_t n,
	       struct sr_error **err)
{
	struct certs *c = xcalloc(1, sizeof(*c));

	c->stack = sk_X509_new_null();
	for (size_t i = 0; i < n; i++) {
		X509 *x = load_one(paths[i]);

		if (!x) {
			certs_free(c);
			ERR_clear_error();
			return sr_error_make(err, SR_EXIT_BAD_INPUT, 0,
					     "%s: not a PEM or DER X.509 certificate",
					     paths[i]);
		}
		sk_X509_push(c->stack, x);
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

int verify_cms(const struct certs *c, const uint8_t *sig, size_t sig_len,
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
				     "%s: the signature is not a CMS SignedData (bad DER)",
				     name);
	}
	describe(cms, r);
	data = BIO_new_mem_buf(payload, (int)payload_len);
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

		snprintf(r->reason, sizeof(r->reason), "%s",
			 e ? ERR_reason_error_string(e) : "signature does not match");
		if (!r->reason[0] || !strcmp(r->reason, "(null)"))
			snprintf(r->reason, sizeof(r->reason), "signature does not match");
	}
	ERR_clear_error();
	BIO_free(data);
	CMS_ContentInfo_free(cms);
	return 0;
}
