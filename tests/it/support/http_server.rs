//! What the in-test HTTP/1.1 servers (`oci_support::native_registry`, `oci_support::fault_proxy`,
//! `oci_support::token_realm`, `mirror_support::server`) share: [`Listener`], a loopback accept loop
//! with a connection bound that stops on drop, and the request reader (the request line and the
//! header block of one request, bounded in size). Each server's own module says why it is an
//! in-test server.
//!
//! The servers are one request per connection (`Connection: close`) and read the body themselves
//! (by `Content-Length`) from the same reader. Reading is byte by byte from whatever `Read` the
//! caller passes: a `BufReader` when the body follows, or the bare `TcpStream` when a server must
//! leave the rest of the request unread in the kernel buffer (closing then makes the kernel send a
//! RST, which the reset faults rely on). Hand-written rather than `httparse`: a parser crate wants
//! the head already in a buffer, while these servers need to stop reading at a chosen byte; and a
//! server crate would hide the byte-level control the faults exist for.

use std::io::{self, Read};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A listener on a free 127.0.0.1 port that hands each connection to a handler on its own thread,
/// for at most `max_connections` connections; it stops accepting when dropped.
pub(crate) struct Listener {
    /// The listening port.
    pub port: u16,
    stop: Arc<AtomicBool>,
}

impl Listener {
    /// Binds `127.0.0.1:0` and accepts in a background thread (polling, so that a drop is noticed
    /// within a few milliseconds); each accepted connection (blocking) goes to `handle`.
    pub(crate) fn start(
        max_connections: usize,
        handle: impl Fn(TcpStream) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        Self::start_on(listener, max_connections, handle)
    }

    /// [`Listener::start`] on a listener the caller bound (e.g. on a port chosen for its digits).
    pub(crate) fn start_on(
        listener: TcpListener,
        max_connections: usize,
        handle: impl Fn(TcpStream) + Send + Sync + 'static,
    ) -> Self {
        let port = listener.local_addr().expect("local address").port();
        listener
            .set_nonblocking(true)
            .expect("non-blocking listener");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let handle = Arc::new(handle);
        std::thread::spawn(move || {
            let mut served = 0;
            while !stopped.load(Ordering::Relaxed) && served < max_connections {
                match listener.accept() {
                    Ok((sock, _)) => {
                        served += 1;
                        let handle = handle.clone();
                        std::thread::spawn(move || {
                            if sock.set_nonblocking(false).is_ok() {
                                handle(sock);
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self { port, stop }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The longest request line or header line read (bytes, line end included).
pub(crate) const MAX_LINE: usize = 8192;
/// The most header lines read; more is an error.
pub(crate) const MAX_HEADERS: usize = 100;

/// `METHOD TARGET HTTP/1.x`, the first line of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestLine {
    /// e.g. `GET`.
    pub method: String,
    /// Path and query, e.g. `/v2/acme/demo/tags/list?n=10`.
    pub target: String,
    /// e.g. `HTTP/1.1`.
    pub version: String,
}

impl RequestLine {
    /// The target without its query string.
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query string (after `?`), empty without one.
    pub(crate) fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }
}

/// A request head: its request line and its header lines, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RequestHead {
    /// The request line.
    pub line: RequestLine,
    /// `(name, value)` as sent, values trimmed.
    pub headers: Vec<(String, String)>,
}

impl RequestHead {
    /// The first header of this name (case-insensitive).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Content-Length`, 0 when absent or not a number.
    pub(crate) fn content_length(&self) -> usize {
        self.header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

/// One line up to LF, without its line end (`\r\n` or `\n`). `None` at end of input, on a read
/// error, on a line longer than [`MAX_LINE`] or on one that is not UTF-8.
pub(crate) fn read_line(r: &mut impl Read) -> Option<String> {
    let mut line = Vec::new();
    let mut b = [0u8; 1];
    while line.len() < MAX_LINE {
        match r.read(&mut b) {
            Ok(1) if b[0] == b'\n' => {
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return String::from_utf8(line).ok();
            }
            Ok(1) => line.push(b[0]),
            _ => return None,
        }
    }
    None
}

/// The request line: `None` when the input ends first or the line is not `METHOD TARGET HTTP/1.x`
/// (e.g. a TLS ClientHello from a client trying HTTPS first).
pub(crate) fn read_request_line(r: &mut impl Read) -> Option<RequestLine> {
    let line = read_line(r)?;
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if method.is_empty() || target.is_empty() || !version.starts_with("HTTP/1.") {
        return None;
    }
    Some(RequestLine {
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
    })
}

/// The header lines up to the empty line that ends the head. An error when the input ends first,
/// a line is unreadable, or there are more than [`MAX_HEADERS`].
pub(crate) fn read_headers(r: &mut impl Read) -> io::Result<Vec<(String, String)>> {
    let mut headers = Vec::new();
    loop {
        let line = read_line(r).ok_or_else(|| {
            io::Error::new(io::ErrorKind::UnexpectedEof, "request head ended early")
        })?;
        if line.is_empty() {
            return Ok(headers);
        }
        if headers.len() == MAX_HEADERS {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "too many header lines",
            ));
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
}

/// A whole request head: `Ok(None)` when there is no HTTP request line (the connection closed
/// without one, or it is not HTTP/1.x).
pub(crate) fn read_head(r: &mut impl Read) -> io::Result<Option<RequestHead>> {
    let Some(line) = read_request_line(r) else {
        return Ok(None);
    };
    let headers = read_headers(r)?;
    Ok(Some(RequestHead { line, headers }))
}
