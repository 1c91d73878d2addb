//! Starting a host: connecting to the database, seeding it on first start, loading the
//! reference data and the stored plugins, and spawning the background tasks (writer,
//! scenarios, case timers, classifier, surges, outbox, keeping reference and plugins current).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::SignedDuration;
use uuid::Uuid;

use super::{Platform, listen, plugins, reference};
use crate::cases::timers;
use crate::cases::workloads::Workloads;
use crate::intake::{LaneWakes, Pipeline, ScenarioWorker, Writer};
use crate::reference::SharedReference;
use crate::runtime::{Registry, Runtime};
use crate::settings::Settings;
use crate::storage::Db;
use crate::telemetry::metrics::Metrics;
use crate::understanding::{Keeping, Understanding, training};
use crate::versions::{ReplayGate, Shadows};
use crate::{auth, seed};

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
                metrics.clone(),
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
}

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
        if let Some(loaded) = plugins::loaded(pipeline, row).await? {
            pipeline.install(loaded);
        }
    }
    Ok(())
}
