//! The operators function: operators, their system-wide permissions and off-duty schedules.

mod operators;
mod permissions;
mod schedules;
mod sign_in;

use axum::Router;
use hub_api::AppState;
use hub_api::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .list("/operators", operators::list)
        .post("/operators", operators::create)
        .get("/operators/{id}", operators::fetch)
        .patch("/operators/{id}", operators::update)
        .delete("/operators/{id}", operators::remove)
        .list("/operators/{id}/groups", operators::groups)
        .get("/operators/{id}/permissions", permissions::list)
        .put("/operators/{id}/permissions/{permission}", permissions::grant)
        .delete("/operators/{id}/permissions/{permission}", permissions::revoke)
        .get("/operators/{id}/duty-schedules", schedules::list)
        .post("/operators/{id}/duty-schedules", schedules::create)
        .get("/operators/{id}/duty-schedules/{scheduleId}", schedules::fetch)
        .put("/operators/{id}/duty-schedules/{scheduleId}", schedules::replace)
        .delete("/operators/{id}/duty-schedules/{scheduleId}", schedules::remove)
        .delete("/operators/{id}/sign-in", sign_in::reset)
}

/// This function's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        operators::list, operators::create, operators::fetch, operators::update, operators::remove, operators::groups,
        permissions::list, permissions::grant, permissions::revoke,
        schedules::list, schedules::create, schedules::fetch, schedules::replace, schedules::remove,
        sign_in::reset,
    ),
    tags((name = "Operators"), (name = "Permissions"), (name = "Off-duty schedules"))
)]
pub struct Doc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    hub_api::openapi::finish(<Doc as utoipa::OpenApi>::openapi())
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}
