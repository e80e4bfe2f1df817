# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# synfin: `make` builds ./synfin; `make test`, `make demo`, `make bench`.
#
# User space is four layers, each a directory, dependencies pointing down:
#   cmd/ (one file per command) -> out/ (renderers) -> lib/ (pure code)
#   cmd/ -> kern/ (talks to the kernel) -> lib/
# lib, kern and out are static libraries; tests, fuzzers and benchmarks
# link those, never a command.
OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -std=gnu11
DEPFLAGS = -MMD -MP
INCLUDES := -I$(OUTPUT) -Ibpf -I.
LDLIBS := -lbpf -lelf -lz -lpcap -lmicrohttpd -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-Ivmlinux -Ibpf -Wall -Wno-unused-function

LAYERS := lib kern out cmd
LIB_SRCS := $(wildcard lib/*.c)
KERN_SRCS := $(wildcard kern/*.c)
OUT_SRCS := $(wildcard out/*.c)
CMD_SRCS := $(wildcard cmd/*.c)
obj = $(patsubst %.c,$(OUTPUT)/%.o,$(1))
LIB_A := $(OUTPUT)/libsynfin.a
KERN_A := $(OUTPUT)/libsynfin-kern.a
OUT_A := $(OUTPUT)/libsynfin-out.a
# Link order: a library before the ones it uses.
LIBS_A := $(OUT_A) $(KERN_A) $(LIB_A)
BPF_HDRS := $(wildcard bpf/*.h)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.DELETE_ON_ERROR:
.PHONY: all deps clean test demo bench vmlinux fuzz fuzz-pcap fuzz-conn

all: synfin

# Packages, per purpose (tools/deps.sh): each target asks for what it needs.
deps:
	$(Q)tools/deps.sh all

synfin: $(call obj,$(CMD_SRCS)) $(LIBS_A) | deps-build
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(filter %.o %.a,$^) $(LDLIBS) -o $@

deps-%:
	$(Q)tools/deps.sh $*

$(LIB_A): $(call obj,$(LIB_SRCS))
$(KERN_A): $(call obj,$(KERN_SRCS))
$(OUT_A): $(call obj,$(OUT_SRCS))
$(LIBS_A):
	$(call msg,AR,$@)
	$(Q)rm -f $@ && ar rcs $@ $^

$(OUTPUT) $(addprefix $(OUTPUT)/,$(LAYERS)):
	$(Q)mkdir -p $@

$(OUTPUT)/synfin.bpf.o: bpf/synfin.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(OUTPUT) deps-build
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/synfin.skel.h: $(OUTPUT)/synfin.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synfin_bpf > $@

# Every user object may include the skeleton; -MMD records what each really does.
$(OUTPUT)/%.o: %.c | $(OUTPUT)/synfin.skel.h $(addprefix $(OUTPUT)/,$(LAYERS))
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(DEPFLAGS) $(INCLUDES) -c $< -o $@

# Regenerate vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# Benchmarks (tools/bench.sh): baseline BPF programs with their own
# skeletons, the measuring tool, and the connection-churn load generator.
BENCH_BPF := $(patsubst bench/%.bpf.c,%,$(wildcard bench/*.bpf.c))
.SECONDARY: $(patsubst %,$(OUTPUT)/bench_%.bpf.o,$(BENCH_BPF))

# lookup_clock and newconn are lookup.bpf.c with a macro: they include it.
$(OUTPUT)/bench_%.bpf.o: bench/%.bpf.c bench/lookup.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bench_%.skel.h: $(OUTPUT)/bench_%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_$* > $@

$(OUTPUT)/sfbench: bench/sfbench.c $(LIBS_A) $(patsubst %,$(OUTPUT)/bench_%.skel.h,$(BENCH_BPF))
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(INCLUDES) $< $(LIBS_A) $(LDLIBS) -o $@

# The watcher's user-space work per event, alone (formatting, resolving).
$(OUTPUT)/fmtbench: bench/fmtbench.c $(LIBS_A)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(INCLUDES) $< $(LIBS_A) $(LDLIBS) -o $@

$(OUTPUT)/loadgen: tools/loadgen.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# Test programs (tests/*/run.sh build them): tests/DIR/test_NAME.c ->
# $(OUTPUT)/test_NAME, with the shared lifecycle table tests/cases.c. The
# unit tests build the pure library from source under ASan/UBSan; the
# others link the libraries.
TEST_SRCS := $(wildcard tests/*/test_*.c)
TEST_BINS := $(patsubst %.c,$(OUTPUT)/%,$(notdir $(TEST_SRCS)))
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
TEST_CFLAGS = $(CFLAGS) $(INCLUDES) -Itests
USER_HDRS := $(wildcard $(addsuffix /*.h,$(LAYERS)) tests/*.h) $(BPF_HDRS)
test_src = $(filter %/$(notdir $(1)).c,$(TEST_SRCS))

$(OUTPUT)/test_unit: $(LIB_SRCS) tests/cases.c
$(OUTPUT)/test_unit: TEST_CFLAGS += $(SANITIZE)
$(OUTPUT)/test_unit: TEST_LINK = $(LIB_SRCS) -lpcap -lm
$(filter-out $(OUTPUT)/test_unit,$(TEST_BINS)): $(LIBS_A) tests/cases.c
$(filter-out $(OUTPUT)/test_unit,$(TEST_BINS)): TEST_LINK = $(LIBS_A) $(LDLIBS) -lpthread

.SECONDEXPANSION:
$(TEST_BINS): $$(call test_src,$$@) $(USER_HDRS) | $(OUTPUT)/synfin.skel.h
	$(call msg,CC,$@)
	$(Q)$(CC) $(TEST_CFLAGS) $< tests/cases.c $(TEST_LINK) -o $@

# libFuzzer harnesses, tests/fuzz/fuzz_NAME.c -> $(OUTPUT)/fuzz_NAME, over
# the pure library and the renderers built with ASan/UBSan:
#   make fuzz-conn|fuzz-pcap [FUZZ_SECS=60]; make fuzz runs both.
# Crashers go to tests/fuzz/corpus-regress/ (the replay suite re-runs them).
FUZZ_SECS ?= 60
PCAPS ?= tests/corpus
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -std=gnu11 $(INCLUDES)

$(OUTPUT)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_SRCS) $(OUT_SRCS) $(USER_HDRS) | $(OUTPUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $< $(LIB_SRCS) $(OUT_SRCS) -lpcap -lmicrohttpd -lm -o $@

fuzz: fuzz-conn fuzz-pcap

fuzz-conn: $(OUTPUT)/fuzz_conn
	$(Q)mkdir -p fuzz-out/conn
	$(OUTPUT)/fuzz_conn -max_total_time=$(FUZZ_SECS) -print_final_stats=1 \
		-artifact_prefix=fuzz-out/ fuzz-out/conn

fuzz-pcap: $(OUTPUT)/fuzz_pcap
	$(Q)mkdir -p $(OUTPUT)/fuzz-pcap-corpus tests/fuzz/corpus-regress
	$(Q)cp -n $(PCAPS)/*.pcap tests/fuzz/corpus-regress/* $(OUTPUT)/fuzz-pcap-corpus/ 2>/dev/null || true
	$(Q)$(OUTPUT)/fuzz_pcap -max_total_time=$(FUZZ_SECS) -max_len=65536 -timeout=10 \
		-artifact_prefix=tests/fuzz/corpus-regress/ $(OUTPUT)/fuzz-pcap-corpus

test: synfin | deps-test
	$(Q)tests/run.sh

demo: synfin | deps-demo
	$(Q)tools/demo.sh

bench: synfin $(OUTPUT)/sfbench $(OUTPUT)/loadgen | deps-bench
	$(Q)tools/bench.sh

clean:
	rm -rf $(OUTPUT) synfin

# The fuzzers need libFuzzer and the sanitizers' runtime (tools/deps.sh fuzz).
fuzz-conn fuzz-pcap: | deps-fuzz

# --- version: `git describe` in a git checkout, else the VERSION file --------
SYNFIN_VERSION := $(shell tools/version.sh)
$(OUTPUT)/cmd/main.o: CFLAGS += -DSYNFIN_VERSION='"$(SYNFIN_VERSION)"'
$(OUTPUT)/cmd/main.o: $(OUTPUT)/version.stamp
# Rewritten only when the version changes, so main.o is rebuilt only then.
$(OUTPUT)/version.stamp: FORCE | $(OUTPUT)
	$(Q)[ "$$(cat $@ 2>/dev/null)" = "$(SYNFIN_VERSION)" ] || echo "$(SYNFIN_VERSION)" > $@
.PHONY: FORCE
FORCE:

# --- install / uninstall (GNU conventions: PREFIX, DESTDIR) ------------------
# make install DESTDIR="$PWD/stage" PREFIX=/usr
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
DOCDIR ?= $(PREFIX)/share/doc/synfin
INSTALL ?= install
INSTALL_FILES := $(SBINDIR)/synfin $(MANDIR)/man8/synfin.8 $(BASHCOMPDIR)/synfin \
	$(UNITDIR)/synfin@.service $(DOCDIR)/synfin.default $(DOCDIR)/synfin-alerts.yml \
	$(DOCDIR)/synfin-dashboard.json

.PHONY: install uninstall man
install: synfin
	$(Q)$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 0755 synfin $(DESTDIR)$(SBINDIR)/synfin
	$(Q)$(INSTALL) -m 0644 man/synfin.8 $(DESTDIR)$(MANDIR)/man8/synfin.8
	$(Q)$(INSTALL) -m 0644 contrib/bash-completion/synfin $(DESTDIR)$(BASHCOMPDIR)/synfin
	$(Q)sed 's|/usr/sbin/synfin|$(SBINDIR)/synfin|g' contrib/systemd/synfin@.service \
		> $(DESTDIR)$(UNITDIR)/synfin@.service
	$(Q)chmod 0644 $(DESTDIR)$(UNITDIR)/synfin@.service
	$(Q)$(INSTALL) -m 0644 contrib/systemd/synfin.default $(DESTDIR)$(DOCDIR)/synfin.default
	$(Q)$(INSTALL) -m 0644 contrib/prometheus/synfin-alerts.yml $(DESTDIR)$(DOCDIR)/synfin-alerts.yml
	$(Q)$(INSTALL) -m 0644 contrib/grafana/synfin-dashboard.json \
		$(DESTDIR)$(DOCDIR)/synfin-dashboard.json
	$(Q)$(foreach f,$(INSTALL_FILES),echo "  INSTALL  $(DESTDIR)$(f)";)

uninstall:
	$(Q)rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	$(Q)rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null || true

# The man page as the terminal shows it: make man
man:
	$(Q)man -l man/synfin.8

-include $(shell find $(OUTPUT) -name '*.d' 2>/dev/null)
