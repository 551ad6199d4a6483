/* Shared by coverage.c (recording), coverage_map.c (DWARF lines and
 * functions of one image) and coverage_lcov.c (the tracefile). */
#ifndef SMMHP_COVERAGE_INTERNAL_H
#define SMMHP_COVERAGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "coverage.h"

/* An executed block at a firmware link address, with its executions. */
struct cov_block { uint64_t addr, count; uint32_t size; };

/* Everything executed in one firmware ELF. */
struct cov_image {
  char *path;
  struct cov_block *b; size_t n, cap;
  size_t *index; size_t nindex;          /* open addressing: block + 1, 0 empty */
};

struct cov_slot;

struct coverage {
  struct cov_image *img; size_t nimg;
  int cur;                               /* image of the attached machine, -1: none */
  uint32_t epoch;                        /* bumped per attach: invalidates the cache */
  struct cov_slot *cache;                /* guest block -> block of img[cur] */
};

/* What the DWARF says, before reduction: one row per line-table row
 * (count: executions of the row's instructions) and one per function. */
struct cov_line { uint32_t file, line, image; uint64_t count; };
struct cov_fn { uint32_t file, line, image, cu; char *name; uint64_t count; };

struct cov_report {
  char **files; size_t nfiles;           /* interned normalized paths */
  size_t *fhash; size_t nfhash;          /* open addressing: file + 1 */
  struct cov_line *lines; size_t nlines, clines;
  struct cov_fn *fns; size_t nfns, cfns;
};

/* coverage_path.c: "/a/./b/../c" -> "/a/c"; the absolute path of a DWARF
 * source name of a CU (comp_dir), trying the other CUs' comp_dirs. */
void cov_normalize(const char *in, char *out, size_t len);
void cov_resolve_src(const char *const *dirs, size_t ndirs, const char *comp_dir, const char *src, char *out,
                     size_t len);

uint32_t cov_file_id(struct cov_report *r, const char *path);
void cov_add_line(struct cov_report *r, struct cov_line l);
void cov_add_fn(struct cov_report *r, struct cov_fn f);

/* Add the rows and functions of img (image number `image`) to r. */
int cov_map_image(struct cov_report *r, const struct cov_image *img, uint32_t image, char *err, size_t errlen);

#endif
