//! Hash maps keyed by what the server reads from its own database — ids, region codes —
//! hashed with foldhash instead of std's SipHash.
//!
//! SipHash is built to resist keys chosen to collide, and pays for it on every key: a
//! page's loaders look up hundreds of ids and codes. These maps live for one request and
//! hold at most a few thousand keys, and foldhash's per-process random seed is protection
//! enough for them.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;

/// `keys` without repeats, in no particular order: the keys of a batch read.
pub fn distinct<K: std::hash::Hash + Eq>(keys: impl IntoIterator<Item = K>) -> Vec<K> {
    keys.into_iter().collect::<FastSet<K>>().into_iter().collect()
}
