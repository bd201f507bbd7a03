//! The domain and HTTP layer every function shares: validated values, business rules, the one
//! error type (problem+json), authentication and the caller, extractors, response shapes.

pub mod activity;
pub mod audit;
pub mod auth;
pub mod caller;
pub mod clock;
pub mod config;
pub mod error;
pub mod extract;
pub mod groups;
pub mod http;
pub mod idempotency;
pub mod lambda;
pub mod lambda_events;
pub mod lists;
pub mod openapi;
pub mod operators;
pub mod outbound;
pub mod permission_routes;
pub mod provisioning;
pub mod resource_events;
pub mod retry;
pub mod routes;
pub mod rules;
pub mod schedule;
pub mod scim_token;
pub mod state;
pub mod throttle;
pub mod values;
pub mod views;

pub use caller::Caller;
pub use error::{ApiError, ApiResult, Conflict, FieldError};
pub use state::AppState;
