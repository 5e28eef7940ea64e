# expect: return
# A store at a run-time depth that may land on the slot holding the
# caller's %rbp: leave pops it, and ret would give the caller a %rbp of
# the callee's choosing.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	cmpq	$256, %rdi
	ja	2f
	subq	%rdi, %rsp
	movq	%rax, (%rsp)
	leave
	rs_ret
2:	pushq	$0
	call	__twin_bug
3:	jmp	3b
