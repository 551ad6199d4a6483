/* The test matrix, kept as data: case files (steps) under a directory,
 * and per firmware release an expectations file whose sections name the
 * cases:
 *
 *   [unplug/sev/normal/smm]
 *   reason: SmiFeatures.c does not negotiate CPU hot-unplug under SEV
 *   ref: OvmfPkg/SmmControl2Dxe/SmiFeatures.c NegotiateSmiFeatures
 *   expect-verdict refused
 *   expect device_del_refused negotiated=0x1
 *
 * A case's scenario is its case file followed by its section's
 * scenario-language lines (expect, expect-not, expect-verdict).
 * docs/matrix.md describes both formats.
 */
#ifndef SMMHP_MATRIX_H
#define SMMHP_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define MATRIX_MAX_CASES 64

struct matrix_case {
  char name[96];            /* hierarchical, e.g. plug/sev/s3/smm */
  char case_path[512];      /* its case file */
  char *text;               /* case file + expectation lines, for the parser */
  int case_lines;           /* lines of text that came from the case file */
  int expect_line0;         /* first expectation line's line in the expectations file */
  char reason[256], ref[256], note[256];
  bool overridden;          /* a [name machine=M arch=A] section for this run replaced it */
  int override_rank;        /* how specific that section was (1 machine, 2 arch, 3 both) */
  /* results */
  const char *verdict;
  const char *expected;
  bool passed;
  int exit_code;            /* of this case as `smmhp run` would give it */
  char deciding[256];
  char upstream[1024];      /* upstream functions it executed ("" = platform only) */
  double seconds;
};

struct matrix {
  char release[64];
  char label[80];           /* release, or release-PLATFORM off qemu-system-x86_64 */
  char expect_path[512];
  size_t ncases;
  struct matrix_case c[MATRIX_MAX_CASES];
};

/* Load the expectations file and, for every section, the case file
 * cases_dir/<name with '/' as '-'>.scn. Every *.scn in cases_dir must
 * have a section. A later [name machine=M] section replaces [name]'s
 * lines when platform is M ("x86_64" or "i386"), an [name arch=A] one
 * when the firmware's architecture is A ("x64" or "ia32"), and one with
 * both when both match; the most specific matching section wins (arch
 * outranks machine). 0, or -1 with "FILE:LINE: message" in err. */
int matrix_load(struct matrix *mx, const char *cases_dir, const char *expect_path, const char *release,
                const char *platform, const char *arch, char *err, size_t errlen);
void matrix_free(struct matrix *mx);

/* Map a parse error line of a composed case back to its own file. */
void matrix_error_location(const struct matrix *mx, const struct matrix_case *mc, int line,
                           const char **file, int *file_line);

/* The table (one line per case) and the JUnit XML report. */
void matrix_print_table(const struct matrix *mx, FILE *out);
int matrix_write_junit(const struct matrix *mx, const char *path);

#endif
