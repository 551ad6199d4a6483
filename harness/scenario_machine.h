/* Building the machine a parsed scenario describes (shared by the run,
 * bench and matrix commands). */
#ifndef SMMHP_SCENARIO_MACHINE_H
#define SMMHP_SCENARIO_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "machine.h"
#include "scenario.h"

/* 0; 2 (an image cannot be loaded: message in err); 3 (internal). *out is
 * allocated in every case and must be released with scenario_machine_free. */
int scenario_machine_new(const struct scenario *s, const char *fw, const char *os, bool seed_given,
                         uint64_t seed, struct machine **out, char *err, size_t errlen);
/* The same, traced as `trace` says (NULL: no tracing). */
int scenario_machine_new_traced(const struct scenario *s, const char *fw, const char *os, bool seed_given,
                                uint64_t seed, const struct trace_config *trace, struct machine **out,
                                char *err, size_t errlen);
void scenario_machine_free(struct machine *m);

/* The --machine option's platform names, as the scenario's `arch=`:
 * 0 "x86_64" (qemu-system-x86_64), 1 "i386" (qemu-system-i386), -1 other. */
int machine_platform_parse(const char *name);
/* ... and back: "i386" when i386, else "x86_64". */
const char *machine_platform_name(bool i386);

/* A machine log hook writing each line to the FILE * in ctx. */
void log_line_to_file(void *ctx, const char *line);
/* clock_gettime(id) in seconds (CPU time or wall time of the commands). */
double clock_seconds(clockid_t id);
/* This process's CPU time in seconds. */
double cpu_seconds(void);

/* dir-of-the-smmhp-binary/rel (build/rel when it cannot be read): where
 * the default firmware images live. */
void path_beside_self(char *out, size_t len, const char *rel);

/* The default guest images beside the smmhp binary, per firmware
 * architecture: fw/ and os/ (X64) or fw-ia32/ and os-ia32/ (IA32,
 * docs/ia32.md). */
enum guest_image { IMAGE_FW, IMAGE_FW_NOSMM, IMAGE_OS };
void image_beside_self(char *out, size_t len, enum guest_image which, bool ia32);
/* --arch: "X64" 0, "IA32" 1 (any case), -1 otherwise. */
int fw_arch_parse(const char *name);

#endif
