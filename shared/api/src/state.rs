use std::sync::Arc;

use hub_store::{Store, StoreConfig};

use crate::auth::{JwtConfig, JwtVerifier};
use crate::caller::Authenticator;
use crate::clock::Clock;
use crate::config::HubConfig;

/// Everything a handler needs; built once per process (Lambda init or server start).
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub authn: Authenticator,
    pub config: Arc<HubConfig>,
    pub clock: Clock,
}

impl AppState {
    pub fn new(store: Store, jwt: JwtConfig, config: HubConfig, clock: Clock) -> Self {
        AppState { store, authn: Authenticator::new(JwtVerifier::new(jwt)), config: Arc::new(config), clock }
    }

    /// The state a Lambda function or the local server builds from its environment.
    pub async fn from_env() -> Result<Self, String> {
        let store = Store::connect(&StoreConfig::from_env()).await;
        Ok(AppState::new(store, JwtConfig::from_env(), HubConfig::from_env()?, Clock::system()))
    }
}
