//! Taking one event in: admission under the intake gate, validation, the decision and the
//! durable store, with the outcome counted for `/metrics`.

use uuid::Uuid;

use super::Platform;
use crate::domain::{EventRecord, Status};
use crate::intake::{Decision, InvalidEvent, NewEventRequest, StoreError, Written};
use crate::telemetry::metrics::IntakeOutcome;

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

impl Platform {
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
        match self.writer.store(record).await {
            Ok((Written::Stored { .. }, record)) => {
                if let Some(reservation) = reservation {
                    reservation.stored();
                }
                Ok(Submitted::Created(record))
            }
            Ok((Written::Duplicate, _)) => {
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
}
