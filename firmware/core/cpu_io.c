/* EFI_MM_CPU_IO_PROTOCOL, the service OVMF gets from
 * MdeModulePkg/Universal/CpuIo2Smm (edk2 2022.11): each access is a real
 * memory or IN/OUT access of the requested width, Count times, with the
 * address advancing by the width. Parameter rules (ours, after that
 * driver's CpuIoCheckParameter): Buffer required, Width one of the four
 * MM_IO widths, no 64-bit port I/O, the address aligned to the width, port
 * accesses within 64 KiB; Count 0 is a successful no-op. */
#include "core.h"
#include <Library/IoLib.h>

STATIC EFI_STATUS
CheckParameter (BOOLEAN Mmio, EFI_MM_IO_WIDTH Width, UINT64 Address, UINTN Count, VOID *Buffer)
{
  UINTN  Size;

  if ((Buffer == NULL) || ((UINTN)Width > MM_IO_UINT64)) {
    return EFI_INVALID_PARAMETER;
  }

  if (!Mmio && (Width == MM_IO_UINT64)) {
    return EFI_INVALID_PARAMETER;
  }

  Size = (UINTN)1 << Width;
  if ((Address & (Size - 1)) != 0) {
    return EFI_UNSUPPORTED;
  }

  if (!Mmio && (Count != 0) && (Address + Count * Size > 0x10000)) {
    return EFI_UNSUPPORTED;
  }

  return EFI_SUCCESS;
}

STATIC EFI_STATUS
Access (BOOLEAN Mmio, BOOLEAN Write, EFI_MM_IO_WIDTH Width, UINT64 Address, UINTN Count, VOID *Buffer)
{
  EFI_STATUS  Status;
  UINTN       Size;
  UINT8       *Data;

  Status = CheckParameter (Mmio, Width, Address, Count, Buffer);
  if (EFI_ERROR (Status)) {
    return Status;
  }

  Size = (UINTN)1 << Width;
  for (Data = Buffer; Count > 0; Count--, Address += Size, Data += Size) {
    if (Mmio) {
      switch (Width) {
        case MM_IO_UINT8:  if (Write) { MmioWrite8 ((UINTN)Address, *Data); } else { *Data = MmioRead8 ((UINTN)Address); } break;
        case MM_IO_UINT16: if (Write) { MmioWrite16 ((UINTN)Address, *(UINT16 *)Data); } else { *(UINT16 *)Data = MmioRead16 ((UINTN)Address); } break;
        case MM_IO_UINT32: if (Write) { MmioWrite32 ((UINTN)Address, *(UINT32 *)Data); } else { *(UINT32 *)Data = MmioRead32 ((UINTN)Address); } break;
        default:           if (Write) { MmioWrite64 ((UINTN)Address, *(UINT64 *)Data); } else { *(UINT64 *)Data = MmioRead64 ((UINTN)Address); } break;
      }
    } else {
      switch (Width) {
        case MM_IO_UINT8:  if (Write) { IoWrite8 ((UINTN)Address, *Data); } else { *Data = IoRead8 ((UINTN)Address); } break;
        case MM_IO_UINT16: if (Write) { IoWrite16 ((UINTN)Address, *(UINT16 *)Data); } else { *(UINT16 *)Data = IoRead16 ((UINTN)Address); } break;
        default:           if (Write) { IoWrite32 ((UINTN)Address, *(UINT32 *)Data); } else { *(UINT32 *)Data = IoRead32 ((UINTN)Address); } break;
      }
    }
  }

  return EFI_SUCCESS;
}

STATIC EFI_STATUS EFIAPI
MemRead (CONST EFI_MM_CPU_IO_PROTOCOL *This, EFI_MM_IO_WIDTH Width, UINT64 Address, UINTN Count, VOID *Buffer)
{
  (VOID)This;
  return Access (TRUE, FALSE, Width, Address, Count, Buffer);
}

STATIC EFI_STATUS EFIAPI
MemWrite (CONST EFI_MM_CPU_IO_PROTOCOL *This, EFI_MM_IO_WIDTH Width, UINT64 Address, UINTN Count, VOID *Buffer)
{
  (VOID)This;
  return Access (TRUE, TRUE, Width, Address, Count, Buffer);
}

STATIC EFI_STATUS EFIAPI
IoReadN (CONST EFI_MM_CPU_IO_PROTOCOL *This, EFI_MM_IO_WIDTH Width, UINT64 Address, UINTN Count, VOID *Buffer)
{
  (VOID)This;
  return Access (FALSE, FALSE, Width, Address, Count, Buffer);
}

STATIC EFI_STATUS EFIAPI
IoWriteN (CONST EFI_MM_CPU_IO_PROTOCOL *This, EFI_MM_IO_WIDTH Width, UINT64 Address, UINTN Count, VOID *Buffer)
{
  (VOID)This;
  return Access (FALSE, TRUE, Width, Address, Count, Buffer);
}

EFI_MM_CPU_IO_PROTOCOL  mSmmCpuIo = {
  { MemRead, MemWrite },
  { IoReadN, IoWriteN }
};
