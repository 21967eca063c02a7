//! ferret: measures the real exposure of non-human identities (leaked secrets, over-broad
//! grants) in a codebase and holds it against what a security programme claims.
//!
//! Dependencies point down: `cli → app → {source, detect, checks, claims, gap, report} →
//! {rules, models, findings}`.
//! Nothing below `app` prints or exits.

pub mod app;
pub mod checks;
pub mod claims;
pub mod cli;
pub mod config;
pub mod detect;
pub mod findings;
pub mod gap;
pub mod models;
pub mod prefilter;
pub mod report;
pub mod rules;
pub mod source;
