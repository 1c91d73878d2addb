//! The platform: the services of one running host wired together, and the operations the
//! HTTP API and the command line offer on them. This file owns [`Platform`] itself, its
//! accessors, case actions and timers, the classifier's retraining and the shutdown; the
//! children own the rest: [`start`] (wiring the services at start-up), [`intake`] (taking an
//! event in), [`deploy`] (deploying plugin versions and their configuration), [`surges`] (the
//! surge warnings' operations), and [`listen`], [`plugins`] and [`reference`] (keeping every
//! host current).

mod deploy;
mod intake;
mod listen;
mod plugins;
mod reference;
mod start;
mod surges;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::SignedDuration;
use tokio::task::JoinHandle;

use crate::auth::sessions::Lifetimes;
use crate::cases::timers::{self, Fired};
use crate::cases::{self, Act, ActError, Applied};
use crate::indicators::Weights;
use crate::intake::{Pipeline, Writer};
use crate::reference::Reference;
use crate::runtime::Registry;
use crate::storage::Db;
use crate::surge::SurgeConfig;
use crate::telemetry::metrics::Metrics;
use crate::understanding::{Understanding, training};
use crate::versions::{ReplayGate, Versions};

pub(crate) use deploy::valid_plugin_name;
pub use deploy::{DeployFailure, VersionOptions};
pub use intake::{SubmitError, Submitted};

/// A running host's services.
pub struct Platform {
    pipeline: Pipeline,
    writer: Writer,
    admin_token: String,
    /// The weights of the rankings' combined score.
    weights: Weights,
    lifetimes: Lifetimes,
    secure_cookies: bool,
    /// How long an ended case keeps its reporter's personal data.
    retention: SignedDuration,
    /// One replay at a time per street.
    replays: ReplayGate,
    scenario_task: JoinHandle<()>,
    timer_task: JoinHandle<()>,
    classifier_task: JoinHandle<()>,
    reference_task: JoinHandle<()>,
    plugins_task: JoinHandle<()>,
    listen_task: JoinHandle<()>,
    /// This process, as the leases it takes name it.
    host: String,
    /// Events being decided and stored at once, at most.
    intake_gate: tokio::sync::Semaphore,
    retrain_every: Option<SignedDuration>,
    /// What the surge scan watches and when it warns.
    surges: SurgeConfig,
    surge_task: JoinHandle<()>,
    outbox_task: JoinHandle<()>,
    /// How long a rotated-out webhook secret goes on signing.
    rotation_grace: SignedDuration,
    /// Which services Open311 offers as private.
    open311: crate::settings::Open311Settings,
    /// The host's counters for `/metrics`.
    metrics: Arc<Metrics>,
    /// Set once the start has loaded the stored plugins and deployed the examples.
    plugins_loaded: AtomicBool,
}

impl Platform {
    /// Whether the start has loaded the stored plugins (and deployed the examples), for
    /// `/readyz`.
    pub fn plugins_loaded(&self) -> bool {
        self.plugins_loaded.load(Ordering::Acquire)
    }

    /// How Open311 shows the catalog (its private services).
    pub fn open311(&self) -> &crate::settings::Open311Settings {
        &self.open311
    }

    /// The host's counters for `/metrics`.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    pub fn db(&self) -> &Db {
        &self.pipeline.db
    }

    /// The operations on stored plugin versions: activate, roll back, shadow runs, replays.
    pub fn versions(&self) -> Versions<'_> {
        Versions::new(&self.pipeline, &self.replays)
    }

    /// The host's clock's time (driven in tests).
    pub fn now(&self) -> jiff::Timestamp {
        self.pipeline.clock.now()
    }

    /// The limits plugins run under.
    pub fn plugin_limits(&self) -> &crate::runtime::Limits {
        self.pipeline.runtime.limits()
    }

    /// The weights of the rankings' combined score.
    pub fn weights(&self) -> Weights {
        self.weights
    }

    /// The bootstrap admin token.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// How long browser sessions live.
    pub fn lifetimes(&self) -> Lifetimes {
        self.lifetimes
    }

    /// How long a rotated-out webhook secret goes on signing beside the new one.
    pub fn rotation_grace(&self) -> SignedDuration {
        self.rotation_grace
    }

    /// Whether session cookies are always marked `Secure`.
    pub fn secure_cookies(&self) -> bool {
        self.secure_cookies
    }

    pub fn reference(&self) -> Arc<Reference> {
        self.pipeline.reference.get()
    }

    /// The code of the street named by `key` (code, slug or Chinese name).
    pub fn street_code(&self, key: &str) -> Option<String> {
        self.pipeline.street_code(key)
    }

    pub fn registry(&self) -> &Registry {
        &self.pipeline.registry
    }

    /// Applies a lifecycle action to a case, now.
    pub async fn act(&self, event_id: &str, act: Act) -> Result<Applied, ActError> {
        let reference = self.reference();
        let cx = cases::Context {
            db: self.db(),
            reference: &reference,
            workloads: &self.pipeline.workloads,
            escalation: self.pipeline.escalation,
            retention: self.retention,
            now: self.pipeline.clock.now(),
        };
        cases::act(cx, event_id, act).await
    }

    /// Fires the case timers due now (the background task does this every few seconds).
    pub async fn run_timers(&self) -> anyhow::Result<Fired> {
        let fired = timers::fire_due(
            self.db(),
            self.pipeline.escalation,
            self.pipeline.clock.now(),
        )
        .await;
        self.metrics.timers.record(&fired);
        fired
    }

    /// The district's classifier on this host.
    pub fn understanding(&self) -> &Understanding {
        &self.pipeline.understanding
    }

    /// Retrains the classifier from the decided history if the newest model is older than
    /// the retraining period (what the background task does every few minutes); the new
    /// model is in use on return.
    pub async fn retrain_classifier_if_due(&self) -> anyhow::Result<Option<i64>> {
        let Some(every) = self.retrain_every else {
            return Ok(None);
        };
        let catalog = self.reference().catalog.clone();
        let version = training::retrain_if_due(
            self.db(),
            &catalog,
            self.understanding().threshold(),
            every,
            self.pipeline.clock.now(),
        )
        .await?;
        self.understanding().refresh(self.db()).await?;
        Ok(version)
    }

    /// Stops background work. Events already answered are stored; queued ones finish first.
    pub async fn shutdown(&self) {
        self.scenario_task.abort();
        self.timer_task.abort();
        self.classifier_task.abort();
        self.reference_task.abort();
        self.plugins_task.abort();
        self.listen_task.abort();
        // Another host takes this one's streets at once instead of after their leases.
        if let Err(error) = self.db().release_scenario_lanes(&self.host).await {
            tracing::warn!("giving up the scenario leases failed: {error:#}");
        }
        self.surge_task.abort();
        self.outbox_task.abort();
        self.db().close().await;
    }
}
