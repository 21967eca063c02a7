//! Suppression comments of other tools, found in scanned files. Each one is a claim that the
//! line (or block) is fine; the gap report re-checks it against what ferret finds there.
//!
//! Recognised, with the lines each covers (as the tools themselves apply them):
//! - `gitleaks:allow` — its own line;
//! - `pragma: allowlist secret` — its own line; `pragma: allowlist nextline secret` — the next;
//! - `nosec` (bandit, gosec) — its own line;
//! - `zizmor: ignore[rule]` — its own line;
//! - `checkov:skip=ID` — on a comment line, the enclosing block (checkov reads it inside the
//!   resource it skips); after code, its own line;
//! - `trivy:ignore:ID` — on a comment line, the next line and the block it opens; after code,
//!   its own line.
//!
//! Only the marker and the rule ids it names are kept, cut at the first character that cannot
//! be part of a rule id: never the rest of the line, which may hold the secret.

use super::{Origin, SecretClaim, Selector, SourceKind, Status};
use crate::findings::Finding;
use aho_corasick::AhoCorasick;
use std::sync::OnceLock;

const MARKERS: &[(&str, &str)] = &[
    ("gitleaks:allow", "gitleaks"),
    ("pragma: allowlist", "detect-secrets"),
    ("nosec", "nosec"),
    ("zizmor: ignore[", "zizmor"),
    ("checkov:skip=", "checkov"),
    ("trivy:ignore:", "trivy"),
];

/// One suppression comment that covers at least one of ferret's findings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    /// The tool the comment speaks to (`gitleaks`, `detect-secrets`, `nosec`, …).
    pub tool: &'static str,
    /// The marker and the rule ids it names, e.g. `checkov:skip=CKV_AWS_1` (nothing else from
    /// the line).
    pub marker: String,
    pub path: String,
    pub line: u32,
    /// Fingerprints of the findings on the lines the comment covers.
    pub fingerprints: Vec<String>,
    /// The line of the first of those findings, in the same numbering as `line`: sources that
    /// scan part of a file (history scans read only what changed) renumber findings afterwards,
    /// and the comment keeps its distance to them.
    pub finding_line: u32,
}

impl Suppression {
    /// The claims this comment makes: one accepted risk per finding it hides.
    pub fn claims(&self) -> Vec<SecretClaim> {
        self.fingerprints
            .iter()
            .map(|fp| {
                SecretClaim::imported(
                    Selector {
                        fingerprint: Some(fp.clone()),
                        ..Selector::default()
                    },
                    Status::AcceptedRisk,
                    format!("`{}` comment", self.marker),
                    Origin {
                        source: SourceKind::Inline,
                        file: self.path.clone(),
                        line: Some(self.line),
                        entry: None,
                    },
                )
            })
            .collect()
    }
}

/// What one file's comments say.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FileSuppressions {
    pub covering: Vec<Suppression>,
    /// Comments that cover none of ferret's findings, per tool.
    pub other: Vec<(&'static str, u64)>,
}

fn automaton() -> &'static AhoCorasick {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    AC.get_or_init(|| AhoCorasick::new(MARKERS.iter().map(|(m, _)| m)).expect("marker automaton"))
}

/// Find suppression comments in `bytes` and the `findings` (of this same content) they cover.
pub fn scan(path: &str, bytes: &[u8], findings: &[Finding]) -> FileSuppressions {
    let mut out = FileSuppressions::default();
    let mut hits = automaton().find_iter(bytes).peekable();
    if hits.peek().is_none() {
        return out;
    }
    let lines = Lines::new(bytes);
    let mut last_line = 0u32;
    for m in hits {
        let (marker, tool) = MARKERS[m.pattern().as_usize()];
        let line_no = lines.line_of(m.start());
        let line = lines.text(line_no);
        let col = m.start() - lines.start(line_no);
        if !is_marker_here(marker, line, col) {
            continue;
        }
        // One comment per line is enough (`# nosec # gitleaks:allow` counts once per tool).
        if line_no == last_line && out.covering.last().is_some_and(|s| s.tool == tool) {
            continue;
        }
        last_line = line_no;
        let token = marker_token(marker, &line[col..]);
        let comment_only = is_comment_only(&line[..col]);
        let (from, to) = match tool {
            "detect-secrets" if token.contains("nextline") => (line_no + 1, line_no + 1),
            "checkov" if comment_only => lines.enclosing_block(line_no),
            "trivy" if comment_only => lines.next_block(line_no),
            _ => (line_no, line_no),
        };
        let covered: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.location.path == path && (from..=to).contains(&f.location.line))
            .collect();
        if covered.is_empty() {
            match out.other.iter_mut().find(|(t, _)| *t == tool) {
                Some((_, n)) => *n += 1,
                None => out.other.push((tool, 1)),
            }
        } else {
            out.covering.push(Suppression {
                tool,
                marker: token,
                path: path.to_string(),
                line: line_no,
                finding_line: covered[0].location.line,
                fingerprints: covered.iter().map(|f| f.fingerprint.clone()).collect(),
            });
        }
    }
    out
}

/// `nosec` is a common substring (`nosecurity`, `nosecret`); require a word boundary. The
/// detect-secrets pragma must say `secret`.
fn is_marker_here(marker: &str, line: &[u8], col: usize) -> bool {
    let after = &line[col + marker.len()..];
    match marker {
        "nosec" => {
            let before_ok = col == 0 || !line[col - 1].is_ascii_alphanumeric();
            let after_ok = after
                .first()
                .is_none_or(|b| !b.is_ascii_alphanumeric() && *b != b'_');
            before_ok && after_ok
        }
        "pragma: allowlist" => {
            let rest = String::from_utf8_lossy(after);
            let rest = rest.trim_start();
            rest.starts_with("secret") || rest.starts_with("nextline secret")
        }
        _ => true,
    }
}

/// The marker and the rule ids it names, e.g. `checkov:skip=CKV_AWS_20`: what follows the ids
/// (a reason, or anything else on the line) is dropped, as it may hold the secret.
fn marker_token(marker: &str, from: &[u8]) -> String {
    let s = String::from_utf8_lossy(from);
    let rest = &s[marker.len()..];
    match marker {
        "pragma: allowlist" => {
            if rest.trim_start().starts_with("nextline") {
                "pragma: allowlist nextline secret".into()
            } else {
                "pragma: allowlist secret".into()
            }
        }
        // `zizmor: ignore[a, b]`; without its `]`, only the ids before the first other text.
        "zizmor: ignore[" => {
            let ids = rule_ids(rest, Sep::Comma, |_| true);
            let close = if rest[ids.len()..].trim_start().starts_with(']') {
                "]"
            } else {
                ""
            };
            format!("{marker}{}{close}", ids.trim())
        }
        // checkov reads `ID` or `ID,ID` up to the `:` that starts its reason.
        "checkov:skip=" => format!("{marker}{}", rule_ids(rest, Sep::Comma, |_| true).trim()),
        // trivy reads one id, then optional `:exp:DATE` or `[ws:...]` parameters.
        "trivy:ignore:" => format!("{marker}{}", rule_ids(rest, Sep::One, |_| true).trim()),
        // Optional rule ids: `nosec G101`, `nosec B105,B106`, `nosec G101 G102 -- reason`.
        "nosec" => {
            let ids = rule_ids(rest, Sep::CommaOrSpace, |id| {
                id.len() <= 5 && id.starts_with(|c: char| c.is_ascii_uppercase())
            });
            match ids.trim() {
                "" => "nosec".into(),
                ids => format!("nosec {ids}"),
            }
        }
        _ => marker.into(),
    }
}

/// How a marker separates the rule ids it names.
#[derive(Clone, Copy)]
enum Sep {
    One,
    Comma,
    CommaOrSpace,
}

/// Longest rule id kept, and longest list of them.
const MAX_RULE_ID: usize = 64;
const MAX_RULE_IDS: usize = 80;

/// The start of `rest` that lists rule ids, ending before the first text that is not one. A
/// rule id is ASCII letters, digits, `_` and `-`, in one case (`CKV_AWS_20`, `AVD-AWS-0057`,
/// `excessive-permissions`): tokens mix cases, so a word that does is not taken for an id.
fn rule_ids(rest: &str, sep: Sep, accept: impl Fn(&str) -> bool) -> &str {
    let b = rest.as_bytes();
    let spaces = |mut i: usize| {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    let mut end = 0;
    let mut i = spaces(0);
    loop {
        let mut stop = i;
        while b
            .get(stop)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
        {
            stop += 1;
        }
        let id = &rest[i..stop];
        let mixed_case = id.bytes().any(|c| c.is_ascii_uppercase())
            && id.bytes().any(|c| c.is_ascii_lowercase());
        if id.is_empty()
            || id.len() > MAX_RULE_ID
            || mixed_case
            || stop > MAX_RULE_IDS
            || !accept(id)
        {
            break;
        }
        end = stop;
        let next = spaces(stop);
        i = match sep {
            Sep::Comma | Sep::CommaOrSpace if b.get(next) == Some(&b',') => spaces(next + 1),
            Sep::CommaOrSpace if next > stop => next,
            _ => break,
        };
    }
    &rest[..end]
}

fn is_comment_only(before: &[u8]) -> bool {
    let t = String::from_utf8_lossy(before);
    let t = t.trim();
    t.is_empty()
        || ["#", "//", "--", ";", "/*", "<!--", "*"]
            .iter()
            .any(|p| t.starts_with(p) && t.len() <= 3)
}

/// Line bookkeeping for one file.
struct Lines<'a> {
    bytes: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        Lines { bytes, starts }
    }

    fn count(&self) -> u32 {
        self.starts.len() as u32
    }

    fn line_of(&self, offset: usize) -> u32 {
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    fn start(&self, line: u32) -> usize {
        self.starts[line as usize - 1]
    }

    fn text(&self, line: u32) -> &'a [u8] {
        let s = self.start(line);
        let e = self
            .starts
            .get(line as usize)
            .map_or(self.bytes.len(), |e| e - 1);
        let t = &self.bytes[s..e.max(s)];
        t.strip_suffix(b"\r").unwrap_or(t)
    }

    /// Indentation of a line, or `None` for blank lines and comment-only lines.
    fn indent(&self, line: u32) -> Option<usize> {
        let t = self.text(line);
        let n = t.iter().take_while(|b| **b == b' ' || **b == b'\t').count();
        let rest = &t[n..];
        if rest.is_empty() || rest.starts_with(b"#") || rest.starts_with(b"//") {
            None
        } else {
            Some(n)
        }
    }

    /// The last line of the block `from` opens: by braces when it opens one (HCL, JSON, where
    /// heredocs ignore indentation), else the following lines indented deeper than `base`.
    fn block_end(&self, from: u32, base: usize) -> u32 {
        let depth = |t: &[u8]| {
            t.iter().fold(0i64, |d, b| match b {
                b'{' => d + 1,
                b'}' => d - 1,
                _ => d,
            })
        };
        let mut open = depth(self.text(from));
        if open > 0 {
            let mut l = from;
            // Bounded: a brace that never closes ends the block at the end of the file.
            while open > 0 && l < self.count() {
                l += 1;
                open += depth(self.text(l));
            }
            return l;
        }
        let mut end = from;
        let mut l = from + 1;
        while l <= self.count() {
            match self.indent(l) {
                Some(i) if i > base => end = l,
                Some(_) => break,
                None => {}
            }
            l += 1;
        }
        end
    }

    /// For a comment inside a block: from the block's opening line to its end.
    fn enclosing_block(&self, line: u32) -> (u32, u32) {
        let own = self
            .text(line)
            .iter()
            .take_while(|b| **b == b' ' || **b == b'\t')
            .count();
        let mut l = line;
        while l > 1 {
            l -= 1;
            if let Some(i) = self.indent(l) {
                if i < own {
                    return (l, self.block_end(l, i));
                }
            }
        }
        // Not inside anything: the next block, as for a comment above it.
        self.next_block(line)
    }

    /// For a comment above code: the next code line and the block it opens.
    fn next_block(&self, line: u32) -> (u32, u32) {
        let mut l = line + 1;
        while l <= self.count() {
            if let Some(i) = self.indent(l) {
                return (l, self.block_end(l, i));
            }
            l += 1;
        }
        (line, line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{FindingBuilder, Kind, Location};

    fn finding(path: &str, line: u32, material: &str) -> Finding {
        FindingBuilder::new(
            "r",
            Kind::Secret,
            "t",
            Location {
                path: path.into(),
                line,
                column: 1,
                end_line: line,
                end_column: 2,
            },
        )
        .secret(material.as_bytes(), false)
        .build()
    }

    #[test]
    fn same_line_markers() {
        let text = b"a = 1\nkey = 'x' # gitleaks:allow\ntoken = 'y'  # nosec G105\nnosecurity = 1\nother # nosec\n";
        let f = vec![finding("f.py", 2, "x"), finding("f.py", 3, "y")];
        let s = scan("f.py", text, &f);
        assert_eq!(s.covering.len(), 2);
        assert_eq!(s.covering[0].marker, "gitleaks:allow");
        assert_eq!(s.covering[0].fingerprints, vec![f[0].fingerprint.clone()]);
        assert_eq!(s.covering[1].marker, "nosec G105");
        assert_eq!(s.other, vec![("nosec", 1)]);
    }

    #[test]
    fn detect_secrets_nextline() {
        let text = b"# pragma: allowlist nextline secret\npassword = 'hunter22'\nx = 'z' # pragma: allowlist secret\ny # pragma: allowlist something\n";
        let f = vec![finding("c.py", 2, "a"), finding("c.py", 3, "b")];
        let s = scan("c.py", text, &f);
        assert_eq!(s.covering.len(), 2);
        assert_eq!(s.covering[0].marker, "pragma: allowlist nextline secret");
        assert_eq!(s.covering[0].fingerprints, vec![f[0].fingerprint.clone()]);
        assert_eq!(s.covering[1].marker, "pragma: allowlist secret");
    }

    #[test]
    fn checkov_covers_the_enclosing_resource_and_trivy_the_next_block() {
        let tf = b"resource \"aws_iam_policy\" \"p\" {\n  #checkov:skip=CKV_AWS_1:break glass\n  name = \"p\"\n  policy = <<EOF\n{\"Action\": \"*\"}\nEOF\n}\n\n#trivy:ignore:AVD-AWS-0057\nresource \"aws_iam_policy\" \"q\" {\n  policy = \"x\"\n}\nresource \"z\" \"w\" {\n  k = 1\n}\n";
        let f = vec![
            finding("m.tf", 5, "inside-p"),
            finding("m.tf", 11, "inside-q"),
            finding("m.tf", 14, "outside"),
        ];
        let s = scan("m.tf", tf, &f);
        assert_eq!(s.covering.len(), 2, "{s:?}");
        assert_eq!(s.covering[0].marker, "checkov:skip=CKV_AWS_1");
        assert_eq!(s.covering[0].fingerprints, vec![f[0].fingerprint.clone()]);
        assert_eq!(s.covering[1].marker, "trivy:ignore:AVD-AWS-0057");
        assert_eq!(s.covering[1].fingerprints, vec![f[1].fingerprint.clone()]);
    }

    #[test]
    fn zizmor_and_no_marker() {
        let y = b"permissions: write-all # zizmor: ignore[excessive-permissions]\n";
        let f = vec![finding(".github/workflows/x.yml", 1, "g")];
        let s = scan(".github/workflows/x.yml", y, &f);
        assert_eq!(
            s.covering[0].marker,
            "zizmor: ignore[excessive-permissions]"
        );
        assert!(scan("a", b"nothing here", &f).covering.is_empty());
        // Another file's findings are never covered.
        assert!(scan("b.yml", y, &f).covering.is_empty());
    }

    const TOKEN: &str = "ghp_7A7KOQi4lg7MoVpXSYKgpqZvV8OMuRNDD7be"; // ferret:allow

    /// The marker kept for a comment on a line that has a finding.
    fn marker_of(line: &str) -> String {
        let f = vec![finding("f", 1, "s")];
        let s = scan("f", line.as_bytes(), &f);
        assert_eq!(s.covering.len(), 1, "{line}: {s:?}");
        s.covering[0].marker.clone()
    }

    #[test]
    fn unclosed_zizmor_bracket_keeps_no_token() {
        let line = format!("steps = 1  # zizmor: ignore[x token={TOKEN}");
        assert_eq!(marker_of(&line), "zizmor: ignore[x");
        // A `]` further on does not close it either: other text came first.
        assert_eq!(marker_of(&format!("{line}]")), "zizmor: ignore[x");
        assert_eq!(
            marker_of("a # zizmor: ignore[unpinned-uses, template-injection]"),
            "zizmor: ignore[unpinned-uses, template-injection]"
        );
    }

    #[test]
    fn every_marker_stops_at_what_cannot_be_a_rule_id() {
        for (line, kept) in [
            (format!("k = 1 # gitleaks:allow,{TOKEN}"), "gitleaks:allow"),
            (format!("k = 1 # gitleaks:allow:{TOKEN}"), "gitleaks:allow"),
            (
                format!("k = 1 # pragma: allowlist secret {TOKEN}"),
                "pragma: allowlist secret",
            ),
            (format!("k = 1 # nosec G101 {TOKEN}"), "nosec G101"),
            (
                format!("k = 1 # nosec B105, B106,{TOKEN}"),
                "nosec B105, B106",
            ),
            (format!("k = 1 # nosec {TOKEN}"), "nosec"),
            (
                format!("k = 1 # checkov:skip=CKV_AWS_1,{TOKEN}"),
                "checkov:skip=CKV_AWS_1",
            ),
            (format!("k = 1 # checkov:skip={TOKEN}"), "checkov:skip="),
            (
                format!("k = 1 # trivy:ignore:AVD-AWS-0057:{TOKEN}"),
                "trivy:ignore:AVD-AWS-0057",
            ),
            (
                format!("k = 1 # trivy:ignore:AVD-AWS-0057.{TOKEN}"),
                "trivy:ignore:AVD-AWS-0057",
            ),
            (
                format!("k = 1 # zizmor: ignore[a,{TOKEN}]"),
                "zizmor: ignore[a",
            ),
        ] {
            let marker = marker_of(&line);
            assert_eq!(marker, kept, "{line}");
            assert!(!marker.contains("ghp_"), "{line}: {marker}");
        }
    }

    #[test]
    fn a_long_line_keeps_only_the_marker() {
        let line = format!(
            "x: 1 # zizmor: ignore[unpinned-uses  TOKEN={TOKEN} {}",
            "y".repeat(500)
        );
        assert_eq!(marker_of(&line), "zizmor: ignore[unpinned-uses");
        // Ids too long to be rule ids, or too many of them, are cut.
        let long = format!("# checkov:skip={}", "A".repeat(100));
        assert_eq!(marker_of(&format!("k = 1 {long}")), "checkov:skip=");
        let many = format!("k = 1 # checkov:skip={}", ["CKV_AWS_1"; 40].join(","));
        let marker = marker_of(&many);
        assert!(
            marker.len() <= "checkov:skip=".len() + MAX_RULE_IDS,
            "{marker}"
        );
        assert!(marker.ends_with("CKV_AWS_1"), "{marker}");
    }
}
