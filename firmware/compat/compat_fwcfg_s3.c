/* QemuFwCfgS3Lib instance (class header OvmfPkg/Include/Library/
 * QemuFwCfgS3Lib.h), replacing BaseQemuFwCfgS3LibNull so that upstream
 * SmiFeatures.c SaveSmiFeatures() records its S3 fragment for real.
 *
 * Rules (edk2 2022.11 OvmfPkg/Library/QemuFwCfgS3Lib, DXE instance):
 *  - QemuFwCfgS3Enabled (QemuFwCfgS3PeiDxe.c): fw_cfg file
 *    "etc/system-states" of exactly 6 bytes, S3 enabled iff byte 3 has
 *    bit 7 (QEMU hw/acpi/core.c acpi_pm1_cnt_init writes it).
 *  - QemuFwCfgS3CallWhenBootScriptReady (QemuFwCfgS3Dxe.c): one callback,
 *    fw_cfg (with DMA) must exist, the scratch buffer is allocated, and
 *    the callback runs once the boot script can be written. Our script is
 *    always writable, so it runs at once, on the caller's stack.
 *  - Script{Write,Read,Skip}Bytes: optional select (item -1: none), then
 *    a DMA transfer on the scratch buffer; WriteBytes first restores the
 *    scratch bytes captured at record time (upstream: a MEM_WRITE opcode).
 *  - ScriptCheckValue: (value & mask) == expected, else the resume hangs.
 *
 * Where the script lives: this image's .data, i.e. TSEG (SMRAM), the
 * analogue of the LockBox copy of the real boot script; the scratch
 * buffer too. Upstream keeps the scratch buffer in EfiReservedMemoryType
 * RAM because its boot script runs after SMRAM is locked; ours is
 * replayed before the lock (docs/s3.md, deviations), and every DMA
 * bounces through the shared page SMMHP_FWCFG_DMA_BUFFER anyway
 * (compat_fwcfg.c). */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <Library/QemuFwCfgLib.h>
#include <Library/QemuFwCfgS3Lib.h>

#include "compat_fwcfg_s3.h"

#define S3_SCRIPT_MAX   16
#define S3_SCRATCH_MAX  64
#define S3_SYSTEM_STATES_SIZE  6

typedef enum { OpWrite, OpRead, OpSkip, OpCheck } S3_FWCFG_OP;

typedef struct {
  S3_FWCFG_OP  Op;
  INT32        Item;          /* -1: no select */
  UINT32       Size;          /* bytes moved, or the checked width */
  UINT32       Offset;        /* OpCheck: offset in the scratch buffer */
  UINT64       Mask, Value;   /* OpCheck */
  UINT8        Saved[S3_SCRATCH_MAX]; /* OpWrite: scratch bytes at record time */
} S3_FWCFG_ENTRY;

STATIC S3_FWCFG_ENTRY  mScript[S3_SCRIPT_MAX];
STATIC UINTN           mScriptCount;
STATIC UINT64          mScratch[S3_SCRATCH_MAX / sizeof (UINT64)]; /* 8-aligned, as the class requires */
STATIC UINTN           mScratchSize;
STATIC BOOLEAN         mCallbackInstalled;
STATIC BOOLEAN         mInCallback;

BOOLEAN
EFIAPI
QemuFwCfgS3Enabled (
  VOID
  )
{
  FIRMWARE_CONFIG_ITEM  Item;
  UINTN                 Size;
  UINT8                 States[S3_SYSTEM_STATES_SIZE];

  if (RETURN_ERROR (QemuFwCfgFindFile ("etc/system-states", &Item, &Size)) ||
      (Size != sizeof States))
  {
    return FALSE;
  }

  QemuFwCfgSelectItem (Item);
  QemuFwCfgReadBytes (sizeof States, States);
  return (BOOLEAN)((States[3] & BIT7) != 0);
}

RETURN_STATUS
EFIAPI
QemuFwCfgS3CallWhenBootScriptReady (
  IN     FW_CFG_BOOT_SCRIPT_CALLBACK_FUNCTION  *Callback,
  IN OUT VOID                                  *Context           OPTIONAL,
  IN     UINTN                                 ScratchBufferSize
  )
{
  if (mCallbackInstalled) {
    return RETURN_ALREADY_STARTED;
  }

  if (!QemuFwCfgIsAvailable ()) {
    return RETURN_NOT_FOUND;
  }

  if (ScratchBufferSize > sizeof mScratch) {
    return RETURN_BAD_BUFFER_SIZE;
  }

  mCallbackInstalled = TRUE;
  mScratchSize       = ScratchBufferSize;
  ZeroMem (mScratch, sizeof mScratch);
  mInCallback = TRUE;
  Callback (Context, mScratch);
  mInCallback = FALSE;
  return RETURN_SUCCESS;
}

/* Common checks of the three transfer opcodes. */
STATIC RETURN_STATUS
Append (S3_FWCFG_OP Op, INT32 Item, UINTN NumberOfBytes, S3_FWCFG_ENTRY **Entry)
{
  ASSERT (mInCallback);
  if ((Item < -1) || (Item > MAX_UINT16)) {
    return RETURN_INVALID_PARAMETER;
  }

  if ((NumberOfBytes > mScratchSize) && (Op != OpSkip)) {
    return RETURN_BAD_BUFFER_SIZE;
  }

  if (mScriptCount == S3_SCRIPT_MAX) {
    return RETURN_OUT_OF_RESOURCES;
  }

  *Entry = &mScript[mScriptCount++];
  ZeroMem (*Entry, sizeof **Entry);
  (*Entry)->Op   = Op;
  (*Entry)->Item = Item;
  (*Entry)->Size = (UINT32)NumberOfBytes;
  return RETURN_SUCCESS;
}

RETURN_STATUS
EFIAPI
QemuFwCfgS3ScriptWriteBytes (
  IN INT32  FirmwareConfigItem,
  IN UINTN  NumberOfBytes
  )
{
  S3_FWCFG_ENTRY  *Entry;
  RETURN_STATUS   Status;

  Status = Append (OpWrite, FirmwareConfigItem, NumberOfBytes, &Entry);
  if (!RETURN_ERROR (Status)) {
    CopyMem (Entry->Saved, mScratch, NumberOfBytes);
  }

  return Status;
}

RETURN_STATUS
EFIAPI
QemuFwCfgS3ScriptReadBytes (
  IN INT32  FirmwareConfigItem,
  IN UINTN  NumberOfBytes
  )
{
  S3_FWCFG_ENTRY  *Entry;

  return Append (OpRead, FirmwareConfigItem, NumberOfBytes, &Entry);
}

RETURN_STATUS
EFIAPI
QemuFwCfgS3ScriptSkipBytes (
  IN INT32  FirmwareConfigItem,
  IN UINTN  NumberOfBytes
  )
{
  S3_FWCFG_ENTRY  *Entry;

  if (NumberOfBytes > MAX_UINT32) {
    return RETURN_BAD_BUFFER_SIZE;
  }

  return Append (OpSkip, FirmwareConfigItem, NumberOfBytes, &Entry);
}

RETURN_STATUS
EFIAPI
QemuFwCfgS3ScriptCheckValue (
  IN VOID    *ScratchData,
  IN UINT8   ValueSize,
  IN UINT64  ValueMask,
  IN UINT64  Value
  )
{
  UINTN           Offset;
  UINT64          Limit;
  S3_FWCFG_ENTRY  *Entry;

  ASSERT (mInCallback);
  if ((ValueSize != 1) && (ValueSize != 2) && (ValueSize != 4) && (ValueSize != 8)) {
    return RETURN_INVALID_PARAMETER;
  }

  Limit = (ValueSize == 8) ? MAX_UINT64 : LShiftU64 (1, 8 * ValueSize) - 1;
  if ((ValueMask > Limit) || (Value > Limit) || (((UINTN)ScratchData % ValueSize) != 0)) {
    return RETURN_INVALID_PARAMETER;
  }

  if (((UINTN)ScratchData < (UINTN)mScratch) ||
      ((UINTN)ScratchData + ValueSize > (UINTN)mScratch + mScratchSize))
  {
    return RETURN_BAD_BUFFER_SIZE;
  }

  if (mScriptCount == S3_SCRIPT_MAX) {
    return RETURN_OUT_OF_RESOURCES;
  }

  Offset = (UINTN)ScratchData - (UINTN)mScratch;
  Entry  = &mScript[mScriptCount++];
  ZeroMem (Entry, sizeof *Entry);
  Entry->Op     = OpCheck;
  Entry->Item   = -1;
  Entry->Size   = ValueSize;
  Entry->Offset = (UINT32)Offset;
  Entry->Mask   = ValueMask;
  Entry->Value  = Value;
  return RETURN_SUCCESS;
}

UINTN
smmhp_fwcfg_s3_replay (
  VOID
  )
{
  UINTN           Index;
  S3_FWCFG_ENTRY  *Entry;
  UINT64          Data;

  for (Index = 0; Index < mScriptCount; Index++) {
    Entry = &mScript[Index];
    if ((Entry->Op != OpCheck) && (Entry->Item != -1)) {
      QemuFwCfgSelectItem ((FIRMWARE_CONFIG_ITEM)Entry->Item);
    }

    switch (Entry->Op) {
      case OpWrite:
        CopyMem (mScratch, Entry->Saved, Entry->Size);
        QemuFwCfgWriteBytes (Entry->Size, mScratch);
        break;
      case OpRead:
        QemuFwCfgReadBytes (Entry->Size, mScratch);
        break;
      case OpSkip:
        QemuFwCfgSkipBytes (Entry->Size);
        break;
      case OpCheck:
        Data = 0;
        CopyMem (&Data, (UINT8 *)mScratch + Entry->Offset, Entry->Size);
        if ((Data & Entry->Mask) != Entry->Value) {
          DEBUG ((
            DEBUG_ERROR,
            "%a: S3 boot script check failed: 0x%Lx & 0x%Lx != 0x%Lx\n",
            __FUNCTION__,
            Data,
            Entry->Mask,
            Entry->Value
            ));
          CpuDeadLoop ();
        }

        break;
    }
  }

  DEBUG ((DEBUG_INFO, "%a: %Lu fw_cfg boot script operations replayed\n", __FUNCTION__, (UINT64)mScriptCount));
  return mScriptCount;
}
