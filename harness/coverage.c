/* Coverage recording (coverage.h): the block hook's hot path and the
 * per-image table of executed blocks.
 *
 * Hot path: a direct-mapped cache keyed by guest address, size, the
 * generation of the block's first and last page (bumped when code there
 * is rewritten, e.g. a new copy at 0x38000) and the attach epoch; a hit
 * is one increment. A miss resolves the block to its firmware link
 * address: inside a segment of the firmware ELF it is the address
 * itself, elsewhere machine_copy_origin finds run-time copies of
 * firmware code; anything else (OS actor, harness trampolines) is not
 * counted. */
#include "coverage_internal.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

#define COV_CACHE 65536u
#define NO_BLOCK -1

struct cov_slot {
  uint64_t addr;
  uint32_t size, gen0, gen1, epoch;
  int64_t block;
};

struct coverage *coverage_new(void)
{
  struct coverage *c = calloc(1, sizeof *c);
  if (c && !(c->cache = calloc(COV_CACHE, sizeof *c->cache))) {
    free(c);
    return NULL;
  }
  if (c)
    c->cur = -1;
  return c;
}

void coverage_free(struct coverage *c)
{
  if (!c)
    return;
  for (size_t i = 0; i < c->nimg; i++) {
    free(c->img[i].path);
    free(c->img[i].b);
    free(c->img[i].index);
  }
  free(c->img);
  free(c->cache);
  free(c);
}

static int image_of(struct coverage *c, const char *path)
{
  char real[PATH_MAX];
  if (!realpath(path, real))
    snprintf(real, sizeof real, "%s", path);
  for (size_t i = 0; i < c->nimg; i++)
    if (!strcmp(c->img[i].path, real))
      return (int)i;
  struct cov_image *n = realloc(c->img, (c->nimg + 1) * sizeof *n);
  if (!n)
    return -1;
  c->img = n;
  c->img[c->nimg] = (struct cov_image){ .path = strdup(real) };
  return (int)c->nimg++;
}

void coverage_attach(struct coverage *c, struct machine *m)
{
  m->coverage = c;
  c->epoch++;
  c->cur = m->fw_loaded && m->fw.path ? image_of(c, m->fw.path) : -1;
}

static size_t hash_block(uint64_t addr, uint32_t size)
{
  return (size_t)(((addr ^ ((uint64_t)size << 40)) * 0x9E3779B97F4A7C15ull) >> 20);
}

static int grow_index(struct cov_image *im)
{
  size_t n = im->nindex ? 2 * im->nindex : 4096;
  size_t *ix = calloc(n, sizeof *ix);
  if (!ix)
    return -1;
  for (size_t b = 0; b < im->n; b++) {
    size_t h = hash_block(im->b[b].addr, im->b[b].size) & (n - 1);
    while (ix[h])
      h = (h + 1) & (n - 1);
    ix[h] = b + 1;
  }
  free(im->index);
  im->index = ix;
  im->nindex = n;
  return 0;
}

/* The block (origin, size) of im, added with count 0 if new; -1 if out of memory. */
static int64_t block_of(struct cov_image *im, uint64_t origin, uint32_t size)
{
  if ((im->n + 1) * 2 > im->nindex && grow_index(im))
    return NO_BLOCK;
  size_t h = hash_block(origin, size) & (im->nindex - 1);
  for (; im->index[h]; h = (h + 1) & (im->nindex - 1)) {
    struct cov_block *b = &im->b[im->index[h] - 1];
    if (b->addr == origin && b->size == size)
      return (int64_t)(im->index[h] - 1);
  }
  if (im->n == im->cap) {
    size_t cap = im->cap ? 2 * im->cap : 4096;
    struct cov_block *nb = realloc(im->b, cap * sizeof *nb);
    if (!nb)
      return NO_BLOCK;
    im->b = nb;
    im->cap = cap;
  }
  im->b[im->n] = (struct cov_block){ .addr = origin, .size = size };
  im->index[h] = ++im->n;
  return (int64_t)(im->n - 1);
}

static int64_t resolve(struct coverage *c, struct machine *m, uint64_t addr, uint32_t size)
{
  if (c->cur < 0)
    return NO_BLOCK;
  uint64_t origin = 0;
  for (size_t i = 0; i < m->fw.nsegs && !origin; i++) {
    const struct elfseg *s = &m->fw.segs[i];
    if (addr >= s->paddr && addr + size <= s->paddr + s->memsz)
      origin = addr;
  }
  if (!origin)
    origin = machine_copy_origin(m, addr);
  return origin ? block_of(&c->img[c->cur], origin, size) : NO_BLOCK;
}

void coverage_block(struct machine *m, uint64_t addr, uint32_t size)
{
  struct coverage *c = m->coverage;
  uint32_t g0 = m->page_gen[addr >> 12], g1 = m->page_gen[(addr + size - 1) >> 12];
  struct cov_slot *s = &c->cache[(addr * 0x9E3779B97F4A7C15ull) >> 48];

  if (s->addr != addr || s->size != size || s->gen0 != g0 || s->gen1 != g1 || s->epoch != c->epoch)
    *s = (struct cov_slot){ .addr = addr, .size = size, .gen0 = g0, .gen1 = g1, .epoch = c->epoch,
                            .block = resolve(c, m, addr, size) };
  if (s->block != NO_BLOCK)
    c->img[c->cur].b[s->block].count++;
}
