//! The process's allocator: mimalloc, asked the way the standard library asks the C
//! library's `malloc`.
//!
//! A request allocates many small short-lived values (GraphQL values, rows, JSON) on
//! several threads, which mimalloc serves at a fraction of glibc malloc's cost. The
//! `mimalloc` crate, though, passes every request to `mi_malloc_aligned`, and mimalloc 3
//! serves an aligned request quickly only while the free list of its size has a block;
//! otherwise it allocates the size plus the alignment and aligns the pointer inside, a
//! slow path that keeps the fast one from ever being refilled for that size. On a page of
//! 100 projects that was a twelfth of the server's instructions.
//!
//! Plain `mi_malloc` already returns blocks aligned to 16 bytes (mimalloc rounds small sizes
//! to 16 bytes, as a C `malloc` must for `max_align_t`), which covers nearly every Rust
//! value: only larger alignments go through the aligned calls. `std::alloc::System` follows
//! the same rule with the C library's `malloc`.
use libmimalloc_sys as mi;
use std::alloc::{GlobalAlloc, Layout};

/// The alignment of every block plain `mi_malloc` returns (at least as large as the size).
const PLAIN_ALIGN: usize = 16;

/// mimalloc as the global allocator; see the module's comment.
pub struct Mimalloc;

/// Whether plain allocation of `size` bytes is aligned enough for `align`.
fn plain(align: usize, size: usize) -> bool {
    align <= PLAIN_ALIGN && align <= size
}

// SAFETY: each method hands mimalloc a request it accepts and returns what mimalloc returns:
// null, or a block of at least the size asked for, aligned to `layout.align()` (by `plain`,
// or by asking for the alignment). Blocks from any of these calls are freed by `mi_free`.
unsafe impl GlobalAlloc for Mimalloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_malloc(layout.size()).cast()
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if plain(layout.align(), layout.size()) {
                mi::mi_zalloc(layout.size()).cast()
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from one of the allocations above.
        unsafe { mi::mi_free(ptr.cast()) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from one of the allocations above; the new block keeps the
        // alignment by the same rule as `alloc`.
        unsafe {
            if plain(layout.align(), new_size) {
                mi::mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi::mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_is_as_aligned_and_as_large_as_asked_and_keeps_its_bytes() {
        let allocator = Mimalloc;
        for align in [1, 2, 4, 8, 16, 32, 64, 128, 4096] {
            for size in [1, 3, 7, 8, 12, 16, 24, 40, 48, 100, 1000, 5000, 70_000] {
                let Ok(layout) = Layout::from_size_align(size, align) else {
                    continue;
                };
                // SAFETY: the layout has a non-zero size; each block is written within its
                // size, read back and freed once, with the layout it was allocated with.
                unsafe {
                    let zeroed = allocator.alloc_zeroed(layout);
                    assert!(!zeroed.is_null());
                    assert_eq!(zeroed as usize % align, 0, "size {size}, align {align}");
                    assert!(std::slice::from_raw_parts(zeroed, size).iter().all(|b| *b == 0));
                    allocator.dealloc(zeroed, layout);

                    let block = allocator.alloc(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "size {size}, align {align}");
                    for i in 0..size {
                        *block.add(i) = (i % 251) as u8;
                    }
                    let grown = allocator.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "grown: size {size}, align {align}");
                    assert!(
                        (0..size).all(|i| *grown.add(i) == (i % 251) as u8),
                        "the bytes move with the block"
                    );
                    allocator.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());
                }
            }
        }
    }
}
