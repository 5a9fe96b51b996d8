//! The address map of an executable: virtual address → file offset in `O(log n)`.
//!
//! Go's `DataReader` takes the *first mapping in header order* that contains an address, and reads to the end of
//! that mapping. Hostile headers can list hundreds of overlapping mappings, so instead of a linear scan per lookup
//! the map is cut once (`O(n log n)`) into disjoint pieces, each naming the header-order winner for its addresses;
//! a lookup is then one binary search.

use super::Mapping;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A disjoint address range `[start, end)` and the index of the mapping that wins there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Piece {
    start: u64,
    /// Exclusive; `u128` so that a range reaching the top of the address space fits.
    end: u128,
    map: usize,
}

/// File-backed address ranges in header order, with a lookup table.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AddrMap {
    maps: Vec<Mapping>,
    pieces: Vec<Piece>,
}

impl AddrMap {
    /// Builds the lookup table for `maps` (header order: the first containing an address wins).
    pub(crate) fn new(maps: Vec<Mapping>) -> Self {
        // The addresses a mapping can serve: those whose file offset does not overflow u64.
        let span = |m: &Mapping| -> Option<(u128, u128)> {
            let room = u128::from(u64::MAX - m.offset) + 1;
            let len = u128::from(m.size).min(room);
            let end = (u128::from(m.vaddr) + len).min(1 << 64);
            (len > 0).then(|| (u128::from(m.vaddr), end))
        };
        let spans: Vec<Option<(u128, u128)>> = maps.iter().map(span).collect();
        let mut bounds: Vec<u128> = spans.iter().flatten().flat_map(|&(a, b)| [a, b]).collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut by_start: Vec<usize> = (0..maps.len()).filter(|&i| spans[i].is_some()).collect();
        by_start.sort_by_key(|&i| spans[i].map(|s| s.0));
        let mut active = BinaryHeap::new();
        let mut next = 0;
        let mut pieces: Vec<Piece> = Vec::new();
        for w in bounds.windows(2) {
            let (a, b) = (w[0], w[1]);
            while let Some(&i) = by_start.get(next) {
                match spans[i] {
                    Some((s, _)) if s <= a => {
                        active.push(Reverse(i));
                        next += 1;
                    }
                    _ => break,
                }
            }
            while let Some(&Reverse(top)) = active.peek() {
                if spans[top].is_some_and(|(_, e)| e <= a) {
                    active.pop();
                } else {
                    break;
                }
            }
            let Some(&Reverse(winner)) = active.peek() else {
                continue;
            };
            match pieces.last_mut() {
                Some(p) if p.map == winner && p.end == a => p.end = b,
                _ => pieces.push(Piece {
                    // a < b <= 2^64, so a fits in u64.
                    start: a as u64,
                    end: b,
                    map: winner,
                }),
            }
        }
        Self { maps, pieces }
    }

    /// Translates `addr` into `(file offset, bytes left in its mapping)`, like Go's `DataReader`.
    pub(crate) fn resolve(&self, addr: u64) -> Option<(u64, u64)> {
        let i = self
            .pieces
            .partition_point(|p| p.start <= addr)
            .checked_sub(1)?;
        let p = self.pieces[i];
        if u128::from(addr) >= p.end {
            return None;
        }
        let m = self.maps[p.map];
        let delta = addr - m.vaddr;
        Some((m.offset + delta, m.size - delta))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(vaddr: u64, size: u64, offset: u64) -> Mapping {
        Mapping {
            vaddr,
            size,
            offset,
        }
    }

    /// The definition: the first mapping in header order containing the address.
    fn linear(maps: &[Mapping], addr: u64) -> Option<(u64, u64)> {
        maps.iter().find_map(|m| {
            let delta = addr.checked_sub(m.vaddr)?;
            let off = m.offset.checked_add(delta)?;
            (delta < m.size).then(|| (off, m.size - delta))
        })
    }

    #[test]
    fn lookups_equal_the_linear_first_match_rule() {
        let maps = vec![
            m(0x2000, 0x1000, 0x100),
            m(0x1000, 0x4000, 0x9000),
            m(0x2800, 0x100, 0x50),
            m(0, 0, 0),
            m(u64::MAX - 0x10, 0x100, 7),
            m(0x8000, u64::MAX, u64::MAX - 0x20),
            m(0x3000, 0x10, 0x3000),
        ];
        let map = AddrMap::new(maps.clone());
        let mut probes = vec![0, u64::MAX, u64::MAX - 0x10, u64::MAX - 1];
        for mm in &maps {
            for d in [0u64, 1, 0xf, 0x10, 0x20, 0x21, 0xfff, 0x1000, 0x1001] {
                probes.push(mm.vaddr.wrapping_add(d));
                probes.push(mm.vaddr.wrapping_add(mm.size).wrapping_sub(d));
            }
        }
        for addr in probes {
            assert_eq!(map.resolve(addr), linear(&maps, addr), "addr {addr:#x}");
        }
    }

    #[test]
    fn thousands_of_identical_mappings_cut_into_one_piece() {
        let maps: Vec<Mapping> = (0..5000).map(|_| m(0x1000, 0x1000, 0)).collect();
        let map = AddrMap::new(maps);
        assert_eq!(map.pieces.len(), 1);
        assert_eq!(map.resolve(0x1800), Some((0x800, 0x800)));
    }
}
