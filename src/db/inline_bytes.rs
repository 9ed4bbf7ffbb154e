//! InlineBytes bytes stored inline when short: the key type of every [`Dict`](super::dict::Dict).
//!
//! Owns: the representation of a stored key. It must never hash, compare by anything but
//! content, or know which table holds it.
//!
//! Redis keeps each key as a separate `sds` allocation that the dict entry points to. Most keys
//! are short (`user:1000`, `key:000123`), so here a key of up to [`INLINE_MAX`] (15) bytes
//! lives inside the dict entry itself and only longer keys get their own allocation. The type is
//! 16 bytes: the length byte's spare values (16..=255) tell the compiler where the heap variant
//! is, so no separate tag word is needed. Worked numbers, 64-bit, jemalloc, key `key:000123`
//! (10 bytes) holding a 12-byte string:
//!
//! ```text
//!   Redis 7.0:  dictEntry 24 -> 32  +  key sds 14 -> 16  +  robj+embstr 32 -> 32   =  80 bytes
//!   rudis:      entry (next 8 + key 16 + object 24) = 48 -> 48, nothing else     =  48 bytes
//! ```
//!
//! plus, in both, the bucket array (8 bytes per bucket, 1 to 2 buckets per key). A longer key
//! costs two allocations (the bytes, and the 16-byte box holding their fat pointer), which for
//! a 16..=24-byte key is the 32 bytes Redis's sds also takes.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

/// 15 bytes: the longest key kept inline, so that `size_of::<InlineBytes>()` is 16 (one length
/// byte that doubles as the tag, 15 data bytes).
pub const INLINE_MAX: usize = 15;

/// Bytes inline up to [`INLINE_MAX`], else boxed.
#[derive(Clone)]
pub struct InlineBytes(Repr);

#[derive(Clone)]
enum Repr {
    Inline {
        len: Len,
        buf: [u8; INLINE_MAX],
    },
    /// A thin pointer (to the fat one), so that this variant fits beside the length byte.
    Heap(Box<Box<[u8]>>),
}

/// The length of an inline key, 0..=15. An enum rather than a `u8` so that its 240 unused values
/// are a niche the compiler uses for [`Repr`]'s tag.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Len {
    L0,
    L1,
    L2,
    L3,
    L4,
    L5,
    L6,
    L7,
    L8,
    L9,
    L10,
    L11,
    L12,
    L13,
    L14,
    L15,
}

/// Every [`Len`] by its value.
const LENS: [Len; INLINE_MAX + 1] = [
    Len::L0,
    Len::L1,
    Len::L2,
    Len::L3,
    Len::L4,
    Len::L5,
    Len::L6,
    Len::L7,
    Len::L8,
    Len::L9,
    Len::L10,
    Len::L11,
    Len::L12,
    Len::L13,
    Len::L14,
    Len::L15,
];

impl InlineBytes {
    /// A key holding a copy of `b`.
    pub fn new(b: &[u8]) -> InlineBytes {
        if b.len() <= INLINE_MAX {
            let mut buf = [0u8; INLINE_MAX];
            buf[..b.len()].copy_from_slice(b);
            InlineBytes(Repr::Inline {
                len: LENS[b.len()],
                buf,
            })
        } else {
            InlineBytes(Repr::Heap(Box::new(b.into())))
        }
    }

    /// The bytes as a box (allocates when the key was inline).
    pub fn into_boxed(self) -> Box<[u8]> {
        match self.0 {
            Repr::Heap(b) => *b,
            Repr::Inline { len, buf } => buf[..len as usize].into(),
        }
    }

    /// The bytes as a vector.
    pub fn into_vec(self) -> Vec<u8> {
        self.into_boxed().into_vec()
    }

    /// Whether the bytes live inside the key (no allocation of their own).
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline { .. })
    }
}

impl Deref for InlineBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline { len, buf } => &buf[..*len as usize],
            Repr::Heap(b) => b,
        }
    }
}

impl AsRef<[u8]> for InlineBytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl Borrow<[u8]> for InlineBytes {
    fn borrow(&self) -> &[u8] {
        self
    }
}

impl PartialEq for InlineBytes {
    fn eq(&self, other: &InlineBytes) -> bool {
        **self == **other
    }
}

impl Eq for InlineBytes {}

impl PartialEq<[u8]> for InlineBytes {
    fn eq(&self, other: &[u8]) -> bool {
        **self == *other
    }
}

impl std::hash::Hash for InlineBytes {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state)
    }
}

impl fmt::Debug for InlineBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self))
    }
}

impl From<&[u8]> for InlineBytes {
    fn from(b: &[u8]) -> InlineBytes {
        InlineBytes::new(b)
    }
}

impl<const N: usize> From<&[u8; N]> for InlineBytes {
    fn from(b: &[u8; N]) -> InlineBytes {
        InlineBytes::new(b)
    }
}

impl From<Box<[u8]>> for InlineBytes {
    /// Keeps the box for a long key; copies a short one inline and frees the box.
    fn from(b: Box<[u8]>) -> InlineBytes {
        if b.len() <= INLINE_MAX {
            InlineBytes::new(&b)
        } else {
            InlineBytes(Repr::Heap(Box::new(b)))
        }
    }
}

impl From<Vec<u8>> for InlineBytes {
    fn from(v: Vec<u8>) -> InlineBytes {
        if v.len() <= INLINE_MAX {
            InlineBytes::new(&v)
        } else {
            InlineBytes(Repr::Heap(Box::new(v.into_boxed_slice())))
        }
    }
}

impl From<&Vec<u8>> for InlineBytes {
    fn from(v: &Vec<u8>) -> InlineBytes {
        InlineBytes::new(v)
    }
}

impl From<InlineBytes> for Box<[u8]> {
    fn from(k: InlineBytes) -> Box<[u8]> {
        k.into_boxed()
    }
}

impl From<InlineBytes> for Vec<u8> {
    fn from(k: InlineBytes) -> Vec<u8> {
        k.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_up_to_15_bytes() {
        assert_eq!(std::mem::size_of::<InlineBytes>(), 16);
        assert_eq!(std::mem::size_of::<Option<InlineBytes>>(), 16);
        let k = InlineBytes::new(b"key:000123");
        assert!(k.is_inline());
        assert_eq!(&*k, b"key:000123");
        let k = InlineBytes::from(vec![b'x'; 15]);
        assert!(k.is_inline());
        let k = InlineBytes::from(vec![b'x'; 16]);
        assert!(!k.is_inline());
        assert_eq!(k.len(), 16);
        assert_eq!(InlineBytes::new(b"").into_vec(), b"");
        assert_eq!(
            InlineBytes::from(Box::<[u8]>::from(&b"abc"[..])),
            InlineBytes::new(b"abc")
        );
    }
}
