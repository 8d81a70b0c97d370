// SPDX-License-Identifier: GPL-2.0

//! Module parameters: `module_param()` and `MODULE_PARM_DESC()` for Rust modules.
//!
//! Linux 6.12's `module!` has no parameters. [`module_param_int!`](crate::module_param_int)
//! emits what C's `module_param(name, int, perm)` and `MODULE_PARM_DESC()` emit: a `struct
//! kernel_param` in the `__param` section (so `modprobe m name=value` and
//! `/sys/module/m/parameters/name` work, through the kernel's own `param_ops_int`), and the
//! `parmtype=` / `parm=` strings in `.modinfo` (so `modinfo` lists them).
//!
//! Built in (no `MODULE`), a parameter's name and its `.modinfo` strings start with the module's
//! name and a dot, as C's `MODULE_PARAM_PREFIX` and `__MODULE_INFO_PREFIX` (`KBUILD_MODNAME "."`)
//! make them: that is how `snd_aloop.index=` on the kernel command line and
//! `/sys/module/snd_aloop/parameters/index` reach a built-in module. The prefix is the crate's
//! `module!` name (its `__LOG_PREFIX`); [`module_name_matches`] checks at build time that this
//! name is the one Kbuild gives the module (`RUST_MODFILE`), so it is `KBUILD_MODNAME` exactly.

use core::sync::atomic::{AtomicBool, AtomicI32, AtomicPtr, Ordering};
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

/// The storage of an `int` array parameter (`module_param_array(name, int, NULL, perm)`).
///
/// The kernel's `param_array_ops` writes the elements as `int`s; `AtomicI32` has their layout.
#[repr(transparent)]
pub struct IntArrayParam<const N: usize>([AtomicI32; N]);

impl<const N: usize> IntArrayParam<N> {
    /// The number of elements.
    pub const fn len(&self) -> usize {
        N
    }

    /// True for an array of no elements.
    pub const fn is_empty(&self) -> bool {
        N == 0
    }

    /// An array holding `defaults`.
    #[allow(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        reason = "const fn for statics: `i < N` bounds every index; a panic here is a build error"
    )]
    pub const fn new(defaults: [i32; N]) -> Self {
        let mut values = [const { AtomicI32::new(0) }; N];
        let mut i = 0;
        while i < N {
            values[i] = AtomicI32::new(defaults[i]);
            i += 1;
        }
        Self(values)
    }

    /// Element `i`, or `None` past the end.
    pub fn get(&self, i: usize) -> Option<i32> {
        self.0.get(i).map(|v| v.load(Ordering::Relaxed))
    }

    /// Writes element `i` back, as C drivers do when they clamp a parameter (sysfs shows it).
    pub fn set(&self, i: usize, value: i32) {
        if let Some(v) = self.0.get(i) {
            v.store(value, Ordering::Relaxed);
        }
    }

    /// The address `param_array_ops` writes to.
    pub const fn as_arg(&'static self) -> *mut c_void {
        self.0.as_ptr().cast_mut().cast()
    }
}

/// The storage of a `bool` array parameter (`module_param_array(name, bool, NULL, perm)`).
///
/// `param_ops_bool` writes C `bool`s, one byte each; `AtomicBool` has their layout.
#[repr(transparent)]
pub struct BoolArrayParam<const N: usize>([AtomicBool; N]);

impl<const N: usize> BoolArrayParam<N> {
    /// The number of elements.
    pub const fn len(&self) -> usize {
        N
    }

    /// True for an array of no elements.
    pub const fn is_empty(&self) -> bool {
        N == 0
    }

    /// An array holding `defaults`.
    #[allow(
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        reason = "const fn for statics: `i < N` bounds every index; a panic here is a build error"
    )]
    pub const fn new(defaults: [bool; N]) -> Self {
        let mut values = [const { AtomicBool::new(false) }; N];
        let mut i = 0;
        while i < N {
            values[i] = AtomicBool::new(defaults[i]);
            i += 1;
        }
        Self(values)
    }

    /// Element `i`; `false` past the end.
    pub fn get(&self, i: usize) -> bool {
        self.0.get(i).is_some_and(|v| v.load(Ordering::Relaxed))
    }

    /// The address `param_array_ops` writes to.
    pub const fn as_arg(&'static self) -> *mut c_void {
        self.0.as_ptr().cast_mut().cast()
    }
}

/// The storage of a read-only `charp` array parameter
/// (`module_param_array(name, charp, NULL, 0444)`): NULL until the user sets one.
///
/// # Invariants
///
/// Each element is NULL or a NUL-terminated string `param_ops_charp` allocated at load time;
/// the parameter is not writable through sysfs (the macro checks `perm`), so a string stays
/// until the module is unloaded, after all of its code has run.
#[repr(transparent)]
pub struct CharpArrayParam<const N: usize>([AtomicPtr<u8>; N]);

impl<const N: usize> CharpArrayParam<N> {
    /// The number of elements.
    pub const fn len(&self) -> usize {
        N
    }

    /// True for an array of no elements.
    pub const fn is_empty(&self) -> bool {
        N == 0
    }

    /// An array of NULLs (C: `SNDRV_DEFAULT_STR`).
    pub const fn new() -> Self {
        Self([const { AtomicPtr::new(core::ptr::null_mut()) }; N])
    }

    /// Element `i`, `None` if unset or past the end.
    pub fn get(&'static self, i: usize) -> Option<&'static CStr> {
        let ptr = self.0.get(i)?.load(Ordering::Relaxed);
        if ptr.is_null() {
            return None;
        }
        // SAFETY: a non-NULL element is a NUL-terminated string that lives until the module
        // is unloaded (type invariant).
        Some(unsafe { CStr::from_char_ptr(ptr) })
    }

    /// The address `param_array_ops` writes to.
    pub const fn as_arg(&'static self) -> *mut c_void {
        self.0.as_ptr().cast_mut().cast()
    }
}

impl<const N: usize> Default for CharpArrayParam<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The element type of an array parameter.
pub enum ElementType {
    /// `int`.
    Int,
    /// `bool`.
    Bool,
    /// `charp`.
    Charp,
}

/// The array descriptor `param_array_ops` reads. C: `struct kparam_array`.
#[repr(transparent)]
pub struct KernelParamArray(bindings::kparam_array);

// SAFETY: immutable after build; the kernel writes only the elements, which are atomics.
unsafe impl Sync for KernelParamArray {}

impl KernelParamArray {
    /// `max` elements of `element` type stored at `elem`.
    ///
    /// # Safety
    ///
    /// `elem` must be the `as_arg()` of a static array parameter of `max` elements of that
    /// type.
    pub const unsafe fn new(element: ElementType, max: u32, elem: *mut c_void) -> Self {
        let (ops, elemsize) = match element {
            ElementType::Int => (
                core::ptr::addr_of!(bindings::param_ops_int),
                core::mem::size_of::<i32>(),
            ),
            ElementType::Bool => (
                core::ptr::addr_of!(bindings::param_ops_bool),
                core::mem::size_of::<bool>(),
            ),
            ElementType::Charp => (
                core::ptr::addr_of!(bindings::param_ops_charp),
                core::mem::size_of::<*mut u8>(),
            ),
        };
        Self(bindings::kparam_array {
            max,
            elemsize: elemsize as u32,
            num: core::ptr::null_mut(),
            ops,
            elem,
        })
    }
}

impl KernelParam {
    /// An array parameter named `name` described by `array`.
    ///
    /// # Safety
    ///
    /// `array` must be a static [`KernelParamArray`]; `module` as for [`KernelParam::int`].
    pub const unsafe fn array(
        name: &'static CStr,
        perm: u16,
        array: *const KernelParamArray,
        module: *mut bindings::module,
    ) -> Self {
        Self(bindings::kernel_param {
            name: name.as_char_ptr(),
            mod_: module,
            ops: core::ptr::addr_of!(bindings::param_array_ops),
            perm,
            level: -1,
            flags: 0,
            __bindgen_anon_1: bindings::kernel_param__bindgen_ty_1 {
                arr: array.cast::<bindings::kparam_array>(),
            },
        })
    }
}

/// The length of [`prefixed`]`(log_prefix, text, builtin)`, its NUL included.
///
/// `log_prefix` is a `module!`'s `__LOG_PREFIX`, the module name and a NUL: the NUL's place
/// takes the dot.
#[allow(
    clippy::arithmetic_side_effects,
    reason = "const fn for statics: an overflow here is a build error"
)]
pub const fn prefixed_len(log_prefix: &[u8], text: &str, builtin: bool) -> usize {
    if builtin {
        log_prefix.len() + text.len() + 1
    } else {
        text.len() + 1
    }
}

/// `text` with a NUL, preceded by the module name and a dot when `builtin`: a parameter name or
/// `.modinfo` string as C's `MODULE_PARAM_PREFIX` / `__MODULE_INFO_PREFIX` build it.
/// `N` must be [`prefixed_len`] of the same arguments.
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "const fn for statics: `N` bounds every index, and a panic here is a build error"
)]
pub const fn prefixed<const N: usize>(log_prefix: &[u8], text: &str, builtin: bool) -> [u8; N] {
    assert!(N == prefixed_len(log_prefix, text, builtin));
    let mut out = [0u8; N];
    let mut at = 0;
    if builtin {
        let name_len = log_prefix.len() - 1;
        while at < name_len {
            out[at] = log_prefix[at];
            at += 1;
        }
        out[at] = b'.';
        at += 1;
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        out[at + i] = bytes[i];
        i += 1;
    }
    out
}

/// A NUL-terminated name (one built by [`prefixed`], a `__LOG_PREFIX`) as a C string; a
/// malformed one is a build error when the function runs in constant evaluation.
#[allow(
    clippy::panic,
    reason = "called in constant evaluation only, where a panic is a build error"
)]
pub const fn name_cstr(bytes: &'static [u8]) -> &'static CStr {
    match CStr::from_bytes_with_nul(bytes) {
        Ok(name) => name,
        Err(_) => panic!("a parameter name with a NUL inside"),
    }
}

/// True when `log_prefix` (a `module!` name and a NUL) is the name Kbuild gives the module:
/// the file name of `modfile` (`RUST_MODFILE`, e.g. `sound/snd-rs/snd-aloop`) with dashes as
/// underscores, which is C's `KBUILD_MODNAME`. `None` (built outside Kbuild) passes.
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "const fn for a build-time check: indices are bounded by the loop conditions"
)]
pub const fn module_name_matches(log_prefix: &[u8], modfile: Option<&str>) -> bool {
    let Some(modfile) = modfile else {
        return true;
    };
    let path = modfile.as_bytes();
    let mut start = path.len();
    while start > 0 && path[start - 1] != b'/' {
        start -= 1;
    }
    if log_prefix.len() != path.len() - start + 1 {
        return false;
    }
    let mut i = 0;
    while start + i < path.len() {
        let c = if path[start + i] == b'-' {
            b'_'
        } else {
            path[start + i]
        };
        if c != log_prefix[i] {
            return false;
        }
        i += 1;
    }
    log_prefix[i] == 0
}

/// The calling module's name, C's `KBUILD_MODNAME` (its `module!` name, which the parameter
/// macros check against Kbuild's), as a `&'static CStr`. Use it at a crate root with a `module!`.
#[macro_export]
#[allow(
    clippy::crate_in_macro_def,
    reason = "`crate::__LOG_PREFIX` is the calling module's name, on purpose"
)]
macro_rules! this_module_name {
    () => {{
        const NAME: &::kernel::str::CStr = $crate::param::name_cstr(crate::__LOG_PREFIX);
        NAME
    }};
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
        $crate::__module_param_entry!(
            $name,
            "int",
            $desc,
            // SAFETY: the storage is the static above; `module` is this module's.
            |name, module| unsafe {
                $crate::param::KernelParam::int(name, $perm, $storage.as_arg(), module)
            }
        );
    };
}

/// The `__param` entry and `.modinfo` strings of one parameter: `$param` builds the
/// `KernelParam` from its full name (`$pname`, prefixed when built in) and this module's `struct
/// module` pointer (`$module`, null when built in); `$items` are statics it refers to.
///
/// Call it at the root of a crate with a `module!` (its `__LOG_PREFIX` is the module name).
#[doc(hidden)]
#[macro_export]
#[allow(
    clippy::crate_in_macro_def,
    reason = "`crate::__LOG_PREFIX` is the calling module's name, on purpose"
)]
macro_rules! __module_param_entry {
    ($name:ident, $type:literal, $desc:literal, |$pname:ident, $module:ident| $param:expr
     $(; $($items:item)*)?) => {
        const _: () = {
            const BUILTIN: bool = cfg!(not(MODULE));
            const PREFIX: &[u8] = crate::__LOG_PREFIX;
            const _: () = assert!(
                $crate::param::module_name_matches(PREFIX, option_env!("RUST_MODFILE")),
                "the module! name must be the module's file name (KBUILD_MODNAME)"
            );

            #[cfg(MODULE)]
            extern "C" {
                static __this_module: ::kernel::types::Opaque<::kernel::bindings::module>;
            }

            $($($items)*)?

            const NAME: &str = stringify!($name);
            const NAME_C: [u8; $crate::param::prefixed_len(PREFIX, NAME, BUILTIN)] =
                $crate::param::prefixed(PREFIX, NAME, BUILTIN);

            const NAME_CSTR: &::kernel::str::CStr = $crate::param::name_cstr(&NAME_C);

            #[used]
            #[link_section = "__param"]
            static PARAM: $crate::param::KernelParam = {
                let $pname = NAME_CSTR;
                // C: `THIS_MODULE`, NULL in built-in code.
                #[cfg(MODULE)]
                let $module =
                    ::kernel::types::Opaque::raw_get(core::ptr::addr_of!(__this_module));
                #[cfg(not(MODULE))]
                let $module = core::ptr::null_mut();
                $param
            };

            const TYPE: &str = concat!("parmtype=", stringify!($name), ":", $type);
            #[used]
            #[link_section = ".modinfo"]
            static PARMTYPE: [u8; $crate::param::prefixed_len(PREFIX, TYPE, BUILTIN)] =
                $crate::param::prefixed(PREFIX, TYPE, BUILTIN);

            const DESC: &str = concat!("parm=", stringify!($name), ":", $desc);
            #[used]
            #[link_section = ".modinfo"]
            static PARM: [u8; $crate::param::prefixed_len(PREFIX, DESC, BUILTIN)] =
                $crate::param::prefixed(PREFIX, DESC, BUILTIN);
        };
    };
}

/// Declares an array module parameter of `SNDRV_CARDS`-style length, as C's
/// `module_param_array(name, type, NULL, perm)` plus `MODULE_PARM_DESC(name, desc)`; `type` is
/// `int`, `bool` or `charp` (read-only only):
///
/// ```ignore
/// snd::module_param_array!(INDEX, index, int, [-1; 8], 0o444, "Index value for loopback card.");
/// snd::module_param_array!(ID, id, charp, 8, 0o444, "ID string for loopback soundcard.");
/// ```
#[macro_export]
macro_rules! module_param_array {
    ($storage:ident, $name:ident, int, $defaults:expr, $perm:expr, $desc:literal) => {
        static $storage: $crate::param::IntArrayParam<{ $defaults.len() }> =
            $crate::param::IntArrayParam::new($defaults);
        $crate::__module_param_array_entry!($storage, $name, Int, "array of int", $perm, $desc);
    };
    ($storage:ident, $name:ident, bool, $defaults:expr, $perm:expr, $desc:literal) => {
        static $storage: $crate::param::BoolArrayParam<{ $defaults.len() }> =
            $crate::param::BoolArrayParam::new($defaults);
        $crate::__module_param_array_entry!($storage, $name, Bool, "array of bool", $perm, $desc);
    };
    ($storage:ident, $name:ident, charp, $len:expr, $perm:expr, $desc:literal) => {
        static $storage: $crate::param::CharpArrayParam<{ $len }> =
            $crate::param::CharpArrayParam::new();
        const _: () = assert!($perm & 0o222 == 0, "charp array parameters are read-only");
        $crate::__module_param_array_entry!($storage, $name, Charp, "array of charp", $perm, $desc);
    };
}

/// The `__param` entry of an array parameter: its `kparam_array`, then the common entry.
#[doc(hidden)]
#[macro_export]
macro_rules! __module_param_array_entry {
    ($storage:ident, $name:ident, $elem:ident, $type:literal, $perm:expr, $desc:literal) => {
        $crate::__module_param_entry!(
            $name,
            $type,
            $desc,
            // SAFETY: `ARRAY` is static; `module` is this module's.
            |name, module| unsafe {
                $crate::param::KernelParam::array(
                    name,
                    $perm,
                    core::ptr::addr_of!(ARRAY),
                    module,
                )
            };
            // SAFETY: the storage is the static array, of its own length.
            static ARRAY: $crate::param::KernelParamArray = unsafe {
                $crate::param::KernelParamArray::new(
                    $crate::param::ElementType::$elem,
                    $storage.len() as u32,
                    $storage.as_arg(),
                )
            };
        );
    };
}
