/* QEMU fw_cfg, x86 IO interface with DMA (hw/nvram/fw_cfg.c, QEMU 7.2).
 *
 * Ports: 0x510 selector (16-bit write) / data (byte read), 0x511 data,
 * 0x514..0x51B DMA address (big-endian; the low half at 0x518 starts the
 * transfer). Item data is owned by whoever adds it, as in QEMU, so that
 * a file's select/write callbacks see the guest's bytes in place.
 */
#ifndef SMMHP_DEV_FWCFG_H
#define SMMHP_DEV_FWCFG_H

#include <stdbool.h>
#include <stdint.h>

#include "evsink.h"

/* Item keys (include/standard-headers/linux/qemu_fw_cfg.h). */
#define FWCFG_SIGNATURE     0x0000
#define FWCFG_ID            0x0001
#define FWCFG_NB_CPUS       0x0005
#define FWCFG_MAX_CPUS      0x000F
#define FWCFG_FILE_DIR      0x0019
#define FWCFG_FILE_FIRST    0x0020
#define FWCFG_FILE_SLOTS    0x0020 /* x-file-slots default */
#define FWCFG_MAX_ENTRY     (FWCFG_FILE_FIRST + FWCFG_FILE_SLOTS)
#define FWCFG_ARCH_LOCAL    0x8000
#define FWCFG_ENTRY_MASK    0x3FFF
#define FWCFG_INVALID       0xFFFF
#define FWCFG_NAME_LEN      56

#define FWCFG_VERSION       0x01 /* ID bit 0: traditional interface */
#define FWCFG_VERSION_DMA   0x02 /* ID bit 1: DMA interface */

/* DMA control bits (FWCfgDmaAccess.control, big-endian). */
#define FWCFG_DMA_ERROR     0x01
#define FWCFG_DMA_READ      0x02
#define FWCFG_DMA_SKIP      0x04
#define FWCFG_DMA_SELECT    0x08
#define FWCFG_DMA_WRITE     0x10

#define FWCFG_PORT_SEL      0x510
#define FWCFG_PORT_DATA     0x511
#define FWCFG_PORT_DMA      0x514 /* 8 bytes */

/* "QEMU CFG", what reads of the DMA register return. */
#define FWCFG_DMA_SIGNATURE 0x51454d5520434647ull

/* DMA descriptor as it sits in guest memory (all fields big-endian). */
struct __attribute__((packed)) fwcfg_dma_access {
  uint32_t control;
  uint32_t length;
  uint64_t address;
};
_Static_assert(sizeof(struct fwcfg_dma_access) == 16, "FWCfgDmaAccess is 16 bytes");

/* Directory entry (FWCfgFile), big-endian fields. */
struct __attribute__((packed)) fwcfg_file {
  uint32_t size;
  uint16_t select;
  uint16_t reserved;
  char name[FWCFG_NAME_LEN];
};
_Static_assert(sizeof(struct fwcfg_file) == 64, "FWCfgFile is 64 bytes");

struct __attribute__((packed)) fwcfg_files {
  uint32_t count; /* big-endian */
  struct fwcfg_file f[FWCFG_FILE_SLOTS];
};

typedef void (*fwcfg_select_cb)(void *opaque);
typedef void (*fwcfg_write_cb)(void *opaque, uint32_t offset, uint32_t len);

/* Guest-physical access for DMA (platform view: the machine applies SEV
 * and SMRAM rules). Return 0 on success, non-zero for a failed access. */
struct fwcfg_mem_ops {
  int (*read_phys)(void *opaque, uint64_t addr, void *buf, uint32_t len);
  int (*write_phys)(void *opaque, uint64_t addr, const void *buf, uint32_t len);
  void *opaque;
};

struct fwcfg_entry {
  uint8_t *data;
  uint32_t len;
  bool allow_write;
  fwcfg_select_cb select_cb;
  fwcfg_write_cb write_cb;
  void *cb_opaque;
};

struct fwcfg {
  struct fwcfg_entry entries[2][FWCFG_MAX_ENTRY]; /* [arch-local][key] */
  struct fwcfg_files files;
  uint16_t cur_entry;
  uint32_t cur_offset;
  uint64_t dma_addr;
  bool dma_enabled;
  struct fwcfg_mem_ops mem;
  const struct evsink *ev;
  const struct evsink *trace;   /* fwcfg_* trace lines (docs/tracing.md), or NULL */
  /* storage of the fixed items */
  uint8_t sig[4];
  uint8_t id_le[4];
  uint8_t nb_cpus_le[2];
  uint8_t max_cpus_le[2];
};

/* Signature, ID (DMA advertised when mem has both callbacks), NB_CPUS,
 * MAX_CPUS and an empty file directory; selects the signature. */
void fwcfg_init(struct fwcfg *fw, const struct fwcfg_mem_ops *mem,
                uint16_t nb_cpus, uint16_t max_cpus, const struct evsink *ev);
/* fw_cfg_reset: select the signature. */
void fwcfg_reset(struct fwcfg *fw);

/* Numbered item (key < FWCFG_FILE_FIRST or arch-local), read-only.
 * Returns 0, -1 on a bad or used key. */
int fwcfg_add_bytes(struct fwcfg *fw, uint16_t key, void *data, uint32_t len);
/* fw_cfg_modify_i16 (e.g. FW_CFG_NB_CPUS after device_add). */
void fwcfg_set_nb_cpus(struct fwcfg *fw, uint16_t nb_cpus);
/* fw_cfg_add_file_callback: inserted sorted by name; later files move up
 * one key. Returns the key given now (it can change with later adds), or
 * -1 (directory full, duplicate or overlong name). */
int fwcfg_add_file(struct fwcfg *fw, const char *name, void *data, uint32_t len,
                   bool read_only, fwcfg_select_cb select_cb,
                   fwcfg_write_cb write_cb, void *cb_opaque);
/* Key of a file by name, or -1. */
int fwcfg_file_key(const struct fwcfg *fw, const char *name);

/* Guest port access. Return false when the port is not fw_cfg's. */
bool fwcfg_io_read(struct fwcfg *fw, uint16_t port, unsigned size, uint32_t *val);
bool fwcfg_io_write(struct fwcfg *fw, uint16_t port, unsigned size, uint32_t val);

#endif
