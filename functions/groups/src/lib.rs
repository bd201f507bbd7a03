//! The groups function: operator groups, their members, their system-wide permissions and the
//! group-wide Active switch.

mod groups;
mod members;
mod permissions;

use axum::Router;
use hub_api::AppState;
use hub_api::routes::Routes;

pub fn routes() -> Routes {
    Routes::new()
        .list("/groups", groups::list)
        .post("/groups", groups::create)
        .get("/groups/{id}", groups::fetch)
        .patch("/groups/{id}", groups::update)
        .delete("/groups/{id}", groups::remove)
        .list("/groups/{id}/members", members::list)
        .put("/groups/{id}/members/{operatorId}", members::add)
        .delete("/groups/{id}/members/{operatorId}", members::remove)
        .get("/groups/{id}/permissions", permissions::list)
        .put("/groups/{id}/permissions/{permission}", permissions::grant)
        .delete("/groups/{id}/permissions/{permission}", permissions::revoke)
        .post("/groups/{id}/duty", members::set_duty)
}

/// This function's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        groups::list, groups::create, groups::fetch, groups::update, groups::remove,
        members::list, members::add, members::remove, members::set_duty,
        permissions::list, permissions::grant, permissions::revoke,
    ),
    tags((name = "Groups"), (name = "Members"), (name = "Group permissions"))
)]
pub struct Doc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    hub_api::openapi::finish(<Doc as utoipa::OpenApi>::openapi())
}

pub fn router(state: AppState) -> Router {
    routes().into_router(state)
}
