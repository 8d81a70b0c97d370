// SPDX-License-Identifier: GPL-2.0
//! snd-review: pairs the functions, structs and tables of the C originals of snd-rs with the
//! Rust items that reimplement them, and reads C patches against both (docs/review.md).

pub mod cdiff;
pub mod cdiff_report;
pub mod csrc;
pub mod kindex;
pub mod locate;
pub mod mapdoc;
pub mod patch;
pub mod project;
pub mod review;
pub mod rsrc;
pub mod tags;
pub mod verdict;

#[cfg(test)]
mod tests;
