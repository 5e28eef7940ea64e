# A driver's VM instance: Debian's driver (the pinned linux-source) with
# guest/twin's hook patch for it, built against dom0's pinned headers.
# dom0 runs it in place of Debian's; hv/derive derives the hypervisor
# instance from the same source with kbuild's command line from this build
# (derive.mk's twin_derive).
#
# The hook patches only add calls in the slow paths, so the fast path is
# the unmodified driver's and the two instances' layouts stay identical.
#
# $(call twin_vm_driver,NAME,DIR,MAIN,KCONFIG): the rules that make
# $(BUILD)/twin/NAME/vm/NAME.ko from the kernel tree's folder DIR with
# guest/twin/NAME-twin-hooks.patch; MAIN is the source file (no .c)
# that holds the fast path, KCONFIG the module's Kconfig symbol.
define twin_vm_driver
$(eval $(call linux_source_part,$(BUILD)/src/$(1),$(2),$(3).c,guest/twin/$(1)-twin-hooks.patch))

$(BUILD)/twin/$(1)/vm/$(1).ko: $(BUILD)/src/$(1)/.extracted $(KHDR)/Makefile
	@echo "  KBUILD  $(1).ko (VM instance, $(KERNEL_FLAVOUR) headers)"
	@rm -rf $(BUILD)/twin/$(1)/vm && mkdir -p $(BUILD)/twin/$(1)/vm
	@cp $(BUILD)/src/$(1)/*.c $(BUILD)/src/$(1)/*.h $(BUILD)/src/$(1)/Makefile $(BUILD)/twin/$(1)/vm/
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(BUILD)/twin/$(1)/vm) $(4)=m modules -j2 \
		> $(BUILD)/twin/$(1)/kbuild.log 2>&1 || { cat $(BUILD)/twin/$(1)/kbuild.log; exit 1; }
endef
