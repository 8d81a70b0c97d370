// SPDX-License-Identifier: GPL-2.0

//! Module parameters: `module_param()` and `MODULE_PARM_DESC()` for Rust modules.
//!
//! Linux 6.12's `module!` has no parameters. [`module_param_int!`](crate::module_param_int)
//! emits what C's `module_param(name, int, perm)` and `MODULE_PARM_DESC()` emit: a `struct
//! kernel_param` in the `__param` section (so `modprobe m name=value` and
//! `/sys/module/m/parameters/name` work, through the kernel's own `param_ops_int`), and the
//! `parmtype=` / `parm=` strings in `.modinfo` (so `modinfo` lists them).
//!
//! Loadable modules only: a built-in module's names would need the `KBUILD_MODNAME.` prefix.

use core::sync::atomic::{AtomicI32, Ordering};
use kernel::{bindings, ffi::c_void, str::CStr};

/// The storage of an `int` parameter; the kernel's `param_ops_int` writes it (at load time
/// and through sysfs) while the module reads it.
///
/// C: a `static int` passed to `module_param()`; C reads it with plain loads, racing sysfs
/// writes the same way.
#[repr(transparent)]
pub struct IntParam(AtomicI32);

impl IntParam {
    /// A parameter with its default value.
    pub const fn new(default: i32) -> Self {
        Self(AtomicI32::new(default))
    }

    /// The current value.
    pub fn get(&self) -> i32 {
        self.0.load(Ordering::Relaxed)
    }

    /// The address `param_ops_int` writes to.
    pub const fn as_arg(&'static self) -> *mut c_void {
        self.0.as_ptr().cast()
    }
}

/// One entry of the `__param` section.
///
/// C: `struct kernel_param`, as `__module_param_call()` builds it.
#[repr(transparent)]
pub struct KernelParam(bindings::kernel_param);

// SAFETY: the entry is immutable after build; the kernel reads it and writes only through
// `arg`, whose storage (`IntParam`) is atomic.
unsafe impl Sync for KernelParam {}

impl KernelParam {
    /// An `int` parameter named `name` with permissions `perm` (as in sysfs), stored at `arg`.
    ///
    /// # Safety
    ///
    /// `arg` must be the [`IntParam::as_arg`] of a static `IntParam`; `module` must be the
    /// module's `__this_module` (or null for built-in code).
    pub const unsafe fn int(
        name: &'static CStr,
        perm: u16,
        arg: *mut c_void,
        module: *mut bindings::module,
    ) -> Self {
        Self(bindings::kernel_param {
            name: name.as_char_ptr(),
            mod_: module,
            ops: core::ptr::addr_of!(bindings::param_ops_int),
            perm,
            // C: `__module_param_call(..., -1, 0)`.
            level: -1,
            flags: 0,
            __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 { arg },
        })
    }
}

/// Copies a `.modinfo` string (with its NUL) into an array of its exact length.
pub const fn modinfo<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N && i < bytes.len() {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// Declares an `int` module parameter, as C's `module_param(name, int, perm)` plus
/// `MODULE_PARM_DESC(name, desc)`:
///
/// ```ignore
/// snd::module_param_int!(OUTPUT_BUFFER_SIZE, output_buffer_size, 4096, 0o644,
///                        "Output buffer size in bytes.");
/// let size = OUTPUT_BUFFER_SIZE.get();
/// ```
#[macro_export]
macro_rules! module_param_int {
    ($storage:ident, $name:ident, $default:expr, $perm:expr, $desc:literal) => {
        static $storage: $crate::param::IntParam = $crate::param::IntParam::new($default);

        const _: () = {
            #[cfg(not(MODULE))]
            compile_error!("module_param_int! is for loadable modules");

            #[cfg(MODULE)]
            extern "C" {
                static __this_module: ::kernel::types::Opaque<::kernel::bindings::module>;
            }

            #[cfg(MODULE)]
            #[used]
            #[link_section = "__param"]
            // SAFETY: the storage is the static above; `__this_module` is this module's.
            static PARAM: $crate::param::KernelParam = unsafe {
                $crate::param::KernelParam::int(
                    ::kernel::c_str!(stringify!($name)),
                    $perm,
                    $storage.as_arg(),
                    ::kernel::types::Opaque::raw_get(core::ptr::addr_of!(__this_module)),
                )
            };

            const TYPE: &str = concat!("parmtype=", stringify!($name), ":int\0");
            #[used]
            #[link_section = ".modinfo"]
            static PARMTYPE: [u8; TYPE.len()] = $crate::param::modinfo(TYPE);

            const DESC: &str = concat!("parm=", stringify!($name), ":", $desc, "\0");
            #[used]
            #[link_section = ".modinfo"]
            static PARM: [u8; DESC.len()] = $crate::param::modinfo(DESC);
        };
    };
}
