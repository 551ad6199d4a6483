/* The fuzz target's entry points (fuzz_target.c). */
#ifndef SMMHP_FUZZ_TARGET_H
#define SMMHP_FUZZ_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* One execution without aborting: *failed when the input found a bug
 * (the reproducer is written). Returns the runner's exit status. */
int fuzz_run_one(const uint8_t *data, size_t size, bool *failed);
unsigned long long fuzz_executions(void);

#endif
