/* SEV detection as OVMF's reset vector does it (OvmfPkg/ResetVector,
 * CheckSevFeatures): CPUID 0x8000001F EAX bit 1 says the CPU supports SEV,
 * then MSR 0xC0010131 (SEV_STATUS) says what is active: bit 0 SEV, bit 1
 * SEV-ES, bit 2 SEV-SNP. PlatformPei turns that into the PCDs below; the
 * upstream DxeMemEncryptSevLib (when the tree has it) reads those PCDs. */
#include "compat.h"

#define CPUID_MAX_EXT          0x80000000u
#define CPUID_MEM_ENCRYPT      0x8000001Fu
#define MSR_SEV_STATUS         0xC0010131u
#define SEV_STATUS_SEV         BIT0
#define SEV_STATUS_SEV_ES      BIT1
#define SEV_STATUS_SEV_SNP     BIT2

/* CONFIDENTIAL_COMPUTING_GUEST_ATTR values (MdePkg ConfidentialComputingGuestAttr.h). */
#define CC_ATTR_NOT_ENCRYPTED  0x000u
#define CC_ATTR_AMD_SEV        0x100u
#define CC_ATTR_AMD_SEV_ES     0x101u
#define CC_ATTR_AMD_SEV_SNP    0x102u

UINT64
compat_sev_status (VOID)
{
  UINT32  Eax;

  AsmCpuid (CPUID_MAX_EXT, &Eax, NULL, NULL, NULL);
  if (Eax < CPUID_MEM_ENCRYPT) {
    return 0;
  }

  AsmCpuid (CPUID_MEM_ENCRYPT, &Eax, NULL, NULL, NULL);
  if ((Eax & BIT1) == 0) {
    return 0;
  }

  return AsmReadMsr64 (MSR_SEV_STATUS);
}

UINT64
compat_pcd_cc_guest_attr (VOID)
{
  UINT64  Status;

  Status = compat_sev_status ();
  if ((Status & SEV_STATUS_SEV_SNP) != 0) {
    return CC_ATTR_AMD_SEV_SNP;
  }

  if ((Status & SEV_STATUS_SEV_ES) != 0) {
    return CC_ATTR_AMD_SEV_ES;
  }

  if ((Status & SEV_STATUS_SEV) != 0) {
    return CC_ATTR_AMD_SEV;
  }

  return CC_ATTR_NOT_ENCRYPTED;
}

/* The C-bit: CPUID 0x8000001F EBX[5:0] is its position. */
UINT64
compat_pcd_pte_enc_mask (VOID)
{
  UINT32  Ebx;

  if ((compat_sev_status () & SEV_STATUS_SEV) == 0) {
    return 0;
  }

  AsmCpuid (CPUID_MEM_ENCRYPT, NULL, &Ebx, NULL, NULL);
  return LShiftU64 (1, Ebx & 0x3F);
}
