//! A provider-registry server for the tests: a small HTTP/1.1 server on 127.0.0.1 serving fixed responses by path.
//!
//! The public registry (`registry.opentofu.org`) is unreachable from the test machines, and no installable package
//! implements the provider registry protocol, so the protocol's static documents (service discovery, version list,
//! download metadata) and the release files are served from here. One request per connection (`Connection: close`),
//! at most `MAX_CONNECTIONS` connections, stopped on drop.
//!
//! Faults by path, for the first `times` requests: a connection reset in the middle of the body (the server writes
//! the headers and part of the body, then closes with the rest of the request unread, so the kernel sends a RST), or
//! a status (503) instead of the content. Anything that is not an HTTP request (a TLS ClientHello from a client
//! trying HTTPS first) gets `400 Bad Request`, as Go's HTTP server answers.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::http_server;

const MAX_CONNECTIONS: usize = 2000;

/// A fixed response.
#[derive(Clone, Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn json(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            content_type: "application/json",
            body: body.into(),
        }
    }

    pub(crate) fn bytes(body: impl Into<Vec<u8>>) -> Self {
        Self {
            status: 200,
            content_type: "application/octet-stream",
            body: body.into(),
        }
    }
}

/// A fault injected on a path.
#[derive(Clone, Debug)]
pub(crate) enum Fault {
    /// Send the headers and this many body bytes, then reset the connection.
    ResetAfterBodyBytes(usize),
    /// Answer with this status instead.
    Status(u16),
}

#[derive(Default)]
struct State {
    routes: BTreeMap<String, Response>,
    faults: BTreeMap<String, (Fault, usize)>,
    log: Vec<String>,
}

pub(crate) struct RegistryServer {
    pub port: u16,
    _listener: http_server::Listener,
    state: Arc<Mutex<State>>,
}

impl RegistryServer {
    pub(crate) fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let listener = http_server::Listener::start(MAX_CONNECTIONS, move |sock| {
            let _ = handle(sock, &shared);
        });
        Self {
            port: listener.port,
            _listener: listener,
            state,
        }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub(crate) fn route(&self, path: &str, response: Response) {
        self.state
            .lock()
            .unwrap()
            .routes
            .insert(path.to_owned(), response);
    }

    pub(crate) fn remove_route(&self, path: &str) {
        self.state.lock().unwrap().routes.remove(path);
    }

    /// Injects `fault` on the next `times` requests for `path`.
    pub(crate) fn fault(&self, path: &str, fault: Fault, times: usize) {
        self.state
            .lock()
            .unwrap()
            .faults
            .insert(path.to_owned(), (fault, times));
    }

    /// `GET /path` lines of every request so far (faulted ones included).
    pub(crate) fn log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    /// How many requests were made for `path`.
    pub(crate) fn count(&self, path: &str) -> usize {
        let want = format!("GET {path}");
        self.log().iter().filter(|l| **l == want).count()
    }

    pub(crate) fn clear_log(&self) {
        self.state.lock().unwrap().log.clear();
    }
}

fn handle(mut sock: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    sock.set_read_timeout(Some(Duration::from_secs(10)))?;
    // Only the request line, read byte by byte: the headers stay unread in the kernel buffer until
    // we need them.
    let Some(line) = http_server::read_request_line(&mut sock) else {
        return sock.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    let (method, path) = (line.method.as_str(), line.path().to_owned());
    let (response, fault) = {
        let mut st = state.lock().unwrap();
        st.log.push(format!("{method} {path}"));
        let fault = match st.faults.get_mut(&path) {
            Some((f, n)) if *n > 0 => {
                *n -= 1;
                Some(f.clone())
            }
            _ => None,
        };
        (st.routes.get(&path).cloned(), fault)
    };
    let response = response.unwrap_or(Response {
        status: 404,
        content_type: "text/plain",
        body: b"not found".to_vec(),
    });
    match fault {
        Some(Fault::ResetAfterBodyBytes(n)) => {
            // Headers of the request are left unread: closing now makes the kernel send a RST.
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                response.content_type,
                response.body.len()
            );
            sock.write_all(head.as_bytes())?;
            sock.write_all(&response.body[..n.min(response.body.len())])?;
            sock.flush()?;
            std::thread::sleep(Duration::from_millis(50));
            return Ok(());
        }
        Some(Fault::Status(s)) => {
            let _ = http_server::read_headers(&mut sock);
            let head = format!(
                "HTTP/1.1 {s} Fault\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfault"
            );
            return sock.write_all(head.as_bytes());
        }
        None => {}
    }
    let _ = http_server::read_headers(&mut sock);
    let reason = match response.status {
        200 => "OK",
        404 => "Not Found",
        _ => "Status",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len()
    );
    sock.write_all(head.as_bytes())?;
    if method != "HEAD" {
        sock.write_all(&response.body)?;
    }
    sock.flush()
}
