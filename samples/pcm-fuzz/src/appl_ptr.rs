//! `pcm-fuzz appl-ptr`: an application pointer of 2^63 stored through the mapped control
//! page of a draining playback while the capture end of the same cable runs and is
//! HWSYNCed. The loopback's copy then asks how much the playback still holds
//! (`snd_pcm_playback_hw_avail()`), in arithmetic that must not trap on such a pointer.
//! On a card with `pcm_substreams=1`:
//!
//! 1. capture hw:Loopback,1,0: HW_PARAMS S16_LE, 2 channels, 48000 Hz, period 1024
//!    frames, 4 periods; PREPARE; START;
//! 2. playback hw:Loopback,0,0, non-blocking, the same; PREPARE; 2048 frames written;
//!    START unless running;
//! 3. the playback's control page mapped read-write;
//! 4. DRAIN on the playback (EAGAIN: it is DRAINING);
//! 5. appl_ptr = 1 << 63 in the control page;
//! 6. 20 HWSYNCs of the capture, 10 ms apart.
//!
//! No SW_PARAMS: the kernel's defaults (start at the first write, stop when the buffer
//! runs over). Prints each step's outcome and the streams' states at the end (C: playback
//! SETUP, capture XRUN).

use crate::gen;
use crate::raw;
use crate::rng::Rng;
use crate::stream::Stream;
use crate::sys;
use std::io;
use std::time::Duration;

fn state(s: &Stream) -> String {
    match s.status(None) {
        Ok(st) => sys::state_name(st.state).to_string(),
        Err(e) => format!("STATUS {}", raw::errname(&e)),
    }
}

fn step(what: &str, r: io::Result<()>) -> Result<(), String> {
    r.map_err(|e| format!("{what}: {}", raw::errname(&e)))
}

pub fn run() -> Result<(), String> {
    let card = raw::loopback_card().map_err(|e| format!("no Loopback card: {e}"))?;
    let mut capture =
        Stream::open(card, 1, true).map_err(|e| format!("open 1,0c: {}", raw::errname(&e)))?;
    step(
        "capture hw_params",
        capture.hw_params(&mut gen::common_params(), false),
    )?;
    step("capture prepare", capture.ioctl(sys::PCM_PREPARE))?;
    step("capture start", capture.ioctl(sys::PCM_START))?;
    println!("capture 1,0,{}: {}", capture.subdevice, state(&capture));

    let mut playback =
        Stream::open(card, 0, false).map_err(|e| format!("open 0,0p: {}", raw::errname(&e)))?;
    step(
        "playback hw_params",
        playback.hw_params(&mut gen::common_params(), false),
    )?;
    step("playback prepare", playback.ioctl(sys::PCM_PREPARE))?;
    let mut data = vec![0u8; 2048 * 4];
    Rng::new(3).fill(&mut data);
    let written = playback
        .transfer(&mut data, 2048, false)
        .map_err(|e| format!("playback write: {}", raw::errname(&e)))?;
    if state(&playback) != "RUNNING" {
        step("playback start", playback.ioctl(sys::PCM_START))?;
    }
    println!(
        "playback 0,0,{}: {written} frames written, {}",
        playback.subdevice,
        state(&playback)
    );

    step("control mmap", playback.control().map(drop))?;
    let drain = match playback.ioctl(sys::PCM_DRAIN) {
        Ok(()) => "ok".to_string(),
        Err(e) => raw::errname(&e),
    };
    println!("playback drain: {drain}, {}", state(&playback));

    playback
        .control()
        .map_err(|e| e.to_string())?
        .set(0, 1 << 63);
    println!("playback appl_ptr = 1 << 63 (control page)");
    for _ in 0..20 {
        // EPIPE once the capture ran over; the end states say what happened.
        let _ = capture.ioctl(sys::PCM_HWSYNC);
        std::thread::sleep(Duration::from_millis(10));
    }
    println!("capture hwsync x20 done");
    println!("playback: {}", state(&playback));
    println!("capture: {}", state(&capture));
    drop(playback);
    drop(capture);
    println!("closed");
    Ok(())
}
