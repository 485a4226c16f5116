// SPDX-License-Identifier: Apache-2.0
//! Hash maps and sets with foldhash, as the engine uses: the analyses hash
//! every flow's addresses and labels several times, and the standard
//! library's SipHash was a tenth of their time. Seeded per process, like
//! the standard hasher; nothing here depends on iteration order (results
//! are sorted or summed).

/// A [`std::collections::HashMap`] with foldhash.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
/// A [`std::collections::HashSet`] with foldhash.
pub(crate) type HashSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
