# The hypervisor instances as livepatch payloads, build/twin/payload/ (and
# build/twin/payload-e1000e/ for e1000e's):
#
#   DRIVER_twin.livepatch twinc's object, SVM's trampolines (svm_entry.S)
#                         and the glue (hv/payload/glue.c), linked with
#                         ld -r; each "hv" binding <name> renamed to a
#                         stub (hv_stubs.S, generated) that records the
#                         instance's %rsp and jumps to twin_hv_<name>, so
#                         it can only resolve to the runtime's support
#                         code, never to a Xen function of the same name
#                         (memcpy); .livepatch.depends and .xen_depends =
#                         the build-id of the Xen built beside it; its
#                         descriptor names the driver's entry points
#                         (hv/payload/DRIVER.entries).
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
		hv/payload/e1000.entries hv/payload/link.sh hv/xen/loader.c hv/svm/svm_entry.S hv/svm/shadow.inc \
		hv/xen/twin_desc.h hv/xen/public/twin.h $(XEN_BIN)
	@echo "  PAYLOAD $@"
	@CC='$(CC)' hv/payload/link.sh $< $(TWIN_OUT)/e1000_twin.o $(TWIN_ACCEPTED) \
		$(BUILD)/xen/xen-syms $(PAYLOAD_DIR) $@

# e1000e's, linked the same way (link.sh empties its scratch folder, so
# each payload has a folder of its own).
PAYLOAD_E1000E_DIR := $(BUILD)/twin/payload-e1000e
PAYLOAD_E1000E     := $(PAYLOAD_E1000E_DIR)/e1000e_twin.livepatch

$(PAYLOAD_E1000E): $(TWIN_E1000E)/manifest.json $(TWIN_E1000E)/e1000e_twin.o.accepted \
		hv/payload/glue.c hv/payload/payload.mk hv/payload/e1000e.entries \
		hv/payload/link.sh hv/xen/loader.c hv/svm/svm_entry.S hv/svm/shadow.inc \
		hv/xen/twin_desc.h hv/xen/public/twin.h $(XEN_BIN)
	@echo "  PAYLOAD $@"
	@CC='$(CC)' hv/payload/link.sh $< $(TWIN_E1000E)/e1000e_twin.o \
		$(TWIN_E1000E)/e1000e_twin.o.accepted $(BUILD)/xen/xen-syms $(PAYLOAD_E1000E_DIR) $@

# Each payload again, naming Xen's twin_disable, which the loader must
# refuse (tdh twin-check's bad-payload loads its NIC driver's).
PAYLOAD_BAD := $(PAYLOAD_DIR)/bad-interface.livepatch

# $(call payload_bad,SCRATCH,PAYLOAD): SCRATCH's link of PAYLOAD plus outside.c
define payload_bad
$(1)/bad-interface.livepatch: $(2) hv/payload/outside.c
	@$$(CC) $$(PAYLOAD_FLAGS) -c hv/payload/outside.c -o $(1)/outside.o
	@ld -r -z noexecstack --build-id=sha1 -o $$@.tmp $(1)/instance.o \
		$(1)/svm_entry.o $(1)/hv_stubs.o $(1)/glue.o $(1)/outside.o \
		$(1)/depends.o $(1)/xen_depends.o
	@nm -u $$@.tmp | grep -qw twin_disable || { echo "error: $$@ does not name twin_disable" >&2; exit 1; }
	@mv $$@.tmp $$@
endef

$(eval $(call payload_bad,$(PAYLOAD_DIR),$(PAYLOAD)))
$(eval $(call payload_bad,$(PAYLOAD_E1000E_DIR),$(PAYLOAD_E1000E)))
PAYLOAD_E1000E_BAD := $(PAYLOAD_E1000E_DIR)/bad-interface.livepatch

payload: $(PAYLOAD) $(PAYLOAD_E1000E) $(PAYLOAD_BAD) $(PAYLOAD_E1000E_BAD)
.PHONY: payload
