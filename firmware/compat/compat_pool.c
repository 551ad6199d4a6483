/* SMRAM allocator over SMMHP_SMM_POOL_BASE..END: pool blocks grow up from
 * the base, pages grow down from the end. Freed pool blocks are kept on a
 * first-fit list (no splitting, no merging): SMM drivers allocate a few
 * long-lived buffers, and a simple deterministic allocator keeps traces
 * reproducible. Freed pages are not reused. */
#include "compat.h"
#include <Library/BaseMemoryLib.h>
#include <smmhp/memmap.h>

#define POOL_MAGIC  SIGNATURE_32 ('s', 'm', 'p', 'l')
#define POOL_ALIGN  16u

typedef struct POOL_HEADER {
  UINT32                Magic;
  UINT32                InUse;
  UINT64                Size;  /* usable bytes after the header */
  struct POOL_HEADER    *NextFree;
  UINT64                Reserved;
} POOL_HEADER;               /* 32 bytes: keeps the payload 16-byte aligned */

static UINTN        mPoolTop  = SMMHP_SMM_POOL_BASE;
static UINTN        mPageLow  = SMMHP_SMM_POOL_END;
static POOL_HEADER  *mFreeList;

VOID *
compat_pool_alloc (UINTN Size, BOOLEAN Zero)
{
  POOL_HEADER  **Link;
  POOL_HEADER  *Block;
  UINTN        Need;

  if (Size > SMMHP_SMM_POOL_END - SMMHP_SMM_POOL_BASE) {
    return NULL;
  }

  Need = ALIGN_VALUE (Size, POOL_ALIGN);
  for (Link = &mFreeList; *Link != NULL; Link = &(*Link)->NextFree) {
    if ((*Link)->Size >= Need) {
      Block    = *Link;
      *Link    = Block->NextFree;
      goto Found;
    }
  }

  if (mPageLow - mPoolTop < sizeof (POOL_HEADER) + Need) {
    return NULL;
  }

  Block       = (POOL_HEADER *)mPoolTop;
  Block->Size = Need;
  mPoolTop   += sizeof (POOL_HEADER) + Need;

Found:
  Block->Magic    = POOL_MAGIC;
  Block->InUse    = 1;
  Block->NextFree = NULL;
  if (Zero) {
    ZeroMem (Block + 1, Block->Size);
  }

  return Block + 1;
}

VOID
compat_pool_free (VOID *Buffer)
{
  POOL_HEADER  *Block;

  if (Buffer == NULL) {
    return;
  }

  Block = (POOL_HEADER *)Buffer - 1;
  if (((UINTN)Block < SMMHP_SMM_POOL_BASE) || ((UINTN)Buffer > mPoolTop) ||
      (Block->Magic != POOL_MAGIC) || (Block->InUse != 1))
  {
    compat_fatal ("MmFreePool: not an allocated pool block");
  }

  Block->InUse    = 0;
  Block->NextFree = mFreeList;
  mFreeList       = Block;
}

EFI_STATUS
EFIAPI
compat_mm_allocate_pool (
  IN  EFI_MEMORY_TYPE  PoolType,
  IN  UINTN            Size,
  OUT VOID             **Buffer
  )
{
  (VOID)PoolType;
  if (Buffer == NULL) {
    return EFI_INVALID_PARAMETER;
  }

  *Buffer = compat_pool_alloc (Size, FALSE);
  return (*Buffer == NULL) ? EFI_OUT_OF_RESOURCES : EFI_SUCCESS;
}

EFI_STATUS
EFIAPI
compat_mm_free_pool (
  IN VOID  *Buffer
  )
{
  if (Buffer == NULL) {
    return EFI_INVALID_PARAMETER;
  }

  compat_pool_free (Buffer);
  return EFI_SUCCESS;
}

/* Only AllocateAnyPages is meaningful inside SMRAM; the others are
 * refused as PiSmmCore refuses addresses outside SMRAM. */
EFI_STATUS
EFIAPI
compat_mm_allocate_pages (
  IN     EFI_ALLOCATE_TYPE     Type,
  IN     EFI_MEMORY_TYPE       MemoryType,
  IN     UINTN                 Pages,
  IN OUT EFI_PHYSICAL_ADDRESS  *Memory
  )
{
  UINTN  Bytes;

  (VOID)MemoryType;
  if (Memory == NULL) {
    return EFI_INVALID_PARAMETER;
  }

  if (Type != AllocateAnyPages) {
    return EFI_NOT_FOUND;
  }

  if (Pages > (SMMHP_SMM_POOL_END - SMMHP_SMM_POOL_BASE) / EFI_PAGE_SIZE) {
    return EFI_OUT_OF_RESOURCES;
  }

  Bytes = EFI_PAGES_TO_SIZE (Pages);
  if (mPageLow - ALIGN_VALUE (mPoolTop, EFI_PAGE_SIZE) < Bytes) {
    return EFI_OUT_OF_RESOURCES;
  }

  mPageLow -= Bytes;
  *Memory   = mPageLow;
  return EFI_SUCCESS;
}

EFI_STATUS
EFIAPI
compat_mm_free_pages (
  IN EFI_PHYSICAL_ADDRESS  Memory,
  IN UINTN                 Pages
  )
{
  if ((Memory < mPageLow) || (Memory >= SMMHP_SMM_POOL_END) ||
      (Pages > (SMMHP_SMM_POOL_END - Memory) / EFI_PAGE_SIZE))
  {
    return EFI_NOT_FOUND;
  }

  return EFI_SUCCESS;
}
