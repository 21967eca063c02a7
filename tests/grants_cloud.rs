//! Cloud grant checks (AWS, GCP, Azure) over the fixtures in `fixtures/grants/`: every check
//! has positive and negative fixtures, and the findings of all checks over all fixtures match
//! the snapshot in `tests/snapshots/grants_cloud.txt` (path, line, column, check, identity,
//! severity). Set `FERRET_BLESS=1` to rewrite the snapshot after an intended change.

use ferret::checks::{registry, Check, Document, FileKind, Platform};
use ferret::findings::Finding;
use ferret::models::{cfn, hcl, json, LineIndex, ParseError};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grants")
}

fn cloud_checks() -> Vec<&'static dyn Check> {
    registry()
        .into_iter()
        .filter(|c| {
            matches!(
                c.info().platform,
                Platform::Aws | Platform::Gcp | Platform::Azure
            )
        })
        .collect()
}

/// Parse a fixture the way the scan does: Terraform by extension; JSON as a CloudFormation
/// template when it is one, else as a policy document.
fn parse(rel: &str, text: &str) -> Result<(FileKind, ferret::models::Node), ParseError> {
    if rel.ends_with(".tf") {
        return hcl::parse(text).map(|n| (FileKind::Terraform, n));
    }
    let root = json::parse(text)?;
    let kind = if cfn::is_template(&root) {
        FileKind::CloudFormation
    } else {
        FileKind::IamPolicy
    };
    Ok((kind, root))
}

fn scan(rel: &str, text: &str, checks: &[&'static dyn Check]) -> Vec<Finding> {
    let (kind, root) = parse(rel, text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let doc = Document {
        path: rel,
        bytes: text.as_bytes(),
        kind,
        roots: vec![root],
        index: LineIndex::new(text.as_bytes()),
    };
    let mut out = Vec::new();
    for c in checks.iter().filter(|c| c.applies_to(kind)) {
        c.run(&doc, &mut out);
    }
    out.sort_by(|a, b| a.order(b));
    out
}

/// Every fixture file under a platform directory, as (path relative to fixtures/grants, text).
fn fixture_files(platform: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let base = fixtures().join(platform);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for f in files {
            let rel = f
                .strip_prefix(fixtures())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            out.push((rel, std::fs::read_to_string(&f).unwrap()));
        }
    }
    out
}

fn platform_dir(p: Platform) -> &'static str {
    match p {
        Platform::Aws => "aws",
        Platform::Gcp => "gcp",
        Platform::Azure => "azure",
        _ => unreachable!("not a cloud platform"),
    }
}

#[test]
fn every_cloud_check_has_positive_and_negative_fixtures() {
    let checks = cloud_checks();
    assert!(checks.len() >= 15, "expected the AWS, GCP and Azure checks");
    for c in &checks {
        let id = c.info().id;
        let dir = fixtures().join(platform_dir(c.info().platform)).join(id);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{id}: no fixtures at {}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let (mut pos, mut neg) = (0, 0);
        for f in files {
            let name = f.file_name().unwrap().to_string_lossy().to_string();
            let text = std::fs::read_to_string(&f).unwrap();
            let found = scan(&name, &text, &[*c]);
            let own = found.iter().filter(|x| x.rule_id == id).count();
            if name.starts_with("pos-") {
                pos += 1;
                assert!(own > 0, "{id}: positive fixture {name} produced no finding");
            } else if name.starts_with("neg-") {
                neg += 1;
                assert_eq!(own, 0, "{id}: negative fixture {name} produced {found:#?}");
            } else {
                panic!("{id}: fixture {name} is neither pos- nor neg-");
            }
        }
        assert!(
            pos > 0 && neg > 0,
            "{id}: needs positive and negative fixtures"
        );
    }
}

#[test]
fn findings_match_the_snapshot() {
    let checks = cloud_checks();
    let mut lines = Vec::new();
    for platform in ["aws", "azure", "gcp"] {
        for (rel, text) in fixture_files(platform) {
            for f in scan(&rel, &text, &checks) {
                assert!(f.tags.iter().any(|t| t.starts_with("NHI")), "{f:?}");
                assert!(
                    f.identity.is_some(),
                    "{} at {rel} has no identity",
                    f.rule_id
                );
                lines.push(format!(
                    "{}:{}:{} {} {} [{}]",
                    f.location.path,
                    f.location.line,
                    f.location.column,
                    f.rule_id,
                    f.identity.as_deref().unwrap_or("-"),
                    f.severity
                ));
            }
        }
    }
    let actual = lines.join("\n") + "\n";
    let snapshot = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/grants_cloud.txt");
    if std::env::var_os("FERRET_BLESS").is_some() {
        std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();
        std::fs::write(&snapshot, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&snapshot)
        .unwrap_or_else(|e| panic!("{}: {e} (run with FERRET_BLESS=1)", snapshot.display()));
    if actual != expected {
        let diff: Vec<String> = expected
            .lines()
            .filter(|l| !actual.lines().any(|a| a == *l))
            .map(|l| format!("- {l}"))
            .chain(
                actual
                    .lines()
                    .filter(|l| !expected.lines().any(|e| e == *l))
                    .map(|l| format!("+ {l}")),
            )
            .collect();
        panic!(
            "grant findings differ from {} (FERRET_BLESS=1 to accept):\n{}",
            snapshot.display(),
            diff.join("\n")
        );
    }
}

#[test]
fn findings_point_at_the_offending_text() {
    // The reported column starts the value a user must change.
    let checks = cloud_checks();
    for platform in ["aws", "azure", "gcp"] {
        for (rel, text) in fixture_files(platform) {
            for f in scan(&rel, &text, &checks) {
                let line = text.lines().nth(f.location.line as usize - 1).unwrap();
                let at: String = line.chars().skip(f.location.column as usize - 1).collect();
                let first = at.chars().next().unwrap();
                assert!(
                    first == '"' || first.is_ascii_alphabetic() || first == '[' || first == '{',
                    "{rel}:{}:{} {} points at {at:?}",
                    f.location.line,
                    f.location.column,
                    f.rule_id
                );
            }
        }
    }
}

#[test]
fn malformed_files_report_line_and_column() {
    let dir = fixtures().join("malformed");
    let json_text = std::fs::read_to_string(dir.join("broken-policy.json")).unwrap();
    let e = parse("broken-policy.json", &json_text).expect_err("must not parse");
    assert_eq!((e.line, e.column), (4, 39), "{e}");
    let tf_text = std::fs::read_to_string(dir.join("broken-role.tf")).unwrap();
    let e = parse("broken-role.tf", &tf_text).expect_err("must not parse");
    assert_eq!(e.line, 5, "{e}");
}

#[test]
fn mangled_inputs_never_panic() {
    // Truncations and byte substitutions of every fixture: parsers return errors, checks run
    // on whatever still parses, nothing panics.
    let checks = cloud_checks();
    let specials = b"{}[]\",:=\n*$<";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut parsed = 0;
    for platform in ["aws", "azure", "gcp"] {
        for (rel, text) in fixture_files(platform) {
            let step = (text.len() / 25).max(1);
            let mut variants: Vec<String> = (0..text.len())
                .step_by(step)
                .filter(|&i| text.is_char_boundary(i))
                .map(|i| text[..i].to_string())
                .collect();
            for _ in 0..25 {
                let mut bytes = text.clone().into_bytes();
                let at = (next() as usize) % bytes.len();
                if bytes[at].is_ascii() {
                    bytes[at] = specials[(next() as usize) % specials.len()];
                }
                variants.push(String::from_utf8(bytes).unwrap());
            }
            for v in variants {
                let Ok((kind, root)) = parse(&rel, &v) else {
                    continue;
                };
                parsed += 1;
                let doc = Document {
                    path: &rel,
                    bytes: v.as_bytes(),
                    kind,
                    roots: vec![root],
                    index: LineIndex::new(v.as_bytes()),
                };
                let mut out = Vec::new();
                for c in checks.iter().filter(|c| c.applies_to(kind)) {
                    c.run(&doc, &mut out);
                }
            }
        }
    }
    assert!(
        parsed > 100,
        "the mangling should leave many inputs parseable"
    );
}
