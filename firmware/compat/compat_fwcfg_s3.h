/* Our QemuFwCfgS3Lib instance (compat_fwcfg_s3.c): the boot script it
 * records at boot and the replay the S3 resume path runs. */
#ifndef SMMHP_COMPAT_FWCFG_S3_H
#define SMMHP_COMPAT_FWCFG_S3_H

#include <Base.h>

/* Run the recorded fw_cfg operations in order (the role of edk2's boot
 * script executor for these opcodes). A failed check hangs in
 * CpuDeadLoop, as a failed S3 boot script does upstream. Returns the
 * number of operations replayed. */
UINTN smmhp_fwcfg_s3_replay (VOID);

#endif
