// SPDX-License-Identifier: Apache-2.0
//! A first-in first-out queue whose first few elements live inside the
//! owner (no allocation, no pointer to follow).
//!
//! Request/response sessions keep the requests waiting for an answer. There
//! is almost always one, sometimes two, rarely more; a `Vec` or `VecDeque`
//! puts even that one in its own allocation, which costs a `malloc`/`free`
//! per flow and a cache miss per answer on a capture with many flows. This
//! queue keeps the first `N` elements inline and spills the rest to a
//! `VecDeque` (which allocates only when used), in order.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects
)]

use std::collections::VecDeque;

/// FIFO queue with the first `N` elements inline (`N` ≤ 255).
#[derive(Clone, Debug)]
pub struct InlineQueue<T, const N: usize> {
    /// Elements 0..len, oldest first; `None` past `len`.
    inline: [Option<T>; N],
    len: u8,
    /// Elements after the inline ones, oldest first; only non-empty while
    /// the inline slots are full.
    spill: VecDeque<T>,
}

impl<T, const N: usize> Default for InlineQueue<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> InlineQueue<T, N> {
    /// An empty queue (allocates nothing).
    pub const fn new() -> Self {
        Self {
            inline: [const { None }; N],
            len: 0,
            spill: VecDeque::new(),
        }
    }

    fn inline_len(&self) -> usize {
        usize::from(self.len)
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.inline_len().saturating_add(self.spill.len())
    }

    /// True when there is no element.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The oldest element.
    #[inline]
    pub fn front(&self) -> Option<&T> {
        self.inline.first().and_then(Option::as_ref)
    }

    /// Appends `value` as the newest element.
    #[inline]
    pub fn push_back(&mut self, value: T) {
        let n = self.inline_len();
        if self.spill.is_empty() && n < N.min(usize::from(u8::MAX)) {
            if let Some(slot) = self.inline.get_mut(n) {
                *slot = Some(value);
                self.len = self.len.saturating_add(1);
                return;
            }
        }
        self.spill.push_back(value);
    }

    /// Removes and returns the oldest element.
    #[inline]
    pub fn pop_front(&mut self) -> Option<T> {
        self.remove(0)
    }

    /// Removes and returns the newest element.
    pub fn pop_back(&mut self) -> Option<T> {
        if let Some(v) = self.spill.pop_back() {
            return Some(v);
        }
        let last = self.inline_len().checked_sub(1)?;
        let v = self.inline.get_mut(last).and_then(Option::take);
        self.len = self.len.saturating_sub(1);
        v
    }

    /// Removes and returns the element at `index` (0 is the oldest); the
    /// others keep their order.
    #[inline]
    pub fn remove(&mut self, index: usize) -> Option<T> {
        let n = self.inline_len();
        if index.checked_add(1) == Some(n) && self.spill.is_empty() {
            // The newest element (usually the only one): nothing moves.
            self.len = self.len.saturating_sub(1);
            return self.inline.get_mut(index).and_then(Option::take);
        }
        self.remove_and_shift(index)
    }

    /// [`InlineQueue::remove`] of an element other than the newest.
    #[cold]
    fn remove_and_shift(&mut self, index: usize) -> Option<T> {
        let n = self.inline_len();
        if index >= n {
            return self.spill.remove(index.checked_sub(n)?);
        }
        let taken = self.inline.get_mut(index).and_then(Option::take);
        // Close the hole: the empty slot moves to the end of the inline run.
        if let Some(run) = self.inline.get_mut(index..n) {
            run.rotate_left(1);
        }
        self.len = self.len.saturating_sub(1);
        // Keep the inline slots full while elements wait in the spill.
        if let Some(next) = self.spill.pop_front() {
            if let Some(slot) = self.inline.get_mut(n.saturating_sub(1)) {
                *slot = Some(next);
                self.len = self.len.saturating_add(1);
            }
        }
        taken
    }

    /// The elements, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.inline
            .iter()
            .take(self.inline_len())
            .filter_map(Option::as_ref)
            .chain(self.spill.iter())
    }

    /// Index of the oldest element matching `pred`.
    #[inline]
    pub fn position(&self, mut pred: impl FnMut(&T) -> bool) -> Option<usize> {
        let n = self.inline_len();
        for (i, slot) in self.inline.iter().take(n).enumerate() {
            if slot.as_ref().is_some_and(&mut pred) {
                return Some(i);
            }
        }
        // The spill is almost always empty: no out-of-line iterator set-up.
        if self.spill.is_empty() {
            return None;
        }
        self.spill
            .iter()
            .position(pred)
            .and_then(|i| i.checked_add(n))
    }

    /// Removes and returns the oldest element matching `pred` (an answer
    /// usually pairs with the oldest request, which is found first and
    /// removed without moving the others when it is the only one).
    #[inline]
    pub fn take_first(&mut self, pred: impl FnMut(&T) -> bool) -> Option<T> {
        let index = self.position(pred)?;
        self.remove(index)
    }

    /// Removes every element; returns them oldest first.
    pub fn take_all(&mut self) -> impl Iterator<Item = T> {
        std::mem::take(self).into_iter()
    }

    /// Removes every element.
    pub fn clear(&mut self) {
        *self = Self::new();
    }
}

impl<T, const N: usize> IntoIterator for InlineQueue<T, N> {
    type Item = T;
    type IntoIter = std::iter::Chain<
        std::iter::Flatten<std::array::IntoIter<Option<T>, N>>,
        std::collections::vec_deque::IntoIter<T>,
    >;

    /// The elements, oldest first.
    fn into_iter(self) -> Self::IntoIter {
        self.inline.into_iter().flatten().chain(self.spill)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::arithmetic_side_effects)]
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Push(u16),
        PopFront,
        PopBack,
        Remove(usize),
        TakeFirst(u16),
        Clear,
        TakeAll,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<u16>().prop_map(Op::Push),
            2 => Just(Op::PopFront),
            1 => Just(Op::PopBack),
            2 => (0usize..8).prop_map(Op::Remove),
            2 => (1u16..5).prop_map(Op::TakeFirst),
            1 => Just(Op::Clear),
            1 => Just(Op::TakeAll),
        ]
    }

    proptest! {
        /// Any sequence of operations leaves the same elements in the same
        /// order as a `VecDeque` given the same operations.
        #[test]
        fn behaves_like_a_vecdeque(ops in proptest::collection::vec(op(), 0..200)) {
            let mut q: InlineQueue<u16, 3> = InlineQueue::new();
            let mut model: VecDeque<u16> = VecDeque::new();
            for o in ops {
                match o {
                    Op::Push(v) => { q.push_back(v); model.push_back(v); }
                    Op::PopFront => prop_assert_eq!(q.pop_front(), model.pop_front()),
                    Op::PopBack => prop_assert_eq!(q.pop_back(), model.pop_back()),
                    Op::Remove(i) => prop_assert_eq!(q.remove(i), model.remove(i)),
                    Op::TakeFirst(m) => {
                        let want = model.iter().position(|&x| x % m == 0).and_then(|i| model.remove(i));
                        prop_assert_eq!(q.take_first(|&x| x % m == 0), want);
                    }
                    Op::Clear => { q.clear(); model.clear(); }
                    Op::TakeAll => {
                        let got: Vec<u16> = q.take_all().collect();
                        let want: Vec<u16> = model.drain(..).collect();
                        prop_assert_eq!(got, want);
                    }
                }
                prop_assert_eq!(q.len(), model.len());
                prop_assert_eq!(q.is_empty(), model.is_empty());
                prop_assert_eq!(q.front(), model.front());
                prop_assert_eq!(q.position(|&x| x % 3 == 0), model.iter().position(|&x| x % 3 == 0));
                prop_assert_eq!(q.iter().copied().collect::<Vec<_>>(), model.iter().copied().collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_few_elements_need_no_allocation() {
        let mut q: InlineQueue<String, 2> = InlineQueue::new();
        q.push_back("a".into());
        q.push_back("b".into());
        assert_eq!(q.spill.capacity(), 0, "two elements fit inline");
        q.push_back("c".into());
        assert_eq!(q.len(), 3);
        assert_eq!(q.pop_front().as_deref(), Some("a"));
        // "c" moved inline when "a" left.
        assert!(q.spill.is_empty());
        assert_eq!(q.iter().map(String::as_str).collect::<Vec<_>>(), ["b", "c"]);
    }
}
