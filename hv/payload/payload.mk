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
PAYLOAD_FLAGS := -O2 -Wall -Werror -ffreestanding -fpic -fvisibility=hidden \
	-mno-red-zone -fno-stack-protector -fno-asynchronous-unwind-tables
# the instance's entry points, static in e1000_main.c
PAYLOAD_ENTRIES := e1000_xmit_frame e1000_intr e1000_clean
BIN_TO_ELF    := -I binary -O elf64-x86-64 -B i386:x86-64
# the module's leftovers, empty in twinc's output and meaningless in Xen
# (an empty .modinfo is malformed livepatch metadata)
PAYLOAD_DROP  := .modinfo __param .init.text .exit.text .init.data .exit.data

$(PAYLOAD): $(TWIN_OUT)/manifest.json $(TWIN_ACCEPTED) hv/payload/glue.c hv/payload/payload.mk hv/xen/loader.c \
		hv/svm/svm_entry.S hv/svm/shadow.inc hv/xen/twin_desc.h hv/xen/public/twin.h $(XEN_BIN)
	@echo "  PAYLOAD $@"
	@rm -rf $(PAYLOAD_DIR) && mkdir -p $(PAYLOAD_DIR)
	@# only the very object the machine-code verifier accepted
	@cd $(TWIN_OUT) && sha256sum --quiet -c $(notdir $(TWIN_ACCEPTED)) || \
		{ echo "error: $(TWIN_OUT)/e1000_twin.o is not the object twinc --verify accepted" >&2; exit 1; }
	@grep -o '"[A-Za-z0-9_]*": {"bind": "hv"}' $< | \
		sed 's/^"\([^"]*\)".*/\1/' > $(PAYLOAD_DIR)/hv-bindings
	@test -s $(PAYLOAD_DIR)/hv-bindings || { echo "error: no hv bindings in $<" >&2; exit 1; }
	@# Xen's loader resolves only its support interface: a binding it lacks
	@# would load nowhere, say so now rather than at upload
	@for s in $$(sed 's/^/twin_hv_/' $(PAYLOAD_DIR)/hv-bindings); do \
		grep -q "\"$$s\"" hv/xen/loader.c || { echo "error: the policy binds $$s, which is not in Xen's support interface (twin_interface[], hv/xen/loader.c)" >&2; exit 1; }; \
	done
	@# each call reaches Xen's twin_hv_<name> through a stub that records
	@# the instance's %rsp first (__twin_call_sp, hv/svm/svm.h)
	@sed 's/.*/& __twin_hv_&/' $(PAYLOAD_DIR)/hv-bindings > $(PAYLOAD_DIR)/hv-renames
	@{ printf '\t.text\n'; sed 's/.*/\t.globl\t__twin_hv_&\n__twin_hv_&:\n\tmovq\t%rsp, __twin_call_sp(%rip)\n\tjmp\ttwin_hv_&/' \
		$(PAYLOAD_DIR)/hv-bindings; printf '\t.section .note.GNU-stack,"",@progbits\n'; } \
		> $(PAYLOAD_DIR)/hv_stubs.S
	@$(CC) -c $(PAYLOAD_DIR)/hv_stubs.S -o $(PAYLOAD_DIR)/hv_stubs.o
	@objcopy --redefine-syms=$(PAYLOAD_DIR)/hv-renames \
		$(addprefix --globalize-symbol=,$(PAYLOAD_ENTRIES)) \
		$(addprefix --remove-section=,$(PAYLOAD_DROP)) \
		$(TWIN_OUT)/e1000_twin.o $(PAYLOAD_DIR)/instance.o
	@$(CC) -c hv/svm/svm_entry.S -o $(PAYLOAD_DIR)/svm_entry.o
	@uc=$$(grep -o '"page_frag_free": {"bind": "upcall", "id": [0-9]*' $< | sed 's/.* //'); \
	 $(CC) $(PAYLOAD_FLAGS) -Ihv/xen -Wa,-Ihv/svm -DTWIN_UC_PAGE_FRAG_FREE=$${uc:--1} \
		-c hv/payload/glue.c -o $(PAYLOAD_DIR)/glue.o
	@objcopy -O binary --only-section=.note.gnu.build-id $(BUILD)/xen/xen-syms \
		$(PAYLOAD_DIR)/xen-build-id.bin
	@for s in depends xen_depends; do \
		objcopy $(BIN_TO_ELF) --rename-section=.data=.livepatch.$$s,alloc,load,readonly,data,contents \
			-S $(PAYLOAD_DIR)/xen-build-id.bin $(PAYLOAD_DIR)/$$s.o || exit 1; done
	@ld -r -z noexecstack --build-id=sha1 -o $@.tmp $(PAYLOAD_DIR)/instance.o $(PAYLOAD_DIR)/svm_entry.o \
		$(PAYLOAD_DIR)/hv_stubs.o $(PAYLOAD_DIR)/glue.o $(PAYLOAD_DIR)/depends.o \
		$(PAYLOAD_DIR)/xen_depends.o
	@nm -u $@.tmp | awk '{print $$2}' | \
		grep -Ev '^(twin_|svm_|__svm_|__twin_)' > $(PAYLOAD_DIR)/vm-symbols || true
	@sed 's/.*"vm_symbols": \[\(.*\)\].*/\1/;t;d' $< | tr -d '" ' | tr ',' '\n' | sort > $(PAYLOAD_DIR)/vm-expected
	@sort $(PAYLOAD_DIR)/vm-symbols | cmp -s - $(PAYLOAD_DIR)/vm-expected || \
		{ echo "error: the payload's driver-VM symbols differ from the manifest's vm_symbols" >&2; \
		  diff $(PAYLOAD_DIR)/vm-expected $(PAYLOAD_DIR)/vm-symbols >&2; exit 1; }
	@mv $@.tmp $@

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
