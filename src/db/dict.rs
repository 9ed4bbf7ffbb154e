//! TEMPORARY stand-in for the Redis-style dict (being written); same API.
use std::collections::HashMap;

pub struct Dict<V> {
    map: HashMap<Box<[u8]>, V>,
}

impl<V> Default for Dict<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> Dict<V> {
    pub fn new() -> Self {
        Dict {
            map: HashMap::new(),
        }
    }
    pub fn len(&self) -> usize {
        self.map.len()
    }
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
    pub fn get(&self, key: &[u8]) -> Option<&V> {
        self.map.get(key)
    }
    pub fn get_mut(&mut self, key: &[u8]) -> Option<&mut V> {
        self.map.get_mut(key)
    }
    pub fn get_key_value(&self, key: &[u8]) -> Option<(&[u8], &V)> {
        self.map.get_key_value(key).map(|(k, v)| (&k[..], v))
    }
    pub fn contains_key(&self, key: &[u8]) -> bool {
        self.map.contains_key(key)
    }
    pub fn insert(&mut self, key: Box<[u8]>, value: V) -> Option<V> {
        self.map.insert(key, value)
    }
    pub fn remove(&mut self, key: &[u8]) -> Option<(Box<[u8]>, V)> {
        self.map.remove_entry(key)
    }
    pub fn clear(&mut self) {
        self.map.clear()
    }
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &V)> {
        self.map.iter().map(|(k, v)| (&k[..], v))
    }
    pub fn scan(&self, _cursor: u64, mut f: impl FnMut(&[u8], &V)) -> u64 {
        for (k, v) in self.map.iter() {
            f(k, v)
        }
        0
    }
    pub fn random_entry(&self) -> Option<(&[u8], &V)> {
        self.iter().next()
    }
    pub fn sample(&self, count: usize, mut f: impl FnMut(&[u8], &V)) {
        for (k, v) in self.iter().take(count) {
            f(k, v)
        }
    }
    pub fn rehash_for_millis(&mut self, _ms: u64) -> bool {
        false
    }
    pub fn set_resize_allowed(&mut self, _allowed: bool) {}
}
