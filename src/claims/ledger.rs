//! Reading a claims ledger (YAML or JSON) strictly: every problem is reported with file, line,
//! column and the field concerned, and unknown fields are errors (a misspelt `stauts:` must not
//! silently turn a claim into nothing).

use super::{
    Control, ControlTest, Day, IdentityStatus, InventoryEntry, Ledger, LedgerSource, Origin,
    ReportedFigure, Scope, SecretClaim, Selector, SourceKind, Status, LEDGER_VERSION,
};
use crate::findings::{Kind, Severity};
use crate::models::yaml::{self, Limits};
use crate::models::{LineIndex, Node, Value};
use std::fmt;

/// Ledgers above this size are refused: a real one is kilobytes.
pub const MAX_LEDGER_BYTES: usize = 16 << 20;

/// One problem in a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerError {
    pub file: String,
    pub line: u32,
    pub column: u32,
    /// The field path, e.g. `secrets[2].status` (empty for document-level problems).
    pub field: String,
    pub message: String,
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: ", self.file, self.line, self.column)?;
        if !self.field.is_empty() {
            write!(f, "{}: ", self.field)?;
        }
        f.write_str(&self.message)
    }
}

/// All problems found in one ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerErrors(pub Vec<LedgerError>);

impl fmt::Display for LedgerErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "invalid claims ledger ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            write!(f, "\n  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LedgerErrors {}

const TOP_FIELDS: &[&str] = &[
    "version",
    "programme",
    "as_of",
    "reported",
    "inventory",
    "secrets",
    "controls",
];
const SECRET_FIELDS: &[&str] = &[
    "id",
    "fingerprint",
    "secret_sha256",
    "secret_sha1",
    "identity",
    "rule_id",
    "path",
    "line",
    "end_line",
    "status",
    "date",
    "ticket",
    "owner",
    "note",
];
const INVENTORY_FIELDS: &[&str] = &[
    "identity", "aliases", "kind", "owner", "status", "date", "ticket", "note",
];
const CONTROL_FIELDS: &[&str] = &[
    "id",
    "claim",
    "rules",
    "kinds",
    "paths",
    "identities",
    "severity",
    "scope",
    "expect",
    "max_age_days",
    "inventory_complete",
    "offboarding_complete",
    "owner",
    "ticket",
];

/// Read a ledger file.
pub fn load_file(path: &std::path::Path) -> Result<Ledger, LedgerErrors> {
    let shown = path.display().to_string();
    let fail = |message: String| {
        LedgerErrors(vec![LedgerError {
            file: shown.clone(),
            line: 0,
            column: 0,
            field: String::new(),
            message,
        }])
    };
    let meta = std::fs::metadata(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    if !meta.is_file() {
        return Err(fail("not a regular file".into()));
    }
    if meta.len() > MAX_LEDGER_BYTES as u64 {
        return Err(fail(format!(
            "{} bytes is over the {MAX_LEDGER_BYTES}-byte limit for a ledger",
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| fail(format!("cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        fail(format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    parse(&shown, &text)
}

/// Parse ledger text; `file` names it in errors and claim origins.
pub fn parse(file: &str, text: &str) -> Result<Ledger, LedgerErrors> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let index = LineIndex::new(text.as_bytes());
    let mut r = Reader {
        file,
        index,
        errors: Vec::new(),
    };
    // A ledger is a small, shallow document: tighter budgets than for pipeline files.
    let limits = Limits {
        max_depth: 64,
        ..Limits::default()
    };
    let root = match yaml::load_with(text.as_bytes(), limits) {
        Err(e) => {
            r.errors.push(LedgerError {
                file: file.to_string(),
                line: e.line,
                column: e.column,
                field: String::new(),
                message: format!("not valid YAML or JSON: {}", e.message),
            });
            return Err(LedgerErrors(r.errors));
        }
        Ok(mut docs) => {
            if let Some(second) = docs.get(1) {
                r.error(
                    second,
                    "",
                    "more than one YAML document; a ledger is one document",
                );
                return Err(LedgerErrors(r.errors));
            }
            match docs.pop() {
                Some(n) if !matches!(n.value, Value::Null) => n,
                _ => {
                    r.error_at(
                        0,
                        "",
                        "the ledger is empty (it needs at least `version: 1`)",
                    );
                    return Err(LedgerErrors(r.errors));
                }
            }
        }
    };
    let ledger = r.ledger(&root);
    if r.errors.is_empty() {
        Ok(ledger)
    } else {
        Err(LedgerErrors(r.errors))
    }
}

struct Reader<'a> {
    file: &'a str,
    index: LineIndex<'a>,
    errors: Vec<LedgerError>,
}

impl<'a> Reader<'a> {
    fn error_at(&mut self, offset: usize, field: &str, message: &str) {
        let (line, column) = self.index.position(offset);
        self.errors.push(LedgerError {
            file: self.file.to_string(),
            line,
            column,
            field: field.to_string(),
            message: message.to_string(),
        });
    }

    fn error(&mut self, node: &Node, field: &str, message: &str) {
        self.error_at(node.span.start, field, message);
    }

    fn origin(&self, node: &Node) -> Origin {
        Origin {
            source: SourceKind::Ledger,
            file: self.file.to_string(),
            line: Some(self.index.position(node.span.start).0),
            entry: None,
        }
    }

    /// The entries of a map, with unknown keys reported. `None` when `node` is not a map.
    fn map<'n>(
        &mut self,
        node: &'n Node,
        field: &str,
        allowed: &[&str],
    ) -> Option<Vec<(&'n str, &'n Node, &'n Node)>> {
        let Some(entries) = node.as_map() else {
            self.error(node, field, "expected a mapping of fields");
            return None;
        };
        let mut out: Vec<(&'n str, &'n Node, &'n Node)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            let Some(key) = k.as_str() else {
                self.error(k, field, "field names must be strings");
                continue;
            };
            if out.iter().any(|(seen, _, _)| *seen == key) {
                self.error(k, &join(field, &field_name_shown(key)), "given twice");
                continue;
            }
            if !allowed.contains(&key) {
                let path = join(field, &field_name_shown(key));
                let hint = match closest(key, allowed) {
                    Some(s) => format!("unknown field (did you mean `{s}`?)"),
                    None => format!("unknown field (expected one of: {})", allowed.join(", ")),
                };
                self.error(k, &path, &hint);
                continue;
            }
            out.push((key, k, v));
        }
        Some(out)
    }

    fn string(&mut self, node: &Node, field: &str) -> Option<String> {
        match &node.value {
            Value::String(s) if s.trim().is_empty() => {
                self.error(node, field, "must not be empty");
                None
            }
            Value::String(s) => Some(s.trim().to_string()),
            // `ticket: 1234` is a string to the reader.
            Value::Number(n) => Some(n.clone()),
            _ => {
                self.error(node, field, "expected a string");
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, field: &str) -> Vec<String> {
        let Some(items) = node.as_seq() else {
            self.error(node, field, "expected a list of strings");
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.string(n, &format!("{field}[{i}]")))
            .collect()
    }

    fn day(&mut self, node: &Node, field: &str) -> Option<Day> {
        let s = self.string(node, field)?;
        let d = Day::parse(&s);
        if d.is_none() {
            let msg = format!(
                "not a date: expected YYYY-MM-DD or an RFC 3339 date-time, got {}",
                date_problem(&s)
            );
            self.error(node, field, &msg);
        }
        d
    }

    fn uint(&mut self, node: &Node, field: &str) -> Option<u64> {
        let parsed = match &node.value {
            Value::Number(n) => n.parse::<u64>().ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(node, field, "expected a whole number of 0 or more");
        }
        parsed
    }

    fn number(&mut self, node: &Node, field: &str) -> Option<f64> {
        let parsed = match &node.value {
            Value::Number(n) => n.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0),
            _ => None,
        };
        if parsed.is_none() {
            self.error(node, field, "expected a number of 0 or more");
        }
        parsed
    }

    /// A hash or fingerprint. The error describes a wrong value without repeating it: a secret
    /// pasted here by mistake must not reach the terminal or a CI log.
    fn hex(
        &mut self,
        node: &Node,
        field: &str,
        what: &str,
        lens: std::ops::RangeInclusive<usize>,
    ) -> Option<String> {
        let s = self.string(node, field)?.to_ascii_lowercase();
        if !lens.contains(&s.len()) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            let want = if lens.start() == lens.end() {
                format!("{}", lens.start())
            } else {
                format!("{} to {}", lens.start(), lens.end())
            };
            let chars = s.chars().count();
            let bad: Vec<usize> = s
                .chars()
                .enumerate()
                .filter(|(_, c)| !c.is_ascii_hexdigit())
                .map(|(i, _)| i + 1)
                .collect();
            let got = match bad.as_slice() {
                [] => count(chars, "digit"),
                [first, ..] => format!(
                    "{}, {} not hexadecimal, the first at character {first} (never put the secret itself here)",
                    count(chars, "character"),
                    bad.len()
                ),
            };
            let msg = format!("expected {what} ({want} hexadecimal digits), got {got}");
            self.error(node, field, &msg);
            return None;
        }
        Some(s)
    }

    fn list<'n>(&mut self, node: &'n Node, field: &str) -> &'n [Node] {
        match node.as_seq() {
            Some(items) => items,
            None => {
                if !matches!(node.value, Value::Null) {
                    self.error(node, field, "expected a list");
                }
                &[]
            }
        }
    }

    fn ledger(&mut self, root: &Node) -> Ledger {
        let mut ledger = Ledger::default();
        let Some(fields) = self.map(root, "", TOP_FIELDS) else {
            return ledger;
        };
        let mut version_seen = false;
        for (key, _, v) in &fields {
            match *key {
                "version" => {
                    version_seen = true;
                    if let Some(n) = self.uint(v, "version") {
                        if n != LEDGER_VERSION as u64 {
                            self.error(
                                v,
                                "version",
                                &format!(
                                    "version {n} is not supported (this ferret reads version {LEDGER_VERSION})"
                                ),
                            );
                        }
                    }
                }
                "programme" => ledger.programme = self.string(v, "programme"),
                "as_of" => ledger.as_of = self.day(v, "as_of"),
                "reported" => ledger.reported = self.reported(v),
                "inventory" => {
                    for (i, item) in self.list(v, "inventory").iter().enumerate() {
                        if let Some(e) = self.inventory(item, &format!("inventory[{i}]")) {
                            if let Some(prev) = ledger.inventory.iter().find(|p| {
                                p.names(&e.identity) || e.aliases.iter().any(|a| p.names(a))
                            }) {
                                let msg = format!(
                                    "identity {:?} is already listed at line {}",
                                    e.identity,
                                    prev.origin.line.unwrap_or(0)
                                );
                                self.error(item, &format!("inventory[{i}].identity"), &msg);
                            } else {
                                ledger.inventory.push(e);
                            }
                        }
                    }
                }
                "secrets" => {
                    for (i, item) in self.list(v, "secrets").iter().enumerate() {
                        if let Some(c) = self.secret(item, &format!("secrets[{i}]")) {
                            ledger.secrets.push(c);
                        }
                    }
                }
                "controls" => {
                    for (i, item) in self.list(v, "controls").iter().enumerate() {
                        if let Some(c) = self.control(item, &format!("controls[{i}]")) {
                            if ledger.controls.iter().any(|p| p.id == c.id) {
                                let msg = format!("control id {:?} is used twice", c.id);
                                self.error(item, &format!("controls[{i}].id"), &msg);
                            } else {
                                ledger.controls.push(c);
                            }
                        }
                    }
                }
                _ => unreachable!("filtered by map()"),
            }
        }
        if !version_seen {
            self.error(root, "version", "missing (add `version: 1` at the top)");
        }
        ledger.sources.push(LedgerSource {
            file: self.file.to_string(),
            format: SourceKind::Ledger,
            claims: ledger.claim_count(),
        });
        ledger
    }

    fn reported(&mut self, node: &Node) -> Vec<ReportedFigure> {
        let keys: Vec<&str> = super::Figure::ALL.iter().map(|f| f.key()).collect();
        let Some(fields) = self.map(node, "reported", &keys) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (key, k, v) in fields {
            let field = format!("reported.{key}");
            let figure = super::Figure::parse(key).expect("allowed key");
            let value = if figure == super::Figure::InventoryCoveragePercent {
                let n = self.number(v, &field);
                if n.is_some_and(|n| n > 100.0) {
                    self.error(v, &field, "a percentage cannot be over 100");
                    None
                } else {
                    n
                }
            } else {
                self.uint(v, &field).map(|n| n as f64)
            };
            if let Some(value) = value {
                out.push(ReportedFigure {
                    figure,
                    value,
                    origin: self.origin(k),
                });
            }
        }
        out
    }

    fn inventory(&mut self, node: &Node, field: &str) -> Option<InventoryEntry> {
        let fields = self.map(node, field, INVENTORY_FIELDS)?;
        let mut identity = None;
        let mut e = InventoryEntry {
            identity: String::new(),
            aliases: Vec::new(),
            kind: None,
            owner: None,
            status: IdentityStatus::Active,
            date: None,
            ticket: None,
            note: None,
            origin: self.origin(node),
        };
        let mut ok = true;
        for (key, _, v) in fields {
            let f = join(field, key);
            match key {
                "identity" => identity = self.string(v, &f),
                "aliases" => e.aliases = self.strings(v, &f),
                "kind" => e.kind = self.string(v, &f),
                "owner" => e.owner = self.string(v, &f),
                "status" => match v.as_str() {
                    Some("active") => e.status = IdentityStatus::Active,
                    Some("offboarded") => e.status = IdentityStatus::Offboarded,
                    _ => {
                        self.error(v, &f, "expected `active` or `offboarded`");
                        ok = false;
                    }
                },
                "date" => e.date = self.day(v, &f),
                "ticket" => e.ticket = self.string(v, &f),
                "note" => e.note = self.string(v, &f),
                _ => unreachable!(),
            }
        }
        match identity {
            Some(i) => e.identity = i,
            None => {
                if !self
                    .errors
                    .iter()
                    .any(|x| x.field == join(field, "identity"))
                {
                    self.error(
                        node,
                        &join(field, "identity"),
                        "missing (name the identity)",
                    );
                }
                return None;
            }
        }
        ok.then_some(e)
    }

    fn secret(&mut self, node: &Node, field: &str) -> Option<SecretClaim> {
        let fields = self.map(node, field, SECRET_FIELDS)?;
        let mut sel = Selector::default();
        let mut status = None;
        let mut c = SecretClaim {
            id: None,
            selector: Selector::default(),
            status: Status::Open,
            date: None,
            ticket: None,
            owner: None,
            note: None,
            origin: self.origin(node),
        };
        let before = self.errors.len();
        for (key, _, v) in fields {
            let f = join(field, key);
            match key {
                "id" => c.id = self.string(v, &f),
                "fingerprint" => {
                    sel.fingerprint = self.hex(v, &f, "the fingerprint ferret reports", 16..=64)
                }
                "secret_sha256" => {
                    sel.secret_sha256 = self.hex(v, &f, "the SHA-256 of the secret", 64..=64)
                }
                "secret_sha1" => {
                    sel.secret_sha1 = self.hex(v, &f, "the SHA-1 of the secret", 40..=40)
                }
                "identity" => sel.identity = self.string(v, &f),
                "rule_id" => sel.rule_id = self.string(v, &f),
                "path" => sel.path = self.string(v, &f).map(|p| normalise_path(&p)),
                "line" | "end_line" => {
                    let l = self.uint(v, &f).and_then(|n| {
                        let l = u32::try_from(n).ok().filter(|l| *l > 0);
                        if l.is_none() {
                            self.error(v, &f, "lines count from 1");
                        }
                        l
                    });
                    if key == "line" {
                        sel.line = l;
                    } else {
                        sel.end_line = l;
                    }
                }
                "status" => {
                    status = match v.as_str().and_then(Status::parse) {
                        Some(s) => Some(s),
                        None => {
                            let all: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
                            self.error(v, &f, &format!("expected one of: {}", all.join(", ")));
                            None
                        }
                    }
                }
                "date" => c.date = self.day(v, &f),
                "ticket" => c.ticket = self.string(v, &f),
                "owner" => c.owner = self.string(v, &f),
                "note" => c.note = self.string(v, &f),
                _ => unreachable!(),
            }
        }
        if self.errors.len() > before {
            return None;
        }
        match status {
            Some(s) => c.status = s,
            None => {
                self.error(
                    node,
                    &join(field, "status"),
                    "missing (open, rotated, revoked, removed, false_positive or accepted_risk)",
                );
                return None;
            }
        }
        if sel.end_line.is_some() && sel.line.is_none() {
            self.error(
                node,
                field,
                "end_line needs line (the first line of the range)",
            );
            return None;
        }
        if sel.end_line.is_some_and(|e| Some(e) < sel.line) {
            self.error(node, &join(field, "end_line"), "must not be before line");
            return None;
        }
        if sel.path.is_none() && (sel.rule_id.is_some() || sel.line.is_some()) {
            self.error(
                node,
                field,
                "rule_id and line narrow a path: add `path` (for a rule everywhere, use a control)",
            );
            return None;
        }
        if sel.is_empty() {
            self.error(
                node,
                field,
                "names no finding: give fingerprint, secret_sha256, secret_sha1, identity or path",
            );
            return None;
        }
        c.selector = sel;
        Some(c)
    }

    fn control(&mut self, node: &Node, field: &str) -> Option<Control> {
        let fields = self.map(node, field, CONTROL_FIELDS)?;
        let before = self.errors.len();
        let mut id = None;
        let mut claim = None;
        let mut scope = Scope::default();
        let mut tests: Vec<(ControlTest, &Node)> = Vec::new();
        let mut owner = None;
        let mut ticket = None;
        for (key, _, v) in fields {
            let f = join(field, key);
            match key {
                "id" => id = self.string(v, &f),
                "claim" => claim = self.string(v, &f),
                "rules" => scope.rules = self.strings(v, &f),
                "kinds" => {
                    for (i, s) in self.strings(v, &f).into_iter().enumerate() {
                        match s.as_str() {
                            "secret" => scope.kinds.push(Kind::Secret),
                            "grant" => scope.kinds.push(Kind::Grant),
                            _ => {
                                let item = v.as_seq().and_then(|s| s.get(i)).unwrap_or(v);
                                self.error(
                                    item,
                                    &format!("{f}[{i}]"),
                                    "expected `secret` or `grant`",
                                );
                            }
                        }
                    }
                }
                "paths" => {
                    scope.paths = self.strings(v, &f);
                    for (i, g) in scope.paths.iter().enumerate() {
                        if let Err(e) = globset::Glob::new(g) {
                            let item = v.as_seq().and_then(|s| s.get(i)).unwrap_or(v);
                            let msg = format!("invalid glob: {e}");
                            self.error(item, &format!("{f}[{i}]"), &msg);
                        }
                    }
                }
                "identities" => scope.identities = self.strings(v, &f),
                "severity" => match v.as_str().and_then(Severity::parse) {
                    Some(s) => scope.severity = Some(s),
                    None => self.error(v, &f, "expected critical, high, medium, low or info"),
                },
                "scope" => match v.as_str() {
                    Some("head") => scope.head_only = true,
                    Some("all") => scope.head_only = false,
                    _ => self.error(
                        v,
                        &f,
                        "expected `head` (still present) or `all` (history too)",
                    ),
                },
                "expect" => match v.as_str() {
                    Some("none") => tests.push((ControlTest::ExpectNone, v)),
                    _ => self.error(v, &f, "the only expectation is `none`"),
                },
                "max_age_days" => {
                    if let Some(n) = self.uint(v, &f) {
                        match u32::try_from(n) {
                            Ok(n) => tests.push((ControlTest::MaxAgeDays(n), v)),
                            Err(_) => self.error(v, &f, "too large"),
                        }
                    }
                }
                "inventory_complete" | "offboarding_complete" => match v.value {
                    Value::Bool(true) => tests.push((
                        if key == "inventory_complete" {
                            ControlTest::InventoryComplete
                        } else {
                            ControlTest::OffboardingComplete
                        },
                        v,
                    )),
                    _ => self.error(
                        v,
                        &f,
                        "only `true` can be claimed (leave the control out otherwise)",
                    ),
                },
                "owner" => owner = self.string(v, &f),
                "ticket" => ticket = self.string(v, &f),
                _ => unreachable!(),
            }
        }
        let missing = |r: &mut Self, name: &str, what: &str| {
            r.error(node, &join(field, name), &format!("missing ({what})"));
        };
        if id.is_none() && !self.errors.iter().any(|e| e.field == join(field, "id")) {
            missing(self, "id", "a short stable name such as no-admin-ci-roles");
        }
        if claim.is_none() && !self.errors.iter().any(|e| e.field == join(field, "claim")) {
            missing(
                self,
                "claim",
                "the claim in words, as the programme states it",
            );
        }
        let test = match tests.as_slice() {
            [(t, _)] => Some(*t),
            [] => {
                if self.errors.len() == before {
                    self.error(
                        node,
                        field,
                        "says nothing checkable: give one of expect: none, max_age_days, inventory_complete, offboarding_complete",
                    );
                }
                None
            }
            [_, (_, second), ..] => {
                self.error(
                    second,
                    field,
                    "one control makes one claim: split expect/max_age_days/inventory_complete/offboarding_complete into separate controls",
                );
                None
            }
        };
        if self.errors.len() > before {
            return None;
        }
        Some(Control {
            id: id?,
            claim: claim?,
            scope,
            test: test?,
            owner,
            ticket,
            origin: self.origin(node),
        })
    }
}

/// What is wrong with a value that is not a date, in words that do not repeat it: a secret
/// pasted into `date:` must not reach the terminal or a CI log.
fn date_problem(s: &str) -> String {
    let b = s.as_bytes();
    let shaped = b.len() >= 10
        && b[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        let n = count(s.chars().count(), "character");
        format!("a value of {n} not starting with a year-month-day")
    } else if Day::parse(&s[..10]).is_none() {
        "a day that is not in the calendar".into()
    } else {
        "a day followed by something other than a time and zone such as T09:30:00Z".into()
    }
}

/// `1 digit`, `3 digits`.
fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// A field name as errors show it: one that does not read like a field name (a value pasted
/// as a key, which may be the secret) is described instead.
fn field_name_shown(key: &str) -> String {
    let reads_like_a_name = key.len() <= 32
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b == b'_' || b == b'-');
    if reads_like_a_name {
        key.to_string()
    } else {
        format!(
            "<a field name of {}>",
            count(key.chars().count(), "character")
        )
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_string()
    } else {
        format!("{parent}.{key}")
    }
}

/// Paths in claims are compared with finding paths: `/`-separated, no leading `./`.
pub fn normalise_path(p: &str) -> String {
    let s = p.trim().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// The allowed name nearest to a misspelt one, when it is close enough to be a typo.
fn closest<'s>(key: &str, allowed: &[&'s str]) -> Option<&'s str> {
    allowed
        .iter()
        .map(|a| (levenshtein(key, a), *a))
        .filter(|(d, a)| *d <= 2.max(a.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) const GOOD: &str = r#"
version: 1
programme: NHI hardening 2026
as_of: 2026-06-30
reported:
  open_secrets: 0
  inventory_coverage_percent: 92.5
inventory:
  - identity: "arn:aws:iam::123456789012:role/ci-deployer"
    owner: platform
  - identity: svc-legacy
    aliases: [AKIAQYLPMN5HFIQR7XYZ]
    status: offboarded
    date: 2026-03-01
secrets:
  - fingerprint: 0123456789abcdef0123456789abcdef
    status: rotated
    date: 2026-05-02
    ticket: 1234
  - path: ./config/app.env
    rule_id: postgres-url-password
    line: 3
    status: accepted_risk
controls:
  - id: no-admin-ci
    claim: No CI identity holds admin grants
    rules: [aws-iam-admin-wildcard, "gha-*"]
    paths: ["infra/**"]
    expect: none
  - id: lifetime
    claim: No secret lives longer than 90 days
    max_age_days: 90
"#;

    #[test]
    fn reads_every_section() {
        let l = parse("ferret.claims.yaml", GOOD).unwrap();
        assert_eq!(l.programme.as_deref(), Some("NHI hardening 2026"));
        assert_eq!(l.as_of.unwrap().to_string(), "2026-06-30");
        assert_eq!(l.reported.len(), 2);
        assert_eq!(l.reported[1].value, 92.5);
        assert_eq!(l.inventory[1].status, IdentityStatus::Offboarded);
        assert!(l.inventory[1].names("akiaqylpmn5hfiqr7xyz"));
        assert_eq!(l.secrets[0].ticket.as_deref(), Some("1234"));
        assert_eq!(l.secrets[0].origin.line, Some(16));
        assert_eq!(
            l.secrets[1].selector.path.as_deref(),
            Some("config/app.env")
        );
        assert_eq!(l.controls[0].test, ControlTest::ExpectNone);
        assert_eq!(l.controls[1].test, ControlTest::MaxAgeDays(90));
        assert_eq!(l.claim_count(), 8);
    }

    #[test]
    fn json_is_accepted() {
        let j = r#"{"version": 1, "secrets": [{"secret_sha256": "AB"}]}"#;
        let e = parse("c.json", j).unwrap_err();
        assert!(
            e.0.iter().any(|x| x.field == "secrets[0].secret_sha256"),
            "{e}"
        );
        let ok = "{\n\t\"version\": 1,\n\t\"controls\": []\n}\n";
        assert!(parse("c.json", ok).is_ok());
    }

    fn errors(text: &str) -> Vec<String> {
        parse("l.yaml", text)
            .unwrap_err()
            .0
            .iter()
            .map(|e| e.to_string())
            .collect()
    }

    #[test]
    fn unknown_fields_are_errors_with_line_and_field() {
        let e = errors("version: 1\nsecrets:\n  - path: a\n    stauts: rotated\n");
        assert!(
            e.iter().any(|x| x.starts_with(
                "l.yaml:4:5: secrets[0].stauts: unknown field (did you mean `status`?)"
            )),
            "{e:?}"
        );
        let e = errors("version: 1\nextra: 2\n");
        assert!(
            e[0].starts_with("l.yaml:2:1: extra: unknown field"),
            "{e:?}"
        );
    }

    #[test]
    fn bad_values_are_named() {
        let e = errors(
            "version: 2\nsecrets:\n  - path: a\n    status: fixed\n  - status: open\n  - rule_id: r\n    status: open\ninventory:\n  - owner: x\ncontrols:\n  - id: c\n    claim: x\n  - id: d\n    claim: y\n    expect: none\n    max_age_days: 3\nreported:\n  open_secrets: -1\n  inventory_coverage_percent: 120\n",
        );
        let joined = e.join("\n");
        for needle in [
            "l.yaml:1:10: version: version 2 is not supported",
            "secrets[0].status: expected one of",
            "secrets[1]: names no finding",
            "secrets[2]: rule_id and line narrow a path",
            "inventory[0].identity: missing",
            "controls[0]: says nothing checkable",
            "controls[1]: one control makes one claim",
            "reported.open_secrets: expected a whole number",
            "reported.inventory_coverage_percent: a percentage cannot be over 100",
        ] {
            assert!(joined.contains(needle), "missing {needle:?} in\n{joined}");
        }
    }

    #[test]
    fn errors_describe_a_pasted_field_name_without_repeating_it() {
        let token = ["ghp_7A7KOQi4lg7Mo", "VpXSYKgpqZvV8OMuRNDD7be"].concat();
        let e = errors(&format!(
            "version: 1\nsecrets:\n  - {token}: rotated\n    stauts: open\n"
        ));
        let joined = e.join("\n");
        assert!(!joined.contains(&token[4..12]), "{joined}");
        assert!(
            joined.contains("secrets[0].<a field name of 40 characters>: unknown field"),
            "{joined}"
        );
        // Names that read like field names are still quoted, with a hint.
        assert!(joined.contains("secrets[0].stauts: unknown field (did you mean `status`?)"));
    }

    #[test]
    fn errors_describe_a_wrong_value_without_repeating_it() {
        // A token pasted where a hash or a date belongs.
        let token = "ghp_7A7KOQi4lg7MoVpXSYKgpqZvV8OMuRNDD7be"; // ferret:allow
        let e = errors(&format!(
            "version: 1\nas_of: {token}\nsecrets:\n  - secret_sha1: {token}\n    status: open\n  - secret_sha256: {token}\n    status: open\n  - fingerprint: {token}\n    status: open\n  - path: a\n    status: rotated\n    date: {token}\ninventory:\n  - identity: a\n    date: \"{token}\"\n"
        ));
        assert_eq!(e.len(), 6, "{e:?}");
        let joined = e.join("\n");
        let lower = joined.to_ascii_lowercase();
        for w in token.as_bytes().windows(8) {
            let piece = std::str::from_utf8(w).unwrap().to_ascii_lowercase();
            assert!(
                !lower.contains(&piece),
                "{piece:?} of the token in\n{joined}"
            );
        }
        let got = "got 40 characters, 29 not hexadecimal, the first at character 1";
        for needle in [
            format!("l.yaml:4:18: secrets[0].secret_sha1: expected the SHA-1 of the secret (40 hexadecimal digits), {got}"),
            format!("secrets[1].secret_sha256: expected the SHA-256 of the secret (64 hexadecimal digits), {got}"),
            format!("secrets[2].fingerprint: expected the fingerprint ferret reports (16 to 64 hexadecimal digits), {got}"),
            "l.yaml:2:8: as_of: not a date: expected YYYY-MM-DD or an RFC 3339 date-time, got a value of 40 characters".into(),
            "secrets[3].date: not a date".into(),
            "inventory[0].date: not a date".into(),
        ] {
            assert!(joined.contains(&needle), "missing {needle:?} in\n{joined}");
        }
        // A value of the right form says what else is wrong with it.
        for (value, needle) in [
            ("abc", "(64 hexadecimal digits), got 3 digits"),
            ("2026-02-30", "got a day that is not in the calendar"),
            (
                "2026-05-02 noon",
                "got a day followed by something other than a time",
            ),
            (
                "05/02/2026",
                "got a value of 10 characters not starting with a year-month-day",
            ),
        ] {
            let field = if value.contains('-') || value.contains('/') {
                "date"
            } else {
                "secret_sha256"
            };
            let e = errors(&format!(
                "version: 1\nsecrets:\n  - path: a\n    status: rotated\n    {field}: \"{value}\"\n"
            ));
            assert!(e[0].contains(needle), "{value}: {e:?}");
            assert!(!e[0].contains(value), "{value}: {e:?}");
        }
    }

    #[test]
    fn syntax_and_document_errors() {
        let e = errors("version: 1\nsecrets: [\n");
        assert!(e[0].contains("not valid YAML or JSON"), "{e:?}");
        let e = errors("");
        assert!(e[0].contains("empty"));
        let e = errors("- 1\n");
        assert!(e[0].contains("expected a mapping"));
        let e = errors("programme: x\n");
        assert!(e[0].contains("version: missing"));
        let e = errors("version: 1\ninventory:\n  - identity: a\n  - identity: A\n");
        assert!(e[0].contains("already listed at line 3"), "{e:?}");
        let e =
            errors("version: 1\nsecrets:\n  - path: a\n    status: open\n    status: rotated\n");
        assert!(
            e[0].starts_with("l.yaml:5:5: secrets[0].status: given twice"),
            "{e:?}"
        );
        let e = errors("version: 1\n---\nversion: 1\n");
        assert!(e[0].contains("more than one YAML document"), "{e:?}");
        let deep = format!("version: 1\nx: {}{}\n", "[".repeat(500), "]".repeat(500));
        assert!(errors(&deep)[0].contains("not valid YAML or JSON"));
    }
}

/// The shipped JSON Schema (schemas/claims.schema.json) and this loader must agree: every
/// fixture ledger is valid for both, and every invalid case the schema can express is refused
/// by both.
#[cfg(test)]
mod schema {
    use super::*;
    use serde_json::Value as Json;

    const SCHEMA: &str = include_str!("../../schemas/claims.schema.json");

    /// The ledger as the JSON document a YAML-aware editor would validate.
    fn to_json(n: &Node) -> Json {
        match &n.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(s) => s
                .parse::<i64>()
                .map(Json::from)
                .or_else(|_| s.parse::<f64>().map(Json::from))
                .unwrap_or_else(|_| Json::String(s.clone())),
            Value::String(s) | Value::Expr(s) => Json::String(s.clone()),
            Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
            Value::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                    .collect(),
            ),
            Value::Tagged(_, inner) => to_json(inner),
        }
    }

    fn validator() -> jsonschema::Validator {
        let schema: Json = serde_json::from_str(SCHEMA).expect("schema is JSON");
        assert!(
            jsonschema::meta::is_valid(&schema),
            "the schema itself is invalid"
        );
        jsonschema::validator_for(&schema).expect("schema compiles")
    }

    fn agree(v: &jsonschema::Validator, name: &str, text: &str, valid: bool) {
        let loaded = parse(name, text);
        assert_eq!(
            loaded.is_ok(),
            valid,
            "loader on {name}: {loaded:?}\n{text}"
        );
        let doc = yaml::load(text.as_bytes()).expect("YAML").remove(0);
        let json = to_json(&doc);
        let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
        assert_eq!(
            errors.is_empty(),
            valid,
            "schema on {name}: {errors:?}\n{text}"
        );
    }

    #[test]
    fn fixture_ledgers_are_valid_for_both() {
        let v = validator();
        agree(&v, "minimal", "version: 1\n", true);
        agree(&v, "unit", tests::GOOD, true);
        let demo = include_str!("../../fixtures/gap-demo/repo/ferret.claims.yaml");
        agree(&v, "demo", demo, true);
        for (name, text) in [
            (
                "import-gitleaks",
                include_str!("../../fixtures/claims/imported/gitleaks.yaml"),
            ),
            (
                "import-gitleaksignore",
                include_str!("../../fixtures/claims/imported/gitleaksignore.yaml"),
            ),
            (
                "import-detect-secrets",
                include_str!("../../fixtures/claims/imported/detect-secrets.yaml"),
            ),
            (
                "import-github-alerts",
                include_str!("../../fixtures/claims/imported/github-alerts.yaml"),
            ),
            (
                "import-sarif",
                include_str!("../../fixtures/claims/imported/sarif.yaml"),
            ),
            (
                "ledger",
                include_str!("../../fixtures/claims/ferret.claims.json"),
            ),
        ] {
            agree(&v, name, text, true);
        }
    }

    #[test]
    fn invalid_ledgers_are_refused_by_both() {
        let v = validator();
        let cases = [
            ("no version", "programme: x\n"),
            ("version 2", "version: 2\n"),
            ("unknown top field", "version: 1\nclaims: []\n"),
            ("misspelt field", "version: 1\nsecrets:\n  - path: a\n    stauts: open\n"),
            ("no status", "version: 1\nsecrets:\n  - path: a\n"),
            ("no selector", "version: 1\nsecrets:\n  - status: open\n"),
            ("rule without path", "version: 1\nsecrets:\n  - rule_id: r\n    identity: x\n    status: open\n"),
            ("end_line without line", "version: 1\nsecrets:\n  - path: a\n    end_line: 3\n    status: open\n"),
            ("bad status", "version: 1\nsecrets:\n  - path: a\n    status: fixed\n"),
            ("short sha256", "version: 1\nsecrets:\n  - secret_sha256: abc\n    status: open\n"),
            ("line zero", "version: 1\nsecrets:\n  - path: a\n    line: 0\n    status: open\n"),
            ("empty note", "version: 1\nsecrets:\n  - path: a\n    status: open\n    note: \"\"\n"),
            ("bad date", "version: 1\nsecrets:\n  - path: a\n    status: rotated\n    date: 05/02/2026\n"),
            ("identity missing", "version: 1\ninventory:\n  - owner: x\n"),
            ("identity status", "version: 1\ninventory:\n  - identity: a\n    status: retired\n"),
            ("control without claim", "version: 1\ncontrols:\n  - id: c\n    expect: none\n"),
            ("control without test", "version: 1\ncontrols:\n  - id: c\n    claim: x\n"),
            ("control with two tests", "version: 1\ncontrols:\n  - id: c\n    claim: x\n    expect: none\n    max_age_days: 9\n"),
            ("expect some", "version: 1\ncontrols:\n  - id: c\n    claim: x\n    expect: some\n"),
            ("false completeness", "version: 1\ncontrols:\n  - id: c\n    claim: x\n    inventory_complete: false\n"),
            ("bad kind", "version: 1\ncontrols:\n  - id: c\n    claim: x\n    kinds: [token]\n    expect: none\n"),
            ("bad severity", "version: 1\ncontrols:\n  - id: c\n    claim: x\n    severity: urgent\n    expect: none\n"),
            ("bad scope", "version: 1\ncontrols:\n  - id: c\n    claim: x\n    scope: everything\n    expect: none\n"),
            ("unknown figure", "version: 1\nreported:\n  rotated_keys: 3\n"),
            ("negative count", "version: 1\nreported:\n  open_secrets: -1\n"),
            ("coverage over 100", "version: 1\nreported:\n  inventory_coverage_percent: 120\n"),
            ("fractional count", "version: 1\nreported:\n  open_secrets: 2.5\n"),
        ];
        for (name, text) in cases {
            agree(&v, name, text, false);
        }
    }

    #[test]
    fn the_loader_checks_what_a_schema_cannot() {
        // Valid for the schema, refused by the loader, each with a reason a reader can act on.
        let v = validator();
        for (text, needle) in [
            ("version: 1\nas_of: 2026-02-30\n", "not a date: expected YYYY-MM-DD or an RFC 3339 date-time, got a day that is not in the calendar"),
            ("version: 1\ninventory:\n  - identity: a\n  - identity: A\n", "already listed"),
            ("version: 1\ncontrols:\n  - id: c\n    claim: x\n    expect: none\n  - id: c\n    claim: y\n    expect: none\n", "used twice"),
            ("version: 1\ncontrols:\n  - id: c\n    claim: x\n    paths: [\"a/{b\"]\n    expect: none\n", "invalid glob"),
            ("version: 1\nsecrets:\n  - path: a\n    line: 9\n    end_line: 3\n    status: open\n", "must not be before line"),
        ] {
            let doc = yaml::load(text.as_bytes()).unwrap().remove(0);
            assert!(v.is_valid(&to_json(&doc)), "{text}");
            let e = parse("l.yaml", text).unwrap_err().to_string();
            assert!(e.contains(needle), "{e}");
        }
    }
}
