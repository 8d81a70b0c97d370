// SPDX-License-Identifier: GPL-2.0

//! Sound cards, as drivers of other subsystems see them.

use core::{fmt, marker::PhantomData, pin::Pin, ptr::NonNull};
use kernel::{
    bindings, error::to_result, init::PinInit, prelude::*, str::CStr, types::Opaque, ThisModule,
};

/// A sound card, borrowed from ALSA.
///
/// C: `struct snd_card`.
///
/// # Invariants
///
/// The wrapped card is registered or being registered; its `number` and `shortname` are set
/// and do not change while it is borrowed.
#[repr(transparent)]
pub struct Card(Opaque<bindings::snd_card>);

impl Card {
    /// Borrows a card.
    ///
    /// # Safety
    ///
    /// `ptr` must point to a card that stays alive for `'a`, past `snd_card_new()`.
    pub unsafe fn from_raw<'a>(ptr: *mut bindings::snd_card) -> &'a Self {
        // SAFETY: `Card` is `repr(transparent)` over the C struct, valid for `'a` (caller).
        unsafe { &*ptr.cast() }
    }

    /// The C card.
    pub fn as_ptr(&self) -> *mut bindings::snd_card {
        self.0.get()
    }

    /// The card's index (`/proc/asound/cardN`). C: `card->number`.
    pub fn number(&self) -> i32 {
        // SAFETY: `number` is set at creation and not written afterwards (type invariant).
        unsafe { (*self.0.get()).number }
    }

    /// The card's short name, e.g. "Serial MIDI (UART16550A)". C: `card->shortname`.
    pub fn shortname(&self) -> &CStr {
        // SAFETY: the name is set before registration and stays (type invariant).
        let name = unsafe { &(*self.0.get()).shortname };
        c_array_str(name)
    }
}

impl Card {
    /// Tells control listeners that the value of control `id` changed. Callable in atomic
    /// context. C: `snd_ctl_notify(card, SNDRV_CTL_EVENT_MASK_VALUE, id)`.
    pub fn notify_value(&self, id: &crate::control::ElemId) {
        // SAFETY: the card is live; `snd_ctl_notify()` copies the id.
        unsafe {
            bindings::snd_ctl_notify(
                self.as_ptr(),
                bindings::SNDRV_CTL_EVENT_MASK_VALUE,
                id.as_ptr(),
            )
        };
    }

    /// Logs an error as the card's device. C: `dev_err(card->dev, ...)`, which `pcm_err()` is.
    pub fn err(&self, args: fmt::Arguments<'_>) {
        // SAFETY: the card's parent device outlives the card.
        unsafe { crate::log::dev_print(bindings::_dev_err, (*self.as_ptr()).dev, args) };
    }

    /// A copy of the card id, e.g. "Loopback". C: `card->id`.
    ///
    /// A copy, not a reference: userspace rewrites the id at any time through the card's
    /// sysfs `id` attribute (`id_store()`, under `snd_card_mutex`, which is private to
    /// `sound/core/init.c`). The bytes are read one by one with volatile loads, as C's lockless
    /// readers (e.g. `snd_timer_open()` callers) read them; a read racing a rename may mix the
    /// two names, but always ends in a NUL within the array.
    pub fn id(&self) -> CardId {
        // SAFETY: the card is live while borrowed.
        unsafe { CardId::copy(self.0.get()) }
    }
}

/// The length of a card id field with its NUL. C: `sizeof(card->id)`.
const ID_LEN: usize = 16;

/// The most cards ALSA handles. C: `SNDRV_CARDS`.
pub const MAX_CARDS: usize = bindings::SNDRV_CARDS as usize;

/// A copy of a card's id, taken by [`Card::id`].
///
/// # Invariants
///
/// The array holds a NUL (its last byte is always 0).
#[derive(Clone, Copy)]
pub struct CardId([u8; ID_LEN]);

impl CardId {
    /// Copies the id of `card`, byte by byte with volatile loads (see [`Card::id`]).
    ///
    /// # Safety
    ///
    /// `card` must point to a live card.
    pub(crate) unsafe fn copy(card: *const bindings::snd_card) -> Self {
        let mut id = [0u8; ID_LEN];
        // SAFETY: the card is live (caller); `id` is a `char[16]` field of it.
        let field = unsafe { core::ptr::addr_of!((*card).id) }.cast::<u8>();
        // The last byte stays 0: the copy is always terminated.
        for (i, byte) in id.iter_mut().take(ID_LEN.saturating_sub(1)).enumerate() {
            // SAFETY: `i < 15`, inside the 16-byte field; a byte-sized volatile load of memory
            // another CPU may write, as C's `READ_ONCE()`.
            *byte = unsafe { core::ptr::read_volatile(field.wrapping_add(i)) };
        }
        // INVARIANT: the last byte is 0.
        Self(id)
    }

    /// The id's bytes, without the NUL.
    pub fn as_bytes(&self) -> &[u8] {
        crate::until_nul(&self.0)
    }

    /// The id as a C string.
    pub fn as_cstr(&self) -> &CStr {
        c_array_str(&self.0)
    }
}

/// The card of a driver's device: created and freed with it, its driver data `T` in the
/// card's private area.
///
/// # Invariants
///
/// `ptr` is a card from `snd_card_new()`, owned by this value, whose `private_data` holds an
/// initialised, pinned `T` that `private_free::<T>` drops when ALSA frees the card, after all
/// of the card's devices (PCMs, controls, info entries) are gone.
struct CardBox<T: Send + Sync> {
    ptr: NonNull<bindings::snd_card>,
    _data: PhantomData<T>,
}

// SAFETY: the card is freed by whichever thread drops it; `T` is `Send + Sync`.
unsafe impl<T: Send + Sync> Send for CardBox<T> {}
// SAFETY: shared access only reads card fields and `T` (`Sync`).
unsafe impl<T: Send + Sync> Sync for CardBox<T> {}

impl<T: Send + Sync> CardBox<T> {
    fn data(&self) -> Pin<&T> {
        // SAFETY: initialised and pinned in the card until the card is freed (invariant).
        unsafe { Pin::new_unchecked(&*(*self.ptr.as_ptr()).private_data.cast::<T>()) }
    }

    fn card(&self) -> &Card {
        // SAFETY: the card lives as long as `self`.
        unsafe { Card::from_raw(self.ptr.as_ptr()) }
    }
}

impl<T: Send + Sync> Drop for CardBox<T> {
    fn drop(&mut self) {
        // SAFETY: the card is ours (invariant); this waits for open files, frees the devices
        // and then `T`.
        unsafe { bindings::snd_card_free(self.ptr.as_ptr()) };
    }
}

/// A card this driver created and has not registered yet: its names can be set and its
/// devices (PCMs, controls, info entries) added; [`OwnedCard::register`] turns it into a
/// [`RegisteredCard`], which has no way to change them. Freed (after every open file is
/// closed) when dropped.
///
/// C: `snd_card_new()` with `extra_size = sizeof(T)`, `card->private_free`, `snd_card_free()`.
/// The C contract this typestate encodes: the names are written (plainly, no lock) before
/// `snd_card_register()`, after which `/proc/asound/cards` and the control ioctls read them.
pub struct OwnedCard<T: Send + Sync> {
    inner: CardBox<T>,
}

impl<T: Send + Sync> OwnedCard<T> {
    /// Creates a card below `parent`, in slot `index` (-1: first free) with `id` (None:
    /// derived from the short name), its data initialised by `init`.
    ///
    /// C: `snd_card_new(parent, index, id, THIS_MODULE, sizeof(T), &card)`.
    pub fn new(
        parent: &crate::platform::Device,
        index: i32,
        id: Option<&CStr>,
        module: &'static ThisModule,
        init: impl PinInit<T, Error>,
    ) -> Result<Self> {
        // `private_data` is `card + 1`, aligned for any ALSA-sized scalar.
        kernel::build_assert!(core::mem::align_of::<T>() <= core::mem::align_of::<u64>());
        let extra = i32::try_from(core::mem::size_of::<T>()).map_err(|_| EINVAL)?;
        let mut card = core::ptr::null_mut();
        // SAFETY: `parent` is a live device; `id` is NUL-terminated or NULL.
        to_result(unsafe {
            bindings::snd_card_new(
                parent.as_dev_ptr(),
                index,
                id.map_or(core::ptr::null(), CStr::as_char_ptr),
                module.as_ptr(),
                extra,
                &mut card,
            )
        })?;
        let ptr = NonNull::new(card).ok_or(ENOMEM)?;
        // SAFETY: `private_data` points to `extra` zeroed bytes inside the card allocation,
        // aligned (asserted above), and never moves.
        let slot = unsafe { (*card).private_data }.cast::<T>();
        // SAFETY: `slot` is valid for writes; on error nothing was initialised.
        if let Err(e) = unsafe { init.__pinned_init(slot) } {
            // SAFETY: the card is ours and has no private_free yet.
            unsafe { bindings::snd_card_free(card) };
            return Err(e);
        }
        // SAFETY: `T` is initialised; ALSA calls this once, when it frees the card.
        unsafe { (*card).private_free = Some(private_free::<T>) };
        // INVARIANT: card created, `T` initialised, freed by `private_free::<T>`.
        Ok(Self {
            inner: CardBox {
                ptr,
                _data: PhantomData,
            },
        })
    }

    /// The driver data.
    pub fn data(&self) -> Pin<&T> {
        self.inner.data()
    }

    /// The card.
    pub fn card(&self) -> &Card {
        self.inner.card()
    }

    /// The C card, for the layer's device constructors.
    pub(crate) fn as_ptr(&self) -> *mut bindings::snd_card {
        self.inner.ptr.as_ptr()
    }

    /// Sets the driver name, short name and long name shown in /proc/asound/cards.
    /// C: `strcpy(card->driver, ...)`, `card->shortname`, `card->longname`.
    pub fn set_names(&mut self, driver: &CStr, shortname: &CStr, longname: fmt::Arguments<'_>) {
        // SAFETY: the card is ours and not registered (typestate), so not visible to users;
        // `&mut self` excludes every other reference to its names.
        let card = unsafe { &mut *self.as_ptr() };
        copy_name(&mut card.driver, driver.as_bytes());
        copy_name(&mut card.shortname, shortname.as_bytes());
        let mut long = NameWriter::new(&mut card.longname);
        let _ = fmt::Write::write_fmt(&mut long, longname);
    }

    /// Sets the mixer name. C: `strcpy(card->mixername, ...)`.
    pub fn set_mixername(&mut self, name: &CStr) {
        // SAFETY: as in `set_names`.
        let card = unsafe { &mut *self.as_ptr() };
        copy_name(&mut card.mixername, name.as_bytes());
    }

    /// Registers the card and its devices with userspace; from now on its names are read by
    /// /proc and the control ioctls and cannot change. On failure the card is freed.
    /// C: `snd_card_register()`.
    pub fn register(self) -> Result<RegisteredCard<T>> {
        // SAFETY: the card is ours.
        to_result(unsafe { bindings::snd_card_register(self.as_ptr()) })?;
        Ok(RegisteredCard { inner: self.inner })
    }
}

/// A card this driver created and registered: visible to userspace, its names fixed.
/// Freed (after every open file is closed) when dropped.
///
/// C: a `struct snd_card` after `snd_card_register()`, freed by `snd_card_free()`.
pub struct RegisteredCard<T: Send + Sync> {
    inner: CardBox<T>,
}

impl<T: Send + Sync> RegisteredCard<T> {
    /// The driver data.
    pub fn data(&self) -> Pin<&T> {
        self.inner.data()
    }

    /// The card.
    pub fn card(&self) -> &Card {
        self.inner.card()
    }

    /// Sets the card's power state (the PCM core suspends streams on D3hot).
    /// C: `snd_power_change_state()`.
    pub fn set_power_state(&self, state: PowerState) {
        // SAFETY: the card is live.
        unsafe { bindings::snd_power_change_state(self.inner.ptr.as_ptr(), state as u32) };
    }
}

/// The power states drivers set. C: `SNDRV_CTL_POWER_*`.
#[repr(u32)]
pub enum PowerState {
    /// Full on.
    D0 = bindings::SNDRV_CTL_POWER_D0,
    /// Suspended.
    D3hot = bindings::SNDRV_CTL_POWER_D3hot,
}

/// Drops the driver data when ALSA frees the card.
///
/// # Safety
///
/// Called once by ALSA for a card made by [`OwnedCard::new`] for `T`.
unsafe extern "C" fn private_free<T>(card: *mut bindings::snd_card) {
    // SAFETY: `private_data` holds an initialised `T` (invariant of `OwnedCard`); nothing
    // uses it after this: the card's devices are already freed.
    unsafe { core::ptr::drop_in_place((*card).private_data.cast::<T>()) };
}

/// Copies `src` into a fixed C name field, truncated, NUL-terminated.
fn copy_name(dst: &mut [u8], src: &[u8]) {
    let mut w = NameWriter::new(dst);
    w.put(src);
}

/// Writes text into a fixed C name field, as `snprintf()` does: truncated, NUL-terminated.
pub(crate) struct NameWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> NameWriter<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        if let Some(first) = buf.first_mut() {
            *first = 0;
        }
        Self { buf, len: 0 }
    }

    fn put(&mut self, bytes: &[u8]) {
        // Room for the bytes and the NUL; `len` stays below `buf.len()`.
        let room = self.buf.len().saturating_sub(self.len.saturating_add(1));
        let n = bytes.len().min(room);
        let end = self.len.saturating_add(n);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..end), bytes.get(..n)) {
            dst.copy_from_slice(src);
            self.len = end;
        }
        if let Some(end) = self.buf.get_mut(self.len) {
            *end = 0;
        }
    }
}

impl fmt::Write for NameWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.put(s.as_bytes());
        Ok(())
    }
}

/// A NUL-terminated C string in a fixed array (ALSA's name fields); empty if it has no NUL.
fn c_array_str(array: &[kernel::ffi::c_char]) -> &CStr {
    // `c_char` is `u8` in this kernel.
    let bytes: &[u8] = array;
    let with_nul = bytes.get(..=crate::until_nul(bytes).len());
    match with_nul.map(CStr::from_bytes_with_nul) {
        Some(Ok(name)) => name,
        _ => kernel::c_str!(""),
    }
}
