# expect: runtime variable
# A pop unit not fused with its ret: code between the check and the ret
# could rewrite the slot; its instructions alone touch the runtime.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	rs_pop
	movq	%rdi, (%rsp)
	ret
