# The hypervisor instance as a livepatch payload, build/twin/payload/:
#
#   e1000_twin.livepatch  twinc's object, SVM's trampolines (svm_entry.S)
#                         and the glue (hv/payload/glue.c), linked with
#                         ld -r; each "hv" binding <name> renamed to a
#                         stub (hv_stubs.S, generated) that records the
#                         instance's %rsp and jumps to twin_hv_<name>, so
#                         it can only resolve to the runtime's support
#                         code, never to a Xen function of the same name
#                         (memcpy); .livepatch.depends and .xen_depends =
#                         the build-id of the Xen built beside it.
#   vm-symbols            the driver-VM symbols the payload still needs
#                         (jiffies, module data, the VM instance's
#                         functions): twinctl resolves them in dom0 before
#                         uploading.
#
# The glue is position-independent (rip-relative, like Xen itself): the
# payload lives in Xen's livepatch area, not in the top 2GB.  The loader in
# Xen refuses the payload if any other symbol is undefined.

PAYLOAD_DIR   := $(BUILD)/twin/payload
PAYLOAD       := $(PAYLOAD_DIR)/e1000_twin.livepatch
# the flags of the payload's C parts: hv/payload/link.sh holds them
PAYLOAD_FLAGS := $(shell hv/payload/link.sh --cflags)

# The link itself is hv/payload/link.sh, so that the mutants of hv/faults
# link exactly as this one: the verifier's stamp checked, the hv bindings
# checked against Xen's support interface, the driver-VM symbols checked
# against the manifest's.
$(PAYLOAD): $(TWIN_OUT)/manifest.json $(TWIN_ACCEPTED) hv/payload/glue.c hv/payload/payload.mk \
		hv/payload/link.sh hv/xen/loader.c hv/svm/svm_entry.S hv/svm/shadow.inc \
		hv/xen/twin_desc.h hv/xen/public/twin.h $(XEN_BIN)
	@echo "  PAYLOAD $@"
	@CC='$(CC)' hv/payload/link.sh $< $(TWIN_OUT)/e1000_twin.o $(TWIN_ACCEPTED) \
		$(BUILD)/xen/xen-syms $(PAYLOAD_DIR) $@

# The same payload naming Xen's twin_disable, which the loader must refuse.
PAYLOAD_BAD := $(PAYLOAD_DIR)/bad-interface.livepatch

$(PAYLOAD_BAD): $(PAYLOAD) hv/payload/outside.c
	@$(CC) $(PAYLOAD_FLAGS) -c hv/payload/outside.c -o $(PAYLOAD_DIR)/outside.o
	@ld -r -z noexecstack --build-id=sha1 -o $@.tmp $(PAYLOAD_DIR)/instance.o \
		$(PAYLOAD_DIR)/svm_entry.o $(PAYLOAD_DIR)/hv_stubs.o $(PAYLOAD_DIR)/glue.o \
		$(PAYLOAD_DIR)/outside.o \
		$(PAYLOAD_DIR)/depends.o $(PAYLOAD_DIR)/xen_depends.o
	@nm -u $@.tmp | grep -qw twin_disable || { echo "error: $@ does not name twin_disable" >&2; exit 1; }
	@mv $@.tmp $@

payload: $(PAYLOAD) $(PAYLOAD_BAD)
.PHONY: payload
