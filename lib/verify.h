/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_VERIFY_H
#define SR_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/*
 * Verifying a module's CMS signature (detached, no signed attributes, as
 * scripts/sign-file makes it) over a payload with OpenSSL 3, against
 * certificates given by the user: the key is trusted as given, as the
 * kernel trusts its keyring, so no chain is built.
 */
struct certs;

int certs_load(struct certs **ret, const char *const *paths, size_t n,
	       struct sr_error **err);
void certs_free(struct certs *c);

struct verify_result {
	int ok;			/* 1 verified, 0 failed */
	char signer[256];	/* the certificate's subject CN that verified */
	char id[512];		/* issuer+serial or subject key id */
	char digest[32];	/* sha256, sha512, ... */
	char reason[256];	/* why it failed */
	unsigned char md[64];	/* Authenticode: the image's digest */
	unsigned md_len;
};

/* -1 (bad input, naming sig_off: where the signature is in name) when
 * the signature is not a CMS SignedData. */
int verify_cms(const struct certs *c, const uint8_t *sig, size_t sig_len, uint64_t sig_off,
	       const uint8_t *payload, size_t payload_len, const char *name,
	       struct verify_result *ret, struct sr_error **err);

/*
 * Authenticode: the PKCS#7 in sigbuf's certificate table checked against
 * img's Authenticode digest (sigbuf == img but for a transplant).  The
 * signer is trusted when it is a given certificate or chains to one.
 * 1 with the result, 0 when sigbuf carries no Authenticode signature, -1
 * (bad input) when the PE or its signature is malformed.
 */
int verify_authenticode(const struct certs *c, const uint8_t *sigbuf, uint64_t sigsize,
			const char *signame, const uint8_t *img, uint64_t imgsize,
			const char *name, struct verify_result *r, struct sr_error **err);

#endif
