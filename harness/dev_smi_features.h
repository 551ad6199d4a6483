/* ICH9 LPC SMI feature negotiation over fw_cfg, and the CPU device_add /
 * device_del gating that depends on it (QEMU 7.2 hw/isa/lpc_ich9.c,
 * hw/acpi/ich9.c). */
#ifndef SMMHP_DEV_SMI_FEATURES_H
#define SMMHP_DEV_SMI_FEATURES_H

#include <stdbool.h>
#include <stdint.h>

#include "dev_fwcfg.h"
#include "evsink.h"

#define SMI_F_BROADCAST      (1ull << 0) /* ICH9_LPC_SMI_F_BROADCAST_BIT */
#define SMI_F_CPU_HOTPLUG    (1ull << 1)
#define SMI_F_CPU_HOT_UNPLUG (1ull << 2)
#define SMI_F_ALL (SMI_F_BROADCAST | SMI_F_CPU_HOTPLUG | SMI_F_CPU_HOT_UNPLUG)

struct smi_features {
  uint64_t host;              /* x-smi-* properties */
  uint8_t host_le[8];         /* etc/smi/supported-features */
  uint8_t requested_le[8];    /* etc/smi/requested-features (guest-writable) */
  uint8_t features_ok;        /* etc/smi/features-ok */
  uint64_t negotiated;        /* x-smi-negotiated-features */
  /* Test knob, not a QEMU feature (`machine ... smi_negotiation=forced`):
   * at features-ok the platform negotiates every host feature whatever
   * the guest requested; the request is still logged
   * (smi_features_forced requested=R negotiated=N). docs/sev-model.md. */
  bool forced;
  /* QEMU < 5.2 (`machine ... qemu=5.1`): no pre-plug / unplug-request
   * check at all; device_add and device_del of CPUs are always allowed
   * (the check arrived with "x86: cpuhp: prevent guest crash on CPU
   * hotplug when broadcast SMI is in use", QEMU 5.2; docs/bugs.md B2). */
  bool no_cpu_gating;
  const struct evsink *ev;
};

/* Named host-feature presets (machine-type compat, hw/i386/pc.c).
 * Returns 0 and sets *host, or -1 for an unknown name. Names:
 *   "default" / "pc-q35-7.2"  BROADCAST|CPU_HOTPLUG|CPU_HOT_UNPLUG
 *   "pc-q35-5.2"              BROADCAST|CPU_HOTPLUG  (pc_compat_5_2)
 *   "pc-q35-5.1"              BROADCAST              (pc_compat_5_1)
 *   "pc-q35-2.8"              none: no fw_cfg files  (pc_compat_2_8) */
int smi_features_preset(const char *name, uint64_t *host);

/* Returns -1 for host features QEMU refuses to realize (UNPLUG without
 * HOTPLUG, or bits beyond the three known ones). */
int smi_features_init(struct smi_features *sf, uint64_t host, const struct evsink *ev);
/* Adds the three files, only if host != 0 (ich9_lpc_pm_init). */
int smi_features_register(struct smi_features *sf, struct fwcfg *fw);
/* ich9_lpc_reset: clears requested, ok and negotiated. */
void smi_features_reset(struct smi_features *sf);

uint64_t smi_features_negotiated(const struct smi_features *sf);
bool smi_features_broadcast(const struct smi_features *sf);

/* ich9_pm_device_pre_plug_cb: a CPU device_add is refused when BROADCAST
 * was negotiated without CPU_HOTPLUG (event device_add_refused). */
bool smi_features_device_add_allowed(const struct smi_features *sf);
/* ich9_pm_device_unplug_request_cb: a CPU device_del is refused when
 * BROADCAST was negotiated without CPU_HOT_UNPLUG (device_del_refused). */
bool smi_features_device_del_allowed(const struct smi_features *sf);

#endif
