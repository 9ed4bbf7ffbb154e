//! Shared by the fuzz targets: load options drawn from the input's first bytes (so encoding
//! conversions at every threshold get exercised) and a reader that hands out the input in
//! small pieces (so every buffer-refill boundary of the streaming loader gets exercised).

use std::io::Read;

use rudis::persistence::rdb::LoadOptions;

/// Options from `cfg` (2 bytes): tiny or default listpack/intset thresholds, packed threshold.
pub fn options(cfg: [u8; 2]) -> LoadOptions {
    let small = cfg[0] & 1 != 0;
    let pick = |bits: u8, default: usize| {
        if small {
            (bits % 8) as usize
        } else {
            default
        }
    };
    LoadOptions {
        verify_checksum: cfg[0] & 2 != 0,
        drop_expired: cfg[0] & 4 != 0,
        now_ms: 1_700_000_000_000,
        deep_sanitize: cfg[0] & 8 != 0,
        log_empty_keys: false,
        hash_max_listpack_entries: pick(cfg[1], 512),
        hash_max_listpack_value: pick(cfg[1] >> 3, 64),
        set_max_intset_entries: pick(cfg[1] >> 1, 512),
        zset_max_listpack_entries: pick(cfg[1] >> 2, 128),
        zset_max_listpack_value: pick(cfg[1] >> 4, 64),
        list_max_listpack_size: if small { -1 - (cfg[1] % 5) as i64 } else { -2 },
        list_compress_depth: (cfg[0] >> 4 & 3) as i64,
        list_packed_threshold: if cfg[0] & 0x40 != 0 { 8 } else { 1 << 30 },
        ..LoadOptions::default()
    }
}

/// Reads `data` at most `chunk` bytes at a time, as a socket would hand it out.
#[allow(dead_code)] // used by rdb_load, not by restore_payload
pub struct Trickle<'a> {
    pub data: &'a [u8],
    pub chunk: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.chunk.max(1).min(out.len()).min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}
