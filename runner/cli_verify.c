// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun verify`: module signatures checked with OpenSSL 3. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/artifact.h"
#include "lib/exitcode.h"
#include "lib/mapfile.h"
#include "lib/unpack.h"
#include "lib/util.h"
#include "lib/verify.h"
#include "runner/cli.h"

static const char verify_usage[] =
	"Usage: sandrun verify --cert=FILE [--cert=FILE]... [--signature-from=SIGNED]\n"
	"                      PATH...\n"
	"Verify each module's appended CMS signature over its payload with the\n"
	"given X.509 certificates (PEM or DER), as the kernel does: the key is\n"
	"trusted as given, and what the kernel refuses FAILs (signed attributes,\n"
	"content in the signature, non-zero trailer fields, no payload).\n"
	"With --signature-from, the signature of SIGNED is\n"
	"checked against each PATH's payload (a rebuilt module, signed or not):\n"
	"success proves the rebuild bit-identical without the private key.\n"
	"A PE image (an EFI-stub vmlinuz) is checked by its Authenticode\n"
	"signature; its signer must be a given certificate or chain to one.\n"
	"\n"
	"Prints per file: OK or FAIL, the signer, its issuer and serial or key\n"
	"id, the digest algorithm, and the payload's SHA-256 (the masked hash)\n"
	"or the image's Authenticode digest.\n"
	"\n"
	"      --cert=FILE       a trusted certificate, PEM or DER (a PEM file\n"
	"                        may hold several); given again for more\n"
	"      --signature-from=SIGNED\n"
	"                        check SIGNED's signature against each PATH's\n"
	"                        payload\n"
	"  -h, --help            print this help and exit\n"
	"\n"
	"Exit status: 0 when all verify; 1 when one fails; 123 for a malformed\n"
	"module, signature or certificate; 124 usage error; 125 when a file\n"
	"cannot be read.\n";

/* PATH: OK|FAIL (reason) signer='CN' ID digest=ALGO KIND-sha256=HEX */
static int report(const char *path, const struct verify_result *r, const char *kind)
{
	printf("%s: %s", path, r->ok ? "OK" : "FAIL");
	if (!r->ok)
		printf(" (%s)", r->reason);
	if (r->signer[0])
		printf(" signer='%s'", r->signer);
	if (r->id[0])
		printf(" %s", r->id);
	printf(" digest=%s %s-%s=", r->digest[0] ? r->digest : "?", kind,
	       !strcmp(kind, "payload") || !r->digest[0] ? "sha256" : r->digest);
	for (unsigned i = 0; i < r->md_len; i++)
		printf("%02x", r->md[i]);
	putchar('\n');
	return r->ok ? SR_EXIT_OK : SR_EXIT_DIFFERS;
}

static int verify_one(const struct certs *c, const struct mapped *sigsrc,
		      const char *signame, const char *path)
{
	struct region sr[MAX_REGIONS], pr[MAX_REGIONS];
	struct sr_error *err = NULL;
	struct verify_result r;
	struct mapped m;
	size_t ns = 0, np = 0;
	uint64_t payload_len;
	struct digest d;
	char hex[2 * DIGEST_MAX + 1];
	const struct mapped *s;
	const char *refused;

	if (load_unpacked(AT_FDCWD, path, path, module_packing(path), &m, &err) < 0) {
		unmap_file(&m);
		return sr_error_report(err);
	}
	s = sigsrc ? sigsrc : &m;
	if (modsig_regions(s->buf, s->size, sigsrc ? signame : path, sr, &ns, &err) < 0 ||
	    modsig_regions(m.buf, m.size, path, pr, &np, &err) < 0) {
		unmap_file(&m);
		return sr_error_report(err);
	}
	/* (a module's payload against a PE image's signature: each kind of
	 * signature is over a file of its kind; it said "not a PE image") */
	if (!ns && sigsrc && sigsrc->size >= 2 && !memcmp(sigsrc->buf, "MZ", 2) &&
	    (np || (m.size >= 4 && !memcmp(m.buf, "\177ELF", 4)))) {
		unmap_file(&m);
		sr_error_make(&err, SR_EXIT_BAD_INPUT, 0, "%s: a module, but %s "
			      "(--signature-from) is a PE image", path, signame);
		return sr_error_report(err);
	}
	if (!ns) {
		/* not a module signature: an Authenticode-signed PE image? */
		int k = verify_authenticode(c, s->buf, s->size, sigsrc ? signame : path,
					    m.buf, m.size, path, &r, &err);

		if (k != 0) {
			unmap_file(&m);
			return k < 0 ? sr_error_report(err) : report(path, &r, "authenticode");
		}
	}
	payload_len = np ? pr[0].off : m.size;
	/* (an unsigned PE image: its masked hash, as hash gives it, the
	 * CheckSum and the certificate entry cut) */
	if (!ns && !np && pe_regions(m.buf, m.size, path, pr, &np, &err) < 0) {
		unmap_file(&m);
		return sr_error_report(err);
	}
	masked_digest(m.buf, payload_len, !ns ? pr : NULL, !ns ? np : 0,
		      !ns && np ? MASK_CUT : MASK_NONE, DIGEST_SHA256, &d);
	digest_hex(&d, hex);
	if (!ns) {
		struct region cr[MAX_REGIONS];
		struct sr_error *cerr = NULL;
		char why[128] = "";
		size_t nc = 0;

		/* (a certificate table whose entries are all of another
		 * type: X.509, or one reserved; the kernel and sbverify
		 * look for PKCS_SIGNED_DATA alone) */
		if (!sigsrc)
			memcpy(cr, pr, (nc = np) * sizeof(*pr));
		else if (pe_regions(s->buf, s->size, signame, cr, &nc, &cerr) < 0)
			sr_error_free(cerr);
		if (nc >= 3 && cr[2].len >= 8) {
			const uint8_t *e = s->buf + cr[2].off;

			snprintf(why, sizeof(why), ": its certificate table's entry at byte %llu "
				 "is WIN_CERTIFICATE type 0x%04x, not PKCS#7 signed data (0x0002)",
				 (unsigned long long)cr[2].off, (unsigned)(e[6] | e[7] << 8));
		}
		printf("%s: FAIL (%s has no module or Authenticode signature%s) payload-sha256=%s\n",
		       path, sigsrc ? signame : "it", why, hex);
		unmap_file(&m);
		return SR_EXIT_DIFFERS;
	}
	/* (a trailer the kernel refuses (mod_check_sig) before it reads
	 * the signature: FAIL, the signature unread) */
	if ((refused = modsig_kernel_refuses(s->buf, s->size)) != NULL) {
		memset(&r, 0, sizeof(r));
		snprintf(r.reason, sizeof(r.reason), "%s", refused);
	} else if (verify_cms(c, s->buf + sr[0].off, sr[0].len, sr[0].off, m.buf, payload_len,
		       sigsrc ? signame : path, &r, &err) < 0) {
		unmap_file(&m);
		return sr_error_report(err);
	}
	r.md_len = d.len;
	memcpy(r.md, d.bytes, d.len);
	unmap_file(&m);
	return report(path, &r, "payload");
}

int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "signature-from", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char **certs = NULL;
	size_t ncerts = 0;
	const char *sigfrom = NULL;
	struct sr_error *err = NULL;
	struct certs *c = NULL;
	struct mapped sig = { .fd = -1 };
	int ch, worst = SR_EXIT_OK;

	optind = 1;
	opterr = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (ch == 'c') {
			certs = xrealloc(certs, (ncerts + 1) * sizeof(*certs));
			certs[ncerts++] = optarg;
		} else if (ch == 's') {
			sigfrom = optarg;
		} else {
			free(certs);
			if (ch != 'h')
				return cli_try_help("verify");
			fputs(verify_usage, stdout);
			return SR_EXIT_OK;
		}
	}
	if (!ncerts || optind >= argc) {
		free(certs);
		return cli_usage("verify", "%s", !ncerts ? "needs at least one --cert" :
				 "needs at least one FILE to verify");
	}
	if (certs_load(&c, certs, ncerts, &err) < 0 ||
	    (sigfrom && load_unpacked(AT_FDCWD, sigfrom, sigfrom, module_packing(sigfrom), &sig,
				      &err) < 0)) {
		unmap_file(&sig);
		free(certs);
		certs_free(c);
		return sr_error_report(err);
	}
	for (int i = optind; i < argc; i++) {
		int r = verify_one(c, sigfrom ? &sig : NULL, sigfrom, argv[i]);

		/* The most serious outcome wins: bad input or I/O over FAIL. */
		if (r > worst)
			worst = r;
	}
	unmap_file(&sig);
	certs_free(c);
	free(certs);
	return worst;
}
