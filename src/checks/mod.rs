//! Grant checks: over-broad privilege given to non-human identities by pipeline and
//! configuration files. One check per file under `checks/<platform>/`, registered in
//! [`registry`]. A check sees a parsed [`Document`] and reports at the exact span of the
//! offending key or value.
//!
//! Each check is declared with [`declare_check!`], whose doc text is both the rustdoc of the
//! check and its user documentation (`ferret checks list`, `docs/checks/`): one source.

pub mod aws;
pub mod azure;
pub mod gcp;
pub mod github;
pub mod gitlab;
pub mod kubernetes;

use crate::detect::{redact_line, MaskSpans};
use crate::findings::{Confidence, Finding, FindingBuilder, Kind, Severity};
use crate::models::{hcl, json, template, yaml, LineIndex, Node, Span};
use crate::source::{ScanStats, SkipReason};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

/// The platforms grant checks cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Platform {
    GithubActions,
    GitlabCi,
    Kubernetes,
    Aws,
    Gcp,
    Azure,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::GithubActions => "github-actions",
            Platform::GitlabCi => "gitlab-ci",
            Platform::Kubernetes => "kubernetes",
            Platform::Aws => "aws",
            Platform::Gcp => "gcp",
            Platform::Azure => "azure",
        }
    }
}

/// What a file is, decided from its path and content before parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    GithubWorkflow,
    /// `action.yml` / `action.yaml` of a composite action.
    GithubAction,
    GitlabCi,
    /// YAML (possibly multi-document) with `apiVersion` and `kind`.
    Kubernetes,
    /// CloudFormation / SAM template (YAML or JSON).
    CloudFormation,
    /// A standalone IAM policy (or trust policy) JSON document.
    IamPolicy,
    Terraform,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::GithubWorkflow => "github-workflow",
            FileKind::GithubAction => "github-action",
            FileKind::GitlabCi => "gitlab-ci",
            FileKind::Kubernetes => "kubernetes",
            FileKind::CloudFormation => "cloudformation",
            FileKind::IamPolicy => "iam-policy",
            FileKind::Terraform => "terraform",
        }
    }

    /// Kinds recognised by their content rather than by a reserved file name, which is where
    /// Go templates of YAML (Helm charts) show up.
    fn sniffed(self) -> bool {
        matches!(self, FileKind::Kubernetes | FileKind::CloudFormation)
    }
}

/// The syntax a classified file is parsed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    Yaml,
    Json,
    Hcl,
}

/// What [`classify`] decided about a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Classified {
    pub kind: FileKind,
    pub syntax: Syntax,
}

static K8S_API_VERSION: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(r"(?m)^[ \t]*(?:- )?apiVersion[ \t]*:").expect("regex")
});
static K8S_KIND: LazyLock<regex::bytes::Regex> =
    LazyLock::new(|| regex::bytes::Regex::new(r"(?m)^[ \t]*(?:- )?kind[ \t]*:").expect("regex"));
static CFN_YAML: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
    regex::bytes::Regex::new(
        r"(?m)^(?:AWSTemplateFormatVersion[ \t]*:|Transform[ \t]*:[ \t]*.?AWS::Serverless)|^[ \t]+Type[ \t]*:[ \t]*.?AWS::[A-Za-z0-9]+::",
    )
    .expect("regex")
});

/// Decide from a file's path (`/`-separated, relative to the scan root) and content whether
/// grant checks read it, and how it is parsed. Cheap: no parsing happens here.
pub fn classify(path: &str, bytes: &[u8]) -> Option<Classified> {
    let name = path.rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let is_yaml = lower.ends_with(".yml") || lower.ends_with(".yaml");
    let dir = path.strip_suffix(name).unwrap_or("").trim_end_matches('/');
    let yaml = |kind| {
        Some(Classified {
            kind,
            syntax: Syntax::Yaml,
        })
    };
    if is_yaml {
        // GitHub reads workflows only directly under .github/workflows of a repository.
        if dir == ".github/workflows" || dir.ends_with("/.github/workflows") {
            return yaml(FileKind::GithubWorkflow);
        }
        if (lower == "action.yml" || lower == "action.yaml") && has_top_level_key(bytes, b"runs") {
            return yaml(FileKind::GithubAction);
        }
        if lower == ".gitlab-ci.yml"
            || lower == ".gitlab-ci.yaml"
            || lower.ends_with(".gitlab-ci.yml")
            || lower.ends_with(".gitlab-ci.yaml")
            || dir == ".gitlab/ci"
            || dir.ends_with("/.gitlab/ci")
        {
            return yaml(FileKind::GitlabCi);
        }
        if CFN_YAML.is_match(bytes) {
            return yaml(FileKind::CloudFormation);
        }
        if K8S_API_VERSION.is_match(bytes) && K8S_KIND.is_match(bytes) {
            return yaml(FileKind::Kubernetes);
        }
        return None;
    }
    if lower.ends_with(".json") {
        let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
        if has(b"\"AWSTemplateFormatVersion\"") || has(b"\"AWS::") {
            return Some(Classified {
                kind: FileKind::CloudFormation,
                syntax: Syntax::Json,
            });
        }
        if has(b"\"Statement\"") && (has(b"\"Effect\"") || has(b"\"effect\"")) {
            return Some(Classified {
                kind: FileKind::IamPolicy,
                syntax: Syntax::Json,
            });
        }
        return None;
    }
    if lower.ends_with(".tf") {
        return Some(Classified {
            kind: FileKind::Terraform,
            syntax: Syntax::Hcl,
        });
    }
    None
}

/// Whether `key:` starts a line at column 0 (a top-level key of a block mapping).
fn has_top_level_key(bytes: &[u8], key: &[u8]) -> bool {
    bytes
        .split(|&b| b == b'\n')
        .any(|line| line.starts_with(key) && line[key.len()..].trim_ascii_start().starts_with(b":"))
}

/// Static description of a check.
#[derive(Debug)]
pub struct CheckInfo {
    /// Stable id, `<platform>-<what>` in kebab-case (e.g. `gha-permissions-write-all`).
    pub id: &'static str,
    pub name: &'static str,
    pub platform: Platform,
    pub severity: Severity,
    pub confidence: Confidence,
    /// OWASP NHI Top 10 ids and NIST CSF 2.0 ids (`CSF:PR.AA-05`).
    pub tags: &'static [&'static str],
    /// Markdown: what it detects, why it matters, an example, the fix.
    pub doc: &'static str,
}

/// A parsed file handed to checks.
pub struct Document<'a> {
    pub path: &'a str,
    pub bytes: &'a [u8],
    pub kind: FileKind,
    /// One root per YAML document (Kubernetes files often hold several); one for JSON/HCL.
    pub roots: Vec<Node>,
    pub index: LineIndex<'a>,
    /// The scan joins Kubernetes objects across files afterwards
    /// ([`kubernetes::join_across_files`]): what another file can change is left to that join.
    pub other_files_joined: bool,
    /// Values the checks found to be secrets ([`Document::finding_hiding`]): every excerpt of
    /// the file masks them, with the secrets the engine found.
    pub hidden: std::cell::RefCell<Vec<(usize, usize)>>,
}

impl Document<'_> {
    /// Build a finding at `span` for `info`. `material` identifies the finding independently of
    /// its line (e.g. identity + offending value) and feeds the fingerprint. Its excerpt is
    /// made once every check has run ([`GrantScanner::scan`]), when the file's secrets are known.
    pub fn finding(
        &self,
        info: &CheckInfo,
        span: Span,
        identity: Option<String>,
        message: impl Into<String>,
        material: &str,
    ) -> Finding {
        let location = self.index.location(self.path, span);
        FindingBuilder::new(info.id, Kind::Grant, info.name, location)
            .severity(info.severity)
            .confidence(info.confidence)
            .message(message)
            .identity(identity)
            .tags(info.tags.iter())
            .fingerprint_material(material)
            .build()
    }

    /// Like [`Document::finding`], for a finding whose line holds a secret (a hard-coded
    /// password): the value at `hide` is masked in every excerpt of the file, as the secrets
    /// the engine found are ([`GrantScanner::scan`] makes the excerpts).
    pub fn finding_hiding(
        &self,
        info: &CheckInfo,
        span: Span,
        identity: Option<String>,
        message: impl Into<String>,
        material: &str,
        hide: Span,
    ) -> Finding {
        let text = self.text(hide);
        // The quotes of a quoted value, the line break a block scalar's value ends with.
        let quotes = |c: char| c == '"' || c == '\'' || c.is_ascii_whitespace();
        let start = hide.start + (text.len() - text.trim_start_matches(quotes).len());
        let end = hide.end - (text.len() - text.trim_end_matches(quotes).len());
        if start < end {
            self.hidden.borrow_mut().push((start, end));
        }
        self.finding(info, span, identity, message, material)
    }

    /// 1-based `line` as an excerpt, with `masks` masked.
    pub fn line_excerpt(&self, line: u32, masks: &MaskSpans) -> String {
        redact_line(self.bytes, self.index.line_range(line), masks)
    }

    /// The source text of a span ("" when the span is not on character boundaries).
    pub fn text(&self, span: Span) -> &str {
        self.bytes
            .get(span.start..span.end.max(span.start))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// The span of the first `needle` in the source text of `within`, else `within` itself.
    /// Points a finding at, say, `toJSON(secrets)` inside a multi-line `run:` block, whose
    /// parsed value no longer has the source's indentation.
    pub fn locate(&self, within: Span, needle: &str) -> Span {
        let hay = self
            .bytes
            .get(within.start..within.end.max(within.start))
            .unwrap_or(&[]);
        match memchr::memmem::find(hay, needle.as_bytes()) {
            Some(i) => Span::new(within.start + i, within.start + i + needle.len()),
            None => within,
        }
    }
}

/// A grant check.
pub trait Check: Sync + Send {
    fn info(&self) -> &'static CheckInfo;
    /// Which file kinds the check reads.
    fn applies_to(&self, kind: FileKind) -> bool;
    fn run(&self, doc: &Document<'_>, out: &mut Vec<Finding>);
}

/// Declare a check: its doc text becomes both its rustdoc and its user documentation.
///
/// ```text
/// declare_check! {
///     /// Markdown doc…
///     pub struct WriteAll => CheckInfo { id: "gha-permissions-write-all", … }
/// }
/// ```
#[macro_export]
macro_rules! declare_check {
    ($(#[doc = $doc:literal])+ pub struct $name:ident => $info:ident { $($field:ident : $value:expr),* $(,)? }) => {
        $(#[doc = $doc])+
        pub struct $name;
        pub static $info: $crate::checks::CheckInfo = $crate::checks::CheckInfo {
            doc: concat!($($doc, "\n"),+),
            $($field: $value),*
        };
    };
}

/// Every check, in a stable order.
pub fn registry() -> Vec<&'static dyn Check> {
    let mut all = github::checks();
    all.extend(gitlab::checks());
    all.extend(kubernetes::checks());
    all.extend(aws::checks());
    all.extend(gcp::checks());
    all.extend(azure::checks());
    all
}

/// Whether a file at `path` can be a Kubernetes manifest (they are YAML here).
pub fn may_be_kubernetes(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".yaml") || lower.ends_with(".yml")
}

/// What a Kubernetes file tells the others (see [`kubernetes::TreeFacts`]); nothing for any
/// other file, or one that does not load. The file's raw content is read as a scan reads it
/// (UTF-16 transcoded, the text before a NUL byte of binary content).
pub fn kubernetes_facts(path: &str, raw: &[u8]) -> kubernetes::TreeFacts {
    use crate::source::Content;
    let transcoded;
    let bytes = match crate::source::classify(raw) {
        Content::Text(b) => b,
        Content::Transcoded(b) => {
            transcoded = b;
            &transcoded
        }
        Content::Binary { header } => header,
    };
    // Only bindings and ServiceAccounts that do not mount their token make facts: most files
    // of a tree are passed over without parsing them. A quoted YAML scalar can spell a word
    // with escapes (`"RoleBind\x69ng"`): a file with a backslash is parsed.
    let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    if !has(b"Binding") && !has(b"automountServiceAccountToken") && !has(b"\\") {
        return kubernetes::TreeFacts::default();
    }
    let gather = || {
        let class = classify(path, bytes).filter(|c| c.kind == FileKind::Kubernetes)?;
        match parse(class, bytes) {
            Parsed::Roots(roots) => Some(kubernetes::tree_facts(path, &roots)),
            _ => None,
        }
    };
    std::panic::catch_unwind(gather)
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// The check with this id.
pub fn find_check(id: &str) -> Option<&'static dyn Check> {
    registry().into_iter().find(|c| c.info().id == id)
}

/// Runs the enabled grant checks over one file: classify, parse, check, then apply severity
/// overrides and inline suppressions.
pub struct GrantScanner {
    checks: Vec<&'static dyn Check>,
    severity: HashMap<&'static str, Severity>,
    show_secrets: bool,
    /// What the Kubernetes files seen so far tell each other, for
    /// [`GrantScanner::join_across_files`]; gathered only when asked, since a history scan
    /// would keep them for every version of every file.
    tree: Option<std::sync::Mutex<kubernetes::TreeFacts>>,
    /// Kubernetes objects are joined across files after the scan (with `tree`, or with the
    /// tree a staged or range scan's changes land in).
    joined_after: bool,
}

impl GrantScanner {
    /// `disable` and `severity` come from the config's `[checks]` and from `--disable`; ids
    /// that name no check are ignored here (the caller warns about them, since `--disable`
    /// also takes secret rule ids). Severity strings are validated when the config loads.
    pub fn new(
        disable: &[String],
        severity: &BTreeMap<String, String>,
        show_secrets: bool,
    ) -> GrantScanner {
        let off: HashSet<&str> = disable.iter().map(String::as_str).collect();
        let checks: Vec<_> = registry()
            .into_iter()
            .filter(|c| !off.contains(c.info().id))
            .collect();
        let severity = checks
            .iter()
            .filter_map(|c| {
                let id = c.info().id;
                Some((id, Severity::parse(severity.get(id)?)?))
            })
            .collect();
        GrantScanner {
            checks,
            severity,
            show_secrets,
            tree: None,
            joined_after: false,
        }
    }

    /// Gather what the files tell each other, for [`GrantScanner::join_across_files`] after
    /// the scan of one whole tree.
    pub fn joining_files(mut self) -> GrantScanner {
        self.tree = Some(std::sync::Mutex::default());
        self.joined_after = true;
        self
    }

    /// The findings will be joined with facts gathered elsewhere (the tree a staged or range
    /// scan's changes land in): checks leave to that join what other files can change.
    pub fn joined_afterwards(mut self) -> GrantScanner {
        self.joined_after = true;
        self
    }

    /// After a scan of a whole tree: what only several files together show (a role in one,
    /// its binding in another). See [`kubernetes::join_across_files`].
    pub fn join_across_files(&self, findings: &mut Vec<Finding>) {
        if let Some(tree) = &self.tree {
            let tree = tree.lock().unwrap_or_else(|e| e.into_inner());
            kubernetes::join_across_files(&tree, findings);
        }
    }

    pub fn checks(&self) -> &[&'static dyn Check] {
        &self.checks
    }

    /// Grant findings for one file. Problems (a YAML syntax error, a failing check) are
    /// recorded in `stats` and never stop the scan.
    ///
    /// Excerpts are whole lines: `secret_spans` gives the secrets the engine found in `bytes`
    /// (asked only when there are findings), masked in them with the values the checks flag.
    pub fn scan(
        &self,
        path: &str,
        bytes: &[u8],
        stats: &ScanStats,
        secret_spans: &dyn Fn() -> Vec<(usize, usize)>,
    ) -> Vec<Finding> {
        let Some(class) = classify(path, bytes) else {
            return Vec::new();
        };
        let applicable: Vec<_> = self
            .checks
            .iter()
            .filter(|c| c.applies_to(class.kind))
            .collect();
        if applicable.is_empty() {
            return Vec::new();
        }
        // A loader bug must not cost the file's secret findings, which are already made.
        let Ok(parsed) = std::panic::catch_unwind(|| parse(class, bytes)) else {
            stats.skip(
                path,
                SkipReason::InternalError,
                format!(
                    "internal error while loading this {} file: grant checks skipped, secrets still scanned",
                    class.kind.as_str()
                ),
            );
            return Vec::new();
        };
        let roots = match parsed {
            Parsed::Roots(r) => r,
            Parsed::Unsupported => return Vec::new(),
            Parsed::Error(e) => {
                stats.skip(
                    path,
                    SkipReason::ParseError,
                    format!(
                        "{e} ({} file not parsed: grant checks skipped, secrets still scanned)",
                        class.kind.as_str()
                    ),
                );
                return Vec::new();
            }
        };
        let doc = Document {
            path,
            bytes,
            kind: class.kind,
            roots,
            index: LineIndex::new(bytes),
            other_files_joined: self.joined_after,
            hidden: Default::default(),
        };
        if let (Some(tree), FileKind::Kubernetes) = (&self.tree, class.kind) {
            let facts = || kubernetes::tree_facts(path, &doc.roots);
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(facts)) {
                Ok(facts) if !facts.is_empty() => {
                    tree.lock().unwrap_or_else(|e| e.into_inner()).extend(facts);
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        for check in applicable {
            let run = || {
                let mut found = Vec::new();
                check.run(&doc, &mut found);
                found
            };
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
                Ok(found) => out.extend(found),
                Err(_) => stats.skip(
                    path,
                    SkipReason::InternalError,
                    format!(
                        "internal error in grant check {}; other checks still ran",
                        check.info().id
                    ),
                ),
            }
        }
        let allowed = suppressed_lines(&doc);
        out.retain(|f| !allowed.contains(&f.location.line));
        if out.is_empty() {
            return out;
        }
        let masks = if self.show_secrets {
            MaskSpans::default()
        } else {
            let mut spans = secret_spans();
            spans.extend(doc.hidden.borrow().iter().copied());
            MaskSpans::new(bytes, spans.into_iter())
        };
        for f in &mut out {
            if let Some(s) = self.severity.get(f.rule_id.as_str()) {
                f.severity = *s;
            }
            f.redacted = doc.line_excerpt(f.location.line, &masks);
            // Messages quote the source (the command a step runs).
            f.message = masks.redact_text(&f.message);
        }
        out
    }
}

/// Load a YAML file; a manifest or template that is Go-templated (a Helm chart's templates) and
/// not YAML as it stands is loaded with its template actions masked (see [`template`]).
pub fn load_yaml(class: Classified, bytes: &[u8]) -> Result<Vec<Node>, String> {
    let first = match yaml::load(bytes) {
        Ok(roots) => return Ok(roots),
        Err(e) => e,
    };
    match class
        .kind
        .sniffed()
        .then(|| template::load(bytes))
        .flatten()
    {
        None => Err(format!("YAML syntax error at {first}")),
        Some(Ok(roots)) => Ok(roots),
        Some(Err(e)) => Err(format!(
            "Go template (e.g. a Helm chart's) that is not YAML even with its {{{{ … }}}} actions \
             set aside: YAML syntax error at {e}"
        )),
    }
}

enum Parsed {
    Roots(Vec<Node>),
    /// No parser for this syntax is built in.
    Unsupported,
    Error(String),
}

fn parse(class: Classified, bytes: &[u8]) -> Parsed {
    match class.syntax {
        Syntax::Yaml => match load_yaml(class, bytes) {
            Ok(roots) => {
                if class.kind == FileKind::Kubernetes
                    && !roots.iter().any(|r| {
                        r.get("apiVersion").and_then(Node::as_str).is_some()
                            && r.get("kind").and_then(Node::as_str).is_some()
                    })
                {
                    // apiVersion/kind were only nested keys: not a manifest.
                    return Parsed::Unsupported;
                }
                Parsed::Roots(roots)
            }
            Err(e) => Parsed::Error(e),
        },
        Syntax::Json | Syntax::Hcl => {
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => text,
                Err(e) => {
                    let (line, column) = LineIndex::new(bytes).position(e.valid_up_to());
                    return Parsed::Error(format!("line {line}, column {column}: not valid UTF-8"));
                }
            };
            let (what, loaded) = if class.syntax == Syntax::Json {
                ("JSON", json::parse(text))
            } else {
                ("HCL", hcl::parse(text))
            };
            match loaded {
                Ok(root) => Parsed::Roots(vec![root]),
                Err(e) => Parsed::Error(format!("{what} syntax error at {e}")),
            }
        }
    }
}

/// `ferret:allow` on a finding's first line suppresses it, as it does for secrets.
/// Found once per file: looking the line up per finding was quadratic on generated files
/// with thousands of findings.
fn suppressed_lines(doc: &Document<'_>) -> HashSet<u32> {
    memchr::memmem::find_iter(doc.bytes, crate::detect::SUPPRESSION_MARKER)
        .map(|at| doc.index.position(at).0)
        .collect()
}

/// A check's documentation as Markdown: the doc comment with rustdoc's leading space removed.
pub fn doc_markdown(info: &CheckInfo) -> String {
    let mut s: String = info
        .doc
        .lines()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    s = s.trim().to_string();
    s.push('\n');
    s
}

/// The first paragraph of a check's documentation: what it detects, in one sentence or two.
pub fn summary(info: &CheckInfo) -> String {
    doc_markdown(info)
        .split("\n\n")
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The generated documentation page of one check (`docs/checks/<id>.md`).
pub fn doc_page(info: &CheckInfo) -> String {
    let (nhi, csf): (Vec<&str>, Vec<&str>) = info.tags.iter().partition(|t| t.starts_with("NHI"));
    format!(
        "<!-- Generated by `ferret checks docs`; edit the check's doc comment instead. -->\n# {}\n\n**{}**\n\n| platform | severity | confidence | OWASP NHI Top 10 | NIST CSF 2.0 |\n|---|---|---|---|---|\n| {} | {} | {} | {} | {} |\n\n{}",
        info.id,
        info.name,
        info.platform.as_str(),
        info.severity,
        info.confidence,
        nhi.join(", "),
        csf.iter()
            .map(|t| t.trim_start_matches("CSF:"))
            .collect::<Vec<_>>()
            .join(", "),
        doc_markdown(info)
    )
}

/// The index page of the generated check documentation (`docs/checks/README.md`).
pub fn doc_index(infos: &[&CheckInfo]) -> String {
    let mut s = String::from(
        "<!-- Generated by `ferret checks docs`; edit the checks' doc comments instead. -->\n# Grant checks\n\nGrant checks find over-broad privilege given to non-human identities (CI tokens, service\naccounts, cloud roles) in pipeline and configuration files. They run in the same `ferret scan` as the\nsecret rules and report findings of kind `grant`. Turn one off with `--disable ID` or\n`[checks] disable = [\"ID\"]` in `.ferret.toml`; change its severity with `[checks.severity]`;\nsilence one occurrence with a `ferret:allow` comment on the reported line.\n\nHelm chart templates (and other Go-templated YAML) are checked without rendering them:\nferret never runs the chart. Template actions are set aside and what the template states\nliterally is checked, with messages quoting the template text (`ClusterRole/{{ include\n\"app.fullname\" . }}`); values the chart computes stay unknown and raise nothing.\n\nKubernetes objects are joined across files (a chart's `clusterrole.yaml` and\n`clusterrolebinding.yaml`): a role finding names who holds the role and where it is bound, and a\n`default` ServiceAccount set not to mount its token counts for the whole namespace. Staged and\nrange scans join the changed files with the tree they land in (the index, the range's head);\nhistory scans join within each file only.\n\n| id | platform | severity | confidence | what |\n|---|---|---|---|---|\n",
    );
    for i in infos {
        s.push_str(&format!(
            "| [{}]({}.md) | {} | {} | {} | {} |\n",
            i.id,
            i.id,
            i.platform.as_str(),
            i.severity,
            i.confidence,
            i.name
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_files_are_templates_or_policies_by_their_markers() {
        let kind = |text: &str| classify("x/stack.json", text.as_bytes()).map(|c| c.kind);
        let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}"#;
        assert_eq!(kind(policy), Some(FileKind::IamPolicy));
        assert_eq!(
            kind(&policy.replace("Effect", "effect")),
            Some(FileKind::IamPolicy)
        );
        assert_eq!(kind(r#"{"Statement": []}"#), None);
        assert_eq!(kind(r#"{"Effect": "Allow"}"#), None);
        // A template holding a policy is a template, wherever its marker stands.
        let template = r#"{"Resources": {"R": {"Properties": {"PolicyDocument": {"Statement":
            [{"Effect": "Allow"}]}}, "Type": "AWS::IAM::Role"}}}"#;
        assert_eq!(kind(template), Some(FileKind::CloudFormation));
        assert_eq!(
            kind(r#"{"AWSTemplateFormatVersion": "2010-09-09"}"#),
            Some(FileKind::CloudFormation)
        );
        assert_eq!(kind(r#"{"name": "left-pad", "lockfileVersion": 3}"#), None);
    }

    #[test]
    fn check_ids_are_unique_and_documented() {
        let mut ids = std::collections::HashSet::new();
        for c in registry() {
            let i = c.info();
            assert!(ids.insert(i.id), "duplicate check id {}", i.id);
            assert!(i.doc.len() > 80, "{} needs what/why/example/fix docs", i.id);
            assert!(
                i.tags.iter().any(|t| t.starts_with("NHI")),
                "{} lacks an NHI tag",
                i.id
            );
        }
    }

    /// Mutated fixtures (brackets, quotes, anchors, indentation changed at random) never panic
    /// the loader or a check: every file is either checked or a counted parse error.
    #[test]
    fn mutated_pipeline_files_never_panic() {
        let base = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/grants");
        let mut files = Vec::new();
        let mut todo = vec![base];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else if p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
                    let shown = p.to_string_lossy().replace('\\', "/");
                    files.push((shown, std::fs::read(&p).unwrap()));
                }
            }
        }
        assert!(files.len() > 20);
        let scanner = GrantScanner::new(&[], &BTreeMap::new(), false);
        let stats = ScanStats::default();
        let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as usize
        };
        let alphabet = b"[]{}:-,&*!|>'\"#\n \t?%@`\\";
        for _ in 0..40 {
            for (path, bytes) in &files {
                let mut m = bytes.clone();
                for _ in 0..1 + next() % 4 {
                    let i = next() % m.len().max(1);
                    let c = alphabet[next() % alphabet.len()];
                    match next() % 3 {
                        0 if i < m.len() => m[i] = c,
                        1 if i < m.len() => {
                            m.remove(i);
                        }
                        _ => m.insert(i.min(m.len()), c),
                    }
                }
                scanner.scan(path, &m, &stats, &Vec::new);
            }
        }
        let s = stats.snapshot();
        assert!(
            !s.skipped.contains_key("internal_error"),
            "{:?}",
            s.skipped_files
        );
        assert!(s.skipped.get("parse_error").copied().unwrap_or(0) > 0);
    }
}
