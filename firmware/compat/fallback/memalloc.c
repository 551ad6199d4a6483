/* MemoryAllocationLib (the SMM instance's pool functions) over the SMRAM
 * pool; linked only if upstream code calls them. */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <Library/MemoryAllocationLib.h>

VOID *
EFIAPI
AllocatePool (
  IN UINTN  AllocationSize
  )
{
  return compat_pool_alloc (AllocationSize, FALSE);
}

VOID *
EFIAPI
AllocateZeroPool (
  IN UINTN  AllocationSize
  )
{
  return compat_pool_alloc (AllocationSize, TRUE);
}

VOID *
EFIAPI
AllocateCopyPool (
  IN UINTN       AllocationSize,
  IN CONST VOID  *Buffer
  )
{
  VOID  *Memory;

  Memory = compat_pool_alloc (AllocationSize, FALSE);
  if (Memory != NULL) {
    CopyMem (Memory, Buffer, AllocationSize);
  }

  return Memory;
}

VOID
EFIAPI
FreePool (
  IN VOID  *Buffer
  )
{
  compat_pool_free (Buffer);
}
