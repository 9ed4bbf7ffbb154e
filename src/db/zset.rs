//! The zset type's value and its encodings (Redis's t_zset.c data side).
//!
//! Placeholder: the issue-4 helper for zsets replaces this with the real encodings. It must
//! never know about clients or replies: `commands::zsets` does that.

/// A zset value. Keep `size_of::<ZSetValue>()` at most 24 bytes (box the big encodings) so every
/// key's `RObj` stays small.
#[derive(Clone, Debug, Default)]
pub struct ZSetValue {
    _placeholder: (),
}

impl ZSetValue {
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
