//! SCIM tokens: the credential of an identity provider at `/scim/v2`.
//!
//! A token is `scim_` and the base64url of the account id's 16 bytes, the token id's 16 bytes and
//! 32 random bytes (91 characters). It names the item it is checked against, so authenticating
//! is one conditional UpdateItem (`AccountStore::authenticate_scim_token`): no lookup table, no scan.
//! Only the SHA-256 of the whole token is stored.
//!
//! The SCIM function checks the token itself rather than the Lambda authorizer: the authorizer
//! serves the hub API, where a SCIM token must not work, and never learns this token kind; the
//! `/scim/v2` route has no authorizer, so a SCIM request costs one Lambda invocation and one
//! DynamoDB request for its credentials, and JWTs and API users are refused there simply because
//! this is the only credential the SCIM function knows.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hub_store::{AccountId, AccountScope, ScimTokenId};

use crate::caller::password_hash;
use crate::clock::format_timestamp;
use crate::error::ApiError;
use crate::state::AppState;

const PREFIX: &str = "scim_";
const SECRET_BYTES: usize = 32;
/// 64 bytes in unpadded base64url.
const ENCODED_CHARS: usize = 86;

/// Who is calling `/scim/v2`: a SCIM token of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimCaller {
    pub account_id: AccountId,
    pub scim_token_id: ScimTokenId,
}

impl ScimCaller {
    pub fn scope(&self) -> AccountScope {
        AccountScope::new(&self.account_id)
    }
}

/// A fresh token for this account and token id (both UUIDs, as issued by this server).
pub fn new_scim_token(account_id: &AccountId, scim_token_id: &ScimTokenId) -> Result<String, ApiError> {
    let account =
        uuid::Uuid::parse_str(account_id).map_err(|_| ApiError::Internal("account id is not a UUID".into()))?;
    let token =
        uuid::Uuid::parse_str(scim_token_id).map_err(|_| ApiError::Internal("token id is not a UUID".into()))?;
    let mut bytes = [0u8; 32 + SECRET_BYTES];
    bytes[..16].copy_from_slice(account.as_bytes());
    bytes[16..32].copy_from_slice(token.as_bytes());
    getrandom::fill(&mut bytes[32..]).map_err(|_| ApiError::Internal("the random source failed".into()))?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The account id and token id a token names, if it is shaped like one this server issued.
pub fn parse_scim_token(token: &str) -> Option<(AccountId, ScimTokenId)> {
    let encoded = token.strip_prefix(PREFIX)?;
    if encoded.len() != ENCODED_CHARS {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    if bytes.len() != 32 + SECRET_BYTES {
        return None;
    }
    let id = |b: &[u8]| uuid::Uuid::from_slice(b).ok().map(|u| u.hyphenated().to_string());
    Some((AccountId::new(id(&bytes[..16])?), ScimTokenId::new(id(&bytes[16..32])?)))
}

/// What is stored and compared: the lowercase hex SHA-256 of the whole token.
pub fn scim_token_hash(token: &str) -> String {
    password_hash(token)
}

/// Authenticates an `Authorization: Bearer <SCIM token>` header with one DynamoDB request (which
/// also records `lastUsedAt`). Anything else (a JWT, Basic credentials, a deleted token) is
/// [`ApiError::Unauthenticated`].
pub async fn authenticate(state: &AppState, authorization: Option<&str>) -> Result<ScimCaller, ApiError> {
    let token = authorization.and_then(crate::auth::bearer_token).ok_or(ApiError::Unauthenticated)?;
    let (account_id, scim_token_id) = parse_scim_token(token).ok_or(ApiError::Unauthenticated)?;
    let scope = AccountScope::new(&account_id);
    let now = format_timestamp(state.clock.now());
    if state.store.in_account(&scope).authenticate_scim_token(&scim_token_id, &scim_token_hash(token), &now).await? {
        Ok(ScimCaller { account_id, scim_token_id })
    } else {
        Err(ApiError::Unauthenticated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_account_and_id_and_nothing_else_parses() {
        let account = AccountId::new(crate::values::new_id());
        let id = ScimTokenId::new(crate::values::new_id());
        let a = new_scim_token(&account, &id).unwrap();
        let b = new_scim_token(&account, &id).unwrap();
        assert_ne!(a, b, "the secret part is random");
        assert_eq!(a.len(), PREFIX.len() + ENCODED_CHARS);
        assert_eq!(parse_scim_token(&a), Some((account.clone(), id.clone())));
        for bad in ["", "scim_", &a[1..], &format!("{a}A"), &a.replace("scim_", "hub_"), "eyJhbGciOiJIUzI1NiJ9.e30.x"] {
            assert_eq!(parse_scim_token(bad), None, "{bad}");
        }
        assert_ne!(scim_token_hash(&a), scim_token_hash(&b));
    }
}
