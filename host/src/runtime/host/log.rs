//! `streetwise:plugin/log`: a plugin's log lines go into the host's tracing, tagged with the
//! street, plugin and version, within a per-call budget.

use super::super::bindings::{log, types};
use super::super::state::HostState;

const MAX_MESSAGE_BYTES: usize = 1024;

impl log::Host for HostState {
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
        let mut message = message;
        if message.len() > MAX_MESSAGE_BYTES {
            let mut end = MAX_MESSAGE_BYTES;
            while !message.is_char_boundary(end) {
                end -= 1;
            }
            message.truncate(end);
        }
        let fields: Vec<String> = fields
            .iter()
            .take(16)
            .map(|(k, v)| format!("{k}={v}"))
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
