# expect: bit offset unbounded
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	%rdi, %r11
	call	__svm_pw8_r11_r10
	btsq	%rcx, (%r11)
	rs_ret
