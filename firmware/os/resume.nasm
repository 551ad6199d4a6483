; OS waking vector: the firmware's S3 resume path jumps here on the boot
; CPU (flat 64-bit, interrupts off), with whatever stack it had. The OS
; takes its own stack back and continues in C (s3.c).
bits 64
default rel

extern os_resume_main
extern os_stack_top

section .text
global os_resume:function
os_resume:
    cli
    mov rsp, [os_stack_top]
    xor ebp, ebp
    call os_resume_main
.dead:
    hlt
    jmp .dead

section .note.GNU-stack noalloc noexec nowrite progbits
