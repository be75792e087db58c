//! A counting global allocator, per thread, for the tests that bound allocation by input
//! size (the decoder is single-threaded, so each worker thread measures its own inputs).
//! Included as a module by the test binaries that need it; it becomes their global
//! allocator.
#![allow(dead_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Allocation bound, fixed part (definition tables, small vectors).
pub const ALLOC_CONST_BYTES: i64 = 256 * 1024;
/// Allocation bound, bytes per input byte (k). Measured worst case ≈ 312: a file of
/// 2-byte `session` messages, just over a power of two of them (each keeps a 160-byte
/// `SummaryMsg` in a vector that doubles, then a 200-byte `Session` and a 72-byte
/// device-zones slot in `Activity::from_fit`); see tests/regressions.rs
/// `smallest_messages_allocation`. Real files and their mutants peak near 6.
pub const ALLOC_BYTES_PER_INPUT_BYTE: i64 = 512;

/// The most a decode + `Activity::from_fit` + zones of `len` input bytes may hold at once.
pub fn alloc_bound(len: usize) -> i64 {
    ALLOC_CONST_BYTES + ALLOC_BYTES_PER_INPUT_BYTE * len as i64
}

struct Counting;

thread_local! {
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

fn note(delta: i64) {
    let _ = LIVE.try_with(|l| {
        let v = l.get() + delta;
        l.set(v);
        let _ = PEAK.try_with(|p| {
            if v > p.get() {
                p.set(v)
            }
        });
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            note(l.size() as i64);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            note(l.size() as i64);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        note(-(l.size() as i64));
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            note(new as i64 - l.size() as i64);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f` and returns its result with the peak bytes it had allocated at once.
pub fn measure<T>(f: impl FnOnce() -> T) -> (T, i64) {
    let start = LIVE.with(|l| l.get());
    PEAK.with(|p| p.set(start));
    let r = f();
    (r, PEAK.with(|p| p.get()) - start)
}
