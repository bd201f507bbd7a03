//! Opaque list cursors: the position in a list (the DynamoDB key of the last item returned),
//! bound to the account and the list, signed so that a forged or edited cursor is refused.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::keys::AccountScope;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct CursorBody {
    /// Account the cursor was issued for.
    a: String,
    /// The list (e.g. `operators`, `members:<groupId>`).
    l: String,
    /// The key attributes of the last item returned.
    k: BTreeMap<String, String>,
}

#[derive(Clone)]
pub(crate) struct CursorCodec {
    secret: Vec<u8>,
}

/// A cursor that was not issued by this server, or for another account or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid cursor")]
pub struct InvalidCursor;

/// Cursors are short; anything longer is refused before any decoding work.
const MAX_CURSOR_LEN: usize = 2048;

impl CursorCodec {
    pub(crate) fn new(secret: &[u8]) -> Self {
        CursorCodec { secret: secret.to_vec() }
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        mac.update(payload);
        mac.finalize().into_bytes().to_vec()
    }

    pub(crate) fn encode(&self, scope: &AccountScope, list: &str, key: BTreeMap<String, String>) -> String {
        let body = CursorBody { a: scope.account_id().to_string(), l: list.to_owned(), k: key };
        let payload = serde_json::to_vec(&body).expect("cursor body serialises");
        let tag = self.mac(&payload);
        format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(tag))
    }

    pub(crate) fn decode(
        &self,
        scope: &AccountScope,
        list: &str,
        cursor: &str,
    ) -> Result<BTreeMap<String, String>, InvalidCursor> {
        if cursor.len() > MAX_CURSOR_LEN {
            return Err(InvalidCursor);
        }
        let (payload, tag) = cursor.split_once('.').ok_or(InvalidCursor)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| InvalidCursor)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| InvalidCursor)?;
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).expect("HMAC accepts any key length");
        mac.update(&payload);
        mac.verify_slice(&tag).map_err(|_| InvalidCursor)?;
        let body: CursorBody = serde_json::from_slice(&payload).map_err(|_| InvalidCursor)?;
        if body.a != scope.account_id().as_str() || body.l != list {
            return Err(InvalidCursor);
        }
        Ok(body.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> BTreeMap<String, String> {
        BTreeMap::from([("PK".to_owned(), "ACCOUNT#a".to_owned()), ("SK".to_owned(), "OPERATOR#1".to_owned())])
    }

    #[test]
    fn round_trips_for_the_same_account_and_list() {
        let codec = CursorCodec::new(b"k");
        let scope = AccountScope::new(&"a".into());
        let c = codec.encode(&scope, "operators", key());
        assert_eq!(codec.decode(&scope, "operators", &c), Ok(key()));
    }

    #[test]
    fn refuses_other_account_other_list_forged_and_garbage() {
        let codec = CursorCodec::new(b"k");
        let scope = AccountScope::new(&"a".into());
        let c = codec.encode(&scope, "operators", key());
        assert_eq!(codec.decode(&AccountScope::new(&"b".into()), "operators", &c), Err(InvalidCursor));
        assert_eq!(codec.decode(&scope, "groups", &c), Err(InvalidCursor));
        assert_eq!(CursorCodec::new(b"other").decode(&scope, "operators", &c), Err(InvalidCursor));
        // Same payload with the account edited but the old signature kept.
        let (payload, tag) = c.split_once('.').unwrap();
        let mut body: CursorBody = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        body.a = "b".into();
        let forged = format!("{}.{tag}", URL_SAFE_NO_PAD.encode(serde_json::to_vec(&body).unwrap()));
        assert_eq!(codec.decode(&AccountScope::new(&"b".into()), "operators", &forged), Err(InvalidCursor));
        for junk in ["", ".", "abc", "a.b.c", "%%%.%%%"] {
            assert_eq!(codec.decode(&scope, "operators", junk), Err(InvalidCursor));
        }
        assert_eq!(codec.decode(&scope, "operators", &"x".repeat(5000)), Err(InvalidCursor));
    }
}
