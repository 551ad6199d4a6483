/* Standalone driver of the fuzz target (no libFuzzer needed):
 *
 *   smmhp-fuzz-standalone FILE|DIR...     run each input once (replays a
 *                                         crash; AFL++: afl-fuzz ... -- BIN @@)
 *   smmhp-fuzz-standalone                 one input from stdin (AFL++ stdin mode)
 *   smmhp-fuzz-standalone --search N --seed S DIR...
 *                                         deterministic in-process random search:
 *                                         run the corpus, then N mutants of it
 *
 * Exit status: 0 no failure, 1 a failure (reproducer written), 2 usage. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_target.h"

#define FUZZ_INPUT_MAX 256

struct input { uint8_t b[FUZZ_INPUT_MAX]; size_t n; };
struct corpus { struct input *v; size_t n, cap; };

static void add(struct corpus *c, const uint8_t *b, size_t n)
{
  if (c->n == c->cap) {
    c->cap = c->cap ? 2 * c->cap : 64;
    c->v = realloc(c->v, c->cap * sizeof *c->v);
  }
  struct input *in = &c->v[c->n++];
  in->n = n > FUZZ_INPUT_MAX ? FUZZ_INPUT_MAX : n;
  memcpy(in->b, b, in->n);
}

static int load_file(struct corpus *c, const char *path)
{
  uint8_t buf[FUZZ_INPUT_MAX];
  FILE *f = fopen(path, "rb");
  if (!f) {
    perror(path);
    return -1;
  }
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  add(c, buf, n);
  return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Files of a directory in name order (deterministic). */
static int load(struct corpus *c, const char *path)
{
  struct stat st;
  if (stat(path, &st)) {
    perror(path);
    return -1;
  }
  if (!S_ISDIR(st.st_mode))
    return load_file(c, path);
  DIR *d = opendir(path);
  char *names[4096];
  size_t n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)) && n < 4096)
    if (e->d_name[0] != '.')
      names[n++] = strdup(e->d_name);
  if (d)
    closedir(d);
  qsort(names, n, sizeof *names, cmp_str);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    char full[4096];
    snprintf(full, sizeof full, "%s/%s", path, names[i]);
    rc |= load_file(c, full);
    free(names[i]);
  }
  return rc;
}

static uint64_t rng_state;
static uint64_t rnd(void)
{
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Byte flips, random bytes, inserted or deleted 3-byte operations,
 * splices with another corpus entry. */
static void mutate(struct input *in, const struct corpus *c)
{
  unsigned k = 1 + (unsigned)(rnd() % 4);
  for (unsigned i = 0; i < k; i++) {
    switch (rnd() % 5) {
    case 0:
      if (in->n)
        in->b[rnd() % in->n] ^= (uint8_t)(1u << (rnd() % 8));
      break;
    case 1:
      if (in->n)
        in->b[rnd() % in->n] = (uint8_t)rnd();
      break;
    case 2:
      if (in->n + 3 <= FUZZ_INPUT_MAX) {
        size_t at = in->n ? 1 + (rnd() % in->n) : 0;
        if (at > in->n)
          at = in->n;
        memmove(in->b + at + 3, in->b + at, in->n - at);
        for (int j = 0; j < 3; j++)
          in->b[at + j] = (uint8_t)rnd();
        in->n += 3;
      }
      break;
    case 3:
      if (in->n > 4) {
        size_t at = 1 + rnd() % (in->n - 3);
        memmove(in->b + at, in->b + at + 3, in->n - at - 3);
        in->n -= 3;
      }
      break;
    default: {
      const struct input *o = &c->v[rnd() % c->n];
      size_t cut = in->n ? rnd() % in->n : 0, take = o->n > cut ? o->n - cut : 0;
      if (cut + take > FUZZ_INPUT_MAX)
        take = FUZZ_INPUT_MAX - cut;
      memcpy(in->b + cut, o->b + cut, take);
      in->n = cut + take;
      break;
    }
    }
  }
}

int main(int argc, char **argv)
{
  struct corpus c = { 0 };
  unsigned long long search = 0;
  bool failed = false;

  LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--search") && i + 1 < argc)
      search = strtoull(argv[++i], NULL, 0);
    else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
      rng_state = strtoull(argv[++i], NULL, 0);
    else if (load(&c, argv[i]))
      return 2;
  }
  if (argc == 1) {
    uint8_t buf[FUZZ_INPUT_MAX];
    add(&c, buf, fread(buf, 1, sizeof buf, stdin));
  }
  for (size_t i = 0; i < c.n && !failed; i++)
    fuzz_run_one(c.v[i].b, c.v[i].n, &failed);
  if (!failed && search)
    printf("smmhp-fuzz-standalone: corpus of %zu inputs runs clean; searching %llu mutants\n", c.n, search);
  for (unsigned long long k = 0; k < search && !failed && c.n; k++) {
    struct input in = c.v[rnd() % c.n];
    mutate(&in, &c);
    fuzz_run_one(in.b, in.n, &failed);
    if ((k + 1) % 500 == 0)
      printf("smmhp-fuzz-standalone: %llu executions\n", fuzz_executions());
  }
  if (failed)
    printf("smmhp-fuzz-standalone: failure found after %llu executions\n", fuzz_executions());
  else
    printf("smmhp-fuzz-standalone: %llu executions, no failure\n", fuzz_executions());
  free(c.v);
  return failed ? 1 : 0;
}
