//! The list type's value and its encodings (Redis's t_list.c data side).
//!
//! Placeholder: the issue-4 helper for lists replaces this with the real encodings. It must
//! never know about clients or replies: `commands::lists` does that.

/// A list value. Keep `size_of::<ListValue>()` at most 24 bytes (box the big encodings) so every
/// key's `RObj` stays small.
#[derive(Clone, Debug, Default)]
pub struct ListValue {
    _placeholder: (),
}

impl ListValue {
    /// The name OBJECT ENCODING reports.
    pub fn encoding_name(&self) -> &'static str {
        "quicklist"
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        0
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
