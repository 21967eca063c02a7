//! `ferret inventory`: the non-human identities the code reveals, as text or JSON (contract v1,
//! docs/gap.md).

use super::{TOOL_NAME, TOOL_VERSION};
use crate::gap::inventory::Inventory;
use serde_json::json;
use std::fmt::Write;

pub const INVENTORY_JSON_VERSION: u32 = 1;

pub fn json(inv: &Inventory, scope: &str) -> String {
    let v = json!({
        "version": INVENTORY_JSON_VERSION,
        "report": "inventory",
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION},
        "scope": scope,
        "summary": {
            "identities": inv.identities.len(),
            "privileged": inv.identities.iter().filter(|n| n.privileged).count(),
            "unattributed_secrets": inv.unattributed.iter().map(|u| u.secrets).sum::<usize>(),
        },
        "identities": inv.identities,
        "unattributed": inv.unattributed,
    });
    let mut s = serde_json::to_string_pretty(&v).expect("JSON serialisation");
    s.push('\n');
    s
}

pub fn text(inv: &Inventory, scope: &str) -> String {
    let mut o = String::new();
    let anon: usize = inv.unattributed.iter().map(|u| u.secrets).sum();
    let _ = writeln!(
        o,
        "Non-human identities in the {scope}: {} named, {} privileged; {} credential{} with no nameable identity.\n",
        inv.identities.len(),
        inv.identities.iter().filter(|n| n.privileged).count(),
        anon,
        if anon == 1 { "" } else { "s" }
    );
    for n in &inv.identities {
        let mut facts = vec![n.kind.clone()];
        if n.privileged {
            facts.push("standing privilege".into());
        }
        if n.secrets > 0 {
            facts.push(format!(
                "{} secret{}",
                n.secrets,
                if n.secrets == 1 { "" } else { "s" }
            ));
        }
        if n.grants > 0 {
            facts.push(format!(
                "{} grant{}",
                n.grants,
                if n.grants == 1 { "" } else { "s" }
            ));
        }
        facts.push(if n.at_head {
            "at HEAD".into()
        } else {
            "history only".into()
        });
        let _ = writeln!(o, "{}  [{}]", n.identity, facts.join(", "));
        for s in &n.sightings {
            let _ = writeln!(
                o,
                "    {}:{}  {} ({}, {}{})",
                s.path,
                s.line,
                s.rule_id,
                s.kind,
                s.severity,
                if s.at_head { "" } else { ", history only" }
            );
        }
    }
    if !inv.unattributed.is_empty() {
        let _ = writeln!(o, "\nCredentials with no nameable identity:");
        for u in &inv.unattributed {
            let places: Vec<String> = u
                .sightings
                .iter()
                .take(5)
                .map(|s| format!("{}:{}", s.path, s.line))
                .collect();
            let more = u.sightings.len().saturating_sub(5);
            let _ = writeln!(
                o,
                "    {}: {} secret{} ({} at HEAD) at {}{}",
                u.rule_id,
                u.secrets,
                if u.secrets == 1 { "" } else { "s" },
                u.at_head,
                places.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
    }
    o
}
