//! Replays the fuzzers' corpus (`fuzz/corpus/TARGET/*`: the seeds, and every input a
//! fuzzer kept or crashed on once fixed) through the same target bodies, so that what was
//! found stays fixed without a fuzzer installed.

use std::path::Path;

#[path = "../../fuzz/targets.rs"]
mod targets;

#[test]
fn every_fuzz_target_runs_clean_on_its_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        assert!(!inputs.is_empty(), "{} has no seeds", dir.display());
        for input in inputs {
            let data = std::fs::read(&input).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(
                outcome.is_ok(),
                "target {name} panicked on {}",
                input.display()
            );
        }
    }
}
