/* q35 chipset pieces the SMM flow touches (QEMU 7.2):
 *  - PCI configuration mechanism #1 (0xCF8/0xCFC..0xCFF) with the MCH at
 *    00:00.0 and the ICH9 LPC bridge at 00:1f.0; no other device exists;
 *  - MCH SMRAM controls: 0x9C SMRAM at default SMBASE, 0x9D SMRAM,
 *    0x9E ESMRAMC, 0x50 extended TSEG size (hw/pci-host/q35.c);
 *  - LPC PMBASE/ACPI_CNTL/GEN_PMCON_1 and the PM I/O block at PMBASE:
 *    PM1_CNT, SMI_EN, SMI_STS (hw/isa/lpc_ich9.c, hw/acpi/ich9.c);
 *  - APM ports 0xB2/0xB3 (hw/isa/apm.c, ich9_apm_ctrl_changed);
 *  - reset control 0xCF9 (ich9_rst_cnt_write).
 * The memory views it implies (TSEG black hole, 0x30000 window) are
 * applied by the machine through the queries below. */
#ifndef SMMHP_DEV_CHIPSET_H
#define SMMHP_DEV_CHIPSET_H

#include <stdbool.h>
#include <stdint.h>

#include "dev_smi_features.h"
#include "evsink.h"

/* MCH registers (include/hw/pci-host/q35.h). */
#define MCH_EXT_TSEG_MBYTES     0x50 /* 16-bit */
#define MCH_EXT_TSEG_QUERY      0xFFFF
#define MCH_F_SMBASE            0x9C
#define MCH_F_SMBASE_QUERY      0xFF
#define MCH_F_SMBASE_IN_RAM     0x01
#define MCH_F_SMBASE_LCK        0x02
#define MCH_SMRAM               0x9D
#define MCH_SMRAM_D_OPEN        0x40
#define MCH_SMRAM_D_CLS         0x20
#define MCH_SMRAM_D_LCK         0x10
#define MCH_SMRAM_G_SMRAME      0x08
#define MCH_SMRAM_DEFAULT       0x02 /* C_BASE_SEG hard-wired to 010b */
#define MCH_ESMRAMC             0x9E
#define MCH_ESMRAMC_H_SMRAME    0x80
#define MCH_ESMRAMC_TSEG_SZ     0x06
#define MCH_ESMRAMC_TSEG_1MB    0x00
#define MCH_ESMRAMC_TSEG_2MB    0x02
#define MCH_ESMRAMC_TSEG_8MB    0x04
#define MCH_ESMRAMC_TSEG_EXT    0x06
#define MCH_ESMRAMC_T_EN        0x01
#define MCH_ESMRAMC_DEFAULT     0x38 /* SM_CACHE | SM_L1 | SM_L2 */

/* LPC registers (include/hw/i386/ich9.h). */
#define LPC_PMBASE              0x40
#define LPC_PMBASE_MASK         0xFF80u
#define LPC_ACPI_CTRL           0x44
#define LPC_ACPI_CTRL_ACPI_EN   0x80
#define LPC_GEN_PMCON_1         0xA0
#define LPC_GEN_PMCON_1_SMI_LOCK 0x10

/* PM I/O block, offsets from PMBASE (128 bytes). */
#define PMIO_SIZE               0x80
#define PMIO_PM1_CNT            0x04
#define PMIO_SMI_EN             0x30
#define PMIO_SMI_STS            0x34
#define PM1_CNT_SCI_EN          0x0001
#define PM1_CNT_SLP_TYP_SHIFT   10
#define PM1_CNT_SLP_EN          0x2000
#define SMI_EN_GBL_SMI_EN       0x00000001u
#define SMI_EN_APMC_EN          0x00000020u
#define SMI_STS_APM_STS         0x00000020u

#define APM_CNT_PORT            0xB2
#define APM_STS_PORT            0xB3
#define APM_ACPI_ENABLE         0x02
#define APM_ACPI_DISABLE        0x03
#define PCI_CONF_ADDR_PORT      0xCF8
#define PCI_CONF_DATA_PORT      0xCFC
#define RST_CNT_PORT            0xCF9

#define DEFAULT_SMBASE_WINDOW_BASE 0x30000u /* MCH_HOST_BRIDGE_SMBASE_ADDR */
#define DEFAULT_SMBASE_WINDOW_SIZE 0x20000u /* 128 KiB */

struct chipset_config {
  uint32_t low_ram_top;     /* below_4g_mem_size: TSEG ends here */
  uint16_t ext_tseg_mbytes; /* MCH extended-tseg-mbytes (16; 0 for <=2.9) */
  bool smbase_smram;        /* MCH smbase-smram (off for <=4.2) */
  bool smm_enabled;         /* -machine smm=on */
};

/* Everything the machine's memory views depend on. */
struct chipset_views {
  bool tseg_closed;         /* T_EN && G_SMRAME: black hole outside SMM */
  uint32_t tseg_base, tseg_size; /* the enabled TSEG; size 0 when open */
  bool smbase_locked;       /* 0x9C locked: window black hole / SMRAM alias */
  bool d_lck;               /* SMRAM.D_LCK set */
};

struct chipset {
  struct chipset_config cfg;
  uint8_t mch[256], mch_wmask[256];
  uint8_t lpc[256], lpc_wmask[256];
  uint32_t config_reg;      /* 0xCF8 */
  uint8_t rst_cnt;
  uint8_t apmc, apms;
  uint16_t pm1_cnt;
  uint32_t smi_en, smi_en_wmask, smi_sts;
  uint32_t pm_io_base;      /* 0: PM block disabled */
  struct chipset_views views;

  const struct smi_features *smi; /* BROADCAST decides the SMI target */
  /* SMI from an APM_CNT write: every existing CPU when broadcast, else
   * the writing CPU only. */
  void (*raise_smi)(void *opaque, bool broadcast);
  void (*views_changed)(void *opaque);
  void (*s3)(void *opaque);            /* PM1_CNT SLP_EN, SLP_TYP 1 */
  void (*soft_off)(void *opaque);      /* SLP_TYP 0, or S4 (2) */
  void (*reset_request)(void *opaque); /* 0xCF9 bit 2 */
  void *opaque;

  const struct evsink *ev;
  const struct evsink *trace; /* QEMU 7.2 hw/isa/trace-events lines */
};

/* Power-on: config as given, then chipset_reset. Callbacks and smi may
 * be set after init; init itself calls none. */
void chipset_init(struct chipset *cs, const struct chipset_config *cfg,
                  const struct smi_features *smi, const struct evsink *ev,
                  const struct evsink *trace);
/* System reset: mch_reset, ich9_lpc_reset, pm_reset (APM keeps its
 * values; GEN_PMCON_1 keeps SMI_LOCK). Fires views_changed on a change. */
void chipset_reset(struct chipset *cs);

/* Guest port access; false when the port is not the chipset's. */
bool chipset_io_read(struct chipset *cs, uint16_t port, unsigned size, uint32_t *val);
bool chipset_io_write(struct chipset *cs, uint16_t port, unsigned size, uint32_t val);

/* Direct config access (bus 0 only), as a 0xCF8/0xCFC pair would do. */
uint32_t chipset_pci_read(struct chipset *cs, uint8_t devfn, uint8_t reg, unsigned size);
void chipset_pci_write(struct chipset *cs, uint8_t devfn, uint8_t reg, unsigned size, uint32_t val);

/* Queries. tseg_range: what ESMRAMC.TSEG_SZ selects, enabled or not. */
void chipset_tseg_range(const struct chipset *cs, uint32_t *base, uint32_t *size);
bool chipset_tseg_closed(const struct chipset *cs);
bool chipset_smbase_window_locked(const struct chipset *cs);
const struct chipset_views *chipset_views(const struct chipset *cs);
uint32_t chipset_pm_base(const struct chipset *cs);

#endif
