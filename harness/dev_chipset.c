/* q35 MCH + ICH9 LPC/PM/APM model. QEMU 7.2 sources per function are
 * named in the comments and in docs/platform-devices.md. */
#include "dev_chipset.h"

#include <inttypes.h>
#include <string.h>

#define DEVFN_MCH 0x00
#define DEVFN_LPC ((31 << 3) | 0)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16; }

static uint32_t size_mask(unsigned size)
{
  return size >= 4 ? 0xFFFFFFFFu : ((1u << (8 * size)) - 1);
}

/* memory_region_access_valid: sizes 1/2/4, naturally aligned */
static bool aligned(uint32_t off, unsigned size)
{
  return (size == 1 || size == 2 || size == 4) && (off & (size - 1)) == 0;
}

static bool overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
  return a < b + blen && b < a + alen;
}

/* --- config space defaults (pci_init_wmask, pci_set_default_subsystem_id) --- */

static void header_init(uint8_t *cfg, uint8_t *wmask, uint16_t device, uint8_t rev,
                        uint8_t sub, uint8_t base, uint8_t hdr)
{
  memset(cfg, 0, 256);
  memset(wmask, 0, 256);
  put16(cfg + 0x00, 0x8086);
  put16(cfg + 0x02, device);
  cfg[0x08] = rev;
  cfg[0x0A] = sub;
  cfg[0x0B] = base;
  cfg[0x0E] = hdr;
  put16(cfg + 0x2C, 0x1AF4);
  put16(cfg + 0x2E, 0x1100);
  put16(wmask + 0x04, 0x0547); /* IO|MEM|MASTER|PARITY|SERR|INTX_DISABLE */
  wmask[0x0C] = 0xFF;
  wmask[0x3C] = 0xFF;
  memset(wmask + 0x40, 0xFF, 256 - 0x40); /* device-specific: writable */
}

/* pci_do_device_reset: the writable header bits go back to 0 */
static void header_reset(uint8_t *cfg, const uint8_t *wmask)
{
  put16(cfg + 0x04, get16(cfg + 0x04) & (uint16_t)~get16(wmask + 0x04));
  cfg[0x0C] = 0;
  cfg[0x3C] = 0;
}

/* --- views --- */

static uint32_t tseg_bytes(const struct chipset *cs)
{
  switch (cs->mch[MCH_ESMRAMC] & MCH_ESMRAMC_TSEG_SZ) {
  case MCH_ESMRAMC_TSEG_1MB: return 1u << 20;
  case MCH_ESMRAMC_TSEG_2MB: return 2u << 20;
  case MCH_ESMRAMC_TSEG_8MB: return 8u << 20;
  default: return (uint32_t)cs->cfg.ext_tseg_mbytes << 20;
  }
}

static void compute_views(const struct chipset *cs, struct chipset_views *v)
{
  memset(v, 0, sizeof(*v));
  /* mch_update_smram: TSEG is hidden iff T_EN && G_SMRAME; D_OPEN only
   * affects the legacy A/B segment, not TSEG. */
  v->tseg_closed = (cs->mch[MCH_ESMRAMC] & MCH_ESMRAMC_T_EN) &&
                   (cs->mch[MCH_SMRAM] & MCH_SMRAM_G_SMRAME);
  v->tseg_size = v->tseg_closed ? tseg_bytes(cs) : 0;
  v->tseg_base = cs->cfg.low_ram_top - v->tseg_size;
  v->smbase_locked = cs->cfg.smbase_smram && (cs->mch[MCH_F_SMBASE] & MCH_F_SMBASE_LCK);
  v->d_lck = (cs->mch[MCH_SMRAM] & MCH_SMRAM_D_LCK) != 0;
}

static void refresh_views(struct chipset *cs)
{
  struct chipset_views n;
  compute_views(cs, &n);
  struct chipset_views *o = &cs->views;
  if (memcmp(&n, o, sizeof(n)) == 0)
    return;
  if (n.tseg_closed && (!o->tseg_closed || n.tseg_size != o->tseg_size))
    ev_emit(cs->ev, "tseg_closed base=0x%" PRIx32 " size=0x%" PRIx32, n.tseg_base, n.tseg_size);
  else if (!n.tseg_closed && o->tseg_closed)
    ev_emit(cs->ev, "tseg_opened");
  if (n.smbase_locked != o->smbase_locked)
    ev_emit(cs->ev, n.smbase_locked ? "smram_window_locked base=0x%x size=0x%x"
                                    : "smram_window_unlocked base=0x%x size=0x%x",
            DEFAULT_SMBASE_WINDOW_BASE, DEFAULT_SMBASE_WINDOW_SIZE);
  if (n.d_lck && !o->d_lck)
    ev_emit(cs->ev, "smram_d_lck");
  *o = n;
  if (cs->views_changed)
    cs->views_changed(cs->opaque);
}

/* --- MCH (hw/pci-host/q35.c) --- */

static void mch_update_smram(struct chipset *cs)
{
  if (cs->mch[MCH_SMRAM] & MCH_SMRAM_D_LCK) {
    cs->mch[MCH_SMRAM] &= (uint8_t)~MCH_SMRAM_D_OPEN;
    cs->mch_wmask[MCH_SMRAM] = MCH_SMRAM_D_CLS;
    cs->mch_wmask[MCH_ESMRAMC] = 0;
  }
}

static void mch_update_ext_tseg(struct chipset *cs)
{
  if (cs->cfg.ext_tseg_mbytes > 0 && get16(cs->mch + MCH_EXT_TSEG_MBYTES) == MCH_EXT_TSEG_QUERY)
    put16(cs->mch + MCH_EXT_TSEG_MBYTES, cs->cfg.ext_tseg_mbytes);
}

static void mch_update_smbase(struct chipset *cs)
{
  uint8_t *reg = &cs->mch[MCH_F_SMBASE];
  if (!cs->cfg.smbase_smram)
    return; /* plain byte on old machine types */
  if (*reg == MCH_F_SMBASE_QUERY) {
    cs->mch_wmask[MCH_F_SMBASE] = MCH_F_SMBASE_LCK;
    *reg = MCH_F_SMBASE_IN_RAM;
    ev_emit(cs->ev, "smbase_smram_query result=0x%02x", *reg);
    return;
  }
  if (cs->mch_wmask[MCH_F_SMBASE] == 0xFF)
    *reg = 0; /* reset state: anything but QUERY is discarded */
  if (*reg & MCH_F_SMBASE_LCK) {
    cs->mch_wmask[MCH_F_SMBASE] &= (uint8_t)~MCH_F_SMBASE_LCK;
    *reg = MCH_F_SMBASE_LCK;
  }
}

static void mch_reset(struct chipset *cs)
{
  header_reset(cs->mch, cs->mch_wmask);
  cs->mch[MCH_SMRAM] = MCH_SMRAM_DEFAULT;
  cs->mch[MCH_ESMRAMC] = MCH_ESMRAMC_DEFAULT;
  cs->mch_wmask[MCH_SMRAM] = MCH_SMRAM_D_OPEN | MCH_SMRAM_D_CLS | MCH_SMRAM_D_LCK | MCH_SMRAM_G_SMRAME;
  cs->mch_wmask[MCH_ESMRAMC] = MCH_ESMRAMC_H_SMRAME | MCH_ESMRAMC_TSEG_SZ | MCH_ESMRAMC_T_EN;
  if (cs->cfg.ext_tseg_mbytes > 0)
    put16(cs->mch + MCH_EXT_TSEG_MBYTES, MCH_EXT_TSEG_QUERY);
  cs->mch[MCH_F_SMBASE] = 0;
  cs->mch_wmask[MCH_F_SMBASE] = 0xFF;
  mch_update_smram(cs);
  mch_update_ext_tseg(cs);
  mch_update_smbase(cs);
}

/* --- LPC (hw/isa/lpc_ich9.c) --- */

static void lpc_pmbase_update(struct chipset *cs)
{
  uint32_t base = 0;
  if (cs->lpc[LPC_ACPI_CTRL] & LPC_ACPI_CTRL_ACPI_EN)
    base = get32(cs->lpc + LPC_PMBASE) & LPC_PMBASE_MASK;
  if (base != cs->pm_io_base)
    ev_emit(cs->ev, "pm_io_base base=0x%" PRIx32, base);
  cs->pm_io_base = base;
}

static void lpc_pmcon_update(struct chipset *cs)
{
  /* SMI_LOCK sticks and locks SMI_EN.GBL_SMI_EN (until pm_reset) */
  if (get16(cs->lpc + LPC_GEN_PMCON_1) & LPC_GEN_PMCON_1_SMI_LOCK) {
    cs->lpc_wmask[LPC_GEN_PMCON_1] &= (uint8_t)~LPC_GEN_PMCON_1_SMI_LOCK;
    if (cs->smi_en_wmask & SMI_EN_GBL_SMI_EN)
      ev_emit(cs->ev, "smi_lock");
    cs->smi_en_wmask &= ~SMI_EN_GBL_SMI_EN;
  }
}

static void lpc_reset(struct chipset *cs)
{
  header_reset(cs->lpc, cs->lpc_wmask);
  for (int i = 0; i < 4; i++) {
    cs->lpc[0x60 + i] = 0x80; /* PIRQA..D_ROUT */
    cs->lpc[0x68 + i] = 0x80; /* PIRQE..H_ROUT */
  }
  cs->lpc[LPC_ACPI_CTRL] = 0;
  cs->lpc[LPC_PMBASE] = 0x01; /* RTE */
  cs->lpc[LPC_PMBASE + 1] = cs->lpc[LPC_PMBASE + 2] = cs->lpc[LPC_PMBASE + 3] = 0;
  lpc_pmbase_update(cs);
  cs->rst_cnt = 0;
}

/* pm_reset (hw/acpi/ich9.c) + acpi_pm1_cnt_reset */
static void pm_reset(struct chipset *cs)
{
  cs->pm1_cnt = cs->cfg.smm_enabled ? 0 : PM1_CNT_SCI_EN; /* acpi_only */
  cs->smi_en = cs->cfg.smm_enabled ? 0 : SMI_EN_APMC_EN;
  cs->smi_en_wmask = ~0u;
}

void chipset_init(struct chipset *cs, const struct chipset_config *cfg,
                  const struct smi_features *smi, const struct evsink *ev,
                  const struct evsink *trace)
{
  memset(cs, 0, sizeof(*cs));
  cs->cfg = *cfg;
  cs->smi = smi;
  cs->ev = ev;
  cs->trace = trace;
  header_init(cs->mch, cs->mch_wmask, 0x29C0, 0x00, 0x00, 0x06, 0x00);
  header_init(cs->lpc, cs->lpc_wmask, 0x2918, 0x02, 0x01, 0x06, 0x80);
  /* ich9_lpc_realize: PMBASE wmask (byte 0 is overwritten with the
   * ACPI_CTRL mask there, as QEMU does) */
  cs->lpc_wmask[LPC_PMBASE] = 0x87;
  cs->lpc_wmask[LPC_PMBASE + 1] = 0xFF;
  cs->lpc_wmask[LPC_PMBASE + 2] = 0;
  cs->lpc_wmask[LPC_PMBASE + 3] = 0;
  mch_reset(cs);
  lpc_reset(cs);
  pm_reset(cs);
  compute_views(cs, &cs->views);
}

void chipset_reset(struct chipset *cs)
{
  mch_reset(cs);
  lpc_reset(cs);
  pm_reset(cs);
  refresh_views(cs);
}

/* --- config access --- */

static uint8_t *dev_cfg(struct chipset *cs, uint8_t devfn, uint8_t **wmask)
{
  if (devfn == DEVFN_MCH) {
    *wmask = cs->mch_wmask;
    return cs->mch;
  }
  if (devfn == DEVFN_LPC) {
    *wmask = cs->lpc_wmask;
    return cs->lpc;
  }
  return NULL;
}

uint32_t chipset_pci_read(struct chipset *cs, uint8_t devfn, uint8_t reg, unsigned size)
{
  uint8_t *wm, *cfg = dev_cfg(cs, devfn, &wm);
  if (!cfg || reg + size > 256)
    return size_mask(size); /* no device: all ones */
  uint32_t v = 0;
  for (unsigned i = 0; i < size; i++)
    v |= (uint32_t)cfg[reg + i] << (8 * i);
  return v;
}

void chipset_pci_write(struct chipset *cs, uint8_t devfn, uint8_t reg, unsigned size, uint32_t val)
{
  uint8_t *wm, *cfg = dev_cfg(cs, devfn, &wm);
  if (!cfg || reg + size > 256)
    return;
  /* pci_default_write_config: byte by byte through the write mask */
  for (unsigned i = 0; i < size; i++) {
    uint8_t b = (uint8_t)(val >> (8 * i));
    cfg[reg + i] = (uint8_t)((cfg[reg + i] & ~wm[reg + i]) | (b & wm[reg + i]));
  }
  if (devfn == DEVFN_MCH) { /* mch_write_config */
    if (overlap(reg, size, MCH_SMRAM, 2))
      mch_update_smram(cs);
    if (overlap(reg, size, MCH_EXT_TSEG_MBYTES, 2))
      mch_update_ext_tseg(cs);
    if (overlap(reg, size, MCH_F_SMBASE, 1))
      mch_update_smbase(cs);
  } else { /* ich9_lpc_config_write */
    if (overlap(reg, size, LPC_PMBASE, 4) || overlap(reg, size, LPC_ACPI_CTRL, 1))
      lpc_pmbase_update(cs);
    if (overlap(reg, size, LPC_GEN_PMCON_1, 8))
      lpc_pmcon_update(cs);
  }
  refresh_views(cs);
}

/* pci_host_data_read/write: bus 0 only; config_reg bits 1:0 stay in */
static bool conf_target(const struct chipset *cs, uint16_t port, uint8_t *devfn, uint8_t *reg)
{
  uint32_t addr = cs->config_reg | (port & 3u);
  if ((addr >> 16 & 0xFF) != 0)
    return false;
  *devfn = (uint8_t)(addr >> 8);
  *reg = (uint8_t)addr;
  return true;
}

/* --- APM (hw/isa/apm.c + ich9_apm_ctrl_changed) --- */

static void apm_ctrl_changed(struct chipset *cs, uint8_t val)
{
  /* acpi_pm1_cnt_update: 2/3 toggle SCI_EN (unless ACPI-only) and stop */
  if (cs->cfg.smm_enabled) {
    if (val == APM_ACPI_ENABLE)
      cs->pm1_cnt |= PM1_CNT_SCI_EN;
    else if (val == APM_ACPI_DISABLE)
      cs->pm1_cnt &= (uint16_t)~PM1_CNT_SCI_EN;
  }
  if (val == APM_ACPI_ENABLE || val == APM_ACPI_DISABLE)
    return;
  if (!(cs->smi_en & SMI_EN_APMC_EN)) {
    ev_emit(cs->ev, "apm_smi_masked cmd=0x%02x", val);
    return;
  }
  bool bc = cs->smi && smi_features_broadcast(cs->smi);
  ev_emit(cs->ev, "apm_smi cmd=0x%02x broadcast=%d", val, bc);
  if (cs->raise_smi)
    cs->raise_smi(cs->opaque, bc);
}

static void apm_write_byte(struct chipset *cs, unsigned addr, uint8_t val)
{
  ev_emit(cs->trace, "apm_io_write write addr=0x%x val=0x%02x", addr, val);
  if (addr == 0) {
    cs->apmc = val;
    apm_ctrl_changed(cs, val);
  } else {
    cs->apms = val;
  }
}

static uint8_t apm_read_byte(struct chipset *cs, unsigned addr)
{
  uint8_t v = addr == 0 ? cs->apmc : cs->apms;
  ev_emit(cs->trace, "apm_io_read read addr=0x%x val=0x%02x", addr, v);
  return v;
}

/* --- PM I/O block --- */

static void pm1_cnt_write(struct chipset *cs, uint16_t val)
{
  /* acpi_pm1_cnt_write: SLP_EN is write-only; SLP_TYP picks the state */
  cs->pm1_cnt = val & (uint16_t)~PM1_CNT_SLP_EN;
  if (!(val & PM1_CNT_SLP_EN))
    return;
  unsigned typ = (val >> PM1_CNT_SLP_TYP_SHIFT) & 7;
  ev_emit(cs->ev, "pm_sleep slp_typ=%u", typ);
  if (typ == 1) {
    if (cs->s3)
      cs->s3(cs->opaque);
  } else if (typ == 0 || typ == 2) { /* soft off; S4 (s4_val 2) */
    if (cs->soft_off)
      cs->soft_off(cs->opaque);
  }
}

static bool pm_read(struct chipset *cs, uint32_t off, unsigned size, uint32_t *val)
{
  if (off == PMIO_PM1_CNT || off == PMIO_PM1_CNT + 1) {
    /* valid 1..2, impl.min 2: the handler ignores the offset */
    if (size <= 2 && aligned(off, size))
      *val = cs->pm1_cnt & size_mask(size);
    return true;
  }
  if (off >= PMIO_SMI_EN && off < PMIO_SMI_EN + 8) {
    /* ich9_smi_ops: 32-bit accesses only */
    if (size == 4 && off == PMIO_SMI_EN)
      *val = cs->smi_en;
    else if (size == 4 && off == PMIO_SMI_STS)
      *val = cs->smi_sts;
    return true;
  }
  return false; /* PM1_STS/EN, timer, GPE0, TCO: not modelled */
}

static bool pm_write(struct chipset *cs, uint32_t off, unsigned size, uint32_t val)
{
  if (off == PMIO_PM1_CNT || off == PMIO_PM1_CNT + 1) {
    if (size <= 2 && aligned(off, size))
      pm1_cnt_write(cs, (uint16_t)(val & size_mask(size)));
    return true;
  }
  if (off >= PMIO_SMI_EN && off < PMIO_SMI_EN + 8) {
    /* ich9_smi_writel: SMI_EN through its write mask; SMI_STS ignored */
    if (size == 4 && off == PMIO_SMI_EN) {
      cs->smi_en = (cs->smi_en & ~cs->smi_en_wmask) | (val & cs->smi_en_wmask);
      ev_emit(cs->ev, "smi_en value=0x%" PRIx32, cs->smi_en);
    }
    return true;
  }
  return false;
}

/* --- port dispatch --- */

bool chipset_io_read(struct chipset *cs, uint16_t port, unsigned size, uint32_t *val)
{
  *val = 0;
  if (port == APM_CNT_PORT || port == APM_STS_PORT) {
    unsigned off = port - APM_CNT_PORT;
    if (aligned(off, size)) /* impl.max 1: split into bytes, addr & 1 */
      for (unsigned i = 0; i < size; i++)
        *val |= (uint32_t)apm_read_byte(cs, (off + i) & 1) << (8 * i);
    return true;
  }
  if (port == RST_CNT_PORT) {
    *val = cs->rst_cnt;
    return true;
  }
  if (port >= PCI_CONF_ADDR_PORT && port < PCI_CONF_ADDR_PORT + 4) {
    if (aligned(port - PCI_CONF_ADDR_PORT, size))
      *val = cs->config_reg & size_mask(size);
    return true;
  }
  if (port >= PCI_CONF_DATA_PORT && port < PCI_CONF_DATA_PORT + 4) {
    uint8_t devfn, reg;
    if (!aligned(port - PCI_CONF_DATA_PORT, size))
      return true;
    if (!(cs->config_reg & 0x80000000u) || !conf_target(cs, port, &devfn, &reg))
      *val = size_mask(size);
    else
      *val = chipset_pci_read(cs, devfn, reg, size);
    return true;
  }
  if (cs->pm_io_base && port >= cs->pm_io_base && port < cs->pm_io_base + PMIO_SIZE)
    return pm_read(cs, port - cs->pm_io_base, size, val);
  return false;
}

bool chipset_io_write(struct chipset *cs, uint16_t port, unsigned size, uint32_t val)
{
  val &= size_mask(size);
  if (port == APM_CNT_PORT || port == APM_STS_PORT) {
    unsigned off = port - APM_CNT_PORT;
    if (aligned(off, size))
      for (unsigned i = 0; i < size; i++)
        apm_write_byte(cs, (off + i) & 1, (uint8_t)(val >> (8 * i)));
    return true;
  }
  if (port == RST_CNT_PORT) {
    if (val & 4) {
      ev_emit(cs->ev, "reset_request source=rst_cnt");
      if (cs->reset_request)
        cs->reset_request(cs->opaque);
    } else {
      cs->rst_cnt = (uint8_t)(val & 0xA);
    }
    return true;
  }
  if (port >= PCI_CONF_ADDR_PORT && port < PCI_CONF_ADDR_PORT + 4) {
    if (port == PCI_CONF_ADDR_PORT && size == 4) /* pci_host_config_write */
      cs->config_reg = val;
    return true;
  }
  if (port >= PCI_CONF_DATA_PORT && port < PCI_CONF_DATA_PORT + 4) {
    uint8_t devfn, reg;
    if (aligned(port - PCI_CONF_DATA_PORT, size) && (cs->config_reg & 0x80000000u) &&
        conf_target(cs, port, &devfn, &reg))
      chipset_pci_write(cs, devfn, reg, size, val);
    return true;
  }
  if (cs->pm_io_base && port >= cs->pm_io_base && port < cs->pm_io_base + PMIO_SIZE)
    return pm_write(cs, port - cs->pm_io_base, size, val);
  return false;
}

/* --- queries --- */

void chipset_tseg_range(const struct chipset *cs, uint32_t *base, uint32_t *size)
{
  *size = tseg_bytes(cs);
  *base = cs->cfg.low_ram_top - *size;
}

bool chipset_tseg_closed(const struct chipset *cs)
{
  return cs->views.tseg_closed;
}

bool chipset_smbase_window_locked(const struct chipset *cs)
{
  return cs->views.smbase_locked;
}

const struct chipset_views *chipset_views(const struct chipset *cs)
{
  return &cs->views;
}

uint32_t chipset_pm_base(const struct chipset *cs)
{
  return cs->pm_io_base;
}
