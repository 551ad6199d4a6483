#include "scenario_machine.h"

#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "dev_smi_features.h"

int scenario_machine_new(const struct scenario *s, const char *fw, const char *os, bool seed_given,
                         uint64_t seed, struct machine **out, char *err, size_t errlen)
{
  return scenario_machine_new_traced(s, fw, os, seed_given, seed, NULL, out, err, errlen);
}

int scenario_machine_new_traced(const struct scenario *s, const char *fw, const char *os, bool seed_given,
                                uint64_t seed, const struct trace_config *trace, struct machine **out,
                                char *err, size_t errlen)
{
  struct machine_config cfg = {
    .boot_cpus = s->machine.boot_cpus,
    .possible_cpus = s->machine.possible_cpus,
    .smm = s->machine.smm,
    .accel = s->machine.accel == SCN_ACCEL_TCG ? ACCEL_TCG : ACCEL_KVM,
    .sev = s->machine.sev,
    .smi_negotiation_forced = s->machine.smi_forced,
    .apic_stride = s->machine.apic_stride ? s->machine.apic_stride : 1,
    .ext_tseg_mbytes = s->machine.ext_tseg_mbytes,
    .core_rules = s->machine.core_rules,
    .i386 = s->machine.i386,
    .seed = seed_given ? seed : s->seed,
    .budget = s->budget,
    .smi_host_features = SMI_F_ALL,
    /* qemu=7.2.0 and 5.1: the legacy block's valid.max_access_size = 1
     * (QEMU 5d971f9e6725 .. dab30fbef389), seen under TCG only */
    .cpuhp_legacy_byte_only = (s->machine.qemu == 1 || s->machine.qemu == 2) && s->machine.accel == SCN_ACCEL_TCG,
    .cpuhp_scan_ignores_fw_remove = s->machine.qemu == 3,
    .smi_no_cpu_gating = s->machine.qemu == 2,
    .trace = trace ? *trace : trace_config_none(),
  };
  static const char *const types[] = { "pc-q35-7.2", "pc-q35-5.2", "pc-q35-5.1", "pc-q35-2.8" };
  struct machine *m = calloc(1, sizeof *m);

  if (s->machine.machine_type < 4)
    smi_features_preset(types[s->machine.machine_type], &cfg.smi_host_features);
  if (s->machine.qemu == 2) /* QEMU 5.1 knows only x-smi-broadcast */
    cfg.smi_host_features &= SMI_F_BROADCAST;

  *out = m;
  if (!m || machine_init(m, &cfg)) {
    snprintf(err, errlen, "internal error: cannot set up the machine");
    return 3;
  }
  if (machine_load_firmware(m, fw, os, err, errlen))
    return 2;
  return 0;
}

void scenario_machine_free(struct machine *m)
{
  if (m)
    machine_free(m);
  free(m);
}

void path_beside_self(char *out, size_t len, const char *rel)
{
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    snprintf(out, len, "build/%s", rel);
    return;
  }
  self[n] = '\0';
  snprintf(out, len, "%s/%s", dirname(self), rel);
}

void image_beside_self(char *out, size_t len, enum guest_image which, bool ia32)
{
  static const char *const rel[2][3] = {
    { "fw/smmhp-fw.elf", "fw/smmhp-fw-nosmm.elf", "os/smmhp-os.elf" },
    { "fw-ia32/smmhp-fw.elf", "fw-ia32/smmhp-fw-nosmm.elf", "os-ia32/smmhp-os.elf" },
  };
  path_beside_self(out, len, rel[ia32][which]);
}

int fw_arch_parse(const char *name)
{
  if (!strcasecmp(name, "x64"))
    return 0;
  if (!strcasecmp(name, "ia32"))
    return 1;
  return -1;
}

int machine_platform_parse(const char *name)
{
  if (!strcmp(name, "x86_64"))
    return 0;
  if (!strcmp(name, "i386"))
    return 1;
  return -1;
}

const char *machine_platform_name(bool i386)
{
  return i386 ? "i386" : "x86_64";
}

void log_line_to_file(void *ctx, const char *line)
{
  fprintf((FILE *)ctx, "%s\n", line);
}

double clock_seconds(clockid_t id)
{
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cpu_seconds(void)
{
  return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}
