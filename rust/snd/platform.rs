// SPDX-License-Identifier: GPL-2.0

//! Platform devices and drivers, as ALSA's virtual card drivers (aloop, dummy) use them: the
//! module registers a driver and one device per enabled card; the driver's probe creates the
//! card and its remove frees it.

use core::{fmt, marker::PhantomData, marker::PhantomPinned, ptr::NonNull};
use kernel::{
    bindings, error::from_result, error::to_result, ffi::c_int, prelude::*, str::CStr,
    types::Opaque, ThisModule,
};

/// A platform driver's callbacks.
pub trait Driver: 'static {
    /// What probe creates for one device; dropped on remove.
    type Data: Send + Sync;

    /// Binds `device`. C: `platform_driver.probe`.
    fn probe(device: &Device) -> Result<Pin<KBox<Self::Data>>>;

    /// System sleep: suspend (also freeze and poweroff). C: `dev_pm_ops.suspend`.
    fn suspend(_data: &Self::Data) -> Result {
        Ok(())
    }

    /// System sleep: resume (also thaw and restore). C: `dev_pm_ops.resume`.
    fn resume(_data: &Self::Data) -> Result {
        Ok(())
    }
}

/// A platform device, borrowed during a driver callback.
///
/// C: `struct platform_device`.
#[repr(transparent)]
pub struct Device(Opaque<bindings::platform_device>);

impl Device {
    /// The device id (`platform_device_register_simple(name, id, ...)`). C: `pdev->id`.
    pub fn id(&self) -> i32 {
        // SAFETY: `id` is set at registration and never changes.
        unsafe { (*self.0.get()).id }
    }

    /// The generic device, as the parent of a sound card. C: `&pdev->dev`.
    pub fn as_dev_ptr(&self) -> *mut bindings::device {
        // SAFETY: projecting a field of a live device.
        unsafe { core::ptr::addr_of_mut!((*self.0.get()).dev) }
    }

    /// Logs a warning prefixed with the driver and device name. C: `dev_warn()`.
    pub fn warn(&self, args: fmt::Arguments<'_>) {
        // SAFETY: the device is live while borrowed.
        unsafe { crate::log::dev_print(bindings::_dev_warn, self.as_dev_ptr(), args) };
    }
}

/// The C driver structure a [`Registration`] wraps.
type RawDriver = Opaque<bindings::platform_driver>;

/// A registered platform driver; unregistered (unbinding every device) when dropped.
///
/// C: `struct platform_driver`, `platform_driver_register()`, `platform_driver_unregister()`.
///
/// # Invariants
///
/// `raw` is registered with the callbacks of `T`.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Driver> {
    #[pin]
    raw: RawDriver,
    #[pin]
    _pin: PhantomPinned,
    _driver: PhantomData<T>,
}

// SAFETY: the driver core serialises use of the registered driver.
unsafe impl<T: Driver> Send for Registration<T> {}
// SAFETY: no method touches `raw` after registration except unregistration in drop.
unsafe impl<T: Driver> Sync for Registration<T> {}

impl<T: Driver> Registration<T> {
    /// Registers driver `name` of `module`; devices of that name bind to it.
    pub fn new(name: &'static CStr, module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            // SAFETY: `slot` is valid for writes and pinned; the ops tables are static; on
            // success the driver stays registered until `drop`.
            raw <- unsafe {
                kernel::init::pin_init_from_closure(move |slot: *mut RawDriver| {
                    let drv = Opaque::raw_get(slot);
                    drv.write(core::mem::zeroed());
                    (*drv).probe = Some(probe::<T>);
                    (*drv).__bindgen_anon_1.remove = Some(remove::<T>);
                    (*drv).driver.name = name.as_char_ptr();
                    (*drv).driver.pm = &Adapter::<T>::PM_OPS;
                    to_result(bindings::__platform_driver_register(drv, module.as_ptr()))
                })
            },
            _pin: PhantomPinned,
            _driver: PhantomData,
        })
    }
}

#[pinned_drop]
impl<T: Driver> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: registered (type invariant); this unbinds every device first.
        unsafe { bindings::platform_driver_unregister(self.raw.get()) };
    }
}

struct Adapter<T>(PhantomData<T>);

impl<T: Driver> Adapter<T> {
    // C: `DEFINE_SIMPLE_DEV_PM_OPS(name, suspend, resume)`.
    const PM_OPS: bindings::dev_pm_ops = bindings::dev_pm_ops {
        suspend: Some(suspend::<T>),
        resume: Some(resume::<T>),
        freeze: Some(suspend::<T>),
        thaw: Some(resume::<T>),
        poweroff: Some(suspend::<T>),
        restore: Some(resume::<T>),
        // SAFETY: all-NULL callbacks are valid.
        ..unsafe { core::mem::zeroed() }
    };
}

/// # Safety
///
/// Called by the driver core for a device of a [`Registration<T>`].
unsafe extern "C" fn probe<T: Driver>(pdev: *mut bindings::platform_device) -> c_int {
    from_result(|| {
        // SAFETY: the device is live during probe (`Device` is transparent).
        let device = unsafe { &*pdev.cast::<Device>() };
        let data = T::probe(device)?;
        // SAFETY: the data is handed to the device and only turned back into a box by
        // `remove`, so it is never moved.
        let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(data) });
        // SAFETY: C `platform_set_drvdata()`; the field is ours while bound.
        unsafe { (*pdev).dev.driver_data = raw.cast() };
        Ok(0)
    })
}

/// # Safety
///
/// Called by the driver core for a device bound by [`probe::<T>`].
unsafe extern "C" fn remove<T: Driver>(pdev: *mut bindings::platform_device) {
    // SAFETY: the device is live; `driver_data` was set by `probe::<T>`.
    let raw = unsafe { core::mem::replace(&mut (*pdev).dev.driver_data, core::ptr::null_mut()) };
    if !raw.is_null() {
        // SAFETY: `raw` came from `KBox::into_raw` in `probe::<T>` and is dropped only here.
        drop(unsafe { KBox::from_raw(raw.cast::<T::Data>()) });
    }
}

/// The data `probe::<T>` attached to `dev`.
///
/// # Safety
///
/// `dev` must be a bound device of a [`Registration<T>`].
unsafe fn data<'a, T: Driver>(dev: *mut bindings::device) -> Option<&'a T::Data> {
    // SAFETY: caller; the data lives until `remove`, which PM callbacks do not overlap.
    unsafe { (*dev).driver_data.cast::<T::Data>().as_ref() }
}

/// # Safety
///
/// Called by the PM core for a device bound to a [`Registration<T>`].
unsafe extern "C" fn suspend<T: Driver>(dev: *mut bindings::device) -> c_int {
    // SAFETY: see the function's contract.
    from_result(|| unsafe { data::<T>(dev) }.map_or(Ok(0), |d| T::suspend(d).map(|()| 0)))
}

/// # Safety
///
/// Called by the PM core for a device bound to a [`Registration<T>`].
unsafe extern "C" fn resume<T: Driver>(dev: *mut bindings::device) -> c_int {
    // SAFETY: see the function's contract.
    from_result(|| unsafe { data::<T>(dev) }.map_or(Ok(0), |d| T::resume(d).map(|()| 0)))
}

/// A registered platform device; unregistered when dropped.
///
/// C: `platform_device_register_simple()`, `platform_device_unregister()`.
///
/// # Invariants
///
/// `ptr` is a registered device, owned by this value.
pub struct DeviceRegistration {
    ptr: NonNull<bindings::platform_device>,
}

// SAFETY: the device core serialises registration and unregistration.
unsafe impl Send for DeviceRegistration {}
// SAFETY: the only shared access reads `driver_data`, set before registration returned.
unsafe impl Sync for DeviceRegistration {}

impl DeviceRegistration {
    /// Registers device `name`.`id`; a registered driver of that name probes it at once.
    pub fn new(name: &'static CStr, id: i32) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated and static.
        let ptr = unsafe { bindings::platform_device_register_simple(name.as_char_ptr(), id) };
        let ptr = kernel::error::from_err_ptr(ptr)?;
        // INVARIANT: registration succeeded.
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(ENOMEM)
    }

    /// The device.
    pub fn device(&self) -> &Device {
        // SAFETY: registered while `self` lives (type invariant); `Device` is transparent.
        unsafe { &*self.ptr.as_ptr().cast::<Device>() }
    }

    /// True if a driver bound the device (its probe succeeded). C: `platform_get_drvdata()`.
    pub fn is_bound(&self) -> bool {
        // SAFETY: the device is registered (type invariant); probe ran synchronously.
        !unsafe { (*self.ptr.as_ptr()).dev.driver_data }.is_null()
    }
}

impl Drop for DeviceRegistration {
    fn drop(&mut self) {
        // SAFETY: registered and owned (type invariant).
        unsafe { bindings::platform_device_unregister(self.ptr.as_ptr()) };
    }
}
