# expect: return
# A push unit whose bound is read next to __twin_rs_end: too deep goes on.
# Not the unit, so the entry has none.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:	movq	__twin_rsp(%rip), %r11
	cmpq	__twin_rs_end+8(%rip), %r11
	jae	__twin_rs_fail
	movq	(%rsp), %r10
	movq	%r10, (%r11)
	addq	$8, __twin_rsp(%rip)
	rs_ret
