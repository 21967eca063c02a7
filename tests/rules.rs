//! Every built-in rule is valid and its examples behave: each example is found by its rule,
//! no negative example is. The same code backs `ferret rules check`.

use ferret::detect::{check_examples, Engine, EngineOptions};
use ferret::rules::RuleSet;

#[test]
fn builtin_rules_load() {
    let set = RuleSet::builtin().unwrap_or_else(|errs| {
        panic!(
            "invalid built-in rules:\n{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert!(!set.rules.is_empty());
    let errs = ferret::rules::compile_all(&set);
    assert!(errs.is_empty(), "{errs:?}");
}

#[test]
fn builtin_rule_examples_pass() {
    let set = RuleSet::builtin().expect("built-in rules load");
    let engine = Engine::new(set, EngineOptions::default());
    let failures = check_examples(&engine);
    assert!(
        failures.is_empty(),
        "{} rule example failure(s):\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| format!("{}: {} {:?}", f.rule_id, f.problem, f.example))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_rule_is_tagged_and_referenced() {
    let set = RuleSet::builtin().expect("built-in rules load");
    for r in &set.rules {
        assert!(
            r.tags.iter().any(|t| t.starts_with("NHI")),
            "{} has no NHI tag",
            r.id
        );
        assert!(!r.references.is_empty(), "{} has no reference", r.id);
    }
}

#[test]
fn every_keyword_occurs_in_every_example_match() {
    // A keyword the regex does not require would make the prefilter skip real matches.
    let set = RuleSet::builtin().expect("built-in rules load");
    for r in &set.rules {
        if r.keywords.is_empty() {
            continue;
        }
        for ex in &r.examples {
            for m in r.regex().find_iter(ex.as_bytes()) {
                let text = String::from_utf8_lossy(&ex.as_bytes()[m.range()]).to_ascii_lowercase();
                assert!(
                    r.keywords.iter().any(|k| text.contains(k.as_str())),
                    "rule {}: match {:?} contains none of its keywords {:?}",
                    r.id,
                    text,
                    r.keywords
                );
            }
        }
    }
}

/// The rule docs/rules.md shows as the format is one `ferret rules check` accepts, examples and
/// all: a reader copying it starts from a working rule.
#[test]
fn the_documented_rule_passes_rules_check() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/rules.md")).unwrap();
    let start = doc
        .find("```toml\n[[rules]]")
        .expect("a rule in docs/rules.md")
        + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("documented.toml");
    std::fs::write(&file, &doc[start..end]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ferret"))
        .args(["rules", "check"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Identities are shown in clear: one found by `identity_near` must not be a piece of the
/// secret, as when a key-id pattern matches the head of a secret that starts like a key id.
/// (An `identity` template may name a public part of a token, such as a Slack app id.)
#[test]
fn no_nearby_identity_is_part_of_its_secret() {
    let set = RuleSet::builtin().expect("built-in rules load");
    let engine = Engine::new(
        set,
        EngineOptions {
            show_secrets: true,
            ..EngineOptions::default()
        },
    );
    let near_only = |id: &str| {
        engine
            .rules()
            .iter()
            .any(|r| r.id == id && r.identity_near.is_some() && r.identity.is_none())
    };
    for r in engine.rules() {
        for ex in &r.examples {
            for f in engine.scan(&r.example_path, ex.as_bytes()) {
                let Some(id) = &f.identity else { continue };
                if !near_only(&f.rule_id) {
                    continue;
                }
                let secret = f.secret.as_deref().expect("--show-secrets keeps it");
                assert!(
                    !secret.contains(id.as_str()),
                    "{}: the identity of a finding of {} is part of its secret",
                    r.id,
                    f.rule_id
                );
            }
        }
    }
}
