# expect: accepted
# A frame-pointer function (-fno-omit-frame-pointer): leave restores the
# depth movq %rsp, %rbp recorded, and pops the caller's %rbp, across a call.
	.include "shadow.inc"
	.include "thunks.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	subq	$40, %rsp
	movq	%rdi, 8(%rsp)
	call	napi_gro_receive
	movq	8(%rsp), %r11
	call	__svm_pr8_r11_r10
	movq	(%r11), %rax
	movq	40(%rsp), %rbx
	leave
	rs_ret
