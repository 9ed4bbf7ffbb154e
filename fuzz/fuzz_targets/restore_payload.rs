//! Arbitrary bytes as a RESTORE payload body (`<type> <value>`, without the version and CRC
//! footer RESTORE checks first): decoding must answer Ok or an error, never panic, hang or
//! allocate without bound. A value that decodes must encode (DUMP) and decode again.
//!
//! Input: 2 bytes of load options, then the payload body.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rudis::db::object::RObj;
use rudis::persistence::rdb::{load_type_and_value, RdbWriter};

mod common;

fuzz_target!(|input: &[u8]| {
    if input.len() < 2 {
        return;
    }
    let (cfg, data) = input.split_at(2);
    let opts = common::options([cfg[0], cfg[1]]);
    let Ok((value, _)) = load_type_and_value(data, &opts) else {
        return;
    };
    let o = RObj::new(value, 0);
    let mut w = RdbWriter::new(Vec::new(), false);
    w.raw(&[RdbWriter::<Vec<u8>>::type_code(&o)]).expect("Vec write");
    w.object(&o, cfg[1] & 0x80 != 0).expect("Vec write");
    let bytes = w.finish().expect("Vec write");
    // `finish` appended EOF and a zero checksum; the value is what comes before.
    let body = &bytes[..bytes.len() - 9];
    load_type_and_value(body, &opts).expect("a DUMP of a restored value restores");
});
