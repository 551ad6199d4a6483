; OS actor entry: the boot firmware jumps here on the boot CPU in 64-bit
; mode, flat segments, interrupts off. We only need a stack (slot 0 of
; SMMHP_OS_STACKS, address taken from C so the memory map stays in one
; header) and then never return.
%ifdef ARCH_IA32
bits 32
%else
bits 64
default rel
%endif

extern os_main
extern os_stack_top

section .text.entry progbits alloc exec nowrite align=16
global os_entry:function
os_entry:
    cli
%ifdef ARCH_IA32
    mov esp, [os_stack_top]
%else
    mov rsp, [os_stack_top]
%endif
    xor ebp, ebp
    call os_main
.dead:                          ; os_main never returns; park if it does
    hlt
    jmp .dead

section .note.GNU-stack noalloc noexec nowrite progbits
