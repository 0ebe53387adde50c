//! Rate limits on enrolment: a token bucket per client address and one for the whole server.
//!
//! Every attempt takes a token from its address's bucket and from the global one before the
//! code is even looked at; a successful enrolment gives them back, so only refused attempts
//! count. A bucket holds `burst` tokens and gains one every `refill`. When either is empty the
//! attempt is answered 429 with `Retry-After`, without touching the registry. (Behind a reverse
//! proxy every client has the proxy's address: the per-address limit then acts as a second
//! global one.)
//!
//! When several nodes share a database (PostgreSQL), the buckets live in it
//! ([`doithoai_store::ServerDb::bucket_take`]), so that the limits hold for the ward whichever
//! node an attempt reaches; if the database cannot answer, this node's own buckets decide.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `burst` attempts at once, then one more every `refill`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub refill: Duration,
}

impl Rate {
    /// Parses `N/DURATION`: N attempts per DURATION (`10/60s`, `20/500ms`), i.e. a burst of N
    /// refilled at N per DURATION.
    pub fn parse(s: &str) -> Option<Rate> {
        let (n, per) = s.trim().split_once('/')?;
        let burst: u32 = n.trim().parse().ok().filter(|n| *n > 0)?;
        let per = per.trim();
        let window = if let Some(ms) = per.strip_suffix("ms") {
            Duration::from_millis(ms.trim().parse().ok()?)
        } else if let Some(s) = per.strip_suffix('s') {
            Duration::from_secs(s.trim().parse().ok()?)
        } else {
            return None;
        };
        (!window.is_zero()).then(|| Rate {
            burst,
            refill: window / burst,
        })
    }

    fn from_env(var: &str, default: Rate) -> Rate {
        match std::env::var(var) {
            Ok(v) => Rate::parse(&v).unwrap_or_else(|| {
                tracing::warn!(var, value = %v, "not a rate like 10/60s; using the default");
                default
            }),
            Err(_) => default,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(rate: Rate, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(rate.burst),
            at: now,
        }
    }

    fn refill(&mut self, rate: Rate, now: Instant) {
        let gained =
            now.saturating_duration_since(self.at).as_secs_f64() / rate.refill.as_secs_f64();
        self.tokens = (self.tokens + gained).min(f64::from(rate.burst));
        self.at = now;
    }

    /// How long until this bucket holds one token.
    fn wait(&self, rate: Rate) -> Duration {
        if self.tokens >= 1.0 {
            Duration::ZERO
        } else {
            rate.refill.mul_f64(1.0 - self.tokens)
        }
    }
}

/// The most addresses remembered; beyond it, addresses whose bucket is full again are forgotten.
const MAX_ADDRS: usize = 10_000;

/// The enrolment limiter (see the module's documentation).
pub struct EnrolLimiter {
    per_addr: Rate,
    global: Rate,
    state: Mutex<State>,
    /// The database the nodes share, when they do.
    shared: Option<crate::Db>,
}

impl std::fmt::Debug for EnrolLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrolLimiter")
            .field("per_addr", &self.per_addr)
            .field("global", &self.global)
            .field("shared", &self.shared.is_some())
            .finish()
    }
}

const GLOBAL_KEY: &str = "enrol:*";

fn addr_key(ip: IpAddr) -> String {
    format!("enrol:{}", key(ip))
}

#[derive(Debug)]
struct State {
    addrs: HashMap<IpAddr, Bucket>,
    global: Bucket,
}

/// Per address: 10 refused attempts, then one every 6 s.
pub const DEFAULT_PER_ADDR: Rate = Rate {
    burst: 10,
    refill: Duration::from_secs(6),
};
/// The whole server: 60 refused attempts, then one a second.
pub const DEFAULT_GLOBAL: Rate = Rate {
    burst: 60,
    refill: Duration::from_secs(1),
};

/// The key of an address: IPv6 clients by their /64 (one host usually holds a whole /64).
fn key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
        v4 => v4,
    }
}

impl EnrolLimiter {
    pub fn new(per_addr: Rate, global: Rate) -> EnrolLimiter {
        EnrolLimiter {
            per_addr,
            global,
            state: Mutex::new(State {
                addrs: HashMap::new(),
                global: Bucket::full(global, Instant::now()),
            }),
            shared: None,
        }
    }

    /// The limits of `DOITHOAI_ENROLL_LIMIT` (per address) and `DOITHOAI_ENROLL_GLOBAL_LIMIT`,
    /// both `N/DURATION`, or the defaults; counted in `db` when it is shared between nodes.
    pub fn from_env(db: crate::Db) -> EnrolLimiter {
        let mut l = EnrolLimiter::new(
            Rate::from_env("DOITHOAI_ENROLL_LIMIT", DEFAULT_PER_ADDR),
            Rate::from_env("DOITHOAI_ENROLL_GLOBAL_LIMIT", DEFAULT_GLOBAL),
        );
        if db.shared() {
            l.shared = Some(db);
        }
        l
    }

    /// The shared buckets' answer, or `None` when the database did not give one.
    fn acquire_shared(&self, db: &crate::Db, ip: IpAddr) -> Option<Result<(), Duration>> {
        let addr = addr_key(ip);
        let taken = db.bucket_take(&addr, self.per_addr.burst, self.per_addr.refill);
        let result = match taken {
            Ok(Err(wait)) => Ok(Err(wait)),
            Ok(Ok(())) => match db.bucket_take(GLOBAL_KEY, self.global.burst, self.global.refill) {
                Ok(Ok(())) => Ok(Ok(())),
                Ok(Err(wait)) => {
                    // Refused by the global bucket: the address's token goes back.
                    db.bucket_refund(&addr, self.per_addr.burst)
                        .map(|()| Err(wait))
                }
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!(error = %e, "shared enrolment limits unavailable: this node's own decide");
                None
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a token for an attempt from `ip`, or says how long to wait.
    pub fn acquire(&self, ip: IpAddr) -> Result<(), Duration> {
        if let Some(db) = &self.shared
            && let Some(r) = self.acquire_shared(db, ip)
        {
            return r;
        }
        self.acquire_at(ip, Instant::now())
    }

    fn acquire_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let (per_addr, global) = (self.per_addr, self.global);
        let mut st = self.lock();
        if st.addrs.len() >= MAX_ADDRS {
            st.addrs.retain(|_, b| {
                b.refill(per_addr, now);
                b.tokens < f64::from(per_addr.burst)
            });
        }
        st.global.refill(global, now);
        let global_wait = st.global.wait(global);
        let bucket = st
            .addrs
            .entry(key(ip))
            .or_insert_with(|| Bucket::full(per_addr, now));
        bucket.refill(per_addr, now);
        let wait = bucket.wait(per_addr).max(global_wait);
        if !wait.is_zero() {
            return Err(wait);
        }
        bucket.tokens -= 1.0;
        st.global.tokens -= 1.0;
        Ok(())
    }

    /// Gives back the token of an attempt that succeeded.
    pub fn refund(&self, ip: IpAddr) {
        if let Some(db) = &self.shared {
            let back = db
                .bucket_refund(&addr_key(ip), self.per_addr.burst)
                .and_then(|()| db.bucket_refund(GLOBAL_KEY, self.global.burst));
            if let Err(e) = back {
                tracing::warn!(error = %e, "cannot give back an enrolment token");
            }
        }
        let (per_addr, global) = (self.per_addr, self.global);
        let mut st = self.lock();
        st.global.tokens = (st.global.tokens + 1.0).min(f64::from(global.burst));
        if let Some(b) = st.addrs.get_mut(&key(ip)) {
            b.tokens = (b.tokens + 1.0).min(f64::from(per_addr.burst));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rates_parse() {
        assert_eq!(
            Rate::parse("10/60s"),
            Some(Rate {
                burst: 10,
                refill: Duration::from_secs(6)
            })
        );
        assert_eq!(
            Rate::parse("4/200ms").map(|r| r.refill),
            Some(Duration::from_millis(50))
        );
        for bad in ["", "10", "0/1s", "10/0s", "x/1s", "10/1h"] {
            assert_eq!(Rate::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn an_address_is_limited_and_refilled_and_others_are_not() {
        let per = Rate {
            burst: 3,
            refill: Duration::from_secs(1),
        };
        let global = Rate {
            burst: 100,
            refill: Duration::from_secs(1),
        };
        let l = EnrolLimiter::new(per, global);
        let t0 = Instant::now();
        for _ in 0..3 {
            l.acquire_at(ip("10.0.0.1"), t0).unwrap();
        }
        let wait = l.acquire_at(ip("10.0.0.1"), t0).unwrap_err();
        assert_eq!(wait, Duration::from_secs(1));
        // another address is not affected
        l.acquire_at(ip("10.0.0.2"), t0).unwrap();
        // a refund gives one attempt back
        l.refund(ip("10.0.0.1"));
        l.acquire_at(ip("10.0.0.1"), t0).unwrap();
        // one token a second
        assert!(
            l.acquire_at(ip("10.0.0.1"), t0 + Duration::from_millis(500))
                .is_err()
        );
        l.acquire_at(ip("10.0.0.1"), t0 + Duration::from_millis(1000))
            .unwrap();
    }

    #[test]
    fn the_global_bucket_limits_many_addresses() {
        let per = Rate {
            burst: 10,
            refill: Duration::from_secs(1),
        };
        let global = Rate {
            burst: 5,
            refill: Duration::from_secs(2),
        };
        let l = EnrolLimiter::new(per, global);
        let t0 = Instant::now();
        for i in 0..5 {
            l.acquire_at(ip(&format!("10.0.1.{i}")), t0).unwrap();
        }
        assert_eq!(
            l.acquire_at(ip("10.0.1.99"), t0).unwrap_err(),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn ipv6_hosts_count_by_their_64() {
        let per = Rate {
            burst: 1,
            refill: Duration::from_secs(60),
        };
        let l = EnrolLimiter::new(per, DEFAULT_GLOBAL);
        let t0 = Instant::now();
        l.acquire_at(ip("2001:db8::1"), t0).unwrap();
        assert!(l.acquire_at(ip("2001:db8::2:3"), t0).is_err());
        l.acquire_at(ip("2001:db8:0:1::1"), t0).unwrap();
    }
}
