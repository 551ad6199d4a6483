/* The OS side of S3 (docs/s3.md): suspend as Linux does through ACPICA
 * (acpi_hw_legacy_sleep: PM1_CNT with SLP_TYP, then with SLP_EN as well;
 * SLP_TYP 1 = the \_S3 value QEMU's DSDT gives), and resume from the
 * waking vector: own stack again, the APs that were online brought back
 * by INIT-SIPI-SIPI (Linux: suspend_enable_secondary_cpus), then the S3
 * command completes. */
#include <stdint.h>

#include "hw.h"
#include "os.h"

#define PM1_CNT_SLP_TYP_MASK  (7u << 10)
#define PM1_CNT_SLP_TYP_S3    (1u << 10)
#define PM1_CNT_SLP_EN        (1u << 13)

void os_resume_main(void) __attribute__((noreturn));

/* What the OS keeps in its RAM across S3 (RAM survives, CPUs do not). */
static uint32_t s3_seq;
static uint8_t s3_was_online[SMMHP_MAILBOX_MAX_CPUS];


void os_s3_suspend(struct smmhp_mailbox *mb)
{
  s3_seq = mb->seq;
  for (unsigned i = 0; i < SMMHP_MAILBOX_MAX_CPUS; i++)
    s3_was_online[i] = mb->online[i];

  uint16_t cnt = inw(SMMHP_PORT_PM1_CNT) & (uint16_t)~(PM1_CNT_SLP_TYP_MASK | PM1_CNT_SLP_EN);
  outw(SMMHP_PORT_PM1_CNT, (uint16_t)(cnt | PM1_CNT_SLP_TYP_S3));
  outw(SMMHP_PORT_PM1_CNT, (uint16_t)(cnt | PM1_CNT_SLP_TYP_S3 | PM1_CNT_SLP_EN));
  /* The platform resets this CPU; nothing after the write runs. */
  for (;;)
    cpu_pause();
}

/* Entered from os_resume (resume.nasm) on the boot CPU. */
void os_resume_main(void)
{
  struct smmhp_mailbox *mb = OS_MAILBOX;
  uint32_t n = 0;

  for (uint32_t id = 0; id < SMMHP_MAILBOX_MAX_CPUS; id++) {
    if (s3_was_online[id]) {
      ap_online(mb, id);
      n++;
    }
  }
  svc_os_report(SMMHP_OS_EV_S3_RESUMED, n);
  mb->result = n;
  mb->done_seq = s3_seq;
  os_loop(mb);
}
