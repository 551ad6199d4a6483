/* QemuFwCfgLib instance over QEMU's x86 fw_cfg I/O interface (QEMU
 * docs/specs/fw_cfg.rst): selector port 0x510, data port 0x511, DMA
 * address ports 0x514 (high half) / 0x518 (low half, starts the transfer),
 * every DMA field big-endian. Like OVMF's QemuFwCfgLib, transfers use DMA
 * when the interface advertises it (FW_CFG_F_DMA) and the data port
 * otherwise. DMA goes through one shared bounce page,
 * SMMHP_FWCFG_DMA_BUFFER, which is mapped unencrypted under SEV, as OVMF
 * bounces fw_cfg DMA through shared pages (IoMmu) there. */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <Library/IoLib.h>
#include <Library/QemuFwCfgLib.h>
#include <IndustryStandard/QemuFwCfg.h>
#include <smmhp/memmap.h>
#include <smmhp/ports.h>

#define FW_CFG_SIGNATURE_QEMU  SIGNATURE_32 ('Q', 'E', 'M', 'U')
#define FW_CFG_FILE_NAME_SIZE  56
#define DMA_DATA_OFFSET        sizeof (FW_CFG_DMA_ACCESS)
#define DMA_CHUNK              (EFI_PAGE_SIZE - DMA_DATA_OFFSET)

/* One directory entry of item 0x0019 (big-endian numbers). */
#pragma pack (1)
typedef struct {
  UINT32    Size;
  UINT16    Select;
  UINT16    Reserved;
  CHAR8     Name[FW_CFG_FILE_NAME_SIZE];
} FW_CFG_FILE_ENTRY;
#pragma pack ()

static BOOLEAN  mProbed;
static BOOLEAN  mAvailable;
static BOOLEAN  mDmaAvailable;
#ifdef MDE_CPU_IA32
static BOOLEAN  mDmaPageShared;
#endif

/* What OVMF's library constructor does, on first use. */
static VOID
probe (VOID)
{
  UINT32  Signature;
  UINT32  Features;

  if (mProbed) {
    return;
  }

  mProbed = TRUE;
  IoWrite16 (SMMHP_PORT_FWCFG_SEL, (UINT16)QemuFwCfgItemSignature);
  IoReadFifo8 (SMMHP_PORT_FWCFG_DATA, sizeof Signature, &Signature);
  if (Signature != FW_CFG_SIGNATURE_QEMU) {
    return;
  }

  mAvailable = TRUE;
  IoWrite16 (SMMHP_PORT_FWCFG_SEL, (UINT16)QemuFwCfgItemInterfaceVersion);
  IoReadFifo8 (SMMHP_PORT_FWCFG_DATA, sizeof Features, &Features);
  mDmaAvailable = (Features & FW_CFG_F_DMA) != 0;
}

/* One DMA operation of at most DMA_CHUNK bytes on the selected item. */
static VOID
dma_chunk (UINT32 Size, VOID *Buffer, UINT32 Control)
{
  volatile FW_CFG_DMA_ACCESS  *Access;
  UINT8                       *Data;
  UINT64                      AccessAddress;

#ifdef MDE_CPU_IA32
  /* Under SEV the bounce page is mapped shared first (X64: the SEV model's
   * rule R3 does it, docs/sev-model.md; IA32 cannot, compat_sev.c). */
  if (!mDmaPageShared && (compat_pcd_cc_guest_attr () != 0)) {
    compat_sev_share_dma_page ();
    mDmaPageShared = TRUE;
  }

#endif

  Access = (volatile FW_CFG_DMA_ACCESS *)(UINTN)SMMHP_FWCFG_DMA_BUFFER;
  Data   = (UINT8 *)(UINTN)SMMHP_FWCFG_DMA_BUFFER + DMA_DATA_OFFSET;
  if (Control == FW_CFG_DMA_CTL_WRITE) {
    CopyMem (Data, Buffer, Size);
  }

  Access->Control = SwapBytes32 (Control);
  Access->Length  = SwapBytes32 (Size);
  Access->Address = SwapBytes64 ((UINT64)(UINTN)Data);
  MemoryFence ();

  AccessAddress = (UINT64)(UINTN)Access;
  IoWrite32 (SMMHP_PORT_FWCFG_DMA_HI, SwapBytes32 ((UINT32)RShiftU64 (AccessAddress, 32)));
  IoWrite32 (SMMHP_PORT_FWCFG_DMA_LO, SwapBytes32 ((UINT32)AccessAddress));

  /* The device clears Control when done, or leaves only the error bit. */
  while ((SwapBytes32 (Access->Control) & ~(UINT32)FW_CFG_DMA_CTL_ERROR) != 0) {
    CpuPause ();
  }

  MemoryFence ();
  if ((SwapBytes32 (Access->Control) & FW_CFG_DMA_CTL_ERROR) != 0) {
    compat_fatal ("fw_cfg DMA transfer reported an error");
  }

  if (Control == FW_CFG_DMA_CTL_READ) {
    CopyMem (Buffer, Data, Size);
  }
}

static VOID
dma_bytes (UINTN Size, VOID *Buffer, UINT32 Control)
{
  UINT8   *Cursor;
  UINT32  Chunk;

  Cursor = Buffer;
  while (Size > 0) {
    Chunk = (UINT32)MIN (Size, DMA_CHUNK);
    dma_chunk (Chunk, Cursor, Control);
    if (Cursor != NULL) {
      Cursor += Chunk;
    }

    Size -= Chunk;
  }
}

BOOLEAN
EFIAPI
QemuFwCfgIsAvailable (
  VOID
  )
{
  probe ();
  return mAvailable;
}

VOID
EFIAPI
QemuFwCfgSelectItem (
  IN FIRMWARE_CONFIG_ITEM  QemuFwCfgItem
  )
{
  IoWrite16 (SMMHP_PORT_FWCFG_SEL, (UINT16)QemuFwCfgItem);
}

VOID
EFIAPI
QemuFwCfgReadBytes (
  IN UINTN  Size,
  IN VOID   *Buffer  OPTIONAL
  )
{
  if (!QemuFwCfgIsAvailable ()) {
    ZeroMem (Buffer, Size);
    return;
  }

  if (mDmaAvailable) {
    dma_bytes (Size, Buffer, FW_CFG_DMA_CTL_READ);
  } else {
    IoReadFifo8 (SMMHP_PORT_FWCFG_DATA, Size, Buffer);
  }
}

/* Without DMA, QEMU 2.4+ ignores data-port writes; OVMF's library writes
 * there anyway, and so do we, so that the platform decides. */
VOID
EFIAPI
QemuFwCfgWriteBytes (
  IN UINTN  Size,
  IN VOID   *Buffer
  )
{
  if (!QemuFwCfgIsAvailable ()) {
    return;
  }

  if (mDmaAvailable) {
    dma_bytes (Size, Buffer, FW_CFG_DMA_CTL_WRITE);
  } else {
    IoWriteFifo8 (SMMHP_PORT_FWCFG_DATA, Size, Buffer);
  }
}

VOID
EFIAPI
QemuFwCfgSkipBytes (
  IN UINTN  Size
  )
{
  UINT8  Discard[64];
  UINTN  Chunk;

  if (!QemuFwCfgIsAvailable ()) {
    return;
  }

  if (mDmaAvailable) {
    while (Size > 0) {
      Chunk = MIN (Size, DMA_CHUNK);
      dma_chunk ((UINT32)Chunk, NULL, FW_CFG_DMA_CTL_SKIP);
      Size -= Chunk;
    }

    return;
  }

  while (Size > 0) {
    Chunk = MIN (Size, sizeof Discard);
    IoReadFifo8 (SMMHP_PORT_FWCFG_DATA, Chunk, Discard);
    Size -= Chunk;
  }
}

UINT8
EFIAPI
QemuFwCfgRead8 (
  VOID
  )
{
  UINT8  Value;

  QemuFwCfgReadBytes (sizeof Value, &Value);
  return Value;
}

UINT16
EFIAPI
QemuFwCfgRead16 (
  VOID
  )
{
  UINT16  Value;

  QemuFwCfgReadBytes (sizeof Value, &Value);
  return Value;
}

UINT32
EFIAPI
QemuFwCfgRead32 (
  VOID
  )
{
  UINT32  Value;

  QemuFwCfgReadBytes (sizeof Value, &Value);
  return Value;
}

UINT64
EFIAPI
QemuFwCfgRead64 (
  VOID
  )
{
  UINT64  Value;

  QemuFwCfgReadBytes (sizeof Value, &Value);
  return Value;
}

/* Walk the file directory (item 0x0019): a big-endian count, then one
 * FW_CFG_FILE_ENTRY per file, names NUL-padded. */
RETURN_STATUS
EFIAPI
QemuFwCfgFindFile (
  IN   CONST CHAR8           *Name,
  OUT  FIRMWARE_CONFIG_ITEM  *Item,
  OUT  UINTN                 *Size
  )
{
  FW_CFG_FILE_ENTRY  Entry;
  UINT32             Count;
  UINT32             Index;

  if (!QemuFwCfgIsAvailable ()) {
    return RETURN_UNSUPPORTED;
  }

  QemuFwCfgSelectItem (QemuFwCfgItemFileDir);
  Count = SwapBytes32 (QemuFwCfgRead32 ());
  for (Index = 0; Index < Count; Index++) {
    QemuFwCfgReadBytes (sizeof Entry, &Entry);
    Entry.Name[FW_CFG_FILE_NAME_SIZE - 1] = '\0';
    if (AsciiStrCmp (Entry.Name, Name) == 0) {
      *Item = (FIRMWARE_CONFIG_ITEM)SwapBytes16 (Entry.Select);
      *Size = SwapBytes32 (Entry.Size);
      return RETURN_SUCCESS;
    }
  }

  return RETURN_NOT_FOUND;
}
