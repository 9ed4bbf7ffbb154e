//! The background fsync thread for `appendfsync everysec` (Redis's bio.c BIO_AOF_FSYNC job).
//!
//! Owns: one thread, started on first use, that fsyncs the files it is handed, and the count
//! of jobs not yet done. It must never touch server state: the event loop only submits a file
//! and asks whether a job is still running.
//!
//! Why a thread: an fsync can take hundreds of milliseconds on a busy disk; on the event loop it
//! would stall every client. `File::sync_data` takes `&File`, so the loop and the thread share
//! the file through an `Arc` and nothing here needs `unsafe`.

use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::Arc;

use crate::log::Level;
use crate::serverlog;

/// The handle the event loop keeps.
#[derive(Default)]
pub struct Fsyncer {
    tx: Option<Sender<Arc<File>>>,
    pending: Arc<AtomicUsize>,
}

impl Fsyncer {
    /// True while a submitted fsync has not finished (Redis's aofFsyncInProgress).
    pub fn in_progress(&self) -> bool {
        self.pending.load(Ordering::Acquire) > 0
    }

    /// Queues an fsync of `file` (Redis's aof_background_fsync).
    pub fn submit(&mut self, file: Arc<File>) {
        if self.tx.is_none() {
            let (tx, rx) = channel::<Arc<File>>();
            let pending = self.pending.clone();
            let spawned = std::thread::Builder::new()
                .name("bio_aof_fsync".into())
                .spawn(move || {
                    for f in rx {
                        if let Err(e) = f.sync_data() {
                            serverlog!(
                                Level::Warning,
                                "Background AOF fsync failed: {e}. Data written in the last second may not be on disk; check the disk."
                            );
                        }
                        pending.fetch_sub(1, Ordering::AcqRel);
                    }
                });
            match spawned {
                Ok(_) => self.tx = Some(tx),
                Err(e) => {
                    serverlog!(
                        Level::Warning,
                        "Can't start the background fsync thread: {e}. Fsyncing on the main thread instead."
                    );
                    let _ = file.sync_data();
                    return;
                }
            }
        }
        self.pending.fetch_add(1, Ordering::AcqRel);
        if let Some(tx) = &self.tx {
            if let Err(e) = tx.send(file) {
                self.pending.fetch_sub(1, Ordering::AcqRel);
                let _ = e.0.sync_data();
            }
        }
    }

    /// Waits until every submitted fsync finished (shutdown).
    pub fn wait_idle(&self) {
        while self.in_progress() {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
    }
}
