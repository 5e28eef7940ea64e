# expect: stub
# A stub (plain ret) that jumps into the instance's code, which writes the
# stub's return slot through a probed pointer and jumps back to its ret.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	call	__stub_x
	rs_ret
.Lbody:	leaq	(%rsp), %r11
	call	__svm_pw8_r11_r10
	movq	%rdi, (%r11)
	jmp	.Lback
	.section .text.twin_stubs,"ax",@progbits
__stub_x:
	jmp	.Lbody
.Lback:	ret
