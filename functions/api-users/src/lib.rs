//! The api-users function: API users, the credential pairs operators' scripts use with HTTP
//! Basic. Routes and the decisions behind them: [`handlers`]; usage and inactivity rules shared
//! with the maintenance job: [`activity`]. Authentication itself (including Basic) is
//! `hub_api::caller`, the same code as the Lambda authorizer's.

pub mod activity;
pub mod handlers;

use axum::Router;
use hub_api::AppState;
use hub_api::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .list("/api-users", handlers::list)
        .post("/api-users", handlers::create)
        .get("/api-users/{id}", handlers::fetch)
        .patch("/api-users/{id}", handlers::update)
        .delete("/api-users/{id}", handlers::remove)
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}
