//! Command line of seq-fuzz (see the crate documentation for the usage text).

use std::time::Duration;

pub const USAGE: &str = "usage: seq-fuzz [--seed N] [--seconds N] [--threads N] \
[--bridge CLIENT:PORT] [--oss] [--virmidi RAWMIDI] [--uart-loopback]";

#[derive(Debug, PartialEq, Eq)]
pub struct Config {
    /// None: pick one from the kernel's random pool (and print it).
    pub seed: Option<u64>,
    pub duration: Duration,
    /// Workers per part (bridge senders; OSS file users); other roles scale with it.
    pub threads: usize,
    /// The bridge port to fuzz (part a).
    pub bridge: Option<(i32, i32)>,
    /// Fuzz /dev/sequencer and /dev/sequencer2 (part b).
    pub oss: bool,
    /// A snd-virmidi rawmidi device: random bytes written to it reach OSS readers as input.
    pub virmidi: Option<String>,
    /// Put the UART at 0x2f8 in loopback: bytes the bridge sends come back as its input.
    pub uart_loopback: bool,
}

fn parse_addr(text: &str) -> Option<(i32, i32)> {
    let (client, port) = text.split_once(':')?;
    Some((client.parse().ok()?, port.parse().ok()?))
}

pub fn parse(args: &[String]) -> Result<Config, String> {
    let mut cfg = Config {
        seed: None,
        duration: Duration::from_secs(60),
        threads: 3,
        bridge: None,
        oss: false,
        virmidi: None,
        uart_loopback: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs {what}"))
        };
        match arg.as_str() {
            "--seed" => {
                let v = value("a number")?;
                cfg.seed = Some(v.parse().map_err(|_| format!("bad seed '{v}'"))?);
            }
            "--seconds" => {
                let v = value("a number")?;
                let s: u64 = v.parse().map_err(|_| format!("bad seconds '{v}'"))?;
                cfg.duration = Duration::from_secs(s);
            }
            "--threads" => {
                let v = value("a number")?;
                cfg.threads = v
                    .parse()
                    .ok()
                    .filter(|&n| (1..=16).contains(&n))
                    .ok_or_else(|| format!("bad thread count '{v}' (1..=16)"))?;
            }
            "--bridge" => {
                let v = value("CLIENT:PORT")?;
                cfg.bridge = Some(parse_addr(&v).ok_or_else(|| format!("bad address '{v}'"))?);
            }
            "--virmidi" => cfg.virmidi = Some(value("a rawmidi device")?),
            "--oss" => cfg.oss = true,
            "--uart-loopback" => cfg.uart_loopback = true,
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if cfg.bridge.is_none() && !cfg.oss {
        return Err("nothing to fuzz: give --bridge and/or --oss".into());
    }
    Ok(cfg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn parses_every_option() {
        let cfg = parse(&args(
            "--seed 18446744073709551615 --seconds 5 --threads 2 --bridge 16:0 --oss \
             --virmidi /dev/snd/midiC1D0 --uart-loopback",
        ))
        .unwrap();
        assert_eq!(cfg.seed, Some(u64::MAX));
        assert_eq!(cfg.duration, Duration::from_secs(5));
        assert_eq!(cfg.threads, 2);
        assert_eq!(cfg.bridge, Some((16, 0)));
        assert!(cfg.oss && cfg.uart_loopback);
        assert_eq!(cfg.virmidi.as_deref(), Some("/dev/snd/midiC1D0"));
    }

    #[test]
    fn refuses_bad_input() {
        assert!(parse(&args("--seed")).is_err());
        assert!(parse(&args("--seed x --oss")).is_err());
        assert!(parse(&args("--bridge 16 --oss")).is_err());
        assert!(parse(&args("--threads 0 --oss")).is_err());
        assert!(parse(&args("--seconds 3")).is_err());
        assert!(parse(&args("--oss --frobnicate")).is_err());
    }
}
