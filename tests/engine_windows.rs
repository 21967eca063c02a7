//! The engine runs a rule's regex only in windows around its keyword hits. These tests hold it
//! to the reference, a search of the whole content, on every rule example placed among
//! content that scatters keywords around it, and on the labelled fixture files.

use ferret::detect::{Engine, EngineOptions};
use ferret::findings::Finding;
use ferret::rules::RuleSet;
use std::path::Path;
use std::sync::OnceLock;

/// Both engines, built once for all tests; the rules are compiled before the set is cloned,
/// so the two share their compiled regexes.
fn engines() -> &'static (Engine, Engine) {
    static ENGINES: OnceLock<(Engine, Engine)> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let set = RuleSet::builtin().expect("built-in rules load");
        for r in &set.rules {
            r.regex();
        }
        let windowed = Engine::new(set.clone(), EngineOptions::default());
        let whole = Engine::new(
            set,
            EngineOptions {
                whole_file_search: true,
                ..EngineOptions::default()
            },
        );
        (windowed, whole)
    })
}

fn assert_same(path: &str, content: &[u8], windowed: &Engine, whole: &Engine) -> usize {
    let a: Vec<Finding> = windowed.scan(path, content);
    let b: Vec<Finding> = whole.scan(path, content);
    assert_eq!(a, b, "{path}: windowed and whole-file searches differ");
    a.len()
}

/// Keyword-laden lines that are not secrets: they open windows that end inside, or just
/// before, the examples around them.
const FILLER: &[&str] = &[
    "let token = session.token(path, pattern);",
    "password_field = form.get('password') # secret storage insert",
    "see https://docs.acme.io/api_key/private_key and ld_library_path",
    "\t\t\t    \t",
    "",
    "kind: ConfigMap # not a secret",
    "INSERT INTO logs (msg) VALUES ('global blob associated social');",
];

#[test]
fn windowed_search_equals_whole_file_search_on_rule_examples() {
    let (windowed, whole) = engines();
    let rules = RuleSet::builtin().unwrap().rules;
    let mut found = 0;
    // Each rule's examples (under its example path) in one file, with filler between and around
    // them, then all negative examples likewise.
    for (i, rule) in rules.iter().enumerate() {
        for samples in [&rule.examples, &rule.negative_examples] {
            let mut content = String::new();
            for (j, ex) in samples.iter().enumerate() {
                for k in 0..(i + j) % 4 {
                    content.push_str(FILLER[(i + j + k) % FILLER.len()]);
                    content.push('\n');
                }
                content.push_str(ex);
                // Some examples end the file, some continue on the same line, some on the next.
                match (i + j) % 3 {
                    0 => content.push('\n'),
                    1 => content.push_str(" ; token = x\n"),
                    _ => {}
                }
            }
            found += assert_same(&rule.example_path, content.as_bytes(), windowed, whole);
        }
    }
    assert!(
        found > rules.len(),
        "examples produced only {found} findings"
    );
}

#[test]
fn windowed_search_equals_whole_file_search_on_labelled_files() {
    let (windowed, whole) = engines();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/labelled");
    let mut stack = vec![root.clone()];
    let mut found = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                found += assert_same(&rel, &std::fs::read(&p).unwrap(), windowed, whole);
            }
        }
    }
    assert!(found > 10, "labelled files produced only {found} findings");
}

#[test]
fn keyword_hits_on_long_lines_and_at_the_edges() {
    let (windowed, whole) = engines();
    // A minified-style line with many keyword hits and a secret in the middle; keywords at the
    // very start and end of the content.
    let mut line = String::from("token");
    for i in 0..2000 {
        line.push_str(&format!("var a{i}=b.token||c.password;"));
        if i == 1000 {
            line.push_str("x={github:'ghp_R2d2C3poBb8Ewok5Jabba6Hutt7Yoda8Luke'};");
        }
    }
    line.push_str("secret");
    let n = assert_same("web/app.min.js", line.as_bytes(), windowed, whole);
    assert!(n >= 1);
    assert_same("a.env", b"password=", windowed, whole);
    assert_same("a.env", b"ghp_", windowed, whole);
}
