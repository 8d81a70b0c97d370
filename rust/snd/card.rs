// SPDX-License-Identifier: GPL-2.0

//! Sound cards, as drivers of other subsystems see them.

use kernel::{bindings, str::CStr, types::Opaque};

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
