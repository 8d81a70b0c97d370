//! seq-bench: sequencer throughput for `make bench`. Prints `RATE EXTRA...` on one line.
//!
//! ```text
//! seq-bench bridge CLIENT:PORT SECONDS [WARMUP]  events/s through the bridge's event_input,
//!                                                then accepted and refused counts
//! seq-bench readq SECONDS                        records/s read from /dev/sequencer, then
//!                                                records read and events sent
//! ```

mod bridge_flood;
mod readq_flood;

use alsa::seq::{Addr, PortCap, PortType, Seq};
use std::ffi::CString;
use std::process::ExitCode;

pub fn parse_addr(text: &str) -> Option<Addr> {
    let (client, port) = text.split_once(':')?;
    Some(Addr {
        client: client.parse().ok()?,
        port: port.parse().ok()?,
    })
}

/// A client named `name` with one MIDI port that others can subscribe to for reading.
pub fn open_client(name: &str) -> Result<(Seq, Addr), String> {
    let seq = Seq::open(None, None, false).map_err(|e| format!("open sequencer: {e}"))?;
    let cname = CString::new(name).unwrap_or_default();
    seq.set_client_name(&cname)
        .map_err(|e| format!("client name: {e}"))?;
    let port = seq
        .create_simple_port(
            &cname,
            PortCap::READ | PortCap::SUBS_READ,
            PortType::MIDI_GENERIC | PortType::APPLICATION,
        )
        .map_err(|e| format!("create port: {e}"))?;
    let client = seq.client_id().map_err(|e| format!("client id: {e}"))?;
    Ok((seq, Addr { client, port }))
}

fn number(args: &[String], i: usize, default: Option<f64>) -> Result<f64, String> {
    match args.get(i) {
        Some(a) => a.parse().map_err(|_| format!("bad number '{a}'")),
        None => default.ok_or_else(|| format!("argument {i} missing")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("bridge") => args
            .get(2)
            .ok_or_else(|| "CLIENT:PORT missing".to_string())
            .and_then(|dest| {
                bridge_flood::run(dest, number(&args, 3, None)?, number(&args, 4, Some(0.3))?)
            })
            .map(|f| {
                let rate = (f.accepted + f.refused) as f64 / f.seconds;
                format!("{rate:.0} {} {}", f.accepted, f.refused)
            }),
        Some("readq") => number(&args, 2, None).and_then(readq_flood::run).map(|f| {
            format!(
                "{:.0} {} {}",
                f.records as f64 / f.seconds,
                f.records,
                f.events_sent
            )
        }),
        _ => Err("usage: seq-bench bridge CLIENT:PORT SECONDS [WARMUP] | readq SECONDS".into()),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("seq-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
