//! Deadlines: a total deadline per request (connect, send, and the whole response body — unlike the idle read
//! timeout, a server that sends one byte every few seconds cannot stretch it), and an optional deadline for the whole
//! command, after which no request starts and running ones stop.
//!
//! A request gets a [`Budget`] ([`Deadlines::budget`]): the earlier of the two deadlines. It is applied to the
//! request as `reqwest`'s total timeout and stored in the response's extensions, so whoever reads the body can tell
//! a deadline ([`HttpError::Deadline`], permanent: retrying a trickling server only doubles the wait) from an idle
//! read timeout (transient). Must not know what is fetched.

use std::time::{Duration, Instant};

use super::error::HttpError;
pub use super::error::{DeadlineKind, describe};

/// The deadline of the whole command: a point in time and the limit it was set from (for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandDeadline {
    /// When it passes.
    pub at: Instant,
    /// The limit, counted from when it was set.
    pub limit: Duration,
}

impl CommandDeadline {
    /// A deadline `limit` from now.
    pub fn from_now(limit: Duration) -> Self {
        Self {
            at: Instant::now() + limit,
            limit,
        }
    }
}

/// The deadlines of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadlines {
    /// Total time of one request, body included.
    pub request: Duration,
    /// The whole command's deadline, if any.
    pub command: Option<CommandDeadline>,
}

/// The time one request may take; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// When it runs out.
    pub at: Instant,
    /// Which deadline that is.
    pub kind: DeadlineKind,
    /// That deadline's limit (for messages).
    pub limit: Duration,
}

/// Slack for timer granularity when deciding that a timeout was the deadline.
const SLACK: Duration = Duration::from_millis(100);

impl Deadlines {
    /// The budget of a request starting now; [`HttpError::Deadline`] (kind `Command`) when the command deadline has
    /// passed already.
    pub fn budget(&self, host: &str, operation: &str) -> Result<Budget, HttpError> {
        let now = Instant::now();
        let request = Budget {
            at: now + self.request,
            kind: DeadlineKind::Request,
            limit: self.request,
        };
        let Some(cmd) = self.command else {
            return Ok(request);
        };
        if cmd.at <= now {
            return Err(deadline_error(
                DeadlineKind::Command,
                cmd.limit,
                host,
                operation,
            ));
        }
        Ok(if cmd.at < request.at {
            Budget {
                at: cmd.at,
                kind: DeadlineKind::Command,
                limit: cmd.limit,
            }
        } else {
            request
        })
    }
}

impl Budget {
    /// What is left of it.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// True when it has (about) run out.
    pub fn expired(&self) -> bool {
        Instant::now() + SLACK >= self.at
    }

    /// Applies it to a request as the total timeout.
    pub fn apply(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.timeout(self.remaining().max(Duration::from_millis(1)))
    }

    /// Stores it in a response, for [`Budget::of`] (the body readers).
    pub fn mark(&self, resp: &mut reqwest::Response) {
        resp.extensions_mut().insert(*self);
    }

    /// The budget stored in a response by [`Budget::mark`].
    pub fn of(resp: &reqwest::Response) -> Option<Self> {
        resp.extensions().get::<Self>().copied()
    }

    /// [`HttpError::Deadline`] when `err` is a timeout at this budget's end; `None` for any other error (an idle
    /// read timeout, a reset).
    pub fn classify(&self, err: &reqwest::Error, host: &str, operation: &str) -> Option<HttpError> {
        (err.is_timeout() && self.expired())
            .then(|| deadline_error(self.kind, self.limit, host, operation))
    }
}

fn deadline_error(kind: DeadlineKind, limit: Duration, host: &str, operation: &str) -> HttpError {
    HttpError::Deadline {
        host: host.to_owned(),
        operation: operation.to_owned(),
        kind,
        seconds: limit.as_secs_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_earlier_deadline_wins() {
        let d = Deadlines {
            request: Duration::from_secs(60),
            command: Some(CommandDeadline::from_now(Duration::from_secs(5))),
        };
        let b = d.budget("h", "GET /").unwrap();
        assert_eq!(
            (b.kind, b.limit),
            (DeadlineKind::Command, Duration::from_secs(5))
        );
        let d = Deadlines {
            request: Duration::from_secs(3),
            command: Some(CommandDeadline::from_now(Duration::from_secs(50))),
        };
        assert_eq!(d.budget("h", "GET /").unwrap().kind, DeadlineKind::Request);
        let d = Deadlines {
            request: Duration::from_secs(3),
            command: Some(CommandDeadline {
                at: Instant::now(),
                limit: Duration::from_secs(7),
            }),
        };
        assert_eq!(
            d.budget("h", "GET /v2/").unwrap_err().to_string(),
            "GET /v2/ on h: the command deadline of 7 s passed (--timeout or TOFU_SBOM_TIMEOUT; 0 disables it)"
        );
    }
}
