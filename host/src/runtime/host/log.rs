//! `streetwise:plugin/log`: a plugin's log lines go into the host's tracing, tagged with the
//! street, plugin and version, within a per-call budget, cut to size and escaped.

use super::super::bindings::{log, types};
use super::super::state::HostState;
use super::super::text::{escape, truncate};

const MAX_MESSAGE_BYTES: usize = 1024;
const MAX_FIELDS: usize = 16;
const MAX_KEY_BYTES: usize = 64;
const MAX_VALUE_BYTES: usize = 256;

impl log::Host for HostState {
    /// What reaches here was already bounded as wasmtime copied it (the call's transfer cap);
    /// it is cut to one line's budget and escaped, so a plugin can neither forge log lines
    /// (newlines) nor reach an operator's terminal (escape sequences).
    async fn write(
        &mut self,
        level: types::Level,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.charge("log.write")?;
        if !self.take_log_line() {
            return Ok(());
        }
        let message = escape(truncate(&message, MAX_MESSAGE_BYTES));
        let fields: Vec<String> = fields
            .iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    escape(truncate(k, MAX_KEY_BYTES)),
                    escape(truncate(v, MAX_VALUE_BYTES))
                )
            })
            .collect();
        let fields = fields.join(" ");
        let ctx = &self.ctx;
        macro_rules! emit {
            ($level:ident) => {
                tracing::$level!(
                    target: "streetwise::plugin",
                    street = %ctx.street_code,
                    plugin = %ctx.plugin,
                    version = ctx.version,
                    fields = %fields,
                    "{message}"
                )
            };
        }
        match level {
            types::Level::Trace => emit!(trace),
            types::Level::Debug => emit!(debug),
            types::Level::Info => emit!(info),
            types::Level::Warn => emit!(warn),
            types::Level::Error => emit!(error),
        }
        Ok(())
    }
}
