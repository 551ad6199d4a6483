/* SEV memory encryption as the platform sees it (docs/sev-model.md).
 *
 * Guest RAM keeps the guest's view (plaintext), so guest code runs
 * unchanged. A per-byte bitmap says which physical bytes hold ciphertext:
 * a private guest write sets it for every 16-byte block it touches (the
 * memory controller re-encrypts whole blocks), a shared guest write and a
 * platform write clear it for the bytes written. A platform read of a
 * private byte returns ciphertext: a keyed, address-tweaked function of
 * the block's plaintext (a model, not AES).
 *
 * Private or shared, per guest write (AMD APM vol. 2 §15.34):
 *   R1 paging off, not long mode (real mode, CR0.PE without PG): private;
 *   R2 paging on: the C-bit of the leaf entry CR3 maps the address with;
 *   R3 Unicorn's flat long mode (EFER.LMA, CR0.PG clear; stands for the
 *      firmware's and the OS's identity page tables): private, except the
 *      fw_cfg DMA bounce page, which OVMF maps shared;
 *   R4 normal boot before the boot-time relocation completes: the
 *      initial save-state map page [0x3F000, 0x40000) is shared (B9:
 *      AmdSevDxe clears its C-bit; SmmCpuFeaturesSmmRelocationComplete
 *      re-encrypts it). Not after an S3 resume (B11).
 * Nothing here exists, and no hook is installed, when sev=off. */
#ifndef SMMHP_SEV_H
#define SMMHP_SEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unicorn/unicorn.h>

#define SEV_BLOCK 16u /* AES-XEX tweak granularity: 16-byte blocks */

struct machine;
struct vcpu;

/* Allocate the model when m->cfg.sev (m->sev stays NULL otherwise). */
int sev_init(struct machine *m);
void sev_free(struct machine *m);
/* The alias write hook of the SMM engine's C-bit mapping (views.c). */
int sev_hook_alias(struct machine *m, uc_engine *uc, uint64_t alias_base);

/* A guest store through engine uc by vCPU v (run.c on_write). */
void sev_guest_write(struct machine *m, struct vcpu *v, uc_engine *uc, uint64_t addr, unsigned size);
/* The same, with the decision given (tests, alias hook). */
void sev_mark(struct machine *m, uint64_t addr, uint64_t len, bool private_);

/* Platform side: buf holds RAM bytes [addr, addr+len); private bytes are
 * replaced by ciphertext. Emits sev_private_read for the first reads. */
void sev_platform_read(struct machine *m, uint64_t addr, uint8_t *buf, size_t len);
/* The platform wrote plaintext there: those bytes are no longer private. */
void sev_platform_write(struct machine *m, uint64_t addr, size_t len);
/* An S3 resume happened: R4 no longer applies. */
void sev_s3_resume(struct machine *m);

bool sev_byte_private(const struct machine *m, uint64_t addr);
/* The model's ciphertext of the 16-byte block at addr (aligned down). */
void sev_cipher_block(uint64_t key, uint64_t block_addr, const uint8_t plain[SEV_BLOCK],
                      uint8_t out[SEV_BLOCK]);

#endif
