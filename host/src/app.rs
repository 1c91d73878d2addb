//! The application: the platform behind a bound listener. Exposes the port it actually bound,
//! so tests can ask for port 0. How connections are served is [`crate::http::serve`].

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

use crate::platform::Platform;
use crate::settings::{HttpLimits, Settings};

pub struct Application {
    listener: TcpListener,
    platform: Arc<Platform>,
    limits: HttpLimits,
}

impl Application {
    /// Starts the platform and binds the listener; serving starts with [`Application::run`].
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let platform = Platform::start(settings).await?;
        let listener = TcpListener::bind(&settings.bind)
            .await
            .with_context(|| format!("cannot listen on {}", settings.bind))?;
        Ok(Self {
            listener,
            platform,
            limits: settings.http.clone(),
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn platform(&self) -> Arc<Platform> {
        self.platform.clone()
    }

    /// Serves until `shutdown` completes, then stops taking requests, lets in-flight ones
    /// finish (their events are stored before they are answered) and closes the database.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let body_read_timeout = Duration::from_secs(self.limits.body_read_timeout_secs);
        let router = crate::http::router(self.platform.clone(), body_read_timeout);
        crate::http::serve::serve(self.listener, router, &self.limits, shutdown).await;
        self.platform.shutdown().await;
        Ok(())
    }
}
