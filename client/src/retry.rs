//! When to send a request again: which answers are retried, and how long to wait.
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How failed requests are retried: `429`, `500`, `502`, `503`, `504` and connection errors
/// (refused, dropped, timed out) are sent again, up to `max_attempts` sends in all and not past
/// `max_elapsed` from the first send. The wait is the server's `Retry-After` (seconds or an HTTP
/// date, capped at `max_retry_after`) when it gives one, else an exponential backoff with
/// jitter: a random time between half and all of `initial_backoff × 2^(n-1)`, capped at
/// `max_backoff`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Sends in all, the first included (1 means no retry).
    pub max_attempts: u32,
    /// The backoff before the first retry.
    pub initial_backoff: Duration,
    /// The longest backoff.
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; a longer one is cut to this.
    pub max_retry_after: Duration,
    /// No retry starts later than this after the first send.
    pub max_elapsed: Duration,
}

impl Default for RetryPolicy {
    /// 6 attempts, backoff from 0.5 s to 30 s, `Retry-After` up to 60 s, 5 minutes in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            max_elapsed: Duration::from_secs(300),
        }
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// Whether an answer with this status is retried.
    pub fn is_retried_status(status: u16) -> bool {
        matches!(status, 429 | 500 | 502 | 503 | 504)
    }

    /// The wait after send number `attempt` (1-based) failed, given the server's `Retry-After`.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(wait) = retry_after {
            return wait.min(self.max_retry_after);
        }
        let factor = 1u32.checked_shl(attempt.saturating_sub(1).min(30)).unwrap_or(u32::MAX);
        let backoff = self.initial_backoff.saturating_mul(factor).min(self.max_backoff);
        let half = backoff / 2;
        let spread = (backoff - half).as_nanos() as u64;
        half + Duration::from_nanos(if spread == 0 { 0 } else { random_u64() % (spread + 1) })
    }
}

fn random_u64() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        // Jitter only spreads retries out; the clock is good enough without a random source.
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos().into()),
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3): whole seconds, or an HTTP date (IMF-fixdate),
/// as the time from `now` (zero for a date in the past).
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = parse_http_date(value)?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// An IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
fn parse_http_date(value: &str) -> Option<SystemTime> {
    let rest = value.split_once(", ")?.1;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let (day, year): (i64, i64) = (day.parse().ok()?, year.parse().ok()?);
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else { return None };
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + h * 3600 + m * 60 + s;
    u64::try_from(seconds).ok().map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_and_as_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_770);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        // RFC 9110's example date is 784111777 seconds after the epoch.
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + Duration::from_secs(60)),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn backoff_doubles_within_jitter_and_caps() {
        let policy = RetryPolicy {
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let first = policy.delay(1, None);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first), "{first:?}");
            let third = policy.delay(3, None);
            assert!((Duration::from_millis(175)..=Duration::from_millis(350)).contains(&third), "{third:?}");
        }
        assert_eq!(policy.delay(2, Some(Duration::from_secs(3))), Duration::from_secs(3));
        assert_eq!(policy.delay(2, Some(Duration::from_secs(3600))), policy.max_retry_after);
        assert!(policy.delay(200, None) <= policy.max_backoff);
    }
}
