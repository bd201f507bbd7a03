//! The binding of an operator to its identity-provider subject (`hub_api::caller`): recorded at
//! its first sign-in, reset here by an administrator (a new identity-provider account, a
//! migration to another provider), after which the next token naming the operator binds again.

use axum::http::StatusCode;
use hub_api::audit::caller_context;
use hub_api::error::{ApiError, ApiResult};
use hub_api::extract::{Admin, PathIds};
use hub_store::OperatorId;

#[utoipa::path(delete, path = "/operators/{id}/sign-in", operation_id = "resetOperatorSignIn", tag = "Operators",
    description = "Forgets the identity-provider subject (`iss` + `sub`) bound to the operator at its first sign-in. \
                   Tokens naming the operator with another subject are refused (401) until this reset; the next token \
                   naming it then binds it again. Idempotent (204 when nothing is bound). Administrators only.",
    params(("id" = String, Path, description = "Operator id")),
    responses((status = 204, description = "The operator is no longer bound to a subject")))]
pub async fn reset(PathIds(id): PathIds<OperatorId>, Admin(call): Admin) -> ApiResult<StatusCode> {
    // Read first: 404 for no such operator, and the event names the operator.
    let op = call.store().operator(&id).await?.ok_or(ApiError::NotFound)?;
    if op.sign_in.is_some() {
        let change = hub_api::audit::change("signInBound", true, false);
        let event = hub_api::resource_events::event(&caller_context(&call), "operator.signInReset", &op, vec![change]);
        // `false`: reset meanwhile by another request, or the operator deleted: nothing to do.
        call.store().reset_operator_sign_in(&id, &event).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
