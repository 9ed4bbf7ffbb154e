//! The hash type's value and its encodings (Redis's t_hash.c data side).
//!
//! Placeholder: the issue-4 helper for hashes replaces this with the real encodings. It must
//! never know about clients or replies: `commands::hashes` does that.

/// A hash value. Keep `size_of::<HashValue>()` at most 24 bytes (box the big encodings) so every
/// key's `RObj` stays small.
#[derive(Clone, Debug, Default)]
pub struct HashValue {
    _placeholder: (),
}

impl HashValue {
    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        "listpack"
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
