# dom0's e1000: the VM instance, Debian's e1000 (pinned linux-source) with
# guest/twin's hook patch, built against dom0's pinned headers.  dom0 runs
# it in place of Debian's; hv/derive derives the hypervisor instance from
# the same source with kbuild's command line from this build.
#
# The hook patch only adds calls in the slow paths, so the fast path is the
# unmodified driver's and the two instances' layouts stay identical.

E1000_SRC   := $(BUILD)/src/e1000
E1000_VM    := $(BUILD)/twin/e1000/vm
E1000_HOOKS := guest/twin/e1000-twin-hooks.patch

$(eval $(call linux_source_part,$(E1000_SRC),drivers/net/ethernet/intel/e1000,e1000_main.c,$(E1000_HOOKS)))

$(E1000_VM)/e1000.ko: $(E1000_SRC)/.extracted $(KHDR)/Makefile
	@echo "  KBUILD  e1000.ko (VM instance, $(KERNEL_FLAVOUR) headers)"
	@rm -rf $(E1000_VM) && mkdir -p $(E1000_VM)
	@cp $(E1000_SRC)/*.c $(E1000_SRC)/*.h $(E1000_SRC)/Makefile $(E1000_VM)/
	@$(MAKE) -s -C $(KHDR) M=$(abspath $(E1000_VM)) CONFIG_E1000=m modules -j2 \
		> $(E1000_VM)/../kbuild.log 2>&1 || { cat $(E1000_VM)/../kbuild.log; exit 1; }
