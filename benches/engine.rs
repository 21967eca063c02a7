//! Micro-benchmarks of the secret engine: the keyword prefilter alone, and prefilter plus rules
//! per rule family (one built-in rule file each), in bytes per second over generated source
//! code with every rule example sprinkled in. `cargo bench --bench engine`.
//!
//! The whole-file variant runs each enabled rule over all the content, as the engine did before
//! it searched around keyword hits; the ratio between the two is what windowing buys.

use divan::counter::BytesCount;
use divan::Bencher;
use ferret::detect::{Engine, EngineOptions};
use ferret::prefilter::{Hits, KeywordDfa};
use ferret::rules::{RuleSet, BUILTIN_RULE_FILES};
use std::sync::OnceLock;

fn main() {
    divan::main();
}

const FAMILIES: &[&str] = &[
    "cloud.toml",
    "vcs-ci.toml",
    "saas.toml",
    "keys-and-urls.toml",
    "credential-files.toml",
    "generic.toml",
];

/// About 4 MiB of source-like lines (many of them holding common keywords: token, password,
/// path, session, URLs) with every rule example placed among them. Deterministic.
fn content() -> &'static [u8] {
    static CONTENT: OnceLock<Vec<u8>> = OnceLock::new();
    CONTENT.get_or_init(|| {
        // One word in four is a common keyword (or holds one: path, global).
        const WORDS: &[&str] = &[
            "token",
            "path",
            "session",
            "secret",
            "password",
            "insert",
            "global",
            "https://docs.acme.io/",
            "user",
            "config",
            "client",
            "request",
            "buffer",
            "value",
            "cache",
            "state",
            "result",
            "error",
            "index",
            "count",
            "name",
            "item",
            "list",
            "map",
            "node",
            "size",
            "data",
            "file",
            "line",
            "text",
            "time",
            "mode",
        ];
        let examples: Vec<String> = RuleSet::builtin()
            .expect("built-in rules load")
            .rules
            .iter()
            .flat_map(|r| r.examples.iter().cloned())
            .collect();
        let mut seed = 0x2545_f491_u32;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as usize
        };
        let mut out = String::new();
        let mut ex = 0;
        while out.len() < 4 << 20 {
            let n = 3 + next() % 9;
            out.push_str("    let ");
            for i in 0..n {
                if i > 0 {
                    out.push(if next() % 3 == 0 { '.' } else { '_' });
                }
                out.push_str(WORDS[next() % WORDS.len()]);
            }
            out.push_str(" = compute(&self, 42);\n");
            if next() % 200 == 0 {
                out.push_str(&examples[ex % examples.len()]);
                out.push('\n');
                ex += 1;
            }
        }
        out.into_bytes()
    })
}

fn engine_for(family: &str, whole_file_search: bool) -> Engine {
    let others: Vec<String> = BUILTIN_RULE_FILES
        .iter()
        .map(|(name, _)| name.to_string())
        .filter(|name| name != family)
        .collect();
    let set = RuleSet::builtin_except(&others).expect("built-in rules load");
    for r in &set.rules {
        r.regex();
    }
    Engine::new(
        set,
        EngineOptions {
            whole_file_search,
            ..EngineOptions::default()
        },
    )
}

/// `interleaved`: four streams; `without_avx512`: eight transposed streams where the CPU has
/// AVX2; `as_detected`: what `find_all` runs on this CPU (eight with AVX-512 VBMI, else
/// AVX2, else four).
#[divan::bench(args = ["interleaved", "without_avx512", "as_detected"])]
fn prefilter_all_keywords(bencher: Bencher, search: &str) {
    let keywords: Vec<String> = RuleSet::builtin()
        .expect("built-in rules load")
        .rules
        .iter()
        .flat_map(|r| r.keywords.iter().cloned())
        .collect();
    let dfa = KeywordDfa::new(&keywords);
    let dfa = match search {
        "interleaved" => dfa.interleaved_only(),
        "without_avx512" => dfa.without_avx512(),
        _ => dfa,
    };
    let data = content();
    let mut hits = Hits::default();
    bencher
        .counter(BytesCount::new(data.len()))
        .bench_local(|| {
            dfa.find_all(divan::black_box(data), &mut hits);
            hits.all.len()
        });
}

#[divan::bench(args = FAMILIES)]
fn rules_windowed(bencher: Bencher, family: &str) {
    let engine = engine_for(family, false);
    let data = content();
    bencher
        .counter(BytesCount::new(data.len()))
        .bench_local(|| engine.scan("src/app.rs", divan::black_box(data)).len());
}

#[divan::bench(args = FAMILIES)]
fn rules_whole_file(bencher: Bencher, family: &str) {
    let engine = engine_for(family, true);
    let data = content();
    bencher
        .counter(BytesCount::new(data.len()))
        .bench_local(|| engine.scan("src/app.rs", divan::black_box(data)).len());
}
