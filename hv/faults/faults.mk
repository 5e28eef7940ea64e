# Software-implemented fault injection into the hypervisor instance
# (hv/faults, README.md there):
#
#   make twinmut   the mutation tool, build/bin/twinmut, and build/faults/env
#                  (what hv/faults/mutant.sh takes from make)
#   make mutants   every named mutation of hv/faults/e1000.mutations as a
#                  payload: build/faults/named/NAME/{mutant.json,...}
#
# Only the hypervisor instance is mutated: each mutant is compiled with the
# instance's command line (twin.cmd), derived by twinc with TWIN_FLAGS,
# verified on its object and linked by hv/payload/link.sh, as the real one.

TWINMUT        := $(BUILD)/bin/twinmut
TWINMUT_SRC    := $(wildcard hv/faults/*.c) hv/faults/twinmut.h
FAULTS_ENV     := $(BUILD)/faults/env
MUTATIONS      := hv/faults/e1000.mutations
MUTANT_DIR     := $(BUILD)/faults/named
MUTANT_NAMES   := $(shell sed -n 's/^[ \t]*\[\([A-Za-z0-9_.-]*\)\][ \t]*$$/\1/p' $(MUTATIONS))
MUTANT_ENTRIES := $(MUTANT_NAMES:%=$(MUTANT_DIR)/%/entry)
MUTANT_JSONS   := $(MUTANT_NAMES:%=$(MUTANT_DIR)/%/mutant.json)
# what every mutant is made of, besides its own library entry
MUTANT_DEPS    := $(E1000_VM)/e1000_main.c $(TWIN_OUT)/twin.cmd $(TWINC) $(TWINMUT) \
	$(FAULTS_ENV) hv/faults/mutant.sh hv/faults/e1000.fastpath hv/derive/e1000.policy \
	hv/payload/link.sh hv/payload/glue.c hv/xen/loader.c hv/svm/svm_entry.S \
	hv/svm/shadow.inc hv/xen/twin_desc.h hv/xen/public/twin.h $(XEN_BIN)

$(TWINMUT): $(TWINMUT_SRC)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Werror -o $@ $(filter %.c,$^)

# Rewritten only when a value changes, so mutants depend on it honestly.
$(FAULTS_ENV): FORCE
	@mkdir -p $(@D)
	@printf "KHDR='%s'\nTWIN_FLAGS='%s'\nCC='%s'\n" '$(KHDR)' '$(TWIN_FLAGS)' '$(CC)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

twinmut: $(TWINMUT) $(FAULTS_ENV)
.PHONY: twinmut

# One entry's text, rewritten only when it changes: editing one mutation
# rebuilds that mutant only.
$(MUTANT_ENTRIES): $(MUTANT_DIR)/%/entry: $(MUTATIONS) $(TWINMUT)
	@mkdir -p $(@D)
	@$(TWINMUT) --library $(MUTATIONS) --show $* > $@.tmp || { rm -f $@.tmp; exit 1; }
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(MUTANT_JSONS): $(MUTANT_DIR)/%/mutant.json: $(MUTANT_DIR)/%/entry $(MUTANT_DEPS)
	@hv/faults/mutant.sh --named $* $(MUTANT_DIR)/$*

# built / refused, over every named mutant
mutants: $(MUTANT_JSONS)
	@cat $^ | sed -n 's/.*"status": "\([a-z_]*\)".*/\1/p' | sort | uniq -c | \
		awk '{ n[$$2] = $$1; t += $$1 } END { printf "mutants: %d named, %d built, %d refused (derive %d, verify %d), %d compile errors, %d without a site\n", \
			t, n["built"], n["derive_refused"] + n["verify_refused"], n["derive_refused"], \
			n["verify_refused"], n["compile_error"], n["no_site"] }'
.PHONY: mutants
