/* Functions shared between the files of the compatibility layer only
 * (the SMM core uses compat.h). */
#ifndef SMMHP_COMPAT_INTERNAL_H
#define SMMHP_COMPAT_INTERNAL_H

#include "compat.h"

/* gMmst pool and page services (compat_pool.c). */
EFI_STATUS EFIAPI compat_mm_allocate_pool (EFI_MEMORY_TYPE PoolType, UINTN Size, VOID **Buffer);
EFI_STATUS EFIAPI compat_mm_free_pool (VOID *Buffer);
EFI_STATUS EFIAPI compat_mm_allocate_pages (EFI_ALLOCATE_TYPE Type, EFI_MEMORY_TYPE MemoryType,
                                            UINTN Pages, EFI_PHYSICAL_ADDRESS *Memory);
EFI_STATUS EFIAPI compat_mm_free_pages (EFI_PHYSICAL_ADDRESS Memory, UINTN Pages);

/* gMmst->MmLocateProtocol (compat_protocol.c). */
EFI_STATUS EFIAPI compat_mm_locate_protocol (EFI_GUID *Protocol, VOID *Registration, VOID **Interface);

/* gMmst MMI services (compat_mmi.c). */
EFI_STATUS EFIAPI compat_mmi_manage (CONST EFI_GUID *HandlerType, CONST VOID *Context,
                                     VOID *CommBuffer, UINTN *CommBufferSize);
EFI_STATUS EFIAPI compat_mmi_register (EFI_MM_HANDLER_ENTRY_POINT Handler,
                                       CONST EFI_GUID *HandlerType, EFI_HANDLE *DispatchHandle);
EFI_STATUS EFIAPI compat_mmi_unregister (EFI_HANDLE DispatchHandle);

#endif
