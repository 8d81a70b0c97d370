// SPDX-License-Identifier: GPL-2.0

//! One bridge port: a rawmidi subdevice seen as a sequencer port.

use crate::{INPUT_BUFFER_SIZE, OUTPUT_BUFFER_SIZE};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    bindings,
    error::code::{EINVAL, ENODEV, ENOMEM},
    prelude::*,
    sync::Arc,
};
use snd::{
    rawmidi::{self, InputHandler, InputSubstream, RawMidi},
    seq::{client::KernelClient, client::PortOps, midi_event::MidiCodec, Event, EventBuf},
};
use snd_sync::{new_published, Published};

/// Where MIDI bytes go: the rawmidi output, or a fake one in tests.
pub trait MidiWriter: Send + Sync {
    /// Free room in the output buffer, in bytes.
    fn avail(&self) -> usize;
    /// Queues bytes; how many were taken.
    fn write(&self, data: &[u8]) -> Result<usize>;
}

impl MidiWriter for rawmidi::Output {
    fn avail(&self) -> usize {
        rawmidi::Output::avail(self)
    }

    fn write(&self, data: &[u8]) -> Result<usize> {
        rawmidi::Output::write(self, data)
    }
}

/// Writes `data` whole or not at all: `ENOMEM` (with C's rate-limited message) when the
/// buffer has no room for it, `EINVAL` when the device took less.
///
/// C: `dump_midi()`.
pub fn dump_midi(out: &impl MidiWriter, data: &[u8]) -> Result {
    if out.avail() < data.len() {
        snd::log::err_ratelimited(kernel::c_str!("ALSA: seq_midi: MIDI output buffer overrun"));
        return Err(ENOMEM);
    }
    match out.write(data) {
        Ok(n) if n >= data.len() => Ok(()),
        _ => Err(EINVAL),
    }
}

/// Sends one sequencer event as MIDI bytes: a sysex as its data (a sysex without
/// variable-length data is dropped), anything else through the codec (events MIDI cannot
/// express are dropped); a refused write resets the running status.
///
/// C: the body of `event_process_midi()` after it has the substream.
pub fn send_event(out: &impl MidiWriter, codec: &MidiCodec, event: &Event) {
    if event.kind() == bindings::SNDRV_SEQ_EVENT_SYSEX {
        if !event.is_variable_length() {
            // C: pr_debug("invalid sysex event flags") and nothing else.
            return;
        }
        // Like C, a chunk that does not fit ends the dump; the rest is not sent.
        let _ = event.dump_variable(|chunk| dump_midi(out, chunk));
        codec.reset_decode();
    } else {
        let mut msg = [0u8; 10];
        let Ok(len) = codec.decode(event, &mut msg) else {
            return;
        };
        let bytes = msg.get(..len).unwrap_or(&[]);
        if dump_midi(out, bytes).is_err() {
            codec.reset_decode();
        }
    }
}

/// The input side of a port: turns incoming MIDI bytes into events for its subscribers.
///
/// C: `snd_midi_input_event()` and the input half of `struct seq_midisynth`.
pub struct InputSide {
    codec: Arc<MidiCodec>,
    client: Arc<KernelClient>,
    port: u8,
    /// Set while a subscription is active (C: `input_substream` published); bytes that
    /// arrive otherwise wait in the rawmidi buffer.
    active: AtomicBool,
}

impl InputHandler for InputSide {
    fn input_ready(&self, input: &InputSubstream) {
        if !self.active.load(Ordering::Acquire) {
            return;
        }
        let mut event = EventBuf::new();
        let mut buf = [0u8; 16];
        while input.avail() > 0 {
            // C retries while bytes are available; a failing read ends the loop here
            // instead of spinning.
            let Ok(n) = input.read(&mut buf) else {
                break;
            };
            for &byte in buf.get(..n).unwrap_or(&[]) {
                if !self.codec.encode_byte(byte, &mut event) {
                    continue;
                }
                event.set_source_port(self.port);
                event.to_subscribers();
                // C ignores the result too: nobody subscribed is not an error.
                let _ = self.client.dispatch(&mut event, true, 0);
                event.clear();
            }
        }
    }
}

/// One bridge port.
///
/// C: `struct seq_midisynth`.
#[pin_data]
pub struct MidiSynth {
    rawmidi: RawMidi,
    subdevice: i32,
    codec: Arc<MidiCodec>,
    input_side: Arc<InputSide>,
    /// The open input while someone reads from the port.
    #[pin]
    input: Published<rawmidi::Input<InputSide>>,
    /// The open output while someone writes to the port; see the crate docs (seed 001).
    #[pin]
    output: Published<rawmidi::Output>,
}

impl MidiSynth {
    /// A port for `subdevice` of `rawmidi`, numbered `port` on `client`.
    ///
    /// C: `snd_seq_midisynth_new()` (its codec of `MAX_MIDI_EVENT_BUF` bytes).
    #[inline(never)]
    pub fn new(
        rawmidi: RawMidi,
        subdevice: i32,
        client: Arc<KernelClient>,
        port: u8,
    ) -> Result<impl PinInit<Self, Error>> {
        let codec = Arc::new(
            MidiCodec::new(bindings::MAX_MIDI_EVENT_BUF as usize)?,
            GFP_KERNEL,
        )?;
        let input_side = Arc::new(
            InputSide {
                codec: codec.clone(),
                client,
                port,
                active: AtomicBool::new(false),
            },
            GFP_KERNEL,
        )?;
        let input = new_published!("seq_midi::input");
        let output = new_published!("seq_midi::output");
        Ok(try_pin_init!(Self {
            rawmidi,
            subdevice,
            codec,
            input_side,
            input <- input,
            output <- output,
        }? Error))
    }

    /// Buffer parameters from the module parameter (an int; C converts it to `size_t` the
    /// same way, so a negative value becomes huge and is refused by the rawmidi core).
    fn params(size: i32, output: bool) -> rawmidi::Params {
        rawmidi::Params {
            buffer_size: size as usize,
            avail_min: 1,
            no_active_sensing: output,
        }
    }
}

impl PortOps for MidiSynth {
    /// Opens the input and starts it. C: `midisynth_subscribe()`.
    fn subscribe(&self) -> Result {
        let input = self.rawmidi.open_input(
            self.subdevice,
            Self::params(INPUT_BUFFER_SIZE.get(), false),
            self.input_side.clone(),
        )?;
        let input = KBox::new(input, GFP_KERNEL)?;
        self.codec.reset_encode();
        self.input_side.active.store(true, Ordering::Release);
        input.start();
        self.input.publish(input).map_err(|_| EINVAL)?;
        Ok(())
    }

    /// Stops reporting input, then releases it. C: `midisynth_unsubscribe()`.
    fn unsubscribe(&self) -> Result {
        self.input_side.active.store(false, Ordering::Release);
        // The release cancels (and waits for) the input work before it returns.
        drop(self.input.take().ok_or(EINVAL)?);
        Ok(())
    }

    /// Opens the output, sets its parameters, and only then publishes it.
    /// C: `midisynth_use()`.
    fn use_port(&self) -> Result {
        let output = self
            .rawmidi
            .open_output(self.subdevice, Self::params(OUTPUT_BUFFER_SIZE.get(), true))?;
        self.codec.reset_decode();
        let output = KBox::new(output, GFP_KERNEL)?;
        self.output.publish(output).map_err(|_| EINVAL)?;
        Ok(())
    }

    /// Unpublishes the output, waits for every event in flight, then drains and releases
    /// it. C: `midisynth_unuse()`.
    fn unuse_port(&self) -> Result {
        let output = self.output.take().ok_or(EINVAL)?;
        // C returns the release's result; the drain's is ignored there too.
        let _ = output.drain();
        drop(output);
        Ok(())
    }

    /// C: `event_process_midi()`: `ENODEV` when no output is open.
    fn event_input(&self, event: &Event, _direct: bool, _atomic: bool, _hop: i32) -> Result {
        let output = self.output.borrow().ok_or(ENODEV)?;
        send_event(&*output, &self.codec, event);
        Ok(())
    }
}
