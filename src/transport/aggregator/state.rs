//! The state every adapter shares: the backend, what is served, and the era schedule.

use std::sync::{Arc, RwLock};

use tokio::sync::watch;

use super::backend::SignerBackend;
use crate::domain::{Epoch, EraName, SoftwareVersion};
use crate::era::{Era, EraEpochs, EraMarker, NetworkMagic, schedule};
use crate::wire::WireVersion;
use crate::wire::discovery::EraHistoryId;

/// The era schedule as the aggregator applies it at its current epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EraView {
    /// The aggregator's current epoch.
    pub epoch: Epoch,
    /// The verified markers.
    pub markers: Vec<EraMarker>,
    /// The schedule at `epoch`.
    pub epochs: EraEpochs,
}

impl EraView {
    /// The view of `markers` at `epoch` (markers that describe no single history give no era).
    pub fn new(epoch: Epoch, markers: Vec<EraMarker>) -> Self {
        let epochs = schedule(&markers, epoch).unwrap_or(EraEpochs {
            epoch,
            current: None,
            next: None,
        });
        Self {
            epoch,
            markers,
            epochs,
        }
    }

    /// The current era, when this build supports it.
    pub fn current_era(&self) -> Option<(Era, Epoch)> {
        let current = self.epochs.current.as_ref()?;
        Era::from_name(current.name.as_str())
            .ok()
            .map(|era| (era, current.since))
    }

    /// The next era's name and activation epoch, when there is one.
    pub fn next_era(&self) -> Option<(EraName, Option<Epoch>)> {
        self.epochs
            .next
            .as_ref()
            .map(|next| (next.name.clone(), next.epoch))
    }
}

/// What the aggregator's endpoints share between their adapters: one state serves the gRPC
/// services and the HTTP routes together.
pub struct AggregatorState {
    pub(crate) backend: Arc<dyn SignerBackend>,
    pub(crate) software_version: SoftwareVersion,
    pub(crate) served: Vec<WireVersion>,
    pub(crate) network: NetworkMagic,
    /// The era view, and the version layer's response headers computed from it once per
    /// schedule change; replaced together.
    era: RwLock<(Arc<EraView>, Arc<ResponseHeaders>)>,
    pub(crate) changes: watch::Sender<u64>,
    #[cfg(feature = "grpc")]
    pub(crate) limits: crate::transport::grpc::ServerLimits,
}

/// The values the version layer puts on every response.
#[derive(Clone, Debug, Default)]
pub(crate) struct ResponseHeaders {
    pub(crate) aggregator_version: Option<http::HeaderValue>,
    pub(crate) current_era: Option<http::HeaderValue>,
}

impl ResponseHeaders {
    fn new(software_version: &SoftwareVersion, view: &EraView) -> Self {
        Self {
            aggregator_version: http::HeaderValue::from_str(software_version.as_str()).ok(),
            current_era: view
                .epochs
                .current
                .as_ref()
                .and_then(|current| http::HeaderValue::from_str(current.name.as_str()).ok()),
        }
    }
}

impl std::fmt::Debug for AggregatorState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregatorState")
            .field("software_version", &self.software_version)
            .field("served", &self.served)
            .field("network", &self.network)
            .field("era", &self.era_view())
            .finish_non_exhaustive()
    }
}

impl AggregatorState {
    /// State over `backend`, serving `served` wire versions, on `network`.
    pub fn new(
        backend: Arc<dyn SignerBackend>,
        software_version: SoftwareVersion,
        served: Vec<WireVersion>,
        network: NetworkMagic,
    ) -> Self {
        let (changes, _) = watch::channel(0);
        let view = EraView::new(Epoch(0), Vec::new());
        let headers = ResponseHeaders::new(&software_version, &view);
        Self {
            backend,
            software_version,
            served,
            network,
            era: RwLock::new((Arc::new(view), Arc::new(headers))),
            changes,
            #[cfg(feature = "grpc")]
            limits: crate::transport::grpc::ServerLimits::default(),
        }
    }

    /// The same state with other limits for the gRPC endpoint (see
    /// [`ServerLimits`](crate::transport::grpc::ServerLimits)).
    #[cfg(feature = "grpc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
    pub fn with_limits(mut self, limits: crate::transport::grpc::ServerLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits the gRPC endpoint applies.
    #[cfg(feature = "grpc")]
    #[cfg_attr(docsrs, doc(cfg(feature = "grpc")))]
    pub fn limits(&self) -> &crate::transport::grpc::ServerLimits {
        &self.limits
    }

    /// The backend every adapter calls.
    pub fn backend(&self) -> &std::sync::Arc<dyn SignerBackend> {
        &self.backend
    }

    /// The aggregator's software version, in `aggregator-node-version`.
    pub fn software_version(&self) -> &SoftwareVersion {
        &self.software_version
    }

    /// The network the era history is computed for.
    pub fn network(&self) -> NetworkMagic {
        self.network
    }

    /// A receiver told of every change of the epoch settings or era schedule.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// The era view now (shared: cheap to take on every call).
    pub fn era_view(&self) -> Arc<EraView> {
        self.era_now(|(view, _)| view.clone())
    }

    /// The version layer's response headers under the era view now.
    pub(crate) fn response_headers(&self) -> Arc<ResponseHeaders> {
        self.era_now(|(_, headers)| headers.clone())
    }

    fn era_now<T>(&self, take: impl FnOnce(&(Arc<EraView>, Arc<ResponseHeaders>)) -> T) -> T {
        take(
            &self
                .era
                .read()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }

    /// Moves to `epoch` with the verified `markers`; watchers of the epoch settings are told.
    pub fn set_epoch(&self, epoch: Epoch, markers: Vec<EraMarker>) {
        let view = EraView::new(epoch, markers);
        let headers = ResponseHeaders::new(&self.software_version, &view);
        *self
            .era
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = (Arc::new(view), Arc::new(headers));
        self.notify();
    }

    /// Tells watchers that the epoch settings changed.
    pub fn notify(&self) {
        self.changes.send_modify(|version| *version += 1);
    }

    /// The wire versions served.
    pub fn served(&self) -> &[WireVersion] {
        &self.served
    }

    /// The era history identifier now.
    pub fn history_id(&self) -> EraHistoryId {
        let view = self.era_view();
        EraHistoryId::compute(self.network, &view.markers, view.epoch)
    }
}
