//! The monitors function: registered monitors (name, mode, Active flag), the item permissions
//! ("authorizations") operators and groups hold on them, and the per-monitor permissions
//! overview.
//!
//! Design decisions the contract leaves open, in one place:
//! - A monitor's `name` is 1-100 characters (trimmed, no control characters) and need not be
//!   unique. `mode` defaults to `Production`. `isActive` defaults to `true`, except in
//!   `Development`, where it defaults to `false` and cannot be `true` (400 on `isActive`). A PATCH
//!   is validated on the resulting monitor: moving an active monitor to `Development` needs
//!   `"isActive": false` in the same request.
//! - Every create, mode change and delete moves the account's `monitorsTotal` and
//!   `productionMonitors` in the same transaction (guarded by the monitor's `version`).
//! - Authorizations are cumulative both ways: granting a level also grants every lower one that is
//!   missing (each level is its own authorization with its own `authorizationId`); revoking a level
//!   (`DELETE .../authorizations/{authorizationId}`) also revokes every higher level the same
//!   principal holds on the monitor, so a principal always holds a contiguous range of levels
//!   starting at `ViewMonitorData`. Both hold under concurrent grants and revokes.
//! - `POST .../authorizations` always answers 201 with the principal's authorizations on the
//!   monitor after the grant (also when it already held them and nothing changed). The principal
//!   must exist in the account (404 otherwise); a malformed id in the body is 400.
//! - `GET /monitors/{id}/authorizations` is paged like every list, in the order of granting.
//! - Deleting a monitor removes its authorizations; deleting an operator or a group removes theirs.
//! - Writes check the caller's role before reading the body, so that a caller who may not write
//!   learns nothing from the validation of what it sent.

mod authorizations;
mod monitors;
mod permissions;

// `/monitors/permissions` is a static route, which axum (like API Gateway) always prefers over
// `/monitors/{id}`.
hub_api::function_routes! {
    tags: ["Monitors", "Monitor authorizations"],
    routes: {
        list "/monitors" => monitors::list,
        post "/monitors" => monitors::create,
        list "/monitors/permissions" => permissions::overview,
        get "/monitors/{id}" => monitors::fetch,
        patch "/monitors/{id}" => monitors::update,
        delete "/monitors/{id}" => monitors::remove,
        list "/monitors/{id}/authorizations" => authorizations::list,
        post "/monitors/{id}/authorizations" => authorizations::grant,
        delete "/monitors/{id}/authorizations/{authorizationId}" => authorizations::revoke,
    },
}
