//! `streetwise:plugin/config`: the plugin's own configuration values.

use super::super::bindings::config;
use super::super::state::HostState;

impl config::Host for HostState {
    async fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        self.charge("config.get")?;
        Ok(self.ctx.config.get(&key).cloned())
    }

    async fn all(&mut self) -> wasmtime::Result<Vec<(String, String)>> {
        self.charge("config.all")?;
        Ok(self
            .ctx
            .config
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
