//! The platform: the services of one running host wired together, and the operations the
//! HTTP API and the command line offer on them ([`surges`]: the surge warnings').

mod listen;
mod plugins;
mod reference;
mod surges;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::SignedDuration;
use sha2::{Digest, Sha256};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::auth::sessions::Lifetimes;
use crate::cases::timers::{self, Fired};
use crate::cases::workloads::Workloads;
use crate::cases::{self, Act, ActError, Applied};
use crate::domain::{DeployMode, EventRecord, Grant, PluginVersion, Status};
use crate::indicators::Weights;
use crate::intake::{
    Decision, InvalidEvent, LaneWakes, NewEventRequest, Pipeline, ScenarioWorker, StoreError,
    Writer, Written,
};
use crate::reference::{Reference, SharedReference};
use crate::runtime::{CompiledPlugin, DeployError, LoadedPlugin, Registry, Runtime};
use crate::settings::Settings;
use crate::storage::{Db, NewVersion};
use crate::surge::SurgeConfig;
use crate::telemetry::metrics::{IntakeOutcome, Metrics};
use crate::understanding::{Keeping, Understanding, training};
use crate::versions::{ReplayGate, Shadows, VersionError, Versions, load_version};
use crate::{auth, seed};

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

/// How a new plugin version is stored and run.
#[derive(Clone, Debug, Default)]
pub struct VersionOptions {
    pub notes: Option<String>,
    pub mode: DeployMode,
    /// The base data sets it may read.
    pub grants: Vec<Grant>,
    /// Where a classifier or scenario runs among its street's (lowest first); `None` keeps
    /// the name's previous version's place.
    pub order: Option<u32>,
}

/// The answer to a submitted event.
#[derive(Debug)]
pub enum Submitted {
    Created(EventRecord),
    /// The channel sent this (source, external id) before: the original event.
    Existing(EventRecord),
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] InvalidEvent),
    /// The database refused this event's data (it passed validation, so this is a gap in
    /// validation, not the caller's fault alone); the other events of its commit are stored.
    #[error("the event could not be stored")]
    Refused(#[source] StoreError),
    /// Storage is failing: nothing was stored.
    #[error("the event could not be stored")]
    Storage(#[source] anyhow::Error),
    /// As many events as the host takes at once are being decided: nothing was done.
    #[error("too many events at once; send it again in a second (系统繁忙，请稍后重试)")]
    Busy,
}

#[derive(Debug, thiserror::Error)]
pub enum DeployFailure {
    #[error("unknown street {0:?}")]
    UnknownStreet(String),
    #[error("invalid plugin name {0:?}: use 1 to 64 lowercase letters, digits and dashes")]
    InvalidName(String),
    #[error(transparent)]
    Rejected(#[from] DeployError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl Platform {
    /// Connects to the database, seeds it on first start, loads reference data and the active
    /// plugins, and starts the writer and the scenario worker.
    pub async fn start(settings: &Settings) -> anyhow::Result<Arc<Self>> {
        let db = Db::connect(&settings.database_url()).await?;
        // Read before the reference: an import in between is reloaded, not missed. Seeding
        // moves it, and what it wrote is what this host has.
        let generation = db.reference_generation().await?;
        let (reference, seeded) = seed::stored_or_seeded(&db).await?;
        let generation = if seeded { generation + 1 } else { generation };
        let per_community = settings.seed_buildings_per_community;
        if seeded && per_community > 0 {
            let (buildings, entities) =
                crate::base_data::generate::seed(&db, &reference, per_community).await?;
            tracing::info!(
                buildings,
                entities,
                "generated base data seeded (streetwise generate buildings writes more)"
            );
        }
        for year in reference.calendar.years() {
            tracing::debug!(year = year.year, "working calendar loaded");
        }
        let this_year = settings
            .clock
            .now()
            .to_zoned_datetime(crate::calendar::china())
            .year();
        for year in [this_year, this_year + 1] {
            if !reference.calendar.knows_year(year) {
                tracing::warn!(
                    year,
                    "no working calendar for {year}: Monday to Friday assumed; load it with `streetwise import calendar`"
                );
            }
        }
        let threshold = settings.classifier.manual_dispatch_below;
        training::ensure_model(
            &db,
            &reference.catalog,
            threshold,
            settings.clock.now(),
            settings.classifier.model_cache.as_deref(),
        )
        .await?;
        let understanding = Arc::new(Understanding::new(threshold));
        understanding.refresh(&db).await?;
        let runtime = Arc::new(Runtime::new(settings.limits())?);
        let pipeline = Pipeline {
            reference: Arc::new(SharedReference::new(reference)),
            registry: Arc::new(Registry::default()),
            runtime,
            db: db.clone(),
            clock: settings.clock.clone(),
            escalation: settings.escalation(),
            workloads: Workloads::new(db.clone()),
            shadows: Shadows::start(db.clone()),
            understanding: understanding.clone(),
            duplicates: settings.duplicates.rules(),
        };
        // Read before loading: a change in between is synced, not missed.
        let plugin_generation = db.plugin_generation().await?;
        load_active_plugins(&pipeline).await?;
        let refresh = std::time::Duration::from_secs(settings.reference_refresh_secs.max(1));
        let wakes = listen::Wakes::default();
        let reference_task = tokio::spawn(reference::keep_current(
            db.clone(),
            pipeline.reference.clone(),
            generation,
            refresh,
            wakes.reference.clone(),
        ));
        let plugins_task = tokio::spawn(plugins::keep_current(
            pipeline.clone(),
            plugin_generation,
            refresh,
            wakes.plugins.clone(),
        ));
        let listen_task = match db.backend() {
            crate::storage::Backend::Postgres => {
                tokio::spawn(listen::listen(settings.database_url(), wakes))
            }
            crate::storage::Backend::Sqlite => tokio::spawn(async {}),
        };
        let retrain_every = (settings.classifier.retrain_days > 0)
            .then(|| SignedDuration::from_hours(24 * i64::from(settings.classifier.retrain_days)));
        let classifier_task = tokio::spawn(understanding.keep_current(
            db.clone(),
            pipeline.reference.clone(),
            settings.clock.clone(),
            Keeping {
                refresh: std::time::Duration::from_secs(
                    settings.classifier.classifier_refresh_secs.max(1),
                ),
                retrain: retrain_every,
            },
        ));

        // This process, as the leases it takes name it.
        let host = format!("host-{}", Uuid::now_v7().simple());
        let lanes = Arc::new(LaneWakes::default());
        let metrics = Arc::new(Metrics::default());
        let writer = Writer::start(
            db.clone(),
            settings.max_batch,
            lanes.clone(),
            metrics.clone(),
        );
        let scenario_task = if settings.run_scenarios {
            tokio::spawn(ScenarioWorker::new(pipeline.clone(), lanes, host.clone()).run())
        } else {
            tracing::info!("scenarios are not run by this host");
            tokio::spawn(async {})
        };
        let timer_task = if settings.run_timers {
            let interval = std::time::Duration::from_secs(settings.timer_interval_secs.max(1));
            tokio::spawn(run_timers(pipeline.clone(), interval, metrics.clone()))
        } else {
            tracing::info!("case timers are not run by this host");
            tokio::spawn(async {})
        };
        let surges = settings.surges.config();
        let surge_task = if settings.surges.run_surges {
            tokio::spawn(crate::surge::scan::run(
                db.clone(),
                surges,
                settings.clock.clone(),
                settings.surges.scan_every(),
            ))
        } else {
            tracing::info!("surges are not watched by this host");
            tokio::spawn(async {})
        };
        let outbox_task = if settings.outbox.run_outbox {
            tokio::spawn(crate::outbox::run(db.clone(), settings.outbox.delivery()))
        } else {
            tracing::info!("notices to channels are not delivered by this host");
            tokio::spawn(async {})
        };
        let admin_token = auth::admin_token(settings)?;
        let platform = Arc::new(Self {
            pipeline,
            writer,
            admin_token,
            weights: settings.weights(),
            lifetimes: settings.people.lifetimes(),
            secure_cookies: settings.people.secure_cookies,
            retention: settings.people.retention(),
            replays: ReplayGate::default(),
            scenario_task,
            timer_task,
            classifier_task,
            reference_task,
            plugins_task,
            listen_task,
            host,
            intake_gate: tokio::sync::Semaphore::new(
                usize::try_from(settings.http.max_in_flight_events).unwrap_or(usize::MAX),
            ),
            retrain_every,
            surges,
            surge_task,
            outbox_task,
            rotation_grace: settings.outbox.rotation_grace(),
            open311: settings.open311.clone(),
            metrics,
            plugins_loaded: AtomicBool::new(false),
        });
        if let Some(manifest) = &settings.examples {
            platform.deploy_manifest(manifest).await?;
        }
        if settings.people.demo_accounts {
            crate::auth::demo::ensure(platform.db(), &platform.reference(), &settings.data_dir)
                .await?;
        }
        platform.plugins_loaded.store(true, Ordering::Release);
        Ok(platform)
    }

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

    /// Validates, decides and durably stores one event.
    pub async fn submit(&self, request: NewEventRequest) -> Result<Submitted, SubmitError> {
        let submitted = self.submit_event(request).await;
        self.metrics.intake.record(match &submitted {
            Ok(Submitted::Created(record)) if record.duplicate_of.is_some() => {
                IntakeOutcome::DuplicateSuspected
            }
            Ok(Submitted::Created(record)) if record.status == Status::Accepted => {
                IntakeOutcome::ManualDispatch
            }
            Ok(Submitted::Created(_)) => IntakeOutcome::Dispatched,
            Ok(Submitted::Existing(_)) => IntakeOutcome::Resent,
            Err(SubmitError::Invalid(_)) => IntakeOutcome::Invalid,
            Err(SubmitError::Refused(_)) => IntakeOutcome::Refused,
            Err(SubmitError::Storage(_)) => IntakeOutcome::Unavailable,
            Err(SubmitError::Busy) => IntakeOutcome::Overloaded,
        });
        submitted
    }

    async fn submit_event(&self, request: NewEventRequest) -> Result<Submitted, SubmitError> {
        // Beyond what it can decide and store in a moment the host refuses at once, instead
        // of letting every answer wait behind a queue.
        let _admitted = self
            .intake_gate
            .try_acquire()
            .map_err(|_| SubmitError::Busy)?;
        let reference = self.reference();
        let id = Uuid::now_v7().to_string();
        let event = request.validate(&reference, id, self.pipeline.clock.now())?;
        // No read before deciding: a resend is rare, so it is cheaper to decide it again and
        // let the insert's unique (source, external_id) turn it into the original.
        let (source, external_id) = (event.source, event.external_id.clone());
        let Decision {
            record,
            reservation,
        } = self.pipeline.decide(event).await;
        match self.writer.store(record.clone()).await {
            Ok(Written::Stored { .. }) => {
                if let Some(reservation) = reservation {
                    reservation.stored();
                }
                Ok(Submitted::Created(record))
            }
            Ok(Written::Duplicate) => {
                // The channel sent this (source, external id) before, or a concurrent resend won.
                let external_id = external_id.unwrap_or_default();
                let existing = self
                    .db()
                    .event_by_external_id(source, &external_id)
                    .await
                    .map_err(SubmitError::Storage)?
                    .ok_or_else(|| {
                        SubmitError::Storage(anyhow::anyhow!(
                            "the event stored as ({source:?}, {external_id:?}) vanished"
                        ))
                    })?;
                Ok(Submitted::Existing(existing.record))
            }
            Err(refused @ StoreError::Refused(_)) => Err(SubmitError::Refused(refused)),
            Err(failed) => Err(SubmitError::Storage(failed.into())),
        }
    }

    /// Checks, compiles, stores and activates a plugin version for a street.
    pub async fn deploy(
        &self,
        street: &str,
        name: &str,
        bytes: Vec<u8>,
        deployed_by: &str,
    ) -> Result<PluginVersion, DeployFailure> {
        self.deploy_version(street, name, bytes, deployed_by, VersionOptions::default())
            .await
    }

    /// Checks, compiles and stores a plugin version for a street, and makes it active or runs
    /// it in shadow beside the active one.
    pub async fn deploy_version(
        &self,
        street: &str,
        name: &str,
        bytes: Vec<u8>,
        deployed_by: &str,
        options: VersionOptions,
    ) -> Result<PluginVersion, DeployFailure> {
        let street_code = self
            .street_code(street)
            .ok_or_else(|| DeployFailure::UnknownStreet(street.into()))?;
        if !valid_plugin_name(name) {
            return Err(DeployFailure::InvalidName(name.into()));
        }
        let (compiled, bytes) = self.compile_plugin(bytes).await?;
        self.store_version(&street_code, name, compiled, bytes, deployed_by, options)
            .await
    }

    /// Checks and compiles a component within the compile bounds.
    pub(crate) async fn compile_plugin(
        &self,
        bytes: Vec<u8>,
    ) -> Result<(CompiledPlugin, Vec<u8>), DeployFailure> {
        // Bounded in time, cores and function size, off the async threads.
        let compiled = self.pipeline.runtime.compile_bounded(&bytes).await?;
        Ok((compiled, bytes))
    }

    /// Stores a compiled version of a street's plugin and installs it.
    pub(crate) async fn store_version(
        &self,
        street_code: &str,
        name: &str,
        compiled: CompiledPlugin,
        bytes: Vec<u8>,
        deployed_by: &str,
        options: VersionOptions,
    ) -> Result<PluginVersion, DeployFailure> {
        let sha256 = hex::encode(Sha256::digest(&bytes));
        let new = NewVersion {
            street_code,
            name,
            kind: compiled.kind(),
            sha256: &sha256,
            deployed_by,
            notes: options.notes.as_deref(),
            mode: options.mode,
            grants: &options.grants,
            run_order: options.order,
        };
        let meta = self.db().deploy_plugin(new, &bytes).await?;
        let config = self.db().plugin_config(street_code, name).await?;
        tracing::info!(
            street = %street_code,
            plugin = name,
            version = meta.version,
            kind = meta.kind.as_str(),
            sha256 = %sha256,
            shadow = meta.shadow.is_some(),
            replaced = ?meta.replaced,
            "plugin deployed"
        );
        self.pipeline
            .install(Arc::new(LoadedPlugin::new(meta.clone(), compiled, config)));
        Ok(meta)
    }

    /// Sets a plugin's configuration; active versions see it from their next call.
    pub async fn set_plugin_config(
        &self,
        street: &str,
        name: &str,
        config: BTreeMap<String, String>,
    ) -> Result<(), DeployFailure> {
        let street_code = self
            .street_code(street)
            .ok_or_else(|| DeployFailure::UnknownStreet(street.into()))?;
        self.db()
            .set_plugin_config(&street_code, name, &config)
            .await?;
        for plugin in self.registry().active_in(&street_code) {
            if plugin.meta.name == name {
                plugin.set_config(config.clone());
            }
        }
        Ok(())
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

/// Loads and compiles every active version at start (one Cranelift compile each).
/// Scans for due case timers every `interval`. A failed scan is logged and retried at the
/// next tick: the timers stay in the database until they fire.
async fn run_timers(pipeline: Pipeline, interval: std::time::Duration, metrics: Arc<Metrics>) {
    let mut tick = tokio::time::interval(interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let fired = timers::fire_due(&pipeline.db, pipeline.escalation, pipeline.clock.now()).await;
        metrics.timers.record(&fired);
        match fired {
            Ok(fired) if fired.total() > 0 => tracing::info!(
                warnings = fired.warnings,
                overdue = fired.overdue,
                escalations = fired.escalations,
                erased = fired.erased,
                "case timers fired"
            ),
            Ok(_) => {}
            Err(e) => tracing::warn!("case timer scan failed: {e:#}"),
        }
    }
}

/// Loads the stored active and shadow versions: a version that no longer compiles is logged
/// and left out (the district defaults apply), anything else stops the start.
async fn load_active_plugins(pipeline: &Pipeline) -> anyhow::Result<()> {
    let mut rows = pipeline.db.active_plugins().await?;
    rows.extend(pipeline.db.shadow_plugins().await?);
    for row in rows {
        let (street, name, version) = (
            row.meta.street_code.clone(),
            row.meta.name.clone(),
            row.meta.version,
        );
        match load_version(pipeline, row).await {
            Ok(loaded) => {
                tracing::info!(%street, plugin = %name, version, shadow = loaded.meta.shadow.is_some(), "plugin loaded");
                pipeline.install(loaded);
            }
            Err(VersionError::Compile(e)) => tracing::error!(
                %street,
                plugin = %name,
                version,
                error = %e,
                "stored plugin no longer compiles; the district defaults apply"
            ),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

pub(crate) fn valid_plugin_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.starts_with('-')
}
