//! Arbitrary bytes as an RDB file: the loader must answer Ok or a LoadError, never panic,
//! hang or allocate without bound. What loads must save and load again.
//!
//! Input: 3 bytes of configuration (load options, chunk size of the reader, whether the
//! stream's size is known, the read buffer's size: 16 to 1 KiB or the default 256 KiB), then
//! the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rudis::db::Keyspace;
use rudis::persistence::rdb::{load, load_stream_with_buffer, save_to, SaveOptions};

mod common;

fuzz_target!(|input: &[u8]| {
    if input.len() < 3 {
        return;
    }
    let (cfg, data) = input.split_at(3);
    let opts = common::options([cfg[0], cfg[1]]);
    let mut ks = Keyspace::new(16);
    let src = common::Trickle {
        data,
        chunk: cfg[2] as usize,
    };
    let total = (cfg[2] & 1 == 0).then_some(data.len() as u64);
    // Small buffers make short inputs cross every refill and long-string path.
    let buf = if cfg[2] & 2 == 0 {
        16 + (cfg[1] as usize) * 4
    } else {
        256 * 1024
    };
    let Ok(loaded) = load_stream_with_buffer(src, total, buf, &mut ks, &opts) else {
        return;
    };
    // The same bytes from a slice give the same answer.
    let mut again = Keyspace::new(16);
    let l2 = load(data, &mut again, &opts).expect("the slice loader agrees with the stream loader");
    assert_eq!(l2.keys, loaded.keys);
    // What loaded saves, and the saved file loads with the same keys.
    let save = SaveOptions {
        compress: cfg[1] & 0x80 != 0,
        checksum: true,
        ..SaveOptions::default()
    };
    let (bytes, _) = save_to(&ks, Vec::new(), &save).expect("save to a Vec");
    let mut ks3 = Keyspace::new(16);
    let mut o = opts.clone();
    o.drop_expired = false;
    o.verify_checksum = true;
    let l3 = load(&bytes, &mut ks3, &o).expect("a saved keyspace loads back");
    assert_eq!(l3.keys, loaded.keys);
});
