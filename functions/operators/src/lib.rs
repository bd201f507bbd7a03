//! The operators function: operators, their system-wide permissions and off-duty schedules.

mod operators;
mod permissions;
mod schedules;
mod sign_in;

hub_api::function_routes! {
    tags: ["Operators", "Permissions", "Off-duty schedules"],
    routes: {
        list "/operators" => operators::list,
        post "/operators" => operators::create,
        get "/operators/{id}" => operators::fetch,
        patch "/operators/{id}" => operators::update,
        delete "/operators/{id}" => operators::remove,
        list "/operators/{id}/groups" => operators::groups,
        get "/operators/{id}/permissions" => permissions::list,
        put "/operators/{id}/permissions/{permission}" => permissions::grant,
        delete "/operators/{id}/permissions/{permission}" => permissions::revoke,
        get "/operators/{id}/duty-schedules" => schedules::list,
        post "/operators/{id}/duty-schedules" => schedules::create,
        get "/operators/{id}/duty-schedules/{scheduleId}" => schedules::fetch,
        put "/operators/{id}/duty-schedules/{scheduleId}" => schedules::replace,
        delete "/operators/{id}/duty-schedules/{scheduleId}" => schedules::remove,
        delete "/operators/{id}/sign-in" => sign_in::reset,
    },
}
