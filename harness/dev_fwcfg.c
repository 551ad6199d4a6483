/* fw_cfg device model: item table, file directory, data port and DMA.
 * Semantics of QEMU 7.2 hw/nvram/fw_cfg.c; see docs/platform-devices.md. */
#include "dev_fwcfg.h"

#include <inttypes.h>
#include <string.h>

static void put_be16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put_be32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}
static uint32_t get_be32(const uint8_t *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get_be64(const uint8_t *p)
{
  return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}
static uint32_t bswap32(uint32_t v)
{
  return (v >> 24) | ((v >> 8) & 0xFF00u) | ((v << 8) & 0xFF0000u) | (v << 24);
}

static struct fwcfg_entry *entry_of(struct fwcfg *fw, uint16_t key)
{
  return &fw->entries[(key & FWCFG_ARCH_LOCAL) ? 1 : 0][key & FWCFG_ENTRY_MASK];
}

static void set_entry(struct fwcfg_entry *e, void *data, uint32_t len, bool ro,
                      fwcfg_select_cb scb, fwcfg_write_cb wcb, void *opaque)
{
  e->data = data;
  e->len = len;
  e->allow_write = !ro;
  e->select_cb = scb;
  e->write_cb = wcb;
  e->cb_opaque = opaque;
}

void fwcfg_init(struct fwcfg *fw, const struct fwcfg_mem_ops *mem,
                uint16_t nb_cpus, uint16_t max_cpus, const struct evsink *ev)
{
  memset(fw, 0, sizeof(*fw));
  fw->ev = ev;
  if (mem)
    fw->mem = *mem;
  fw->dma_enabled = fw->mem.read_phys && fw->mem.write_phys;

  memcpy(fw->sig, "QEMU", 4);
  uint32_t id = FWCFG_VERSION | (fw->dma_enabled ? FWCFG_VERSION_DMA : 0);
  for (int i = 0; i < 4; i++) /* fw_cfg_add_i32 stores little-endian */
    fw->id_le[i] = (uint8_t)(id >> (8 * i));
  fwcfg_add_bytes(fw, FWCFG_SIGNATURE, fw->sig, 4);
  fwcfg_add_bytes(fw, FWCFG_ID, fw->id_le, 4);
  fw->nb_cpus_le[0] = (uint8_t)nb_cpus;
  fw->nb_cpus_le[1] = (uint8_t)(nb_cpus >> 8);
  fw->max_cpus_le[0] = (uint8_t)max_cpus;
  fw->max_cpus_le[1] = (uint8_t)(max_cpus >> 8);
  fwcfg_add_bytes(fw, FWCFG_NB_CPUS, fw->nb_cpus_le, 2);
  fwcfg_add_bytes(fw, FWCFG_MAX_CPUS, fw->max_cpus_le, 2);
  /* QEMU creates the directory with its first file; every real machine
   * has files, so it exists from the start here. */
  set_entry(entry_of(fw, FWCFG_FILE_DIR), (uint8_t *)&fw->files,
            sizeof(fw->files), true, NULL, NULL, NULL);
  fwcfg_reset(fw);
}

/* Name of a file item for trace lines, "-" for the others. */
static const char *key_name(const struct fwcfg *fw, uint16_t key)
{
  uint16_t k = key & FWCFG_ENTRY_MASK;
  if (key & FWCFG_ARCH_LOCAL || k < FWCFG_FILE_FIRST || k >= FWCFG_MAX_ENTRY ||
      (uint32_t)(k - FWCFG_FILE_FIRST) >= get_be32((const uint8_t *)&fw->files.count))
    return "-";
  return fw->files.f[k - FWCFG_FILE_FIRST].name;
}

static void fwcfg_select(struct fwcfg *fw, uint16_t key)
{
  fw->cur_offset = 0;
  if ((key & FWCFG_ENTRY_MASK) >= FWCFG_MAX_ENTRY) {
    fw->cur_entry = FWCFG_INVALID;
    ev_emit(fw->ev, "fwcfg_select key=0x%04" PRIx16 " ok=0", key);
    if (fw->trace)
      ev_emit(fw->trace, "fwcfg_select key=0x%04" PRIx16 " name=- ok=0", key);
    return;
  }
  fw->cur_entry = key;
  ev_emit(fw->ev, "fwcfg_select key=0x%04" PRIx16 " ok=1", key);
  if (fw->trace)
    ev_emit(fw->trace, "fwcfg_select key=0x%04" PRIx16 " name=%.56s ok=1", key, key_name(fw, key));
  struct fwcfg_entry *e = entry_of(fw, key);
  if (e->select_cb)
    e->select_cb(e->cb_opaque);
}

void fwcfg_reset(struct fwcfg *fw)
{
  fwcfg_select(fw, FWCFG_SIGNATURE);
}

int fwcfg_add_bytes(struct fwcfg *fw, uint16_t key, void *data, uint32_t len)
{
  if ((key & FWCFG_ENTRY_MASK) >= FWCFG_FILE_FIRST)
    return -1;
  struct fwcfg_entry *e = entry_of(fw, key);
  if (e->data)
    return -1; /* QEMU asserts: key conflict */
  set_entry(e, data, len, true, NULL, NULL, NULL);
  return 0;
}

void fwcfg_set_nb_cpus(struct fwcfg *fw, uint16_t nb_cpus)
{
  fw->nb_cpus_le[0] = (uint8_t)nb_cpus;
  fw->nb_cpus_le[1] = (uint8_t)(nb_cpus >> 8);
  ev_emit(fw->ev, "fwcfg_nb_cpus value=%" PRIu16, nb_cpus);
}

int fwcfg_add_file(struct fwcfg *fw, const char *name, void *data, uint32_t len,
                   bool read_only, fwcfg_select_cb select_cb,
                   fwcfg_write_cb write_cb, void *cb_opaque)
{
  uint32_t count = get_be32((const uint8_t *)&fw->files.count);
  if (count >= FWCFG_FILE_SLOTS)
    return -1;
  char nm[FWCFG_NAME_LEN];
  /* pstrcpy: truncate to 55 characters */
  strncpy(nm, name, sizeof(nm) - 1);
  nm[sizeof(nm) - 1] = '\0';
  for (uint32_t i = 0; i < count; i++)
    if (strcmp(fw->files.f[i].name, nm) == 0)
      return -1; /* QEMU exits on a duplicate name */

  /* Sort by name: move later files (and their items) up one key. */
  uint32_t index = count;
  while (index > 0 && strcmp(nm, fw->files.f[index - 1].name) < 0)
    index--;
  for (uint32_t i = count; i > index; i--) {
    fw->files.f[i] = fw->files.f[i - 1];
    put_be16((uint8_t *)&fw->files.f[i].select, (uint16_t)(FWCFG_FILE_FIRST + i));
    fw->entries[0][FWCFG_FILE_FIRST + i] = fw->entries[0][FWCFG_FILE_FIRST + i - 1];
  }
  struct fwcfg_file *f = &fw->files.f[index];
  memset(f, 0, sizeof(*f));
  memcpy(f->name, nm, sizeof(nm));
  put_be32((uint8_t *)&f->size, len);
  put_be16((uint8_t *)&f->select, (uint16_t)(FWCFG_FILE_FIRST + index));
  set_entry(&fw->entries[0][FWCFG_FILE_FIRST + index], data, len, read_only,
            select_cb, write_cb, cb_opaque);
  put_be32((uint8_t *)&fw->files.count, count + 1);
  return (int)(FWCFG_FILE_FIRST + index);
}

int fwcfg_file_key(const struct fwcfg *fw, const char *name)
{
  uint32_t count = get_be32((const uint8_t *)&fw->files.count);
  for (uint32_t i = 0; i < count; i++)
    if (strncmp(fw->files.f[i].name, name, FWCFG_NAME_LEN) == 0)
      return (int)(FWCFG_FILE_FIRST + i);
  return -1;
}

static struct fwcfg_entry *cur(struct fwcfg *fw)
{
  return fw->cur_entry == FWCFG_INVALID ? NULL : entry_of(fw, fw->cur_entry);
}

/* fw_cfg_data_read for one byte: past the end (or no item) reads 0. */
static uint8_t data_read_byte(struct fwcfg *fw)
{
  struct fwcfg_entry *e = cur(fw);
  uint32_t off = fw->cur_offset;
  uint8_t b = !e || !e->data || off >= e->len ? 0 : e->data[fw->cur_offset++];
  if (fw->trace)
    ev_emit(fw->trace, "fwcfg_read key=0x%04" PRIx16 " offset=0x%" PRIx32 " val=0x%02x", fw->cur_entry,
            off, b);
  return b;
}

static void write_control(struct fwcfg *fw, uint64_t desc, uint32_t control)
{
  uint8_t b[4];
  put_be32(b, control);
  fw->mem.write_phys(fw->mem.opaque, desc, b, 4);
}

static int mem_zero(struct fwcfg *fw, uint64_t addr, uint64_t len)
{
  static const uint8_t zero[4096];
  while (len) {
    uint32_t n = len > sizeof(zero) ? (uint32_t)sizeof(zero) : (uint32_t)len;
    if (fw->mem.write_phys(fw->mem.opaque, addr, zero, n))
      return -1;
    addr += n;
    len -= n;
  }
  return 0;
}

/* fw_cfg_dma_transfer */
static void dma_transfer(struct fwcfg *fw)
{
  uint64_t desc = fw->dma_addr;
  fw->dma_addr = 0; /* reset before the next access */

  uint8_t raw[16];
  if (fw->mem.read_phys(fw->mem.opaque, desc, raw, sizeof(raw))) {
    write_control(fw, desc, FWCFG_DMA_ERROR);
    ev_emit(fw->ev, "fwcfg_dma desc=0x%" PRIx64 " error=descriptor", desc);
    if (fw->trace)
      ev_emit(fw->trace, "fwcfg_dma desc=0x%" PRIx64 " error=descriptor", desc);
    return;
  }
  uint32_t control = get_be32(raw);
  uint32_t length = get_be32(raw + 4);
  uint64_t address = get_be64(raw + 8);
  uint32_t req = control;

  if (control & FWCFG_DMA_SELECT)
    fwcfg_select(fw, (uint16_t)(control >> 16));
  struct fwcfg_entry *e = cur(fw);

  bool read = false, write = false;
  if (control & FWCFG_DMA_READ)
    read = true;
  else if (control & FWCFG_DMA_WRITE)
    write = true;
  else if (!(control & FWCFG_DMA_SKIP))
    length = 0;

  control = 0;
  while (length > 0 && !(control & FWCFG_DMA_ERROR)) {
    uint32_t len;
    if (!e || !e->data || fw->cur_offset >= e->len) {
      /* past the end: reads give zeros, writes fail, skips succeed */
      len = length;
      if (read && mem_zero(fw, address, len))
        control |= FWCFG_DMA_ERROR;
      if (write)
        control |= FWCFG_DMA_ERROR;
    } else {
      uint32_t left = e->len - fw->cur_offset;
      len = length <= left ? length : left;
      if (read && fw->mem.write_phys(fw->mem.opaque, address, &e->data[fw->cur_offset], len))
        control |= FWCFG_DMA_ERROR;
      if (write) {
        /* read-only item, or a write running past the end: error */
        if (!e->allow_write || len != length ||
            fw->mem.read_phys(fw->mem.opaque, address, &e->data[fw->cur_offset], len))
          control |= FWCFG_DMA_ERROR;
        else if (e->write_cb)
          e->write_cb(e->cb_opaque, fw->cur_offset, len);
      }
      fw->cur_offset += len;
    }
    address += len;
    length -= len;
  }
  write_control(fw, desc, control);
  if (fw->trace)
    ev_emit(fw->trace, "fwcfg_dma desc=0x%" PRIx64 " control=0x%" PRIx32 " key=0x%04" PRIx16
            " length=0x%" PRIx32 " address=0x%" PRIx64 " result=0x%" PRIx32, desc, req, fw->cur_entry,
            get_be32(raw + 4), get_be64(raw + 8), control);
  ev_emit(fw->ev, "fwcfg_dma desc=0x%" PRIx64 " control=0x%" PRIx32 " key=0x%04" PRIx16
          " result=0x%" PRIx32, desc, req, fw->cur_entry, control);
}

bool fwcfg_io_read(struct fwcfg *fw, uint16_t port, unsigned size, uint32_t *val)
{
  *val = 0;
  if (port == FWCFG_PORT_SEL || port == FWCFG_PORT_DATA) {
    /* fw_cfg_comb_valid: only byte reads; both ports read data */
    if (size == 1)
      *val = data_read_byte(fw);
    return true;
  }
  if (fw->dma_enabled && port >= FWCFG_PORT_DMA && port < FWCFG_PORT_DMA + 8) {
    unsigned off = port - FWCFG_PORT_DMA;
    if ((size != 1 && size != 2 && size != 4) || (off & (size - 1)))
      return true; /* unaligned: invalid access, reads 0 */
    /* big-endian signature: the guest sees "QEMU CFG" in memory order */
    for (unsigned i = 0; i < size; i++)
      *val |= (uint32_t)((FWCFG_DMA_SIGNATURE >> (8 * (7 - off - i))) & 0xFF) << (8 * i);
    return true;
  }
  return false;
}

bool fwcfg_io_write(struct fwcfg *fw, uint16_t port, unsigned size, uint32_t val)
{
  if (port == FWCFG_PORT_SEL || port == FWCFG_PORT_DATA) {
    /* byte writes: ignored since QEMU 2.4; word write at 0x510 selects */
    if (size == 2 && port == FWCFG_PORT_SEL)
      fwcfg_select(fw, (uint16_t)val);
    return true;
  }
  if (fw->dma_enabled && port >= FWCFG_PORT_DMA && port < FWCFG_PORT_DMA + 8) {
    unsigned off = port - FWCFG_PORT_DMA;
    if (size != 4 || (off != 0 && off != 4))
      return true; /* fw_cfg_dma_mem_valid rejects it */
    uint64_t v = bswap32(val); /* DEVICE_BIG_ENDIAN region */
    if (off == 0) {
      fw->dma_addr = v << 32;
    } else {
      fw->dma_addr |= v;
      dma_transfer(fw);
    }
    return true;
  }
  return false;
}
