// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/artifact.h"
#include "lib/exitcode.h"
#include "lib/util.h"

static const char modsig_magic[] = "~Module signature appended~\n";
#define MODSIG_MAGIC_LEN 28
#define MODSIG_INFO_LEN 12
#define PKEY_ID_PKCS7 2
#define PKEY_ID_MERKLE 3

const char *region_kind_name(enum region_kind k)
{
	switch (k) {
	case REGION_MODSIG: return "module-signature";
	case REGION_MODSIG_INFO: return "module-signature-info";
	case REGION_MODSIG_MAGIC: return "module-signature-magic";
	case REGION_PE_CHECKSUM: return "pe-checksum";
	case REGION_PE_CERTDIR: return "pe-certificate-directory";
	case REGION_PE_CERTTABLE: return "pe-certificate-table";
	case REGION_USER: return "user-rule";
	}
	return "?";
}

static int bad(struct sr_error **err, const char *name, uint64_t off,
	       const char *what)
{
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %llu: %s",
			     name, (unsigned long long)off, what);
}

int modsig_regions(const uint8_t *buf, uint64_t size, const char *name,
		   struct region *ret, size_t *ret_n, struct sr_error **err)
{
	const uint8_t *info;
	uint64_t sig_len, tail = MODSIG_MAGIC_LEN + MODSIG_INFO_LEN;

	*ret_n = 0;
	if (size < MODSIG_MAGIC_LEN ||
	    memcmp(buf + size - MODSIG_MAGIC_LEN, modsig_magic, MODSIG_MAGIC_LEN))
		return 0;
	if (size < tail)
		return bad(err, name, 0, "module signature trailer is truncated "
			   "(no room for its 12-byte info block)");
	info = buf + size - tail;
	/* (0 and 1: the legacy layouts, signer name and key id before the
	 * signature; 3: the Merkle proof CONFIG_MODULE_HASHES proposes.
	 * Cut as 2 is; only verify says the kernel refuses them.) */
	if (info[2] > PKEY_ID_MERKLE)
		return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %llu: module "
				     "signature id_type %u is none of 0-3 (2: PKCS#7)", name,
				     (unsigned long long)(size - tail + 2), info[2]);
	sig_len = (uint64_t)info[8] << 24 | (uint64_t)info[9] << 16 |
		  (uint64_t)info[10] << 8 | info[11];
	if (sig_len == 0)
		return bad(err, name, size - tail + 8, "module signature sig_len is 0");
	sig_len += (uint64_t)info[3] + info[4];	/* signer_len, key_id_len */
	if (sig_len > size - tail)
		return bad(err, name, size - tail + 8,
			   "module signature sig_len is larger than the file");
	ret[0] = (struct region){ REGION_MODSIG, size - tail - sig_len, sig_len };
	ret[1] = (struct region){ REGION_MODSIG_INFO, size - tail, MODSIG_INFO_LEN };
	ret[2] = (struct region){ REGION_MODSIG_MAGIC, size - MODSIG_MAGIC_LEN,
				  MODSIG_MAGIC_LEN };
	*ret_n = 3;
	return 1;
}

int modsig_id_type(const uint8_t *buf, uint64_t size)
{
	return buf[size - MODSIG_MAGIC_LEN - MODSIG_INFO_LEN + 2];
}

const char *modsig_kernel_refuses(const uint8_t *buf, uint64_t size)
{
	const uint64_t tail = MODSIG_MAGIC_LEN + MODSIG_INFO_LEN;
	const uint8_t *info = buf + size - tail;	/* (modsig_regions took it) */
	uint64_t sig_len = (uint64_t)info[8] << 24 | (uint64_t)info[9] << 16 |
			   (uint64_t)info[10] << 8 | info[11];

	if (info[2] != PKEY_ID_PKCS7)
		return info[2] == PKEY_ID_MERKLE ?
		       "a Merkle proof (id_type 3), not a PKCS#7 signature" :
		       "a legacy signature (id_type 0 or 1), not PKCS#7";
	/* algo, hash, id_type, signer_len, key_id_len, __pad[3] */
	for (int i = 0; i < 8; i++)
		if (i != 2 && info[i])
			return "the signature info has unexpected non-zero fields";
	if (sig_len >= size - tail)
		return "no payload before the signature";
	return NULL;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Where a PE's headers (SizeOfHeaders) and its sections' raw data end,
 * those the file holds: no certificate table may start before. */
static uint64_t pe_signed_end(const uint8_t *buf, uint64_t size, uint64_t pe, uint64_t opt)
{
	uint64_t end = opt + 64 <= size ? le32(buf + opt + 60) : 0, sect, nsect;

	if (pe + 24 > size)
		return end;
	nsect = le16(buf + pe + 6);
	sect = opt + le16(buf + pe + 20);
	for (uint64_t i = 0; i < nsect && sect + 40 * (i + 1) <= size; i++) {
		const uint8_t *h = buf + sect + 40 * i;
		uint64_t at = le32(h + 20), n = le32(h + 16);

		if (n && at + n > end)
			end = at + n;
	}
	return end;
}

/* The section table and each section's data within the file, or an
 * error at the field that says otherwise. */
static int pe_sections_ok(const uint8_t *buf, uint64_t size, const char *name, uint64_t pe,
			  uint64_t opt, struct sr_error **err)
{
	uint64_t nsect = le16(buf + pe + 6), sect = opt + le16(buf + pe + 20);

	if (sect > size || nsect > (size - sect) / 40)
		return bad(err, name, pe + 6, "PE section table lies outside the file");
	for (uint64_t i = 0; i < nsect; i++) {
		const uint8_t *sh = buf + sect + i * 40;
		uint64_t len = le32(sh + 16), off = le32(sh + 20);

		if (len && (off > size || len > size - off))
			return bad(err, name, sect + i * 40 + 16,
				   "PE section data lies outside the file");
	}
	return 0;
}

int pe_regions(const uint8_t *buf, uint64_t size, const char *name,
	       struct region *ret, size_t *ret_n, struct sr_error **err)
{
	uint64_t pe, opt, dd, ndirs, va, len;
	uint16_t magic;

	*ret_n = 0;
	if (size < 0x40 || buf[0] != 'M' || buf[1] != 'Z')
		return 0;
	pe = le32(buf + 0x3c);
	if (pe > size - 24 || memcmp(buf + pe, "PE\0\0", 4))
		return 0;	/* a DOS executable, not PE */
	opt = pe + 24;
	if (opt + 2 > size)
		return bad(err, name, opt, "PE optional header is truncated");
	magic = le16(buf + opt);
	if (magic != 0x10b && magic != 0x20b)
		return bad(err, name, opt, "PE optional header magic is not PE32 or PE32+");
	dd = opt + (magic == 0x10b ? 96 : 112);
	if (dd > size)
		return bad(err, name, opt, "PE optional header is truncated");
	ndirs = le32(buf + dd - 4);	/* NumberOfRvaAndSizes */
	ret[(*ret_n)++] = (struct region){ REGION_PE_CHECKSUM, opt + 64, 4 };
	if (ndirs < 5)
		return 1;	/* no certificate-table entry */
	/* (the file ends before its certificate-table entry: cut short, not
	 * an unsigned image) */
	if (dd + 5 * 8 > size)
		return bad(err, name, size, "PE data directories are truncated "
			   "(the file ends before the certificate-table entry)");
	ret[(*ret_n)++] = (struct region){ REGION_PE_CERTDIR, dd + 4 * 8, 8 };
	va = le32(buf + dd + 4 * 8);
	len = le32(buf + dd + 4 * 8 + 4);
	if (len == 0)
		return 1;
	if (va < dd + 5 * 8)
		return bad(err, name, dd + 4 * 8,
			   "PE certificate table lies inside the headers");
	if (va > size || len > size - va)
		return bad(err, name, dd + 4 * 8,
			   "PE certificate table lies outside the file");
	/* (a table over signed bytes would mask them: after the headers
	 * and every section's data, as Authenticode has it; those in the
	 * file, or the error is theirs) */
	if (pe_sections_ok(buf, size, name, pe, opt, err) < 0)
		return -1;
	if (va < pe_signed_end(buf, size, pe, opt))
		return bad(err, name, dd + 4 * 8,
			   "PE certificate table overlaps the headers or a section's data");
	ret[(*ret_n)++] = (struct region){ REGION_PE_CERTTABLE, va, len };
	return 1;
}

static int cmp_region_off(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

int pe_authenticode_ranges(const uint8_t *buf, uint64_t size, const char *name,
			   struct region **ret, size_t *ret_n, struct sr_error **err)
{
	struct region r[MAX_REGIONS], *v;
	uint64_t pe, opt, hdr, sect, nsect, certs, hashed, n = 0;
	size_t nr;
	int k = pe_regions(buf, size, name, r, &nr, err);

	*ret = NULL;
	*ret_n = 0;
	if (k <= 0)
		return k;
	if (nr < 2)
		return bad(err, name, 0x3c, "PE image has no certificate-table entry");
	pe = le32(buf + 0x3c);
	opt = pe + 24;
	hdr = le32(buf + opt + 60);	/* SizeOfHeaders */
	nsect = le16(buf + pe + 6);
	sect = opt + le16(buf + pe + 20);	/* after SizeOfOptionalHeader */
	certs = nr > 2 ? r[2].len : 0;
	if (hdr < r[1].off + r[1].len || hdr > size)
		return bad(err, name, opt + 60, "PE SizeOfHeaders is outside the file");
	if (pe_sections_ok(buf, size, name, pe, opt, err) < 0)
		return -1;
	/* Microsoft's Authenticode spec, as the kernel's verify_pefile.c
	 * does it: the headers without the CheckSum and the certificate
	 * entry, the sections in file order, then what follows them but the
	 * certificate table. */
	v = xmalloc((nsect + 4) * sizeof(*v));
	v[n++] = (struct region){ REGION_USER, 0, r[0].off };
	v[n++] = (struct region){ REGION_USER, r[0].off + 4, r[1].off - r[0].off - 4 };
	v[n++] = (struct region){ REGION_USER, r[1].off + 8, hdr - r[1].off - 8 };
	hashed = hdr;
	for (uint64_t i = 0; i < nsect; i++) {
		const uint8_t *sh = buf + sect + i * 40;
		uint64_t len = le32(sh + 16), off = le32(sh + 20);

		if (!len)
			continue;
		v[n++] = (struct region){ REGION_USER, off, len };
		hashed += len;
	}
	qsort(v + 3, n - 3, sizeof(*v), cmp_region_off);
	if (size > hashed + certs)
		v[n++] = (struct region){ REGION_USER, hashed, size - hashed - certs };
	*ret = v;
	*ret_n = n;
	return 1;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

int elf_section(const uint8_t *buf, uint64_t size, const char *name,
		const char *section, struct region *ret, struct sr_error **err)
{
	uint64_t shoff, shnum, shentsize, stroff, strsize;
	uint16_t shstrndx;

	if (size < 64 || memcmp(buf, "\177ELF", 4))
		return bad(err, name, 0, "not an ELF file (for a section rule)");
	if (buf[4] != 2 || buf[5] != 1)
		return bad(err, name, 4, "only 64-bit little-endian ELF is supported");
	shoff = le64(buf + 0x28);
	shentsize = le16(buf + 0x3a);
	shnum = le16(buf + 0x3c);
	shstrndx = le16(buf + 0x3e);
	if (shentsize < 64 || shoff > size || shnum > (size - shoff) / shentsize ||
	    shstrndx >= shnum)
		return bad(err, name, 0x28, "ELF section headers lie outside the file");
	stroff = le64(buf + shoff + shstrndx * shentsize + 0x18);
	strsize = le64(buf + shoff + shstrndx * shentsize + 0x20);
	if (stroff > size || strsize > size - stroff)
		return bad(err, name, shoff + shstrndx * shentsize,
			   "ELF section names lie outside the file");
	for (uint64_t i = 0; i < shnum; i++) {
		const uint8_t *sh = buf + shoff + i * shentsize;
		uint64_t nameoff = le32(sh), off = le64(sh + 0x18), len = le64(sh + 0x20);
		uint32_t type = le32(sh + 4);

		if (nameoff >= strsize || strnlen((const char *)buf + stroff + nameoff,
						  strsize - nameoff) == strsize - nameoff)
			continue;
		if (strcmp((const char *)buf + stroff + nameoff, section))
			continue;
		if (type == 8 /* SHT_NOBITS */ || len == 0)
			return 0;
		if (off > size || len > size - off)
			return bad(err, name, shoff + i * shentsize,
				   "ELF section lies outside the file");
		*ret = (struct region){ REGION_USER, off, len };
		return 1;
	}
	return 0;
}

static int cmp_region(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* Feeds [off, off+len) of the source to the digest: from memory, or read
 * from an fd in large blocks (on some hypervisors a read() is several
 * times faster than touching a mapping page by page). */
struct source {
	const uint8_t *buf;
	int fd;
	uint8_t *block;
	int error;		/* errno of a failed or short read */
};


static void feed(struct digest_ctx *ctx, struct source *src, uint64_t off, uint64_t len)
{
	if (src->buf) {
		digest_update(ctx, src->buf + off, len);
		return;
	}
	while (len && !src->error) {
		ssize_t k = pread(src->fd, src->block, len < MASKED_BLOCK ? len : MASKED_BLOCK,
				  (off_t)off);

		if (k <= 0) {
			if (k < 0 && errno == EINTR)
				continue;
			src->error = k < 0 ? errno : EIO;	/* EIO: it shrank */
			return;
		}
		digest_update(ctx, src->block, (size_t)k);
		off += (uint64_t)k;
		len -= (uint64_t)k;
	}
}

static void masked_walk(struct source *src, uint64_t size, const struct region *r,
			size_t n, enum mask_mode mode, enum digest_algo algo,
			struct digest *ret)
{
	static const uint8_t zeros[4096];
	struct region sorted[MAX_REGIONS];
	struct digest_ctx ctx;
	uint64_t pos = 0;

	if (n)
		memcpy(sorted, r, n * sizeof(*r));
	if (n > 1)
		qsort(sorted, n, sizeof(*sorted), cmp_region);
	digest_init(&ctx, algo);
	for (size_t i = 0; i < n && mode != MASK_NONE; i++) {
		uint64_t off = sorted[i].off, len = sorted[i].len;

		if (off < pos) {	/* overlapping: skip what is done */
			len = off + len > pos ? off + len - pos : 0;
			off = pos;
		}
		if (off >= size)	/* (past what is hashed: nothing) */
			break;
		if (len > size - off)
			len = size - off;
		feed(&ctx, src, pos, off - pos);
		if (mode == MASK_ZERO)
			for (uint64_t z = 0; z < len; z += sizeof(zeros))
				digest_update(&ctx, zeros, len - z < sizeof(zeros) ?
					      len - z : sizeof(zeros));
		pos = off + len;
	}
	feed(&ctx, src, pos, size - pos);
	digest_final(&ctx, ret);
}

void masked_digest(const uint8_t *buf, uint64_t size, const struct region *r,
		   size_t n, enum mask_mode mode, enum digest_algo algo,
		   struct digest *ret)
{
	struct source src = { .buf = buf, .fd = -1 };

	masked_walk(&src, size, r, n, mode, algo, ret);
}

int masked_digest_fd(int fd, uint64_t size, const struct region *r, size_t n,
		     enum mask_mode mode, enum digest_algo algo, uint8_t *block,
		     struct digest *ret)
{
	struct source src = { .fd = fd, .block = block ? block : xmalloc(MASKED_BLOCK) };

	masked_walk(&src, size, r, n, mode, algo, ret);
	if (!block)
		free(src.block);
	if (src.error)
		return errno = src.error, -1;
	return 0;
}
