// SPDX-License-Identifier: GPL-2.0

//! Drivers of sequencer devices: the `snd_seq` bus on which, e.g., every rawmidi device
//! announces a "seq-midi" device for the sequencer bridge.

use crate::{card::Card, rawmidi::RawMidi};
use core::{marker::PhantomPinned, ptr::NonNull};
use kernel::{
    bindings,
    error::{code::ENOMEM, to_result},
    ffi::c_int,
    prelude::*,
    str::CStr,
    types::{ForeignOwnable, Opaque},
    ThisModule,
};

/// A sequencer device, during its driver's `probe` or `remove`.
///
/// C: `struct snd_seq_device`.
#[repr(transparent)]
pub struct SeqDevice(Opaque<bindings::snd_seq_device>);

impl SeqDevice {
    /// # Safety
    ///
    /// `ptr` must be a registered sequencer device, valid for `'a`.
    unsafe fn from_raw<'a>(ptr: *mut bindings::snd_seq_device) -> &'a Self {
        // SAFETY: `repr(transparent)`; valid for `'a` (caller).
        unsafe { &*ptr.cast() }
    }

    fn raw(&self) -> &bindings::snd_seq_device {
        // SAFETY: the device is registered; the fields read here are set before registration.
        unsafe { &*self.0.get() }
    }

    /// The card the device belongs to.
    pub fn card(&self) -> &Card {
        // SAFETY: a sequencer device is freed before its card.
        unsafe { Card::from_raw(self.raw().card) }
    }

    /// The device number on its card (the rawmidi device number for "seq-midi").
    pub fn device(&self) -> i32 {
        self.raw().device
    }

    /// The rawmidi device behind a "seq-midi" device: `snd_rawmidi_dev_register()` creates
    /// one per rawmidi device, with the rawmidi as its private data. `None` for other ids.
    /// The handle holds a reference of the card, so it stays valid past `remove`.
    pub fn rawmidi(&self) -> Option<RawMidi> {
        let raw = self.raw();
        if raw.id.is_null() {
            return None;
        }
        // SAFETY: `id` is the NUL-terminated id string the device was created with.
        let id = unsafe { CStr::from_char_ptr(raw.id) };
        if id.as_bytes_with_nul() != bindings::SNDRV_SEQ_DEV_ID_MIDISYNTH {
            return None;
        }
        let rmidi = NonNull::new(raw.private_data.cast::<bindings::snd_rawmidi>())?;
        // SAFETY: for "seq-midi" devices the private data is the rawmidi device, which is
        // freed only after this sequencer device is removed; it is live while `self` is.
        unsafe { RawMidi::from_raw(rmidi) }
    }
}

/// A driver for one kind of sequencer device.
pub trait Driver: Send + Sync + 'static {
    /// What the driver keeps per bound device, from `probe` to `remove`.
    type Data: Send + Sync + 'static;

    /// The device id it binds, e.g. `SNDRV_SEQ_DEV_ID_MIDISYNTH` ("seq-midi").
    const ID: &'static CStr;

    /// A device appeared (or the driver was loaded while it existed). C: `driver.probe`.
    fn probe(&self, dev: &SeqDevice) -> Result<Self::Data>;

    /// The device goes away (or the driver is unloaded); `data` is what `probe` returned,
    /// dropped when this returns. C: `driver.remove`.
    fn remove(&self, dev: &SeqDevice, data: Self::Data);
}

/// A registered sequencer device driver; unregistered (removing every bound device) when
/// dropped.
///
/// C: `struct snd_seq_driver` with `snd_seq_driver_register()` /
/// `snd_seq_driver_unregister()`.
///
/// # Invariants
///
/// `raw` is registered with the bus from the end of initialisation until drop; `driver` is
/// initialised before `raw` (probe may run during registration).
#[pin_data(PinnedDrop)]
pub struct Registration<T: Driver> {
    #[pin]
    driver: T,
    #[pin]
    raw: Opaque<bindings::snd_seq_driver>,
    #[pin]
    _pin: PhantomPinned,
}

// SAFETY: the bus serialises probe and remove per device; `T` is `Send + Sync`.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: as above.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers `driver` as `name` (the C driver's `KBUILD_MODNAME`) for devices with id
    /// `T::ID`; existing devices are probed before this returns.
    pub fn new(
        name: &'static CStr,
        driver: impl PinInit<T, Error>,
        module: &'static ThisModule,
    ) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            driver <- driver,
            raw <- register::<T>(name, module),
            _pin: PhantomPinned,
        }? Error)
    }
}

/// Fills in and registers the C driver in place.
fn register<T: Driver>(
    name: &'static CStr,
    module: &'static ThisModule,
) -> impl PinInit<Opaque<bindings::snd_seq_driver>, Error> {
    let init = move |slot: *mut Opaque<bindings::snd_seq_driver>| {
        let drv = Opaque::raw_get(slot);
        // SAFETY: `drv` is valid for writes; the driver struct is pinned inside the
        // `Registration` and unregistered in its `drop` before it goes away.
        unsafe {
            drv.write(bindings::snd_seq_driver::default());
            (*drv).driver.name = name.as_char_ptr();
            (*drv).driver.probe = Some(probe::<T>);
            (*drv).driver.remove = Some(remove::<T>);
            (*drv).id = T::ID.as_char_ptr().cast_mut();
            (*drv).argsize = 0;
            to_result(bindings::__snd_seq_driver_register(drv, module.as_ptr()))
        }
    };
    // SAFETY: the closure initialises the slot fully on success; on failure the C driver is
    // not registered and needs no cleanup.
    unsafe { kernel::init::pin_init_from_closure(init) }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: registered (type invariant); this removes every bound device first.
        unsafe { bindings::snd_seq_driver_unregister(self.raw.get()) };
    }
}

/// The registration and sequencer device behind a bus callback.
///
/// # Safety
///
/// `dev` must be a sequencer device the bus passes to the `probe` or `remove` of a
/// [`Registration<T>`]'s driver.
unsafe fn callback_args<'a, T: Driver>(
    dev: *mut bindings::device,
) -> (&'a Registration<T>, *mut bindings::snd_seq_device) {
    // SAFETY: the device is the `dev` member of a `snd_seq_device`; its `driver` the `driver`
    // member of our `snd_seq_driver`, which is the `raw` field of a `Registration<T>`.
    unsafe {
        let sdev = kernel::container_of!(dev, bindings::snd_seq_device, dev).cast_mut();
        let sdrv = kernel::container_of!((*dev).driver, bindings::snd_seq_driver, driver);
        let reg = kernel::container_of!(sdrv, Registration<T>, raw);
        (&*reg, sdev)
    }
}

/// The C `driver.probe` callback.
///
/// # Safety
///
/// Called by the bus for a device matching a [`Registration<T>`]'s driver.
unsafe extern "C" fn probe<T: Driver>(dev: *mut bindings::device) -> c_int {
    // SAFETY: called by the bus for our driver.
    let (reg, sdev) = unsafe { callback_args::<T>(dev) };
    // SAFETY: the device is registered during probe.
    let seq_dev = unsafe { SeqDevice::from_raw(sdev) };
    let data = match reg.driver.probe(seq_dev) {
        Ok(data) => data,
        Err(e) => return e.to_errno(),
    };
    match KBox::new(data, GFP_KERNEL) {
        Ok(data) => {
            // SAFETY: `driver_data` belongs to the bound driver until its `remove`.
            unsafe { (*sdev).driver_data = data.into_foreign().cast_mut() };
            0
        }
        Err(_) => ENOMEM.to_errno(),
    }
}

/// The C `driver.remove` callback.
///
/// # Safety
///
/// Called by the bus for a device that `probe` bound to a [`Registration<T>`]'s driver.
unsafe extern "C" fn remove<T: Driver>(dev: *mut bindings::device) -> c_int {
    // SAFETY: called by the bus for our driver, on a device `probe` bound.
    let (reg, sdev) = unsafe { callback_args::<T>(dev) };
    // SAFETY: the device is still registered during remove.
    let seq_dev = unsafe { SeqDevice::from_raw(sdev) };
    // SAFETY: `probe` stored a `KBox<T::Data>` there, and only this takes it back.
    let data = unsafe { KBox::<T::Data>::try_from_foreign((*sdev).driver_data) };
    // SAFETY: as above; the pointer is not used again.
    unsafe { (*sdev).driver_data = core::ptr::null_mut() };
    if let Some(data) = data {
        reg.driver.remove(seq_dev, KBox::into_inner(data));
    }
    0
}
