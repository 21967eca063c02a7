//! GitLab CI checks: secrets written into pipelines, deploy jobs any branch can run, and CI job
//! tokens used to write to repositories.

mod job_token_push;
mod plaintext_secret_variable;
mod unprotected_cloud_deploy;

use super::{Check, Document};
use crate::models::gitlab::Pipeline;

pub fn checks() -> Vec<&'static dyn Check> {
    vec![
        &plaintext_secret_variable::PlaintextSecretVariable,
        &unprotected_cloud_deploy::UnprotectedCloudDeploy,
        &job_token_push::JobTokenPush,
    ]
}

fn pipelines<'d>(doc: &'d Document<'_>) -> impl Iterator<Item = Pipeline<'d>> {
    doc.roots.iter().filter_map(Pipeline::parse)
}
