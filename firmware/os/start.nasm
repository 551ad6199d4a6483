; OS actor entry: the boot firmware jumps here on the boot CPU in 64-bit
; mode, flat segments, interrupts off. We only need a stack (slot 0 of
; SMMHP_OS_STACKS, address taken from C so the memory map stays in one
; header) and then never return.
bits 64
default rel

extern os_main
extern os_stack_top

section .text.entry progbits alloc exec nowrite align=16
global os_entry:function
os_entry:
    cli
    mov rsp, [os_stack_top]
    xor ebp, ebp
    call os_main
.dead:                          ; os_main never returns; park if it does
    hlt
    jmp .dead

section .note.GNU-stack noalloc noexec nowrite progbits
