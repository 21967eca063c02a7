//! Secret rules as data: the TOML model, loading (built-in and user files) and linting.
//!
//! The format is documented in `docs/rules.md`. Nothing here scans content; `detect` compiles a
//! [`RuleSet`] into an engine.

use crate::findings::{Confidence, Severity};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::HashSet;
use std::fmt;
use std::path::Path;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));

/// A rule as written in a rule file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: String,
    pub name: String,
    pub description: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub after_keyword: Option<String>,
    pub regex: String,
    pub severity: String,
    pub confidence: String,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub generic: bool,
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub identity: Option<String>,
    #[serde(default)]
    pub identity_near: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    #[serde(default)]
    pub example_path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// A validated rule, ready to compile into the engine.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub description: String,
    pub keywords: Vec<String>,
    /// Compiled on first use (see [`Rule::regex`]), so a scan pays only for the rules whose
    /// keywords occur.
    regex: Lazy<Matcher>,
    /// The longest match the regex can produce, in bytes (`None`: unbounded). Every match
    /// contains a keyword, so the engine runs the regex only this far around keyword hits.
    pub max_match_len: Option<usize>,
    /// The most line feeds a match can contain (`None`: unbounded): a match containing a
    /// keyword lies within this many lines of it.
    pub max_match_newlines: Option<usize>,
    /// The most bytes other than ASCII whitespace a match can contain (`None`: unbounded).
    /// Bounded for regexes whose only unbounded parts are whitespace runs (`key\s*=\s*value`).
    pub max_match_non_space: Option<usize>,
    /// The most bytes other than name bytes ([`is_name_byte`]) a match can contain (`None`:
    /// unbounded). Bounded for regexes whose only unbounded parts are names
    /// (`[\w.-]*password = "…"`).
    pub max_match_non_name: Option<usize>,
    /// What must follow a keyword occurrence, anchored at its end, for that occurrence to make
    /// the rule run (e.g. `= "` after `password`); None: every occurrence counts. Its longest
    /// match is at most [`AFTER_KEYWORD_MAX_LEN`] bytes, so the check reads a bounded slice.
    /// The engine tests it together with those of the other rules sharing the keyword.
    pub after_keyword: Option<AfterKeyword>,
    /// The [`Rule::start_literals`] that a match can begin with only just after a word
    /// boundary: `ld_` for `(?i:launchdarkly|\bld_)…` ([`Rule::needs_word_start`]).
    pub word_bounded_starts: Vec<Vec<u8>>,
    /// Byte strings (ASCII lower case) one of which every match starts with, read off the
    /// regex: `vc[pikar]_` gives `vcp_`, `vci_`… `None` when a match can start otherwise (a
    /// repetition, a wide class, an empty alternative first). Compared ASCII
    /// case-insensitively, like keywords.
    pub start_literals: Option<Vec<Vec<u8>>>,
    pub severity: Severity,
    pub confidence: Confidence,
    pub entropy: Option<f64>,
    pub generic: bool,
    /// Compiled on first use like rule regexes (bytes, Unicode off: for path patterns several
    /// times faster to compile than Unicode classes such as `[^/]`, matching the same paths).
    pub paths: Vec<LazyRegex>,
    pub identity: Option<String>,
    pub identity_near: Option<LazyRegex>,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    pub examples: Vec<String>,
    pub negative_examples: Vec<String>,
    pub example_path: String,
    /// Which file the rule came from (`builtin:cloud.toml` or a user path).
    pub origin: String,
}

impl Rule {
    /// The compiled regex (see [`Lazy::get`]).
    pub fn regex(&self) -> &Matcher {
        self.regex.get()
    }

    pub fn regex_source(&self) -> &str {
        self.regex.source()
    }

    /// Whether a hit of keyword `k` right after a word byte (`build_` for `ld_`) can be left
    /// out: every match starts with a start literal that begins with one of the rule's
    /// keywords, so its own hit is there, and a match starting with a literal that begins
    /// with `k` never follows a word byte.
    pub fn needs_word_start(&self, k: &str) -> bool {
        let k = k.as_bytes();
        k.first()
            .is_some_and(|&b| crate::prefilter::is_word_byte(b))
            && self.starts_at_keywords()
            && self
                .start_literals
                .iter()
                .flatten()
                .filter(|l| l.starts_with(k))
                .all(|l| self.word_bounded_starts.contains(l))
    }

    /// Whether every match starts with one of the rule's keywords ([`Rule::start_literals`]
    /// each begin with one), so a keyword hit is where each match starts.
    pub fn starts_at_keywords(&self) -> bool {
        self.start_literals.as_ref().is_some_and(|ls| {
            ls.iter()
                .all(|l| self.keywords.iter().any(|k| l.starts_with(k.as_bytes())))
        })
    }

    pub fn applies_to_path(&self, path: &str) -> bool {
        self.paths.is_empty() || self.paths.iter().any(|p| p.get().is_match(path.as_bytes()))
    }
}

/// A rule's regex compiled on first use, so a scan pays only for the regexes it needs (compiling
/// just the `paths` and `identity_near` regexes at load was a third of start-up). The syntax is
/// checked when the rule loads; the size limit by [`compile_all`].
#[derive(Debug, Clone)]
pub struct Lazy<R> {
    source: String,
    compiled: OnceLock<R>,
}

/// The regex of a rule's `paths` or `identity_near`, compiled like [`build_regex`].
pub type LazyRegex = Lazy<regex::bytes::Regex>;

/// How a [`Lazy`] regex compiles.
pub trait Compile: Sized {
    fn compile(source: &str) -> Result<Self, String>;
}

impl Compile for regex::bytes::Regex {
    fn compile(source: &str) -> Result<Self, String> {
        build_regex(source).map_err(|e| e.to_string())
    }
}

impl Compile for Matcher {
    fn compile(source: &str) -> Result<Self, String> {
        build_matcher(source)
    }
}

impl<R: Compile> Lazy<R> {
    pub fn new(source: &str) -> Result<Lazy<R>, String> {
        parse_hir(source)?;
        Ok(Lazy::parsed(source.to_string()))
    }

    /// For a source whose syntax the caller has checked.
    fn parsed(source: String) -> Lazy<R> {
        Lazy {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The compiled regex; one over the size limit (which [`compile_all`] reports) matches
    /// nothing rather than aborting a scan. Compile time counts towards
    /// [`compile_time_on_this_thread`].
    pub fn get(&self) -> &R {
        self.compiled.get_or_init(|| {
            timed_compile(|| {
                R::compile(&self.source)
                    .unwrap_or_else(|_| R::compile(r"[^\x00-\xFF]").expect("empty class compiles"))
            })
        })
    }

    pub fn source(&self) -> &str {
        &self.source
    }
}

thread_local! {
    static COMPILE_TIME: std::cell::Cell<std::time::Duration> = const {
        std::cell::Cell::new(std::time::Duration::ZERO)
    };
}

/// Time this thread has spent compiling rule regexes on first use. A scan's per-file time
/// budget leaves it out: the first file that needs a regex is not the one to blame for it.
pub fn compile_time_on_this_thread() -> std::time::Duration {
    COMPILE_TIME.with(|t| t.get())
}

fn timed_compile<T>(compile: impl FnOnce() -> T) -> T {
    let started = std::time::Instant::now();
    let compiled = compile();
    COMPILE_TIME.with(|t| t.set(t.get() + started.elapsed()));
    compiled
}

/// The `paths` regexes of several rules, tested as one set: one search of a path instead of
/// one per regex (the 35 built-in ones of the rules without keywords: about 60 ns a path
/// against 440). Compiled on first use, like the rules' own regexes.
#[derive(Debug, Clone)]
pub struct PathSet {
    /// Rules without `paths`: they apply to every path.
    everywhere: Vec<usize>,
    /// The set's regexes, and the rule of each (grouped by rule).
    sources: Vec<String>,
    rule_of: Vec<usize>,
    set: OnceLock<Option<regex::bytes::RegexSet>>,
}

impl PathSet {
    /// The set of `rules[i]` for each `i` in `which`.
    pub fn new(rules: &[Rule], which: &[usize]) -> PathSet {
        let mut set = PathSet {
            everywhere: Vec::new(),
            sources: Vec::new(),
            rule_of: Vec::new(),
            set: OnceLock::new(),
        };
        for &r in which {
            if rules[r].paths.is_empty() {
                set.everywhere.push(r);
                continue;
            }
            for p in &rules[r].paths {
                set.sources.push(p.source().to_string());
                set.rule_of.push(r);
            }
        }
        set
    }

    /// Calls `apply` once with each rule of the set that applies to `path`: those without
    /// `paths` first, then the others in the order given to [`PathSet::new`].
    pub fn each_applying(&self, rules: &[Rule], path: &str, mut apply: impl FnMut(usize)) {
        for &r in &self.everywhere {
            apply(r);
        }
        if self.sources.is_empty() {
            return;
        }
        let set = self.set.get_or_init(|| {
            timed_compile(|| {
                regex::bytes::RegexSetBuilder::new(&self.sources)
                    .unicode(false)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .ok()
            })
        });
        match set {
            Some(set) => {
                let mut last = None;
                for i in set.matches(path.as_bytes()).iter() {
                    let r = self.rule_of[i];
                    if last != Some(r) {
                        apply(r);
                        last = Some(r);
                    }
                }
            }
            // Each rule's regexes compiled alone (one over the size limit matches nothing).
            None => {
                for rule in self.rule_of.chunk_by(|a, b| a == b) {
                    if rules[rule[0]].applies_to_path(path) {
                        apply(rule[0]);
                    }
                }
            }
        }
    }
}

/// A problem with a rule file or rule, naming where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleError {
    pub origin: String,
    pub rule_id: Option<String>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.rule_id {
            Some(id) => write!(f, "{}: rule {id}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

/// An ordered set of rules with unique ids.
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

/// Regex size limits: generous for real rules, bounded so a hostile user rule file cannot make
/// compilation take unbounded memory.
const REGEX_SIZE_LIMIT: usize = 16 << 20;

const NHI_IDS: &[&str] = &[
    "NHI1", "NHI2", "NHI3", "NHI4", "NHI5", "NHI6", "NHI7", "NHI8", "NHI9", "NHI10",
];

impl RuleSet {
    /// The rules embedded in the binary.
    pub fn builtin() -> Result<RuleSet, Vec<RuleError>> {
        Self::builtin_except(&[])
    }

    /// The built-in rules without the files named in `skip` (by file name, e.g. `cloud.toml`).
    pub fn builtin_except(skip: &[String]) -> Result<RuleSet, Vec<RuleError>> {
        let files: Vec<(String, &str)> = BUILTIN_RULE_FILES
            .iter()
            .filter(|(name, _)| !skip.iter().any(|s| s == name))
            .map(|(name, text)| (format!("builtin:{name}"), *text))
            .collect();
        let mut set = RuleSet::default();
        let mut errors = Vec::new();
        let mut specs = Vec::new();
        let parsed: Vec<_> = files
            .into_par_iter()
            .map(|(origin, text)| {
                let parsed = parse_rule_file(&origin, text);
                (origin, parsed)
            })
            .collect();
        for (origin, parsed) in parsed {
            match parsed {
                Ok(file) => specs.extend(file.into_iter().map(|spec| (origin.clone(), spec))),
                Err(mut e) => errors.append(&mut e),
            }
        }
        errors.append(&mut set.add_specs(specs));
        if errors.is_empty() {
            Ok(set)
        } else {
            Err(errors)
        }
    }

    /// Parse and validate one rule file's text, appending its rules. All problems are returned,
    /// not just the first; valid rules of the file are still added.
    pub fn add_file_text(&mut self, origin: &str, text: &str) -> Result<(), Vec<RuleError>> {
        let specs = parse_rule_file(origin, text)?;
        let errors = self.add_specs(
            specs
                .into_iter()
                .map(|spec| (origin.to_string(), spec))
                .collect(),
        );
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Validate and add rules (each with the file it came from), in order; returns the
    /// problems. Rules compile on every core: that is most of the scanner's start-up.
    fn add_specs(&mut self, specs: Vec<(String, RuleSpec)>) -> Vec<RuleError> {
        let mut errors = Vec::new();
        let mut seen: HashSet<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        let compiled: Vec<_> = specs
            .into_par_iter()
            .map(|(origin, spec)| {
                let compiled = compile_rule(&origin, spec);
                (origin, compiled)
            })
            .collect();
        for (origin, compiled) in compiled {
            match compiled {
                Ok(rule) => {
                    if !seen.insert(rule.id.clone()) {
                        errors.push(RuleError {
                            origin,
                            rule_id: Some(rule.id.clone()),
                            message: "duplicate rule id".into(),
                        });
                    } else {
                        self.rules.push(rule);
                    }
                }
                Err(e) => errors.push(e),
            }
        }
        errors
    }

    pub fn add_file(&mut self, path: &Path) -> Result<(), Vec<RuleError>> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![RuleError {
                origin: origin.clone(),
                rule_id: None,
                message: format!("cannot read rule file: {e}"),
            }]
        })?;
        self.add_user_text(&origin, &text)
    }

    /// A user rule file's text (read from disk or, in a range scan, from the range's base):
    /// parsed, validated, and compiled now so a regex over the size limit is reported at load.
    pub fn add_user_text(&mut self, origin: &str, text: &str) -> Result<(), Vec<RuleError>> {
        let before = self.rules.len();
        self.add_file_text(origin, text)?;
        let added = RuleSet {
            rules: self.rules[before..].to_vec(),
        };
        let errors = compile_all(&added);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Drop rules by id; returns the ids that matched nothing (so callers can warn).
    pub fn disable(&mut self, ids: &[String]) -> Vec<String> {
        let unknown = ids
            .iter()
            .filter(|id| !self.rules.iter().any(|r| &r.id == *id))
            .cloned()
            .collect();
        self.rules.retain(|r| !ids.contains(&r.id));
        unknown
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn parse_rule_file(origin: &str, text: &str) -> Result<Vec<RuleSpec>, Vec<RuleError>> {
    let file: RuleFile = toml::from_str(text).map_err(|e| {
        vec![RuleError {
            origin: origin.to_string(),
            rule_id: None,
            message: format!("invalid TOML: {}", e.to_string().trim()),
        }]
    })?;
    Ok(file.rules)
}

fn compile_rule(origin: &str, spec: RuleSpec) -> Result<Rule, RuleError> {
    let err = |m: String| RuleError {
        origin: origin.to_string(),
        rule_id: Some(spec.id.clone()),
        message: m,
    };
    if spec.id.is_empty()
        || !spec
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        || spec.id.starts_with('-')
        || spec.id.ends_with('-')
    {
        return Err(err("id must be non-empty kebab-case ([a-z0-9-])".into()));
    }
    if spec.name.trim().is_empty() || spec.description.trim().is_empty() {
        return Err(err("name and description must not be empty".into()));
    }
    let severity = Severity::parse(&spec.severity)
        .ok_or_else(|| err(format!("unknown severity {:?}", spec.severity)))?;
    let confidence = Confidence::parse(&spec.confidence)
        .ok_or_else(|| err(format!("unknown confidence {:?}", spec.confidence)))?;
    if spec.keywords.is_empty() && spec.paths.is_empty() {
        return Err(err(
            "a rule needs keywords (or paths) so it does not run on every file".into(),
        ));
    }
    for k in &spec.keywords {
        if k.is_empty() || k.to_ascii_lowercase() != *k {
            return Err(err(format!(
                "keyword {k:?} must be a non-empty lower-case literal"
            )));
        }
    }
    let after_keyword = match &spec.after_keyword {
        Some(src) => Some(AfterKeyword::new(src).map_err(|e| err(format!("after_keyword: {e}")))?),
        None => None,
    };
    let RegexFacts {
        group_names,
        max_match_len,
        max_match_newlines,
        max_match_non_space,
        max_match_non_name,
        word_bounded_starts,
        start_literals,
    } = parse_regex(&spec.regex).map_err(|e| err(format!("invalid regex: {e}")))?;
    if !group_names.iter().any(|n| n == "secret") {
        return Err(err("regex must have a named group `secret`".into()));
    }
    let paths = spec
        .paths
        .iter()
        .map(|p| LazyRegex::new(p).map_err(|e| err(format!("invalid path regex {p:?}: {e}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let identity_near = match &spec.identity_near {
        Some(p) => {
            Some(LazyRegex::new(p).map_err(|e| err(format!("invalid identity_near regex: {e}")))?)
        }
        None => None,
    };
    if let Some(t) = &spec.identity {
        for name in template_fields(t) {
            if name == "secret" {
                return Err(err("identity must not expose the secret group".into()));
            }
            if !group_names.iter().any(|n| n == name) {
                return Err(err(format!("identity names unknown group {{{name}}}")));
            }
        }
    }
    if let Some(e) = spec.entropy {
        if !(0.0..=8.0).contains(&e) {
            return Err(err("entropy must be between 0 and 8 bits per byte".into()));
        }
    }
    for t in &spec.tags {
        if !NHI_IDS.contains(&t.as_str()) && !t.starts_with("CSF:") {
            return Err(err(format!(
                "tag {t:?} is neither an OWASP NHI id (NHI1..NHI10) nor CSF:…"
            )));
        }
    }
    Ok(Rule {
        id: spec.id,
        name: spec.name,
        description: spec.description,
        keywords: spec.keywords,
        // Parsed above (its facts).
        regex: Lazy::parsed(spec.regex),
        max_match_len,
        max_match_newlines,
        max_match_non_space,
        max_match_non_name,
        after_keyword,
        word_bounded_starts,
        start_literals,
        severity,
        confidence,
        entropy: spec.entropy,
        generic: spec.generic,
        paths,
        identity: spec.identity,
        identity_near,
        tags: spec.tags,
        references: spec.references,
        examples: spec.examples,
        negative_examples: spec.negative_examples,
        example_path: spec
            .example_path
            .unwrap_or_else(|| "example.txt".to_string()),
        origin: origin.to_string(),
    })
}

/// A compiled rule regex. The engine searches it within byte ranges of a file while look-around
/// assertions (`\b`, `^`, `$`) still see the bytes outside the range, which the `regex` crate's
/// API cannot do; the syntax and matching semantics are the same as [`build_regex`]'s.
pub type Matcher = regex_automata::meta::Regex;

/// Compile a rule regex with exactly the configuration of [`build_regex`] (leftmost-first,
/// bytes, Unicode off, same size limits). The error is the build error's message.
pub fn build_matcher(src: &str) -> Result<Matcher, String> {
    use regex_automata::{meta, util::syntax, MatchKind};
    meta::Builder::new()
        .configure(
            meta::Config::new()
                .match_kind(MatchKind::LeftmostFirst)
                .utf8_empty(false)
                .nfa_size_limit(Some(REGEX_SIZE_LIMIT))
                .hybrid_cache_capacity(2 << 20),
        )
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build(src)
        .map_err(|e| e.to_string())
}

/// The longest match an `after_keyword` regex may have.
pub const AFTER_KEYWORD_MAX_LEN: usize = 256;

/// `after_keyword` regexes, anchored at a keyword's end: one rule's, or those of every rule
/// sharing a keyword, tested together.
///
/// A check runs once per keyword occurrence (thousands of times per MB for common words such as
/// `pass` or `token`, each gating several generic rules), mostly on a few bytes before it
/// fails. So it is one lazy DFA over all the regexes, stepped by hand: a meta regex search per
/// rule cost more in set-up than the bytes it read.
#[derive(Debug, Clone)]
pub struct AfterKeyword {
    /// The regexes, in pattern order.
    pub sources: Vec<String>,
    dfa: regex_automata::hybrid::dfa::DFA,
}

/// A check's search cache, and the answers it gave for recent occurrences whose answer the
/// first few bytes after the keyword decided. Keywords in lockfiles and generated code are
/// followed by the same bytes over and over (`://registry.npmjs.org/` after every `://` of a
/// lockfile): a repeat is answered by comparing those bytes instead of walking the DFA.
pub struct AfterCache {
    dfa: regex_automata::hybrid::dfa::Cache,
    recent: [Decided; RECENT_SLOTS],
}

/// Answers kept per check, one per slot chosen by the first two bytes after the keyword.
const RECENT_SLOTS: usize = 16;
/// Answers decided by more bytes than this are not kept.
const DECIDED_MAX: usize = 32;

/// An answer of a check and the bytes that decided it (`len` of them; none: no answer).
#[derive(Clone, Copy)]
struct Decided {
    len: u8,
    bytes: [u8; DECIDED_MAX],
    found: u64,
}

impl Default for Decided {
    fn default() -> Decided {
        Decided {
            len: 0,
            bytes: [0; DECIDED_MAX],
            found: 0,
        }
    }
}

impl Decided {
    /// Kept only for answers decided by 1 to [`DECIDED_MAX`] bytes.
    fn new(decided_by: &[u8], found: u64) -> Decided {
        let len = decided_by.len();
        if len == 0 || len > DECIDED_MAX {
            return Decided::default();
        }
        let mut bytes = [0; DECIDED_MAX];
        bytes[..len].copy_from_slice(decided_by);
        Decided {
            len: len as u8,
            bytes,
            found,
        }
    }

    /// The answer, when `hay` begins with the bytes that decided it.
    fn answer(&self, hay: &[u8]) -> Option<u64> {
        let len = usize::from(self.len);
        (len > 0 && hay.len() >= len && hay[..len] == self.bytes[..len]).then_some(self.found)
    }
}

/// The slot of [`AfterCache::recent`] for the bytes after a keyword: none for fewer than two.
fn recent_slot(hay: &[u8]) -> Option<usize> {
    match hay {
        [a, b, ..] => Some((usize::from(*a) * 31 + usize::from(*b)) % RECENT_SLOTS),
        _ => None,
    }
}

/// The most regexes one [`AfterKeyword`] tests together (one bit each in a `u64`).
pub const AFTER_KEYWORD_MAX_PATTERNS: usize = 64;

impl AfterKeyword {
    /// Compile one rule's `after_keyword` regex. It must be bounded by
    /// [`AFTER_KEYWORD_MAX_LEN`], the bytes [`AfterKeyword::matching_at_start`] reads.
    fn new(src: &str) -> Result<AfterKeyword, String> {
        let hir = parse_hir(src)?;
        match hir.properties().maximum_len() {
            Some(n) if n <= AFTER_KEYWORD_MAX_LEN => {}
            _ => {
                return Err(format!(
                    "the regex must be bounded, matching at most {AFTER_KEYWORD_MAX_LEN} bytes \
                     (use {{0,N}} instead of * and +)"
                ))
            }
        }
        AfterKeyword::many(&[src])
    }

    /// Several (already validated) regexes tested in one pass: at most
    /// [`AFTER_KEYWORD_MAX_PATTERNS`].
    pub fn many<S: AsRef<str>>(sources: &[S]) -> Result<AfterKeyword, String> {
        use regex_automata::{hybrid::dfa::DFA, nfa::thompson, util::syntax, MatchKind};
        if sources.is_empty() || sources.len() > AFTER_KEYWORD_MAX_PATTERNS {
            return Err(format!(
                "{} regexes: 1 to {AFTER_KEYWORD_MAX_PATTERNS} can be tested together",
                sources.len()
            ));
        }
        let dfa = DFA::builder()
            // All: a match of one regex must not hide another's.
            .configure(
                DFA::config()
                    .match_kind(MatchKind::All)
                    .cache_capacity(1 << 20),
            )
            .syntax(syntax::Config::new().unicode(false).utf8(false))
            .thompson(
                thompson::Config::new()
                    .utf8(false)
                    .nfa_size_limit(Some(REGEX_SIZE_LIMIT)),
            )
            .build_many(sources)
            .map_err(|e| e.to_string())?;
        Ok(AfterKeyword {
            sources: sources.iter().map(|s| s.as_ref().to_string()).collect(),
            dfa,
        })
    }

    pub fn create_cache(&self) -> AfterCache {
        AfterCache {
            dfa: self.dfa.create_cache(),
            recent: [Decided::default(); RECENT_SLOTS],
        }
    }

    /// Which regexes match a prefix of `rest`, the bytes after a keyword occurrence: bit `i`
    /// for the `i`-th. Only its first [`AFTER_KEYWORD_MAX_LEN`] bytes are read (the end of
    /// input for the regexes), so dense occurrences cost linear time. Should the DFA fail (it
    /// has no quit bytes and never gives up, so it should not), every bit is set: a keyword
    /// occurrence let through only costs a search, one held back could lose a finding.
    pub fn matching_at_start(&self, rest: &[u8], cache: &mut AfterCache) -> u64 {
        let hay = &rest[..rest.len().min(AFTER_KEYWORD_MAX_LEN)];
        let slot = recent_slot(hay);
        if let Some(found) = slot.and_then(|i| cache.recent[i].answer(hay)) {
            return found;
        }
        let (found, decided_by) = self.walk(hay, &mut cache.dfa);
        if let (Some(i), Some(len)) = (slot, decided_by) {
            cache.recent[i] = Decided::new(&hay[..len], found);
        }
        found
    }

    /// The answer of [`AfterKeyword::matching_at_start`], and how many bytes of `hay` decided
    /// it when the DFA stopped before the end of `hay` (whatever follows them, the answer is
    /// the same).
    fn walk(
        &self,
        hay: &[u8],
        cache: &mut regex_automata::hybrid::dfa::Cache,
    ) -> (u64, Option<usize>) {
        let all = u64::MAX >> (64 - self.sources.len());
        let input = regex_automata::Input::new(hay).anchored(regex_automata::Anchored::Yes);
        let Ok(mut state) = self.dfa.start_state_forward(cache, &input) else {
            return (all, None);
        };
        let mut found = 0u64;
        // Matches show one byte late in a DFA, so a state is looked at before each transition
        // and once more after the end-of-input transition.
        for (read, &b) in hay.iter().enumerate() {
            if state.is_tagged() {
                if state.is_match() {
                    found |= self.patterns(cache, state);
                    if found == all {
                        return (all, Some(read));
                    }
                }
                if state.is_dead() {
                    return (found, Some(read));
                }
                if state.is_quit() {
                    return (all, None);
                }
            }
            state = match self.dfa.next_state(cache, state, b) {
                Ok(next) => next,
                Err(_) => return (all, None),
            };
        }
        if state.is_match() {
            found |= self.patterns(cache, state);
        }
        if state.is_dead() {
            return (found, None);
        }
        let found = match self.dfa.next_eoi_state(cache, state) {
            Ok(eoi) if eoi.is_match() => found | self.patterns(cache, eoi),
            Ok(eoi) if eoi.is_quit() => all,
            Ok(_) => found,
            Err(_) => all,
        };
        (found, None)
    }

    /// Strings, none the beginning of another, one of which begins every match of these
    /// regexes, read ASCII case-insensitively (as the prefilter reads keywords): `["word",
    /// "wd", "_key", "\"", "=", …]`. Each is at most `max_len` bytes; there are at most
    /// `max_count`. A string stops growing where a match may end or too many bytes may follow.
    /// `None` when no such strings exist within those bounds, as when a match may be empty.
    ///
    /// A keyword occurrence followed by none of them fails the check; the prefilter can search
    /// the keyword followed by each instead, and never report those occurrences.
    pub fn required_prefixes(&self, max_count: usize, max_len: usize) -> Option<Vec<Vec<u8>>> {
        use regex_automata::{hybrid::LazyStateID, Anchored, Input};
        let dfa = &self.dfa;
        let mut cache = dfa.create_cache();
        let input = Input::new(&[][..]).anchored(Anchored::Yes);
        let start = dfa.start_state_forward(&mut cache, &input).ok()?;
        // The DFA states each string leads to, one per way of casing it.
        let mut frontier: std::collections::VecDeque<(Vec<u8>, Vec<LazyStateID>)> =
            [(Vec::new(), vec![start])].into();
        let mut done: Vec<Vec<u8>> = Vec::new();
        while let Some((prefix, states)) = frontier.pop_front() {
            let children = if prefix.len() < max_len {
                self.next_folded(&mut cache, &states)
            } else {
                None
            };
            // A full cache is cleared, and the state ids held here with it: give up.
            if cache.clear_count() > 0 {
                return None;
            }
            match children {
                Some(children) if done.len() + frontier.len() + children.len() <= max_count => {
                    for (b, next) in children {
                        let mut longer = prefix.clone();
                        longer.push(b);
                        frontier.push_back((longer, next));
                    }
                }
                _ if prefix.is_empty() => return None,
                _ => done.push(prefix),
            }
        }
        Some(done)
    }

    /// The folded bytes that can come next from `states`, each with the states it leads to;
    /// `None` when a match may end here, or when the DFA gave up or cleared its cache (which
    /// makes `states` stale).
    #[allow(clippy::type_complexity)]
    fn next_folded(
        &self,
        cache: &mut regex_automata::hybrid::dfa::Cache,
        states: &[regex_automata::hybrid::LazyStateID],
    ) -> Option<Vec<(u8, Vec<regex_automata::hybrid::LazyStateID>)>> {
        let dfa = &self.dfa;
        for &state in states {
            // Matches show one byte late: a match state after the next byte, or at the end of
            // input, is a match ending here.
            if dfa.next_eoi_state(cache, state).ok()?.is_match() || cache.clear_count() > 0 {
                return None;
            }
        }
        let mut children = Vec::new();
        for b in (0..=255u8).filter(|b| !b.is_ascii_uppercase()) {
            let mut next = Vec::new();
            for &state in states {
                for byte in [b, b.to_ascii_uppercase()] {
                    let to = dfa.next_state(cache, state, byte).ok()?;
                    if to.is_match() || to.is_quit() || cache.clear_count() > 0 {
                        return None;
                    }
                    if !to.is_dead() && !next.contains(&to) {
                        next.push(to);
                    }
                    if !b.is_ascii_lowercase() {
                        break;
                    }
                }
            }
            if !next.is_empty() {
                children.push((b, next));
            }
        }
        Some(children)
    }

    fn patterns(
        &self,
        cache: &regex_automata::hybrid::dfa::Cache,
        state: regex_automata::hybrid::LazyStateID,
    ) -> u64 {
        (0..self.dfa.match_len(cache, state)).fold(0, |bits, i| {
            bits | 1 << self.dfa.match_pattern(cache, state, i).as_usize()
        })
    }
}

/// Compile a rule regex. Byte semantics with Unicode off: `\w`, `\d`, `\s` and `(?i)` are
/// ASCII, which is what token formats mean and is several times faster to compile and run;
/// a rule can opt back in locally with `(?u)`.
pub fn build_regex(src: &str) -> Result<regex::bytes::Regex, regex::Error> {
    regex::bytes::RegexBuilder::new(src)
        .unicode(false)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}

/// Parse a regex with the syntax every rule regex is compiled with (bytes, Unicode off).
fn parse_hir(src: &str) -> Result<regex_syntax::hir::Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .build()
        .parse(src)
        .map_err(|e| e.to_string())
}

/// What the engine needs to know about a rule regex without compiling it.
struct RegexFacts {
    group_names: Vec<String>,
    max_match_len: Option<usize>,
    max_match_newlines: Option<usize>,
    max_match_non_space: Option<usize>,
    max_match_non_name: Option<usize>,
    word_bounded_starts: Vec<Vec<u8>>,
    start_literals: Option<Vec<Vec<u8>>>,
}

/// Check a regex's syntax without compiling it; return its capture group names, the longest
/// match it can produce, the most line feeds and non-whitespace bytes a match can contain,
/// and the literals every match starts with.
fn parse_regex(src: &str) -> Result<RegexFacts, String> {
    use regex_syntax::hir::{Hir, HirKind};
    let hir = parse_hir(src)?;
    fn walk(h: &Hir, out: &mut Vec<String>) {
        match h.kind() {
            HirKind::Capture(c) => {
                if let Some(n) = &c.name {
                    out.push(n.to_string());
                }
                walk(&c.sub, out);
            }
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().for_each(|x| walk(x, out)),
            HirKind::Repetition(r) => walk(&r.sub, out),
            _ => {}
        }
    }
    let mut names = Vec::new();
    walk(&hir, &mut names);
    let (starts, word_bounded_starts) = match start_literals(&hir) {
        Some(literals) => {
            let bounded = literals
                .iter()
                .filter(|(_, bounded)| *bounded)
                .map(|(l, _)| l.clone())
                .collect();
            (
                Some(literals.into_iter().map(|(l, _)| l).collect()),
                bounded,
            )
        }
        None => (None, Vec::new()),
    };
    Ok(RegexFacts {
        group_names: names,
        max_match_len: hir.properties().maximum_len(),
        max_match_newlines: max_count(&hir, &|c| c == u32::from(b'\n')),
        max_match_non_space: max_count(&hir, &|c| !is_ascii_space(c)),
        max_match_non_name: max_count(&hir, &|c| !u8::try_from(c).is_ok_and(is_name_byte)),
        word_bounded_starts,
        start_literals: starts,
    })
}

/// The set of byte strings (ASCII lower case) one of which starts every match of `hir`; see
/// [`Rule::start_literals`]. Zero-width assertions are stepped over; a class of a few bytes
/// (up to case) branches the set; anything else ends the strings there. Each string comes
/// with whether a match starting with it starts just after a word boundary (`\b` before the
/// string's first byte in every branch that yields it).
fn start_literals(hir: &regex_syntax::hir::Hir) -> Option<Vec<(Vec<u8>, bool)>> {
    use regex_syntax::hir::{Class, Hir, HirKind, Look};
    /// Past this many strings the set stops growing (each string stays a true prefix).
    const MAX_STRINGS: usize = 64;
    /// Strings longer than any keyword need not grow further.
    const MAX_LEN: usize = 64;
    /// Prefixes of a match of some part of the regex, each with whether it is the whole of
    /// that part's match (so what follows the part may extend it) and whether a word
    /// boundary comes before it.
    type Prefixes = Vec<(Vec<u8>, bool, bool)>;
    /// The bytes (lower case) a class accepts, when they are few and all ASCII or bytes.
    fn class_bytes(c: &Class) -> Option<Vec<u8>> {
        let mut out: Vec<u8> = Vec::new();
        let mut add = |lo: u32, hi: u32| -> Option<()> {
            if hi - lo >= 16 {
                return None;
            }
            for b in lo..=hi {
                out.push(u8::try_from(b).ok()?.to_ascii_lowercase());
            }
            Some(())
        };
        match c {
            Class::Bytes(c) => {
                for r in c.ranges() {
                    add(u32::from(r.start()), u32::from(r.end()))?;
                }
            }
            Class::Unicode(c) => {
                for r in c.ranges() {
                    // Beyond ASCII a character is several bytes: no keyword starts there.
                    if u32::from(r.end()) >= 0x80 {
                        return None;
                    }
                    add(u32::from(r.start()), u32::from(r.end()))?;
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        (out.len() <= 8).then_some(out)
    }
    /// `a` followed by `b`: open strings of `a` extended by each of `b`'s.
    fn then(a: Prefixes, b: &Prefixes) -> Prefixes {
        let mut out = Prefixes::new();
        for (p, open, bounded) in &a {
            if !open || p.len() >= MAX_LEN {
                out.push((p.clone(), false, *bounded));
                continue;
            }
            for (q, q_open, q_bounded) in b {
                let mut s = p.clone();
                s.extend_from_slice(q);
                // A boundary inside the string says nothing about its start.
                let starts_bounded = *bounded || (p.is_empty() && *q_bounded);
                out.push((s, *q_open, starts_bounded));
            }
            if out.len() > MAX_STRINGS {
                return a.into_iter().map(|(p, _, b)| (p, false, b)).collect();
            }
        }
        out
    }
    fn prefixes(h: &Hir) -> Prefixes {
        let stop = || vec![(Vec::new(), false, false)];
        match h.kind() {
            // Before a word byte, each of these means no word byte comes right before it.
            HirKind::Look(
                Look::WordAscii
                | Look::WordUnicode
                | Look::WordStartAscii
                | Look::WordStartUnicode
                | Look::WordStartHalfAscii
                | Look::WordStartHalfUnicode
                | Look::Start
                | Look::StartLF
                | Look::StartCRLF,
            ) => vec![(Vec::new(), true, true)],
            HirKind::Empty | HirKind::Look(_) => vec![(Vec::new(), true, false)],
            HirKind::Literal(l) => vec![(l.0.to_ascii_lowercase(), true, false)],
            HirKind::Class(c) => match class_bytes(c) {
                Some(bytes) => bytes.into_iter().map(|b| (vec![b], true, false)).collect(),
                None => stop(),
            },
            HirKind::Capture(c) => prefixes(&c.sub),
            HirKind::Repetition(r) if r.min == 0 => stop(),
            HirKind::Repetition(r) => {
                let once = r.max == Some(1);
                prefixes(&r.sub)
                    .into_iter()
                    .map(|(p, open, bounded)| (p, open && once, bounded))
                    .collect()
            }
            HirKind::Concat(v) => {
                let mut acc = vec![(Vec::new(), true, false)];
                for x in v {
                    if !acc.iter().any(|(_, open, _)| *open) {
                        break;
                    }
                    acc = then(acc, &prefixes(x));
                }
                acc
            }
            HirKind::Alternation(v) => {
                let all: Prefixes = v.iter().flat_map(prefixes).collect();
                if all.len() > MAX_STRINGS {
                    stop()
                } else {
                    all
                }
            }
        }
    }
    let mut strings: Vec<(Vec<u8>, bool)> = prefixes(hir)
        .into_iter()
        .map(|(p, _, bounded)| {
            // A `\b` before a byte other than a word byte means a word byte precedes it.
            let bounded = bounded
                && p.first()
                    .is_some_and(|&b| crate::prefilter::is_word_byte(b));
            (p, bounded)
        })
        .collect();
    if strings.iter().any(|(s, _)| s.is_empty()) {
        return None;
    }
    // A string one branch reaches without a boundary is not bounded.
    strings.sort_unstable();
    strings.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            earlier.1 &= later.1;
        }
        same
    });
    Some(strings)
}

/// ASCII whitespace as `\s` means it with Unicode off: tab, line feed, vertical tab, form feed,
/// carriage return and space.
pub fn is_ascii_space(c: u32) -> bool {
    matches!(c, 0x09..=0x0D | 0x20)
}

/// The bytes of names: identifiers and dotted or dashed keys (`db.primary-password`).
pub fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The most bytes (or characters) for which `counted` holds that a match of `h` can contain;
/// `None` when a repetition without upper bound can repeat one.
fn max_count(h: &regex_syntax::hir::Hir, counted: &dyn Fn(u32) -> bool) -> Option<usize> {
    use regex_syntax::hir::{Class, HirKind};
    // Every counted code point is below 0x100, so a range holds one if its first 0x100
    // members do.
    let range_counts = |a: u32, b: u32| (a..=b.min(a.saturating_add(0x100))).any(counted);
    match h.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(0),
        HirKind::Literal(l) => Some(l.0.iter().filter(|&&b| counted(u32::from(b))).count()),
        HirKind::Class(Class::Bytes(c)) => Some(
            c.ranges()
                .iter()
                .any(|r| range_counts(u32::from(r.start()), u32::from(r.end())))
                .into(),
        ),
        HirKind::Class(Class::Unicode(c)) => {
            // A character beyond ASCII is up to 4 bytes, each counted where 0x80 is.
            if counted(0x80) && c.ranges().iter().any(|r| u32::from(r.end()) >= 0x80) {
                Some(4)
            } else {
                Some(
                    c.ranges()
                        .iter()
                        .any(|r| range_counts(u32::from(r.start()), u32::from(r.end())))
                        .into(),
                )
            }
        }
        HirKind::Repetition(r) => match max_count(&r.sub, counted)? {
            0 => Some(0),
            n => r.max.and_then(|m| n.checked_mul(m as usize)),
        },
        HirKind::Capture(c) => max_count(&c.sub, counted),
        HirKind::Concat(v) => v
            .iter()
            .try_fold(0usize, |acc, x| acc.checked_add(max_count(x, counted)?)),
        HirKind::Alternation(v) => v
            .iter()
            .try_fold(0usize, |acc, x| Some(acc.max(max_count(x, counted)?))),
    }
}

/// Compile every rule now (for `rules check` and user rule files): reports regexes that parse
/// but exceed the size limit.
pub fn compile_all(set: &RuleSet) -> Vec<RuleError> {
    let mut errors = Vec::new();
    for r in &set.rules {
        let mut fail = |message: String| {
            errors.push(RuleError {
                origin: r.origin.clone(),
                rule_id: Some(r.id.clone()),
                message,
            })
        };
        if let Err(e) = build_matcher(r.regex_source()) {
            fail(format!("invalid regex: {e}"));
        }
        for p in &r.paths {
            if let Err(e) = build_regex(p.source()) {
                fail(format!("invalid path regex {:?}: {e}", p.source()));
            }
        }
        if let Some(near) = &r.identity_near {
            if let Err(e) = build_regex(near.source()) {
                fail(format!("invalid identity_near regex: {e}"));
            }
        }
    }
    errors
}

/// The `{name}` placeholders of an identity template.
pub fn template_fields(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_set_applies_the_rules_each_of_their_regexes_would() {
        let rules = RuleSet::builtin().expect("built-in rules load").rules;
        // Every rule with paths, and two without (they apply everywhere).
        let mut which: Vec<usize> = (0..rules.len())
            .filter(|&r| !rules[r].paths.is_empty())
            .collect();
        which.extend(
            (0..rules.len())
                .filter(|&r| rules[r].paths.is_empty())
                .take(2),
        );
        which.sort_unstable();
        assert!(which.len() > 20);
        let set = PathSet::new(&rules, &which);
        // The fallback: each rule's regexes one by one.
        let one_by_one = PathSet {
            set: OnceLock::from(None),
            ..set.clone()
        };
        let paths = [
            ".env",
            "deploy/.env.production",
            "svc/app.env",
            "config/settings.py",
            "home/u/.git-credentials",
            "etc/mysql/conf.d/client.cnf",
            "CONF/TOMCAT-USERS.XML",
            "infra/prod.tfvars.json",
            "main.tf",
            "src/main.rs",
            "",
        ];
        let mut matched_somewhere = 0;
        for path in paths {
            let expected: Vec<usize> = which
                .iter()
                .copied()
                .filter(|&r| rules[r].applies_to_path(path))
                .collect();
            for candidate in [&set, &one_by_one] {
                let mut got = Vec::new();
                candidate.each_applying(&rules, path, |r| got.push(r));
                got.sort_unstable();
                assert_eq!(got, expected, "{path:?}");
            }
            matched_somewhere += usize::from(expected.len() > 2);
        }
        assert!(
            matched_somewhere >= 8,
            "most paths select a rule with paths"
        );
    }

    #[test]
    fn after_keyword_dfa_agrees_with_an_anchored_regex_search() {
        // Matches that show only at the end of input, empty matches, word boundaries at
        // either end, case folding, and every built-in after_keyword.
        let mut sources: Vec<String> = [
            r"=",
            r"[ \t]{0,16}",
            r"[a-z]{2}\b",
            r"\b[a-z]{2}",
            r"ab$",
            r"(?i)secret\s{0,4}:",
            r"x{3}|y",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let builtin = RuleSet::builtin().unwrap();
        sources.extend(
            builtin
                .rules
                .iter()
                .filter_map(|r| Some(r.after_keyword.as_ref()?.sources[0].clone())),
        );
        let mut haystacks: Vec<Vec<u8>> = [
            "",
            "=",
            " ",
            "ab",
            "abc",
            "ab c",
            " ab",
            "SECRET :",
            "secret:x",
            "xxx",
            "xx",
            "y",
            "word_x = 'v'",
            "_pass\t=>\t\"v\"",
            "=\"value\"",
            ">",
            "Secret\n",
            "u:p@h",
            " INTO users",
            "\u{e9}=",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .collect();
        for r in &builtin.rules {
            for e in r.examples.iter().chain(&r.negative_examples) {
                let low = e.to_ascii_lowercase();
                for k in &r.keywords {
                    let mut from = 0;
                    while let Some(i) = low[from..].find(k.as_str()) {
                        haystacks.push(e.as_bytes()[from + i + k.len()..].to_vec());
                        from += i + 1;
                    }
                }
            }
        }
        // Each regex alone, and all of them in one check (bit i answers for regex i).
        let together = AfterKeyword::many(&sources).unwrap();
        let mut together_cache = together.create_cache();
        // The reference: an anchored regex search for a match starting at 0.
        let mut alone: Vec<_> = sources
            .iter()
            .map(|src| {
                let after = AfterKeyword::new(src).unwrap();
                let cache = after.create_cache();
                let prefixes = after.required_prefixes(32, 8);
                (src, build_matcher(src).unwrap(), after, cache, prefixes)
            })
            .collect();
        let mut both = [0usize; 2];
        for hay in &haystacks {
            let hay = &hay[..hay.len().min(AFTER_KEYWORD_MAX_LEN)];
            let mut want_bits = 0u64;
            for (i, (src, reference, after, cache, prefixes)) in alone.iter_mut().enumerate() {
                let input = regex_automata::Input::new(hay).anchored(regex_automata::Anchored::Yes);
                let want = reference.search_half(&input).is_some();
                if let (true, Some(prefixes)) = (want, &prefixes) {
                    assert!(
                        begins_with_one(hay, prefixes),
                        "{src:?} matches {:?}, which begins with none of {prefixes:?}",
                        String::from_utf8_lossy(hay)
                    );
                }
                let got = after.matching_at_start(hay, cache);
                assert_eq!(
                    got,
                    u64::from(want),
                    "{src:?} on {:?}",
                    String::from_utf8_lossy(hay)
                );
                want_bits |= u64::from(want) << i;
                both[usize::from(want)] += 1;
            }
            assert_eq!(
                together.matching_at_start(hay, &mut together_cache),
                want_bits,
                "all together on {:?}",
                String::from_utf8_lossy(hay)
            );
        }
        // Both answers occur often enough for the comparison to mean something.
        assert!(both[0] > 100 && both[1] > 100, "{both:?}");
    }

    /// Whether `hay` begins with one of `prefixes`, ASCII case-insensitively.
    fn begins_with_one(hay: &[u8], prefixes: &[Vec<u8>]) -> bool {
        prefixes
            .iter()
            .any(|p| hay.len() >= p.len() && hay[..p.len()].eq_ignore_ascii_case(p))
    }

    #[test]
    fn repeated_continuations_are_answered_like_new_ones() {
        // Two checks of the URL rules' kind, over every string of up to 6 bytes of a small
        // alphabet and longer ones after them: the same first bytes decide many answers.
        let after = AfterKeyword::many(&[
            "[a-z.]{1,16}:".to_string(),
            "(?i)s?:/{0,2}[a-z]{1,4}@".to_string(),
        ])
        .unwrap();
        let mut kept = after.create_cache();
        let alphabet = b"as:/@.";
        let mut strings: Vec<Vec<u8>> = vec![Vec::new()];
        let mut answers = [0usize; 4];
        for len in 1..=6 {
            let longer: Vec<Vec<u8>> = strings
                .iter()
                .filter(|s| s.len() == len - 1)
                .flat_map(|s| alphabet.iter().map(move |&b| [s.as_slice(), &[b]].concat()))
                .collect();
            strings.extend(longer);
        }
        for s in &strings {
            for hay in [s.clone(), [s.as_slice(), b"a@x"].concat()] {
                let want = after.matching_at_start(&hay, &mut after.create_cache());
                let got = after.matching_at_start(&hay, &mut kept);
                assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&hay));
                answers[want as usize] += 1;
            }
        }
        // Every combination of answers occurs, and answers were kept for reuse.
        assert!(answers.iter().all(|&n| n > 100), "{answers:?}");
        assert!(kept.recent.iter().any(|d| d.len > 2));
    }

    #[test]
    fn required_prefixes_of_small_checks() {
        let prefixes = |src: &str, count: usize, len: usize| {
            AfterKeyword::new(src)
                .unwrap()
                .required_prefixes(count, len)
                .map(|mut ps| {
                    ps.sort();
                    ps.iter()
                        .map(|p| String::from_utf8_lossy(p).into_owned())
                        .collect::<Vec<_>>()
                })
        };
        // Each string grows until a match may end.
        assert_eq!(
            prefixes(r"(?:word|wd)?[:=]", 32, 8).unwrap(),
            [":", "=", "wd:", "wd=", "word:", "word=",]
        );
        // Read case-insensitively, as keywords are.
        assert_eq!(prefixes(r"[Aa]B", 32, 8).unwrap(), ["ab"]);
        assert_eq!(prefixes(r"(?i)ab|Ac", 32, 8).unwrap(), ["ab", "ac"]);
        // Bounded in length and in number: what cannot grow stays short.
        assert_eq!(prefixes(r"abcdef", 32, 2).unwrap(), ["ab"]);
        // Strings grow shortest first while they fit the count: "a" into two, then "b" would
        // make four.
        assert_eq!(prefixes(r"[ab][cd]e", 3, 8).unwrap(), ["ace", "ade", "b"]);
        assert_eq!(prefixes(r"[a-z]x", 16, 8), None, "26 first bytes");
        // A match may be empty, or end at once: nothing is required.
        assert_eq!(prefixes(r"x?", 32, 8), None);
        assert_eq!(prefixes(r"=?", 32, 8), None);
        assert_eq!(prefixes(r"$", 32, 8), None);
        // A match ending at the end of the input stops the string there.
        assert_eq!(prefixes(r"ab(?:$|c)", 32, 8).unwrap(), ["ab"]);
    }

    #[test]
    fn required_prefixes_begin_every_match() {
        // Every string up to five bytes over a small alphabet, against an anchored search.
        let alphabet = b"abAB:= \t\n";
        let sources = [
            r"(?i)(?:ab|b)?[ \t]{0,2}[:=]",
            r"a?b",
            r"[aB]{2}:",
            r"\bab",
            r"ab\b",
            r"(?m)ab$",
            r"a{1,3}=|b",
            r"[^a]a",
            r"\s{1,2}ab",
        ];
        let mut checked = 0;
        for src in sources {
            let after = AfterKeyword::new(src).unwrap();
            let reference = build_matcher(src).unwrap();
            for (count, len) in [(32, 8), (4, 8), (32, 2)] {
                let Some(prefixes) = after.required_prefixes(count, len) else {
                    continue;
                };
                assert!(prefixes.len() <= count && prefixes.iter().all(|p| p.len() <= len));
                let mut hay = Vec::new();
                let mut stack = vec![Vec::new()];
                while let Some(s) = stack.pop() {
                    hay.clone_from(&s);
                    let input =
                        regex_automata::Input::new(&hay).anchored(regex_automata::Anchored::Yes);
                    if reference.search_half(&input).is_some() {
                        checked += 1;
                        assert!(
                            begins_with_one(&hay, &prefixes),
                            "{src:?} matches {:?}, which begins with none of {prefixes:?}",
                            String::from_utf8_lossy(&hay)
                        );
                    }
                    if s.len() < 5 {
                        stack.extend(alphabet.iter().map(|&b| [&s[..], &[b]].concat()));
                    }
                }
            }
        }
        assert!(checked > 10_000, "{checked}");
    }

    #[test]
    fn after_keyword_must_be_bounded() {
        let rule = |after: &str| {
            GOOD.replace(
                "keywords = [\"demo_\"]",
                &format!("keywords = [\"demo_\"]\nafter_keyword = '''{after}'''"),
            )
        };
        let mut set = RuleSet::default();
        set.add_file_text("t", &rule(r"[a-z0-9]{8}")).unwrap();
        let demo = &set.rules[0];
        let after = demo.after_keyword.as_ref().unwrap();
        let mut cache = after.create_cache();
        // Anchored at the keyword's end.
        assert_eq!(after.matching_at_start(b"abcd1234", &mut cache), 1);
        assert_eq!(after.matching_at_start(b" abcd1234", &mut cache), 0);
        for unbounded in [r"[a-z0-9]+", r"[a-z0-9]{8,}", r"x{300}"] {
            let errs = RuleSet::default()
                .add_file_text("t", &rule(unbounded))
                .unwrap_err();
            assert!(errs[0].message.contains("bounded"), "{}", errs[0]);
        }
    }

    #[test]
    fn word_bounded_starts_read_off_the_regex() {
        let bounded = |re: &str| {
            parse_regex(re)
                .unwrap()
                .word_bounded_starts
                .into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(bounded(r"(?i:\blob[\w.]{0,4}key)\W(?P<secret>x)"), ["lob"]);
        assert_eq!(bounded(r"\b(?P<secret>npm_[A-Za-z0-9]{36})"), ["npm_"]);
        assert_eq!(bounded(r"(?m)^token=(?P<secret>\w+)"), ["token="]);
        // Per branch: the boundary holds for the branch it opens.
        assert_eq!(
            bounded(r"(?i:launchdarkly|\bld_)[\s\S]{0,60}?\b(?P<secret>api-x)"),
            ["ld_"]
        );
        assert_eq!(
            bounded(r"(?i)(?:aws_token|\bsession_token)=(?P<secret>\w+)"),
            ["session_token="]
        );
        // A string also reached without the boundary is not bounded.
        assert!(bounded(r"(?:\bkey_|key_)(?P<secret>\w+)").is_empty());
        // A boundary inside the string, or before a byte that is not a word byte, says
        // nothing about what precedes the match.
        assert!(bounded(r"x\bfoo(?P<secret>\w+)").is_empty());
        assert!(bounded(r"\b-us(?P<secret>\w+)").is_empty());
        assert!(bounded(r"(?P<secret>npm_[A-Za-z0-9]{36})").is_empty());
    }

    #[test]
    fn keywords_whose_hits_need_a_word_start() {
        let rule = |keywords: &str, regex: &str| {
            let text = GOOD
                .replace(r#"keywords = ["demo_"]"#, &format!("keywords = {keywords}"))
                .replace(r"(?P<secret>demo_[a-z0-9]{8})", regex);
            let mut set = RuleSet::default();
            set.add_file_text("t", &text).unwrap();
            set.rules.pop().unwrap()
        };
        let ld = rule(
            r#"["launchdarkly", "ld_"]"#,
            r"(?i:launchdarkly|\bld_)[\s\S]{0,60}?\b(?P<secret>api-[a-f0-9]{8})",
        );
        assert!(ld.needs_word_start("ld_"));
        assert!(!ld.needs_word_start("launchdarkly"));
        // A keyword no match starts with: every match has another keyword's hit at its start.
        let npm = rule(r#"["demo_", "token"]"#, r"\b(?P<secret>demo_[a-z0-9]{8})");
        assert!(npm.needs_word_start("demo_") && npm.needs_word_start("token"));
        // A match may start where no keyword is: any hit may be the one that finds it.
        let loose = rule(
            r#"["demo_"]"#,
            r"(?:\bdemo_|pre_demo_)(?P<secret>[a-z0-9]{8})",
        );
        assert!(!loose.needs_word_start("demo_"));
        let unbounded = rule(r#"["demo_"]"#, r"(?P<secret>demo_[a-z0-9]{8})");
        assert!(!unbounded.needs_word_start("demo_"));
    }

    #[test]
    fn start_literals_read_off_the_regex() {
        let starts = |re: &str| {
            parse_regex(re).unwrap().start_literals.map(|v| {
                v.into_iter()
                    .map(|l| String::from_utf8(l).unwrap())
                    .collect::<Vec<_>>()
            })
        };
        assert_eq!(
            starts(r"\b(?P<secret>vc[pikar]_[A-Za-z0-9]{24,100})\b").unwrap(),
            ["vca_", "vci_", "vck_", "vcp_", "vcr_"]
        );
        assert_eq!(
            starts(r"(?i:launchdarkly|\bld_)[\s\S]{0,60}?\b(?P<secret>api-x)").unwrap(),
            ["launchdarkly", "ld_"]
        );
        // Case folds; a required repetition contributes its first copy and ends the string.
        assert_eq!(starts(r"(?i)\bINSERT\w+INTO").unwrap(), ["insert"]);
        assert_eq!(starts(r"(?i)\bINSERT\s+INTO").unwrap().len(), 6);
        assert_eq!(starts(r"(?:ab){2,3}c").unwrap(), ["ab"]);
        // Matches that can start anywhere else have no start literals.
        assert_eq!(starts(r#"\\{0,3}"auth""#), None);
        assert_eq!(starts(r"(?m)^[ \t]*token"), None);
        assert_eq!(starts(r"(?:token|)[a-z]+"), None);
        assert_eq!(starts(r"(?:token|)x").unwrap(), ["tokenx", "x"]);
        assert_eq!(starts(r"[a-z]+_key"), None);
        assert_eq!(starts(r"(?u)(?i)kelvin"), None);
    }

    const GOOD: &str = r#"
[[rules]]
id = "demo-token"
name = "Demo token"
description = "A demo token."
keywords = ["demo_"]
regex = '''(?P<secret>demo_[a-z0-9]{8})'''
severity = "high"
confidence = "high"
tags = ["NHI2"]
examples = ["x = demo_abcdef12", "demo_12345678"]
negative_examples = ["demo_short"]
"#;

    #[test]
    fn loads_valid_rule() {
        let mut set = RuleSet::default();
        set.add_file_text("t", GOOD).unwrap();
        assert_eq!(set.rules.len(), 1);
        assert_eq!(set.rules[0].severity, Severity::High);
    }

    #[test]
    fn rejects_duplicate_ids_and_missing_secret_group() {
        let mut set = RuleSet::default();
        set.add_file_text("a", GOOD).unwrap();
        let errs = set.add_file_text("b", GOOD).unwrap_err();
        assert!(errs[0].message.contains("duplicate"));
        let bad = GOOD.replace("(?P<secret>", "(");
        let errs = RuleSet::default().add_file_text("c", &bad).unwrap_err();
        assert!(errs[0].message.contains("secret"), "{errs:?}");
    }

    #[test]
    fn rejects_unknown_fields_and_bad_keywords() {
        let bad = GOOD.replace("severity = \"high\"", "severity = \"high\"\nsevirity = 1");
        let errs = RuleSet::default().add_file_text("c", &bad).unwrap_err();
        assert!(errs[0].message.contains("invalid TOML"), "{errs:?}");
        let bad = GOOD.replace("[\"demo_\"]", "[\"DEMO_\"]");
        let errs = RuleSet::default().add_file_text("c", &bad).unwrap_err();
        assert!(errs[0].message.contains("lower-case"));
    }

    #[test]
    fn path_and_identity_regexes_are_checked_at_load_and_compiled_for_user_files() {
        let with =
            |field: &str, re: &str| GOOD.replace("tags =", &format!("{field} = {re}\ntags ="));
        // Syntax: at load, for every rule file.
        for (field, re) in [
            ("paths", r"['(unclosed']"),
            ("identity_near", r"'(unclosed'"),
        ] {
            let errs = RuleSet::default()
                .add_file_text("c", &with(field, re))
                .unwrap_err();
            assert!(errs[0].message.contains("invalid"), "{errs:?}");
        }
        // Size: user rule files compile every regex when they load.
        let huge = r"'(?:[a-z]{1000}){1000}'";
        for (field, re) in [
            ("paths", format!("[{huge}]")),
            ("identity_near", huge.to_string()),
        ] {
            let text = with(field, &re);
            RuleSet::default().add_file_text("c", &text).unwrap();
            let errs = RuleSet::default().add_user_text("c", &text).unwrap_err();
            assert!(errs[0].message.contains("invalid"), "{errs:?}");
        }
    }

    #[test]
    fn identity_may_not_expose_secret() {
        let bad = GOOD.replace("tags =", "identity = \"{secret}\"\ntags =");
        let errs = RuleSet::default().add_file_text("c", &bad).unwrap_err();
        assert!(errs[0].message.contains("identity"));
    }

    #[test]
    fn template_fields_are_parsed() {
        assert_eq!(template_fields("{user}@{host}"), vec!["user", "host"]);
        assert!(template_fields("plain").is_empty());
    }
}
