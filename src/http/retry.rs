//! Retries with exponential backoff for transient registry faults.
//!
//! Transient: connection refused/reset/closed, timeouts, HTTP 5xx (except 501/505) and 429 (honouring `Retry-After`).
//! Permanent, stopping at once: every other 4xx — 401, 403 `DENIED` (GHCR `write_package`), 404, 400 `DIGEST_INVALID`…
//! Attempts and total time are both bounded.
//!
//! Owns the policy and the loop; the classification of one error is the error type's own ([`Retryable`]), so this
//! module must not know any caller's error type (OCI, provider registry).

use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

/// An error [`with_retries`] can classify and wrap.
pub trait Retryable: Sized {
    /// True when another attempt may succeed.
    fn is_transient(&self) -> bool;
    /// The `Retry-After` the server sent with this error, in seconds.
    fn retry_after(&self) -> Option<u64>;
    /// The error returned when the attempts or the time are used up, wrapping the last one.
    fn retries_exhausted(operation: String, attempts: u32, last: Self) -> Self;
}

/// How often and how long to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Maximum attempts in total (1 = no retry).
    pub max_attempts: u32,
    /// Delay before the second attempt; doubled for each further attempt.
    pub initial_backoff: Duration,
    /// Upper bound of one backoff delay.
    pub max_backoff: Duration,
    /// Upper bound of a `Retry-After` delay we are willing to wait (longer ones stop the retries).
    pub max_retry_after: Duration,
    /// Upper bound of the whole operation including waits; no new attempt starts after it.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            max_total: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff before attempt `attempt + 1` (`attempt` ≥ 1), with up to 25 % jitter so parallel uploads do not
    /// retry in lockstep.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let base = exp.min(self.max_backoff);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
    }
}

/// Runs `op` until it succeeds, fails permanently, or the policy is exhausted. `op` receives the attempt number
/// (1-based). A transient error's `Retry-After` is honoured (bounded by [`RetryPolicy::max_retry_after`]).
pub async fn with_retries<T, E, F, Fut>(
    policy: &RetryPolicy,
    operation: &str,
    mut op: F,
) -> Result<T, E>
where
    E: Retryable,
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let start = Instant::now();
    let mut attempt = 1;
    loop {
        let err = match op(attempt).await {
            Ok(v) => return Ok(v),
            Err(e) => e,
        };
        if !err.is_transient() {
            return Err(err);
        }
        let retry_after = err.retry_after().map(Duration::from_secs);
        let delay = match retry_after {
            Some(ra) if ra > policy.max_retry_after => None,
            Some(ra) => Some(ra.max(policy.backoff(attempt).min(ra + Duration::from_millis(250)))),
            None => Some(policy.backoff(attempt)),
        };
        let give_up = attempt >= policy.max_attempts
            || delay.is_none_or(|d| start.elapsed() + d > policy.max_total);
        if give_up {
            return Err(E::retries_exhausted(operation.to_owned(), attempt, err));
        }
        if let Some(d) = delay {
            tokio::time::sleep(d).await;
        }
        attempt += 1;
    }
}

/// The `Retry-After` header of a response, in whole seconds from now.
pub fn retry_after_of(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, time::OffsetDateTime::now_utc()))
}

/// Parses a `Retry-After` header value: delta-seconds, or an HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`) relative to
/// `now`. Returns whole seconds (a past date gives 0).
pub fn parse_retry_after(value: &str, now: time::OffsetDateTime) -> Option<u64> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(secs);
    }
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let date = time::PrimitiveDateTime::parse(value, &fmt)
        .ok()?
        .assume_utc();
    let delta = (date - now).whole_seconds();
    Some(u64::try_from(delta).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = time::macros::datetime!(1994-11-06 08:49:00 UTC);
        assert_eq!(parse_retry_after("3", now), Some(3));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(37)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:48:00 GMT", now),
            Some(0)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
