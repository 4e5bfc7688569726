//! The large-list report as a text table: zlist end to end and in the list, beside the
//! seed's Python server, the seed's list work in python3, and Redis, with ratios.

use std::fmt;
use std::time::Duration;

use crate::bench::large::LargeReport;
use crate::bench::measure::{Bytes, Count, Time};

/// `baseline / zlist` as `"4.2x"`, or `""` without a baseline.
fn ratio(baseline: Option<Duration>, zlist: Duration) -> String {
    baseline.map_or_else(String::new, |baseline| {
        format!(
            "{:.1}x",
            baseline.as_secs_f64() / zlist.as_secs_f64().max(1e-9)
        )
    })
}

/// A time, or `n/a` without one.
fn time_or_na(time: Option<Duration>) -> String {
    time.map_or_else(|| "n/a".to_owned(), |time| Time(time).to_string())
}

impl fmt::Display for LargeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Large lists: N distinct elements \"0\"..\"N-1\" appended in order (and the same \
             shuffled, where said); every repeat starts a fresh server; median of {} repeat{}.",
            self.config.repeats,
            if self.config.repeats == 1 { "" } else { "s" },
        )?;
        for line in [
            "  end to end  REQ socket to an in-process zlist server over tcp://127.0.0.1: \
             send to whole reply received",
            "  in the list the server's handler alone (parse, run, build the reply), no sockets",
            "  seed        the same request, end to end, to the seed's server (python3 + pyzmq) \
             holding the same list; x = seed / zlist end to end",
            "  Python      the seed server's list work in python3 on the same elements; \
             x = Python / zlist in the list",
        ] {
            writeln!(f, "{line}")?;
        }
        match &self.redis_version {
            Some(version) => writeln!(
                f,
                "  Redis       the same work on a Redis {version} list over loopback (LRANGE, \
                 LPOS, LINSERT, LREM, RPUSH, SORT ALPHA STORE); x = Redis / zlist end to end"
            )?,
            None => writeln!(f, "  Redis       n/a (no redis-server on the PATH)")?,
        }
        for result in &self.results {
            writeln!(f)?;
            let rss = result
                .rss_growth
                .map_or_else(|| "n/a".to_owned(), |bytes| Bytes(bytes).to_string());
            let redis_memory = result
                .redis_memory
                .map_or_else(String::new, |bytes| format!("; Redis +{}", Bytes(bytes)));
            writeln!(
                f,
                "N = {}: {} of text; zlist server resident +{rss} when the list was loaded \
                 (the list's own heap {}){redis_memory}",
                Count(result.size as u64),
                Bytes(result.text_bytes),
                Bytes(result.heap_estimate),
            )?;
            writeln!(
                f,
                "  {:<36}  {:>10}  {:>11}  {:>9}  {:>10}  {:>6}  {:>10}  {:>6}  {:>10}  {:>6}",
                "operation",
                "end to end",
                "in the list",
                "reply",
                "seed",
                "x",
                "Python",
                "x",
                "Redis",
                "x"
            )?;
            for op in &result.operations {
                writeln!(
                    f,
                    "  {:<36}  {:>10}  {:>11}  {:>9}  {:>10}  {:>6}  {:>10}  {:>6}  {:>10}  {:>6}",
                    op.operation.label(),
                    Time(op.end_to_end),
                    Time(op.in_list),
                    Bytes(op.reply_bytes as u64),
                    time_or_na(op.seed),
                    ratio(op.seed, op.end_to_end),
                    time_or_na(op.python),
                    ratio(op.python, op.in_list),
                    time_or_na(op.redis),
                    ratio(op.redis, op.end_to_end),
                )?;
            }
            writeln!(
                f,
                "  {:<36}  {:>10}  {:>11}",
                "client: parse the mostrar reply",
                Time(result.parse_reply),
                "-",
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratio_is_the_baseline_over_zlist_and_empty_without_a_baseline() {
        let ms = Duration::from_millis;
        assert_eq!(ratio(Some(ms(42)), ms(10)), "4.2x");
        assert_eq!(ratio(None, ms(10)), "");
        assert_eq!(ratio(Some(ms(1)), Duration::ZERO), "1000000.0x");
        assert_eq!(time_or_na(None), "n/a");
    }
}
