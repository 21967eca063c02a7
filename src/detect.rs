//! The secret engine: keyword prefilter → rule regexes → entropy, placeholder and allowlist
//! filters → inline suppressions → findings with positions, identities and redacted excerpts.
//!
//! One Aho-Corasick automaton holds the keywords of every rule. A file is searched for keywords
//! once; only the rules whose keywords occurred run their regex, and only around the keyword
//! occurrences when the regex's matches have a bounded length. Content is bytes: invalid UTF-8
//! is scanned as it is, and text is decoded (lossily) only for excerpts and identities.

use crate::findings::{mask_secret, Finding, FindingBuilder, Kind, Location};
use crate::prefilter::{follows_word_byte, Hits, KeywordDfa};
use crate::rules::{AfterKeyword, PathSet, Rule, RuleSet, AFTER_KEYWORD_MAX_PATTERNS};
use std::collections::BTreeMap;
use std::time::Instant;

/// The marker that suppresses a finding on its line.
pub const SUPPRESSION_MARKER: &[u8] = b"ferret:allow";

/// How many lines around a match `identity_near` searches.
const IDENTITY_WINDOW_LINES: usize = 5;
/// ...and at most this many bytes on each side, so a file of one huge line costs a bounded
/// search per match rather than a search of the whole file.
const IDENTITY_WINDOW_BYTES: usize = 1024;
/// How much of the line before a secret is read for names of test values (`TEST_KEY =`).
const TEST_NAME_WINDOW_BYTES: usize = 256;
/// The time budget is checked after this many regex matches of one rule (and between rules).
const DEADLINE_CHECK_EVERY: usize = 64;
/// Characters of context kept on each side of a secret in the redacted excerpt.
const EXCERPT_CONTEXT: usize = 60;

/// Engine options that do not come from rules.
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Keep raw secrets in findings (`--show-secrets`).
    pub show_secrets: bool,
    /// Secrets matching any of these are dropped (config `allowlist.regexes`).
    pub allow_secrets: Vec<regex::bytes::Regex>,
    /// At most this many findings per file, the first by position (0: no limit). A file of
    /// hundreds of thousands of tokens is generated data or an attack on the scanner's memory
    /// (each finding costs about a kilobyte); the rest are counted, not built.
    pub max_findings_per_file: usize,
    /// Run each enabled rule over the whole content rather than around its keyword hits.
    /// Slower; the reference that tests hold the windowed search to.
    pub whole_file_search: bool,
}

/// A compiled rule set.
pub struct Engine {
    rules: Vec<Rule>,
    /// Each scanning thread's buffers and search caches, freed with the engine.
    scratch: thread_local::ThreadLocal<std::cell::RefCell<Scratch>>,
    prefilter: KeywordDfa,
    /// Prefilter pattern index → the keyword it finds, and how many bytes after the keyword
    /// end the pattern ([`searched_literals`]).
    searched: Vec<(u32, u8)>,
    /// Keyword index → the rules that keyword enables.
    keyword_rules: Vec<Vec<KeywordRule>>,
    /// The `after_keyword` checks: the regexes of the rules sharing a keyword, tested together
    /// once per occurrence ([`KeywordRule::after`]).
    after_checks: Vec<AfterKeyword>,
    /// Rules with no keywords: they run on every file their `paths` select.
    path_only_rules: PathSet,
    /// Per rule: how far its matches reach from a keyword hit.
    reach: Vec<Reach>,
    /// Per rule: every match starts at a hit of one of its keywords ([`Rule::start_literals`]),
    /// so the regex runs anchored at those hits instead of searching windows.
    anchored: Vec<bool>,
    options: EngineOptions,
}

/// A rule a keyword enables.
#[derive(Debug, Clone, Copy)]
struct KeywordRule {
    rule: usize,
    /// A hit right after a word byte can be dropped for this rule
    /// ([`Rule::needs_word_start`]).
    word_start: bool,
    /// The rule's `after_keyword`: which check tests it, and its bit in the check's answer.
    after: Option<(u32, u8)>,
}

/// A secret match before it becomes a finding.
struct Candidate {
    rule: usize,
    secret_start: usize,
    secret_end: usize,
    /// The whole match: a suppression marker on its first or last line silences it.
    match_start: usize,
    match_end: usize,
    identity: Option<String>,
}

/// What scanning one file produced.
#[derive(Debug, Default)]
pub struct FileScan {
    pub findings: Vec<Finding>,
    /// The time budget ran out before every rule had run over the file: `findings` are the ones
    /// found until then (none is dropped), and the caller reports the file as incompletely scanned.
    pub timed_out: bool,
    /// Findings past `max_findings_per_file`, counted but not reported.
    pub unreported: usize,
    /// Every secret a rule matched, reported or not (suppressed, overlapped, past the limit):
    /// other excerpts of this content mask them ([`MaskSpans`]).
    pub secret_spans: Vec<(usize, usize)>,
}

/// Where one rule's regex must run in one file, and the thread's search caches for the rule.
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
    /// line add nothing. With a name-byte walk ([`Reach::Lines`]'s `names`): where the last
    /// walk reached the end of its lines (0 if it stopped short).
    hit_line_end: usize,
    /// With a name-byte walk: where the last hit (walked or passed over) starts.
    hit_start: usize,
    /// Bytes the name-byte walks of this file have read, bounded by [`WALK_BUDGET_FACTOR`].
    walked: usize,
    /// For windows bounded by non-whitespace bytes: a walk that moves forward with the hits,
    /// so each byte is counted a bounded number of times however many hits there are.
    walk: Option<SpaceWalk>,
    /// For anchored rules: where a match may start, each with where it must end by.
    anchors: Vec<(usize, usize)>,
    /// The sum of those spans: what the anchored searches can cost at most.
    anchor_span: usize,
    /// The search cache of the rule's regex, made on first use and kept from file to file:
    /// searching through a regex's shared pool instead costs a synchronised take and return
    /// per search, and there is a search per keyword hit.
    cache: Option<regex_automata::meta::Cache>,
}

impl RuleHits {
    /// Where a match holding the hit `s..e` can lie for a rule bounded by name bytes
    /// ([`Reach::Lines`]'s `names`), or `None` when the hit adds nothing: its window would lie
    /// inside the last one, or the walks have cost more than a whole search (which the rule
    /// now makes).
    fn names_window(
        &mut self,
        bytes: &[u8],
        s: usize,
        e: usize,
        max: usize,
        lines: usize,
    ) -> Option<(usize, usize)> {
        // On the line of the last hit, from a later start, its walk reaching the end of the
        // lines: the window would lie inside the last one.
        if !self.windows.is_empty()
            && s >= self.hit_start
            && e <= self.hit_line_end
            && memchr::memchr(b'\n', &bytes[self.hit_start..e]).is_none()
        {
            self.hit_start = s;
            return None;
        }
        let walk = names_around(bytes, s, e, max, lines);
        self.walked += (s - walk.lo) + (walk.hi - e);
        // Dense hits on a long line: one search of the whole content costs less than walking
        // on.
        if over_budget(self.walked, bytes.len(), WALK_BUDGET_FACTOR) {
            self.whole = true;
            return None;
        }
        self.hit_start = s;
        self.hit_line_end = if walk.to_lines_end { walk.hi } else { 0 };
        Some((walk.lo, walk.hi))
    }
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
    /// Within `lines` lines of the hit's line (and `len` bytes, when bounded). A match of
    /// unbounded length that holds at most `names` bytes other than name bytes lies within that
    /// many such bytes of the hit: on a long line (a minified bundle, a lockfile) the window is
    /// that stretch instead of the whole line.
    Lines {
        lines: usize,
        len: Option<usize>,
        names: Option<usize>,
    },
    /// Within `max` non-whitespace bytes of the hit (and `len` bytes, when bounded).
    NonSpace { max: usize, len: Option<usize> },
    /// Anywhere: the regex runs over the whole content.
    Anywhere,
}

/// Fewer than one window per this many bytes of content, or the whole content is searched.
const WINDOW_SPACING: usize = 2048;

/// Anchored searches run while the spans they may cover add up to at most this many times the
/// content (plus [`ANCHOR_SPAN_SLACK`]); beyond, one search of the whole content is cheaper in
/// the worst case. Most anchored searches stop a few bytes after the keyword.
const ANCHOR_SPAN_FACTOR: usize = 4;
const ANCHOR_SPAN_SLACK: usize = 1 << 16;
/// Whether `spent` bytes of work on `len` bytes of content exceed `factor` times the content
/// plus [`ANCHOR_SPAN_SLACK`]: one search of the whole content then costs less.
fn over_budget(spent: usize, len: usize, factor: usize) -> bool {
    spent > len.saturating_mul(factor).saturating_add(ANCHOR_SPAN_SLACK)
}

/// Name-byte walks read at most this many times the content (plus [`ANCHOR_SPAN_SLACK`]) per
/// rule; beyond, the rule searches the whole content. Four times cost a 6 MB minified line with
/// 240,000 hits 28% more than whole-line windows; once, 10%.
const WALK_BUDGET_FACTOR: usize = 1;

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
            (_, Some(lines), _) if lines <= MAX_LINE_REACH => Reach::Lines {
                lines,
                len,
                names: rule.max_match_non_name.filter(|_| len.is_none()),
            },
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
    /// Per `after_keyword` check: its search cache, made on first use.
    after_caches: Vec<Option<crate::rules::AfterCache>>,
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
            h.anchors.clear();
            h.anchor_span = 0;
            h.walked = 0;
        }
        self.touched.clear();
        self.keywords.all.clear();
    }
}

/// Give each keyword's rules that have an `after_keyword` one check testing all their regexes
/// in one pass (the generic rules share `pass`, `token`, `secret`…; up to
/// [`AFTER_KEYWORD_MAX_PATTERNS`] per check), set [`KeywordRule::after`], and return the
/// checks. Keywords gating the same rules share a check.
fn group_after_keyword_checks(
    rules: &[Rule],
    keyword_rules: &mut [Vec<KeywordRule>],
) -> Vec<AfterKeyword> {
    let mut checks: Vec<AfterKeyword> = Vec::new();
    let mut check_of: std::collections::HashMap<Vec<usize>, Option<u32>> = Default::default();
    let mut check_for = |group: &[usize]| -> Option<u32> {
        *check_of.entry(group.to_vec()).or_insert_with(|| {
            let own: Vec<&AfterKeyword> = group
                .iter()
                .filter_map(|&r| rules[r].after_keyword.as_ref())
                .collect();
            let check = match own[..] {
                [one] => one.clone(),
                _ => {
                    let sources: Vec<&str> = own
                        .iter()
                        .flat_map(|a| a.sources.iter().map(String::as_str))
                        .collect();
                    AfterKeyword::many(&sources).ok()?
                }
            };
            checks.push(check);
            Some((checks.len() - 1) as u32)
        })
    };
    for entries in keyword_rules.iter_mut() {
        // The rules of a check come one after the other, so a scan runs each check once per
        // occurrence (the order of rules here matters nowhere else).
        entries.sort_by_key(|kr| rules[kr.rule].after_keyword.is_some());
        let first = entries
            .iter()
            .position(|kr| rules[kr.rule].after_keyword.is_some())
            .unwrap_or(entries.len());
        for chunk in entries[first..].chunks_mut(AFTER_KEYWORD_MAX_PATTERNS) {
            let group: Vec<usize> = chunk.iter().map(|kr| kr.rule).collect();
            match check_for(&group) {
                Some(check) => {
                    for (bit, kr) in chunk.iter_mut().enumerate() {
                        kr.after = Some((check, bit as u8));
                    }
                }
                // The regexes together exceed the size limit: each is tested alone.
                None => {
                    for kr in chunk.iter_mut() {
                        kr.after = check_for(&[kr.rule]).map(|check| (check, 0));
                    }
                }
            }
        }
    }
    checks
}

/// Bounds on the strings a keyword is searched with ([`searched_literals`]): how many per
/// keyword, and how long past it. Each string adds states to the prefilter's automaton.
const MAX_REQUIRED_PREFIXES: usize = 32;
const MAX_REQUIRED_PREFIX_LEN: usize = 8;

/// One literal the prefilter searches.
struct SearchedLiteral {
    bytes: Vec<u8>,
    /// Index into the keyword list.
    keyword: u32,
    /// Bytes of the literal after the keyword.
    tail: u8,
}

/// The literals the prefilter searches for the keywords: each keyword itself, or, where every
/// rule it enables has its `after_keyword` tested by one check, the keyword followed by each
/// string one of which begins every match of that check ([`AfterKeyword::required_prefixes`]).
/// Occurrences followed by anything else fail the check, and the automaton then never reports
/// them: `pass` is searched as `password`, `passwd`, `pass"`, `pass =`…, so `passed`,
/// `bypassing` or `compass`, most of its occurrences in code, cost no more than their bytes.
fn searched_literals(
    keywords: &[String],
    keyword_rules: &[Vec<KeywordRule>],
    after_checks: &[AfterKeyword],
) -> Vec<SearchedLiteral> {
    let prefixes_of_check: Vec<Option<Vec<Vec<u8>>>> = after_checks
        .iter()
        .map(|c| c.required_prefixes(MAX_REQUIRED_PREFIXES, MAX_REQUIRED_PREFIX_LEN))
        .collect();
    let mut searched = Vec::new();
    for (k, (keyword, entries)) in keywords.iter().zip(keyword_rules).enumerate() {
        let k = k as u32;
        // Every rule of the keyword tested by the same check.
        let check = entries
            .first()
            .and_then(|kr| kr.after)
            .map(|(check, _)| check)
            .filter(|&check| {
                entries
                    .iter()
                    .all(|kr| kr.after.map(|a| a.0) == Some(check))
            });
        match check.and_then(|c| prefixes_of_check[c as usize].as_ref()) {
            Some(prefixes) => searched.extend(prefixes.iter().map(|p| {
                let tail = p.len() as u8;
                SearchedLiteral {
                    bytes: [keyword.as_bytes(), p].concat(),
                    keyword: k,
                    tail,
                }
            })),
            None => searched.push(SearchedLiteral {
                bytes: keyword.as_bytes().to_vec(),
                keyword: k,
                tail: 0,
            }),
        }
    }
    searched
}

impl Engine {
    pub fn new(set: RuleSet, options: EngineOptions) -> Engine {
        let rules = set.rules;
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<KeywordRule>> = Vec::new();
        let mut path_only_rules = Vec::new();
        let mut anchored = Vec::with_capacity(rules.len());
        for (i, rule) in rules.iter().enumerate() {
            if rule.keywords.is_empty() {
                path_only_rules.push(i);
            }
            // A keyword that begins one of the strings every match starts with: its hits are
            // the places a match can start.
            let starts_match = |k: &str| {
                rule.start_literals
                    .as_ref()
                    .is_some_and(|ls| ls.iter().any(|l| l.starts_with(k.as_bytes())))
            };
            let is_anchored = !options.whole_file_search && rule.starts_at_keywords();
            anchored.push(is_anchored);
            for k in &rule.keywords {
                // Hits of other keywords of an anchored rule start no match.
                if is_anchored && !starts_match(k) {
                    continue;
                }
                // A hit after a word byte starts no match, and the match's own hit is kept
                // (the whole-file reference keeps them all).
                let word_start = !options.whole_file_search && rule.needs_word_start(k);
                let entry = KeywordRule {
                    rule: i,
                    word_start,
                    after: None,
                };
                match patterns.iter().position(|p| p == k) {
                    Some(pos) => keyword_rules[pos].push(entry),
                    None => {
                        patterns.push(k.clone());
                        keyword_rules.push(vec![entry]);
                    }
                }
            }
        }
        let after_checks = if options.whole_file_search {
            Vec::new()
        } else {
            group_after_keyword_checks(&rules, &mut keyword_rules)
        };
        let searched = searched_literals(&patterns, &keyword_rules, &after_checks);
        // A keyword whose every rule needs a word start is not reported after a word byte.
        let word_start: Vec<bool> = searched
            .iter()
            .map(|lit| {
                keyword_rules[lit.keyword as usize]
                    .iter()
                    .all(|kr| kr.word_start)
            })
            .collect();
        let literals: Vec<&[u8]> = searched.iter().map(|lit| lit.bytes.as_slice()).collect();
        let prefilter = KeywordDfa::with_word_starts(&literals, &word_start);
        let searched = searched
            .into_iter()
            .map(|lit| (lit.keyword, lit.tail))
            .collect();
        let path_only_rules = PathSet::new(&rules, &path_only_rules);
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
            scratch: thread_local::ThreadLocal::new(),
            prefilter,
            searched,
            keyword_rules,
            after_checks,
            path_only_rules,
            reach,
            anchored,
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
            after_caches,
        } = scratch;
        if after_caches.len() < self.after_checks.len() {
            after_caches.resize_with(self.after_checks.len(), || None);
        }
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
                let (keyword, tail) = self.searched[m.pattern as usize];
                let (s, e) = (m.start, m.end - usize::from(tail));
                let after_word = follows_word_byte(bytes, s);
                // The last after_keyword check run for this occurrence, and its answer: the
                // rules of one check are listed together.
                let mut checked: Option<(u32, u64)> = None;
                for kr in &self.keyword_rules[keyword as usize] {
                    // The prefilter drops these hits only for keywords whose every rule needs a
                    // word start.
                    if kr.word_start && after_word {
                        continue;
                    }
                    if let Some((check, bit)) = kr.after {
                        let passed = match checked {
                            Some((c, passed)) if c == check => passed,
                            _ => {
                                let after = &self.after_checks[check as usize];
                                let cache = after_caches[check as usize]
                                    .get_or_insert_with(|| after.create_cache());
                                let passed = after.matching_at_start(&bytes[e..], cache);
                                checked = Some((check, passed));
                                passed
                            }
                        };
                        if passed >> bit & 1 == 0 {
                            continue;
                        }
                    }
                    let r = kr.rule;
                    enable(r, hits);
                    let h = &mut hits[r];
                    if h.whole || h.off {
                        continue;
                    }
                    if self.anchored[r] {
                        let end = self.rules[r]
                            .max_match_len
                            .map_or(bytes.len(), |l| s.saturating_add(l).min(bytes.len()));
                        h.anchor_span = h.anchor_span.saturating_add(end - s);
                        if over_budget(h.anchor_span, bytes.len(), ANCHOR_SPAN_FACTOR) {
                            h.whole = true;
                        } else {
                            h.anchors.push((s, end));
                        }
                        continue;
                    }
                    let (lo, hi) = match self.reach[r] {
                        Reach::Bytes(len) => (
                            e.saturating_sub(len),
                            s.saturating_add(len).min(bytes.len()),
                        ),
                        Reach::Lines { lines, len, names } => {
                            // Without a bound, later hits on the same line add nothing (with
                            // one, the line may be longer than the window).
                            if len.is_none() && names.is_none() {
                                if !h.windows.is_empty() && e <= h.hit_line_end {
                                    continue;
                                }
                                h.hit_line_end = line_end(bytes, e - 1);
                            }
                            let (floor, ceiling) = match names {
                                Some(max) => match h.names_window(bytes, s, e, max, lines) {
                                    Some(stretch) => stretch,
                                    None => continue,
                                },
                                None => (
                                    len.map_or(0, |l| e.saturating_sub(l)),
                                    len.map_or(bytes.len(), |l| (s + l).min(bytes.len())),
                                ),
                            };
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
                    // A rule whose longest match is shorter than its keyword yields lo > hi
                    // above; every window at least covers the keyword hit itself.
                    let (lo, hi) = (lo.min(s), hi.max(e).min(bytes.len()));
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
        self.path_only_rules.each_applying(&self.rules, path, |r| {
            let h = &mut hits[r];
            // Enabled by nothing else: these rules have no keywords.
            h.enabled = true;
            h.off = false;
            h.whole = true;
            touched.push(r);
        });
        // Window starts almost always ascend with the hits; where a keyword containing the
        // previous one moved a start back, restore order.
        for &r in touched.iter() {
            // Hits come in order of their ends: keywords of different lengths can put starts
            // out of order.
            let a = &mut hits[r].anchors;
            if a.windows(2).any(|p| p[1].0 <= p[0].0) {
                a.sort_unstable();
                a.dedup_by(|later, earlier| {
                    let same = later.0 == earlier.0;
                    if same {
                        earlier.1 = earlier.1.max(later.1);
                    }
                    same
                });
            }
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
        self.scan_until(path, bytes, None).findings
    }

    /// [`Engine::scan`] with a time budget: once `deadline` passes, no further rule runs (it is
    /// checked between rules and every few matches). Every candidate found until then still
    /// becomes a finding; building findings is linear in the file and the matches, so it is not
    /// cut short.
    pub fn scan_until(&self, path: &str, bytes: &[u8], deadline: Option<Instant>) -> FileScan {
        let mut candidates = Vec::new();
        let mut timed_out = false;
        let compiled_before = crate::rules::compile_time_on_this_thread();
        {
            let mut guard = self.scratch.get_or_default().borrow_mut();
            let scratch = &mut *guard;
            // A panic in an earlier scan on this thread (caught by the source) may have left
            // state behind.
            scratch.reset();
            self.collect_hits(path, bytes, scratch);
            // Rule order, so candidates (and so overlap resolution ties) do not depend on
            // where keywords happened to occur.
            scratch.touched.sort_unstable();
            let Scratch { hits, touched, .. } = scratch;
            for &r in touched.iter() {
                let h = &mut hits[r];
                if h.off {
                    continue;
                }
                // Regexes compile on first use; the budget is for scanning this file.
                self.rules[r].regex();
                let deadline = deadline.map(|d| {
                    d + crate::rules::compile_time_on_this_thread().saturating_sub(compiled_before)
                });
                if past(deadline) {
                    timed_out = true;
                    break;
                }
                // Windows that cover most of the content, or many small ones, cost more than one
                // search of the whole content, which finds the same matches.
                let covered: usize = h.windows.iter().map(|(lo, hi)| hi - lo).sum();
                let cache = h
                    .cache
                    .get_or_insert_with(|| self.rules[r].regex().create_cache());
                let finished = if !h.whole && self.anchored[r] {
                    self.run_anchored(r, bytes, &h.anchors, cache, &mut candidates, deadline)
                } else if h.whole
                    || covered > bytes.len() / 2
                    || h.windows.len() > bytes.len() / WINDOW_SPACING
                {
                    let whole = [(0, bytes.len())];
                    self.run_rule(r, bytes, &whole, cache, &mut candidates, deadline)
                } else {
                    self.run_rule(r, bytes, &h.windows, cache, &mut candidates, deadline)
                };
                if !finished {
                    timed_out = true;
                    break;
                }
            }
            scratch.reset();
        }
        let secret_spans = candidates
            .iter()
            .map(|c| (c.secret_start, c.secret_end))
            .collect();
        let (findings, unreported) = if candidates.is_empty() {
            (Vec::new(), 0)
        } else {
            self.build_findings(path, bytes, candidates)
        };
        FileScan {
            findings,
            timed_out,
            unreported,
            secret_spans,
        }
    }

    /// Run rule `r` over each window `bytes[lo..hi]`; look-around assertions see the whole
    /// content, so a match found in a window is exactly the match a search of the whole content
    /// finds there. False when the deadline passed before the rule finished (checked every
    /// [`DEADLINE_CHECK_EVERY`] matches).
    fn run_rule(
        &self,
        r: usize,
        bytes: &[u8],
        windows: &[(usize, usize)],
        cache: &mut regex_automata::meta::Cache,
        out: &mut Vec<Candidate>,
        deadline: Option<Instant>,
    ) -> bool {
        let re = self.rules[r].regex();
        let mut caps = re.create_captures();
        let mut matches = 0usize;
        for &(lo, hi) in windows {
            let mut input = regex_automata::Input::new(bytes).range(lo..hi);
            loop {
                re.search_captures_with(cache, &input, &mut caps);
                let Some(whole) = caps.get_match() else {
                    break;
                };
                matches += 1;
                if matches.is_multiple_of(DEADLINE_CHECK_EVERY) && past(deadline) {
                    return false;
                }
                // Step over empty matches the way the regex crate's iterators do.
                let next = if whole.is_empty() {
                    whole.end() + 1
                } else {
                    whole.end()
                };
                self.check_match(r, bytes, &caps, out);
                if next > hi {
                    break;
                }
                input.set_start(next);
            }
        }
        true
    }

    /// Run rule `r` anchored at each possible match start, in ascending order, the way a
    /// search of the whole content steps through it: a start inside the previous match is
    /// skipped, and at a start the search finds the match a whole-content search finds there
    /// (its leftmost-first preference among matches starting at one position is the same).
    /// False when the deadline passed.
    fn run_anchored(
        &self,
        r: usize,
        bytes: &[u8],
        anchors: &[(usize, usize)],
        cache: &mut regex_automata::meta::Cache,
        out: &mut Vec<Candidate>,
        deadline: Option<Instant>,
    ) -> bool {
        let re = self.rules[r].regex();
        let mut caps = re.create_captures();
        let mut resume = 0;
        for (i, &(start, end)) in anchors.iter().enumerate() {
            if start < resume {
                continue;
            }
            if i % DEADLINE_CHECK_EVERY == DEADLINE_CHECK_EVERY - 1 && past(deadline) {
                return false;
            }
            let input = regex_automata::Input::new(bytes)
                .range(start..end)
                .anchored(regex_automata::Anchored::Yes);
            // Most hits start no match: a DFA pass alone says so, without setting up captures.
            if re
                .search_half_with(cache, &input.clone().earliest(true))
                .is_none()
            {
                continue;
            }
            re.search_captures_with(cache, &input, &mut caps);
            if let Some(m) = caps.get_match() {
                // Start literals are never empty, so neither is a match.
                resume = m.end();
                self.check_match(r, bytes, &caps, out);
            }
        }
        true
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
        let identity = self.identity_for(rule, caps, bytes, secret.range());
        out.push(Candidate {
            rule: r,
            secret_start: secret.start,
            secret_end: secret.end,
            match_start: whole.start(),
            match_end: whole.end(),
            identity,
        });
    }

    /// The identity of the secret at `secret`: the closest `identity_near` match, else the
    /// `identity` template filled from the match's groups.
    fn identity_for(
        &self,
        rule: &Rule,
        caps: &regex_automata::util::captures::Captures,
        bytes: &[u8],
        secret: std::ops::Range<usize>,
    ) -> Option<String> {
        if let Some(near) = &rule.identity_near {
            let at = secret.start;
            let (lo, hi) = line_window(bytes, at, IDENTITY_WINDOW_LINES, IDENTITY_WINDOW_BYTES);
            let window = &bytes[lo..hi];
            // Prefer the closest occurrence to the secret.
            let mut best: Option<(usize, String)> = None;
            for c in near.get().captures_iter(window) {
                let m = c.name("identity").or_else(|| c.get(0)).expect("group 0");
                // Identities are shown in clear, and a key-id pattern (`[A-Z0-9]{20}`) can
                // match the head of the secret itself: such a match is passed over. Other
                // secrets are not: a key id is reported as a secret too, and it is exactly
                // what names the secret beside it.
                if lo + m.start() < secret.end && secret.start < lo + m.end() {
                    continue;
                }
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

    /// Everything here is linear in the content plus n·log n in the candidates: a file of one
    /// enormous line holding many secrets must not cost a scan of the line per secret.
    fn build_findings(
        &self,
        path: &str,
        bytes: &[u8],
        cands: Vec<Candidate>,
    ) -> (Vec<Finding>, usize) {
        // Every secret span, suppressed or not, is masked in every excerpt of this file.
        let masks = MaskSpans::new(bytes, cands.iter().map(|c| (c.secret_start, c.secret_end)));
        // Identities are shown in clear; one filled from a match's groups can hold another
        // secret (a token as the user of a URL). Secrets that name themselves (key ids, whose
        // identity is the key id) stay readable there.
        let in_identities = if cands.iter().any(|c| c.identity.is_some()) {
            MaskSpans::new(
                bytes,
                cands
                    .iter()
                    .filter(|c| {
                        c.identity.as_deref().map(str::as_bytes)
                            != Some(&bytes[c.secret_start..c.secret_end])
                    })
                    .map(|c| (c.secret_start, c.secret_end)),
            )
        } else {
            MaskSpans::default()
        };
        let mut offsets: Vec<usize> = Vec::with_capacity(cands.len() * 4);
        for c in &cands {
            offsets.push(c.match_start);
            offsets.push(last_byte(c.match_start, c.match_end));
            offsets.push(c.secret_start);
            offsets.push(last_char_start(bytes, c.secret_start, c.secret_end));
        }
        let lines = LineIndex::compute(bytes, offsets);
        let markers: Vec<usize> = memchr::memmem::find_iter(bytes, SUPPRESSION_MARKER).collect();
        let has_marker = |at: usize| {
            let p = lines.get(at);
            let i = markers.partition_point(|&m| m < p.start);
            markers
                .get(i)
                .is_some_and(|&m| m + SUPPRESSION_MARKER.len() <= p.end)
        };
        let cands: Vec<Candidate> = cands
            .into_iter()
            .filter(|c| {
                !has_marker(c.match_start) && !has_marker(last_byte(c.match_start, c.match_end))
            })
            .collect();
        let mut cands = self.resolve_overlaps(cands);
        let limit = match self.options.max_findings_per_file {
            0 => usize::MAX,
            n => n,
        };
        let unreported = cands.len().saturating_sub(limit);
        cands.truncate(limit);
        let mut findings = Vec::with_capacity(cands.len());
        for c in cands {
            let rule = &self.rules[c.rule];
            let start = lines.get(c.secret_start);
            let last = lines.get(last_char_start(bytes, c.secret_start, c.secret_end));
            let location = Location {
                path: path.to_string(),
                line: start.line,
                column: start.column,
                end_line: last.line,
                end_column: last.column + 1,
            };
            let secret = &bytes[c.secret_start..c.secret_end];
            let excerpt = excerpt(
                bytes,
                c.secret_start,
                (start.start, start.end),
                &masks,
                self.options.show_secrets,
            );
            let name_from = c
                .secret_start
                .saturating_sub(TEST_NAME_WINDOW_BYTES)
                .max(start.start);
            let test_context =
                is_test_path(path) || names_test_value(&bytes[name_from..c.secret_start]);
            let identity = match c.identity {
                Some(id) if !self.options.show_secrets => Some(in_identities.redact_text(&id)),
                id => id,
            };
            let message = match &identity {
                Some(id) => format!("{} ({id})", rule.name),
                None => rule.name.clone(),
            };
            findings.push(
                FindingBuilder::new(&rule.id, Kind::Secret, &rule.name, location)
                    .severity(rule.severity)
                    .confidence(rule.confidence)
                    .message(message)
                    .identity(identity)
                    .redacted(excerpt)
                    .tags(rule.tags.iter())
                    .tags(test_context.then_some(TEST_CONTEXT_TAG))
                    .secret(secret, self.options.show_secrets)
                    .build(),
            );
        }
        (findings, unreported)
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
        // Kept spans never overlap one another, so the kept span starting last before a
        // candidate's end is the only one that can overlap it: a map lookup, not a scan.
        let mut taken: BTreeMap<usize, usize> = BTreeMap::new();
        let mut kept: Vec<Candidate> = Vec::with_capacity(cands.len());
        for c in cands {
            let overlaps = taken
                .range(..c.secret_end)
                .next_back()
                .is_some_and(|(_, &end)| end > c.secret_start);
            if !overlaps {
                taken.insert(c.secret_start, c.secret_end);
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

/// Keys that vendors publish for their local emulators: every installation accepts them, they
/// open nothing but a developer's emulator, and they stand in code and config everywhere.
const PUBLISHED_EMULATOR_KEYS: &[&[u8]] = &[
    // Azurite and the Azure Storage Emulator (account devstoreaccount1).
    b"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==", // ferret:allow (published emulator key)
    // The Azure Cosmos DB emulator.
    b"C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==", // ferret:allow (published emulator key)
];

/// Values that documentation uses in place of a real credential, for every rule: providers'
/// published samples (AWS's `AKIAIOSFODNN7EXAMPLE`), masked values (`xxxxxxxx`, `********`), and
/// the published keys of local emulators. A random token contains none of these by chance.
pub fn is_documentation_value(value: &[u8]) -> bool {
    let finder = |needle: &[u8]| {
        value
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
    };
    finder(b"example")
        || finder(b"xxxxxxxx")
        || finder(b"********")
        || PUBLISHED_EMULATOR_KEYS.contains(&value)
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
        // A value masked for display (`ghp_***`, `abc***REDACTED***`).
        "***",
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

/// Where [`names_around`] stopped, and whether the forward walk reached the end of the lines
/// it may cover (rather than the byte budget): a later hit on them then adds nothing.
#[derive(Debug, PartialEq, Eq)]
struct NamesWalk {
    lo: usize,
    hi: usize,
    to_lines_end: bool,
}

/// The stretch around `s..e` within `max` bytes other than name bytes of it on each side, and
/// within `lines` lines of its line: every match holding the hit with at most `max` such
/// bytes and `lines` line feeds lies in it. The walk stops at those lines' ends, so it reads
/// no more than they hold.
fn names_around(bytes: &[u8], s: usize, e: usize, max: usize, lines: usize) -> NamesWalk {
    // One step of a walk over `b`: false where the walk stops before it.
    let step = |b: u8, count: &mut usize, feeds: &mut usize| {
        if b == b'\n' {
            if *feeds == lines {
                return false;
            }
            *feeds += 1;
        }
        if !crate::rules::is_name_byte(b) {
            if *count == max {
                return false;
            }
            *count += 1;
        }
        true
    };
    let (mut lo, mut count, mut feeds) = (s, 0, 0);
    while lo > 0 && step(bytes[lo - 1], &mut count, &mut feeds) {
        lo -= 1;
    }
    let (mut hi, mut count, mut feeds) = (e, 0, 0);
    while hi < bytes.len() && step(bytes[hi], &mut count, &mut feeds) {
        hi += 1;
    }
    NamesWalk {
        lo,
        hi,
        to_lines_end: hi == bytes.len() || bytes[hi] == b'\n',
    }
}

/// End (the line feed's offset, or the end of the content) of the line holding `at`.
fn line_end(bytes: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |p| at + p)
}

fn past(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Offset of the last byte of a non-empty range (or `start` for an empty one).
fn last_byte(start: usize, end: usize) -> usize {
    end.saturating_sub(1).max(start)
}

/// Byte range covering `lines` lines before and after the line holding `at`, and no more than
/// `max_bytes` on either side.
fn line_window(bytes: &[u8], at: usize, lines: usize, max_bytes: usize) -> (usize, usize) {
    let floor = at.saturating_sub(max_bytes);
    let ceil = at.saturating_add(max_bytes).min(bytes.len());
    let lo = memchr::memrchr_iter(b'\n', &bytes[floor..at])
        .nth(lines)
        .map_or(floor, |p| floor + p + 1);
    let hi = memchr::memchr_iter(b'\n', &bytes[at..ceil])
        .nth(lines)
        .map_or(ceil, |p| at + p);
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

/// Start of the last UTF-8 character of `bytes[start..end]`.
fn last_char_start(bytes: &[u8], start: usize, end: usize) -> usize {
    let mut i = end.saturating_sub(1).max(start);
    while i > start && (bytes[i] & 0xC0) == 0x80 {
        i -= 1;
    }
    i
}

/// Where an offset sits: 1-based line and column (columns in Unicode code points) and the
/// byte range of its line, without the newline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct LinePos {
    line: u32,
    column: u32,
    start: usize,
    end: usize,
}

/// [`LinePos`] of a set of offsets, computed in one forward pass over the content however many
/// offsets there are and however long their lines: columns are counted from the previous offset
/// on the same line, and each line's end is searched for once.
struct LineIndex {
    sorted: Vec<(usize, LinePos)>,
}

impl LineIndex {
    fn compute(bytes: &[u8], mut offsets: Vec<usize>) -> LineIndex {
        offsets.sort_unstable();
        offsets.dedup();
        let mut out = Vec::with_capacity(offsets.len());
        let mut line = 1u32;
        let mut line_start = 0usize;
        let mut line_end: Option<usize> = None;
        // Every byte before `cursor` has been looked at; `cursor_col` is its column.
        let mut cursor = 0usize;
        let mut cursor_col = 1u32;
        for off in offsets {
            let off = off.min(bytes.len());
            let mut newlines = 0u32;
            let mut last_nl = None;
            for nl in memchr::memchr_iter(b'\n', &bytes[cursor..off]) {
                newlines += 1;
                last_nl = Some(cursor + nl);
            }
            let (base, base_col) = match last_nl {
                Some(nl) => {
                    line = line.saturating_add(newlines);
                    line_start = nl + 1;
                    line_end = None;
                    (line_start, 1)
                }
                None => (cursor, cursor_col),
            };
            let column = base_col.saturating_add(
                bytes[base..off]
                    .iter()
                    .filter(|&&b| (b & 0xC0) != 0x80)
                    .count() as u32,
            );
            let end = *line_end.get_or_insert_with(|| {
                memchr::memchr(b'\n', &bytes[off..]).map_or(bytes.len(), |p| off + p)
            });
            cursor = off;
            cursor_col = column;
            out.push((
                off,
                LinePos {
                    line,
                    column,
                    start: line_start,
                    end,
                },
            ));
        }
        LineIndex { sorted: out }
    }

    fn get(&self, off: usize) -> LinePos {
        let i = self
            .sorted
            .binary_search_by_key(&off, |(o, _)| *o)
            .expect("position computed");
        self.sorted[i].1
    }
}

/// The secret spans of one content, sorted by start, masked in every excerpt of it
/// ([`masked`]). `reach[i]` is the furthest end among the first `i + 1` spans, so what spans
/// starting before a window cover of it is one lookup.
#[derive(Default)]
pub struct MaskSpans {
    spans: Vec<(usize, usize)>,
    reach: Vec<usize>,
    /// The secrets' values (those of at least [`MIN_ECHO_LEN`] bytes), whose copies are masked
    /// wherever they show, matched by a rule or not.
    echoes: Echoes,
    longest_echo: usize,
}

/// How copies of secret values are looked for.
#[derive(Default)]
enum Echoes {
    #[default]
    None,
    /// A few values, longest first, each searched on its own: most files with findings have
    /// a few, and building an automaton for them cost more than the searches.
    Few(Vec<Vec<u8>>),
    /// Leftmost-longest: one pass finds each copy once, however many values repeat one
    /// another.
    Many(aho_corasick::AhoCorasick),
}

/// Up to this many distinct values are searched one by one ([`Echoes::Few`]).
const FEW_ECHOES: usize = 8;

impl MaskSpans {
    pub fn new(bytes: &[u8], spans: impl Iterator<Item = (usize, usize)>) -> MaskSpans {
        let mut spans: Vec<(usize, usize)> = spans.collect();
        spans.sort_unstable();
        let reach = spans
            .iter()
            .scan(0usize, |r, &(_, e)| {
                *r = (*r).max(e);
                Some(*r)
            })
            .collect();
        let mut values: Vec<&[u8]> = spans
            .iter()
            .filter_map(|&(s, e)| bytes.get(s..e))
            .filter(|v| v.len() >= MIN_ECHO_LEN)
            .collect();
        values.sort_unstable();
        values.dedup();
        let longest_echo = values.iter().map(|v| v.len()).max().unwrap_or(0);
        let echoes = match values.len() {
            0 => Echoes::None,
            n if n <= FEW_ECHOES => {
                values.sort_unstable_by_key(|v| std::cmp::Reverse(v.len()));
                Echoes::Few(values.iter().map(|v| v.to_vec()).collect())
            }
            // Building fails only past the automaton's size limits: spans are still masked,
            // copies of values are then not.
            _ => aho_corasick::AhoCorasick::builder()
                .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                .build(&values)
                .map_or(Echoes::None, Echoes::Many),
        };
        MaskSpans {
            spans,
            reach,
            echoes,
            longest_echo,
        }
    }

    /// `text` (a message or an identity quoting the content) with every copy of a secret value
    /// masked.
    pub fn redact_text(&self, text: &str) -> String {
        let mut cover = Vec::new();
        self.copies_in(text.as_bytes(), |s, e| cover.push((s, e, false)));
        if cover.is_empty() {
            return text.to_string();
        }
        with_covered_masked(text.as_bytes(), 0, text.len(), cover)
    }

    /// Every copy of a secret value in `hay`, as (start, end).
    fn copies_in(&self, hay: &[u8], mut found: impl FnMut(usize, usize)) {
        match &self.echoes {
            Echoes::None => {}
            Echoes::Few(values) => {
                for v in values {
                    for at in memchr::memmem::find_iter(hay, v) {
                        found(at, at + v.len());
                    }
                }
            }
            Echoes::Many(echoes) => {
                for m in echoes.find_iter(hay) {
                    found(m.start(), m.end());
                }
            }
        }
    }

    /// End of the masked run covering `lo` from spans that start before it (`lo` if none).
    fn covered_from_before(&self, lo: usize) -> usize {
        let i = self.spans.partition_point(|&(s, _)| s < lo);
        if i == 0 {
            lo
        } else {
            self.reach[i - 1].max(lo)
        }
    }

    /// Spans starting in `[lo, hi)`, in order.
    fn starting_in(&self, lo: usize, hi: usize) -> &[(usize, usize)] {
        let a = self.spans.partition_point(|&(s, _)| s < lo);
        let b = self.spans.partition_point(|&(s, _)| s < hi);
        &self.spans[a..b]
    }

    /// The longest span starting at `at` ends here (`at` if none).
    fn end_of_longest_at(&self, at: usize) -> usize {
        self.starting_in(at, at + 1)
            .iter()
            .map(|&(_, e)| e)
            .max()
            .unwrap_or(at)
    }
}

/// The line holding the secret (`line` is its byte range), trimmed to a window around it, with
/// every secret span masked.
fn excerpt(bytes: &[u8], at: usize, line: (usize, usize), masks: &MaskSpans, show: bool) -> String {
    let (ls, le) = line;
    // Window in bytes, widened to character boundaries.
    let mut lo = at.saturating_sub(EXCERPT_CONTEXT * 2).max(ls);
    while lo > ls && (bytes[lo] & 0xC0) == 0x80 {
        lo -= 1;
    }
    let secret_end = masks.end_of_longest_at(at);
    let mut hi = (secret_end.min(le) + EXCERPT_CONTEXT * 2).min(le);
    while hi < le && (bytes[hi] & 0xC0) == 0x80 {
        hi += 1;
    }
    let mut out = String::new();
    if lo > ls {
        out.push('…');
    }
    if show {
        out.push_str(&String::from_utf8_lossy(&bytes[lo..hi]));
    } else {
        out.push_str(&masked(bytes, lo, hi, masks));
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

/// The most characters of a line an excerpt of a whole line shows ([`redact_line`]).
const LINE_EXCERPT_CHARS: usize = 200;

/// A whole line as an excerpt (grant findings point at lines, not at secrets): trimmed, at
/// most [`LINE_EXCERPT_CHARS`] characters, every secret in `masks` masked as [`excerpt`] masks
/// them. `line` is the line's byte range, without its line break.
pub fn redact_line(bytes: &[u8], line: (usize, usize), masks: &MaskSpans) -> String {
    let (mut lo, mut hi) = line;
    while lo < hi && bytes[lo].is_ascii_whitespace() {
        lo += 1;
    }
    // No more than the shown characters can take (four bytes each), so a minified file's long
    // line costs the same as a short one.
    hi = hi.min(lo.saturating_add(LINE_EXCERPT_CHARS * 4 + 4));
    while hi < line.1 && (bytes[hi] & 0xC0) == 0x80 {
        hi += 1;
    }
    let text = masked(bytes, lo, hi, masks);
    let text: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    if text.chars().count() > LINE_EXCERPT_CHARS {
        let mut cut: String = text.chars().take(LINE_EXCERPT_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        text.to_string()
    }
}

/// How far past an excerpt's edges copies of secret values are looked for.
const MAX_ECHO_REACH: usize = EXCERPT_CONTEXT * 4;

/// Secret values shorter than this are not searched for elsewhere in an excerpt.
const MIN_ECHO_LEN: usize = 4;

/// `bytes[lo..hi]` with every secret span that reaches into it masked, and every copy there
/// of those secrets' values too, whole or cut by the window's edges: the same password written
/// twice (`-p hunter22 ... # hunter22`, or echoed on another line) must not show in clear
/// where no rule matched it.
fn masked(bytes: &[u8], lo: usize, hi: usize, masks: &MaskSpans) -> String {
    // (start, end, whether the masked text may keep the secret's public prefix)
    let mut cover: Vec<(usize, usize, bool)> = Vec::new();
    let before = masks.covered_from_before(lo).min(hi);
    if before > lo {
        cover.push((lo, before, false));
    }
    let inside = masks.starting_in(lo, hi);
    cover.extend(inside.iter().map(|&(s, e)| (s, e, true)));
    if masks.longest_echo > 0 {
        // Copies cut by the window's edges too, as far out as an excerpt reaches (a longer
        // secret is a key or certificate block, whose lines are masked as one span).
        let reach = masks.longest_echo.min(MAX_ECHO_REACH) - 1;
        let from = lo.saturating_sub(reach);
        let to = hi.saturating_add(reach).min(bytes.len());
        masks.copies_in(&bytes[from..to], |s, e| {
            let (s, e) = (from + s, from + e);
            if e > lo && s < hi {
                cover.push((s, e, false));
            }
        });
    }
    with_covered_masked(bytes, lo, hi, cover)
}

/// `bytes[lo..hi]` with each `(start, end, keep_prefix)` of `cover` masked: as
/// [`mask_secret`] does where the public prefix may stay, else whole. Overlapping spans are
/// masked once, the longest at a start first.
fn with_covered_masked(
    bytes: &[u8],
    lo: usize,
    hi: usize,
    mut cover: Vec<(usize, usize, bool)>,
) -> String {
    cover.sort_unstable_by_key(|&(s, e, keep)| (s, !keep, std::cmp::Reverse(e)));
    let mut out = String::new();
    let mut cursor = lo;
    for (s, e, keep_prefix) in cover {
        if cursor >= hi {
            break;
        }
        if e <= cursor {
            continue;
        }
        let from = s.max(cursor);
        out.push_str(&String::from_utf8_lossy(&bytes[cursor..from]));
        if keep_prefix && s >= cursor {
            out.push_str(&mask_secret(&String::from_utf8_lossy(&bytes[s..e])));
        } else {
            out.push_str("***REDACTED***");
        }
        cursor = e.min(hi);
    }
    if cursor < hi {
        out.push_str(&String::from_utf8_lossy(&bytes[cursor..hi]));
    }
    out
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

    /// The reference the windowed search is held to: every enabled rule over the whole content.
    fn whole_content_engine(rules: &str) -> Engine {
        let mut set = RuleSet::default();
        set.add_file_text("t", rules).unwrap();
        Engine::new(
            set,
            EngineOptions {
                whole_file_search: true,
                ..EngineOptions::default()
            },
        )
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
        // Masked for display, as logs and docs show a value (found by fuzzing).
        assert!(e.scan("a", b"password = ghp***REDACT9").is_empty());
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

    /// A secret pair like AWS's: the key id is reported as a secret named by itself, and names
    /// the secret beside it.
    const PAIR_RULES: &str = r#"
[[rules]]
id = "pair-key-id"
name = "Pair key id"
description = "d"
keywords = ["pkid"]
regex = '''\b(?P<secret>(?P<keyid>PKID[A-Z0-9]{8}))\b'''
identity = "{keyid}"
severity = "medium"
confidence = "high"

[[rules]]
id = "pair-secret"
name = "Pair secret"
description = "d"
keywords = ["pair_secret"]
regex = '''pair_secret=(?P<secret>[A-Za-z0-9/]{24})'''
severity = "high"
confidence = "high"
identity_near = '''pair_\w*=(?P<identity>[A-Z0-9]{12})\b'''
"#;

    #[test]
    fn identity_near_skips_matches_inside_the_secret() {
        let e = engine(PAIR_RULES);
        // The secret starts with 12 capitals and digits and a `/`: the key-id pattern matches
        // its head, closer than the key id.
        let f = e.scan(
            "a",
            b"pair_key=PKID12345678\n\npair_secret=Q7V2LM9XKP4R/cY3dH6jF0sA\n",
        );
        assert_eq!(f.len(), 2);
        for x in &f {
            assert_eq!(x.identity.as_deref(), Some("PKID12345678"), "{}", x.rule_id);
            assert!(!x.message.contains("Q7V2LM9XKP4R"), "{}", x.message);
        }
        // Nothing else matches: no identity rather than the head of the secret.
        let f = e.scan("a", b"pair_secret=Q7V2LM9XKP4R/cY3dH6jF0sA\n");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].identity, None);
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
    fn excerpt_masks_other_occurrences_of_the_secret_on_the_line() {
        let e = engine(RULES);
        let f = e.scan(
            "a",
            b"x demo_abcd1234 # rotated? old value was abcd1234, demo_abcd1234z",
        );
        assert_eq!(f.len(), 1);
        let r = &f[0].redacted;
        assert!(!r.contains("demo_abcd1234"), "{r}");
        assert_eq!(r.matches("***REDACTED***").count(), 2, "{r}");
    }

    #[test]
    fn excerpt_masks_copies_of_secrets_found_anywhere_in_the_content() {
        let e = engine(RULES);
        let pw = "Xq7Lm2Rt9Vb4Nz8KpW3";
        let shown =
            |f: &[Finding]| -> Vec<String> { f.iter().map(|x| x.redacted.clone()).collect() };
        // Echoed on another line, next to a secret of its own.
        let text = format!("password = {pw}\necho {pw} | login demo_abcd1234\n");
        let f = e.scan("a", text.as_bytes());
        assert_eq!(f.len(), 2);
        assert_eq!(
            f[1].redacted,
            "echo ***REDACTED*** | login dem***REDACTED***"
        );
        // Further along the line than the excerpt's context, and cut by the excerpt's edges.
        for gap in 100..=140 {
            let text = format!(
                "password = {pw} {} {pw} demo_abcd1234 tail",
                "y".repeat(gap)
            );
            for x in shown(&e.scan("a", text.as_bytes())) {
                assert!(
                    !x.contains(&pw[..4]) || x.starts_with("password = Xq7"),
                    "{x}"
                );
                assert!(!x.contains(&pw[pw.len() - 4..]), "{x}");
            }
        }
    }

    #[test]
    fn identities_mask_other_secrets_they_hold() {
        let rules = r#"
[[rules]]
id = "tok"
name = "Token"
description = "d"
keywords = ["tok_"]
regex = '''\b(?P<secret>tok_[a-z0-9]{12})\b'''
severity = "high"
confidence = "high"

[[rules]]
id = "url"
name = "URL password"
description = "d"
keywords = ["://"]
regex = '''https://(?P<user>[a-z0-9_]+):(?P<secret>[a-z0-9]{10})@(?P<host>[a-z.]+)'''
identity = "{user}@{host}"
severity = "high"
confidence = "high"
"#;
        let e = engine(rules);
        let line = b"https://tok_abcdef123456:pw9x8y7z6w@git.example.com\n"; // ferret:allow
        let f = e.scan("a", line);
        let url = f.iter().find(|x| x.rule_id == "url").expect("url finding");
        assert_eq!(
            url.identity.as_deref(),
            Some("***REDACTED***@git.example.com")
        );
        assert!(!url.message.contains("abcdef123456"), "{}", url.message);
    }

    #[test]
    fn whole_line_excerpts_mask_given_spans_and_their_copies() {
        let bytes = b"  env: {KEY: abcd1234efgh, OTHER: abcd1234efgh}  \nnext";
        let at = 13;
        let masks = MaskSpans::new(bytes, [(at, at + 12)].into_iter());
        let line = (0, bytes.iter().position(|&b| b == b'\n').unwrap());
        assert_eq!(
            redact_line(bytes, line, &masks),
            "env: {KEY: abc***REDACTED***, OTHER: ***REDACTED***}"
        );
        assert_eq!(
            redact_line(bytes, line, &MaskSpans::default()),
            "env: {KEY: abcd1234efgh, OTHER: abcd1234efgh}"
        );
        // A long line shows its first 200 characters, masked.
        let long = format!("k: {} abcd1234efgh", "x".repeat(10_000));
        let masks = MaskSpans::new(long.as_bytes(), [(long.len() - 12, long.len())].into_iter());
        let shown = redact_line(long.as_bytes(), (0, long.len()), &masks);
        assert_eq!(shown.chars().count(), 200);
        assert!(shown.ends_with('…'));
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
        assert!(is_documentation_value(PUBLISHED_EMULATOR_KEYS[0]));
        // Only the published value itself: a key one character away is a real key.
        let mut near = PUBLISHED_EMULATOR_KEYS[0].to_vec();
        near[0] = b'F';
        assert!(!is_documentation_value(&near));
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

    /// Line, column and line range of an offset, the slow obvious way.
    fn naive_pos(bytes: &[u8], off: usize) -> LinePos {
        let start = bytes[..off]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let end = bytes[off..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(bytes.len(), |p| off + p);
        LinePos {
            line: 1 + bytes[..off].iter().filter(|&&b| b == b'\n').count() as u32,
            column: 1 + bytes[start..off]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count() as u32,
            start,
            end,
        }
    }

    #[test]
    fn line_index_agrees_with_the_obvious_computation() {
        let text = "ab\néé x\n\n\nlong line with ünïcödé and more\nlast".as_bytes();
        let offsets: Vec<usize> = (0..text.len()).rev().step_by(3).chain([0, 2, 3]).collect();
        let idx = LineIndex::compute(text, offsets.clone());
        for off in offsets {
            assert_eq!(idx.get(off), naive_pos(text, off), "offset {off}");
        }
    }

    #[test]
    fn overlaps_resolve_like_pairwise_comparison() {
        let e = engine(RULES);
        // Pseudo-random spans over a small range so that many overlap, with every rule.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut spans = Vec::new();
        for _ in 0..300 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let s = (x % 500) as usize;
            let len = 1 + ((x >> 20) % 30) as usize;
            spans.push(((x >> 40) as usize % 3, s, s + len));
        }
        let cands = || {
            spans
                .iter()
                .map(|&(rule, s, e)| Candidate {
                    rule,
                    secret_start: s,
                    secret_end: e,
                    match_start: s,
                    match_end: e,
                    identity: None,
                })
                .collect::<Vec<_>>()
        };
        let key = |c: &Candidate| (c.rule, c.secret_start, c.secret_end);
        let got: Vec<_> = e.resolve_overlaps(cands()).iter().map(key).collect();
        // The obvious version: rank, then keep what overlaps nothing kept so far.
        let mut ranked = cands();
        ranked.sort_by_key(|c| {
            let r = &e.rules[c.rule];
            (
                std::cmp::Reverse(r.confidence),
                r.generic,
                std::cmp::Reverse(r.severity),
                std::cmp::Reverse(c.secret_end - c.secret_start),
                c.rule,
            )
        });
        let mut want: Vec<Candidate> = Vec::new();
        for c in ranked {
            if !want
                .iter()
                .any(|k| c.secret_start < k.secret_end && k.secret_start < c.secret_end)
            {
                want.push(c);
            }
        }
        want.sort_by_key(|c| (c.secret_start, c.rule));
        let want: Vec<_> = want.iter().map(key).collect();
        assert!(want.len() > 10);
        assert_eq!(got, want);
    }

    /// Regression: one line holding thousands of secrets was scanned in time quadratic in the
    /// line (each match re-read its whole line for markers, columns, test names and the
    /// excerpt; overlap resolution compared every pair). 8,000 tokens took minutes.
    #[test]
    fn many_secrets_on_one_line_scan_in_linear_time() {
        let e = engine(RULES);
        // Before the fix 8,000 took 8 minutes in a debug build; both scans below now take
        // seconds (most of it stretching the fingerprints of these low-entropy values).
        let n = 10_000;
        let mut line = Vec::new();
        for i in 0..n {
            line.extend(format!("demo_{:08x} ", i * 7919).as_bytes());
        }
        let started = std::time::Instant::now();
        let f = e.scan("a.txt", &line);
        assert_eq!(f.len(), n);
        assert_eq!(f[n - 1].location.column as usize, 1 + (n - 1) * 14);
        assert!(f[n - 1].redacted.chars().count() < 400);
        // A suppression marker at the end of the line silences every token on it, and only
        // those.
        line.extend(b"# ferret:allow\ndemo_zz999999\n");
        let f = e.scan("a.txt", &line);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, 2);
        let took = started.elapsed();
        assert!(took.as_secs() < 120, "took {took:?}");
    }

    #[test]
    fn findings_per_file_are_capped_and_the_rest_counted() {
        let mut set = RuleSet::default();
        set.add_file_text("t", RULES).unwrap();
        let e = Engine::new(
            set,
            EngineOptions {
                max_findings_per_file: 3,
                ..EngineOptions::default()
            },
        );
        let text = b"demo_aaaa0001\ndemo_aaaa0002 demo_aaaa0003\ndemo_aaaa0004\ndemo_aaaa0005";
        let r = e.scan_until("a", text, None);
        assert_eq!(r.findings.len(), 3);
        assert_eq!(r.unreported, 2);
        let lines: Vec<u32> = r.findings.iter().map(|f| f.location.line).collect();
        assert_eq!(lines, vec![1, 2, 2]);
        assert_eq!(engine(RULES).scan_until("a", text, None).unreported, 0);
    }

    #[test]
    fn deadline_stops_the_scan_and_says_so() {
        let e = engine(RULES);
        let text = b"demo_abcd1234 password = Zq8#kP2m";
        let past = std::time::Instant::now() - std::time::Duration::from_secs(1);
        let r = e.scan_until("a", text, Some(past));
        assert!(r.timed_out);
        let future = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        let r = e.scan_until("a", text, Some(future));
        assert!(!r.timed_out);
        assert_eq!(r.findings.len(), 2);
    }

    #[test]
    fn identity_window_is_bounded_in_bytes() {
        let e = engine(RULES);
        let mut text = b"user=far ".to_vec();
        text.extend(std::iter::repeat_n(b'x', 5000));
        text.extend(b" key_abcdef");
        let f = e.scan("a", &text);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].identity, None);
        let f = e.scan("a", b"user=near key_abcdef");
        assert_eq!(f[0].identity.as_deref(), Some("near"));
    }

    #[test]
    fn rule_shorter_than_its_keyword_scans_without_panic() {
        // Found by fuzzing: a one-byte regex behind a four-byte keyword once produced a window
        // with its start after its end. Such a rule breaks the keyword contract (its matches
        // need not contain the keyword), so the windowed search finds a subset of what a whole
        // search finds: the matches inside the keyword occurrences.
        let rules = r#"
[[rules]]
id = "short"
name = "Short"
description = "d"
keywords = ["key_"]
regex = '''(?P<secret>[y_ekaUz]{1})'''
severity = "low"
confidence = "medium"
"#;
        let windowed = engine(rules);
        let whole = whole_content_engine(rules);
        let spots = |f: Vec<Finding>| {
            f.iter()
                .map(|f| (f.location.line, f.location.column))
                .collect::<Vec<_>>()
        };
        let mut long = b"filler line\n".repeat(300);
        long.extend(b"key_abcdef\n");
        for text in [
            &b"key_abcdef"[..],
            b"user=bob\nkey_abcdef",
            b"key_",
            b"xkey_",
            &long,
        ] {
            let found = spots(windowed.scan("a", text));
            let everywhere = spots(whole.scan("a", text));
            assert!(!found.is_empty());
            assert!(found.iter().all(|f| everywhere.contains(f)), "{found:?}");
        }
    }

    /// A low-severity rule `id` on one keyword, gated by an `after_keyword` check.
    fn gated_rule(id: &str, keyword: &str, after: &str, regex: &str) -> String {
        format!(
            "[[rules]]\nid = \"{id}\"\nname = \"n\"\ndescription = \"d\"\n\
             keywords = [\"{keyword}\"]\nafter_keyword = '''{after}'''\n\
             regex = '''{regex}'''\nseverity = \"low\"\nconfidence = \"low\"\n\n"
        )
    }

    #[test]
    fn after_keyword_decides_which_occurrences_run_the_rule() {
        // Deliberately not implied by the regex, to show the mechanism: `api_key=` occurrences
        // count, the bare `api_key ` one does not, so only the whole-file reference finds it.
        let rules = gated_rule(
            "ak",
            "api_key",
            "=",
            r"api_key[ =]+(?P<secret>[a-z0-9]{12})",
        );
        let windowed = engine(&rules);
        let whole = whole_content_engine(&rules);
        // Filler, so the one window stays small (dense windows, or one in under 2 KiB, fall
        // back to a whole search).
        let mut text = b"api_key=q1w2e3r4t5y6\napi_key z9x8c7v6b5n4\n".to_vec();
        text.extend(b"filler line\n".repeat(1000));
        let lines = |f: Vec<Finding>| f.iter().map(|f| f.location.line).collect::<Vec<_>>();
        assert_eq!(lines(windowed.scan("a", &text)), vec![1]);
        assert_eq!(lines(whole.scan("a", &text)), vec![1, 2]);
    }

    #[test]
    fn keywords_are_searched_with_what_their_after_keyword_requires() {
        let rules = gated_rule(
            "pw",
            "pass",
            r"(?i)(?:word)?[ \t]{0,2}=",
            r"(?i)pass(?:word)?[ \t]*=[ \t]*(?P<secret>[a-z0-9]{12})",
        );
        let windowed = engine(&rules);
        let text = b"passed; bypass(); password = q1w2e3r4t5y6; PASSWORD\t=z9x8c7v6b5n4; \
                     Pass=a1s2d3f4g5h6; pass";
        let mut hits = Hits::default();
        windowed.prefilter.find_all(text, &mut hits);
        let occurrences: Vec<(usize, usize)> = hits
            .all
            .iter()
            .map(|h| {
                let (keyword, tail) = windowed.searched[h.pattern as usize];
                assert_eq!(keyword, 0);
                (h.start, h.end - usize::from(tail))
            })
            .collect();
        // Only the occurrences the check can pass are reported, as the keyword alone; not
        // `passed`, `bypass(` or the one ending the content.
        let at = |s: &[u8]| {
            let i = text.windows(s.len()).position(|w| w == s).unwrap();
            (i, i + 4)
        };
        assert_eq!(
            occurrences,
            [at(b"password ="), at(b"PASSWORD\t"), at(b"Pass=")]
        );
        let whole = whole_content_engine(&rules);
        assert_eq!(windowed.scan("a", text).len(), 3);
        assert_eq!(windowed.scan("a", text), whole.scan("a", text));
    }

    #[test]
    fn rules_sharing_a_keyword_keep_their_own_after_keyword() {
        // 70 rules on one keyword: tested together in checks of at most 64 regexes, each
        // rule still gated by its own regex (`=` then its number).
        let rules: String = (0..70)
            .map(|i| {
                gated_rule(
                    &format!("r{i}"),
                    "api_key",
                    &format!("={i}_"),
                    &format!("api_key[ =]+(?P<secret>{i}_[a-z0-9]{{12}})"),
                )
            })
            .collect();
        let windowed = engine(&rules);
        assert_eq!(windowed.after_checks.len(), 2);
        let whole = whole_content_engine(&rules);
        let mut text = b"api_key=5_q1w2e3r4t5y6\napi_key 7_z9x8c7v6b5n4\n".to_vec();
        text.extend(b"api_key=66_a1s2d3f4g5h6\napi_key=63_p0o9i8u7y6t5\n");
        text.extend(b"filler line\n".repeat(1000));
        let found = |f: Vec<Finding>| {
            f.iter()
                .map(|f| (f.rule_id.clone(), f.location.line))
                .collect::<Vec<_>>()
        };
        let expected = |ids: &[(&str, u32)]| {
            ids.iter()
                .map(|&(id, line)| (id.to_string(), line))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            found(windowed.scan("a", &text)),
            expected(&[("r5", 1), ("r66", 3), ("r63", 4)])
        );
        assert_eq!(
            found(whole.scan("a", &text)),
            expected(&[("r5", 1), ("r7", 2), ("r66", 3), ("r63", 4)])
        );
    }

    #[test]
    fn anchored_search_finds_what_a_whole_search_finds() {
        // Starts inside an earlier match, keywords of two lengths at one place, a rule of
        // unbounded length whose hits exceed the span budget (a whole search then), and hits
        // that start no match.
        let rules = r#"
[[rules]]
id = "ab"
name = "n"
description = "d"
keywords = ["ab", "abc"]
regex = '''\b(?P<secret>ab[a-z]{2,6})\b'''
severity = "low"
confidence = "low"

[[rules]]
id = "open"
name = "n"
description = "d"
keywords = ["open:"]
regex = '''open:[^;]*;(?P<secret>[0-9]{6})'''
severity = "low"
confidence = "low"
"#;
        assert!(engine(rules).anchored.iter().all(|a| *a));
        let anchored = engine(rules);
        let whole = whole_content_engine(rules);
        let spans = |f: Vec<Finding>| {
            f.iter()
                .map(|f| (f.rule_id.clone(), f.location.line, f.location.column))
                .collect::<Vec<_>>()
        };
        let mut text = b"ababab abcabc xab abx abcdefgh ab\nopen: x;123456 open:;654321\n".to_vec();
        for _ in 0..3 {
            assert_eq!(
                spans(anchored.scan("a", &text)),
                spans(whole.scan("a", &text))
            );
            // Dense hits of the unbounded rule: its spans outgrow the budget.
            text.extend(b"open: no digits here ".repeat(20_000));
            text.extend(b";246810 abzz\n");
        }
        assert_eq!(spans(anchored.scan("a", &text)).len(), 11);
    }

    #[test]
    fn long_lines_are_searched_around_the_hit_only() {
        // The walk stops after `max` bytes other than name bytes on each side, or at the line.
        let text = b"x,y;\nab, cd.ef-gh secret = \"v1\" ;; zz\nnext";
        let at = |needle: &[u8]| memchr::memmem::find(text, needle).unwrap();
        let (s, e) = (at(b"secret"), at(b"secret") + 6);
        let walk = |lo, hi, to_lines_end| NamesWalk {
            lo,
            hi,
            to_lines_end,
        };
        assert_eq!(
            names_around(text, s, e, 2, 0),
            walk(at(b" cd"), at(b" \"v1"), false)
        );
        assert_eq!(
            names_around(text, s, e, 100, 0),
            walk(at(b"ab,"), at(b"\nnext"), true)
        );
        assert_eq!(names_around(text, s, e, 100, 1), walk(0, text.len(), true));

        // A rule of the generic shape: a key of any length, the rest bounded.
        let rule = |blanks: usize, boundary: &str| {
            format!(
                r#"
[[rules]]
id = "key"
name = "n"
description = "d"
keywords = ["secret"]
regex = '''(?:^|[^A-Za-z0-9_.{boundary}-])(?P<key>[A-Za-z0-9_.-]*secret)[ ]{{0,{blanks}}}=\n?"(?P<secret>[A-Za-z0-9]{{12}})"'''
severity = "low"
confidence = "low"
"#
            )
        };
        let spans = |f: Vec<Finding>| {
            f.iter()
                .map(|f| (f.location.line, f.location.column))
                .collect::<Vec<_>>()
        };
        // The windowed search finds what a search of the whole content finds.
        let found = |rules: &str, text: &[u8]| {
            let windowed = spans(engine(rules).scan("a.js", text));
            assert_eq!(
                windowed,
                spans(whole_content_engine(rules).scan("a.js", text))
            );
            windowed.len()
        };
        let narrow = rule(4, "");
        assert!(matches!(
            engine(&narrow).reach[0],
            Reach::Lines {
                lines: 2,
                len: None,
                names: Some(9)
            }
        ));
        // One minified line: matches far into it, one behind a 5,000-byte key, decoys. With
        // 400 blanks allowed, each walk reads so far that the rule searches the whole content.
        let mut text = b"var a={".to_vec();
        for i in 0..2_000 {
            text.extend(format!("k{i}:\"secret {i}\",").as_bytes());
            if i % 500 == 7 {
                text.extend(b"db.secret=\"Q1w2E3r4T5y6\",");
            }
        }
        text.extend(b"x,");
        text.extend(b"n".repeat(5_000));
        text.extend(b"_secret =\"Z9x8C7v6B5n4\"};\n");
        assert_eq!(found(&narrow, &text), 5);
        assert_eq!(found(&rule(400, ""), &text), 5);
        // Filler, so the windows stay small (windows covering half the content, or one in
        // under 2 KiB, fall back to a whole search).
        let padded = |text: &[u8]| [text, &b"filler line\n".repeat(1000)].concat();
        // A later hit on the next line, whose window reaches a line further than the last
        // window: its match (the value on the line after) is not inside the last window.
        let text = padded(b" a.secret=\"Q1w2E3r4T5y6\"\n b.secret=\n\"Z9x8C7v6B5n4\"\n");
        assert_eq!(found(&rule(4, "\\n"), &text), 2);
        // Many hits on one short line, each inside the window of the one before; a later one
        // whose window reaches further.
        let text = padded(b" x.secret= secret= secret=\"Q1w2E3r4T5y6\" secret=\"Z9x8C7v6B5n4\"\n");
        assert_eq!(found(&narrow, &text), 2);
    }

    #[test]
    fn engines_sharing_a_thread_keep_their_own_search_caches() {
        let rule = |class: &str| {
            format!(
                r#"
[[rules]]
id = "r"
name = "n"
description = "d"
keywords = ["tok_"]
after_keyword = '''{class}'''
regex = '''\btok_(?P<secret>{class}{{8}})\b'''
severity = "low"
confidence = "low"
"#
            )
        };
        let digits = engine(&rule("[0-9]"));
        let letters = engine(&rule("[a-z]"));
        let text = b"tok_12345678 tok_abcdefgh tok_87654321";
        for _ in 0..3 {
            assert_eq!(digits.scan("a", text).len(), 2);
            assert_eq!(letters.scan("a", text).len(), 1);
        }
    }

    #[test]
    fn entropy_of_uniform_bytes() {
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
    }
}
