//! The duplicate check's table of chain heads: for each 64-bit
//! participant hash, the last record read with it.
//!
//! A national file adds a million hashes, nearly all new, in input order
//! on one thread, and each lands in a random place of a table of tens of
//! megabytes: the insert's write is a wait for memory. A general hash map
//! keeps a key's control bytes and its entry apart, so reading ahead finds
//! an absent key without touching the entry its insert then writes. Here
//! a slot holds the hash and the record together, and probing is linear
//! from the hash's home slot, so reading the home slots of the coming
//! hashes ahead of their inserts ([`Heads::touch`]) brings in the very
//! memory the inserts write.

/// Hash → the last record with it (its index in input order).
#[derive(Default)]
pub(super) struct Heads {
    /// A power of two of them, at most half full; none until the first
    /// hash is added. A slot is the hash and its record's index + 1, with
    /// 0 for a free slot: a new table is all zeros, which the allocator
    /// hands out as untouched pages, so a table takes memory as it fills.
    slots: Vec<[u64; 2]>,
    len: usize,
}

/// Slots of the first table: a small file stays small.
const FIRST_SLOTS: usize = 1 << 10;

impl Heads {
    /// The last record added with `hash`.
    pub(super) fn get(&self, hash: u64) -> Option<u32> {
        let mask = self.slots.len().checked_sub(1)?;
        let mut at = home(hash, mask);
        loop {
            match self.slots[at] {
                [_, 0] => return None,
                // Below `u32::MAX` when set.
                [h, record] if h == hash => return Some((record - 1) as u32),
                _ => at = (at + 1) & mask,
            }
        }
    }

    /// Makes `record` the last one with `hash`.
    pub(super) fn set(&mut self, hash: u64, record: u32) {
        if (self.len + 1) * 2 > self.slots.len() {
            self.grow();
        }
        if self.put([hash, u64::from(record) + 1]) {
            self.len += 1;
        }
    }

    /// Reads the home slot of `hash` and gives something of it, so that a
    /// caller can keep the read from being optimised away: ahead of
    /// [`Heads::set`], to have the slot in the cache by then.
    pub(super) fn touch(&self, hash: u64) -> u64 {
        self.slots.len().checked_sub(1).map_or(0, |mask| self.slots[home(hash, mask)][1])
    }

    /// Puts `new` in the slot of its hash, or in the first free slot after
    /// its home; true when that slot was free.
    fn put(&mut self, new: [u64; 2]) -> bool {
        let mask = self.slots.len() - 1;
        let mut at = home(new[0], mask);
        loop {
            let slot = &mut self.slots[at];
            if slot[1] == 0 || slot[0] == new[0] {
                let was_free = slot[1] == 0;
                *slot = new;
                return was_free;
            }
            at = (at + 1) & mask;
        }
    }

    /// Doubles the table, putting every entry in its new place.
    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(FIRST_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![[0; 2]; size]);
        for slot in old.into_iter().filter(|s| s[1] != 0) {
            self.put(slot);
        }
    }
}

fn home(hash: u64, mask: usize) -> usize {
    // The hashes are SipHash outputs: their low bits are as good as any.
    hash as usize & mask
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use proptest::prelude::*;

    use super::*;

    #[test]
    fn an_empty_table_finds_nothing() {
        let heads = Heads::default();
        assert_eq!(heads.get(7), None);
        assert_eq!(heads.touch(7), 0);
    }

    #[test]
    fn hashes_sharing_a_home_are_told_apart_and_survive_growth() {
        let mut heads = Heads::default();
        // Same low bits: one home slot for all of them, in every size.
        let hashes: Vec<u64> = (0..3000).map(|i| i << 32).collect();
        for (i, &h) in hashes.iter().enumerate() {
            heads.set(h, i as u32);
        }
        for (i, &h) in hashes.iter().enumerate() {
            assert_eq!(heads.get(h), Some(i as u32));
        }
        assert_eq!(heads.get(1 << 20), None);
        heads.set(hashes[5], 9000);
        assert_eq!(heads.get(hashes[5]), Some(9000));
        assert_eq!(heads.len, hashes.len());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// The table answers as a map of hash → last record does.
        #[test]
        fn the_last_record_of_each_hash_is_found(hashes in proptest::collection::vec(0u64..4000, 0..3000)) {
            let (mut heads, mut model) = (Heads::default(), HashMap::new());
            for (i, &h) in hashes.iter().enumerate() {
                // Spread some hashes over the high bits too.
                let h = h.rotate_right((h % 3) as u32 * 21);
                heads.set(h, i as u32);
                model.insert(h, i as u32);
            }
            for h in (0..4000u64).map(|h| h.rotate_right((h % 3) as u32 * 21)) {
                prop_assert_eq!(heads.get(h), model.get(&h).copied());
            }
            prop_assert_eq!(heads.len, model.len());
        }
    }
}
