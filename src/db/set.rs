//! The set type's value and its encodings (Redis's t_set.c data side).
//!
//! Placeholder: the issue-4 helper for sets replaces this with the real encodings. It must
//! never know about clients or replies: `commands::sets` does that.

/// A set value. Keep `size_of::<SetValue>()` at most 24 bytes (box the big encodings) so every
/// key's `RObj` stays small.
#[derive(Clone, Debug, Default)]
pub struct SetValue {
    _placeholder: (),
}

impl SetValue {
    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        "intset"
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
