//! The latency monitor and the LATENCY command (Redis's latency.c).
//!
//! Owns: the per-event time series of latency spikes (`command`,
//! `fast-command`, `expire-cycle`, and whatever later subsystems report:
//! `fork`, `aof-*`, `eviction-*`), and the LATENCY subcommands that read
//! them and the per-command histograms. A sample is kept only when it
//! reaches `latency-monitor-threshold` milliseconds (0 = monitor off);
//! each event keeps the last 160 seconds that had a spike, one sample per
//! second (the worst of that second), plus its all-time maximum.
//!
//! It must never record anything while the threshold is 0, and never
//! allocate on the path of a command that was fast enough.

use super::{reply_help, sub};
use crate::commands::flags::*;
use crate::commands::{container_handler, Argv, CommandSpec, Ctx};

/// Seconds of history per event, Redis's LATENCY_TS_LEN.
const TS_LEN: usize = 160;

#[derive(Clone, Copy, Default)]
struct Sample {
    /// Unix seconds; 0 = empty slot.
    time: i64,
    /// Milliseconds.
    latency: u64,
}

/// One event's ring of samples.
struct TimeSeries {
    idx: usize,
    max: u64,
    samples: [Sample; TS_LEN],
}

/// Every event seen since start-up (or the last LATENCY RESET), in the
/// order first seen.
#[derive(Default)]
pub struct LatencyMonitor {
    events: Vec<(String, Box<TimeSeries>)>,
}

fn unix_secs() -> i64 {
    crate::db::mstime() / 1000
}

impl LatencyMonitor {
    /// Redis's latencyAddSampleIfNeeded: records `ms` for `event` when the
    /// monitor is on and the latency reaches the threshold.
    pub fn add_sample_if_needed(&mut self, threshold_ms: i64, event: &str, ms: u64) {
        if threshold_ms > 0 && ms >= threshold_ms as u64 {
            self.add_sample(event, ms, unix_secs());
        }
    }

    fn add_sample(&mut self, event: &str, ms: u64, now: i64) {
        let ts = match self.events.iter().position(|(e, _)| e == event) {
            Some(i) => &mut self.events[i].1,
            None => {
                self.events.push((
                    event.to_string(),
                    Box::new(TimeSeries {
                        idx: 0,
                        max: 0,
                        samples: [Sample::default(); TS_LEN],
                    }),
                ));
                let last = self.events.len() - 1;
                &mut self.events[last].1
            }
        };
        ts.max = ts.max.max(ms);
        let prev = (ts.idx + TS_LEN - 1) % TS_LEN;
        if ts.samples[prev].time == now {
            // One sample per second: keep that second's worst.
            ts.samples[prev].latency = ts.samples[prev].latency.max(ms);
            return;
        }
        ts.samples[ts.idx] = Sample {
            time: now,
            latency: ms,
        };
        ts.idx = (ts.idx + 1) % TS_LEN;
    }

    /// Removes one event's data (case-insensitive), or all with `None`;
    /// returns how many events were removed.
    pub fn reset(&mut self, event: Option<&[u8]>) -> usize {
        let before = self.events.len();
        match event {
            None => self.events.clear(),
            Some(e) => self
                .events
                .retain(|(name, _)| !name.as_bytes().eq_ignore_ascii_case(e)),
        }
        before - self.events.len()
    }

    fn find(&self, event: &[u8]) -> Option<&TimeSeries> {
        self.events
            .iter()
            .find(|(e, _)| e.as_bytes() == event)
            .map(|(_, ts)| &**ts)
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

impl TimeSeries {
    /// Samples oldest first.
    fn in_order(&self) -> impl Iterator<Item = &Sample> {
        (0..TS_LEN)
            .map(move |j| &self.samples[(self.idx + j) % TS_LEN])
            .filter(|s| s.time != 0)
    }
}

pub const LATENCY: CommandSpec = CommandSpec {
    name: "latency",
    handler: container_handler,
    arity: -2,
    flags: 0,
    first_key: 0,
    last_key: 0,
    key_step: 0,
    group: "server",
    summary: "A container for latency diagnostics commands",
    since: "2.8.13",
    syntax: "",
    subcommands: &[
        sub("doctor", latency_doctor, 2, ADMIN | NOSCRIPT | LOADING | STALE, "Return a human readable latency analysis report.", "2.8.13", ""),
        sub("graph", latency_graph, 3, ADMIN | NOSCRIPT | LOADING | STALE, "Return a latency graph for the event.", "2.8.13", "event"),
        sub("help", latency_help, 2, LOADING | STALE, "Show helpful text about the different subcommands.", "2.8.13", ""),
        sub("histogram", latency_histogram, -2, ADMIN | NOSCRIPT | LOADING | STALE, "Return the cumulative distribution of latencies of a subset of commands or all commands.", "7.0.0", "[command [command ...]]"),
        sub("history", latency_history, 3, ADMIN | NOSCRIPT | LOADING | STALE, "Return timestamp-latency samples for the event.", "2.8.13", "event"),
        sub("latest", latency_latest, 2, ADMIN | NOSCRIPT | LOADING | STALE, "Return the latest latency samples for all events.", "2.8.13", ""),
        sub("reset", latency_reset, -2, ADMIN | NOSCRIPT | LOADING | STALE, "Reset latency data for one or more events.", "2.8.13", "[event [event ...]]"),
    ],
};

/// `LATENCY HISTORY event`: `[[unix-time, ms], ...]`, oldest first.
fn latency_history(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let samples: Vec<Sample> = match ctx.srv.introspection.latency.find(argv.get(2)) {
        Some(ts) => ts.in_order().copied().collect(),
        None => Vec::new(),
    };
    let c = ctx.client();
    c.add_array_len(samples.len());
    for s in samples {
        c.add_array_len(2);
        c.add_int(s.time);
        c.add_int(s.latency as i64);
    }
}

/// `LATENCY LATEST`: `[[event, unix-time, latest-ms, max-ms], ...]`.
fn latency_latest(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let rows: Vec<(String, Sample, u64)> = ctx
        .srv
        .introspection
        .latency
        .events
        .iter()
        .map(|(e, ts)| {
            (
                e.clone(),
                ts.samples[(ts.idx + TS_LEN - 1) % TS_LEN],
                ts.max,
            )
        })
        .collect();
    let c = ctx.client();
    c.add_array_len(rows.len());
    for (e, s, max) in rows {
        c.add_array_len(4);
        c.add_bulk(e.as_bytes());
        c.add_int(s.time);
        c.add_int(s.latency as i64);
        c.add_int(max as i64);
    }
}

/// `LATENCY RESET [event ...]`: number of events removed.
fn latency_reset(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let lm = &mut ctx.srv.introspection.latency;
    let n = if argv.len() == 2 {
        lm.reset(None)
    } else {
        argv.iter().skip(2).map(|e| lm.reset(Some(e))).sum()
    };
    ctx.int(n as i64);
}

/// `LATENCY GRAPH event`: an ASCII sparkline of the event's history.
fn latency_graph(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let event = argv.get(2);
    let Some(ts) = ctx.srv.introspection.latency.find(event) else {
        let e = String::from_utf8_lossy(event).into_owned();
        ctx.err(&format!("ERR No samples available for event '{e}'"));
        return;
    };
    let now = unix_secs();
    let samples: Vec<(u64, String)> = ts
        .in_order()
        .map(|s| {
            let elapsed = now - s.time;
            let label = if elapsed < 60 {
                format!("{elapsed}s")
            } else if elapsed < 3600 {
                format!("{}m", elapsed / 60)
            } else if elapsed < 86400 {
                format!("{}h", elapsed / 3600)
            } else {
                format!("{}d", elapsed / 86400)
            };
            (s.latency, label)
        })
        .collect();
    let max = samples.iter().map(|s| s.0).max().unwrap_or(0);
    let min = samples.iter().map(|s| s.0).min().unwrap_or(0);
    let name = String::from_utf8_lossy(event).into_owned();
    let mut graph = format!(
        "{name} - high {max} ms, low {min} ms (all time high {} ms)\n{}\n",
        ts.max,
        "-".repeat(80)
    );
    graph.push_str(&sparkline(&samples, 4));
    ctx.client().add_verbatim(graph.as_bytes());
}

/// Renders samples as Redis's sparkline.c does with SPARKLINE_FILL: each
/// column is one sample, `rows` text rows high, drawn with `_`, `o`, `#`
/// and `|` below the top character; then a blank row and the labels written
/// vertically. Samples beyond 80 go into further blocks of 80 columns.
fn sparkline(samples: &[(u64, String)], rows: usize) -> String {
    const FILL: [char; 3] = ['_', 'o', '#'];
    let mut out = String::new();
    let max = samples.iter().map(|s| s.0).max().unwrap_or(0) as f64;
    let min = samples.iter().map(|s| s.0).min().unwrap_or(0) as f64;
    let relmax = if max - min == 0.0 { 1.0 } else { max - min };
    let steps = (FILL.len() * rows) as i64;
    for (block, chunk) in samples.chunks(80).enumerate() {
        if block != 0 {
            out.push('\n');
        }
        let step_of = |v: u64| -> i64 {
            let step = (((v as f64 - min) * steps as f64) / relmax) as i64;
            step.clamp(0, steps - 1)
        };
        for row in 0..rows {
            for s in chunk {
                let idx = step_of(s.0) - ((rows - row - 1) * FILL.len()) as i64;
                out.push(if (0..FILL.len() as i64).contains(&idx) {
                    FILL[idx as usize]
                } else if idx >= FILL.len() as i64 {
                    '|'
                } else {
                    ' '
                });
            }
            out.push('\n');
        }
        out.push_str(&" ".repeat(chunk.len()));
        out.push('\n');
        let longest = chunk.iter().map(|s| s.1.len()).max().unwrap_or(0);
        for i in 0..longest {
            for s in chunk {
                out.push(s.1.as_bytes().get(i).map_or(' ', |&b| b as char));
            }
            out.push('\n');
        }
    }
    out
}

/// `LATENCY HISTOGRAM [command ...]`: per command, its calls and the
/// cumulative distribution of its latencies in power-of-two microsecond
/// buckets.
fn latency_histogram(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    let table = &ctx.srv.commands;
    let mut ids: Vec<usize> = Vec::new();
    if argv.len() == 2 {
        for id in table.top_level() {
            ids.push(id);
            ids.extend(table.subcommands_of(id));
        }
    } else {
        for name in argv.iter().skip(2) {
            if let Some(id) = super::command_cmd::lookup_by_fullname(table, name) {
                ids.push(id);
                ids.extend(table.subcommands_of(id));
            }
        }
    }
    type Row = (String, u64, Vec<(i64, u64)>);
    let rows: Vec<Row> = ids
        .into_iter()
        .filter_map(|id| {
            let h = table.stats[id].latency.as_ref()?;
            Some((table.full_names[id].clone(), h.total_count, h.log_buckets()))
        })
        .collect();
    let c = ctx.client();
    c.add_map_len(rows.len());
    for (name, calls, buckets) in rows {
        c.add_bulk(name.as_bytes());
        c.add_map_len(2);
        c.add_bulk(b"calls");
        c.add_int(calls as i64);
        c.add_bulk(b"histogram_usec");
        c.add_map_len(buckets.len());
        for (usec, count) in buckets {
            c.add_int(usec);
            c.add_int(count as i64);
        }
    }
}

/// `LATENCY DOCTOR`: a human readable report, worded as Redis's.
fn latency_doctor(ctx: &mut Ctx<'_>, _argv: &Argv<'_>) {
    let threshold = super::cfg::latency_monitor_threshold(ctx.srv);
    let slowlog = ctx.srv.config.slowlog_log_slower_than;
    let hz = ctx.srv.config.hz;
    let report = doctor_report(&ctx.srv.introspection.latency, threshold, slowlog, hz);
    ctx.client().add_verbatim(report.as_bytes());
}

fn doctor_report(lm: &LatencyMonitor, threshold: i64, slowlog: i64, hz: i64) -> String {
    if lm.events.is_empty() && threshold == 0 {
        return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string();
    }
    let now = unix_secs();
    let mut report = String::new();
    let mut advices = 0;
    let (mut slowlog_enabled, mut slowlog_tuning, mut slowlog_inspect) = (false, false, false);
    let (mut scheduler, mut large_objects, mut hz_advice) = (false, false, false);
    for (n, (event, ts)) in lm.events.iter().enumerate() {
        if n == 0 {
            report.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let samples: Vec<&Sample> = ts.in_order().collect();
        let count = samples.len() as u64;
        let (mut avg, mut mad, mut period) = (0u64, 0u64, 0i64);
        if let Some(a) = samples
            .iter()
            .map(|s| s.latency)
            .sum::<u64>()
            .checked_div(count)
        {
            avg = a;
            let oldest = samples.iter().map(|s| s.time).min().unwrap_or(now);
            period = (now - oldest).max(1);
            mad = samples
                .iter()
                .map(|s| (avg as i64 - s.latency as i64).unsigned_abs())
                .sum::<u64>()
                / count;
        }
        report.push_str(&format!(
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
            n + 1,
            event,
            count,
            avg,
            mad,
            if count > 0 { period as f64 / count as f64 } else { 0.0 },
            ts.max
        ));
        match event.to_ascii_lowercase().as_str() {
            "command" => {
                if slowlog < 0 {
                    slowlog_enabled = true;
                    advices += 1;
                } else if slowlog / 1000 > threshold {
                    slowlog_tuning = true;
                    advices += 1;
                }
                slowlog_inspect = true;
                large_objects = true;
                advices += 2;
            }
            "fast-command" => {
                scheduler = true;
                advices += 1;
            }
            "expire-cycle" => {
                hz_advice = true;
                large_objects = true;
                advices += 2;
            }
            _ => {}
        }
        report.push('\n');
    }
    if lm.events.is_empty() && advices == 0 {
        report.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
    } else if advices == 0 {
        report.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
    } else {
        report.push_str("\nI have a few advices for you:\n\n");
        if slowlog_enabled {
            report.push_str(&format!("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold * 1000));
        }
        if slowlog_tuning {
            report.push_str(&format!("- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {}'.\n", threshold * 1000));
        }
        if slowlog_inspect {
            report.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n");
        }
        if scheduler {
            report.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n");
        }
        if hz_advice && hz < 100 {
            report.push_str("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n");
        }
        if large_objects {
            report.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n");
        }
    }
    report
}

const HELP: &[&str] = &[
    "DOCTOR",
    "    Return a human readable latency analysis report.",
    "GRAPH <event>",
    "    Return an ASCII latency graph for the <event> class.",
    "HISTORY <event>",
    "    Return time-latency samples for the <event> class.",
    "LATEST",
    "    Return the latest latency samples for all events.",
    "RESET [<event> ...]",
    "    Reset latency data of one or more <event> classes.",
    "    (default: reset all data for all event classes)",
    "HISTOGRAM [COMMAND ...]",
    "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
    "    If no commands are specified then all histograms are replied.",
];

fn latency_help(ctx: &mut Ctx<'_>, argv: &Argv<'_>) {
    reply_help(ctx, argv, HELP);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_sample_per_second_keeps_the_worst() {
        let mut lm = LatencyMonitor::default();
        lm.add_sample("command", 5, 100);
        lm.add_sample("command", 9, 100);
        lm.add_sample("command", 3, 100);
        lm.add_sample("command", 4, 101);
        let ts = lm.find(b"command").expect("event");
        let v: Vec<(i64, u64)> = ts.in_order().map(|s| (s.time, s.latency)).collect();
        assert_eq!(v, vec![(100, 9), (101, 4)]);
        assert_eq!(ts.max, 9);
    }

    #[test]
    fn threshold_gates_samples_and_reset_counts() {
        let mut lm = LatencyMonitor::default();
        lm.add_sample_if_needed(0, "command", 500);
        assert!(lm.is_empty());
        lm.add_sample_if_needed(100, "command", 99);
        assert!(lm.is_empty());
        lm.add_sample_if_needed(100, "command", 100);
        lm.add_sample_if_needed(100, "fast-command", 200);
        assert_eq!(lm.reset(Some(b"COMMAND")), 1);
        assert_eq!(lm.reset(Some(b"nope")), 0);
        assert_eq!(lm.reset(None), 1);
    }

    #[test]
    fn ring_wraps_after_160_seconds() {
        let mut lm = LatencyMonitor::default();
        for t in 1..=200 {
            lm.add_sample("command", t as u64, t);
        }
        let ts = lm.find(b"command").expect("event");
        let v: Vec<i64> = ts.in_order().map(|s| s.time).collect();
        assert_eq!(v.len(), TS_LEN);
        assert_eq!(v[0], 41);
        assert_eq!(*v.last().unwrap_or(&0), 200);
    }

    #[test]
    fn doctor_wording() {
        let lm = LatencyMonitor::default();
        assert!(doctor_report(&lm, 0, 10000, 10).starts_with("I'm sorry, Dave"));
        assert!(doctor_report(&lm, 100, 10000, 10).starts_with("Dave, no latency spike"));
        let mut lm = LatencyMonitor::default();
        lm.add_sample_if_needed(1, "command", 300);
        let r = doctor_report(&lm, 1, 10000, 10);
        assert!(r.contains("1. command: 1 latency spikes"), "{r}");
        assert!(r.contains("I have a few advices for you"));
    }
}
