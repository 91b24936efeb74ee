//! Putting millions of lines and reasons in statement order without
//! comparing participant ids over and over.
//!
//! Settling orders lines by (date, participant id, item, occurrence) and
//! reasons by (participant id, reason). Comparing ids inside a sort reads
//! two strings elsewhere in memory at each of its ~20 comparisons per
//! line; instead each participant gets its **rank** — its place among all
//! ids in byte order, equal ids equal ranks — once ([`ranks`]), and lines
//! are sorted as packed integers ([`Packed`]), then moved into place once
//! ([`permute`]). The order is exactly the one the ids give.

/// The rank of each of `n` ids (`id(i)` gives the `i`th) in byte order
/// of the ids: equal ids get one rank, and `rank(a) < rank(b)` exactly
/// when `a < b`. Gives the ranks by position and how many distinct ids
/// there are.
pub(super) fn ranks<'a>(n: usize, id: impl Fn(usize) -> &'a str) -> (Vec<u32>, usize) {
    let n32 = u32::try_from(n).expect("fewer than 2^32 ids to rank");
    // 16 bytes an id: its prefix key above its position.
    let mut order: Vec<u128> = (0..n32).map(|i| (prefix(id(i as usize)) << 32) | u128::from(i)).collect();
    let position = |key: u128| (key & u128::from(u32::MAX)) as usize;
    // Equal prefixes (the same id, or ids longer than the prefix) are
    // decided by the ids themselves, then by position.
    order.sort_unstable_by(|a, b| {
        (a >> 32).cmp(&(b >> 32)).then_with(|| id(position(*a)).cmp(id(position(*b)))).then(a.cmp(b))
    });
    let mut ranks = vec![0; n];
    let mut distinct = 0;
    let mut previous: Option<u128> = None;
    for &key in &order {
        let same = previous.is_some_and(|p| p >> 32 == key >> 32 && id(position(p)) == id(position(key)));
        distinct += u32::from(!same);
        ranks[position(key)] = distinct - 1;
        previous = Some(key);
    }
    (ranks, distinct as usize)
}

/// Bytes of an id that [`prefix`] keeps.
const PREFIX_BYTES: usize = 11;

/// A 96-bit integer ordered as ids are, up to ties: the first 11 bytes
/// (zero padded) above the length, which counts up to 12 ("longer"). For
/// ids of at most 11 bytes (a personal identity code has 11), equal keys
/// mean equal ids, and the order is the byte order: a shorter id padded
/// with zeros sorts before one that goes on.
fn prefix(id: &str) -> u128 {
    let bytes = id.as_bytes();
    let mut key = [0u8; 16];
    let kept = bytes.len().min(PREFIX_BYTES);
    key[4..4 + kept].copy_from_slice(&bytes[..kept]);
    key[15] = bytes.len().min(PREFIX_BYTES + 1) as u8;
    u128::from_be_bytes(key)
}

/// Sort keys packed into one integer: each part in as many bits as its
/// largest value needs, the first part highest, the position of the item
/// in the lowest bits. Integers compare as the tuple (parts, position)
/// does, so sorting them is total and the same on every run.
struct Packed {
    /// Bits of each part, then of the position.
    bits: Vec<u32>,
}

impl Packed {
    /// Keys for parts up to `largest` each (the position's largest last).
    fn for_largest(largest: &[u64]) -> Self {
        Packed { bits: largest.iter().map(|l| u64::BITS - l.leading_zeros()).collect() }
    }

    fn total_bits(&self) -> u32 {
        self.bits.iter().sum()
    }

    /// Only for keys of at most 128 bits.
    fn key(&self, parts: impl IntoIterator<Item = u64>) -> u128 {
        parts.into_iter().zip(&self.bits).fold(0u128, |key, (part, bits)| (key << bits) | u128::from(part))
    }

    fn position(&self, key: u128) -> u32 {
        let bits = self.bits.last().copied().unwrap_or(0);
        (key & ((1u128 << bits) - 1)) as u32
    }
}

/// The positions of `n` items (fewer than 2^32) in the order of their
/// `parts`, compared as a tuple (`largest` holds the largest of each
/// part), then of their positions. The parts are packed with the position
/// into a `u64` or a `u128` when they fit, which sorts several times faster
/// than comparing tuples.
pub(super) fn order_by<const N: usize>(n: usize, largest: [u64; N], parts: impl Fn(usize) -> [u64; N]) -> Vec<u32> {
    let n32 = u32::try_from(n).expect("fewer than 2^32 items to order");
    let packed = Packed::for_largest(&[&largest[..], &[u64::from(n32)]].concat());
    let key = |i: usize| packed.key(parts(i).into_iter().chain([i as u64]));
    match packed.total_bits() {
        0..=64 => {
            let mut keys: Vec<u64> = (0..n).map(|i| key(i) as u64).collect();
            keys.sort_unstable();
            keys.into_iter().map(|k| packed.position(u128::from(k))).collect()
        }
        65..=128 => {
            let mut keys: Vec<u128> = (0..n).map(key).collect();
            keys.sort_unstable();
            keys.into_iter().map(|k| packed.position(k)).collect()
        }
        _ => {
            let mut order: Vec<u32> = (0..n32).collect();
            order.sort_unstable_by_key(|&i| (parts(i as usize), i));
            order
        }
    }
}

/// Moves the items so that the item at position `i` becomes the one that
/// was at `order[i]`: each item moves once along its cycle, with no second
/// list of items. `order` must be a permutation of the positions.
pub(super) fn permute<T>(items: &mut [T], order: Vec<u32>) {
    debug_assert_eq!(items.len(), order.len());
    permute_by(order, |a, b| items.swap(a, b));
}

/// [`permute`] for lists kept side by side: `swap` swaps the items at two
/// positions in each.
pub(super) fn permute_by(mut order: Vec<u32>, mut swap: impl FnMut(usize, usize)) {
    const DONE: u32 = u32::MAX;
    for start in 0..order.len() {
        let mut at = start;
        while order[at] != DONE {
            let from = order[at] as usize;
            order[at] = DONE;
            if from == start {
                break;
            }
            swap(at, from);
            at = from;
        }
    }
}

/// Each of `days` as a dense number in the days' order, and how many
/// numbers there may be: the day less the first when the days span not
/// many more days than there are items, else the day's place among the
/// distinct days (a hostile file may date lines millennia apart).
pub(super) fn day_numbers(days: &[i32]) -> (Vec<u32>, usize) {
    let (Some(first), Some(last)) = (days.iter().min(), days.iter().max()) else { return (Vec::new(), 0) };
    let span = (i64::from(*last) - i64::from(*first)) as usize + 1;
    if span <= days.len().saturating_add(1 << 16) {
        return (days.iter().map(|d| (d - first) as u32).collect(), span);
    }
    let mut distinct = days.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let place = |d: &i32| distinct.binary_search(d).map_or(0, |at| at as u32);
    (days.iter().map(place).collect(), distinct.len())
}

/// The items of `chunks` grouped by day, in day order and in input order
/// within a day, each split in two by `split` into two lists side by side,
/// with where each day's items start (and, last, the end): a counting
/// sort. `day[i]` (less than `days`) is the day number of the `i`th item.
/// Each item is moved once, straight into its place, and each chunk is
/// freed as soon as its items are moved, so the memory held is about one
/// list throughout; the places written are one running place per day, not
/// all over the list.
pub(super) fn grouped_by_day<T, A, B>(
    chunks: impl IntoIterator<Item = Vec<T>>,
    day: &[u32],
    days: usize,
    split: impl Fn(T) -> (A, B),
) -> (Vec<A>, Vec<B>, Vec<usize>) {
    let mut starts = vec![0usize; days + 1];
    for &d in day {
        starts[d as usize + 1] += 1;
    }
    for d in 1..starts.len() {
        starts[d] += starts[d - 1];
    }
    let mut next = starts[..days].to_vec();
    let (mut firsts, mut seconds) = (Vec::with_capacity(day.len()), Vec::with_capacity(day.len()));
    let (first_places, second_places) = (firsts.spare_capacity_mut(), seconds.spare_capacity_mut());
    let mut moved = 0;
    for item in chunks.into_iter().flatten() {
        let at = &mut next[day[moved] as usize];
        let (first, second) = split(item);
        first_places[*at].write(first);
        second_places[*at].write(second);
        *at += 1;
        moved += 1;
    }
    // Every day's run filled to the next day's start, by as many items as
    // there are days given: every place was written, each once.
    assert!(moved == day.len() && next[..] == starts[1..], "one day given for each item");
    // SAFETY: the runs `starts[d]..starts[d + 1]` cover `0..day.len()`
    // without overlapping, and each was written in full in both lists
    // (checked above).
    unsafe {
        firsts.set_len(moved);
        seconds.set_len(moved);
    }
    (firsts, seconds, starts)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;

    fn ids(texts: &[&str]) -> Vec<Arc<str>> {
        texts.iter().map(|t| Arc::from(*t)).collect()
    }

    #[test]
    fn ranks_follow_byte_order_with_equal_ids_equal() {
        let ids = ids(&["b", "", "a", "ab", "a\0", "b", "a-very-long-identifier-2", "a-very-long-identifier-10"]);
        let (ranks, distinct) = ranks(ids.len(), |i| &ids[i]);
        assert_eq!(distinct, 7);
        for (x, rx) in ids.iter().zip(&ranks) {
            for (y, ry) in ids.iter().zip(&ranks) {
                assert_eq!(rx.cmp(ry), x.cmp(y), "{x:?} {y:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn ranks_order_as_the_ids_do(texts in proptest::collection::vec("[a\\x00-\\x02]{0,14}", 0..40)) {
            let ids: Vec<Arc<str>> = texts.iter().map(|t| Arc::from(t.as_str())).collect();
            let (ranks, distinct) = ranks(ids.len(), |i| &ids[i]);
            let mut unique = texts.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(distinct, unique.len());
            for (i, x) in ids.iter().enumerate() {
                for (j, y) in ids.iter().enumerate() {
                    prop_assert_eq!(ranks[i].cmp(&ranks[j]), x.cmp(y));
                }
            }
        }

        #[test]
        fn order_by_sorts_as_the_comparison_and_permute_applies_it(
            items in proptest::collection::vec((0u64..5, 0u64..300, 0u64..3), 0..200),
            wide in any::<bool>(),
        ) {
            // `wide` makes the parts too large to pack: the comparison alone.
            // Wide parts do not fit in 128 bits: tuples are compared.
            let largest = if wide { [u64::MAX; 3] } else { [4, 299, 2] };
            let order = order_by(items.len(), largest, |i| [items[i].0, items[i].1, items[i].2]);
            let mut moved = items.clone();
            permute(&mut moved, order);
            let mut sorted = items.clone();
            sorted.sort();
            prop_assert_eq!(moved, sorted);
        }
    }

    proptest! {
        #[test]
        fn grouping_by_day_is_a_stable_sort_by_day_whatever_the_chunks(
            days in proptest::collection::vec(0i32..40, 0..300),
            far in proptest::option::of(-3_000_000i32..3_000_000),
            chunk in 1usize..50,
        ) {
            // `far` puts one item millennia away: days are then numbered
            // by their place among the distinct days.
            let mut days = days;
            if let (Some(far), false) = (far, days.is_empty()) {
                days[0] = far;
            }
            let items: Vec<(i32, usize)> = days.iter().copied().zip(0..).collect();
            let chunks: Vec<Vec<(i32, usize)>> = items.chunks(chunk).map(<[_]>::to_vec).collect();
            let (numbers, count) = day_numbers(&days);
            prop_assert!(numbers.iter().all(|n| (*n as usize) < count));
            prop_assert!(count <= days.len() + (1 << 16));
            let (grouped, positions, starts) = grouped_by_day(chunks, &numbers, count, |(day, at)| ((day, at), at));
            prop_assert!(grouped.iter().zip(&positions).all(|((_, at), position)| at == position));
            let mut sorted = items.clone();
            sorted.sort_by_key(|(day, _)| *day);
            prop_assert_eq!(&grouped, &sorted);
            prop_assert_eq!(starts.len(), count + 1);
            prop_assert_eq!(starts[count], items.len());
            for run in starts.windows(2) {
                let run = &grouped[run[0]..run[1]];
                prop_assert!(run.iter().all(|(day, _)| *day == run[0].0));
            }
        }
    }

    #[test]
    #[should_panic(expected = "one day given for each item")]
    fn grouping_refuses_fewer_items_than_days() {
        grouped_by_day(vec![vec!['a']], &[0, 0], 1, |c| (c, ()));
    }

    #[test]
    fn permute_follows_every_cycle() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e'];
        permute(&mut items, vec![2, 0, 1, 4, 3]);
        assert_eq!(items, vec!['c', 'a', 'b', 'e', 'd']);
    }
}
