/* S3 support of the platform boot code and SMM core (s3_resume.c,
 * s3_entry.nasm); docs/s3.md. */
#ifndef SMMHP_CORE_S3_H
#define SMMHP_CORE_S3_H

#include "core.h"

/* Boot, right after NegotiateSmiFeatures (its result in Negotiated):
 * PcdAcpiS3Enable from fw_cfg, then SaveSmiFeatures if both hold. */
VOID smmhp_s3_boot_init (BOOLEAN Negotiated);
/* Boot, after SMM driver dispatch: what CpuS3DataDxe keeps for resume. */
VOID smmhp_s3_boot_save (VOID);

/* Upstream OvmfPkg/SmmControl2Dxe/SmiFeatures.c. */
VOID SaveSmiFeatures (VOID);

#endif
