//! The discovery service: which wire versions and era this aggregator speaks.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::transport::aggregator::AggregatorState;
use crate::wire::discovery::pb as discovery_pb;

use super::common::*;
/// The discovery service.
#[derive(Clone, Debug)]
pub struct DiscoveryAdapter {
    pub(crate) state: Arc<AggregatorState>,
}

impl DiscoveryAdapter {
    /// The service over `state`, to mount on a tonic router.
    pub fn new(state: Arc<AggregatorState>) -> Self {
        Self { state }
    }
}

#[tonic::async_trait]
impl discovery_pb::discovery_service_server::DiscoveryService for DiscoveryAdapter {
    async fn discover(
        &self,
        _request: Request<discovery_pb::DiscoverRequest>,
    ) -> Result<Response<discovery_pb::DiscoverResponse>, Status> {
        let announcement = announcement(&self.state);
        let view = self.state.era_view();
        let history = self.state.history_id();
        Ok(Response::new(discovery_pb::DiscoverResponse {
            wire_versions: self
                .state
                .served
                .iter()
                .map(|version| version.id().number())
                .collect(),
            software_version: self.state.software_version.to_string(),
            epoch: view.epoch.0,
            current_era: announcement.current_era,
            current_era_since: announcement.current_era_since,
            next_era: announcement.next_era,
            next_era_epoch: announcement.next_era_epoch,
            era_history_hash: history.hash.to_vec().into(),
            era_history_next: history.next.map(|epoch| epoch.0),
            network: self.state.network.0,
        }))
    }
}
