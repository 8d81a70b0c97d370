// SPDX-License-Identifier: GPL-2.0
//! The control case: correct driver code against the same layer must compile, so the other
//! cases fail for their misuse and not for the harness.
#![allow(missing_docs, dead_code)]
extern crate snd;
extern crate snd_sync;
use kernel::{c_str, prelude::*, sync::Arc};
use snd::card::{OwnedCard, RegisteredCard};
use snd::pcm::{
    Access, Buffer, Format, HwParams, HwVar, IntervalParam, MaskParam, OpenSubstream, State,
};
use snd::rawmidi::{Output, StreamSlot};
use snd::seq::client::{KernelClient, PortOps};
use snd::seq::midi_event::{MidiDecoder, MidiEncoder};
use snd::seq::Event;
use snd_sync::{CallChain, IrqSpinLock, IrqsOff, Published, StopLock};

// Items 1, 2: names before registration, a copy of the id after.
fn probe(mut card: OwnedCard<u32>) -> Result<RegisteredCard<u32>> {
    card.set_names(c_str!("D"), c_str!("S"), format_args!("L {}", 1));
    card.set_mixername(c_str!("M"));
    let card = card.register()?;
    let _id = card.card().id();
    Ok(card)
}

// Item 3: the buffer in prepare and while the stream runs.
fn prepare(buffer: &Buffer<'_>) -> bool {
    buffer.fill_silence(0, buffer.runtime().buffer_size())
}

fn copy(play: &OpenSubstream, capt: &OpenSubstream) -> bool {
    match (play.buffer(), capt.buffer()) {
        (Some(src), Some(dst)) => dst.copy_from(0, &src, 0, 64),
        _ => false,
    }
}

// Item 4: typed parameters.
fn rule(params: &mut HwParams) -> Result<bool> {
    let _var = HwVar::Interval(IntervalParam::Rate);
    let _mask = params.mask(MaskParam::Format);
    params.refine_range(IntervalParam::Rate, 8000, 48000)
}

// Items 5, 6: the output published through its slot; released by the owner's take.
#[pin_data]
struct Synth {
    #[pin]
    output: StreamSlot<Output>,
    decoder: MidiDecoder,
    client: Arc<KernelClient>,
}

impl PortOps for Synth {
    fn subscribe(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn unsubscribe(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn use_port(&self, _chain: &mut CallChain) -> Result {
        Ok(())
    }
    fn unuse_port(&self, chain: &mut CallChain) -> Result {
        let output = self.output.take(chain).ok_or(EINVAL)?;
        let _ = output.drain();
        Ok(())
    }
    fn event_input(&self, chain: &CallChain, event: &Event, _d: bool, _a: bool, _h: i32) -> Result {
        let output = self.output.borrow(chain).ok_or(ENODEV)?;
        let mut buf = [0u8; 10];
        let n = self.decoder.decode(event, &mut buf)?;
        output.write(buf.get(..n).unwrap_or(&[]))?;
        Ok(())
    }
}

fn published(value: &Published<u32>, chain: &mut CallChain) -> Option<u32> {
    let seen = value.borrow(chain).map(|v| *v);
    let _ = value.take(chain);
    seen
}

// Item 7: encode, dispatch, next byte.
fn input(encoder: &mut MidiEncoder, client: &KernelClient, bytes: &[u8]) {
    for &byte in bytes {
        if let Some(mut event) = encoder.encode_byte(byte) {
            event.set_source_port(0);
            event.to_subscribers();
            let _ = client.dispatch(&mut event, true, 0);
        }
    }
}

// Item 8: nested guards, dropped in any order.
fn nested(outer: &IrqSpinLock<u32>, inner: &IrqSpinLock<u32>) -> u32 {
    let irqs = IrqsOff::disable();
    let a = outer.lock();
    let b = inner.lock();
    let sum = *a + *b;
    drop(a);
    drop(irqs);
    drop(b);
    sum
}

// Item 9: a stop begun under the lock, finished after it.
fn check_format(cable: &StopLock<Option<OpenSubstream>>) {
    let state = cable.lock();
    let capture = state.clone();
    let stop = state.begin_stop();
    drop(state);
    if let Some(capture) = capture {
        capture.stop_if_running(State::DRAINING);
    }
    drop(stop);
}

// Item 10: typed enums.
fn formats() -> (u64, bool, i32) {
    let known = Format::from_raw(2).map_or(0, Format::bit);
    (
        known | Format::S32_LE.bit(),
        Access::RW_INTERLEAVED.is_interleaved(),
        State::RUNNING.raw(),
    )
}
