# SPDX-License-Identifier: GPL-2.0
# snd-rs top-level driver.  Kbuild reads ./Kbuild (not this file) when the
# repository is placed in the kernel tree as sound/snd-rs/.
#
#   make run     set up, build, boot QEMU, load the sound modules, show them
#   make test    every test; ends with "N passed, N failed"
#   make help    the other targets

SHELL := /bin/bash
SCRIPTS := scripts
export SND_RS_T0 := $(shell date +%s)

.PHONY: all help bootstrap tree kernel samples initramfs guest prod sndm run test test-prod test-sndm \
	stress shell scenario fuzz bench kunit rustdoc review-map review series rust-analyzer clean distclean

all: guest

help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## bootstrap   install/check Debian packages, Rust 1.95.0 + rust-src, bindgen 0.73.2
bootstrap:
	@$(SCRIPTS)/bootstrap.sh

## tree        unpack linux-source-6.12 into the cache, apply patches/, place our files
tree: bootstrap
	@$(SCRIPTS)/tree.sh

## kernel      build the test kernel and modules (O= in ~/.cache/snd-rs)
kernel: tree
	@$(SCRIPTS)/kernel.sh

## samples     build the userspace clients in samples/ for the guest
samples: tree
	@$(SCRIPTS)/samples.sh

## initramfs   busybox + alsa-utils + modules + clients + scenarios
initramfs: kernel samples
	@$(SCRIPTS)/initramfs.sh

guest: initramfs

## run         the main job: boot, load the modules, show them working
run: guest
	@$(SCRIPTS)/run.sh

## prod        the production-like kernel (configs/prod.fragment: the Rust modules under
##             the C names, no debug options) and its initramfs
prod: samples
	@SND_RS_FLAVOUR=prod $(SCRIPTS)/kernel.sh
	@SND_RS_FLAVOUR=prod $(SCRIPTS)/initramfs.sh

## sndm        the modular-ALSA kernel (configs/sndm.fragment: CONFIG_SND=m, the layer as
##             snd-rs-core.ko) and its initramfs
sndm: samples
	@SND_RS_FLAVOUR=sndm $(SCRIPTS)/kernel.sh
	@SND_RS_FLAVOUR=sndm $(SCRIPTS)/initramfs.sh

## test        every test: static, host, KUnit, guest scenarios (test kernel)
test: guest
	@$(SCRIPTS)/test.sh

## test-prod   the prod kernel: its KUnit boot and the scenarios marked '# prod:'
##             (not in make test: its fresh build would take make test past 40 min)
test-prod: prod
	@SND_RS_FLAVOUR=prod SND_RS_STAGES="kunit guest" $(SCRIPTS)/test.sh

## test-sndm   the sndm kernel: the scenarios marked '# sndm:' (modprobe chain through
##             snd-rs-core, a scenario of each Rust module); not in make test
test-sndm: sndm
	@SND_RS_FLAVOUR=sndm SND_RS_STAGES=guest $(SCRIPTS)/test.sh

## bench       C against Rust on a non-debug kernel (configs/bench.fragment), one boot,
##             alternating rounds: table and plot in ~/.cache/snd-rs/bench/ (not in test)
##             [BENCH_ROUNDS=7 BENCH_SECONDS=3 BENCH_XRUN_SECONDS=10 BENCH_ONLY=aloop,seq,oss]
bench: samples
	@$(SCRIPTS)/bench.sh

## shell       interactive guest shell on this terminal (exit powers off)
shell: guest
	@$(SCRIPTS)/qemu-run.sh -i -- snd_rs.scenario=shell

## scenario    guest scenarios only: make scenario NAME=aloop_bitexact [MOD=snd-aloop]
scenario: guest
	@SND_RS_STAGES=guest SND_RS_ONLY='^$(NAME)/$(or $(MOD),.*)$$' $(SCRIPTS)/test.sh

## fuzz        the *_fuzz scenarios, longer: make fuzz [FUZZ_SECONDS=600] [SEED=N] [MOD=snd-aloop-rs]
FUZZ_SECONDS ?= 600
fuzz: guest
	@SND_RS_STAGES=guest SND_RS_ONLY='^[a-z_]+_fuzz/$(or $(MOD),.*)$$' \
	SND_RS_GUEST_TIMEOUT=$$(($(FUZZ_SECONDS) + 240)) \
	SND_RS_GUEST_ARGS='snd_rs.fuzz_seconds=$(FUZZ_SECONDS)$(if $(SEED), snd_rs.fuzz_seed=$(SEED))' \
	$(SCRIPTS)/test.sh

## stress      race scenarios in a loop, positive controls too (not in test):
##             make stress [STRESS_SECONDS=300] [SND_RS_FLAVOUR=kcsan] [STRESS_ARGS=...]
stress: guest
	@$(SCRIPTS)/stress.sh

## kunit       the KUnit suites with kunit.py run (its own build dir)
kunit: tree
	@$(SCRIPTS)/kunit.sh

## rustdoc     make rustdoc, including the snd-rs crates
rustdoc: kernel
	@$(SCRIPTS)/rustdoc.sh

## review-map  the C originals mapped to their Rust items (C: tags + tools/review/map.toml);
##             prints the table and updates docs/review-map.md (docs/review.md)
review-map: tree
	@$(SCRIPTS)/review.sh map

## review      a C patch against the Rust: make review PATCH=fix.patch [REPORT=out.md]
##             (a diff or a mail); two versions of a C original: make review C_OLD=a.c C_NEW=b.c
review: tree
	@PATCH='$(PATCH)' REPORT='$(REPORT)' C_OLD='$(C_OLD)' C_NEW='$(C_NEW)' $(SCRIPTS)/review.sh review

## series      snd-rs as a git-am-able, checkpatch-clean series for a 6.12.y tree:
##             our files + patches/, in ~/.cache/snd-rs/series (checked: git am on the
##             Debian source's files, checkpatch)
series: tree
	@$(SCRIPTS)/series.sh

## rust-analyzer  rust-project.json for this clone (the kernel's generate_rust_analyzer.py
##             plus our crates)
rust-analyzer: kernel
	@$(SCRIPTS)/rust-analyzer.sh

## clean       remove build output (keeps the unpacked tree and toolchain)
clean:
	rm -rf "$${SND_RS_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/snd-rs}"/{linux-build,modroot,initramfs,results,cargo-target,kunit-build}

## distclean   remove the whole cache (~/.cache/snd-rs)
distclean:
	rm -rf "$${SND_RS_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/snd-rs}"
