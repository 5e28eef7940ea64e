# expect: stub
# A stub that writes through a pointer (its own return slot, say) before
# its plain ret.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	call	__stub_x
	rs_ret
	.section .text.twin_stubs,"ax",@progbits
__stub_x:
	movq	%rdi, (%rsi)
	ret
