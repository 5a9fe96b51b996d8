//! A scripted in-test HTTP/1.1 server for fault injection: a closure decides each answer from the request head, and
//! every request is logged with its `Authorization` header. It plays a hostile or broken registry (an upload
//! `Location` on another origin, a `Link` loop, a plain-HTTP token realm, a body that trickles one byte every few
//! seconds) — behaviour no installable registry shows on demand, hence this small server. Only 127.0.0.1; one request
//! per connection (`Connection: close`); at most `MAX_CONNECTIONS` connections; it stops when dropped, and a
//! trickling answer ends by itself after the bytes it was given.

use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::http_server::{self, RequestHead};

const MAX_CONNECTIONS: usize = 500;

/// One request as the server saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seen {
    /// e.g. `GET`.
    pub method: String,
    /// Path and query.
    pub target: String,
    /// The `Authorization` header, if sent.
    pub authorization: Option<String>,
}

/// An answer.
#[derive(Debug, Clone)]
pub(crate) enum Reply {
    /// Status, extra headers, body (with `Content-Length`).
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Status and headers with a `Content-Length` of `bytes`, then one body byte every `every`; the connection is
    /// closed after the last byte (or when the client goes away).
    Trickle {
        status: u16,
        headers: Vec<(String, String)>,
        bytes: usize,
        every: Duration,
    },
}

impl Reply {
    /// A status with no body.
    pub(crate) fn status(status: u16) -> Self {
        Self::Full {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A status with headers and no body.
    pub(crate) fn with_headers(status: u16, headers: &[(&str, &str)]) -> Self {
        Self::Full {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: Vec::new(),
        }
    }

    /// A JSON body (`Content-Type` given) with extra headers.
    pub(crate) fn json(
        status: u16,
        content_type: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> Self {
        let mut h: Vec<(String, String)> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        h.push(("Content-Type".into(), content_type.into()));
        Self::Full {
            status,
            headers: h,
            body: body.as_bytes().to_vec(),
        }
    }
}

type Handler = dyn Fn(&RequestHead) -> Reply + Send + Sync;

/// The server; see the module docs.
pub(crate) struct Scripted {
    pub port: u16,
    _listener: http_server::Listener,
    log: Arc<Mutex<Vec<Seen>>>,
}

impl Scripted {
    /// Starts on a free 127.0.0.1 port.
    pub(crate) fn start(handler: impl Fn(&RequestHead) -> Reply + Send + Sync + 'static) -> Self {
        Self::start_on(
            TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0"),
            handler,
        )
    }

    /// Starts on a listener the caller bound.
    pub(crate) fn start_on(
        listener: TcpListener,
        handler: impl Fn(&RequestHead) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = log.clone();
        let handler: Arc<Handler> = Arc::new(handler);
        let listener = http_server::Listener::start_on(listener, MAX_CONNECTIONS, move |sock| {
            let _ = handle(sock, handler.as_ref(), &shared);
        });
        Self {
            port: listener.port,
            _listener: listener,
            log,
        }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Every request so far, in arrival order.
    pub(crate) fn log(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests had a path containing `needle`.
    pub(crate) fn count(&self, needle: &str) -> usize {
        self.log()
            .iter()
            .filter(|s| s.target.split('?').next().unwrap_or("").contains(needle))
            .count()
    }
}

fn handle(sock: TcpStream, handler: &Handler, log: &Mutex<Vec<Seen>>) -> std::io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(sock.try_clone()?);
    let Some(head) = http_server::read_head(&mut reader)? else {
        return Ok(());
    };
    let mut body = vec![0u8; head.content_length().min(64 << 20)];
    reader.read_exact(&mut body)?;
    log.lock().unwrap().push(Seen {
        method: head.line.method.clone(),
        target: head.line.target.clone(),
        authorization: head.header("authorization").map(str::to_owned),
    });
    let mut out = sock;
    match handler(&head) {
        Reply::Full {
            status,
            headers,
            body,
        } => {
            let mut text = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            for (k, v) in &headers {
                text.push_str(&format!("{k}: {v}\r\n"));
            }
            text.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            out.write_all(text.as_bytes())?;
            out.write_all(&body)?;
        }
        Reply::Trickle {
            status,
            headers,
            bytes,
            every,
        } => {
            let mut text = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
            for (k, v) in &headers {
                text.push_str(&format!("{k}: {v}\r\n"));
            }
            text.push_str(&format!("Content-Length: {bytes}\r\n\r\n"));
            out.write_all(text.as_bytes())?;
            out.flush()?;
            for _ in 0..bytes {
                std::thread::sleep(every);
                out.write_all(b" ")?;
                out.flush()?;
            }
        }
    }
    out.flush()
}

/// Two listeners on 127.0.0.1 whose ports are string prefixes of one another: the second port's digits start with
/// the first port's digits (`5106` and `51060`), the shape that fooled a `starts_with` same-host check.
pub(crate) fn prefix_port_pair() -> (TcpListener, TcpListener) {
    // First ports in 1024..=6553 so that PORT·10 + d fits in 16 bits; start at a pseudo-random point.
    let seed = std::process::id() as u64
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos() as u64);
    for i in 0..5530u64 {
        let p = 1024 + ((seed + i * 7919) % 5530) as u16;
        let Ok(first) = TcpListener::bind(("127.0.0.1", p)) else {
            continue;
        };
        for d in 0..10u16 {
            if let Ok(second) = TcpListener::bind(("127.0.0.1", p * 10 + d)) {
                return (first, second);
            }
        }
    }
    panic!("no free pair of prefix ports on 127.0.0.1");
}
