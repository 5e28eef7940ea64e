# expect: runtime variable
# Lowering the stack's floor that every push unit checks its frame
# against: the instance could then run Xen's stack into the page below.
	.include "shadow.inc"
	.globl	f
	.type	f, @function
f:
	rs_push
	movq	$0, __twin_stack_min(%rip)
	rs_ret
