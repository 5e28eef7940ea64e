# dom0's e1000: the VM instance (driver.mk), Debian's e1000 with
# e1000-twin-hooks.patch.

E1000_SRC   := $(BUILD)/src/e1000
E1000_VM    := $(BUILD)/twin/e1000/vm

$(eval $(call twin_vm_driver,e1000,drivers/net/ethernet/intel/e1000,e1000_main,CONFIG_E1000))
