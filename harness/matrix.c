#include "matrix.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scenario_machine.h"

static char *read_text(const char *path, int *lines)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  size_t len = 0, cap = 0;
  int c;

  if (!f)
    return NULL;
  *lines = 0;
  while ((c = fgetc(f)) != EOF) {
    if (len + 2 > cap) {
      cap = cap ? 2 * cap : 4096;
      buf = realloc(buf, cap);
    }
    buf[len++] = (char)c;
    if (c == '\n')
      (*lines)++;
  }
  fclose(f);
  if (!buf)
    buf = calloc(1, 2);
  if (len && buf[len - 1] != '\n') {
    buf[len++] = '\n';
    (*lines)++;
  }
  buf[len] = '\0';
  return buf;
}

static void append(char **text, const char *line)
{
  size_t a = strlen(*text), b = strlen(line);
  *text = realloc(*text, a + b + 2);
  memcpy(*text + a, line, b);
  (*text)[a + b] = '\n';
  (*text)[a + b + 1] = '\0';
}

static char *trim(char *s)
{
  while (*s == ' ' || *s == '\t')
    s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
    s[--n] = '\0';
  return s;
}

static bool valid_case_name(const char *s)
{
  if (!*s)
    return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '/' || *s == '-' || *s == '_'))
      return false;
  return true;
}

static int open_case(struct matrix *mx, struct matrix_case *mc, const char *cases_dir, const char *name,
                     int line, char *err, size_t errlen)
{
  char file[128];
  snprintf(file, sizeof file, "%s", name);
  for (char *p = file; *p; p++)
    if (*p == '/')
      *p = '-';
  snprintf(mc->name, sizeof mc->name, "%s", name);
  snprintf(mc->case_path, sizeof mc->case_path, "%s/%s.scn", cases_dir, file);
  mc->text = read_text(mc->case_path, &mc->case_lines);
  if (!mc->text) {
    snprintf(err, errlen, "%s:%d: case '%s': cannot read %s: %s", mx->expect_path, line, name, mc->case_path,
             strerror(errno));
    return -1;
  }
  return 0;
}

/* "machine=M" and "arch=A" (either or both) of a section header: 0, or
 * -1 when a word is neither. *rank says how specific the section is: an
 * arch section outranks a machine section (firmware that stops before the
 * platforms differ makes them alike), both outrank either. */
static int parse_qualifiers(char *qual, const char *platform, const char *arch, bool *match, int *rank)
{
  *match = true;
  *rank = 0;
  for (char *w = strtok(qual, " \t"); w; w = strtok(NULL, " \t")) {
    if (!strncmp(w, "machine=", 8) && machine_platform_parse(w + 8) >= 0 && !(*rank & 1)) {
      *match = *match && !strcmp(w + 8, platform);
      *rank |= 1;
    } else if (!strncmp(w, "arch=", 5) && (!strcmp(w + 5, "x64") || !strcmp(w + 5, "ia32")) && !(*rank & 2)) {
      *match = *match && !strcmp(w + 5, arch);
      *rank |= 2;
    } else {
      return -1;
    }
  }
  return *rank ? 0 : -1;
}

int matrix_load(struct matrix *mx, const char *cases_dir, const char *expect_path, const char *release,
                const char *platform, const char *arch, char *err, size_t errlen)
{
  bool skipping = false; /* inside a section for another platform */
  FILE *f = fopen(expect_path, "r");
  char buf[1024];
  int line = 0;
  struct matrix_case *cur = NULL;

  memset(mx, 0, sizeof *mx);
  snprintf(mx->release, sizeof mx->release, "%s", release);
  /* release[-platform][-arch], each part only when not the default */
  size_t n = (size_t)snprintf(mx->label, sizeof mx->label, "%s", release);
  if (strcmp(platform, "x86_64") && n < sizeof mx->label)
    n += (size_t)snprintf(mx->label + n, sizeof mx->label - n, "-%s", platform);
  if (strcmp(arch, "x64") && n < sizeof mx->label)
    snprintf(mx->label + n, sizeof mx->label - n, "-%s", arch);
  snprintf(mx->expect_path, sizeof mx->expect_path, "%s", expect_path);
  if (!f) {
    snprintf(err, errlen, "%s: cannot read the expectations of release %s: %s", expect_path, release,
             strerror(errno));
    return -1;
  }
  while (fgets(buf, sizeof buf, f)) {
    char *s = trim(buf);
    line++;
    if (!*s || *s == '#') {
      continue;
    } else if (*s == '[') {
      char *end = strchr(s, ']');
      if (!end || end[1]) {
        snprintf(err, errlen, "%s:%d: bad section header (want [op/sev/boot/smm] or [op/sev/boot/smm machine=M arch=A])",
                 expect_path, line);
        goto fail;
      }
      *end = '\0';
      /* [name machine=M arch=A]: replaces [name]'s expectations on
       * platform M, with firmware of architecture A */
      char *qual = strchr(s, ' '), qual_text[64] = "";
      bool qual_match = false;
      int rank = 0;
      if (qual) {
        *qual++ = '\0';
        qual = trim(qual);
        snprintf(qual_text, sizeof qual_text, "%s", qual);
        if (parse_qualifiers(qual, platform, arch, &qual_match, &rank)) {
          snprintf(err, errlen,
                   "%s:%d: bad section qualifier '%s' (want machine=x86_64|i386 and/or arch=x64|ia32)",
                   expect_path, line, qual_text);
          goto fail;
        }
      }
      if (!valid_case_name(s + 1)) {
        snprintf(err, errlen, "%s:%d: bad case name '%s'", expect_path, line, s + 1);
        goto fail;
      }
      struct matrix_case *base = NULL;
      for (size_t i = 0; i < mx->ncases; i++)
        if (!strcmp(mx->c[i].name, s + 1))
          base = &mx->c[i];
      if (qual) {
        if (!base) {
          snprintf(err, errlen, "%s:%d: [%s %s] before its base section [%s]", expect_path, line, s + 1, qual_text,
                   s + 1);
          goto fail;
        }
        cur = NULL; /* skip the section unless it is for this run's platform and firmware */
        if (qual_match && rank >= base->override_rank) {
          if (base->override_rank == rank) {
            snprintf(err, errlen, "%s:%d: [%s %s] listed twice", expect_path, line, s + 1, qual_text);
            goto fail;
          }
          cur = base;
          cur->overridden = true;
          cur->override_rank = rank;
          free(cur->text);
          cur->text = NULL;
          cur->reason[0] = cur->ref[0] = cur->note[0] = '\0';
          if (open_case(mx, cur, cases_dir, s + 1, line, err, errlen))
            goto fail;
          cur->expect_line0 = 0;
        }
        skipping = !cur;
        continue;
      }
      if (base) {
        snprintf(err, errlen, "%s:%d: case '%s' listed twice", expect_path, line, s + 1);
        goto fail;
      }
      if (mx->ncases == MATRIX_MAX_CASES) {
        snprintf(err, errlen, "%s:%d: more than %d cases", expect_path, line, MATRIX_MAX_CASES);
        goto fail;
      }
      skipping = false;
      cur = &mx->c[mx->ncases++];
      if (open_case(mx, cur, cases_dir, s + 1, line, err, errlen))
        goto fail;
      cur->expect_line0 = 0;
    } else if (skipping) {
      continue;
    } else if (!cur) {
      snprintf(err, errlen, "%s:%d: expectation before the first [case] header", expect_path, line);
      goto fail;
    } else if (!strncmp(s, "reason:", 7)) {
      snprintf(cur->reason, sizeof cur->reason, "%s", trim(s + 7));
    } else if (!strncmp(s, "ref:", 4)) {
      snprintf(cur->ref, sizeof cur->ref, "%s", trim(s + 4));
    } else if (!strncmp(s, "note:", 5)) {
      snprintf(cur->note, sizeof cur->note, "%s", trim(s + 5));
    } else {
      /* a scenario-language line; keep line numbers mappable */
      if (!cur->expect_line0)
        cur->expect_line0 = line;
      /* pad with blank lines so composed line N maps to expect_line0 + N - case_lines - 1 */
      int composed_lines = 0;
      for (const char *p = cur->text; *p; p++)
        composed_lines += *p == '\n';
      while (composed_lines < cur->case_lines + (line - cur->expect_line0)) {
        append(&cur->text, "");
        composed_lines++;
      }
      append(&cur->text, s);
    }
  }
  fclose(f);
  f = NULL;

  /* every case file must be covered by a section */
  DIR *d = opendir(cases_dir);
  if (!d) {
    snprintf(err, errlen, "%s: cannot list the case files: %s", cases_dir, strerror(errno));
    return -1;
  }
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n < 5 || strcmp(de->d_name + n - 4, ".scn"))
      continue;
    bool found = false;
    for (size_t i = 0; i < mx->ncases && !found; i++) {
      const char *base = strrchr(mx->c[i].case_path, '/');
      found = base && !strcmp(base + 1, de->d_name);
    }
    if (!found) {
      snprintf(err, errlen, "%s: case %s/%s has no [section] for release %s", expect_path, cases_dir, de->d_name,
               release);
      closedir(d);
      return -1;
    }
  }
  closedir(d);
  return 0;
fail:
  if (f)
    fclose(f);
  return -1;
}

void matrix_free(struct matrix *mx)
{
  for (size_t i = 0; i < mx->ncases; i++)
    free(mx->c[i].text);
  memset(mx, 0, sizeof *mx);
}

void matrix_error_location(const struct matrix *mx, const struct matrix_case *mc, int line,
                           const char **file, int *file_line)
{
  if (line <= mc->case_lines || !mc->expect_line0) {
    *file = mc->case_path;
    *file_line = line;
  } else {
    *file = mx->expect_path;
    *file_line = mc->expect_line0 + (line - mc->case_lines - 1);
  }
}

void matrix_print_table(const struct matrix *mx, FILE *out)
{
  size_t passed = 0;

  fprintf(out, "%-26s %-10s %-10s %-6s %8s  %s\n", "CASE", "VERDICT", "EXPECTED", "RESULT", "TIME(ms)",
          "DECIDED BY");
  for (size_t i = 0; i < mx->ncases; i++) {
    const struct matrix_case *c = &mx->c[i];
    passed += c->passed;
    fprintf(out, "%-26s %-10s %-10s %-6s %8.1f  %s\n", c->name, c->verdict ? c->verdict : "error",
            c->expected ? c->expected : "?", c->passed ? "ok" : "FAIL", c->seconds * 1e3,
            c->deciding[0] ? c->deciding : "-");
    if (c->reason[0])
      fprintf(out, "%-26s   known: %s\n", "", c->reason);
    if (c->ref[0])
      fprintf(out, "%-26s   ref: %s\n", "", c->ref);
    if (c->note[0])
      fprintf(out, "%-26s   note: %s\n", "", c->note);
    fprintf(out, "%-26s   upstream: %s\n", "", c->upstream[0] ? c->upstream : "not recorded");
  }
  fprintf(out, "matrix %s: %zu of %zu cases as expected\n", mx->label, passed, mx->ncases);
}

static void xml_escape(FILE *f, const char *s)
{
  for (; *s; s++) {
    switch (*s) {
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '&': fputs("&amp;", f); break;
    case '"': fputs("&quot;", f); break;
    default: fputc(*s, f); break;
    }
  }
}

int matrix_write_junit(const struct matrix *mx, const char *path)
{
  FILE *f = fopen(path, "w");
  size_t failures = 0;
  double total = 0;

  if (!f)
    return -1;
  for (size_t i = 0; i < mx->ncases; i++) {
    failures += !mx->c[i].passed;
    total += mx->c[i].seconds;
  }
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
  fprintf(f, "<testsuite name=\"smmhp-matrix-");
  xml_escape(f, mx->label);
  fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" time=\"%.3f\">\n", mx->ncases, failures, total);
  for (size_t i = 0; i < mx->ncases; i++) {
    const struct matrix_case *c = &mx->c[i];
    fprintf(f, "  <testcase classname=\"matrix.");
    xml_escape(f, mx->label);
    fprintf(f, "\" name=\"");
    xml_escape(f, c->name);
    fprintf(f, "\" time=\"%.3f\">\n", c->seconds);
    if (!c->passed) {
      fprintf(f, "    <failure message=\"verdict ");
      xml_escape(f, c->verdict ? c->verdict : "error");
      fprintf(f, ", expected ");
      xml_escape(f, c->expected ? c->expected : "?");
      fprintf(f, "\"/>\n");
    }
    fprintf(f, "    <system-out>verdict=");
    xml_escape(f, c->verdict ? c->verdict : "error");
    fprintf(f, " decided-by=");
    xml_escape(f, c->deciding);
    fprintf(f, " upstream=");
    xml_escape(f, c->upstream[0] ? c->upstream : "none");
    if (c->reason[0]) {
      fprintf(f, " known=\"");
      xml_escape(f, c->reason);
      fprintf(f, "\"");
    }
    fprintf(f, "</system-out>\n  </testcase>\n");
  }
  fprintf(f, "</testsuite>\n");
  return fclose(f) ? -1 : 0;
}
