//! Readable text for people: findings grouped by file, then a summary. Colour only when asked
//! (the caller decides: a TTY and no NO_COLOR).

use super::{human_bytes, printable, Report};
use crate::findings::Severity;
use std::fmt::Write;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, sev: Severity) -> String {
        let label = format!("{:<8}", sev.as_str());
        let code = match sev {
            Severity::Critical => "1;31",
            Severity::High => "31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.paint(code, &label)
    }
}

pub fn render(report: &Report<'_>, color: bool) -> String {
    let st = Style { on: color };
    let mut out = String::new();
    let mut current_path: Option<&str> = None;
    for f in report.findings {
        if current_path != Some(f.location.path.as_str()) {
            if current_path.is_some() {
                out.push('\n');
            }
            let _ = writeln!(out, "{}", st.paint("1;4", &printable(&f.location.path)));
            current_path = Some(&f.location.path);
        }
        let _ = writeln!(
            out,
            "  {:>5}:{:<3} {} {}  {}",
            f.location.line,
            f.location.column,
            st.severity(f.severity),
            st.paint("1", &f.rule_id),
            printable(&f.message)
        );
        if !f.redacted.is_empty() {
            let _ = writeln!(out, "        {}", st.paint("2", &printable(&f.redacted)));
        }
        if let Some(p) = &f.provenance {
            let mut state = if p.in_head {
                "still at HEAD".to_string()
            } else {
                match &p.removed_in {
                    Some(c) => format!("removed in {}", short(c)),
                    None => "not at HEAD".to_string(),
                }
            };
            if !p.in_head && !p.refs.is_empty() {
                let refs: Vec<&str> = p
                    .refs
                    .iter()
                    .map(|r| r.strip_prefix("refs/").unwrap_or(r))
                    .collect();
                let _ = write!(state, " · still on {}", refs.join(", "));
            }
            let _ = writeln!(
                out,
                "        commit {} by {} on {} · {state} · exposed {} days",
                short(&p.commit),
                printable(&p.author),
                p.date.get(..10).unwrap_or(&p.date),
                p.lifetime_days
            );
        }
        for o in &f.other_locations {
            let _ = writeln!(out, "        also at {}:{}", printable(&o.path), o.line);
        }
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    summary(report, &st, &mut out);
    out
}

fn short(commit: &str) -> &str {
    commit.get(..10).unwrap_or(commit)
}

fn summary(report: &Report<'_>, st: &Style, out: &mut String) {
    let s = report.summary;
    let n = report.findings.len();
    let counts = report.counts_by_severity();
    let mut parts = Vec::new();
    for sev in Severity::ALL {
        if let Some(c) = counts.get(&sev) {
            parts.push(format!("{c} {sev}"));
        }
    }
    let head = if n == 0 {
        st.paint("32", "No findings")
    } else {
        st.paint("1", &plural(n as u64, "finding"))
    };
    let _ = write!(out, "{head}");
    if !parts.is_empty() {
        let _ = write!(out, " ({})", parts.join(", "));
    }
    let _ = writeln!(
        out,
        " in {}: {}, {} scanned in {:.2}s",
        printable(&report.scope),
        plural(s.files_scanned, "file"),
        human_bytes(s.bytes_scanned),
        report.elapsed_secs
    );
    if s.skipped_total() > 0 {
        let detail: Vec<String> = s.skipped.iter().map(|(k, v)| skip_tally(k, *v)).collect();
        let _ = writeln!(out, "Skipped: {}", detail.join(", "));
        for sk in s
            .skipped_files
            .iter()
            .filter(|x| x.reason.is_problem())
            .take(20)
        {
            let _ = writeln!(
                out,
                "  {} {}: {}",
                st.paint("33", "warning:"),
                if sk.path.is_empty() {
                    "(walk)".into()
                } else {
                    printable(&sk.path)
                },
                printable(&sk.detail)
            );
        }
    }
    if s.hidden_test_findings > 0 {
        let _ = writeln!(
            out,
            "{} in test, fixture or example paths not shown (--include-tests shows them)",
            plural(s.hidden_test_findings, "secret")
        );
    }
    if s.baselined_findings > 0 {
        let _ = writeln!(
            out,
            "{} already in the baseline not shown",
            plural(s.baselined_findings, "finding")
        );
    }
    for w in &s.warnings {
        let _ = writeln!(out, "{} {}", st.paint("33", "warning:"), printable(w));
    }
    if report.secrets_shown && n > 0 {
        let _ = writeln!(
            out,
            "{}",
            st.paint("33", "note: raw secrets are shown (--show-secrets)")
        );
    }
}

/// One entry of a skip summary in words: "1 binary", "4 parse errors", "2 too large". `key` is
/// a [`crate::source::SkipReason::as_str`].
pub(crate) fn skip_tally(key: &str, count: u64) -> String {
    let words = key.replace('_', " ");
    // The reasons that are nouns take a plural; "binary", "too large", "unreadable" do not.
    if matches!(key, "binary" | "too_large" | "unreadable") {
        format!("{count} {words}")
    } else {
        plural(count, &words)
    }
}

/// "1 finding", "3 findings".
pub(crate) fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::{FindingBuilder, Kind, Location};
    use crate::source::{SkipReason, Skipped, Summary};

    #[test]
    fn skip_tallies_read_as_words() {
        for (reason, count, words) in [
            (SkipReason::ParseError, 4, "4 parse errors"),
            (SkipReason::ParseError, 1, "1 parse error"),
            (SkipReason::Binary, 3, "3 binary"),
            (SkipReason::TooLarge, 2, "2 too large"),
            (SkipReason::NotRegularFile, 2, "2 not regular files"),
            (SkipReason::MissingObject, 2, "2 missing objects"),
        ] {
            assert_eq!(skip_tally(reason.as_str(), count), words);
        }
    }

    /// Found by fuzzing (report_writers): the scope was written raw, so a NUL or an escape
    /// sequence in it reached the terminal.
    #[test]
    fn no_raw_control_character_from_any_field() {
        let hostile = "a\u{0}b\u{1b}[2Jc\r\nd\u{202e}e";
        let loc = Location {
            path: hostile.into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 2,
        };
        let findings = vec![FindingBuilder::new("r", Kind::Secret, hostile, loc)
            .message(hostile)
            .redacted(hostile)
            .build()];
        let mut summary = Summary::default();
        summary.skipped.insert("unreadable".into(), 1);
        summary.skipped_files.push(Skipped {
            path: hostile.into(),
            reason: SkipReason::Unreadable,
            detail: hostile.into(),
        });
        summary.warnings.push(hostile.into());
        let report = Report {
            findings: &findings,
            summary: &summary,
            rules: &[],
            elapsed_secs: 0.0,
            scope: hostile.into(),
            secrets_shown: false,
        };
        let text = render(&report, false);
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| (c.is_control() && c != '\n') || c == '\u{202e}')
            .collect();
        assert!(bad.is_empty(), "{bad:?} in {text:?}");
    }
}
