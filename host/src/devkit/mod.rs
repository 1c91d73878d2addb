//! The plugin developer kit behind `streetwise plugin`: a new plugin crate from a template
//! (`new`), a local run of a component on sample events with the server's sandbox and limits
//! (`test`), and an upload to a running server (`deploy`). It owns no server state: `test`
//! works on the seed reference data and a temporary database, `deploy` goes through the API.

mod command;
mod local;
mod logs;
mod report;
mod samples;
mod scratch;
mod template;
mod upload;
mod workspace;

pub use command::{PluginCommand, run as run_command};
pub use local::{LocalTest, run};
pub use report::{Call, Decision, EventReport, Outcome, Report, describe};
pub use samples::{Input, Sample, read as read_samples};
pub use template::{Created, NewPlugin, NewPluginError, create, valid_name};
pub use upload::{Deployed, Upload, deploy, deploy_url};
