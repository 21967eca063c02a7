//! The rule loader on arbitrary text: parsing, validation and (for rule files that load)
//! regex compilation and a scan must return errors, never panic.
#![no_main]
use ferret::detect::{Engine, EngineOptions};
use ferret::rules::{compile_all, RuleSet};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut set = RuleSet::default();
    if set.add_file_text("fuzz.toml", text).is_err() {
        return;
    }
    for e in compile_all(&set) {
        assert!(!e.message.is_empty());
    }
    let engine = Engine::new(set, EngineOptions::default());
    // Each rule against its own examples and a fixed sample: exercises identity templates,
    // identity_near, entropy and paths on whatever the file declared.
    for r in engine.rules() {
        for ex in r.examples.iter().chain(&r.negative_examples) {
            let _ = engine.scan(&r.example_path, ex.as_bytes());
        }
    }
    let _ = engine.scan("a/.env", b"token = abc123XYZ\npassword: hunter22\n");
});
