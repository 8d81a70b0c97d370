// SPDX-License-Identifier: GPL-2.0

//! One bridge port: a rawmidi subdevice seen as a sequencer port.

use crate::{INPUT_BUFFER_SIZE, OUTPUT_BUFFER_SIZE};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    error::code::{EINVAL, ENODEV, ENOMEM},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};
use snd::{
    new_stream_slot,
    rawmidi::{self, InputHandler, InputSubstream, RawMidi, StreamSlot},
    seq::{
        client::{KernelClient, PortOps},
        kind,
        midi_event::{MidiDecoder, MidiEncoder, MAX_MIDI_EVENT_BUF},
        Event,
    },
};
use snd_sync::CallChain;

/// Where MIDI bytes go: the rawmidi output, or a fake one in tests.
pub trait MidiWriter: Sync {
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
pub fn send_event(out: &impl MidiWriter, codec: &MidiDecoder, event: &Event) {
    if event.kind() == kind::SYSEX {
        if !event.is_variable_length() {
            // C: pr_debug("invalid sysex event flags") and nothing else.
            return;
        }
        // Like C, a chunk that does not fit ends the dump; the rest is not sent.
        let _ = event.dump_variable(|chunk| dump_midi(out, chunk));
        codec.reset();
    } else {
        let mut msg = [0u8; 10];
        let Ok(len) = codec.decode(event, &mut msg) else {
            return;
        };
        let bytes = msg.get(..len).unwrap_or(&[]);
        if dump_midi(out, bytes).is_err() {
            codec.reset();
        }
    }
}

/// The input side of a port: turns incoming MIDI bytes into events for its subscribers.
///
/// C: `snd_midi_input_event()` and the input half of `struct seq_midisynth`.
#[pin_data]
pub struct InputSide {
    /// The encoder: the input work uses it, subscribing resets it. C: the encode half of
    /// `msynth->parser`, under its own spinlock.
    #[pin]
    encoder: Mutex<MidiEncoder>,
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
        let mut encoder = self.encoder.lock();
        let mut buf = [0u8; 16];
        while input.avail() > 0 {
            // C retries while bytes are available; a failing read ends the loop here
            // instead of spinning.
            let Ok(n) = input.read(&mut buf) else {
                break;
            };
            for &byte in buf.get(..n).unwrap_or(&[]) {
                let Some(mut event) = encoder.encode_byte(byte) else {
                    continue;
                };
                event.set_source_port(self.port);
                event.to_subscribers();
                // C ignores the result too: nobody subscribed is not an error. Dropping the
                // event clears it (C: memset).
                let _ = self.client.dispatch(&mut event, true, 0);
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
    /// The output's running status. C: the decode half of `msynth->parser`.
    decoder: MidiDecoder,
    input_side: Arc<InputSide>,
    /// The open input while someone reads from the port.
    #[pin]
    input: StreamSlot<rawmidi::Input<InputSide>>,
    /// The open output while someone writes to the port; see the crate docs (seed 001).
    #[pin]
    output: StreamSlot<rawmidi::Output>,
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
        let encoder = new_mutex!(MidiEncoder::new(MAX_MIDI_EVENT_BUF)?, "seq_midi::encoder");
        let input_side = Arc::pin_init(
            pin_init!(InputSide {
                encoder <- encoder,
                client,
                port,
                active: AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )?;
        let decoder = MidiDecoder::new()?;
        let input = new_stream_slot!("seq_midi::input");
        let output = new_stream_slot!("seq_midi::output");
        Ok(try_pin_init!(Self {
            rawmidi,
            subdevice,
            decoder,
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
    fn subscribe(&self, _chain: &mut CallChain) -> Result {
        let input = self.rawmidi.open_input(
            self.subdevice,
            Self::params(INPUT_BUFFER_SIZE.get(), false),
            self.input_side.clone(),
        )?;
        let input = KBox::new(input, GFP_KERNEL)?;
        self.input_side.encoder.lock().reset();
        self.input_side.active.store(true, Ordering::Release);
        input.start();
        self.input.publish(input).map_err(|_| EINVAL)?;
        Ok(())
    }

    /// Stops reporting input, then releases it. C: `midisynth_unsubscribe()`.
    fn unsubscribe(&self, chain: &mut CallChain) -> Result {
        self.input_side.active.store(false, Ordering::Release);
        // The release cancels (and waits for) the input work before it returns.
        drop(self.input.take(chain).ok_or(EINVAL)?);
        Ok(())
    }

    /// Opens the output, sets its parameters, and only then publishes it.
    /// C: `midisynth_use()`.
    fn use_port(&self, _chain: &mut CallChain) -> Result {
        let output = self
            .rawmidi
            .open_output(self.subdevice, Self::params(OUTPUT_BUFFER_SIZE.get(), true))?;
        self.decoder.reset();
        let output = KBox::new(output, GFP_KERNEL)?;
        self.output.publish(output).map_err(|_| EINVAL)?;
        Ok(())
    }

    /// Unpublishes the output, waits for every event in flight, then drains and releases
    /// it. C: `midisynth_unuse()`.
    fn unuse_port(&self, chain: &mut CallChain) -> Result {
        let output = self.output.take(chain).ok_or(EINVAL)?;
        // C returns the release's result; the drain's is ignored there too.
        let _ = output.drain();
        drop(output);
        Ok(())
    }

    /// C: `event_process_midi()`: `ENODEV` when no output is open.
    fn event_input(
        &self,
        chain: &CallChain,
        event: &Event,
        _direct: bool,
        _atomic: bool,
        _hop: i32,
    ) -> Result {
        let output = self.output.borrow(chain).ok_or(ENODEV)?;
        send_event(&*output, &self.decoder, event);
        Ok(())
    }
}
