/* MemEncryptSevLib detection for trees without the PCD-based
 * DxeMemEncryptSevLibInternal.c: decide directly from the SEV status MSR,
 * as edk2 releases before 2022 did in their DXE instance. */
#include "compat.h"
#include <Library/MemEncryptSevLib.h>

BOOLEAN
EFIAPI
MemEncryptSevIsEnabled (
  VOID
  )
{
  return (compat_sev_status () & BIT0) != 0;
}

BOOLEAN
EFIAPI
MemEncryptSevEsIsEnabled (
  VOID
  )
{
  return (compat_sev_status () & BIT1) != 0;
}

UINT64
EFIAPI
MemEncryptSevGetEncryptionMask (
  VOID
  )
{
  return compat_pcd_pte_enc_mask ();
}
