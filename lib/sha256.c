// SPDX-License-Identifier: GPL-2.0-or-later
/* SHA-256 through OpenSSL 3's EVP interface. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>

#include "lib/digest.h"
#include "lib/util.h"

/* SHA-256 fetched once: EVP_sha256() makes OpenSSL 3 fetch it again at
 * each EVP_DigestInit_ex (a lock and a lookup: most of a small digest's
 * cost, once per process of a trace being canonicalized). */
static EVP_MD *md;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void fetch_md(void)
{
	md = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&md_once, fetch_md);
	return md ? md : EVP_sha256();
}

static void *warm_up(void *arg)
{
	(void)arg;
	pthread_once(&md_once, fetch_md);
	return NULL;
}

void sha256_warm_up(void)
{
	sigset_t all, old;
	pthread_t t;

	/* No OPENSSL_cleanup() at exit: the process may exit (a sandbox
	 * that failed to start) while the thread is still at it.  Here,
	 * before any other call can initialize OpenSSL (the first decides);
	 * this part is cheap, the configuration is read by the fetch. */
	OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	/* (signals stay the caller's to take) */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&t, NULL, warm_up, NULL) == 0)
		pthread_detach(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void sha256_buf(const void *buf, size_t len, struct digest *ret)
{
	unsigned int n = 0;

	EVP_Digest(buf, len, ret->bytes, &n, sha256_md(), NULL);
	ret->len = (uint8_t)n;
}

void *sha256_begin(void)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || !EVP_DigestInit_ex(ctx, sha256_md(), NULL))
		die_oom();
	return ctx;
}

void sha256_update(void *state, const void *buf, size_t len)
{
	EVP_DigestUpdate(state, buf, len);
}

void sha256_end(void *state, struct digest *ret)
{
	unsigned int len = 0;

	EVP_DigestFinal_ex(state, ret->bytes, &len);
	ret->len = (uint8_t)len;
	EVP_MD_CTX_free(state);
}
