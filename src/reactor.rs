//! The event loop's poller: a thin layer over `mio::Poll` that maps tokens
//! to what they stand for (Redis's ae.c, without the timer list: the only
//! timer is cron, whose deadline bounds the poll timeout).
//!
//! Owns: the `Poll`, the event buffer and the token scheme. It knows tokens,
//! never commands or clients' contents.
//!
//! ```text
//!  token value        meaning
//!  0 .. 63            listening sockets (TCP per bind address, then unix)
//!  64                 the link to our master (replica side of replication)
//!  1024 + slab key    a client connection
//! ```
//! mio is edge-triggered: a readable client is read until `WouldBlock`,
//! and every client is registered for READABLE|WRITABLE once, so a reply
//! that did not fit the socket is finished on the next writable edge without
//! re-registering (one syscall saved per blocked write).

use std::io;
use std::time::Duration;

use mio::{Events, Interest, Poll, Token};

/// The token of the socket to our master while the replica side handshakes with it.
pub const MASTER_LINK_TOKEN: usize = 64;
/// First token of client connections.
pub const CLIENT_TOKEN_BASE: usize = 1024;
/// Listening sockets use tokens below this.
pub const MAX_LISTENERS: usize = 64;
/// 1024 events per poll, as Redis's default setsize per batch is unbounded
/// but a batch this size keeps one wakeup's work bounded.
const EVENTS_CAPACITY: usize = 1024;

/// What a token designates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Listener(usize),
    Client(usize),
    MasterLink,
    Other(usize),
}

pub fn listener_token(i: usize) -> Token {
    Token(i)
}

pub fn client_token(key: usize) -> Token {
    Token(CLIENT_TOKEN_BASE + key)
}

pub fn target(token: Token) -> Target {
    match token.0 {
        t if t < MAX_LISTENERS => Target::Listener(t),
        t if t >= CLIENT_TOKEN_BASE => Target::Client(t - CLIENT_TOKEN_BASE),
        MASTER_LINK_TOKEN => Target::MasterLink,
        t => Target::Other(t),
    }
}

/// The poller and its event buffer.
pub struct Reactor {
    pub poll: Poll,
    pub events: Events,
}

impl Reactor {
    pub fn new() -> io::Result<Reactor> {
        Ok(Reactor {
            poll: Poll::new()?,
            events: Events::with_capacity(EVENTS_CAPACITY),
        })
    }

    /// Registers a client socket for both directions (see the module doc).
    pub fn register_client(&self, src: &mut dyn mio::event::Source, key: usize) -> io::Result<()> {
        self.poll.registry().register(
            src,
            client_token(key),
            Interest::READABLE | Interest::WRITABLE,
        )
    }

    pub fn deregister(&self, src: &mut dyn mio::event::Source) {
        let _ = self.poll.registry().deregister(src);
    }

    /// Waits for events for at most `timeout`; EINTR (a signal) is not an error.
    pub fn wait(&mut self, timeout: Duration) -> io::Result<()> {
        match self.poll.poll(&mut self.events, Some(timeout)) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                self.events.clear();
                Ok(())
            }
            r => r,
        }
    }
}
