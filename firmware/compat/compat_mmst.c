/* The MM services table (gMmst, MmServicesTableLib) handed to SMM drivers.
 * Functional: pool and page allocation, MmLocateProtocol, MMI handler
 * registration and dispatch. Every other service reports SMMHP_SVC_FATAL
 * naming itself, so a driver needing more fails loudly, not silently.
 * The SMM core fills in the per-SMI fields (CurrentlyExecutingCpu,
 * NumberOfCpus, CpuSaveStateSize, CpuSaveState), copies its
 * EFI_MM_CPU_IO_PROTOCOL into MmIo and may set MmStartupThisAp, as
 * PiSmmCpuDxeSmm does with gSmst. */
#include "compat_internal.h"

static EFI_STATUS
EFIAPI
unsupported_install_configuration_table (
  IN CONST EFI_MM_SYSTEM_TABLE  *SystemTable,
  IN CONST EFI_GUID             *Guid,
  IN VOID                       *Table,
  IN UINTN                      TableSize
  )
{
  (VOID)SystemTable; (VOID)Guid; (VOID)Table; (VOID)TableSize;
  compat_fatal ("gMmst->MmInstallConfigurationTable is not provided");
}

static EFI_STATUS
EFIAPI
unsupported_mm_io (
  IN     CONST EFI_MM_CPU_IO_PROTOCOL  *This,
  IN     EFI_MM_IO_WIDTH               Width,
  IN     UINT64                        Address,
  IN     UINTN                         Count,
  IN OUT VOID                          *Buffer
  )
{
  (VOID)This; (VOID)Width; (VOID)Address; (VOID)Count; (VOID)Buffer;
  compat_fatal ("gMmst->MmIo is not provided (the SMM core did not install EFI_MM_CPU_IO)");
}

static EFI_STATUS
EFIAPI
unsupported_startup_this_ap (
  IN EFI_AP_PROCEDURE  Procedure,
  IN UINTN             CpuNumber,
  IN OUT VOID          *ProcArguments OPTIONAL
  )
{
  (VOID)Procedure; (VOID)CpuNumber; (VOID)ProcArguments;
  compat_fatal ("gMmst->MmStartupThisAp is not provided");
}

static EFI_STATUS
EFIAPI
unsupported_install_protocol_interface (
  IN OUT EFI_HANDLE      *Handle,
  IN     EFI_GUID        *Protocol,
  IN EFI_INTERFACE_TYPE  InterfaceType,
  IN     VOID            *Interface
  )
{
  (VOID)Handle; (VOID)Protocol; (VOID)InterfaceType; (VOID)Interface;
  compat_fatal ("gMmst->MmInstallProtocolInterface is not provided");
}

static EFI_STATUS
EFIAPI
unsupported_uninstall_protocol_interface (
  IN EFI_HANDLE  Handle,
  IN EFI_GUID    *Protocol,
  IN VOID        *Interface
  )
{
  (VOID)Handle; (VOID)Protocol; (VOID)Interface;
  compat_fatal ("gMmst->MmUninstallProtocolInterface is not provided");
}

static EFI_STATUS
EFIAPI
unsupported_handle_protocol (
  IN  EFI_HANDLE  Handle,
  IN  EFI_GUID    *Protocol,
  OUT VOID        **Interface
  )
{
  (VOID)Handle; (VOID)Protocol; (VOID)Interface;
  compat_fatal ("gMmst->MmHandleProtocol is not provided");
}

static EFI_STATUS
EFIAPI
unsupported_register_protocol_notify (
  IN  CONST EFI_GUID    *Protocol,
  IN  EFI_MM_NOTIFY_FN  Function,
  OUT VOID              **Registration
  )
{
  (VOID)Protocol; (VOID)Function; (VOID)Registration;
  compat_fatal ("gMmst->MmRegisterProtocolNotify is not provided");
}

static EFI_STATUS
EFIAPI
unsupported_locate_handle (
  IN     EFI_LOCATE_SEARCH_TYPE  SearchType,
  IN     EFI_GUID                *Protocol     OPTIONAL,
  IN     VOID                    *SearchKey    OPTIONAL,
  IN OUT UINTN                   *BufferSize,
  OUT    EFI_HANDLE              *Buffer
  )
{
  (VOID)SearchType; (VOID)Protocol; (VOID)SearchKey; (VOID)BufferSize; (VOID)Buffer;
  compat_fatal ("gMmst->MmLocateHandle is not provided");
}

static EFI_MM_SYSTEM_TABLE  mMmst = {
  .Hdr                          = {
    .Signature  = MM_MMST_SIGNATURE,
    .Revision   = EFI_MM_SYSTEM_TABLE_REVISION,
    .HeaderSize = sizeof (EFI_MM_SYSTEM_TABLE),
  },
  .MmFirmwareVendor             = (CHAR16 *)L"smmhp",
  .MmFirmwareRevision           = 0,
  .MmInstallConfigurationTable  = unsupported_install_configuration_table,
  .MmIo                         = {
    .Mem                        = { unsupported_mm_io, unsupported_mm_io },
    .Io                         = { unsupported_mm_io, unsupported_mm_io },
  },
  .MmAllocatePool               = compat_mm_allocate_pool,
  .MmFreePool                   = compat_mm_free_pool,
  .MmAllocatePages              = compat_mm_allocate_pages,
  .MmFreePages                  = compat_mm_free_pages,
  .MmStartupThisAp              = unsupported_startup_this_ap,
  .CurrentlyExecutingCpu        = 0,
  .NumberOfCpus                 = 0,
  .CpuSaveStateSize             = NULL,
  .CpuSaveState                 = NULL,
  .NumberOfTableEntries         = 0,
  .MmConfigurationTable         = NULL,
  .MmInstallProtocolInterface   = unsupported_install_protocol_interface,
  .MmUninstallProtocolInterface = unsupported_uninstall_protocol_interface,
  .MmHandleProtocol             = unsupported_handle_protocol,
  .MmRegisterProtocolNotify     = unsupported_register_protocol_notify,
  .MmLocateHandle               = unsupported_locate_handle,
  .MmLocateProtocol             = compat_mm_locate_protocol,
  .MmiManage                    = compat_mmi_manage,
  .MmiHandlerRegister           = compat_mmi_register,
  .MmiHandlerUnRegister         = compat_mmi_unregister,
};

EFI_MM_SYSTEM_TABLE  *gMmst = &mMmst;
