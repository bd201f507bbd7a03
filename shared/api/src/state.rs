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

    /// Authenticates an `Authorization` header value with this state's store and clock (see
    /// [`Authenticator::authenticate`]).
    pub async fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<crate::caller::Caller, crate::error::ApiError> {
        self.authn.authenticate(&self.store, &self.clock, authorization).await
    }

    /// The state a Lambda function builds from its environment. Refuses a configuration that
    /// trusts more than it should (`JwtConfig::check`: a JWKS without issuer and audience, or
    /// over plain http; HS256 inside Lambda, beside a JWKS or with a weak or published secret;
    /// inside Lambda, a missing cursor key), naming the variable to fix.
    pub async fn from_env() -> Result<Self, String> {
        let jwt = JwtConfig::from_env();
        jwt.check()?;
        let store_config = StoreConfig::from_env()?;
        let config = HubConfig::from_env()?;
        let store = Store::connect(&store_config).await?;
        Ok(AppState::new(store, jwt, config, Clock::system()))
    }
}
