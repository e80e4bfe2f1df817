# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# synfin: `make` builds ./synfin; `make test`, `make demo`, `make bench`.
OUTPUT := .output
CLANG ?= clang
BPFTOOL ?= bpftool
CC ?= gcc
ARCH := $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS ?= -O2 -g
CFLAGS += -Wall -Wextra -std=gnu11
INCLUDES := -I$(OUTPUT) -Ibpf -Iuser
LDLIBS := -lbpf -lelf -lz -lpcap -lm

BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) \
	-Ivmlinux -Ibpf -Wall -Wno-unused-function

USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUTPUT)/%.o,$(USER_SRCS))
BPF_HDRS := bpf/synfin.h bpf/parse.h bpf/conn.h

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

.PHONY: all deps clean test test-unit demo bench vmlinux fuzz check fuzz-pcap fuzz-conn
.SECONDARY: $(OUTPUT)/bench_empty.bpf.o $(OUTPUT)/bench_lookup.bpf.o \
	$(OUTPUT)/bench_lookup_clock.bpf.o

all: deps-build synfin

deps:
	$(Q)tools/deps.sh all

synfin: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUTPUT):
	$(Q)mkdir -p $@

$(OUTPUT)/synfin.bpf.o: bpf/synfin.bpf.c $(BPF_HDRS) vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/synfin.skel.h: $(OUTPUT)/synfin.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name synfin_bpf > $@

$(OUTPUT)/%.o: user/%.c $(wildcard user/*.h) $(BPF_HDRS) $(OUTPUT)/synfin.skel.h | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

# Regenerate vmlinux.h from the running kernel's BTF.
vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

# Benchmarks (tools/bench.sh): baseline BPF programs with their own
# skeletons, the measuring tool, and the connection-churn load generator.
$(OUTPUT)/bench_%.bpf.o: bench/%.bpf.c vmlinux/vmlinux.h | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/bench_%.skel.h: $(OUTPUT)/bench_%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name bench_$* > $@

$(OUTPUT)/sfbench: bench/sfbench.c $(filter-out $(OUTPUT)/main.o,$(USER_OBJS)) \
		$(OUTPUT)/bench_empty.skel.h $(OUTPUT)/bench_lookup.skel.h \
		$(OUTPUT)/bench_lookup_clock.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(INCLUDES) $(filter %.c %.o,$^) $(LDLIBS) -o $@

$(OUTPUT)/loadgen: tools/loadgen.c | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $< -o $@

# Test binaries (tests/unit/run.sh and tests/prog/run.sh build them).
TEST_SRCS := tests/cases.c user/track.c user/htab.c user/util.c
TEST_DEPS := $(TEST_SRCS) tests/cases.h tests/testlib.h user/synfin_user.h user/htab.h $(BPF_HDRS)
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

$(OUTPUT)/test_unit: tests/unit/test_unit.c $(TEST_DEPS) | $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(SANITIZE) -Ibpf -Iuser -Itests tests/unit/test_unit.c $(TEST_SRCS) -o $@

$(OUTPUT)/test_prog: tests/prog/test_prog.c $(TEST_DEPS) user/metrics.c $(OUTPUT)/synfin.skel.h \
		| $(OUTPUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) $(INCLUDES) -Itests tests/prog/test_prog.c $(TEST_SRCS) user/metrics.c \
		-lbpf -lelf -lz -lpthread -o $@

# libFuzzer on the state machine core: make fuzz-conn [FUZZ_SECS=60]
FUZZ_SECS ?= 60
$(OUTPUT)/fuzz_conn: tests/fuzz/fuzz_conn.c $(BPF_HDRS) | $(OUTPUT)
	$(call msg,CLANG,$@)
	$(Q)$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-Ibpf tests/fuzz/fuzz_conn.c -o $@

fuzz-conn: $(OUTPUT)/fuzz_conn
	$(Q)mkdir -p fuzz-out/conn
	$(OUTPUT)/fuzz_conn -max_total_time=$(FUZZ_SECS) -print_final_stats=1 \
		-artifact_prefix=fuzz-out/ fuzz-out/conn

# Both fuzzers, FUZZ_SECS each: make fuzz [FUZZ_SECS=300]
fuzz: fuzz-conn fuzz-pcap

test: deps-test synfin
	$(Q)tests/run.sh

demo: deps-demo synfin
	$(Q)tools/demo.sh

bench: deps-bench synfin $(OUTPUT)/sfbench $(OUTPUT)/loadgen
	$(Q)tools/bench.sh

# libFuzzer + ASan/UBSan harness for the capture reader and packet parser.
# Run it: make fuzz-pcap FUZZ_SECS=600 (crashers go to tests/fuzz/corpus-regress/).
FUZZ_SECS ?= 60
PCAPS ?= tests/corpus
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-Wall -Wextra -std=gnu11 -Ibpf -Iuser
FUZZ_PCAP_SRCS := tests/fuzz/fuzz_pcap.c user/capture.c user/track.c user/report.c user/htab.c \
	user/util.c

$(OUTPUT)/fuzz_pcap: $(FUZZ_PCAP_SRCS) $(wildcard user/*.h) $(BPF_HDRS) | $(OUTPUT)
	$(call msg,FUZZ-CC,$@)
	$(Q)$(CLANG) $(FUZZ_CFLAGS) $(FUZZ_PCAP_SRCS) -lpcap -o $@

fuzz-pcap: $(OUTPUT)/fuzz_pcap
	$(Q)mkdir -p $(OUTPUT)/fuzz-pcap-corpus tests/fuzz/corpus-regress
	$(Q)cp -n $(PCAPS)/*.pcap tests/fuzz/corpus-regress/* $(OUTPUT)/fuzz-pcap-corpus/ 2>/dev/null || true
	$(Q)$(OUTPUT)/fuzz_pcap -max_total_time=$(FUZZ_SECS) -max_len=65536 -timeout=10 \
		-artifact_prefix=tests/fuzz/corpus-regress/ $(OUTPUT)/fuzz-pcap-corpus

clean:
	rm -rf $(OUTPUT) synfin

# --- per-purpose dependencies: each target asks only for what it needs ------
.PHONY: deps-build deps-test deps-demo deps-bench deps-fuzz
deps-build deps-test deps-demo deps-bench deps-fuzz:
	$(Q)tools/deps.sh $(patsubst deps-%,%,$@)
fuzz-conn fuzz-pcap: deps-fuzz

# --- version: `git describe` in a git checkout, else the VERSION file --------
SYNFIN_VERSION := $(shell tools/version.sh)
$(OUTPUT)/main.o: CFLAGS += -DSYNFIN_VERSION='"$(SYNFIN_VERSION)"'
$(OUTPUT)/main.o: $(OUTPUT)/version.stamp
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
