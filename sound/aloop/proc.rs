// SPDX-License-Identifier: GPL-2.0

//! /proc/asound/Loopback/cable#0, cable#1 and timer_source.

use crate::cable::CableState;
use crate::loopback::{Loopback, MAX_PCM_SUBSTREAMS};
use crate::position::StreamPos;
use core::fmt::Write;
use kernel::{prelude::*, str::CStr};
use snd::info::{InfoBuffer, InfoInput, TextEntry};
use snd::jiffies_timer::jiffies;
use snd::pcm::Direction;
use snd::timer::TimerId;

/// What one cable looks like at one moment, copied out under its lock.
struct CableSnapshot {
    valid: u32,
    running: u32,
    pause: u32,
    streams: [Option<StreamPos>; 2],
    /// For a cable paced by an ALSA timer: which one, and who opened it.
    snd_timer: Option<(TimerId, Direction)>,
}

impl CableSnapshot {
    fn new(state: &CableState, uses_snd_timer: bool) -> Self {
        Self {
            valid: state.valid,
            running: state.running,
            pause: state.pause,
            streams: [Direction::Playback, Direction::Capture]
                .map(|dir| state.end(dir).map(|end| end.pos)),
            snd_timer: uses_snd_timer.then_some((state.snd_timer_id, state.snd_timer_stream)),
        }
    }
}

/// C: `print_dpcm_info()` with `loopback_jiffies_timer_dpcm_info()` or
/// `loopback_snd_timer_dpcm_info()`.
fn print_dpcm_info(
    buffer: &mut InfoBuffer,
    pos: Option<&StreamPos>,
    snd_timer: Option<&(TimerId, Direction)>,
    id: &str,
) -> core::fmt::Result {
    writeln!(buffer, "  {id}")?;
    let Some(p) = pos else {
        return writeln!(buffer, "    inactive");
    };
    writeln!(buffer, "    buffer_size:\t{}", p.pcm_buffer_size)?;
    writeln!(buffer, "    buffer_pos:\t\t{}", p.buf_pos)?;
    writeln!(buffer, "    silent_size:\t{}", p.silent_size)?;
    writeln!(buffer, "    period_size:\t{}", p.pcm_period_size)?;
    writeln!(buffer, "    bytes_per_sec:\t{}", p.pcm_bps)?;
    writeln!(buffer, "    sample_align:\t{}", p.pcm_salign)?;
    writeln!(buffer, "    rate_shift:\t\t{}", p.pcm_rate_shift)?;
    if let Some((tid, dir)) = snd_timer {
        writeln!(
            buffer,
            "    sound timer:\thw:{},{},{}",
            tid.card, tid.device, tid.subdevice
        )?;
        return writeln!(buffer, "    timer open:\t\t{}", dir.name());
    }
    writeln!(
        buffer,
        "    update_pending:\t{}",
        u32::from(p.period_update_pending)
    )?;
    writeln!(buffer, "    irq_pos:\t\t{}", p.irq_pos)?;
    writeln!(buffer, "    period_frac:\t{}", p.period_size_frac)?;
    writeln!(
        buffer,
        "    last_jiffies:\t{} ({})",
        p.last_jiffies,
        jiffies()
    )?;
    writeln!(buffer, "    timer_expires:\t{}", p.timer_expires)
}

/// C: `print_substream_info()`.
fn print_substream_info(
    buffer: &mut InfoBuffer,
    cable: Option<&CableSnapshot>,
    sub: usize,
    num: usize,
) -> core::fmt::Result {
    writeln!(buffer, "Cable {num} substream {sub}:")?;
    let Some(c) = cable else {
        return writeln!(buffer, "  inactive");
    };
    writeln!(buffer, "  valid: {}", c.valid)?;
    writeln!(buffer, "  running: {}", c.running)?;
    writeln!(buffer, "  pause: {}", c.pause)?;
    print_dpcm_info(
        buffer,
        c.streams[0].as_ref(),
        c.snd_timer.as_ref(),
        "Playback",
    )?;
    print_dpcm_info(
        buffer,
        c.streams[1].as_ref(),
        c.snd_timer.as_ref(),
        "Capture",
    )
}

/// cable#0 and cable#1. C: `print_cable_info()`.
pub struct CableInfo;

#[vtable]
impl TextEntry for CableInfo {
    type Chip = Loopback;

    fn read(chip: &Loopback, name: &CStr, buffer: &mut InfoBuffer) {
        let num = match name.as_bytes().last() {
            Some(b'0') => 0,
            _ => 1,
        };
        let table = chip.cables.lock();
        for sub in 0..MAX_PCM_SUBSTREAMS {
            let snapshot = table
                .cable(sub, num)
                .map(|cable| CableSnapshot::new(&cable.state.lock(), cable.uses_snd_timer));
            // A full buffer is retried by the seq_file with a bigger one.
            if print_substream_info(buffer, snapshot.as_ref(), sub, num).is_err() {
                return;
            }
        }
    }
}

/// timer_source. C: `print_timer_source_info()`, `change_timer_source_info()`.
pub struct TimerSourceInfo;

/// C: `isspace()` of the kernel's ctype table, as `strim()` uses it.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

#[vtable]
impl TextEntry for TimerSourceInfo {
    type Chip = Loopback;

    fn read(chip: &Loopback, _name: &CStr, buffer: &mut InfoBuffer) {
        let table = chip.cables.lock();
        let _ = buffer.write_bytes(&table.timer_source);
        let _ = buffer.write_str("\n");
    }

    /// C: `loopback_set_timer_source(loopback, strim(line))`.
    fn write(chip: &Loopback, input: &mut InfoInput) {
        let mut line = [0u8; 64];
        let mut table = chip.cables.lock();
        let Some(text) = input.get_line(&mut line) else {
            return;
        };
        let start = text
            .iter()
            .position(|&b| !is_space(b))
            .unwrap_or(text.len());
        let end = text
            .iter()
            .rposition(|&b| !is_space(b))
            .map_or(start, |e| e.saturating_add(1));
        let value = text.get(start..end.max(start)).unwrap_or(&[]);
        let mut source = KVec::new();
        // C: a failed kstrdup() leaves the source unset as well.
        if source.extend_from_slice(value, GFP_KERNEL).is_err() {
            source = KVec::new();
        }
        table.timer_source = source;
    }
}
