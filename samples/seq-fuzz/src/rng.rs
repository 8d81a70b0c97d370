//! The fuzzers' randomness (seq-fuzz, and pcm-fuzz through `#[path]`): xoshiro256++ from the
//! `rand_xoshiro` crate, seeded with `SeedableRng::seed_from_u64`, plus the few helpers the
//! fuzzers draw their choices with. The same seed gives the same choices (the crate's output
//! for a seed is value-stable, and `Cargo.lock` pins it), so a failing run can be replayed as
//! far as thread interleaving allows.

use rand_xoshiro::rand_core::{Rng as _, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

#[derive(Clone, Debug)]
pub struct Rng(Xoshiro256PlusPlus);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(Xoshiro256PlusPlus::seed_from_u64(seed))
    }

    /// The stream of worker `index` for the run's `seed`: the seed's stream jumped ahead
    /// `index` times 2^128 draws, so workers never share a stretch of it.
    pub fn for_worker(seed: u64, index: u64) -> Self {
        let mut rng = Rng::new(seed);
        for _ in 0..index {
            rng.0.jump();
        }
        rng
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    pub fn byte(&mut self) -> u8 {
        (self.next_u64() >> 56) as u8
    }

    /// Uniform in `0..n` (`0` when `n` is 0): the high half of a 128-bit product, no division
    /// (Lemire); its bias, below n / 2^64, does not matter here.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        self.0.fill_bytes(buf);
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.fill(&mut v);
        v
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index into `weights`, each chosen in proportion to its weight (the last one when
    /// all are 0).
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeds must replay across builds: the crate's xoshiro256++ seeded through its
    /// SplitMix64 (`seed_from_u64`).
    #[test]
    fn same_seed_same_stream() {
        let xs: Vec<u64> = {
            let mut rng = Rng::new(7);
            (0..100).map(|_| rng.next_u64()).collect()
        };
        let mut again = Rng::new(7);
        assert!(xs.iter().all(|&x| x == again.next_u64()));
        assert_ne!(Rng::new(8).next_u64(), xs[0]);
        // Pinned: a change of the crate's output for a seed must not pass unnoticed. The
        // value is xoshiro256++'s first output from the state SplitMix64(0) gives (computed
        // apart from the crate, from the reference algorithms).
        assert_eq!(Rng::new(0).next_u64(), 0x5317_5d61_490b_23df);
    }

    #[test]
    fn workers_get_different_streams() {
        let a = Rng::for_worker(7, 0).next_u64();
        let b = Rng::for_worker(7, 1).next_u64();
        assert_ne!(a, b);
        assert_eq!(a, Rng::for_worker(7, 0).next_u64());
        assert_eq!(a, Rng::new(7).next_u64());
    }

    #[test]
    fn bounded_helpers_stay_in_range() {
        let mut rng = Rng::new(42);
        for _ in 0..1000 {
            assert!(rng.below(3) < 3);
            assert!((5..=9).contains(&rng.range(5, 9)));
            assert!(rng.weighted(&[0, 1, 0]) == 1);
        }
        assert_eq!(rng.below(0), 0);
        assert_eq!(rng.range(u64::MAX, u64::MAX), u64::MAX);
    }
}
