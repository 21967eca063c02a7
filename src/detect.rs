//! The secret engine: keyword prefilter → rule regexes → entropy, placeholder and allowlist
//! filters → inline suppressions → findings with positions, identities and redacted excerpts.
//!
//! One Aho-Corasick automaton holds the keywords of every rule. A file is searched for keywords
//! once; only the rules whose keywords occurred run their regex, and only around the keyword
//! occurrences when the regex's matches have a bounded length. Content is bytes: invalid UTF-8
//! is scanned as it is, and text is decoded (lossily) only for excerpts and identities.

use crate::findings::{mask_secret, Finding, FindingBuilder, Kind, Location};
use crate::prefilter::{Hits, KeywordDfa};
use crate::rules::{Rule, RuleSet};

/// The marker that suppresses a finding on its line.
pub const SUPPRESSION_MARKER: &[u8] = b"ferret:allow";

/// How many lines around a match `identity_near` searches.
const IDENTITY_WINDOW_LINES: usize = 5;
/// Characters of context kept on each side of a secret in the redacted excerpt.
const EXCERPT_CONTEXT: usize = 60;

/// Engine options that do not come from rules.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Keep raw secrets in findings (`--show-secrets`).
    pub show_secrets: bool,
    /// Secrets matching any of these are dropped (config `allowlist.regexes`).
    pub allow_secrets: Vec<regex::bytes::Regex>,
    /// Run each enabled rule over the whole content rather than around its keyword hits.
    /// Slower; the reference that tests hold the windowed search to.
    pub whole_file_search: bool,
}

/// A compiled rule set.
pub struct Engine {
    rules: Vec<Rule>,
    prefilter: KeywordDfa,
    /// Keyword pattern index → rules that keyword enables.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules with no keywords: they run on every file their `paths` select.
    path_only_rules: Vec<usize>,
    /// Per rule: how far its matches reach from a keyword hit.
    reach: Vec<Reach>,
    options: EngineOptions,
}

/// A secret match before it becomes a finding.
struct Candidate {
    rule: usize,
    secret_start: usize,
    secret_end: usize,
    identity: Option<String>,
    suppressed: bool,
}

/// Where one rule's regex must run in one file.
#[derive(Default)]
struct RuleHits {
    enabled: bool,
    /// The rule's `paths` do not select this file.
    off: bool,
    /// The regex runs on the whole file (its matches are unbounded, or it has no keywords).
    whole: bool,
    /// Disjoint byte ranges in ascending order, each covering every match that can contain
    /// one of the keyword hits it was built from.
    windows: Vec<(usize, usize)>,
    /// For line-bounded windows: where the line of the last hit ends; later hits on the same
    /// line add nothing.
    hit_line_end: usize,
    /// For windows bounded by non-whitespace bytes: a walk that moves forward with the hits,
    /// so each byte is counted a bounded number of times however many hits there are.
    walk: Option<SpaceWalk>,
}

/// Window edges for a rule whose matches hold at most `max` non-whitespace bytes: `lo` is the
/// smallest position with at most `max` such bytes in `lo..s`, `hi` the position of the
/// `max + 1`-th such byte from `e` on (or the end).
#[derive(Clone, Copy)]
struct SpaceWalk {
    s: usize,
    lo: usize,
    lo_count: usize,
    e: usize,
    hi: usize,
    hi_count: usize,
}

fn is_space(b: u8) -> bool {
    crate::rules::is_ascii_space(u32::from(b))
}

fn count_non_space(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| !is_space(b)).count()
}

impl SpaceWalk {
    fn start(bytes: &[u8], s: usize, e: usize, max: usize) -> SpaceWalk {
        let (mut lo, mut lo_count) = (s, 0);
        while lo > 0 {
            if !is_space(bytes[lo - 1]) {
                if lo_count == max {
                    break;
                }
                lo_count += 1;
            }
            lo -= 1;
        }
        let (hi, hi_count) = Self::forward(bytes, e, 0, max);
        SpaceWalk {
            s,
            lo,
            lo_count,
            e,
            hi,
            hi_count,
        }
    }

    /// Walk from `at` (with `count` non-whitespace bytes behind) to the `max + 1`-th.
    fn forward(bytes: &[u8], mut at: usize, mut count: usize, max: usize) -> (usize, usize) {
        while at < bytes.len() {
            if !is_space(bytes[at]) {
                if count == max {
                    break;
                }
                count += 1;
            }
            at += 1;
        }
        (at, count)
    }

    /// Move to the next hit. Hits arrive by ascending end; a start before the previous one
    /// (a keyword containing the previous keyword) restarts the walk.
    fn advance(&mut self, bytes: &[u8], s: usize, e: usize, max: usize) {
        if s < self.s || e >= self.hi {
            *self = Self::start(bytes, s, e, max);
            return;
        }
        let mut count = self.lo_count + count_non_space(&bytes[self.s..s]);
        let mut lo = self.lo;
        while count > max {
            if !is_space(bytes[lo]) {
                count -= 1;
            }
            lo += 1;
        }
        (self.s, self.lo, self.lo_count) = (s, lo, count);
        let behind = self.hi_count - count_non_space(&bytes[self.e..e]);
        (self.hi, self.hi_count) = Self::forward(bytes, self.hi, behind, max);
        self.e = e;
    }
}

/// How the engine bounds where a rule's match can be relative to a keyword hit, chosen from
/// the facts its regex guarantees (see [`Rule`]): the tightest that is cheap to compute.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reach {
    /// Within `len` bytes of the hit.
    Bytes(usize),
    /// Within `lines` lines of the hit's line (and `len` bytes, when bounded).
    Lines { lines: usize, len: Option<usize> },
    /// Within `max` non-whitespace bytes of the hit (and `len` bytes, when bounded).
    NonSpace { max: usize, len: Option<usize> },
    /// Anywhere: the regex runs over the whole content.
    Anywhere,
}

/// Fewer than one window per this many bytes of content, or the whole content is searched.
const WINDOW_SPACING: usize = 2048;

/// Byte reaches at most this long are used as they are: a line or whitespace walk would not
/// make the window much smaller.
const SHORT_REACH: usize = 256;
/// More lines than this make a line walk per hit slower than the bytes it saves.
const MAX_LINE_REACH: usize = 64;

impl Reach {
    fn of(rule: &Rule) -> Reach {
        let len = rule.max_match_len;
        match (len, rule.max_match_newlines, rule.max_match_non_space) {
            (Some(l), _, _) if l <= SHORT_REACH => Reach::Bytes(l),
            (_, Some(lines), _) if lines <= MAX_LINE_REACH => Reach::Lines { lines, len },
            (_, _, Some(max)) => Reach::NonSpace { max, len },
            (Some(l), _, _) => Reach::Bytes(l),
            _ => Reach::Anywhere,
        }
    }
}

/// Per-thread buffers reused from file to file, so scanning a file allocates nothing until a
/// regex matches.
#[derive(Default)]
struct Scratch {
    hits: Vec<RuleHits>,
    /// Keyword occurrences in the current file.
    keywords: Hits,
    /// Rules enabled in the current file, in the order they were enabled.
    touched: Vec<usize>,
}

impl Scratch {
    fn reset(&mut self) {
        for &r in &self.touched {
            let h = &mut self.hits[r];
            h.enabled = false;
            h.off = false;
            h.whole = false;
            h.windows.clear();
            h.walk = None;
        }
        self.touched.clear();
        self.keywords.all.clear();
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
}

impl Engine {
    pub fn new(set: RuleSet, options: EngineOptions) -> Engine {
        let rules = set.rules;
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut path_only_rules = Vec::new();
        for (i, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                path_only_rules.push(i);
            }
            for k in &rule.keywords {
                match patterns.iter().position(|p| p == k) {
                    Some(pos) => keyword_rules[pos].push(i),
                    None => {
                        patterns.push(k.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        let prefilter = KeywordDfa::new(&patterns);
        let reach = rules
            .iter()
            .map(|r| {
                if options.whole_file_search {
                    Reach::Anywhere
                } else {
                    Reach::of(r)
                }
            })
            .collect();
        Engine {
            rules,
            prefilter,
            keyword_rules,
            path_only_rules,
            reach,
            options,
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Find every keyword occurrence and turn it into a search window for each rule it
    /// enables. Every match of a rule contains one of its keywords (checked by the test suite on
    /// every example) and is at most `max_match_len` long, so a match holding the keyword at
    /// `s..e` lies within `e - max..s + max`; a match of unbounded length that holds at most
    /// `n` line feeds lies within `n` lines of the keyword's line.
    fn collect_hits(&self, path: &str, bytes: &[u8], scratch: &mut Scratch) {
        let Scratch {
            hits,
            keywords,
            touched,
        } = scratch;
        if hits.len() < self.rules.len() {
            hits.resize_with(self.rules.len(), RuleHits::default);
        }
        let mut enable = |r: usize, hits: &mut [RuleHits]| {
            let h = &mut hits[r];
            if !h.enabled {
                h.enabled = true;
                h.off = !self.rules[r].applies_to_path(path);
                touched.push(r);
            }
        };
        // Every occurrence, overlapping ones too: "api_key" enables both the "key" and the
        // "api_key" rules.
        self.prefilter.find_all(bytes, keywords);
        {
            for m in keywords.all.iter() {
                let (s, e) = (m.start, m.end);
                for &r in &self.keyword_rules[m.pattern as usize] {
                    enable(r, hits);
                    let h = &mut hits[r];
                    if h.whole || h.off {
                        continue;
                    }
                    let (lo, hi) = match self.reach[r] {
                        Reach::Bytes(len) => (
                            e.saturating_sub(len),
                            s.saturating_add(len).min(bytes.len()),
                        ),
                        Reach::Lines { lines, len } => {
                            // Without a byte bound, later hits on the same line add nothing
                            // (with one, the line may be longer than the window).
                            if len.is_none() {
                                if !h.windows.is_empty() && e <= h.hit_line_end {
                                    continue;
                                }
                                h.hit_line_end = line_end(bytes, e - 1);
                            }
                            let floor = len.map_or(0, |l| e.saturating_sub(l));
                            let ceiling = len.map_or(bytes.len(), |l| (s + l).min(bytes.len()));
                            let lo = lines_before(bytes, s, lines, floor);
                            let hi = lines_after(bytes, e - 1, lines, ceiling);
                            (lo, hi)
                        }
                        Reach::NonSpace { max, len } => {
                            let walk = match &mut h.walk {
                                Some(w) => {
                                    w.advance(bytes, s, e, max);
                                    *w
                                }
                                None => *h.walk.insert(SpaceWalk::start(bytes, s, e, max)),
                            };
                            match len {
                                Some(l) => (
                                    walk.lo.max(e.saturating_sub(l)),
                                    walk.hi.min(s.saturating_add(l)),
                                ),
                                None => (walk.lo, walk.hi),
                            }
                        }
                        Reach::Anywhere => {
                            h.whole = true;
                            continue;
                        }
                    };
                    match h.windows.last_mut() {
                        Some(last) if lo <= last.1 => {
                            last.0 = last.0.min(lo);
                            last.1 = last.1.max(hi);
                        }
                        _ => h.windows.push((lo, hi)),
                    }
                }
            }
        }
        for &r in &self.path_only_rules {
            enable(r, hits);
            hits[r].whole = true;
        }
        // Window starts almost always ascend with the hits; where a keyword containing the
        // previous one moved a start back, restore order.
        for &r in touched.iter() {
            let w = &mut hits[r].windows;
            if w.windows(2).any(|p| p[1].0 <= p[0].1) {
                w.sort_unstable();
                let mut merged: Vec<(usize, usize)> = Vec::with_capacity(w.len());
                for &(lo, hi) in w.iter() {
                    match merged.last_mut() {
                        Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                        _ => merged.push((lo, hi)),
                    }
                }
                *w = merged;
            }
        }
    }

    /// Scan one file's content. `path` is the `/`-separated path relative to the scan root;
    /// rules with `paths` match against it.
    pub fn scan(&self, path: &str, bytes: &[u8]) -> Vec<Finding> {
        let mut candidates = Vec::new();
        SCRATCH.with(|cell| {
            let mut guard = cell.borrow_mut();
            let scratch = &mut *guard;
            // A panic in an earlier scan on this thread (caught by the source) may have left
            // state behind.
            scratch.reset();
            self.collect_hits(path, bytes, scratch);
            // Rule order, so candidates (and so overlap resolution ties) do not depend on
            // where keywords happened to occur.
            scratch.touched.sort_unstable();
            for &r in &scratch.touched {
                let h = &scratch.hits[r];
                if h.off {
                    continue;
                }
                // Windows that cover most of the content, or many small ones, cost more than one
                // search of the whole content, which finds the same matches.
                let covered: usize = h.windows.iter().map(|(lo, hi)| hi - lo).sum();
                if h.whole
                    || covered > bytes.len() / 2
                    || h.windows.len() > bytes.len() / WINDOW_SPACING
                {
                    self.run_rule(r, bytes, &[(0, bytes.len())], &mut candidates);
                } else {
                    self.run_rule(r, bytes, &h.windows, &mut candidates);
                }
            }
            scratch.reset();
        });
        if candidates.is_empty() {
            return Vec::new();
        }
        self.build_findings(path, bytes, candidates)
    }

    /// Run rule `r` over each window `bytes[lo..hi]`; look-around assertions see the whole
    /// content, so a match found in a window is exactly the match a search of the whole content
    /// finds there.
    fn run_rule(
        &self,
        r: usize,
        bytes: &[u8],
        windows: &[(usize, usize)],
        out: &mut Vec<Candidate>,
    ) {
        let re = self.rules[r].regex();
        let mut caps = re.create_captures();
        for &(lo, hi) in windows {
            self.run_window(r, bytes, lo, hi, &mut caps, out);
        }
    }

    fn run_window(
        &self,
        r: usize,
        bytes: &[u8],
        lo: usize,
        hi: usize,
        caps: &mut regex_automata::util::captures::Captures,
        out: &mut Vec<Candidate>,
    ) {
        let re = self.rules[r].regex();
        let mut input = regex_automata::Input::new(bytes).range(lo..hi);
        loop {
            re.search_captures(&input, caps);
            let Some(whole) = caps.get_match() else {
                break;
            };
            // Step over empty matches the way the regex crate's iterators do.
            let next = if whole.is_empty() {
                whole.end() + 1
            } else {
                whole.end()
            };
            self.check_match(r, bytes, caps, out);
            if next > hi {
                break;
            }
            input.set_start(next);
        }
    }

    fn check_match(
        &self,
        r: usize,
        bytes: &[u8],
        caps: &regex_automata::util::captures::Captures,
        out: &mut Vec<Candidate>,
    ) {
        let rule = &self.rules[r];
        let Some(secret) = caps.get_group_by_name("secret") else {
            return;
        };
        let value = &bytes[secret.range()];
        if value.is_empty() {
            return;
        }
        if let Some(min) = rule.entropy {
            if shannon_entropy(value) < min {
                return;
            }
        }
        if is_documentation_value(value) || (rule.generic && is_placeholder(value)) {
            return;
        }
        if self.options.allow_secrets.iter().any(|a| a.is_match(value)) {
            return;
        }
        let whole = caps.get_match().expect("a match");
        let suppressed = line_has_marker(bytes, whole.start(), whole.end());
        let identity = self.identity_for(rule, caps, bytes, secret.start);
        out.push(Candidate {
            rule: r,
            secret_start: secret.start,
            secret_end: secret.end,
            identity,
            suppressed,
        });
    }

    fn identity_for(
        &self,
        rule: &Rule,
        caps: &regex_automata::util::captures::Captures,
        bytes: &[u8],
        at: usize,
    ) -> Option<String> {
        if let Some(near) = &rule.identity_near {
            let (lo, hi) = line_window(bytes, at, IDENTITY_WINDOW_LINES);
            let window = &bytes[lo..hi];
            // Prefer the closest occurrence to the secret.
            let mut best: Option<(usize, String)> = None;
            for c in near.captures_iter(window) {
                let m = c.name("identity").or_else(|| c.get(0)).expect("group 0");
                let dist = (lo + m.start()).abs_diff(at);
                if best.as_ref().is_none_or(|(d, _)| dist < *d) {
                    best = Some((dist, String::from_utf8_lossy(m.as_bytes()).into_owned()));
                }
            }
            if let Some((_, id)) = best {
                return Some(id);
            }
        }
        let template = rule.identity.as_ref()?;
        let mut out = String::new();
        let mut rest = template.as_str();
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let end = after.find('}')?;
            let value = &bytes[caps.get_group_by_name(&after[..end])?.range()];
            if value.is_empty() {
                return None;
            }
            out.push_str(&String::from_utf8_lossy(value));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn build_findings(&self, path: &str, bytes: &[u8], mut cands: Vec<Candidate>) -> Vec<Finding> {
        // Every secret span, suppressed or not, is masked in every excerpt of this file.
        let mask_spans: Vec<(usize, usize)> = cands
            .iter()
            .map(|c| (c.secret_start, c.secret_end))
            .collect();
        cands.retain(|c| !c.suppressed);
        let cands = self.resolve_overlaps(cands);
        let mut offsets: Vec<usize> = Vec::with_capacity(cands.len() * 2);
        for c in &cands {
            offsets.push(c.secret_start);
            offsets.push(last_char_start(bytes, c.secret_start, c.secret_end));
        }
        let positions = Positions::compute(bytes, &offsets);
        let mut findings = Vec::with_capacity(cands.len());
        for c in cands {
            let rule = &self.rules[c.rule];
            let (line, column) = positions.get(c.secret_start);
            let (end_line, last_col) =
                positions.get(last_char_start(bytes, c.secret_start, c.secret_end));
            let location = Location {
                path: path.to_string(),
                line,
                column,
                end_line,
                end_column: last_col + 1,
            };
            let secret = &bytes[c.secret_start..c.secret_end];
            let excerpt = excerpt(
                bytes,
                c.secret_start,
                &mask_spans,
                self.options.show_secrets,
            );
            let test_context = is_test_path(path)
                || names_test_value(&bytes[line_start(bytes, c.secret_start)..c.secret_start]);
            let message = match &c.identity {
                Some(id) => format!("{} ({id})", rule.name),
                None => rule.name.clone(),
            };
            findings.push(
                FindingBuilder::new(&rule.id, Kind::Secret, &rule.name, location)
                    .severity(rule.severity)
                    .confidence(rule.confidence)
                    .message(message)
                    .identity(c.identity)
                    .redacted(excerpt)
                    .tags(rule.tags.iter())
                    .tags(test_context.then_some(TEST_CONTEXT_TAG))
                    .secret(secret, self.options.show_secrets)
                    .build(),
            );
        }
        findings
    }

    /// Where several rules matched overlapping bytes, keep the most specific: higher
    /// confidence, then non-generic, then higher severity, then the longer secret, then rule order.
    fn resolve_overlaps(&self, mut cands: Vec<Candidate>) -> Vec<Candidate> {
        let rank = |c: &Candidate| {
            let r = &self.rules[c.rule];
            (
                std::cmp::Reverse(r.confidence),
                r.generic,
                std::cmp::Reverse(r.severity),
                std::cmp::Reverse(c.secret_end - c.secret_start),
                c.rule,
            )
        };
        cands.sort_by_key(rank);
        let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
        for c in cands {
            let overlaps = kept
                .iter()
                .any(|k| c.secret_start < k.secret_end && k.secret_start < c.secret_end);
            if !overlaps {
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| (c.secret_start, c.rule));
        kept
    }
}

/// Shannon entropy in bits per byte.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Values that documentation uses in place of a real credential, for every rule: providers'
/// published samples (AWS's `AKIAIOSFODNN7EXAMPLE`), and masked values (`xxxxxxxx`, `********`).
/// A random token contains none of these by chance.
pub fn is_documentation_value(value: &[u8]) -> bool {
    let finder = |needle: &[u8]| {
        value
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    finder(b"example") || finder(b"xxxxxxxx") || finder(b"********")
}

/// Names rather than values: `CLIENT_TRAFFIC_SECRET_0`, `caching_sha2_password`,
/// `dbPasswordField`. Words joined by `_`/`-` or camelCase humps, with a few digits at most, are how code names things; generated secrets do not look like that.
pub fn is_identifier_like(value: &[u8]) -> bool {
    let v = value;
    if v.len() < 3 || !v[0].is_ascii_alphabetic() {
        return false;
    }
    if !v
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-' || *b == b'.')
    {
        return false;
    }
    let digits = v.iter().filter(|b| b.is_ascii_digit()).count();
    if digits > 4 {
        return false;
    }
    let words: Vec<&[u8]> = v
        .split(|b| *b == b'_' || *b == b'-' || *b == b'.')
        .filter(|w| !w.is_empty())
        .collect();
    let all_alpha_words = |ws: &[&[u8]]| {
        ws.iter().all(|w| {
            let w = w.strip_suffix(b"0").unwrap_or(w);
            w.iter()
                .all(|b| b.is_ascii_alphabetic() || b.is_ascii_digit())
                && w.iter().filter(|b| b.is_ascii_digit()).count() <= 3
                && (w
                    .iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                    || w.iter()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
                    || is_camel_case(w))
        })
    };
    if words.len() >= 2 {
        return all_alpha_words(&words);
    }
    // A single word: camelCase with at least two humps reads as a name.
    is_camel_case(v) && v.iter().filter(|b| b.is_ascii_uppercase()).count() >= 1 && digits == 0
}

/// `lowerCamel` or `UpperCamel`: each uppercase letter starts a run of lowercase letters.
fn is_camel_case(w: &[u8]) -> bool {
    if w.is_empty() || !w.iter().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let mut i = 1;
    while i < w.len() {
        if w[i].is_ascii_uppercase() {
            // The hump must be followed by at least two lowercase letters (or end the word).
            let run = w[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_lowercase())
                .count();
            if run < 2 {
                return false;
            }
            i += 1 + run;
        } else {
            i += 1;
        }
    }
    true
}

/// Tag of findings in test context (a test path, or a value named as a test/sample value).
pub const TEST_CONTEXT_TAG: &str = "context:test";

/// True when the text before a secret on its line names it as test data: `const TEST_KEY =`,
/// `SAMPLE:`, `dummyToken =`, `fake_secret:` (word parts of identifiers, any case).
pub fn names_test_value(before: &[u8]) -> bool {
    // Not "example": it names hosts and addresses (`login ops@example.org password …`).
    const WORDS: &[&str] = &["test", "sample", "dummy", "fake", "mock", "fixture"];
    let text = String::from_utf8_lossy(before);
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .flat_map(split_camel)
        .any(|w| WORDS.iter().any(|t| w.eq_ignore_ascii_case(t)))
}

/// `dummyTokenValue` → `dummy`, `Token`, `Value`; `TEST_KEY` is split by the caller on `_`.
fn split_camel(word: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let b = word.as_bytes();
    for i in 1..b.len() {
        if b[i].is_ascii_uppercase() && b[i - 1].is_ascii_lowercase() {
            parts.push(&word[start..i]);
            start = i;
        }
    }
    parts.push(&word[start..]);
    parts
}

/// Paths of tests, fixtures and examples: key material there is overwhelmingly synthetic, so
/// findings there are hidden by default (and counted).
pub fn is_test_path(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "test",
        "tests",
        "testdata",
        "test_data",
        "test-data",
        "testing",
        "testfiles",
        "fixtures",
        "fixture",
        "test-fixtures",
        "__tests__",
        "__fixtures__",
        "__mocks__",
        "spec",
        "specs",
        "examples",
        "example",
        "samples",
        "sample",
        "mocks",
        "mock",
        "benches",
        "test-vectors",
        "testvectors",
        "test-suite",
        "testsuite",
    ];
    let mut segments = path.split('/');
    let file = segments.next_back().unwrap_or("");
    if segments.any(|s| DIRS.iter().any(|d| s.eq_ignore_ascii_case(d))) {
        return true;
    }
    let f = file.to_ascii_lowercase();
    let stem = f.split('.').next().unwrap_or("");
    stem.ends_with("_test")
        || stem.starts_with("test_")
        || stem.ends_with("_spec")
        || f.contains(".test.")
        || f.contains(".spec.")
        || stem.ends_with("test") && file.contains("Test")
        || stem.ends_with("tests") && file.contains("Tests")
}

/// Values that stand for a secret rather than being one. Applied to rules marked `generic`.
pub fn is_placeholder(value: &[u8]) -> bool {
    if is_identifier_like(value) {
        return true;
    }
    let v = String::from_utf8_lossy(value).to_ascii_lowercase();
    let v = v.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    if v.is_empty() {
        return true;
    }
    const CONTAINS: &[&str] = &[
        "example",
        "xxxx",
        "****",
        "changeme",
        "change_me",
        "change-me",
        "changeit",
        "placeholder",
        "your_",
        "your-",
        "yourpass",
        "yoursecret",
        "yourtoken",
        "<",
        ">",
        "${",
        "$(",
        "{{",
        "}}",
        "%(",
        "%s",
        "dummy",
        "sample",
        "redacted",
        "replace",
        "insert",
        "todo",
        "fixme",
        "...",
        "…",
        "_here",
        "-here",
        "notreal",
        "not_real",
        "not-a-",
        "fake",
        "secret_key_base",
        "12345678",
        "abcdefgh",
        "qwerty",
        "process.env",
        "os.environ",
        "getenv",
        "env[",
        "vault:",
        "secretsmanager:",
        "ssm:",
        "arn:aws",
        "keyvault",
    ];
    if CONTAINS.iter().any(|p| v.contains(p)) {
        return true;
    }
    const EXACT: &[&str] = &[
        "password",
        "passwd",
        "pass",
        "secret",
        "token",
        "null",
        "none",
        "nil",
        "true",
        "false",
        "undefined",
        "empty",
        "test",
        "testing",
        "admin",
        "root",
        "default",
        "string",
        "value",
        "key",
        "apikey",
        "api_key",
        "required",
        "optional",
        "unset",
        "n/a",
        "tbd",
        "hidden",
        "masked",
        "private",
        "password1",
        "password123",
        "secret123",
        "letmein",
    ];
    if EXACT.contains(&v) {
        return true;
    }
    if v.starts_with('$') || (v.starts_with('%') && v.ends_with('%')) || v.starts_with('@') {
        return true;
    }
    let first = v.chars().next().unwrap_or(' ');
    if v.chars().all(|c| c == first) {
        return true;
    }
    false
}

fn line_start(bytes: &[u8], at: usize) -> usize {
    memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |p| p + 1)
}

fn line_end(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p)
}

/// Byte range covering `lines` lines before and after the line holding `at`.
fn line_window(bytes: &[u8], at: usize, lines: usize) -> (usize, usize) {
    let mut lo = line_start(bytes, at);
    for _ in 0..lines {
        if lo == 0 {
            break;
        }
        lo = line_start(bytes, lo - 1);
    }
    let mut hi = line_end(bytes, at);
    for _ in 0..lines {
        if hi >= bytes.len() {
            break;
        }
        hi = line_end(bytes, hi + 1);
    }
    (lo, hi)
}

/// Start of the line `lines` lines above the one holding `at`, or `floor` if that is later.
fn lines_before(bytes: &[u8], at: usize, lines: usize, floor: usize) -> usize {
    let floor = floor.min(at);
    let mut lo = at;
    for _ in 0..=lines {
        match memchr::memrchr(b'\n', &bytes[floor..lo]) {
            Some(p) => lo = floor + p,
            None => return floor,
        }
    }
    lo + 1
}

/// End (before its line feed) of the line `lines` lines below the one holding `at`, or
/// `ceiling` if that is earlier.
fn lines_after(bytes: &[u8], at: usize, lines: usize, ceiling: usize) -> usize {
    let ceiling = ceiling.max(at + 1).min(bytes.len());
    let mut from = at;
    let mut hi = at;
    for _ in 0..=lines {
        match memchr::memchr(b'\n', &bytes[from.min(ceiling)..ceiling]) {
            Some(p) => {
                hi = from + p;
                from = hi + 1;
            }
            None => return ceiling,
        }
    }
    hi
}

/// True when the first or last line of the match carries the suppression marker.
fn line_has_marker(bytes: &[u8], start: usize, end: usize) -> bool {
    let finder = memchr::memmem::Finder::new(SUPPRESSION_MARKER);
    let first = &bytes[line_start(bytes, start)..line_end(bytes, start)];
    if finder.find(first).is_some() {
        return true;
    }
    let last_at = end.saturating_sub(1).max(start);
    let last = &bytes[line_start(bytes, last_at)..line_end(bytes, last_at)];
    finder.find(last).is_some()
}

/// Start of the last UTF-8 character of `bytes[start..end]`.
fn last_char_start(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut i = end.saturating_sub(1).max(start);
    while i > start && (bytes[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

/// 1-based (line, column) of byte offsets, columns in Unicode code points. Computed in one
/// pass over the content however many offsets are asked for.
struct Positions {
    sorted: Vec<(usize, u32, u32)>,
}

impl Positions {
    fn compute(bytes: &[u8], offsets: &[usize]) -> Positions {
        let mut sorted: Vec<usize> = offsets.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let mut out = Vec::with_capacity(sorted.len());
        let mut line = 1u32;
        let mut cursor = 0usize;
        let mut current_line_start = 0usize;
        for off in sorted {
            for nl in memchr::memchr_iter(b'\n', &bytes[cursor..off]) {
                line += 1;
                current_line_start = cursor + nl + 1;
            }
            cursor = off;
            let col = 1 + bytes[current_line_start..off]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count() as u32;
            out.push((off, line, col));
        }
        Positions { sorted: out }
    }

    fn get(&self, off: usize) -> (u32, u32) {
        let i = self
            .sorted
            .binary_search_by_key(&off, |(o, _, _)| *o)
            .expect("position computed");
        (self.sorted[i].1, self.sorted[i].2)
    }
}

/// The line holding the secret, trimmed to a window around it, with every secret span masked.
fn excerpt(bytes: &[u8], at: usize, spans: &[(usize, usize)], show: bool) -> String {
    let ls = line_start(bytes, at);
    let le = line_end(bytes, at);
    // Window in bytes, widened to character boundaries.
    let mut lo = at.saturating_sub(EXCERPT_CONTEXT * 2).max(ls);
    while lo > ls && (bytes[lo] & 0xC0) == 0x80 {
        lo -= 1;
    }
    let secret_end = spans
        .iter()
        .filter(|(s, _)| *s == at)
        .map(|(_, e)| *e)
        .max()
        .unwrap_or(at);
    let mut hi = (secret_end.min(le) + EXCERPT_CONTEXT * 2).min(le);
    while hi < le && (bytes[hi] & 0xC0) == 0x80 {
        hi += 1;
    }
    let mut inside: Vec<(usize, usize)> = spans
        .iter()
        .filter(|(s, e)| *s < hi && *e > lo)
        .copied()
        .collect();
    inside.sort_unstable();
    let mut out = String::new();
    if lo > ls {
        out.push('…');
    }
    let mut cursor = lo;
    for (s, e) in inside {
        if e <= cursor {
            continue;
        }
        let from = s.max(cursor);
        out.push_str(&String::from_utf8_lossy(&bytes[cursor..from]));
        if show {
            out.push_str(&String::from_utf8_lossy(&bytes[from..e.min(hi)]));
        } else if s >= cursor {
            out.push_str(&mask_secret(&String::from_utf8_lossy(&bytes[s..e])));
        } else {
            // Overlaps a span already masked, or starts before the window.
            out.push_str("***REDACTED***");
        }
        cursor = e.min(hi);
        if cursor >= hi {
            break;
        }
    }
    if cursor < hi {
        out.push_str(&String::from_utf8_lossy(&bytes[cursor..hi]));
    }
    if hi < le {
        out.push('…');
    }
    // Control characters would corrupt terminals and annotations.
    out.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// Outcome of checking one rule's examples.
#[derive(Debug, Clone, PartialEq)]
pub struct ExampleFailure {
    pub rule_id: String,
    pub example: String,
    pub problem: String,
}

/// Run every rule's examples and negative examples through `engine`. Used by `ferret rules
/// check` and by the test suite.
pub fn check_examples(engine: &Engine) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    for rule in engine.rules() {
        if rule.examples.len() < 2 {
            failures.push(ExampleFailure {
                rule_id: rule.id.clone(),
                example: String::new(),
                problem: format!("needs at least 2 examples, has {}", rule.examples.len()),
            });
        }
        if rule.negative_examples.is_empty() {
            failures.push(ExampleFailure {
                rule_id: rule.id.clone(),
                example: String::new(),
                problem: "needs at least 1 negative example".into(),
            });
        }
        for ex in &rule.examples {
            let found = engine.scan(&rule.example_path, ex.as_bytes());
            if !found.iter().any(|f| f.rule_id == rule.id) {
                let others: Vec<&str> = found.iter().map(|f| f.rule_id.as_str()).collect();
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    example: ex.clone(),
                    problem: if others.is_empty() {
                        "example produced no finding".into()
                    } else {
                        format!("example found only by {}", others.join(", "))
                    },
                });
            }
        }
        for ex in &rule.negative_examples {
            let found = engine.scan(&rule.example_path, ex.as_bytes());
            if found.iter().any(|f| f.rule_id == rule.id) {
                failures.push(ExampleFailure {
                    rule_id: rule.id.clone(),
                    example: ex.clone(),
                    problem: "negative example produced a finding".into(),
                });
            }
        }
    }
    failures
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(extra: &str) -> Engine {
        let mut set = RuleSet::default();
        set.add_file_text("t", extra).unwrap();
        Engine::new(set, EngineOptions::default())
    }

    const RULES: &str = r#"
[[rules]]
id = "demo-token"
name = "Demo token"
description = "d"
keywords = ["demo_"]
regex = '''\b(?P<secret>demo_[a-z0-9]{8})\b'''
severity = "high"
confidence = "high"
tags = ["NHI2"]

[[rules]]
id = "generic-password"
name = "Password"
description = "d"
keywords = ["password"]
regex = '''(?i)password\s*=\s*(?P<secret>[^\s]{6,})'''
severity = "medium"
confidence = "low"
generic = true
entropy = 2.0

[[rules]]
id = "ident"
name = "Ident"
description = "d"
keywords = ["key_"]
regex = '''(?P<secret>key_[a-z]{6})'''
severity = "low"
confidence = "high"
identity_near = '''user=(?P<identity>\w+)'''
"#;

    #[test]
    fn finds_positions_in_code_points() {
        let e = engine(RULES);
        let f = e.scan("a.txt", "héllo\n  ééx demo_abcd1234 end".as_bytes());
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 2);
        assert_eq!(f[0].location.column, 7);
        assert_eq!(f[0].location.end_column, 7 + 13);
        assert!(!f[0].redacted.contains("demo_abcd1234"));
        assert!(f[0].secret.is_none());
    }

    #[test]
    fn prefilter_is_case_insensitive_and_rules_need_keywords() {
        let e = engine(RULES);
        assert!(e.scan("a", b"nothing here").is_empty());
        let f = e.scan("a", b"PASSWORD = Zq8#kP2m");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule_id, "generic-password");
    }

    #[test]
    fn placeholders_entropy_and_suppression() {
        let e = engine(RULES);
        assert!(e.scan("a", b"password = changeme123").is_empty());
        assert!(e.scan("a", b"password = ${DB_PASSWORD}").is_empty());
        assert!(e.scan("a", b"password = aaaaaaaa").is_empty());
        assert!(e.scan("a", b"x demo_abcd1234 # ferret:allow").is_empty());
    }

    #[test]
    fn overlapping_matches_keep_the_specific_rule() {
        let e = engine(RULES);
        let f = e.scan("a", b"password = demo_abcd1234");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].rule_id, "demo-token");
    }

    #[test]
    fn identity_near_picks_closest() {
        let e = engine(RULES);
        let f = e.scan("a", b"user=far\n\nuser=near\nkey_abcdef\n");
        assert_eq!(f[0].identity.as_deref(), Some("near"));
    }

    #[test]
    fn excerpt_masks_every_secret_on_the_line() {
        let e = engine(RULES);
        let f = e.scan("a", b"demo_abcd1234 demo_zzzz9999");
        assert_eq!(f.len(), 2);
        for x in &f {
            assert!(!x.redacted.contains("abcd1234"), "{}", x.redacted);
            assert!(!x.redacted.contains("zzzz9999"), "{}", x.redacted);
        }
    }

    #[test]
    fn invalid_utf8_and_long_lines_are_fine() {
        let e = engine(RULES);
        let mut data = vec![0xffu8, 0xfe, b' '];
        data.extend(std::iter::repeat_n(b'a', 100_000));
        data.extend(b" demo_abcd1234 ");
        data.extend(std::iter::repeat_n(b'b', 100_000));
        let f = e.scan("a", &data);
        assert_eq!(f.len(), 1);
        assert!(f[0].redacted.chars().count() < 300);
    }

    #[test]
    fn documentation_values_are_dropped_for_every_rule() {
        let e = engine(RULES);
        assert!(e.scan("a", b"demo_example1").is_empty());
        assert!(is_documentation_value(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(!is_documentation_value(b"AKIAQ3EGRXZ5LPMN7T2B")); // ferret:allow (test value)
    }

    #[test]
    fn identifiers_are_not_secrets() {
        for v in [
            "CLIENT_TRAFFIC_SECRET_0",
            "caching_sha2_password",
            "sha256_password",
            "dbPasswordField",
            "api-key-header",
        ] {
            assert!(is_identifier_like(v.as_bytes()), "{v}");
        }
        for v in [
            "hunter42",
            "Zq8kP2mXw9",
            "s3cr3t-V4lue-99x",
            "aB3dE6gH9jK2",
            "correcthorse",
        ] {
            assert!(!is_identifier_like(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn test_values_are_named_as_such() {
        assert!(names_test_value(b"const TEST_KEY: &str = \""));
        assert!(names_test_value(b"  dummyToken = '"));
        assert!(names_test_value(b"SAMPLE="));
        assert!(!names_test_value(b"const KEY_RSA: &str = \""));
        assert!(!names_test_value(b"latest_token = "));
        assert!(!names_test_value(
            b"machine api.example.com login ops@example.org password "
        ));
        let e = engine(RULES);
        let f = e.scan("src/a.rs", b"let fake_token = \"demo_abcd1234\";");
        assert!(f[0].tags.iter().any(|t| t == TEST_CONTEXT_TAG));
        let f = e.scan("tests/a.rs", b"let t = \"demo_abcd1234\";");
        assert!(f[0].tags.iter().any(|t| t == TEST_CONTEXT_TAG));
        let f = e.scan("src/a.rs", b"let t = \"demo_abcd1234\";");
        assert!(!f[0].tags.iter().any(|t| t == TEST_CONTEXT_TAG));
    }

    #[test]
    fn test_paths() {
        for p in [
            "tests/hmac.rs",
            "a/testdata/key.pem",
            "src/foo_test.go",
            "test_api.py",
            "web/app.spec.ts",
            "src/test/java/FooTest.java",
            "examples/demo.env",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in [
            "src/main.rs",
            ".env",
            "attestation/latest.json",
            "contest.py",
            "src/Testament.java",
        ] {
            assert!(!is_test_path(p), "{p}");
        }
    }

    #[test]
    fn entropy_of_uniform_bytes() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }
}
