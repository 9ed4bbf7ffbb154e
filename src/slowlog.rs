//! The slow log: commands that took longer than `slowlog-log-slower-than`
//! microseconds, newest first, at most `slowlog-max-len` of them (Redis's
//! slowlog.c).
//!
//! Owns: the entries. Arguments are trimmed as Redis trims them so one huge
//! command cannot make the log huge: at most 32 arguments (the last saying
//! how many more) and 128 bytes each (`... (N more bytes)`). It never
//! touches clients or the keyspace.

use std::collections::VecDeque;

/// Redis's SLOWLOG_ENTRY_MAX_ARGC.
const MAX_ARGC: usize = 32;
/// 128 bytes, Redis's SLOWLOG_ENTRY_MAX_STRING.
const MAX_STRING: usize = 128;

pub struct SlowlogEntry {
    pub id: u64,
    /// Unix seconds when the command ran.
    pub time: i64,
    pub duration_us: u64,
    pub args: Vec<Vec<u8>>,
    pub peer: String,
    pub client_name: Vec<u8>,
}

#[derive(Default)]
pub struct Slowlog {
    pub entries: VecDeque<SlowlogEntry>,
    next_id: u64,
}

impl Slowlog {
    /// Records a command; `max_len` is `slowlog-max-len`.
    pub fn push<'a>(
        &mut self,
        args: impl ExactSizeIterator<Item = &'a [u8]>,
        duration_us: u64,
        peer: &str,
        client_name: &[u8],
        max_len: usize,
    ) {
        let argc = args.len();
        let kept = argc.min(MAX_ARGC);
        let mut v = Vec::with_capacity(kept);
        for (i, a) in args.enumerate() {
            if kept != argc && i == kept - 1 {
                v.push(format!("... ({} more arguments)", argc - kept + 1).into_bytes());
                break;
            }
            if a.len() > MAX_STRING {
                let mut s = a[..MAX_STRING].to_vec();
                s.extend_from_slice(
                    format!("... ({} more bytes)", a.len() - MAX_STRING).as_bytes(),
                );
                v.push(s);
            } else {
                v.push(a.to_vec());
            }
        }
        let time = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        self.entries.push_front(SlowlogEntry {
            id: self.next_id,
            time,
            duration_us,
            args: v,
            peer: peer.to_string(),
            client_name: client_name.to_vec(),
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    pub fn reset(&mut self) {
        self.entries.clear();
    }
}
