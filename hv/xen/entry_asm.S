/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calling into the derived instance with a way back out.
 *
 * long twin_call(void *fn, long a0, long a1, unsigned long *saved_sp)
 *   calls fn(a0, a1) after saving the callee-saved registers on the stack
 *   and the stack pointer in *saved_sp.  If the instance faults, runs too
 *   long or hits a BUG, Xen resumes at twin_recover with that stack
 *   pointer (twin_fault_fixup/twin_abort), and twin_call returns
 *   TWIN_ABORTED instead: the instance's frames are dropped, Xen's own
 *   state (which the instance's code never holds locks of) is intact.
 *   RFLAGS are Xen's again on either way out (saved at entry, where the
 *   pushfq also keeps the call 16-byte aligned): a direction flag or an
 *   AC the instance left set never reaches Xen's string operations.
 *
 * Below the return address into twin_call lie TWIN_STACK_ARGS zeroed
 * bytes: where a function reads its arguments passed on the stack, which
 * the machine-code verifier lets it do that far above its return address
 * (STACK_ARGS_MAX, hv/derive/objflow.c), and never write.
 *
 * The instance runs from the page boundary below this frame when the
 * primary stack has room for it there (TWIN_STACK_ROOM): SVM can then
 * cache every stack page the instance uses, while the page holding this
 * frame, and Xen's above, stays out of the instance's reach (svm_xen.c).
 */
#include <asm/config.h>
#include <asm/page.h>

#define TWIN_ABORTED    -14     /* -EFAULT */
#define TWIN_STACK_ROOM 3072    /* the instance's frames, an interrupt's */
#define TWIN_STACK_ARGS 64      /* a root's stack-passed arguments: zeroes */

        .text
        .globl  twin_call
        .type   twin_call, @function
twin_call:
        pushq   %rbp
        pushq   %rbx
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        pushfq                          /* restored whichever way it returns */
        movq    %rsp, (%rcx)
        movq    %rsp, %rbx              /* restored after the call */
        /* the primary stack's bottom: the stack's top - PRIMARY_STACK_SIZE */
        movq    %rsp, %r10
        orq     $(STACK_SIZE - 1), %r10
        subq    $(PRIMARY_STACK_SIZE - 1), %r10
        movq    %rsp, %r11
        andq    $-PAGE_SIZE, %r11
        leaq    -TWIN_STACK_ROOM(%r11), %rcx
        cmpq    %r10, %rcx
        jb      2f                      /* no room below the boundary */
        movq    %r11, %rsp
2:      xorl    %eax, %eax
        movl    $(TWIN_STACK_ARGS / 8), %ecx
3:      pushq   %rax
        decl    %ecx
        jnz     3b
        movq    %rdi, %rax
        movq    %rsi, %rdi
        movq    %rdx, %rsi
        cld
        call    *%rax
        movq    %rbx, %rsp
1:      popfq
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbx
        popq    %rbp
        ret
        .size   twin_call, . - twin_call

        .globl  twin_recover
        .type   twin_recover, @function
twin_recover:
        movq    $TWIN_ABORTED, %rax
        jmp     1b
        .size   twin_recover, . - twin_recover

/* void twin_longjmp(unsigned long saved_sp): from C, back to twin_call */
        .globl  twin_longjmp
        .type   twin_longjmp, @function
twin_longjmp:
        movq    %rdi, %rsp
        jmp     twin_recover
        .size   twin_longjmp, . - twin_longjmp
