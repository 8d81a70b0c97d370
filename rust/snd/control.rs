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

impl ElemId {
    /// The device number the control belongs to. C: `id.device`.
    pub fn device(&self) -> u32 {
        self.0.device
    }

    /// The control's number on its card, 0 before it is added. C: `id.numid`.
    pub fn numid(&self) -> u32 {
        self.0.numid
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

/// A control of a card, looked up by identity, read and written as the control ioctls do
/// (for in-kernel users and tests).
///
/// # Invariants
///
/// `kctl` is a control added to the card `'a` borrows; ALSA keeps it until the card is freed.
pub struct Element<'a> {
    kctl: core::ptr::NonNull<bindings::snd_kcontrol>,
    _card: PhantomData<&'a crate::card::Card>,
}

/// What a control's info callback reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Info {
    /// C: `SNDRV_CTL_ELEM_TYPE_*` (1 boolean, 2 integer, 3 enumerated).
    pub elem_type: i32,
    /// Values per element.
    pub count: u32,
    /// Integer minimum (items for enumerated).
    pub min: i64,
    /// Integer maximum.
    pub max: i64,
}

impl<'a> Element<'a> {
    /// The control `name` of `iface`, `device`, `subdevice` (index 0). C: `snd_ctl_find_id()`.
    pub fn find(
        card: &'a crate::card::Card,
        iface: Iface,
        name: &CStr,
        device: u32,
        subdevice: u32,
    ) -> Option<Self> {
        let mut id = ElemId::zero().0;
        id.iface = iface as i32;
        id.device = device;
        id.subdevice = subdevice;
        let mut w = crate::card::NameWriter::new(&mut id.name);
        let _ = core::fmt::Write::write_str(&mut w, name.to_str().ok()?);
        // SAFETY: the card is live; `id` is valid for the call.
        let kctl = unsafe { bindings::snd_ctl_find_id(card.as_ptr(), &id) };
        // INVARIANT: found on this card.
        core::ptr::NonNull::new(kctl).map(|kctl| Self {
            kctl,
            _card: PhantomData,
        })
    }

    /// Its id (with the numid `snd_ctl_add()` gave it).
    pub fn id(&self) -> ElemId {
        // SAFETY: live control (invariant).
        ElemId(unsafe { (*self.kctl.as_ptr()).id })
    }

    /// Calls its info callback. C: `snd_ctl_elem_info()`.
    pub fn info(&self) -> Result<Info> {
        let kctl = self.kctl.as_ptr();
        let mut info = KBox::<bindings::snd_ctl_elem_info>::new_uninit(GFP_KERNEL)?;
        // SAFETY: zero is a valid info struct.
        let info = unsafe {
            info.as_mut_ptr().write_bytes(0, 1);
            info.assume_init()
        };
        let raw = KBox::into_raw(info);
        // SAFETY: live control; `raw` is a valid, exclusively ours info struct.
        let ret = unsafe {
            (*raw).id = (*kctl).id;
            (*kctl).info.map_or(EINVAL.to_errno(), |f| f(kctl, raw))
        };
        // SAFETY: back into the box for reading and freeing.
        let info = unsafe { KBox::from_raw(raw) };
        kernel::error::to_result(ret)?;
        // SAFETY: the callback filled the integer or enumerated member per `type_`.
        let (min, max) = unsafe {
            if info.type_ == 3 {
                (0, i64::from(info.value.enumerated.items))
            } else {
                (info.value.integer.min as i64, info.value.integer.max as i64)
            }
        };
        Ok(Info {
            elem_type: info.type_,
            count: info.count,
            min,
            max,
        })
    }

    fn value(&self) -> Result<KBox<bindings::snd_ctl_elem_value>> {
        let mut value = KBox::<bindings::snd_ctl_elem_value>::new_uninit(GFP_KERNEL)?;
        // SAFETY: zero is a valid value struct; its id is the control's.
        unsafe {
            value.as_mut_ptr().write_bytes(0, 1);
            let mut value = value.assume_init();
            value.id = (*self.kctl.as_ptr()).id;
            Ok(value)
        }
    }

    /// Reads value 0 (integer, boolean or enumerated item). C: `snd_ctl_elem_read()`.
    pub fn read(&self) -> Result<i64> {
        let kctl = self.kctl.as_ptr();
        let mut value = self.value()?;
        // SAFETY: live control; `value` is valid and ours for the call.
        let ret = unsafe {
            (*kctl)
                .get
                .map_or(EPERM.to_errno(), |f| f(kctl, &mut *value))
        };
        kernel::error::to_result(ret)?;
        // SAFETY: get wrote the member matching its type; both are 8-byte slot 0 here.
        Ok(unsafe {
            if self.info()?.elem_type == 3 {
                i64::from(value.value.enumerated.item[0])
            } else {
                value.value.integer.value[0] as i64
            }
        })
    }

    /// Writes integer value 0; true if the control changed. A control without `put` is
    /// read-only (`EPERM`). C: `snd_ctl_elem_write()`.
    pub fn write(&self, v: i64) -> Result<bool> {
        let kctl = self.kctl.as_ptr();
        let mut value = self.value()?;
        // SAFETY: a zeroed plain-integer union; the integer member is what put reads.
        unsafe { value.value.integer.value[0] = v as _ };
        // SAFETY: live control; `value` is valid for the call.
        let ret = unsafe {
            (*kctl)
                .put
                .map_or(EPERM.to_errno(), |f| f(kctl, &mut *value))
        };
        kernel::error::to_result(ret).map(|()| ret > 0)
    }
}
