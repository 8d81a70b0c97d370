// SPDX-License-Identifier: GPL-2.0

//! Mixer controls: a driver-defined element with info/get/put callbacks.
//!
//! C: `struct snd_kcontrol_new`, `snd_ctl_new1()`, `snd_ctl_add()`, `snd_ctl_notify()`.

use crate::card::OwnedCard;
use core::marker::PhantomData;
use kernel::{bindings, error::from_result, ffi::c_int, prelude::*, str::CStr, types::Opaque};

/// The interface a control belongs to. C: `SNDRV_CTL_ELEM_IFACE_*`.
#[repr(i32)]
#[derive(Clone, Copy)]
pub enum Iface {
    /// Global card controls.
    Card = 0,
    /// Mixer controls.
    Mixer = 2,
    /// Controls of a PCM device.
    Pcm = 3,
}

/// Access bits. C: `SNDRV_CTL_ELEM_ACCESS_*`.
pub mod access {
    /// Readable.
    pub const READ: u32 = kernel::bindings::SNDRV_CTL_ELEM_ACCESS_READ;
    /// Readable and writable (the default of `snd_ctl_new1()`).
    pub const READWRITE: u32 = kernel::bindings::SNDRV_CTL_ELEM_ACCESS_READWRITE;
}

/// A control element's identity, as `snd_ctl_add()` completed it (with its `numid`).
///
/// C: `struct snd_ctl_elem_id`.
#[derive(Clone, Copy)]
pub struct ElemId(bindings::snd_ctl_elem_id);

// SAFETY: a plain value (numbers and a name array).
unsafe impl Send for ElemId {}
// SAFETY: as above.
unsafe impl Sync for ElemId {}

impl ElemId {
    /// The device number the control belongs to. C: `id.device`.
    pub fn device(&self) -> u32 {
        self.0.device
    }

    /// The subdevice number. C: `id.subdevice`.
    pub fn subdevice(&self) -> u32 {
        self.0.subdevice
    }

    pub(crate) fn as_ptr(&self) -> *mut bindings::snd_ctl_elem_id {
        core::ptr::from_ref(&self.0).cast_mut()
    }
}

impl ElemId {
    /// No control (all zero), until `add` returns the real id.
    pub const fn zero() -> Self {
        // SAFETY: an all-zero id is a valid value.
        Self(unsafe { core::mem::zeroed() })
    }
}

/// What a control's info callback fills in. C: `struct snd_ctl_elem_info`.
#[repr(transparent)]
pub struct ElemInfo(Opaque<bindings::snd_ctl_elem_info>);

impl ElemInfo {
    /// An integer control of `count` values in `min..=max` by `step`.
    pub fn set_integer(&mut self, count: u32, min: i64, max: i64, step: i64) {
        let info = self.0.get();
        // SAFETY: ALSA passes a valid info struct for the callback's duration.
        unsafe {
            // C: `SNDRV_CTL_ELEM_TYPE_INTEGER` (a cast macro bindgen skips).
            (*info).type_ = 2;
            (*info).count = count;
            (*info).value.integer.min = min as _;
            (*info).value.integer.max = max as _;
            (*info).value.integer.step = step as _;
        }
    }

    /// A mono on/off switch. C: `snd_ctl_boolean_mono_info()`.
    pub fn set_boolean_mono(&mut self) {
        // SAFETY: as above; the helper only writes the struct.
        unsafe { bindings::snd_ctl_boolean_mono_info(core::ptr::null_mut(), self.0.get()) };
    }

    /// An enumerated control of `count` values choosing among `texts`.
    /// C: `snd_ctl_enum_info()`.
    pub fn set_enumerated<const N: usize>(&mut self, count: u32, texts: &[&CStr; N]) -> Result {
        let ptrs = texts.map(|t| t.as_char_ptr());
        // SAFETY: `ptrs` holds `N` NUL-terminated strings; the info struct is valid.
        kernel::error::to_result(unsafe {
            bindings::snd_ctl_enum_info(self.0.get(), count, N as u32, ptrs.as_ptr())
        })
    }
}

/// A control's value, read by get and written by put. C: `struct snd_ctl_elem_value`.
#[repr(transparent)]
pub struct ElemValue(Opaque<bindings::snd_ctl_elem_value>);

impl ElemValue {
    /// Integer value `i` (0 past the 128 slots). C: `value.integer.value[i]`.
    pub fn integer(&self, i: usize) -> i64 {
        // SAFETY: ALSA passes a valid value struct; the union is plain integers.
        let values = unsafe { &(*self.0.get()).value.integer.value };
        values.get(i).map_or(0, |&v| v as i64)
    }

    /// Sets integer value `i`.
    pub fn set_integer(&mut self, i: usize, v: i64) {
        // SAFETY: as above, exclusively ours during get.
        let values = unsafe { &mut (*self.0.get()).value.integer.value };
        if let Some(slot) = values.get_mut(i) {
            *slot = v as _;
        }
    }

    /// Sets enumerated item `i`. C: `value.enumerated.item[i]`.
    pub fn set_enumerated(&mut self, i: usize, item: u32) {
        // SAFETY: as above.
        let items = unsafe { &mut (*self.0.get()).value.enumerated.item };
        if let Some(slot) = items.get_mut(i) {
            *slot = item;
        }
    }
}

/// A kind of control and its callbacks; the card's driver data `Chip` is the private data.
#[vtable]
pub trait Control {
    /// The card's driver data.
    type Chip: Send + Sync;
    /// The control's name, e.g. "PCM Notify".
    const NAME: &'static CStr;
    /// Its interface.
    const IFACE: Iface;
    /// Its access bits ([`access`]).
    const ACCESS: u32 = access::READWRITE;

    /// Describes the control. C: `.info`.
    fn info(info: &mut ElemInfo) -> Result;

    /// Reads the current value of control `id`. C: `.get`.
    fn get(chip: &Self::Chip, id: &ElemId, value: &mut ElemValue) -> Result;

    /// Writes a value; true if it changed (ALSA then notifies). C: `.put`.
    fn put(_chip: &Self::Chip, _id: &ElemId, _value: &ElemValue) -> Result<bool> {
        kernel::build_error(kernel::error::VTABLE_DEFAULT_ERROR)
    }
}

/// Creates control `C` for `device`/`subdevice` of `card` and adds it; returns its id (for
/// [`crate::card::Card::notify_value`]).
///
/// C: `snd_ctl_new1(&template, chip)`, set `id.device`/`id.subdevice`, `snd_ctl_add()`.
pub fn add<C: Control>(card: &OwnedCard<C::Chip>, device: u32, subdevice: u32) -> Result<ElemId> {
    let template = bindings::snd_kcontrol_new {
        iface: C::IFACE as i32,
        name: C::NAME.as_char_ptr(),
        access: C::ACCESS,
        count: 1,
        info: Some(info::<C>),
        get: Some(get::<C>),
        put: if C::HAS_PUT { Some(put::<C>) } else { None },
        // SAFETY: the remaining fields (device 0, no TLV, private_value 0) are valid zero.
        ..unsafe { core::mem::zeroed() }
    };
    let chip = core::ptr::from_ref(card.data().get_ref()).cast_mut();
    // SAFETY: the template is valid for the call (copied); `chip` outlives the control: the
    // card frees its controls before its driver data.
    let kctl = unsafe { bindings::snd_ctl_new1(&template, chip.cast()) };
    if kctl.is_null() {
        return Err(ENOMEM);
    }
    // SAFETY: `kctl` is ours until added.
    unsafe {
        (*kctl).id.device = device;
        (*kctl).id.subdevice = subdevice;
    }
    // SAFETY: the card is live; `snd_ctl_add()` takes `kctl` (and frees it on error).
    kernel::error::to_result(unsafe { bindings::snd_ctl_add(card.card().as_ptr(), kctl) })?;
    // SAFETY: the added control lives until the card is freed; its id is only written by
    // `snd_ctl_add()`, which has returned. C copies it the same way.
    Ok(ElemId(unsafe { (*kctl).id }))
}

struct Parts<C>(PhantomData<C>);

impl<C: Control> Parts<C> {
    /// # Safety
    ///
    /// `kctl` must be a control made by [`add::<C>`], during one of its callbacks.
    unsafe fn split<'a>(kctl: *mut bindings::snd_kcontrol) -> (&'a C::Chip, ElemId) {
        // SAFETY: `private_data` is the card's `C::Chip`, alive while the control is.
        unsafe { (&*(*kctl).private_data.cast::<C::Chip>(), ElemId((*kctl).id)) }
    }
}

/// # Safety
///
/// Called by ALSA for a control made by [`add::<C>`], with its valid argument structs.
unsafe extern "C" fn info<C: Control>(
    _kctl: *mut bindings::snd_kcontrol,
    uinfo: *mut bindings::snd_ctl_elem_info,
) -> c_int {
    // SAFETY: ALSA passes a valid info struct, ours during the call.
    from_result(|| C::info(unsafe { &mut *uinfo.cast::<ElemInfo>() }).map(|()| 0))
}

/// # Safety
///
/// Called by ALSA for a control made by [`add::<C>`], with its valid argument structs.
unsafe extern "C" fn get<C: Control>(
    kctl: *mut bindings::snd_kcontrol,
    value: *mut bindings::snd_ctl_elem_value,
) -> c_int {
    // SAFETY: a callback of a control made by `add::<C>`.
    let (chip, id) = unsafe { Parts::<C>::split(kctl) };
    // SAFETY: ALSA passes a valid value struct, ours during the call.
    from_result(|| C::get(chip, &id, unsafe { &mut *value.cast::<ElemValue>() }).map(|()| 0))
}

/// # Safety
///
/// Called by ALSA for a control made by [`add::<C>`], with its valid argument structs.
unsafe extern "C" fn put<C: Control>(
    kctl: *mut bindings::snd_kcontrol,
    value: *mut bindings::snd_ctl_elem_value,
) -> c_int {
    // SAFETY: a callback of a control made by `add::<C>`.
    let (chip, id) = unsafe { Parts::<C>::split(kctl) };
    // SAFETY: ALSA passes a valid value struct for the call.
    from_result(|| C::put(chip, &id, unsafe { &*value.cast::<ElemValue>() }).map(c_int::from))
}
