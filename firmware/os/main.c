/* OS actor command loop: runs on the OS boot CPU, polls the scenario
 * mailbox and performs one command at a time with real port and MMIO
 * accesses (docs/os-actor.md). */
#include <stdint.h>

#include "hw.h"
#include "os.h"

void os_main(void) __attribute__((noreturn));

/* Read by os_entry (start.nasm): the stack of OS CPU slot 0. */
const uint64_t os_stack_top = SMMHP_OS_STACKS + SMMHP_OS_STACK_SIZE;

static uint32_t run_command(struct smmhp_mailbox *mb, uint32_t cmd)
{
  switch (cmd) {
  case SMMHP_OS_NONE:
    return 0;
  case SMMHP_OS_CSCN:
    return acpi_cscn(mb);
  case SMMHP_OS_ONLINE:
    return ap_online(mb, mb->arg0);
  case SMMHP_OS_APM:
    outb(SMMHP_PORT_APM_CNT, (uint8_t)mb->arg0);
    return 0;
  case SMMHP_OS_CEJ0:
    acpi_cej0(mb, mb->arg0);
    return 0;
  case SMMHP_OS_OFFLINE:
    ap_offline(mb, mb->arg0);
    return 0;
  case SMMHP_OS_POKE:
    /* The malicious actor: a plain store, wherever it points. */
    *(volatile uint8_t *)(uintptr_t)mb->arg0 = (uint8_t)mb->arg1;
    return 0;
  case SMMHP_OS_OST:
    acpi_cost(mb->arg0, mb->arg1, mb->arg2);
    return 0;
  case SMMHP_OS_STA:
    return acpi_csta(mb->arg0);
  case SMMHP_OS_S3:
    os_s3_suspend(mb); /* completes from the waking vector (s3.c) */
    return 0;
  default:
    svc_os_report(SMMHP_OS_EV_BAD_CMD, cmd);
    return SMMHP_OS_RESULT_BAD_CMD;
  }
}

void os_main(void)
{
  struct smmhp_mailbox *mb = OS_MAILBOX;

  ap_install_trampoline(mb);
  svc_os_report(SMMHP_OS_EV_READY, 0);
  os_loop(mb);
}

/* The command loop; also where the OS continues after S3 (s3.c). */
void os_loop(struct smmhp_mailbox *mb)
{
  for (;;) {
    uint32_t seq = mb->seq;
    if (seq == mb->done_seq) {
      cpu_pause();
      continue;
    }
    /* seq first, then the arguments: the harness writes them before
     * bumping seq, and x86 keeps loads in order. */
    mb->result = run_command(mb, mb->cmd);
    mb->done_seq = seq;
  }
}
