/* SMI feature negotiation: three fw_cfg files and the features-ok
 * validation that runs when the guest selects features-ok. */
#include "dev_smi_features.h"

#include <inttypes.h>
#include <string.h>

int smi_features_preset(const char *name, uint64_t *host)
{
  static const struct { const char *name; uint64_t host; } presets[] = {
    { "default", SMI_F_ALL },
    { "pc-q35-7.2", SMI_F_ALL },
    { "pc-q35-5.2", SMI_F_BROADCAST | SMI_F_CPU_HOTPLUG },
    { "pc-q35-5.1", SMI_F_BROADCAST },
    { "pc-q35-2.8", 0 },
  };
  for (size_t i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
    if (strcmp(name, presets[i].name) == 0) {
      *host = presets[i].host;
      return 0;
    }
  }
  return -1;
}

int smi_features_init(struct smi_features *sf, uint64_t host, const struct evsink *ev)
{
  memset(sf, 0, sizeof(*sf));
  sf->ev = ev;
  if (host & ~SMI_F_ALL)
    return -1;
  /* ich9_lpc_realize: "cpu hot-unplug requires cpu hot-plug" */
  if ((host & SMI_F_CPU_HOT_UNPLUG) && !(host & SMI_F_CPU_HOTPLUG))
    return -1;
  sf->host = host;
  for (int i = 0; i < 8; i++)
    sf->host_le[i] = (uint8_t)(host >> (8 * i));
  return 0;
}

static uint64_t get_le64(const uint8_t *p)
{
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* smi_features_ok_callback */
static void features_ok_select(void *opaque)
{
  struct smi_features *sf = opaque;
  if (sf->features_ok)
    return; /* negotiation complete, features locked */
  uint64_t req = get_le64(sf->requested_le);
  const char *why = NULL;
  if (sf->forced) {
    sf->negotiated = sf->host;
    sf->features_ok = 1;
    ev_emit(sf->ev, "smi_features_forced requested=0x%" PRIx64 " negotiated=0x%" PRIx64, req, sf->host);
    return;
  }
  uint64_t hp = req & (SMI_F_CPU_HOTPLUG | SMI_F_CPU_HOT_UNPLUG);
  if (req & ~sf->host)
    why = "unsupported";
  else if (!(req & SMI_F_BROADCAST) && hp)
    why = "hotplug_without_broadcast";
  else if (hp == SMI_F_CPU_HOT_UNPLUG)
    why = "unplug_without_hotplug";
  if (why) {
    ev_emit(sf->ev, "smi_features_rejected requested=0x%" PRIx64 " reason=%s", req, why);
    return;
  }
  sf->negotiated = req;
  sf->features_ok = 1;
  ev_emit(sf->ev, "smi_features_negotiated negotiated=0x%" PRIx64, req);
}

int smi_features_register(struct smi_features *sf, struct fwcfg *fw)
{
  if (!sf->host)
    return 0;
  if (fwcfg_add_file(fw, "etc/smi/supported-features", sf->host_le, 8, true,
                     NULL, NULL, NULL) < 0 ||
      fwcfg_add_file(fw, "etc/smi/requested-features", sf->requested_le, 8, false,
                     NULL, NULL, NULL) < 0 ||
      fwcfg_add_file(fw, "etc/smi/features-ok", &sf->features_ok, 1, true,
                     features_ok_select, NULL, sf) < 0)
    return -1;
  return 0;
}

void smi_features_reset(struct smi_features *sf)
{
  memset(sf->requested_le, 0, sizeof(sf->requested_le));
  sf->features_ok = 0;
  sf->negotiated = 0;
}

uint64_t smi_features_negotiated(const struct smi_features *sf)
{
  return sf->negotiated;
}

bool smi_features_broadcast(const struct smi_features *sf)
{
  return (sf->negotiated & SMI_F_BROADCAST) != 0;
}

bool smi_features_device_add_allowed(const struct smi_features *sf)
{
  if (!sf->no_cpu_gating && (sf->negotiated & SMI_F_BROADCAST) && !(sf->negotiated & SMI_F_CPU_HOTPLUG)) {
    ev_emit(sf->ev, "device_add_refused negotiated=0x%" PRIx64, sf->negotiated);
    return false;
  }
  return true;
}

bool smi_features_device_del_allowed(const struct smi_features *sf)
{
  if (!sf->no_cpu_gating && (sf->negotiated & SMI_F_BROADCAST) && !(sf->negotiated & SMI_F_CPU_HOT_UNPLUG)) {
    ev_emit(sf->ev, "device_del_refused negotiated=0x%" PRIx64, sf->negotiated);
    return false;
  }
  return true;
}
