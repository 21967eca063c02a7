//! Recall and precision of the built-in rules on a labelled set of realistic files
//! (fixtures/labelled, labels in fixtures/labelled-expected.json): every planted secret must be
//! found, and decoys (placeholders, hashes, UUIDs, test vectors, lock files) must stay silent.
//!
//! `cargo test --test labelled -- --nocapture` prints the figures.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn labelled_set_recall_and_precision() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let labels: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("labelled-expected.json")).unwrap(),
    )
    .unwrap();
    let expected: BTreeSet<(String, u64)> = labels["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args(["scan", "--format", "json", "--no-ignore"])
        .arg(root.join("labelled"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let found: Vec<(String, u64, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "secret")
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let found_set: BTreeSet<(String, u64)> =
        found.iter().map(|(p, l, _)| (p.clone(), *l)).collect();
    let tp = expected.intersection(&found_set).count();
    let false_pos: Vec<_> = found
        .iter()
        .filter(|(p, l, _)| !expected.contains(&(p.clone(), *l)))
        .collect();
    let missed: Vec<_> = expected.difference(&found_set).collect();
    let recall = tp as f64 / expected.len() as f64;
    let precision = tp as f64 / (tp + false_pos.len()).max(1) as f64;
    println!(
        "labelled set: {} planted, {} found, {} false positives, recall {:.3}, precision {:.3}",
        expected.len(),
        tp,
        false_pos.len(),
        recall,
        precision
    );
    for m in &missed {
        println!("  missed: {}:{}", m.0, m.1);
    }
    for f in &false_pos {
        println!("  false positive: {}:{} ({})", f.0, f.1, f.2);
    }
    assert!(missed.is_empty(), "missed planted secrets: {missed:?}");
    assert!(false_pos.is_empty(), "false positives: {false_pos:?}");
}
