// SPDX-License-Identifier: Apache-2.0
//! The per-worker tables of the facts parsers report.
//!
//! Devices repeat the same facts on every connection (a DNP3 outstation's
//! role and address, an IEC 104 station's identity, a TCP stack's SYN
//! signature), so almost every report finds its fact already counted. With
//! tens of thousands of flows that entry is in no cache, and what a repeat
//! costs is the memory it reads: a fact with its host is 100 to 250 bytes
//! of strings, options and vectors, several lines to load and compare, one
//! more for each string copied from the packet.
//!
//! A [`FactTable`] keys each fact by an encoding of it (see [`KeyEncoder`]:
//! tagged, length-prefixed bytes, equal exactly when the facts are equal)
//! kept in the table's slot next to the count: a repeat reads one slot,
//! compares bytes in it and bumps the count there. The fact itself is
//! stored once, beside the first frame that carried it, and read back only
//! at the end.

use std::hash::BuildHasher;

use plantguard_model::Text;

/// Writes a key as bytes such that two keys give the same bytes exactly
/// when they are equal (every part self-delimiting: tagged or
/// length-prefixed, texts by their content).
pub(crate) trait EncodeKey {
    /// Appends this key's encoding to `out`.
    fn encode(&self, out: &mut KeyEncoder);
}

/// The bytes of one key being encoded.
#[derive(Default)]
pub(crate) struct KeyEncoder {
    bytes: Vec<u8>,
}

impl KeyEncoder {
    /// The bytes written.
    #[cfg(test)]
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// One byte: a tag, a variant or a flag.
    pub fn byte(&mut self, b: u8) {
        self.bytes.push(b);
    }

    /// A length or a number, LEB128 (small ones in one byte).
    pub fn number(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    /// Raw bytes of a fixed length (an address).
    pub fn raw(&mut self, b: &[u8]) {
        self.bytes.extend_from_slice(b);
    }

    /// Bytes of any length: their length, then the bytes.
    pub fn prefixed(&mut self, b: &[u8]) {
        self.number(b.len() as u64);
        self.raw(b);
    }

    /// Text, borrowed or copied alike: its length and bytes.
    pub fn text(&mut self, t: &str) {
        self.prefixed(t.as_bytes());
    }

    /// A tag (a variant) followed by texts.
    pub fn tagged_texts(&mut self, tag: u8, texts: &[&Text]) {
        self.byte(tag);
        for t in texts {
            self.text(t);
        }
    }

    /// Optional text.
    pub fn opt_text(&mut self, t: Option<&Text>) {
        match t {
            None => self.byte(0),
            Some(t) => {
                self.byte(1);
                self.text(t);
            }
        }
    }
}

/// One fact's slot: its encoding (the first `HEAD` bytes of it, the rest
/// with the entry), its count and where the fact is stored; whole cache
/// lines (`HEAD` + 24 bytes).
#[repr(C, align(64))]
struct Slot<const HEAD: usize> {
    hash: u64,
    count: u64,
    entry: u32,
    len: u32,
    head: [u8; HEAD],
}

/// A fact as first reported, and what of its encoding did not fit its slot.
struct Entry<K, A> {
    key: K,
    first: A,
    tail: Box<[u8]>,
}

/// Counts reports of keys `K`, keeping with each the `A` (where it was
/// first seen) of its first report. A key whose encoding is longer than
/// `HEAD` bytes also reads the rest of it from its entry.
pub(crate) struct FactTable<K, A, const HEAD: usize> {
    slots: hashbrown::HashTable<Slot<HEAD>>,
    entries: Vec<Entry<K, A>>,
    hasher: foldhash::fast::RandomState,
    encoder: KeyEncoder,
}

impl<K, A, const HEAD: usize> Default for FactTable<K, A, HEAD> {
    fn default() -> Self {
        FactTable {
            slots: hashbrown::HashTable::new(),
            entries: Vec::new(),
            hasher: foldhash::fast::RandomState::default(),
            encoder: KeyEncoder::default(),
        }
    }
}

impl<K, A, const HEAD: usize> FactTable<K, A, HEAD> {
    /// Counts one report of `key`, first seen at `at` if it is new.
    pub fn report(&mut self, key: K, at: A)
    where
        K: EncodeKey,
    {
        if let Some(hash) = self.count(&key) {
            self.insert(hash, key, at);
        }
    }

    /// Counts one report of the key `query` stands for (it encodes as that
    /// key does), made with `to_key` only when it is new: a report whose
    /// parts are borrowed from the packet copies nothing when its fact is
    /// already counted.
    pub fn report_borrowed<Q: EncodeKey>(
        &mut self,
        query: &Q,
        to_key: impl FnOnce(&Q) -> K,
        at: A,
    ) {
        if let Some(hash) = self.count(query) {
            self.insert(hash, to_key(query), at);
        }
    }

    /// Encodes `key` and counts it when its slot exists; otherwise leaves
    /// its encoding in the encoder and returns its hash for [`Self::insert`].
    fn count<Q: EncodeKey>(&mut self, key: &Q) -> Option<u64> {
        let FactTable {
            slots,
            entries,
            hasher,
            encoder,
        } = self;
        encoder.bytes.clear();
        key.encode(encoder);
        let bytes = encoder.bytes.as_slice();
        let hash = hasher.hash_one(bytes);
        let (head, tail) = bytes.split_at(bytes.len().min(HEAD));
        let found = slots.find_mut(hash, |s| {
            s.hash == hash
                && s.len as usize == bytes.len()
                && s.head.get(..head.len()) == Some(head)
                && (tail.is_empty()
                    || entries
                        .get(s.entry as usize)
                        .is_some_and(|e| *e.tail == *tail))
        });
        match found {
            Some(slot) => {
                slot.count = slot.count.saturating_add(1);
                None
            }
            None => Some(hash),
        }
    }

    /// Stores a new key, whose encoding [`Self::count`] just left in the
    /// encoder.
    fn insert(&mut self, hash: u64, key: K, at: A) {
        let bytes = self.encoder.bytes.as_slice();
        let (head, tail) = bytes.split_at(bytes.len().min(HEAD));
        let mut slot = Slot {
            hash,
            count: 1,
            entry: u32::try_from(self.entries.len()).unwrap_or(u32::MAX),
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
            head: [0; HEAD],
        };
        slot.head[..head.len()].copy_from_slice(head);
        self.entries.push(Entry {
            key,
            first: at,
            tail: tail.into(),
        });
        self.slots.insert_unique(hash, slot, |s| s.hash);
    }

    /// Entries: facts stored.
    #[cfg(test)]
    pub fn entries(&self) -> usize {
        self.entries.len()
    }

    /// Every fact with where it was first seen and how often it was
    /// reported, in the order first reported.
    pub fn into_entries(self) -> impl Iterator<Item = (K, A, u64)> {
        let mut counts = vec![0u64; self.entries.len()];
        for s in &self.slots {
            if let Some(c) = counts.get_mut(s.entry as usize) {
                *c = s.count;
            }
        }
        self.entries
            .into_iter()
            .zip(counts)
            .map(|(e, n)| (e.key, e.first, n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A key of two texts, as most host facts are.
    #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
    struct Pair(Text, Text);

    /// Slots as the host facts' table has them.
    const HEAD: usize = 40;
    type Table = FactTable<Pair, u32, HEAD>;

    impl EncodeKey for Pair {
        fn encode(&self, out: &mut KeyEncoder) {
            out.text(&self.0);
            out.text(&self.1);
        }
    }

    fn owned(s: &str) -> Text {
        Text::Owned(s.to_string())
    }

    /// What the merge does with a worker's entries: equal facts joined,
    /// first position kept, counts summed.
    fn merged(t: Table) -> BTreeMap<Pair, (u32, u64)> {
        let mut m = BTreeMap::new();
        for (k, at, n) in t.into_entries() {
            let e = m.entry(k).or_insert((at, 0));
            e.0 = e.0.min(at);
            e.1 += n;
        }
        m
    }

    #[test]
    fn a_repeated_fact_is_counted_in_one_slot_with_its_first_position() {
        let mut t = Table::default();
        t.report(Pair("dnp3_role".into(), "master".into()), 1);
        t.report(Pair("dnp3_role".into(), "outstation".into()), 2);
        t.report(Pair("dnp3_role".into(), "master".into()), 3);
        t.report(Pair("dnp3_address".into(), owned("1024")), 4);
        t.report(Pair("dnp3_address".into(), owned("1024")), 5);
        assert_eq!(t.entries(), 3);
        let got: Vec<_> = t.into_entries().collect();
        assert_eq!(
            got,
            vec![
                (Pair("dnp3_role".into(), "master".into()), 1, 2),
                (Pair("dnp3_role".into(), "outstation".into()), 2, 1),
                (Pair("dnp3_address".into(), owned("1024")), 4, 2),
            ]
        );
    }

    #[test]
    fn text_boundaries_keep_facts_apart_and_borrowing_does_not() {
        let mut t = Table::default();
        // The same bytes split differently between the two texts.
        t.report(Pair(owned("ab"), owned("c")), 1);
        t.report(Pair(owned("a"), owned("bc")), 2);
        // The same text borrowed and copied: one fact.
        t.report(Pair("k".into(), "v".into()), 3);
        t.report(Pair("k".into(), owned("v")), 4);
        assert_eq!(t.entries(), 3);
        let m = merged(t);
        assert_eq!(m[&Pair("k".into(), "v".into())], (3, 2));
        assert_eq!(m[&Pair(owned("ab"), owned("c"))], (1, 1));
        assert_eq!(m[&Pair(owned("a"), owned("bc"))], (2, 1));
    }

    #[test]
    fn keys_longer_than_a_slot_compare_their_whole_encoding() {
        let mut t = Table::default();
        let long = "x".repeat(HEAD * 3);
        let mut other = long.clone();
        other.push('y');
        let mut tail_differs = long.clone();
        tail_differs.replace_range(HEAD * 2..HEAD * 2 + 1, "z");
        for (i, v) in [&long, &other, &long, &tail_differs, &long]
            .iter()
            .enumerate()
        {
            t.report(Pair("banner".into(), owned(v)), i as u32);
        }
        let m = merged(t);
        assert_eq!(m.len(), 3);
        assert_eq!(m[&Pair("banner".into(), owned(&long))], (0, 3));
        assert_eq!(m[&Pair("banner".into(), owned(&tail_differs))], (3, 1));
    }

    #[test]
    fn matches_a_plain_map_over_many_reports() {
        // A deterministic stream with many repeats, values shorter and
        // longer than a slot holds.
        const KEYS: [&str; 3] = ["role", "address", "signature"];
        let mut t = Table::default();
        let mut want: BTreeMap<Pair, (u32, u64)> = BTreeMap::new();
        let mut x = 12345u64;
        for pos in 0..50_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = Text::Borrowed(KEYS[(x >> 60) as usize % 3]);
            let n = (x >> 33) % 3_000;
            let v = owned(&format!("{n}{}", "-".repeat((n % 70) as usize)));
            let key = Pair(k, v);
            want.entry(key.clone()).or_insert((pos, 0)).1 += 1;
            t.report(key, pos);
        }
        assert_eq!(merged(t), want);
    }

    #[test]
    fn numbers_encode_in_as_few_bytes_as_they_need() {
        let mut e = KeyEncoder::default();
        e.number(5);
        e.number(300);
        e.number(u64::MAX);
        assert_eq!(e.bytes.len(), 1 + 2 + 10);
        assert_eq!(e.bytes[..3], [5, 0xAC, 0x02]);
    }
}
