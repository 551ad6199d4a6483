/* Coverage, output side: intern source paths, reduce the DWARF rows and
 * functions to one count per source line and per function, and write the
 * lcov tracefile (coverage.h, docs/coverage.md).
 *
 * Reduction: within one image a line's count is the largest of its rows'
 * counts (optimized code interleaves rows of neighbouring lines, so a sum
 * would count one execution several times); a function's is the largest
 * of its out-of-line copies in one compile unit (clones such as .part.0).
 * Different compile units (a static inline function of a header) and
 * different images (the matrix's SMM and no-SMM firmware) add up, as
 * `lcov -a` does for separate runs. */
#include "coverage_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_str(const char *s)
{
  size_t h = 14695981039346656037ull;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return h;
}

static void rehash(struct cov_report *r)
{
  size_t n = r->nfhash ? 2 * r->nfhash : 256;
  size_t *t = calloc(n, sizeof *t);
  if (!t)
    abort();
  for (size_t f = 0; f < r->nfiles; f++) {
    size_t h = hash_str(r->files[f]) & (n - 1);
    while (t[h])
      h = (h + 1) & (n - 1);
    t[h] = f + 1;
  }
  free(r->fhash);
  r->fhash = t;
  r->nfhash = n;
}

uint32_t cov_file_id(struct cov_report *r, const char *path)
{
  char norm[4096];
  cov_normalize(path, norm, sizeof norm);
  if ((r->nfiles + 1) * 2 > r->nfhash)
    rehash(r);
  size_t h = hash_str(norm) & (r->nfhash - 1);
  for (; r->fhash[h]; h = (h + 1) & (r->nfhash - 1))
    if (!strcmp(r->files[r->fhash[h] - 1], norm))
      return (uint32_t)(r->fhash[h] - 1);
  char **nf = realloc(r->files, (r->nfiles + 1) * sizeof *nf);
  if (!nf || !(nf[r->nfiles] = strdup(norm)))
    abort();
  r->files = nf;
  r->fhash[h] = ++r->nfiles;
  return (uint32_t)(r->nfiles - 1);
}

void cov_add_line(struct cov_report *r, struct cov_line l)
{
  if (r->nlines == r->clines) {
    r->clines = r->clines ? 2 * r->clines : 4096;
    if (!(r->lines = realloc(r->lines, r->clines * sizeof *r->lines)))
      abort();
  }
  r->lines[r->nlines++] = l;
}

void cov_add_fn(struct cov_report *r, struct cov_fn f)
{
  if (!f.name)
    abort();
  if (r->nfns == r->cfns) {
    r->cfns = r->cfns ? 2 * r->cfns : 1024;
    if (!(r->fns = realloc(r->fns, r->cfns * sizeof *r->fns)))
      abort();
  }
  r->fns[r->nfns++] = f;
}

#define CMP(a, b) do { if ((a) != (b)) return (a) < (b) ? -1 : 1; } while (0)

static int cmp_line(const void *a, const void *b)
{
  const struct cov_line *x = a, *y = b;
  CMP(x->file, y->file);
  CMP(x->line, y->line);
  CMP(x->image, y->image);
  return 0;
}

static int cmp_fn(const void *a, const void *b)
{
  const struct cov_fn *x = a, *y = b;
  CMP(x->file, y->file);
  int c = strcmp(x->name, y->name);
  if (c)
    return c;
  CMP(x->image, y->image);
  CMP(x->cu, y->cu);
  return 0;
}

static int cmp_fn_line(const void *a, const void *b)
{
  const struct cov_fn *x = a, *y = b;
  CMP(x->file, y->file);
  CMP(x->line, y->line);
  return strcmp(x->name, y->name);
}

/* One entry per (file, line): max within an image, sum across images. */
static void reduce_lines(struct cov_report *r)
{
  size_t k = 0;
  qsort(r->lines, r->nlines, sizeof *r->lines, cmp_line);
  for (size_t i = 0; i < r->nlines;) {
    struct cov_line out = r->lines[i];
    out.count = 0;
    while (i < r->nlines && r->lines[i].file == out.file && r->lines[i].line == out.line) {
      uint64_t max = 0;
      uint32_t img = r->lines[i].image;
      for (; i < r->nlines && r->lines[i].file == out.file && r->lines[i].line == out.line &&
             r->lines[i].image == img; i++)
        if (r->lines[i].count > max)
          max = r->lines[i].count;
      out.count += max;
    }
    r->lines[k++] = out;
  }
  r->nlines = k;
}

/* One entry per (file, name): max within a compile unit, sum across them. */
static void reduce_fns(struct cov_report *r)
{
  size_t k = 0;
  qsort(r->fns, r->nfns, sizeof *r->fns, cmp_fn);
  for (size_t i = 0; i < r->nfns;) {
    struct cov_fn out = r->fns[i];
    out.count = 0;
    while (i < r->nfns && r->fns[i].file == out.file && !strcmp(r->fns[i].name, out.name)) {
      uint64_t max = 0;
      uint32_t img = r->fns[i].image, cu = r->fns[i].cu;
      for (; i < r->nfns && r->fns[i].file == out.file && !strcmp(r->fns[i].name, out.name) &&
             r->fns[i].image == img && r->fns[i].cu == cu; i++) {
        if (r->fns[i].count > max)
          max = r->fns[i].count;
        if (r->fns[i].line < out.line)
          out.line = r->fns[i].line;
        if (r->fns[i].name != out.name)
          free(r->fns[i].name);
      }
      out.count += max;
    }
    r->fns[k++] = out;
  }
  r->nfns = k;
  qsort(r->fns, r->nfns, sizeof *r->fns, cmp_fn_line);
}

static void write_test_name(FILE *f, const char *test)
{
  fputs("TN:", f);
  for (const char *p = test ? test : ""; *p; p++)
    fputc((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ? *p : '_', f);
  fputc('\n', f);
}

/* Files in path order, each with its functions and lines (both sorted). */
static void write_records(FILE *f, const struct cov_report *r, const char *test)
{
  uint32_t *order = malloc((r->nfiles ? r->nfiles : 1) * sizeof *order);
  size_t *l0 = calloc(r->nfiles + 1, sizeof *l0), *f0 = calloc(r->nfiles + 1, sizeof *f0);
  if (!order || !l0 || !f0)
    abort();
  /* start of each file's run in the (file-sorted) arrays */
  for (size_t i = 0; i < r->nlines; i++)
    l0[r->lines[i].file + 1]++;
  for (size_t i = 0; i < r->nfns; i++)
    f0[r->fns[i].file + 1]++;
  for (size_t i = 0; i < r->nfiles; i++) {
    l0[i + 1] += l0[i];
    f0[i + 1] += f0[i];
    order[i] = (uint32_t)i;
  }
  for (size_t i = 1; i < r->nfiles; i++) /* insertion sort by path: few hundred files */
    for (size_t j = i; j > 0 && strcmp(r->files[order[j - 1]], r->files[order[j]]) > 0; j--) {
      uint32_t t = order[j];
      order[j] = order[j - 1];
      order[j - 1] = t;
    }
  for (size_t o = 0; o < r->nfiles; o++) {
    uint32_t fi = order[o];
    size_t nl = l0[fi + 1] - l0[fi], nf = f0[fi + 1] - f0[fi], hit = 0;
    if (!nl)
      continue; /* no code of this file in the image */
    write_test_name(f, test);
    fprintf(f, "SF:%s\n", r->files[fi]);
    for (size_t i = f0[fi]; i < f0[fi + 1]; i++)
      fprintf(f, "FN:%u,%s\n", r->fns[i].line, r->fns[i].name);
    for (size_t i = f0[fi]; i < f0[fi + 1]; i++) {
      fprintf(f, "FNDA:%llu,%s\n", (unsigned long long)r->fns[i].count, r->fns[i].name);
      hit += r->fns[i].count > 0;
    }
    fprintf(f, "FNF:%zu\nFNH:%zu\n", nf, hit);
    hit = 0;
    for (size_t i = l0[fi]; i < l0[fi + 1]; i++) {
      fprintf(f, "DA:%u,%llu\n", r->lines[i].line, (unsigned long long)r->lines[i].count);
      hit += r->lines[i].count > 0;
    }
    fprintf(f, "LF:%zu\nLH:%zu\nend_of_record\n", nl, hit);
  }
  free(order);
  free(l0);
  free(f0);
}

static void report_free(struct cov_report *r)
{
  for (size_t i = 0; i < r->nfiles; i++)
    free(r->files[i]);
  for (size_t i = 0; i < r->nfns; i++)
    free(r->fns[i].name);
  free(r->files);
  free(r->fhash);
  free(r->lines);
  free(r->fns);
}

int coverage_write(struct coverage *c, const char *path, const char *test, char *err, size_t errlen)
{
  struct cov_report r;
  int rc = 0;
  memset(&r, 0, sizeof r);
  for (size_t i = 0; i < c->nimg && !rc; i++)
    rc = cov_map_image(&r, &c->img[i], (uint32_t)i, err, errlen);
  FILE *f = rc ? NULL : fopen(path, "w");
  if (!rc && !f) {
    snprintf(err, errlen, "coverage: cannot write %s: %s", path, strerror(errno));
    rc = -1;
  }
  if (f) {
    reduce_lines(&r);
    reduce_fns(&r);
    write_records(f, &r, test);
    if (fclose(f)) {
      snprintf(err, errlen, "coverage: cannot write %s: %s", path, strerror(errno));
      rc = -1;
    }
  }
  report_free(&r);
  return rc;
}
