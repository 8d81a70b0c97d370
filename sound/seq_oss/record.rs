// SPDX-License-Identifier: GPL-2.0

//! The records a read of `/dev/sequencer` returns.

use kernel::ffi::c_ulong;
use snd::seq::oss;

/// Bytes of a short record (codes below 128). C: `SHORT_EVENT_SIZE`.
pub(crate) const SHORT_RECORD: usize = 4;
/// Bytes of a long record (codes from 128). C: `LONG_EVENT_SIZE`.
pub(crate) const LONG_RECORD: usize = 8;

// The OSS codes the queue writes; they fit in the record's first byte.
const SEQ_MIDIPUTC: u8 = oss::SEQ_MIDIPUTC;
// C: `#define SEQ_WAIT TMR_WAIT_ABS`, an alias bindgen does not carry over.
const SEQ_WAIT: u32 = oss::TMR_WAIT_ABS as u32;
const EV_TIMING: u8 = oss::EV_TIMING;
const TMR_WAIT_ABS: u8 = oss::TMR_WAIT_ABS;

/// One input record, laid out as C's `union evrec`: 8 bytes, of which `read()` returns the
/// first 4 or all 8 ([`Record::len`]).
///
/// C: `union evrec` (its `echo` and `t.time` members make it 4-byte aligned).
#[repr(C, align(4))]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Record {
    bytes: [u8; LONG_RECORD],
}

impl Record {
    /// A record with these bytes.
    pub(crate) const fn from_bytes(bytes: [u8; LONG_RECORD]) -> Self {
        Self { bytes }
    }

    /// The bytes of the record, all 8 of them. Only the KUnit suites read them whole: without
    /// them (the bench and sndm kernels) the method would be dead code, a warning, a failed build.
    #[cfg(CONFIG_SND_RS_KUNIT_TEST)]
    pub(crate) fn bytes(&self) -> &[u8; LONG_RECORD] {
        &self.bytes
    }

    /// How many bytes `read()` returns for this record.
    ///
    /// C: `ev_length()`.
    pub(crate) fn len(&self) -> usize {
        if self.bytes[0] >= 128 {
            LONG_RECORD
        } else {
            SHORT_RECORD
        }
    }

    /// One MIDI input byte from device `dev` (C keeps the low byte of the device number).
    ///
    /// C: the record `snd_seq_oss_readq_puts()` builds.
    pub(crate) fn midi_putc(byte: u8, dev: i32) -> Self {
        Self::from_bytes([SEQ_MIDIPUTC, byte, dev as u8, 0, 0, 0, 0, 0])
    }

    /// Synth mode timestamp: `SEQ_WAIT` with the tick in the upper 24 bits of a native-endian
    /// word (the low 32 bits of `curt << 8`, as C's `unsigned int` keeps).
    ///
    /// C: `rec.echo = (curt << 8) | SEQ_WAIT` in `snd_seq_oss_readq_put_timestamp()`.
    pub(crate) fn seq_wait(curt: c_ulong) -> Self {
        let echo = ((curt << 8) as u32) | SEQ_WAIT;
        let [b0, b1, b2, b3] = echo.to_ne_bytes();
        Self::from_bytes([b0, b1, b2, b3, 0, 0, 0, 0])
    }

    /// Music mode timestamp: `EV_TIMING` / `TMR_WAIT_ABS` with the tick as a native-endian
    /// 32-bit word in bytes 4..8.
    ///
    /// C: the `rec.t` branch of `snd_seq_oss_readq_put_timestamp()`.
    pub(crate) fn timing_wait_abs(curt: c_ulong) -> Self {
        let [t0, t1, t2, t3] = (curt as u32).to_ne_bytes();
        Self::from_bytes([EV_TIMING, TMR_WAIT_ABS, 0, 0, t0, t1, t2, t3])
    }
}
