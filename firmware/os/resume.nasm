; OS waking vector: the firmware's S3 resume path jumps here on the boot
; CPU (flat 64-bit, interrupts off), with whatever stack it had. The OS
; takes its own stack back and continues in C (s3.c).
%ifdef ARCH_IA32
bits 32
%else
bits 64
default rel
%endif

extern os_resume_main
extern os_stack_top

section .text
global os_resume:function
os_resume:
    cli
%ifdef ARCH_IA32
    mov esp, [os_stack_top]
%else
    mov rsp, [os_stack_top]
%endif
    xor ebp, ebp
    call os_resume_main
.dead:
    hlt
    jmp .dead

section .note.GNU-stack noalloc noexec nowrite progbits
