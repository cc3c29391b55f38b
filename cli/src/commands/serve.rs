//! `mithril-compat serve`: an aggregator endpoint with the in-memory backend, and its adoption
//! records in an SQLite database with `--records`.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use clap::Args;
use mithril_compat::adoption::RegistrationWire;
use mithril_compat::adoption::dashboard::{self, Dashboard, DashboardConfig};
use mithril_compat::adoption::{AdoptionMonitor, RecordStore, SqliteStore, StoreError};
use mithril_compat::domain::AggregatorFeatures;
use mithril_compat::domain::{
    Epoch, EpochSettings, EraName, PartyId, ProtocolConfiguration, ProtocolParameters,
    SignerRegistration, SingleSignature, SoftwareVersion, Stake,
};
use mithril_compat::era::{
    Era, EraMarker, EraReader, EraVerificationKey, FileSource, MarkerKind, MarkerStateStore,
    NetworkMagic, ReaderState, StateStoreError, entry_key,
};
use mithril_compat::samples;
use mithril_compat::transport::aggregator::{
    AggregatorState, BackendError, InMemoryBackend, SignerBackend,
};
use mithril_compat::transport::grpc::serve;
use mithril_compat::transport::http::{HttpConfig, router, serve as serve_http};
use mithril_compat::wire::WireVersion;

/// Arguments of `serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Address of the gRPC endpoint (port 0 picks a free port; the address is printed), or
    /// `none` to serve HTTP alone.
    #[arg(long, default_value = "127.0.0.1:50051")]
    listen: Listen,
    /// Also serve today's HTTP routes (JSON, and protobuf by content negotiation) on this
    /// address, over the same backend; `/metrics` and the adoption dashboard (`/adoption`,
    /// `/adoption.json`) sit beside them, outside the base path.
    #[arg(long)]
    http: Option<SocketAddr>,
    /// Where the HTTP signer routes sit.
    #[arg(long, default_value = "/aggregator")]
    base_path: String,
    /// Wire versions to serve, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "v1,v2")]
    wire: Vec<WireVersion>,
    /// The aggregator's current epoch.
    #[arg(long, default_value_t = 0)]
    epoch: u64,
    /// A file of era marker payloads (default: pythagoras from epoch 0).
    #[arg(long, requires = "era_key")]
    era_markers: Option<PathBuf>,
    /// The era verification key file, for `--era-markers`.
    #[arg(long)]
    era_key: Option<PathBuf>,
    /// Network magic.
    #[arg(long, default_value_t = 1)]
    network: u32,
    /// The marker-state file: what this node accepted before, kept between runs (replays and
    /// rewrites of the past are refused against it).
    #[arg(long, default_value = super::era::DEFAULT_STATE_FILE)]
    era_state: PathBuf,
    /// Keep the adoption records (registrations, with the provenance of their declarations, and
    /// signature counts) in this SQLite database, created when missing and kept between runs;
    /// `/metrics` then reports from it, and `adoption report --records` reads it, even while the
    /// endpoint runs. `none` keeps them in memory for the run only.
    #[arg(long, value_name = "DB|none", default_value = DEFAULT_RECORDS)]
    records: String,
}

/// The SQLite database `serve` keeps its adoption records in, unless told otherwise.
pub const DEFAULT_RECORDS: &str = "mithril-compat-adoption.sqlite3";

/// `--records`: a database path, or `none`.
fn records_path(text: &str) -> Option<PathBuf> {
    (text != "none").then(|| PathBuf::from(text))
}

/// Where the gRPC endpoint listens: an address, or `none`.
#[derive(Clone, Copy, Debug)]
pub enum Listen {
    /// On this address.
    At(SocketAddr),
    /// Not at all.
    None,
}

impl std::str::FromStr for Listen {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text == "none" {
            return Ok(Self::None);
        }
        text.parse().map(Self::At).map_err(|error| {
            format!("{text:?}: {error} (an address such as 127.0.0.1:50051, or none)")
        })
    }
}

/// A failure of `serve`.
#[derive(Debug, thiserror::Error)]
pub enum ServeCliError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Serve(#[from] mithril_compat::transport::grpc::ServeError),
}

fn markers(args: &ServeArgs) -> Result<Vec<EraMarker>, ServeCliError> {
    let (Some(file), Some(key)) = (&args.era_markers, &args.era_key) else {
        return Ok(vec![EraMarker::scheduled(
            Era::Pythagoras.era_name(),
            Epoch(0),
        )]);
    };
    let key = std::fs::read_to_string(key)
        .map_err(|error| ServeCliError::Setup(format!("{}: {error}", key.display())))?;
    let key = EraVerificationKey::from_hex(&key)
        .map_err(|error| ServeCliError::Setup(error.to_string()))?;
    let network = NetworkMagic(args.network);
    let setup = |error: StateStoreError| ServeCliError::Setup(error.to_string());
    let mut store = MarkerStateStore::open(&args.era_state).map_err(setup)?;
    let entry = entry_key(network, MarkerKind::CompatEra, &key);
    let previous: ReaderState = store.get(&entry).map_err(setup)?;
    let report =
        EraReader::new(network, key).read(&FileSource::new(file), &previous, Epoch(args.epoch));
    if let Some(error) = report.source_error {
        return Err(ServeCliError::Setup(error.to_string()));
    }
    store.put(&entry, &report.state).map_err(setup)?;
    for rejection in &report.rejected {
        tracing::warn!(
            "era payload #{} rejected: {}",
            rejection.index,
            rejection.reason
        );
    }
    Ok(report.state.markers().to_vec())
}

async fn bind(address: SocketAddr) -> Result<tokio::net::TcpListener, ServeCliError> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|error| ServeCliError::Setup(format!("{address}: {error}")))
}

fn local(listener: &tokio::net::TcpListener) -> Result<SocketAddr, ServeCliError> {
    listener
        .local_addr()
        .map_err(|error| ServeCliError::Setup(error.to_string()))
}

/// The in-memory backend, with the adoption records its monitor keeps also written to an SQLite
/// database, one transaction per record, before the call is answered.
struct RecordingBackend {
    backend: Arc<InMemoryBackend>,
    records: Mutex<Recorded>,
}

/// The database, and what of this run's signature counts it already has.
struct Recorded {
    store: SqliteStore,
    /// Signatures of this run already written, by epoch and party (the in-memory monitor counts
    /// those of this run; the database adds them to what earlier runs counted).
    written: BTreeMap<(Epoch, PartyId), u64>,
}

impl RecordingBackend {
    fn new(backend: Arc<InMemoryBackend>, store: SqliteStore) -> Self {
        Self {
            backend,
            records: Mutex::new(Recorded {
                store,
                written: BTreeMap::new(),
            }),
        }
    }

    /// Runs `f` on the database, on a thread allowed to block (a write waits for the disk).
    fn with_records<R>(&self, f: impl FnOnce(&mut Recorded) -> R) -> R {
        tokio::task::block_in_place(|| {
            // A panic while holding the lock leaves no half-written record (SQLite rolls the
            // transaction back): keep serving.
            let mut records = self
                .records
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&mut records)
        })
    }
}

fn internal(error: StoreError) -> BackendError {
    BackendError::Internal(format!("adoption records: {error}"))
}

#[async_trait::async_trait]
impl SignerBackend for RecordingBackend {
    async fn register_signer(
        &self,
        registration: SignerRegistration,
        wire: RegistrationWire,
    ) -> Result<(), BackendError> {
        let (epoch, party) = (registration.epoch, registration.party_id.clone());
        self.backend.register_signer(registration, wire).await?;
        // The record the in-memory monitor made of it (its stake and provenance), read under the
        // lock: of two registrations of a party answered together, the one written last reads
        // the latest.
        self.with_records(|records| {
            let record = self
                .backend
                .with_monitor(|monitor| monitor.store().registration(epoch, &party).cloned());
            match record {
                Some(record) => records.store.put_registration(record).map_err(internal),
                None => Ok(()),
            }
        })
    }

    async fn register_signature(
        &self,
        signature: SingleSignature,
        wire: RegistrationWire,
    ) -> Result<(), BackendError> {
        let party = signature.party_id.clone();
        self.backend.register_signature(signature, wire).await?;
        let epoch = self.backend.epoch();
        // Under the lock: of two calls answered together, the first writes both signatures and
        // the second none (a signature received again is not counted again).
        self.with_records(|records| {
            let counted = self
                .backend
                .with_monitor(|monitor| monitor.store().signature_count(epoch, &party));
            let written = records.written.entry((epoch, party.clone())).or_default();
            let new = counted.saturating_sub(*written);
            if new == 0 {
                return Ok(());
            }
            let before = *written;
            *written = counted;
            records
                .store
                .put_signatures(epoch, &party, new)
                .inspect_err(|_| {
                    records.written.insert((epoch, party.clone()), before);
                })
                .map_err(internal)
        })
    }

    async fn epoch_settings(&self) -> Result<EpochSettings, BackendError> {
        self.backend.epoch_settings().await
    }

    async fn protocol_configuration(
        &self,
        epoch: Epoch,
    ) -> Result<ProtocolConfiguration, BackendError> {
        self.backend.protocol_configuration(epoch).await
    }

    async fn aggregator_features(&self) -> Result<AggregatorFeatures, BackendError> {
        self.backend.aggregator_features().await
    }
}

/// Where `/metrics` reads the adoption records.
#[derive(Clone)]
enum MetricsSource {
    /// The in-memory backend's monitor.
    Memory(Arc<InMemoryBackend>),
    /// The SQLite database, with a read-only connection per scrape, and the settings of the
    /// backend's monitor.
    Sqlite {
        path: PathBuf,
        parameters: ProtocolParameters,
        era: EraName,
    },
}

impl MetricsSource {
    fn prometheus(&self, epoch: Epoch) -> String {
        match self {
            Self::Memory(backend) => backend.with_monitor(|monitor| {
                monitor
                    .report(epoch)
                    .map(|report| report.to_prometheus())
                    .unwrap_or_default()
            }),
            Self::Sqlite {
                path,
                parameters,
                era,
            } => sqlite_prometheus(path, *parameters, era.clone(), epoch).unwrap_or_default(),
        }
    }
}

impl MetricsSource {
    /// The dashboard of `epoch`, from the same records as `/metrics`.
    fn dashboard(&self, epoch: Epoch) -> Result<Dashboard, String> {
        let config = DashboardConfig::default();
        match self {
            Self::Memory(backend) => backend
                .with_monitor(|monitor| monitor.dashboard(epoch, &config))
                .map_err(|error| error.to_string()),
            Self::Sqlite {
                path,
                parameters,
                era,
            } => {
                let store = SqliteStore::open_read_only(path).map_err(|error| error.to_string())?;
                let monitor = AdoptionMonitor::new(store, *parameters, era.clone());
                let dashboard = monitor.dashboard(epoch, &config);
                if let Some(error) = monitor.store().take_read_error() {
                    return Err(error.to_string());
                }
                dashboard.map_err(|error| error.to_string())
            }
        }
    }
}

/// `GET /adoption` and `GET /adoption.json`: the dashboard of the current epoch, from the same
/// records as `/metrics`, with the era schedule the endpoint reads; outside the base path.
fn dashboard_routes(state: Arc<AggregatorState>, source: MetricsSource) -> axum::Router {
    dashboard::routes(move || {
        let view = state.era_view();
        let current = view
            .epochs
            .current
            .as_ref()
            .map(|current| (current.name.clone(), current.since));
        Ok(source
            .dashboard(view.epoch)?
            .with_schedule(current, &view.markers))
    })
}

fn sqlite_prometheus(
    path: &Path,
    parameters: ProtocolParameters,
    era: EraName,
    epoch: Epoch,
) -> Option<String> {
    let store = SqliteStore::open_read_only(path)
        .inspect_err(|error| tracing::warn!("/metrics: {error}"))
        .ok()?;
    let monitor = AdoptionMonitor::new(store, parameters, era);
    let report = monitor.report(epoch);
    if let Some(error) = monitor.store().take_read_error() {
        tracing::warn!("/metrics: {error}");
        return None;
    }
    report.ok().map(|report| report.to_prometheus())
}

/// `GET /metrics`: the adoption report in Prometheus' text format, outside the base path.
fn metrics_route(backend: Arc<InMemoryBackend>, source: MetricsSource) -> axum::Router {
    axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let backend = backend.clone();
            let source = source.clone();
            async move {
                let epoch = backend.epoch();
                let text = tokio::task::block_in_place(|| source.prometheus(epoch));
                (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    )],
                    text,
                )
            }
        }),
    )
}

/// Runs the endpoints until Ctrl-C.
pub fn run(args: ServeArgs) -> Result<(), ServeCliError> {
    // What the endpoint receives is logged through a non-blocking writer: when standard output is
    // slow, full or closed, lines are dropped, and no call ever waits on it or fails with it.
    let (writer, _flush_on_exit) = tracing_appender::non_blocking(std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .with_target(false)
        .try_init();
    let markers = markers(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| ServeCliError::Setup(error.to_string()))?;
    runtime.block_on(async move {
        let parameters = samples::epoch_settings()
            .signer_registration_protocol_parameters
            .expect("the sample has parameters");
        let era = EraName::new("lagrange").expect("valid");
        let backend = Arc::new(
            InMemoryBackend::new(parameters, era.clone())
                .with_default_stake(Stake(1))
                .with_certification(NetworkMagic(args.network))
                .echo(),
        );
        backend.set_epoch(Epoch(args.epoch));
        backend.set_stakes(BTreeMap::new());
        backend.set_epoch_settings(samples::epoch_settings());
        let (signer_backend, metrics_source): (Arc<dyn SignerBackend>, _) = match &records_path(&args.records) {
            Some(path) => {
                let store = SqliteStore::open(path)
                    .map_err(|error| ServeCliError::Setup(error.to_string()))?;
                tracing::info!("adoption records in {}", path.display());
                (
                    Arc::new(RecordingBackend::new(backend.clone(), store)),
                    MetricsSource::Sqlite {
                        path: path.clone(),
                        parameters,
                        era,
                    },
                )
            }
            None => (backend.clone(), MetricsSource::Memory(backend.clone())),
        };
        let state = Arc::new(AggregatorState::new(
            signer_backend,
            SoftwareVersion::new(env!("CARGO_PKG_VERSION")).expect("valid"),
            args.wire.clone(),
            NetworkMagic(args.network),
        ));
        state.set_epoch(Epoch(args.epoch), markers);
        let view = state.era_view();
        let packages = args
            .wire
            .iter()
            .map(|version| version.package())
            .collect::<Vec<_>>()
            .join(", ");
        let era = view
            .epochs
            .current
            .as_ref()
            .map_or_else(|| "none".to_owned(), |current| current.name.to_string());
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut tasks = tokio::task::JoinSet::new();
        if let Some(http_address) = args.http {
            let listener = bind(http_address).await?;
            let address = local(&listener)?;
            let config = HttpConfig::default().with_base_path(&args.base_path);
            let routes = router(state.clone(), &config)
                .merge(metrics_route(backend.clone(), metrics_source.clone()))
                .merge(dashboard_routes(state.clone(), metrics_source.clone()));
            tracing::info!(
                "HTTP on http://{address}{}: json, {packages}; /metrics, /adoption; epoch {}, era {era}",
                config.base_path,
                view.epoch
            );
            let mut stopped = stopped.clone();
            tasks.spawn(async move {
                serve_http(listener, routes, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
                .map_err(|error| ServeCliError::Setup(format!("HTTP: {error}")))
            });
        }
        if let Listen::At(grpc_address) = args.listen {
            let listener = bind(grpc_address).await?;
            let address = local(&listener)?;
            tracing::info!(
                "gRPC on {address}: {packages} + discovery, health, reflection; epoch {}, era {era}",
                view.epoch
            );
            let mut stopped = stopped.clone();
            let state = state.clone();
            tasks.spawn(async move {
                serve(listener, state, async move {
                    let _ = stopped.wait_for(|stop| *stop).await;
                })
                .await
                .map_err(ServeCliError::from)
            });
        }
        if tasks.is_empty() {
            return Err(ServeCliError::Setup(
                "nothing to serve: --listen none needs --http ADDR".to_owned(),
            ));
        }
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            Some(result) = tasks.join_next() => {
                let _ = stop.send(true);
                result.map_err(|error| ServeCliError::Setup(error.to_string()))??;
            }
        }
        let _ = stop.send(true);
        while let Some(result) = tasks.join_next().await {
            result.map_err(|error| ServeCliError::Setup(error.to_string()))??;
        }
        Ok(())
    })
}
