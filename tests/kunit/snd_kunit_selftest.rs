// SPDX-License-Identifier: GPL-2.0

//! KUnit suite for the snd_kunit checks themselves: each must fail when it should, and only
//! then. The failures happen on a detached test (`records_failure`), so they are printed as
//! `deliberate_failure` but do not fail this suite.

extern crate snd_kunit;

use core::hint::black_box;
use snd_kunit::{kunit_expect, kunit_expect_eq, kunit_require, kunit_suite, records_failure, Test};

/// A value the compiler cannot see through, so checks on it are real run-time checks.
fn two() -> u32 {
    black_box(2)
}

fn expect_fails_only_on_false(test: &mut Test<'_>) {
    kunit_expect!(test, records_failure(|t| kunit_expect!(t, two() == 3)));
    kunit_expect!(test, !records_failure(|t| kunit_expect!(t, two() == 2)));
}

fn expect_eq_compares_values(test: &mut Test<'_>) {
    kunit_expect!(
        test,
        records_failure(|t| kunit_expect_eq!(t, two() + 40, 43))
    );
    kunit_expect!(
        test,
        !records_failure(|t| kunit_expect_eq!(t, two() + 40, 42))
    );
}

fn expect_continues_after_failure(test: &mut Test<'_>) {
    let mut reached = false;
    let failed = records_failure(|t| {
        kunit_expect!(t, two() == 3, "deliberate");
        reached = true;
    });
    kunit_expect!(test, failed);
    kunit_expect!(test, reached, "kunit_expect! stopped the case");
}

fn require_returns_from_the_case(test: &mut Test<'_>) {
    struct SetOnDrop<'a>(&'a mut bool);
    impl Drop for SetOnDrop<'_> {
        fn drop(&mut self) {
            *self.0 = true;
        }
    }

    let mut reached = false;
    let mut dropped = false;
    let failed = records_failure(|t| {
        let _guard = SetOnDrop(&mut dropped);
        kunit_require!(t, two() == 3, "deliberate");
        reached = true;
    });
    kunit_expect!(test, failed);
    kunit_expect!(test, !reached, "kunit_require! did not return");
    kunit_expect!(test, dropped, "kunit_require! skipped destructors");
    kunit_expect!(test, !records_failure(|t| kunit_require!(t, two() == 2)));
}

kunit_suite!(
    snd_kunit_selftest,
    [
        expect_fails_only_on_false,
        expect_eq_compares_values,
        expect_continues_after_failure,
        require_returns_from_the_case,
    ]
);
