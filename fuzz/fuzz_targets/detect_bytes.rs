//! The secret engine with the built-in rules on arbitrary bytes, as a source would hand them
//! over (binary detection and UTF-16 transcoding first). The first byte picks a path, so
//! path-scoped rules run too. Invariants: no panic; positions are 1-based and ordered; the
//! redacted excerpt and the fingerprint never contain the secret.
#![no_main]
use ferret::detect::{Engine, EngineOptions};
use ferret::rules::RuleSet;
use ferret::source::{classify, Content};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const PATHS: &[&str] = &[
    "src/main.rs",
    ".env",
    ".npmrc",
    ".docker/config.json",
    "main.tf",
    "k8s/secret.yaml",
    ".github/workflows/ci.yml",
    "id_rsa",
    "config/database.yml",
    ".git-credentials",
    "settings.py",
    "tests/fixture.txt",
];

fn engines() -> &'static (Engine, Engine) {
    static E: OnceLock<(Engine, Engine)> = OnceLock::new();
    E.get_or_init(|| {
        let rules = RuleSet::builtin().expect("built-in rules");
        let hidden = Engine::new(rules.clone(), EngineOptions::default());
        let shown = Engine::new(
            rules,
            EngineOptions {
                show_secrets: true,
                ..EngineOptions::default()
            },
        );
        (hidden, shown)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let path = PATHS[pick as usize % PATHS.len()];
    let transcoded;
    let bytes = match classify(rest) {
        Content::Text(b) => b,
        Content::Transcoded(t) => {
            transcoded = t;
            &transcoded
        }
        Content::Binary { header } => header,
    };
    let (hidden, shown) = engines();
    let found = hidden.scan(path, bytes);
    let raw = shown.scan(path, bytes);
    assert_eq!(found.len(), raw.len());
    for (f, r) in found.iter().zip(&raw) {
        let l = &f.location;
        assert!(l.line >= 1 && l.column >= 1);
        assert!((l.end_line, l.end_column) > (l.line, l.column));
        assert!(f.secret.is_none());
        assert_eq!(f.fingerprint, r.fingerprint);
        let secret = r.secret.as_deref().expect("shown secret");
        // Short values can occur in surrounding text by chance; long ones cannot. A value that
        // itself holds the mask (`***`) can reappear in the masked excerpt by construction.
        if secret.chars().count() >= 8 && !secret.contains('\u{fffd}') && !secret.contains("***") {
            assert!(
                !f.redacted.contains(secret),
                "secret in excerpt: {:?} in {:?}",
                secret,
                f.redacted
            );
            assert!(!f.fingerprint.contains(secret));
        }
    }
});
