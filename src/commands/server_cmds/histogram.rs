//! Per-command latency histograms (INFO latencystats, LATENCY HISTOGRAM),
//! with the bucket layout of the HdrHistogram Redis uses, so percentiles
//! print the same numbers Redis prints for the same durations.
//!
//! Owns: the counts of one command's durations, in nanoseconds from 1 ns to
//! 1 s with 2 significant digits (Redis's LATENCY_HISTOGRAM_MIN_VALUE,
//! _MAX_VALUE, _PRECISION). It must never allocate on record: the counts
//! array (3072 slots, 24 KiB) is allocated once, on a command's first call.
//!
//! Layout, worked for these parameters: values below 256 ns have their own
//! slot; above that each power-of-two range is split in 128 slots, so a
//! value is known within 1/128 of itself. 6000 ns falls in the range
//! [4096, 8192) whose slots are 32 ns wide: slot [5984, 6015], and the
//! value reported for it is the slot's highest, 6015 ns = `6.015` usec.

/// 1 ns, Redis's LATENCY_HISTOGRAM_MIN_VALUE.
const LOWEST: i64 = 1;
/// 1 s in ns, Redis's LATENCY_HISTOGRAM_MAX_VALUE.
pub const HIGHEST: i64 = 1_000_000_000;
/// ceil(log2(2 * 10^2)) = 8: slots per bucket as a power of two.
const SUB_BUCKET_COUNT_MAGNITUDE: i32 = 8;
const SUB_BUCKET_HALF_COUNT_MAGNITUDE: i32 = SUB_BUCKET_COUNT_MAGNITUDE - 1;
/// floor(log2(LOWEST)) = 0.
const UNIT_MAGNITUDE: i32 = 0;
const SUB_BUCKET_COUNT: i32 = 1 << (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1);
const SUB_BUCKET_HALF_COUNT: i32 = SUB_BUCKET_COUNT / 2;
const SUB_BUCKET_MASK: i64 = ((SUB_BUCKET_COUNT as i64) - 1) << UNIT_MAGNITUDE;

/// Buckets needed to reach HIGHEST: 256 << 22 is the first above 1e9.
const fn bucket_count() -> i32 {
    let mut smallest_untrackable = (SUB_BUCKET_COUNT as i64) << UNIT_MAGNITUDE;
    let mut buckets = 1;
    while smallest_untrackable <= HIGHEST {
        smallest_untrackable <<= 1;
        buckets += 1;
    }
    buckets
}

const COUNTS_LEN: usize = ((bucket_count() + 1) * (SUB_BUCKET_COUNT / 2)) as usize;

/// One command's latency distribution.
#[derive(Clone, Debug)]
pub struct Histogram {
    counts: Box<[u64]>,
    pub total_count: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

fn bucket_index(value: i64) -> i32 {
    let pow2ceiling = 64 - (value | SUB_BUCKET_MASK).leading_zeros() as i32;
    pow2ceiling - UNIT_MAGNITUDE - (SUB_BUCKET_HALF_COUNT_MAGNITUDE + 1)
}

fn sub_bucket_index(value: i64, bucket: i32) -> i32 {
    (value >> (bucket + UNIT_MAGNITUDE)) as i32
}

fn counts_index(bucket: i32, sub: i32) -> usize {
    let base = (bucket + 1) << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
    (base + (sub - SUB_BUCKET_HALF_COUNT)) as usize
}

fn value_from_index(bucket: i32, sub: i32) -> i64 {
    (sub as i64) << (bucket + UNIT_MAGNITUDE)
}

/// The lowest value of slot `index`.
fn value_at_index(index: usize) -> i64 {
    let index = index as i32;
    let mut bucket = (index >> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1;
    let mut sub = (index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT;
    if bucket < 0 {
        sub -= SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    value_from_index(bucket, sub)
}

fn range_size(bucket: i32, sub: i32) -> i64 {
    let adjusted = if sub >= SUB_BUCKET_COUNT {
        bucket + 1
    } else {
        bucket
    };
    1i64 << (UNIT_MAGNITUDE + adjusted)
}

pub fn lowest_equivalent(value: i64) -> i64 {
    let b = bucket_index(value);
    value_from_index(b, sub_bucket_index(value, b))
}

pub fn highest_equivalent(value: i64) -> i64 {
    let b = bucket_index(value);
    let s = sub_bucket_index(value, b);
    value_from_index(b, s) + range_size(b, s) - 1
}

impl Histogram {
    pub fn new() -> Histogram {
        Histogram {
            counts: vec![0u64; COUNTS_LEN].into_boxed_slice(),
            total_count: 0,
        }
    }

    /// Records one duration in nanoseconds, clamped to [1 ns, 1 s] as
    /// Redis's updateCommandLatencyHistogram does.
    pub fn record(&mut self, ns: i64) {
        let v = ns.clamp(LOWEST, HIGHEST);
        let b = bucket_index(v);
        let i = counts_index(b, sub_bucket_index(v, b));
        if let Some(slot) = self.counts.get_mut(i) {
            *slot += 1;
            self.total_count += 1;
        }
    }

    /// hdr_value_at_percentile: the highest value of the slot holding the
    /// requested percentile (the lowest, for percentile 0).
    pub fn value_at_percentile(&self, percentile: f64) -> i64 {
        let requested = percentile.min(100.0);
        let wanted = ((requested / 100.0) * self.total_count as f64 + 0.5) as i64;
        let wanted = wanted.max(1) as u64;
        let mut seen = 0u64;
        let mut value = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= wanted {
                value = value_at_index(i);
                break;
            }
        }
        if percentile == 0.0 {
            lowest_equivalent(value)
        } else {
            highest_equivalent(value)
        }
    }

    /// LATENCY HISTOGRAM's buckets: Redis walks the histogram with a
    /// logarithmic iterator (first bucket 1024 ns, base 2) and reports, for
    /// each step where the cumulative count grew, the step's highest value
    /// in microseconds and the cumulative count.
    pub fn log_buckets(&self) -> Vec<(i64, u64)> {
        let mut out = Vec::new();
        let total = self.total_count;
        let mut index: isize = -1;
        let mut cumulative = 0u64;
        let mut value = 0i64;
        let mut highest = 0i64;
        let mut next_level: i64 = 1024;
        let mut next_level_lowest = lowest_equivalent(next_level);
        let mut previous = 0u64;
        loop {
            // log_iter_next
            let peek_greater = index < COUNTS_LEN as isize
                && value_at_index((index + 1) as usize) > next_level_lowest;
            if !(cumulative < total || peek_greater) {
                break;
            }
            loop {
                if value >= next_level_lowest {
                    next_level *= 2;
                    next_level_lowest = lowest_equivalent(next_level);
                    break;
                }
                // move_next
                index += 1;
                if index >= COUNTS_LEN as isize {
                    break;
                }
                let i = index as usize;
                cumulative += self.counts[i];
                value = value_at_index(i);
                highest = highest_equivalent(value);
            }
            if cumulative > previous {
                out.push((highest / 1000, cumulative));
            }
            previous = cumulative;
            if index >= COUNTS_LEN as isize {
                break;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_redis() {
        assert_eq!(COUNTS_LEN, 3072);
        assert_eq!(highest_equivalent(6000), 6015);
        assert_eq!(highest_equivalent(7000), 7007);
        assert_eq!(highest_equivalent(100), 100);
        assert_eq!(lowest_equivalent(6000), 5984);
    }

    #[test]
    fn percentiles() {
        let mut h = Histogram::new();
        h.record(6000);
        assert_eq!(h.value_at_percentile(50.0), 6015);
        assert_eq!(h.value_at_percentile(99.9), 6015);
        for _ in 0..99 {
            h.record(1000);
        }
        assert_eq!(h.value_at_percentile(50.0), 1003);
        assert_eq!(h.value_at_percentile(100.0), 6015);
        assert_eq!(h.value_at_percentile(0.0), 1000);
        h.record(5_000_000_000);
        assert_eq!(h.total_count, 101);
    }

    #[test]
    fn log_buckets_are_cumulative() {
        let mut h = Histogram::new();
        h.record(1500);
        h.record(3000);
        h.record(3000);
        let b = h.log_buckets();
        assert_eq!(b.last().map(|x| x.1), Some(3));
        assert!(b.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1));
    }
}
