//! An in-test HTTP/1.1 reverse proxy on loopback that forwards to the real registry and injects faults by rule:
//! a connection reset in the middle of a request body, a one-off status (503, 429 + `Retry-After`), or a permanent
//! status (403 `DENIED`), a scripted answer (a referrers endpoint with a parameterised `Content-Type`), or an extra
//! header on the forwarded answer (`OCI-Subject`), or one removed or replaced (`Docker-Content-Digest`, `Content-Type`). Nothing installable injects faults on demand, hence this small server. One request per
//! connection (`Connection: close` both ways) keeps it simple; it stops when dropped. Bounded: it serves at most
//! `MAX_CONNECTIONS` connections.

use std::io::{BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::http_server;

const MAX_CONNECTIONS: usize = 2000;

/// What to do to a matching request.
#[derive(Clone, Debug)]
pub(crate) enum Action {
    /// Read this many body bytes, then close the socket with unread data (the kernel sends a RST).
    ResetAfterBodyBytes(usize),
    /// Answer with this status (and optional `Retry-After`) without forwarding.
    Status(u16, Option<u64>, &'static str),
    /// Answer with this status, `Content-Type` (sent exactly as given) and body without forwarding.
    Reply(u16, &'static str, &'static str),
    /// Forward, then add this header line (`Name: value`) to the registry's answer.
    ForwardAddingHeader(String),
    /// Forward, then remove header `.0` from the registry's answer and, with `Some(value)`, send `.0: value`
    /// instead (a registry that omits `Docker-Content-Digest`, or mislabels a manifest's `Content-Type`).
    ForwardReplacingHeader(&'static str, Option<&'static str>),
}

/// A rule: method + path substring → action, for the first `times` matching requests (`usize::MAX` = always).
#[derive(Clone, Debug)]
pub(crate) struct Rule {
    pub method: &'static str,
    pub path_contains: &'static str,
    pub action: Action,
    pub times: usize,
}

#[derive(Default)]
struct State {
    rules: Vec<(Rule, usize)>,
    /// (method path, injected action or "forwarded").
    log: Vec<(String, String)>,
}

pub(crate) struct FaultProxy {
    pub port: u16,
    _listener: http_server::Listener,
    state: Arc<Mutex<State>>,
}

impl FaultProxy {
    pub(crate) fn start(upstream_port: u16, rules: Vec<Rule>) -> Self {
        let state = Arc::new(Mutex::new(State {
            rules: rules.into_iter().map(|r| (r, 0)).collect(),
            log: Vec::new(),
        }));
        let shared = state.clone();
        let listener = http_server::Listener::start(MAX_CONNECTIONS, move |sock| {
            let _ = handle(sock, upstream_port, &shared);
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

    /// Every request seen: `(METHOD PATH, what happened)`.
    pub(crate) fn log(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().log.clone()
    }

    /// How often a rule (by index) fired.
    pub(crate) fn fired(&self, rule: usize) -> usize {
        self.state.lock().unwrap().rules[rule].1
    }
}

fn handle(client: TcpStream, upstream_port: u16, state: &Mutex<State>) -> std::io::Result<()> {
    client.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(client.try_clone()?);
    let Some(head) = http_server::read_head(&mut reader)? else {
        return Ok(());
    };
    let method = head.line.method.clone();
    let path = head.line.path().to_owned();
    let content_length = head.content_length();
    let action = {
        let mut st = state.lock().unwrap();
        let hit = st
            .rules
            .iter_mut()
            .find(|(r, fired)| {
                r.method == method && path.contains(r.path_contains) && *fired < r.times
            })
            .map(|(r, fired)| {
                *fired += 1;
                r.action.clone()
            });
        st.log.push((
            format!("{method} {path}"),
            hit.as_ref()
                .map_or_else(|| "forwarded".to_owned(), |a| format!("{a:?}")),
        ));
        hit
    };
    let mut extra_header = None;
    let mut dropped_header = None;
    match action {
        Some(Action::ResetAfterBodyBytes(n)) => {
            let mut buf = vec![0u8; n.min(content_length)];
            reader.read_exact(&mut buf)?;
            // Unread body bytes remain in the receive buffer: closing now makes the kernel send a RST.
            drop(reader);
            drop(client);
            return Ok(());
        }
        Some(Action::Status(status, retry_after, body)) => {
            let mut sink = vec![0u8; content_length];
            reader.read_exact(&mut sink)?;
            let mut resp = format!(
                "HTTP/1.1 {status} Injected\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            if let Some(s) = retry_after {
                resp.push_str(&format!("Retry-After: {s}\r\n"));
            }
            resp.push_str("\r\n");
            resp.push_str(body);
            let mut c = client;
            c.write_all(resp.as_bytes())?;
            let _ = c.shutdown(Shutdown::Write);
            return Ok(());
        }
        Some(Action::Reply(status, content_type, body)) => {
            let mut sink = vec![0u8; content_length];
            reader.read_exact(&mut sink)?;
            let resp = format!(
                "HTTP/1.1 {status} Scripted\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let mut c = client;
            c.write_all(resp.as_bytes())?;
            let _ = c.shutdown(Shutdown::Write);
            return Ok(());
        }
        Some(Action::ForwardAddingHeader(h)) => extra_header = Some(h),
        Some(Action::ForwardReplacingHeader(name, value)) => {
            dropped_header = Some(name);
            extra_header = value.map(|v| format!("{name}: {v}"));
        }
        None => {}
    }
    // Forward.
    let mut up = TcpStream::connect(("127.0.0.1", upstream_port))?;
    let line = &head.line;
    let mut forward = format!("{} {} {}\r\n", line.method, line.target, line.version);
    for (name, value) in &head.headers {
        if name.eq_ignore_ascii_case("connection") {
            continue;
        }
        forward.push_str(&format!("{name}: {value}\r\n"));
    }
    forward.push_str("Connection: close\r\n\r\n");
    up.write_all(forward.as_bytes())?;
    let mut remaining = content_length;
    let mut buf = vec![0u8; 64 << 10];
    while remaining > 0 {
        let n = reader.read(&mut buf[..remaining.min(64 << 10)])?;
        if n == 0 {
            break;
        }
        up.write_all(&buf[..n])?;
        remaining -= n;
    }
    let mut response = Vec::new();
    up.read_to_end(&mut response)?;
    // Rewrite the response's Connection header to close.
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(response.len(), |p| p + 4);
    let head_text = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut new_head = String::new();
    for l in head_text.split("\r\n").filter(|l| !l.is_empty()) {
        let lower = l.to_ascii_lowercase();
        if lower.starts_with("connection:")
            || dropped_header
                .is_some_and(|d| lower.starts_with(&format!("{}:", d.to_ascii_lowercase())))
        {
            continue;
        }
        new_head.push_str(l);
        new_head.push_str("\r\n");
    }
    if let Some(h) = extra_header {
        new_head.push_str(&h);
        new_head.push_str("\r\n");
    }
    new_head.push_str("Connection: close\r\n\r\n");
    let mut c = client;
    c.write_all(new_head.as_bytes())?;
    c.write_all(&response[split..])?;
    let _ = c.shutdown(Shutdown::Write);
    Ok(())
}
