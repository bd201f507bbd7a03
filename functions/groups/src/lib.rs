//! The groups function: operator groups, their members, their system-wide permissions and the
//! group-wide Active switch.

mod groups;
mod members;
mod permissions;

hub_api::function_routes! {
    tags: ["Groups", "Members", "Group permissions"],
    routes: {
        list "/groups" => groups::list,
        post "/groups" => groups::create,
        get "/groups/{id}" => groups::fetch,
        patch "/groups/{id}" => groups::update,
        delete "/groups/{id}" => groups::remove,
        list "/groups/{id}/members" => members::list,
        put "/groups/{id}/members/{operatorId}" => members::add,
        delete "/groups/{id}/members/{operatorId}" => members::remove,
        get "/groups/{id}/permissions" => permissions::list,
        put "/groups/{id}/permissions/{permission}" => permissions::grant,
        delete "/groups/{id}/permissions/{permission}" => permissions::revoke,
        post "/groups/{id}/duty" => members::set_duty,
    },
}
