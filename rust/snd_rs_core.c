// SPDX-License-Identifier: GPL-2.0
/*
 * snd-rs-core: the snd crate (the ALSA abstractions of snd-rs) and the
 * helpers that call ALSA, as a module, for kernels whose ALSA core is a
 * module (CONFIG_SND=m; rust/Makefile).  Like rust/exports.c for vmlinux,
 * it exports every symbol of the crate and of the helpers (a list made with
 * nm): Rust generics and inline functions are instantiated in the modules
 * that use them and may call any of them.  modpost then records the Rust
 * sound modules' dependency on this one, and this one's on the ALSA core.
 */

#include <linux/export.h>
#include <linux/module.h>

/*
 * One "extern int sym; EXPORT_SYMBOL_GPL(sym);" per symbol, as
 * EXPORT_SYMBOL_RUST_GPL() in rust/exports.c: the types do not matter.
 */
#include "exports_snd_rs_core_generated.h"

MODULE_DESCRIPTION("snd-rs: ALSA abstractions for Rust sound modules");
MODULE_LICENSE("GPL");
