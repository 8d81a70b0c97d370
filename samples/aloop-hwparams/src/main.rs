//! aloop-hwparams: what the loopback accepts as hardware parameters, and how the two ends of a
//! cable constrain and stop each other. Every line it prints is deterministic (no positions,
//! no times), so a transcript recorded on the C snd-aloop must be reproduced by any other
//! implementation.
//!
//! ```text
//! aloop-hwparams table [PCM]            accept/reject table (playback, default hw:Loopback,0,0)
//! aloop-hwparams refine PCM p|c         the ranges the driver leaves open (alsa-lib's dump)
//! aloop-hwparams rules                  cable constraints: 0,0 playback vs 1,0 capture
//! aloop-hwparams busy                   opening busy substreams
//! aloop-hwparams hold SPEC...           configure, prepare (optionally start) and hold the
//!                                       streams until stdin reaches EOF
//! aloop-hwparams cset DEV SUB NAME VAL  write a PCM control of the Loopback card as is (amixer
//!                                       would clamp the value to the control's range first)
//! SPEC: p|c/PCM/FORMAT/RATE/CHANNELS/PERIOD/BUFFER[/FLAG...]    (frames)
//! FLAG: start, ni (RW_NONINTERLEAVED), mmap (MMAP_INTERLEAVED)
//! ```

use alsa::pcm::{Access, Format, HwParams, State, PCM};
use alsa::{Direction, Output, ValueOr};
use std::io::Read;
use std::process::ExitCode;

const PLAY: &str = "hw:Loopback,0,0";
const CAPT: &str = "hw:Loopback,1,0";

// Shared with aloop-race, pcm-fuzz and pcm-link-race, which use other parts of it.
#[allow(dead_code)]
mod raw;

use raw::RawPcm;

/// The errno of an ALSA error as its symbolic name.
fn errname(e: &alsa::Error) -> String {
    raw::errname(&std::io::Error::from_raw_os_error(e.errno()))
}

#[derive(Clone, Copy)]
struct Cfg {
    format: Format,
    rate: u32,
    channels: u32,
    access: Access,
    period: Option<i64>,
    buffer: Option<i64>,
    periods: Option<u32>,
}

impl Cfg {
    fn new(format: Format, rate: u32, channels: u32) -> Cfg {
        Cfg {
            format,
            rate,
            channels,
            access: Access::RWInterleaved,
            period: None,
            buffer: None,
            periods: None,
        }
    }
    fn sized(self, period: i64, buffer: i64) -> Cfg {
        Cfg {
            period: Some(period),
            buffer: Some(buffer),
            ..self
        }
    }
}

fn access_name(a: Access) -> &'static str {
    match a {
        Access::MMapInterleaved => "MMAP_INTERLEAVED",
        Access::MMapNonInterleaved => "MMAP_NONINTERLEAVED",
        Access::MMapComplex => "MMAP_COMPLEX",
        Access::RWInterleaved => "RW_INTERLEAVED",
        Access::RWNonInterleaved => "RW_NONINTERLEAVED",
    }
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Open => "OPEN",
        State::Setup => "SETUP",
        State::Prepared => "PREPARED",
        State::Running => "RUNNING",
        State::XRun => "XRUN",
        State::Draining => "DRAINING",
        State::Paused => "PAUSED",
        State::Suspended => "SUSPENDED",
        State::Disconnected => "DISCONNECTED",
    }
}

/// Sets `c` step by step; the error names the step the driver refused.
fn configure(pcm: &PCM, c: &Cfg) -> Result<(i64, i64), String> {
    let hw = HwParams::any(pcm).map_err(|e| format!("any: {}", errname(&e)))?;
    let step = |what: &str, r: alsa::Result<()>| r.map_err(|e| format!("{what}: {}", errname(&e)));
    step("access", hw.set_access(c.access))?;
    step("format", hw.set_format(c.format))?;
    step("channels", hw.set_channels(c.channels))?;
    step("rate", hw.set_rate(c.rate, ValueOr::Nearest))?;
    if let Some(p) = c.period {
        step("period", hw.set_period_size(p, ValueOr::Nearest))?;
    }
    if let Some(n) = c.periods {
        step("periods", hw.set_periods(n, ValueOr::Nearest))?;
    }
    if let Some(b) = c.buffer {
        step("buffer", hw.set_buffer_size(b))?;
    }
    step("hw_params", pcm.hw_params(&hw))?;
    let cur = pcm
        .hw_params_current()
        .map_err(|e| format!("current: {}", errname(&e)))?;
    let period = cur.get_period_size().map_err(|e| errname(&e))?;
    let buffer = cur.get_buffer_size().map_err(|e| errname(&e))?;
    // Never stop on under/overrun, and start only when asked: the streams then run steadily
    // whatever the scheduling of this process.
    let sw = pcm.sw_params_current().map_err(|e| errname(&e))?;
    let boundary = sw.get_boundary().map_err(|e| errname(&e))?;
    sw.set_start_threshold(boundary).map_err(|e| errname(&e))?;
    sw.set_stop_threshold(boundary).map_err(|e| errname(&e))?;
    pcm.sw_params(&sw)
        .map_err(|e| format!("sw_params: {}", errname(&e)))?;
    Ok((period, buffer))
}

fn dir_of(c: &str) -> Direction {
    if c == "c" {
        Direction::Capture
    } else {
        Direction::Playback
    }
}

fn open(name: &str, dir: Direction) -> Result<PCM, String> {
    PCM::new(name, dir, true).map_err(|e| format!("open: {}", errname(&e)))
}

/// Opens and configures; the PCM stays in SETUP.
fn setup(name: &str, dir: Direction, c: &Cfg) -> Result<PCM, String> {
    let pcm = open(name, dir)?;
    configure(&pcm, c)?;
    Ok(pcm)
}

fn prepare(pcm: &PCM) -> Result<(), String> {
    pcm.prepare()
        .map_err(|e| format!("prepare: {}", errname(&e)))
}

fn start(pcm: &PCM) -> Result<(), String> {
    pcm.start().map_err(|e| format!("start: {}", errname(&e)))
}

fn show(what: &str, r: Result<impl Sized, String>) {
    match r {
        Ok(_) => println!("{what}: ok"),
        Err(e) => println!("{what}: {e}"),
    }
}

/// The lines of alsa-lib's dump of the configuration space the driver leaves open.
fn refine_lines(pcm: &PCM) -> Result<Vec<String>, String> {
    let hw = HwParams::any(pcm).map_err(|e| format!("any: {}", errname(&e)))?;
    let mut out = Output::buffer_open().map_err(|e| errname(&e))?;
    hw.dump(&mut out).map_err(|e| errname(&e))?;
    let text = out.buffer_string(|b| String::from_utf8_lossy(b).into_owned());
    Ok(text.lines().map(|l| l.trim_end().to_string()).collect())
}

fn print_refine(label: &str, pcm: &PCM, only: &[&str]) {
    match refine_lines(pcm) {
        Ok(lines) => {
            for l in lines {
                if only.is_empty() || only.iter().any(|k| l.starts_with(k)) {
                    println!("{label}: {l}");
                }
            }
        }
        Err(e) => println!("{label}: {e}"),
    }
}

fn table(dev: &str) {
    use Format::*;
    let base = Cfg::new(S16LE, 48000, 2);
    let mut cases: Vec<Cfg> = Vec::new();
    for f in [
        S16LE,
        S16BE,
        S24LE,
        S24BE,
        S243LE,
        S243BE,
        S32LE,
        S32BE,
        FloatLE,
        FloatBE,
        DSDU8,
        DSDU16LE,
        DSDU16BE,
        DSDU32LE,
        DSDU32BE,
        U8,
        S8,
        U16LE,
        U32LE,
        S203LE,
        Float64LE,
        MuLaw,
        ALaw,
        IEC958SubframeLE,
    ] {
        cases.push(Cfg { format: f, ..base });
    }
    for r in [
        5512, 7999, 8000, 11025, 12345, 44100, 96000, 192000, 384000, 768000, 768001,
    ] {
        cases.push(Cfg { rate: r, ..base });
    }
    for ch in [1, 2, 3, 8, 16, 32, 33, 64] {
        cases.push(Cfg {
            channels: ch,
            ..base
        });
    }
    for a in [
        Access::RWInterleaved,
        Access::RWNonInterleaved,
        Access::MMapInterleaved,
        Access::MMapNonInterleaved,
        Access::MMapComplex,
    ] {
        cases.push(Cfg { access: a, ..base });
    }
    // Sizes in frames of 4 bytes (S16_LE stereo): period bytes 64..1 MiB, buffer ≤ 2 MiB,
    // 1..1024 periods (an integer number of them).
    for (p, b) in [
        (16, 64),
        (15, 60),
        (16, 16 * 1024),
        (16, 16 * 1025),
        (1024, 1024),
        (1024, 1536),
        (262144, 524288),
        (262145, 524290),
        (512, 524288),
        (1024, 1024 * 512),
        (256, 256 * 1024),
    ] {
        cases.push(base.sized(p, b));
    }
    for n in [1, 2, 1024, 1025] {
        cases.push(Cfg {
            periods: Some(n),
            period: Some(64),
            ..base
        });
    }
    cases.push(Cfg::new(S32LE, 768000, 32));
    cases.push(Cfg::new(DSDU32BE, 8000, 32).sized(16, 16));
    for c in &cases {
        let mut label = format!(
            "{} {} {} {}",
            c.format,
            c.rate,
            c.channels,
            access_name(c.access)
        );
        if let Some(p) = c.period {
            label += &format!(" period {p}");
        }
        if let Some(n) = c.periods {
            label += &format!(" periods {n}");
        }
        if let Some(b) = c.buffer {
            label += &format!(" buffer {b}");
        }
        let r = open(dev, Direction::Playback).and_then(|pcm| configure(&pcm, c));
        match r {
            Ok((p, b)) => println!("{label}: ok (period {p}, buffer {b})"),
            Err(e) => println!("{label}: {e}"),
        }
    }
}

fn rules() -> Result<(), String> {
    let s16 = Cfg::new(Format::S16LE, 48000, 2).sized(1024, 4096);
    let s32 = Cfg::new(Format::S32LE, 44100, 1).sized(1024, 4096);
    let cap = Direction::Capture;
    let play = Direction::Playback;

    println!("-- capture S16_LE 48000 2 prepared (alsa-lib prepares in hw_params): the playback must match it");
    let capt = setup(CAPT, cap, &s16)?;
    {
        let p = open(PLAY, play)?;
        print_refine("playback space", &p, &["FORMAT", "CHANNELS", "RATE"]);
    }
    for (what, c) in [
        (
            "S32_LE",
            Cfg {
                format: Format::S32LE,
                ..s16
            },
        ),
        ("44100 Hz", Cfg { rate: 44100, ..s16 }),
        ("1 channel", Cfg { channels: 1, ..s16 }),
        ("S16_LE 48000 2 (the same)", s16),
        (
            "S16_LE 48000 2 MMAP_NONINTERLEAVED",
            Cfg {
                access: Access::MMapNonInterleaved,
                ..s16
            },
        ),
        ("S16_LE 48000 2 period 512", s16.sized(512, 4096)),
    ] {
        show(&format!("playback {what}"), setup(PLAY, play, &c));
    }

    println!("-- the capture closes while the playback stays open: the cable keeps its limits");
    let pl = setup(PLAY, play, &s16)?;
    drop(capt);
    {
        let c = open(CAPT, cap)?;
        print_refine(
            "reopened capture space",
            &c,
            &["FORMAT", "CHANNELS", "RATE"],
        );
    }
    show("reopened capture S32_LE 44100 1", setup(CAPT, cap, &s32));
    drop(pl);
    println!("-- both ends closed: the cable is gone with its limits");
    show("playback S32_LE 44100 1", setup(PLAY, play, &s32));

    raw_rules()?;

    println!("-- matching ends: starting the playback leaves the capture running");
    let capt = setup(CAPT, cap, &s16)?;
    prepare(&capt)?;
    start(&capt)?;
    let pl = setup(PLAY, play, &s16)?;
    prepare(&pl)?;
    show("playback start", start(&pl));
    println!("capture state: {}", state_name(capt.state()));
    show("playback pause", pl.pause(true).map_err(|e| errname(&e)));
    show("playback resume", pl.pause(false).map_err(|e| errname(&e)));
    show("capture drop", capt.drop().map_err(|e| errname(&e)));
    println!("playback state: {}", state_name(pl.state()));
    Ok(())
}

fn rstate(label: &str, p: &RawPcm) {
    println!("{label}: {}", p.state());
}

fn rshow(what: &str, r: std::io::Result<()>) {
    match r {
        Ok(()) => println!("{what}: ok"),
        Err(e) => println!("{what}: {}", raw::errname(&e)),
    }
}

/// Reads the stopped capture until it fails or is empty, collapsing repeated outcomes.
fn raw_drain(p: &RawPcm) {
    let mut outcomes: Vec<String> = Vec::new();
    for _ in 0..64 {
        let (o, last) = match p.read(1024) {
            Ok(0) => ("0".to_string(), true),
            Ok(_) => ("data".to_string(), false),
            Err(e) => (raw::errname(&e), true),
        };
        if outcomes.last() != Some(&o) {
            outcomes.push(o);
        }
        if last {
            break;
        }
    }
    println!(
        "stopped capture: reads give {}, then the state is {}",
        outcomes.join(", "),
        p.state()
    );
}

/// Mismatching ends, reached through raw ioctls: a stream configured (HW_PARAMS) but not yet
/// prepared is not held to the other end's format.
fn raw_rules() -> Result<(), String> {
    let io = |what: &'static str| move |e: std::io::Error| format!("{what}: {}", raw::errname(&e));
    let card = raw::loopback_card().map_err(io("card"))?;
    let (s16, s32) = (&raw::S16_48K_2, &raw::S32_44K_1);
    let ropen = |dev, capture| RawPcm::open(card, dev, capture).map_err(io("open"));

    println!("-- playback configured S32_LE 44100 1 (not prepared) before the capture starts");
    let mut pl = ropen(0, false)?;
    pl.hw_params(s32).map_err(io("playback hw_params"))?;
    let mut capt = ropen(1, true)?;
    rshow("capture S16_LE 48000 2 hw_params", capt.hw_params(s16));
    rshow("capture prepare", capt.prepare());
    rshow("capture start", capt.start());
    std::thread::sleep(std::time::Duration::from_millis(100));
    rstate("capture state", &capt);
    rshow("playback prepare", pl.prepare());
    rstate("capture state after the playback prepare", &capt);
    rshow("playback start", pl.start());
    rstate("playback state", &pl);
    rstate("capture state after the playback start", &capt);
    raw_drain(&capt);
    rshow("capture prepare again", capt.prepare());
    rshow("capture start again", capt.start());
    rstate("capture state", &capt);
    drop(capt);
    {
        let c = open(CAPT, Direction::Capture)?;
        print_refine(
            "capture space, playback running",
            &c,
            &["FORMAT", "CHANNELS", "RATE"],
        );
    }
    let s16c = Cfg::new(Format::S16LE, 48000, 2).sized(1024, 4096);
    let s32c = Cfg::new(Format::S32LE, 44100, 1).sized(1024, 4096);
    show(
        "capture S16_LE 48000 2 while the playback runs",
        setup(CAPT, Direction::Capture, &s16c),
    );
    show(
        "capture S32_LE 44100 1 while the playback runs",
        setup(CAPT, Direction::Capture, &s32c),
    );
    drop(pl);

    println!("-- capture prepared after a mismatching playback was prepared");
    let mut capt = ropen(1, true)?;
    capt.hw_params(s16).map_err(io("capture hw_params"))?;
    let mut pl = ropen(0, false)?;
    rshow("playback S32_LE 44100 1 hw_params", pl.hw_params(s32));
    rshow("playback prepare", pl.prepare());
    rshow("capture prepare", capt.prepare());
    rshow("capture start", capt.start());
    rstate("capture state", &capt);
    rshow("playback start", pl.start());
    rshow("capture start while the playback runs", capt.start());
    rshow("playback drop", pl.drop_stream());
    rshow("capture start after the playback stopped", capt.start());
    rshow("playback hw_free", pl.hw_free());
    rshow("capture start after the playback hw_free", capt.start());
    rstate("capture state", &capt);
    drop(pl);
    drop(capt);

    println!("-- both configured first, the playback prepared and started last");
    let mut pl = ropen(0, false)?;
    let mut capt = ropen(1, true)?;
    rshow("playback S32_LE 44100 1 hw_params", pl.hw_params(s32));
    rshow("capture S16_LE 48000 2 hw_params", capt.hw_params(s16));
    rshow("capture prepare", capt.prepare());
    rshow("playback prepare", pl.prepare());
    rshow("playback start (capture prepared, not running)", pl.start());
    rstate("capture state", &capt);
    rshow("capture start", capt.start());
    drop(pl);
    {
        let p = open(PLAY, Direction::Playback)?;
        print_refine(
            "playback space after that, capture open",
            &p,
            &["FORMAT", "CHANNELS", "RATE"],
        );
    }
    drop(capt);
    Ok(())
}

fn busy() -> Result<(), String> {
    let p = Direction::Playback;
    let first = open(PLAY, p)?;
    show("second open of hw:Loopback,0,0", open(PLAY, p));
    show(
        "capture hw:Loopback,0,0 (the other direction)",
        open("hw:Loopback,0,0", Direction::Capture),
    );
    let mut held = vec![first];
    for i in 0..9 {
        match open("hw:Loopback,0", p) {
            Ok(pcm) => {
                let sub = pcm
                    .info()
                    .map(|i| i.get_subdevice())
                    .map_err(|e| errname(&e))?;
                println!("open {i} of hw:Loopback,0: subdevice {sub}");
                held.push(pcm);
            }
            Err(e) => {
                println!("open {i} of hw:Loopback,0: {e}");
                break;
            }
        }
    }
    drop(held);
    show("hw:Loopback,0,0 after the closes", open(PLAY, p));
    Ok(())
}

/// `p|c/PCM/FORMAT/RATE/CHANNELS/PERIOD/BUFFER[/start]`
fn hold(specs: &[String]) -> Result<(), String> {
    let mut pcms = Vec::new();
    for spec in specs {
        let f: Vec<&str> = spec.split('/').collect();
        if f.len() < 7 {
            return Err(format!("bad spec {spec}"));
        }
        let num = |s: &str| s.parse::<i64>().map_err(|_| format!("bad number {s}"));
        let format: Format = f[2].parse().map_err(|_| "bad format".to_string())?;
        let mut c =
            Cfg::new(format, num(f[3])? as u32, num(f[4])? as u32).sized(num(f[5])?, num(f[6])?);
        let flags = &f[7..];
        if flags.contains(&"ni") {
            c.access = Access::RWNonInterleaved;
        }
        if flags.contains(&"mmap") {
            c.access = Access::MMapInterleaved;
        }
        let pcm = setup(f[1], dir_of(f[0]), &c).map_err(|e| format!("{spec}: {e}"))?;
        prepare(&pcm).map_err(|e| format!("{spec}: {e}"))?;
        if flags.contains(&"start") {
            start(&pcm).map_err(|e| format!("{spec}: {e}"))?;
        }
        pcms.push(pcm);
    }
    println!("held");
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    for (spec, pcm) in specs.iter().zip(&pcms) {
        let st = state_name(pcm.state());
        println!("{spec}: {st}");
    }
    Ok(())
}

/// Writes `value` to the PCM control `name` of device `dev`, subdevice `sub`, and reads it back.
fn cset(dev: &str, sub: &str, name: &str, value: &str) -> Result<(), String> {
    use alsa::ctl::{Ctl, ElemId, ElemIface, ElemType, ElemValue};
    let num = |s: &str| s.parse::<i64>().map_err(|_| format!("bad number {s}"));
    let ctl = Ctl::new("hw:Loopback", false).map_err(|e| format!("ctl: {}", errname(&e)))?;
    let mut id = ElemId::new(ElemIface::PCM);
    id.set_device(num(dev)? as u32);
    id.set_subdevice(num(sub)? as u32);
    let cname = std::ffi::CString::new(name).map_err(|_| "bad name".to_string())?;
    id.set_name(&cname);
    let mut v = ElemValue::new(ElemType::Integer).map_err(|e| errname(&e))?;
    v.set_id(&id);
    v.set_integer(0, num(value)? as i32);
    let w = ctl.elem_write(&v).map_err(|e| errname(&e));
    let mut r = ElemValue::new(ElemType::Integer).map_err(|e| errname(&e))?;
    r.set_id(&id);
    let read = ctl.elem_read(&mut r).map_err(|e| errname(&e));
    let shown = match read {
        Ok(()) => r.get_integer(0).map_or("?".to_string(), |x| x.to_string()),
        Err(e) => e,
    };
    let w = w.map_or_else(|e| e, |()| "ok".to_string());
    println!("'{name}' device {dev} subdevice {sub} := {value}: {w}, reads {shown}");
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let r = match args.get(1).map(String::as_str) {
        Some("table") => {
            table(args.get(2).map_or(PLAY, String::as_str));
            Ok(())
        }
        Some("refine") if args.len() == 4 => {
            open(&args[2], dir_of(&args[3])).map(|pcm| print_refine("space", &pcm, &[]))
        }
        Some("rules") => rules(),
        Some("busy") => busy(),
        Some("hold") => hold(&args[2..]),
        Some("cset") if args.len() == 6 => cset(&args[2], &args[3], &args[4], &args[5]),
        _ => Err("usage: aloop-hwparams table|refine PCM p|c|rules|busy|hold SPEC...|cset DEV SUB NAME VAL".into()),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            println!("aloop-hwparams: FAIL: {e}");
            ExitCode::FAILURE
        }
    }
}
