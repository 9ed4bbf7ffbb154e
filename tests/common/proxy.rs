//! A loopback TCP proxy that can break the links it carries, for network-trouble tests.
//!
//! Point a replica at the proxy instead of its master and the test controls the replication
//! link:
//!
//! ```ignore
//! let master = TestServer::start();
//! let proxy = Proxy::new(master.port());
//! let replica = TestServer::builder().replica_of(proxy.port()).start();
//! replica.wait_for_sync(Duration::from_secs(10));
//! proxy.cut();    // the link drops; reconnects are accepted and closed at once
//! proxy.heal();   // reconnects are forwarded again: partial resync from the backlog
//! proxy.pause();  // bytes stop flowing both ways, sockets stay open (repl-timeout tests)
//! proxy.resume(); // everything held back flows again
//! ```
//!
//! Each accepted connection gets its own upstream connection to `127.0.0.1:<target>` and two
//! pump threads, one per direction. A pump reads with a short timeout so it notices `pause`;
//! `cut` shuts the sockets down, which wakes any pump blocked on them.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// How often a blocked pump or the accept loop looks at the proxy's state.
const TICK: Duration = Duration::from_millis(20);

/// A TCP proxy from a free loopback port to `127.0.0.1:<target>`. Dropping it closes
/// everything.
#[derive(Debug)]
pub struct Proxy {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Option<JoinHandle<()>>,
}

#[derive(Debug)]
struct Shared {
    target: AtomicU16,
    stop: AtomicBool,
    /// Connections forwarded since the start.
    accepted: AtomicUsize,
    /// Connections closed at once because the proxy was cut.
    refused: AtomicUsize,
    state: Mutex<State>,
    /// Signalled on `resume`, `cut`, drop (wakes paused pumps) and when a pump finishes a
    /// write (wakes `pause`).
    changed: Condvar,
}

#[derive(Debug, Default)]
struct State {
    cut: bool,
    paused: bool,
    /// Pumps writing right now (after checking `paused`): `pause` waits for them.
    writing: usize,
    next_id: u64,
    /// Live connections: id, client side, upstream side (clones, for `cut`).
    conns: Vec<(u64, TcpStream, TcpStream)>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Proxy {
    /// Starts a proxy listening on a free port of 127.0.0.1, forwarding to
    /// `127.0.0.1:target_port`.
    pub fn new(target_port: u16) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy bind");
        listener
            .set_nonblocking(true)
            .expect("proxy set_nonblocking");
        let port = listener.local_addr().expect("proxy local_addr").port();
        let shared = Arc::new(Shared {
            target: AtomicU16::new(target_port),
            stop: AtomicBool::new(false),
            accepted: AtomicUsize::new(0),
            refused: AtomicUsize::new(0),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        });
        let s = shared.clone();
        let acceptor = thread::Builder::new()
            .name(format!("proxy-{port}"))
            .spawn(move || accept_loop(listener, s))
            .expect("spawn proxy thread");
        Proxy {
            port,
            shared,
            acceptor: Some(acceptor),
        }
    }

    /// The port clients should connect to.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Where new connections go; existing ones keep their upstream.
    pub fn set_target(&self, port: u16) {
        self.shared.target.store(port, Ordering::SeqCst);
    }

    /// Drops every current connection (both sides see the socket close) and, until
    /// [`Proxy::heal`], accepts new connections only to close them at once (the client sees
    /// EOF or a reset right after connecting, like a refused connection).
    pub fn cut(&self) {
        let mut st = self.shared.lock();
        st.cut = true;
        close_all(&mut st);
        self.shared.changed.notify_all();
    }

    /// Forwards new connections again after [`Proxy::cut`].
    pub fn heal(&self) {
        self.shared.lock().cut = false;
    }

    /// Same as [`Proxy::heal`].
    pub fn restore(&self) {
        self.heal();
    }

    /// Cuts the link for `d`, then heals it (blocks the caller for `d`).
    pub fn cut_for(&self, d: Duration) {
        self.cut();
        thread::sleep(d);
        self.heal();
    }

    /// Stops moving bytes in both directions, on current and new connections, while keeping
    /// the sockets open: the peers see a silent link (their writes back up in the kernel
    /// buffers), as with a stalled network. Once it returns, no further byte is delivered
    /// (it waits up to a second for writes under way to finish).
    pub fn pause(&self) {
        let mut st = self.shared.lock();
        st.paused = true;
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        while st.writing > 0 {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                break;
            }
            st = self
                .shared
                .changed
                .wait_timeout(st, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    /// Moves bytes again after [`Proxy::pause`], including those held back.
    pub fn resume(&self) {
        self.shared.lock().paused = false;
        self.shared.changed.notify_all();
    }

    /// Number of connections being forwarded now.
    pub fn active_connections(&self) -> usize {
        self.shared.lock().conns.len()
    }

    /// Number of connections forwarded since the proxy started (reconnections count).
    pub fn accepted(&self) -> usize {
        self.shared.accepted.load(Ordering::SeqCst)
    }

    /// Number of connections closed on arrival because the proxy was cut.
    pub fn refused(&self) -> usize {
        self.shared.refused.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let mut st = self.shared.lock();
            close_all(&mut st);
        }
        self.shared.changed.notify_all();
        if let Some(t) = self.acceptor.take() {
            let _ = t.join();
        }
    }
}

fn close_all(st: &mut State) {
    for (_, a, b) in st.conns.drain(..) {
        let _ = a.shutdown(Shutdown::Both);
        let _ = b.shutdown(Shutdown::Both);
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    while !shared.stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => open(client, &shared),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(TICK),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // Transient accept failures (EMFILE, aborted handshakes): keep serving.
            Err(_) => thread::sleep(TICK),
        }
    }
}

/// Connects `client` to the target and starts its two pumps (or closes it if cut).
fn open(client: TcpStream, shared: &Arc<Shared>) {
    if shared.lock().cut {
        shared.refused.fetch_add(1, Ordering::SeqCst);
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let target = SocketAddr::from(([127, 0, 0, 1], shared.target.load(Ordering::SeqCst)));
    let Ok(upstream) = TcpStream::connect_timeout(&target, Duration::from_secs(2)) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let setup = || -> io::Result<[TcpStream; 4]> {
        client.set_nonblocking(false)?;
        client.set_nodelay(true)?;
        upstream.set_nodelay(true)?;
        client.set_read_timeout(Some(TICK))?;
        upstream.set_read_timeout(Some(TICK))?;
        Ok([
            client.try_clone()?,
            upstream.try_clone()?,
            client.try_clone()?,
            upstream.try_clone()?,
        ])
    };
    let Ok([c_read, u_write, c_write, u_read]) = setup() else {
        return;
    };
    let id = {
        let mut st = shared.lock();
        st.next_id += 1;
        let id = st.next_id;
        st.conns.push((id, client, upstream));
        id
    };
    shared.accepted.fetch_add(1, Ordering::SeqCst);
    for (from, to) in [(c_read, u_write), (u_read, c_write)] {
        let s = shared.clone();
        thread::spawn(move || pump(id, from, to, &s));
    }
}

/// Copies `from` to `to` until either side fails or closes, or the connection is cut; then
/// closes both sockets (a full close: Redis has no use for half-closed links).
///
/// While paused it reads nothing (so the sender backs up), and bytes read just before the
/// pause are held until `resume`.
fn pump(id: u64, mut from: TcpStream, mut to: TcpStream, shared: &Shared) {
    let mut buf = vec![0u8; 64 * 1024];
    while wait_unpaused(id, shared, false) {
        let n = match from.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => break,
        };
        if !wait_unpaused(id, shared, true) {
            break;
        }
        let written = to.write_all(&buf[..n]);
        shared.lock().writing -= 1;
        shared.changed.notify_all();
        if written.is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
    shared.lock().conns.retain(|c| c.0 != id);
}

/// Blocks while the proxy is paused. False if connection `id` was cut meanwhile; when true and
/// `to_write`, counts the caller in `writing` (it must decrement it after its write).
fn wait_unpaused(id: u64, shared: &Shared, to_write: bool) -> bool {
    let mut st = shared.lock();
    while st.paused && st.conns.iter().any(|c| c.0 == id) {
        st = shared
            .changed
            .wait_timeout(st, TICK)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    let live = st.conns.iter().any(|c| c.0 == id);
    if live && to_write {
        st.writing += 1;
    }
    live
}
