// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for lib/util.c, lib/error.c, lib/sbuf.c, lib/json.c's
 * escaping and validator and lib/zstdio.c's writer on a full disk. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/exitcode.h"
#include "lib/json.h"
#include "lib/sbuf.h"
#include "lib/strset.h"
#include "lib/util.h"
#include "lib/zstdio.h"
#include "tests/unit/tap.h"

static void check_sbuf(void)
{
	struct sbuf b = { 0 };
	char big[1000];

	sbuf_putd(&b, 0);
	sbuf_putc(&b, ' ');
	sbuf_putd(&b, -42);
	sbuf_putc(&b, ' ');
	sbuf_putd(&b, -9223372036854775807LL - 1);
	is_str(sbuf_cstr(&b), "0 -42 -9223372036854775808", "sbuf_putd: zero, negative, LLONG_MIN");
	b.len = 0;
	sbuf_puto(&b, 0644, 4);
	sbuf_putc(&b, ' ');
	sbuf_puto(&b, 0, 4);
	sbuf_putc(&b, ' ');
	sbuf_puto(&b, 0104755 & 07777, 4);
	sbuf_putc(&b, ' ');
	sbuf_puto(&b, 0123456, 1);
	is_str(sbuf_cstr(&b), "0644 0000 4755 123456", "sbuf_puto pads to its digits");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	b.len = 0;
	sbuf_printf(&b, "<%s>", big);
	sbuf_printf(&b, "%d", 7);
	ok(b.len == sizeof(big) + 2 && b.p[0] == '<' && b.p[sizeof(big)] == '>' &&
	   b.p[sizeof(big) + 1] == '7', "sbuf_printf grows the buffer past what it had");
	b.len = 0;
	json_put_bytes(&b, "a\"b\\c\n\x01\xff\xc3\xa9\x7f");
	is_str(sbuf_cstr(&b), "\"a\\\"b\\\\\\\\c\\n\\u0001\\\\xff\xc3\xa9\\u007f\"",
	       "json_put_bytes: quotes, backslashes, controls, a stray byte, UTF-8");
	b.len = 0;
	json_put_string(&b, "\xff\t");
	is_str(sbuf_cstr(&b), "\"\\u00ff\\t\"", "json_put_string: a stray byte as U+00FF");
	sbuf_free(&b);
}

static void check_normalize(const char *in, const char *want)
{
	char *got = path_normalize(in);

	is_str(got, want, "path_normalize(\"%s\")", in);
	free(got);
}

/* A compressed stream to a full disk (/dev/full): its writes fail, and
 * its close says so; no crash, whatever the writes' sizes (a write
 * function that returned -1 made glibc read past the caller's buffer). */
static void check_zstd_full(void)
{
	FILE *raw = fopen("/dev/full", "w");
	FILE *z = raw ? zstd_open_write(raw, 3) : NULL;
	static char chunk[1 << 16];
	bool failed = false;

	if (!z) {
		ok(1, "# SKIP no /dev/full");
		if (raw)
			fclose(raw);
		return;
	}
	size_t len = 0;

	/* (a trace's lines, written as the canonicalizer does: 64 KiB at a
	 * time) */
	uint64_t x = 88172645463325252ULL;

	for (int i = 0; len + 128 < sizeof(chunk); i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len += (size_t)snprintf(chunk + len, sizeof(chunk) - len,
					"{\"p\":\"1.%d\",\"ev\":\"open\",\"path\":"
					"\"$SRC/d%d/f%d.h\",\"digest\":\"%016llx\"}\n",
					i % 97, i % 13, i, (unsigned long long)x);
	}
	for (int i = 0; i < 640; i++)
		failed |= fwrite(chunk, 1, len, z) != len;
	failed |= fflush(z) != 0 || ferror(z);
	ok(failed, "zstd writer on a full disk: its writes fail");
	failed = fclose(z) == EOF;	/* (ok() looks at its condition twice) */
	ok(failed, "zstd writer on a full disk: its close fails");
}

/* The set of distinct strings (a build's files read): each counted once,
 * equal bytes being equal whatever buffer they come from, through growth
 * (the table doubles at half full), the empty string and strings that
 * differ only past a prefix or in length. */
static void check_strset(void)
{
	struct strset set = { 0 };
	char buf[64];
	size_t added = 0, again = 0;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < 5000; i++) {
			int n = snprintf(buf, sizeof(buf), "$SRC/dir%d/file%d.h", i % 7, i);

			if (strset_add(&set, buf, (size_t)n))
				added++;
			else
				again++;
		}
	ok(set.n == 5000 && added == 5000 && again == 5000,
	   "strset: 5000 strings added twice, kept once (%zu, %zu, %zu)", set.n, added, again);
	/* (ok() looks at its condition twice) */
	bool first = strset_add(&set, "", 0), second = strset_add(&set, "", 0);

	ok(first && !second, "strset: the empty string, once");
	first = strset_add(&set, "abc", 2);
	second = strset_add(&set, "abX", 2);
	bool third = strset_add(&set, "abc", 3);

	ok(first && !second && third, "strset: only the len bytes count");
	ok(set.n == 5003 && set.cap >= 2 * set.n, "strset: grown, never over half full");
	strset_free(&set);
	ok(set.n == 0 && !set.slot, "strset: freed");
}

/* json_check against jansson, on what both must accept and refuse. */
static void json_check_cases(void)
{
	static const char *const good[] = {
		"{}", "[]", " {\"a\" : \"b\" }\t", "{\"a\":[1,2.5e3,-0,true,false,null]}",
		"\"\\u0041\\u00e9\\ud83d\\ude00\\n\\/\"", "1E+2", "-9223372036854775808",
		"{\"\xc3\xa9\":\"\xf0\x9f\x98\x80\"}", "{\"a\":{\"b\":[[],{}]}}", "0.5e-400",
		"{\"a\":1,\"b\":{\"a\":2}}", "{\"a\":1,\"\\u0062\":2}", "{\"ab\":1,\"a\":2,\"\":3}",
	};
	static const char *const bad[] = {
		"", " ", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[1 2]", "01",
		"1.", ".5", "-", "1e", "+1", "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00\"",
		"\"\\ud800\\u0041\"", "\"\x01\"", "\"\xff\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
		"tru", "nul", "True", "9223372036854775808", "1e999", "-1e999", "{\"a\":1}x",
		"\"abc", "\"\\q\"", "\"\\u12\"", "{1:2}", "{\"a\" 1}", "[\"a\"\"b\"]", "NaN",
		"{\"a\":1,\"a\":2}", "{\"a\":1,\"\\u0061\":2}", "[{\"x\":{\"\xc3\xa9\":1,\"\\u00e9\":2}}]",
		"{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", "{\"\\n\":1,\"\\u000a\":2}",
	};
	char deep[2 * 2049 + 1];
	json_error_t je;
	size_t at;
	json_t *j;
	bool all = true;

	for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++) {
		j = json_loads(good[i], JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
		if (!j || !json_check(good[i], strlen(good[i]), &at)) {
			printf("# json_check or jansson refuses good case %zu: %s\n", i, good[i]);
			all = false;
		}
		json_decref(j);
	}
	ok(all, "json_check: what jansson reads, it takes");
	all = true;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		j = json_loads(bad[i], JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &je);
		if (j || json_check(bad[i], strlen(bad[i]), &at) || at > strlen(bad[i])) {
			printf("# json_check or jansson takes bad case %zu: %s\n", i, bad[i]);
			all = false;
		}
		json_decref(j);
	}
	ok(all, "json_check: what jansson refuses, it refuses, at an offset in the text");
	ok(!json_check("{\"a\":1,\"b\":x}", 13, &at) && at == 11,
	   "json_check: the offset of the first byte that is wrong");
	ok(!json_check("{\"a\":[1", 7, &at) && at == 7, "json_check: cut short, the end's");
	{
		char many[33 * 8 + 16], *q = many;

		*q++ = '{';
		for (int i = 0; i < 33; i++)
			q += sprintf(q, "%s\"k%d\":1", i ? "," : "", i);
		strcpy(q, "}");
		ok(!json_check(many, strlen(many), &at) && !strncmp(many + at, "\"k32\"", 5),
		   "json_check: an object of 33 keys is left to jansson, at its 33rd");
	}
	memset(deep, '[', 2048);
	memset(deep + 2048, ']', 2048);
	deep[4096] = '\0';
	ok(json_check(deep, 4096, &at), "json_check: 2048 deep, as jansson");
	memset(deep, '[', 2049);
	memset(deep + 2049, ']', 2049);
	deep[4098] = '\0';
	ok(!json_check(deep, 4098, &at) && at == 2048, "json_check: 2049 deep, refused");
}

/* text_getline: getline's lengths (a NUL kept), a last line without its
 * newline, and -2, not the end, past TEXT_LINE_MAX. */
static void check_text_getline(void)
{
	size_t big = TEXT_LINE_MAX + 10, cap = 0;
	char *text = malloc(big + 16), *line = NULL;
	FILE *f;

	memcpy(text, "ab\0c\nlast", 9);
	f = fmemopen(text, 9, "r");
	ok(f && text_getline(&line, &cap, f) == 5 && !memcmp(line, "ab\0c\n", 6),
	   "text_getline: a line with a NUL, its length whole");
	ok(f && text_getline(&line, &cap, f) == 4 && !strcmp(line, "last"),
	   "text_getline: a last line without its newline");
	ok(f && text_getline(&line, &cap, f) == -1 && !ferror(f), "text_getline: then the end");
	if (f)
		fclose(f);
	/* a line of TEXT_LINE_MAX with its newline, then one past it */
	memset(text, 'x', big);
	text[TEXT_LINE_MAX - 1] = '\n';
	f = fmemopen(text, big, "r");
	ok(f && text_getline(&line, &cap, f) == (ssize_t)TEXT_LINE_MAX,
	   "text_getline: a line of the limit, its newline counted, is whole");
	ok(f && text_getline(&line, &cap, f) == 10, "text_getline: the next on its own");
	if (f)
		fclose(f);
	text[TEXT_LINE_MAX - 1] = 'x';
	f = fmemopen(text, TEXT_LINE_MAX + 1, "r");
	ok(f && text_getline(&line, &cap, f) == -2, "text_getline: a longer line is -2");
	if (f)
		fclose(f);
	free(line);
	free(text);
}

int main(void)
{
	struct sr_error *err = NULL;
	char buf[256];
	long v;

	json_check_cases();

	check_sbuf();
	check_text_getline();
	check_zstd_full();
	check_strset();
	check_normalize("/", "/");
	check_normalize("//usr//include/", "/usr/include");
	check_normalize("/usr/./include/../lib", "/usr/lib");
	check_normalize("/a/b/../../..", "/");
	check_normalize("/a/../b/./c/..", "/b");
	check_normalize("/tmp/x.d/..d", "/tmp/x.d/..d");

	ok(path_is_under("/tmp/src/a", "/tmp/src"), "a child is under its parent");
	ok(path_is_under("/tmp/src", "/tmp/src"), "a path is under itself");
	ok(!path_is_under("/tmp/srcx", "/tmp/src"), "a sibling prefix is not under");
	ok(path_is_under("/anything", "/"), "everything is under /");

	ok(parse_long("42", 0, 100, &v) == 0 && v == 42, "parse_long accepts 42");
	ok(parse_long("4x", 0, 100, &v) < 0, "parse_long rejects trailing junk");
	ok(parse_long("", 0, 100, &v) < 0, "parse_long rejects an empty string");
	ok(parse_long("101", 0, 100, &v) < 0, "parse_long rejects out of range");

	ok(sr_error_make(&err, SR_EXIT_FAILURE, ENOENT, "cannot open '%s'", "x") < 0,
	   "sr_error_make returns <0");
	sr_error_wrap(&err, "loading %s", "policy");
	is_str(sr_error_text(err, buf, sizeof(buf)),
	       "loading policy: cannot open 'x': No such file or directory",
	       "errors gain context and errno text");
	sr_error_make(&err, SR_EXIT_USAGE, 0, "second");
	ok(err->status == SR_EXIT_FAILURE, "the first error is kept");
	sr_error_free(err);
	return done_testing();
}
