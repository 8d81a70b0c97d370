//! The card's mixer controls through `/dev/snd/controlC<card>`: the list of elements
//! (ELEM_LIST, ELEM_INFO) and reads and writes of extreme values (ELEM_READ, ELEM_WRITE).

use crate::gen;
use crate::rng::Rng;
use crate::sys::{self, ElemId, ElemInfo, ElemList, ElemValue};
use std::fs::{File, OpenOptions};
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::OpenOptionsExt;

/// A boolean, integer, 64-bit integer or enumerated element and the range its info gives.
#[derive(Clone, Copy)]
pub struct Element {
    id: ElemId,
    ty: i32,
    count: u32,
    min: i64,
    max: i64,
}

/// Opens the card's control device (non-blocking).
pub fn open(card: u32) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(format!("/dev/snd/controlC{card}"))
}

/// Every element with values pcm-fuzz knows how to write.
pub fn elements(ctl: &File) -> io::Result<Vec<Element>> {
    let fd = ctl.as_raw_fd();
    let mut list = ElemList::new(0, std::ptr::null_mut());
    sys::ioctl_with(fd, sys::CTL_ELEM_LIST, &mut list)?;
    let mut ids: Vec<ElemId> = (0..list.count).map(|_| sys::zeroed()).collect();
    let mut list = ElemList::new(ids.len() as u32, ids.as_mut_ptr());
    sys::ioctl_with(fd, sys::CTL_ELEM_LIST, &mut list)?;
    let mut out = Vec::new();
    for id in &ids[..list.used as usize] {
        let mut info = ElemInfo::new(*id);
        sys::ioctl_with(fd, sys::CTL_ELEM_INFO, &mut info)?;
        let (min, max) = match info.ty {
            sys::ELEM_BOOLEAN => (0, 1),
            sys::ELEM_INTEGER | sys::ELEM_INTEGER64 => (info.value[0], info.value[1]),
            // The item count is the union's first u32.
            sys::ELEM_ENUMERATED => (0, (info.value[0] & 0xffff_ffff) - 1),
            _ => continue,
        };
        out.push(Element {
            id: *id,
            ty: info.ty,
            count: info.count.min(128),
            min,
            max,
        });
    }
    Ok(out)
}

/// Writes (80 %) or reads one element: every value at or beyond its limits, now and then
/// with a numid that names no element.
pub fn poke(ctl: &File, rng: &mut Rng, e: &Element) -> io::Result<()> {
    let mut v = ElemValue::new(e.id);
    if rng.chance(5) {
        v.id.numid = rng.below(1000) as u32;
    }
    if rng.chance(20) {
        return sys::ioctl_with(ctl.as_raw_fd(), sys::CTL_ELEM_READ, &mut v).map(drop);
    }
    for i in 0..e.count as usize {
        let x = gen::control_value(rng, e.min, e.max);
        if e.ty == sys::ELEM_ENUMERATED {
            // `unsigned int item[128]` over the same bytes: two items per i64.
            let shift = 32 * (i % 2);
            v.value[i / 2] |= (x & 0xffff_ffff) << shift;
        } else {
            v.value[i] = x;
        }
    }
    sys::ioctl_with(ctl.as_raw_fd(), sys::CTL_ELEM_WRITE, &mut v).map(drop)
}

/// Sets the PCM subdevice the next opens of this thread prefer (-1: any).
pub fn prefer_subdevice(ctl: &File, subdevice: i32) -> io::Result<()> {
    let mut s = subdevice;
    sys::ioctl_with(ctl.as_raw_fd(), sys::CTL_PCM_PREFER_SUBDEVICE, &mut s).map(drop)
}
