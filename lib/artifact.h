/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_ARTIFACT_H
#define SR_ARTIFACT_H

#include <stddef.h>
#include <stdint.h>

#include "lib/digest.h"
#include "lib/error.h"

/*
 * Regions of an artifact that a signature occupies, found the way the
 * kernel and Authenticode define them: a Linux module's appended
 * signature (read from the end of the file, never ELF-aware), or a PE/COFF
 * image's CheckSum, certificate-table directory entry and certificate
 * table.  Pure functions over a byte buffer; errors name byte offsets.
 */
enum region_kind {
	REGION_MODSIG,		/* the CMS signature blob */
	REGION_MODSIG_INFO,	/* struct module_signature, 12 bytes */
	REGION_MODSIG_MAGIC,	/* "~Module signature appended~\n" */
	REGION_PE_CHECKSUM,
	REGION_PE_CERTDIR,
	REGION_PE_CERTTABLE,
	REGION_USER,		/* from a --rules file */
};

struct region {
	enum region_kind kind;
	uint64_t off, len;
};

#define MAX_REGIONS 16

enum mask_mode {
	MASK_AUTO,	/* cut what is detected */
	MASK_NONE,
	MASK_CUT,	/* leave the regions out */
	MASK_ZERO,	/* zero-fill the regions, keep the length */
};

const char *region_kind_name(enum region_kind k);

/* 1 with regions, 0 when there is no trailer, -1 (bad input) if there is
 * a malformed one.  `name` is for messages. */
int modsig_regions(const uint8_t *buf, uint64_t size, const char *name,
		   struct region *ret, size_t *ret_n, struct sr_error **err);
/* Why the kernel would refuse a trailer modsig_regions took (its
 * mod_check_sig: a non-zero field but id_type and sig_len, or no payload
 * before the signature), or NULL. */
const char *modsig_kernel_refuses(const uint8_t *buf, uint64_t size);
/* A trailer modsig_regions took: its id_type (2: PKCS#7). */
int modsig_id_type(const uint8_t *buf, uint64_t size);
int pe_regions(const uint8_t *buf, uint64_t size, const char *name,
	       struct region *ret, size_t *ret_n, struct sr_error **err);

/* The byte ranges the Authenticode digest covers, in hashing order
 * (allocated); 0 when buf is not PE, -1 (bad input) when it is malformed. */
int pe_authenticode_ranges(const uint8_t *buf, uint64_t size, const char *name,
			   struct region **ret, size_t *ret_n, struct sr_error **err);

/* The file range of an ELF64 section by name; 0 if there is none, -1 if
 * the ELF headers are malformed. */
int elf_section(const uint8_t *buf, uint64_t size, const char *name,
		const char *section, struct region *ret, struct sr_error **err);

/* The digest of buf with the regions cut out or zeroed. */
void masked_digest(const uint8_t *buf, uint64_t size, const struct region *r,
		   size_t n, enum mask_mode mode, enum digest_algo algo,
		   struct digest *ret);

/* The same, read from fd (size bytes) through block (MASKED_BLOCK bytes,
 * or NULL to allocate one): -1 with errno when a read fails or the file
 * shrank meanwhile. */
#define MASKED_BLOCK (1u << 18)
int masked_digest_fd(int fd, uint64_t size, const struct region *r, size_t n,
		     enum mask_mode mode, enum digest_algo algo, uint8_t *block,
		     struct digest *ret);

#endif
