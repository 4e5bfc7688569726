//! The benchmarks in a tiny configuration, so that their code cannot rot: they run, they
//! measure something, and what they print adds up.

use std::process::Command;
use std::time::Duration;

use zlist::bench::large::{self, LargeConfig, Operation, Order};
use zlist::bench::roundtrip::{self, RoundTripConfig, Subject};
use zlist::net::repr;

use crate::support::start_server;

fn no_progress() -> impl FnMut(&str) {
    |_: &str| {}
}

#[test]
fn roundtrip_measures_zlist_and_every_reference_server_with_sane_numbers() {
    let config = RoundTripConfig {
        clients: vec![1, 2],
        run_time: Duration::from_millis(200),
        rounds: 2,
        ..RoundTripConfig::default()
    };
    let report = roundtrip::run(&config, &mut no_progress()).unwrap();
    assert_eq!(report.results.len(), 2);
    for result in &report.results {
        let all = result.all();
        assert_eq!(
            all.map(|s| s.subject),
            [
                Subject::RepEcho,
                Subject::RouterEcho,
                Subject::RouterList,
                Subject::ListServer
            ]
        );
        for stats in all {
            assert_eq!(stats.clients, result.clients);
            assert!(stats.requests > 0, "{stats:?}");
            assert_eq!(stats.unexpected, 0, "{stats:?}");
            assert_eq!(stats.round_throughputs.len(), 2);
            assert!(stats.throughput() > 0.0);
            // Each round lasts about its run time: two rounds of 200 ms.
            assert!(stats.elapsed >= Duration::from_millis(400), "{stats:?}");
            assert!(stats.elapsed < Duration::from_secs(5), "{stats:?}");
            let latency = stats.latency;
            assert_eq!(latency.count as u64, stats.requests);
            assert!(Duration::ZERO < latency.p50 && latency.p50 <= latency.p99);
            assert!(latency.p99 <= latency.max);
            // Every request of the mix is short.
            assert!(
                (5.0..30.0).contains(&stats.mean_request_bytes()),
                "{stats:?}"
            );
        }
        // The echo servers send the request back; zlist's replies are longer.
        assert_eq!(result.floor.request_bytes, result.floor.reply_bytes);
        assert_eq!(result.router.request_bytes, result.router.reply_bytes);
        assert!(result.server.mean_reply_bytes() > result.server.mean_request_bytes());
        assert!(result.router_list.mean_reply_bytes() > result.router_list.mean_request_bytes());
        let ratio = result.ratio();
        assert!(ratio.is_finite() && ratio > 0.0, "{ratio}");
        let (lo, hi) = result.ratio_range();
        assert!(lo <= ratio && ratio <= hi, "{lo} {ratio} {hi}");
    }
    let text = report.to_string();
    for expected in [
        "REP echo",
        "ROUTER echo",
        "zlist",
        "vs floor",
        "round trips/s",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
}

#[test]
fn roundtrip_can_target_a_running_server() {
    let server = start_server();
    let config = RoundTripConfig {
        clients: vec![1],
        run_time: Duration::from_millis(100),
        rounds: 1,
        connect: Some(server.endpoint().to_owned()),
        ..RoundTripConfig::default()
    };
    let report = roundtrip::run(&config, &mut no_progress()).unwrap();
    let stats = &report.results[0].server;
    assert!(stats.requests > 0);
    assert_eq!(stats.unexpected, 0);
    assert!(report.to_string().contains("target"));
    // The mix takes its elements out again: the list is as it was, empty.
    assert!(server.stop().unwrap().is_empty());
}

#[test]
fn roundtrip_against_no_server_fails_instead_of_hanging() {
    // A port that was free a moment ago: nobody answers there.
    let port = crate::support::free_port();
    let config = RoundTripConfig {
        clients: vec![1],
        run_time: Duration::from_millis(100),
        rounds: 1,
        connect: Some(format!("tcp://127.0.0.1:{port}")),
        reply_timeout: Duration::from_millis(300),
        ..RoundTripConfig::default()
    };
    let started = std::time::Instant::now();
    let error = roundtrip::run(&config, &mut no_progress()).unwrap_err();
    assert!(error.to_string().contains("no reply"), "{error}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn large_times_every_operation_and_reports_the_reply_size() {
    let config = LargeConfig {
        sizes: vec![1000],
        repeats: 1,
    };
    let report = large::run(&config, &mut no_progress()).unwrap();
    let result = &report.results[0];
    assert_eq!(result.size, 1000);
    let all: Vec<Operation> = Operation::ON_APPENDED
        .into_iter()
        .chain(Operation::ON_SHUFFLED)
        .collect();
    assert_eq!(
        result
            .operations
            .iter()
            .map(|r| r.operation)
            .collect::<Vec<_>>(),
        all
    );
    for op in &result.operations {
        assert!(op.end_to_end > Duration::ZERO, "{op:?}");
        assert!(op.in_list > Duration::ZERO, "{op:?}");
        assert!(op.end_to_end < Duration::from_secs(5), "{op:?}");
    }
    let show = result.operation(Operation::Show).unwrap();
    let expected = repr::list_repr(&large::list_items(1000, Order::Appended)).len();
    assert_eq!(show.reply_bytes, expected);
    assert_eq!(
        result
            .operation(Operation::ShowShuffled)
            .unwrap()
            .reply_bytes,
        expected
    );
    assert_eq!(
        result
            .operation(Operation::SearchMissing)
            .unwrap()
            .reply_bytes,
        "Não encontrado".len()
    );
    // "0".."999": 10 + 90 * 2 + 900 * 3 bytes of text.
    assert_eq!(result.text_bytes, 2890);
    // The list's own accounting: its text and at least four bytes of offset an element.
    assert!(result.heap_estimate > result.text_bytes + 4 * 1000);
    if cfg!(target_os = "linux") {
        assert!(result.rss_growth.is_some());
    }
    let text = report.to_string();
    assert!(text.contains("N = 1,000"), "{text}");
    assert!(text.contains("ordenar_cresc (shuffled list)"), "{text}");
    // The Python baseline, in the same run (scripts/test.sh installs python3).
    let has_python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if has_python {
        for op in &result.operations {
            assert!(op.python.is_some(), "{op:?}");
        }
        assert!(text.contains("Python"), "{text}");
    }
    // The seed's own server and Redis in the same run, where CI installs them
    // (scripts/test.sh: pyzmq and redis-server).
    if std::env::var_os("CI").is_some() {
        for op in &result.operations {
            assert!(op.seed.is_some(), "{op:?}");
            assert!(op.redis.is_some(), "{op:?}");
        }
        assert!(report.redis_version.is_some());
        assert!(result.redis_memory.is_some_and(|bytes| bytes > 0));
    }
}

#[test]
fn zlist_bench_prints_the_roundtrip_and_large_list_tables() {
    let tiny = [
        "--clients",
        "1",
        "--seconds",
        "0.1",
        "--rounds",
        "1",
        "--sizes",
        "100",
        "--repeats",
        "1",
    ];
    for (part, expected) in [
        ("roundtrip", ["libzmq", "vs floor", "Target:"]),
        ("large", ["libzmq", "N = 100", "mostrar"]),
        (
            "ops",
            [
                "Single-element operations at 100 elements",
                "insert 0",
                "bytes per element",
            ],
        ),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_zlist"))
            .args(["bench", "--only", part])
            .args(tiny)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stdout}\n{stderr}");
        for text in expected {
            assert!(stdout.contains(text), "{text:?} missing:\n{stdout}");
        }
    }
}

#[test]
fn zlist_bench_only_redis_prints_the_redis_setups_redis_benchmark_and_the_large_lists() {
    if !zlist::bench::redis_process::RedisProcess::available_for_tests().unwrap() {
        return;
    }
    let output = Command::new(env!("CARGO_BIN_EXE_zlist"))
        .args([
            "bench",
            "--only",
            "redis",
            "--clients",
            "1",
            "--seconds",
            "0.1",
        ])
        .args(["--rounds", "1", "--sizes", "1000", "--repeats", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let has_benchmark = Command::new("redis-benchmark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let mut expected = vec![
        "redis-server",
        "vs in-proc",
        "      1  in-process",
        "      1  1 on Redis",
        "      1  2 on Redis",
        "N = 1,000",
        "ordenar_cresc (shuffled list)",
    ];
    expected.push(if has_benchmark {
        "      1  redis-bench LRANGE_100"
    } else {
        "no redis-benchmark column"
    });
    for text in expected {
        assert!(stdout.contains(text), "{text:?} missing:\n{stdout}");
    }
    // Both setups on Redis have a positive ratio to the in-process server.
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("      1  ") && l.contains(" on Redis "))
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    for line in rows {
        let ratio: f64 = line.split_whitespace().last().unwrap().parse().unwrap();
        assert!(ratio > 0.0, "{line}");
    }
    // The large table has every operation, each timed on both.
    let large = stdout.split("N = 1,000").nth(1).unwrap();
    assert_eq!(
        large
            .lines()
            .filter(|l| l.contains(" µs") || l.contains(" ms"))
            .count(),
        Operation::ON_APPENDED.len() + Operation::ON_SHUFFLED.len(),
        "{large}"
    );
}

#[test]
fn zlist_bench_plot_draws_the_roundtrip_and_large_list_charts_as_svg() {
    let dir = tempfile::tempdir().unwrap();
    let charts = dir.path().join("charts");
    let output = Command::new(env!("CARGO_BIN_EXE_zlist"))
        .args([
            "bench",
            "--clients",
            "1,2",
            "--seconds",
            "0.1",
            "--rounds",
            "1",
        ])
        .args([
            "--sizes",
            "100,1000",
            "--repeats",
            "1",
            "--only",
            "roundtrip",
        ])
        .arg("--plot")
        .arg(&charts)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let svg = std::fs::read_to_string(charts.join("roundtrip.svg")).unwrap();
    assert!(svg.starts_with("<svg"), "{svg}");
    for text in ["zlist server", "bare REP echo", "round trips / s"] {
        assert!(svg.contains(text), "{text:?} missing from the chart");
    }
    assert!(stdout.contains("chart: "), "{stdout}");
    // Only the parts that ran are drawn.
    assert!(!charts.join("large-lists.svg").exists());

    let report = large::run(
        &LargeConfig {
            sizes: vec![100, 1000],
            repeats: 1,
        },
        &mut no_progress(),
    )
    .unwrap();
    let files = zlist::bench::plot::draw(&charts, None, Some(&report)).unwrap();
    assert_eq!(files, [charts.join("large-lists.svg")]);
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    for op in Operation::ON_APPENDED
        .into_iter()
        .chain(Operation::ON_SHUFFLED)
    {
        assert!(
            svg.contains(op.label()),
            "{} missing from the chart",
            op.label()
        );
    }
    assert!(svg.contains("zlist, end to end"));
}

#[test]
fn zlist_bench_refuses_a_bad_option_with_a_clear_error() {
    let output = Command::new(env!("CARGO_BIN_EXE_zlist"))
        .args(["bench", "--clients", "0", "--only", "roundtrip"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("0 clients"), "{stderr}");
}
