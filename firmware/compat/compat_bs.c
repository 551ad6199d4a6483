/* The EFI system table handed to DXE_SMM_DRIVER entry points, and the
 * UefiBootServicesTableLib globals. Only BootServices->AllocatePages and
 * FreePages work: CpuHotplugSmm's Smbase.c takes the post-SMM pen page
 * from them (AllocateMaxAddress below 1 MiB, EfiReservedMemoryType). The
 * pages are the free low-RAM pages SMMHP_LOWMEM_FREE_BASE..END, handed out
 * highest first like the DXE core's allocator, so the pen lands at
 * 0x9F000 as on real OVMF. Every other boot service reports
 * SMMHP_SVC_FATAL. The configuration table holds what the SMM core
 * installs (compat_install_configuration_table), e.g. the HOB list. */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <smmhp/memmap.h>

#define LOW_PAGES      ((SMMHP_LOWMEM_FREE_END - SMMHP_LOWMEM_FREE_BASE) / EFI_PAGE_SIZE)
#define MAX_CFG_TABLES  8

static BOOLEAN                  mPageUsed[LOW_PAGES];
static EFI_CONFIGURATION_TABLE  mConfigTables[MAX_CFG_TABLES];
static EFI_BOOT_SERVICES  mBootServices;
static EFI_SYSTEM_TABLE   mSystemTable;

EFI_HANDLE         gImageHandle;
EFI_SYSTEM_TABLE   *gST = &mSystemTable;
EFI_BOOT_SERVICES  *gBS = &mBootServices;

/* Every slot not set below points here (any signature: it never returns). */
static VOID
EFIAPI
unsupported_boot_service (VOID)
{
  compat_fatal ("unsupported EFI boot service called (only AllocatePages/FreePages exist)");
}

static BOOLEAN
range_free (UINTN First, UINTN Pages)
{
  UINTN  Index;

  for (Index = First; Index < First + Pages; Index++) {
    if (mPageUsed[Index]) {
      return FALSE;
    }
  }

  return TRUE;
}

static EFI_STATUS
EFIAPI
compat_allocate_pages (
  IN     EFI_ALLOCATE_TYPE     Type,
  IN     EFI_MEMORY_TYPE       MemoryType,
  IN     UINTN                 Pages,
  IN OUT EFI_PHYSICAL_ADDRESS  *Memory
  )
{
  UINTN                 First;
  UINTN                 Index;
  EFI_PHYSICAL_ADDRESS  Max;

  (VOID)MemoryType;
  if ((Memory == NULL) || (Type >= MaxAllocateType)) {
    return EFI_INVALID_PARAMETER;
  }

  if ((Pages == 0) || (Pages > LOW_PAGES)) {
    return (Pages == 0) ? EFI_INVALID_PARAMETER : EFI_OUT_OF_RESOURCES;
  }

  if (Type == AllocateAddress) {
    if (((*Memory & EFI_PAGE_MASK) != 0) || (*Memory < SMMHP_LOWMEM_FREE_BASE) ||
        (*Memory + EFI_PAGES_TO_SIZE (Pages) > SMMHP_LOWMEM_FREE_END))
    {
      return EFI_NOT_FOUND;
    }

    First = (UINTN)(*Memory - SMMHP_LOWMEM_FREE_BASE) / EFI_PAGE_SIZE;
    if (!range_free (First, Pages)) {
      return EFI_NOT_FOUND;
    }
  } else {
    Max = (Type == AllocateMaxAddress) ? *Memory : MAX_UINT64;
    for (First = LOW_PAGES - Pages + 1; First-- > 0; ) {
      if ((SMMHP_LOWMEM_FREE_BASE + EFI_PAGES_TO_SIZE (First + Pages) - 1 <= Max) &&
          range_free (First, Pages))
      {
        break;
      }
    }

    if (First == (UINTN)-1) {
      return EFI_OUT_OF_RESOURCES;
    }
  }

  for (Index = First; Index < First + Pages; Index++) {
    mPageUsed[Index] = TRUE;
  }

  *Memory = SMMHP_LOWMEM_FREE_BASE + EFI_PAGES_TO_SIZE (First);
  return EFI_SUCCESS;
}

static EFI_STATUS
EFIAPI
compat_free_pages (
  IN EFI_PHYSICAL_ADDRESS  Memory,
  IN UINTN                 Pages
  )
{
  UINTN  First;
  UINTN  Index;

  if (((Memory & EFI_PAGE_MASK) != 0) || (Memory < SMMHP_LOWMEM_FREE_BASE) ||
      (Pages == 0) || (Pages > LOW_PAGES) ||
      (Memory + EFI_PAGES_TO_SIZE (Pages) > SMMHP_LOWMEM_FREE_END))
  {
    return EFI_NOT_FOUND;
  }

  First = (UINTN)(Memory - SMMHP_LOWMEM_FREE_BASE) / EFI_PAGE_SIZE;
  for (Index = First; Index < First + Pages; Index++) {
    if (!mPageUsed[Index]) {
      return EFI_NOT_FOUND;
    }
  }

  for (Index = First; Index < First + Pages; Index++) {
    mPageUsed[Index] = FALSE;
  }

  return EFI_SUCCESS;
}

EFI_SYSTEM_TABLE *
compat_system_table (VOID)
{
  typedef VOID (EFIAPI *ANY_SERVICE)(VOID);
  ANY_SERVICE  *Slot;
  ANY_SERVICE  *End;

  if (mBootServices.Hdr.Signature == 0) {
    Slot = (ANY_SERVICE *)(VOID *)((UINT8 *)&mBootServices + sizeof (EFI_TABLE_HEADER));
    End  = (ANY_SERVICE *)(VOID *)(&mBootServices + 1);
    for ( ; Slot < End; Slot++) {
      *Slot = unsupported_boot_service;
    }

    mBootServices.Hdr.Signature  = EFI_BOOT_SERVICES_SIGNATURE;
    mBootServices.Hdr.Revision   = EFI_BOOT_SERVICES_REVISION;
    mBootServices.Hdr.HeaderSize = sizeof (EFI_BOOT_SERVICES);
    mBootServices.AllocatePages  = compat_allocate_pages;
    mBootServices.FreePages      = compat_free_pages;

    mSystemTable.Hdr.Signature   = EFI_SYSTEM_TABLE_SIGNATURE;
    mSystemTable.Hdr.Revision    = EFI_SYSTEM_TABLE_REVISION;
    mSystemTable.Hdr.HeaderSize  = sizeof (EFI_SYSTEM_TABLE);
    mSystemTable.FirmwareVendor  = (CHAR16 *)L"smmhp";
    mSystemTable.BootServices    = &mBootServices;
    mSystemTable.ConfigurationTable = mConfigTables;
  }

  return &mSystemTable;
}

EFI_STATUS
compat_install_configuration_table (CONST EFI_GUID *Guid, VOID *Table)
{
  UINTN  Index;

  if (Guid == NULL) {
    return EFI_INVALID_PARAMETER;
  }

  compat_system_table ();
  for (Index = 0; Index < mSystemTable.NumberOfTableEntries; Index++) {
    if (CompareGuid (&mConfigTables[Index].VendorGuid, Guid)) {
      mConfigTables[Index].VendorTable = Table;
      return EFI_SUCCESS;
    }
  }

  if (Index == MAX_CFG_TABLES) {
    return EFI_OUT_OF_RESOURCES;
  }

  CopyGuid (&mConfigTables[Index].VendorGuid, Guid);
  mConfigTables[Index].VendorTable = Table;
  mSystemTable.NumberOfTableEntries++;
  return EFI_SUCCESS;
}
