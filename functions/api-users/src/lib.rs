//! The api-users function: API users, the credential pairs operators' scripts use with HTTP
//! Basic, and SCIM tokens, the credentials identity providers use at `/scim/v2`. Routes and the decisions behind them: [`handlers`]; usage and inactivity rules, shared
//! with the maintenance job: `hub_api::activity`. Authentication itself (including Basic) is
//! `hub_api::caller`, the same code as the Lambda authorizer's.

pub mod handlers;
pub mod scim_tokens;

hub_api::function_routes! {
    tags: ["API users", "SCIM tokens"],
    routes: {
        list "/api-users" => handlers::list,
        post "/api-users" => handlers::create,
        get "/api-users/{id}" => handlers::fetch,
        patch "/api-users/{id}" => handlers::update,
        delete "/api-users/{id}" => handlers::remove,
        get "/scim-tokens" => scim_tokens::list,
        post "/scim-tokens" => scim_tokens::create,
        get "/scim-tokens/{id}" => scim_tokens::fetch,
        delete "/scim-tokens/{id}" => scim_tokens::remove,
    },
}
