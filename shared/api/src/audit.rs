//! Audit events as the entry points build them: who ([`AuditContext`] from the caller, the SCIM
//! token, the maintenance job or `hubctl`), and what changed (`created`, `updated`, `deleted`:
//! the fields of a record, old → new, without anything secret). The store writes the event in the
//! same transaction as the change (`hub_store::Audit`).

use hub_store::{Audit, AuditActor, AuditChange, AuditContext, AuditSource, AuditTarget};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::caller::Caller;
use crate::scim_token::ScimCaller;
use crate::state::AppState;
use crate::values::new_id;

/// Every action an event can name: `<targetType>.<verb>`.
pub const ACTIONS: [&str; 33] = [
    "account.created",
    "account.updated",
    "account.countersRepaired",
    "operator.created",
    "operator.updated",
    "operator.deleted",
    "operator.disabled",
    "operator.enabled",
    "operator.permissionGranted",
    "operator.permissionRevoked",
    "operator.signInReset",
    "dutySchedule.created",
    "dutySchedule.updated",
    "dutySchedule.deleted",
    "group.created",
    "group.updated",
    "group.deleted",
    "group.memberAdded",
    "group.memberRemoved",
    "group.permissionGranted",
    "group.permissionRevoked",
    "group.memberCountRepaired",
    "apiUser.created",
    "apiUser.updated",
    "apiUser.deleted",
    "apiUser.inactivityRecomputed",
    "monitor.created",
    "monitor.updated",
    "monitor.deleted",
    "monitor.authorizationGranted",
    "monitor.authorizationRevoked",
    "scimToken.created",
    "scimToken.deleted",
];

/// Every target type.
pub const TARGET_TYPES: [&str; 7] = ["Account", "Operator", "Group", "ApiUser", "Monitor", "DutySchedule", "ScimToken"];

/// Fields never written into an event: secrets and their traces, and bookkeeping that every
/// write moves.
const LEFT_OUT: &[&str] = &["passwordHash", "tokenHash", "token", "password", "username", "signIn", "version", "updatedAt", "usage", "scim"];

/// `at` as events carry it: RFC 3339 UTC with milliseconds.
pub fn event_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

fn context(state: &AppState, request_id: String, source: AuditSource, actor: AuditActor) -> AuditContext {
    let now = state.clock.now();
    AuditContext {
        request_id,
        source,
        actor,
        at: event_time(now),
        expires_at: now.as_second() + state.config.audit_retention_days * 86_400,
    }
}

/// The request of a hub API caller: `Web` for an operator's token, `Api` for an API user (the
/// actor is its owner, `apiUserId` the API user).
pub fn caller_context(state: &AppState, caller: &Caller) -> AuditContext {
    let source = if caller.api_user_id.is_some() { AuditSource::Api } else { AuditSource::Web };
    let actor = AuditActor { kind: "Operator".into(), id: caller.operator_id.clone(), name: caller.name.clone(), api_user_id: caller.api_user_id.clone() };
    let request_id = if caller.request_id.is_empty() { new_id() } else { caller.request_id.clone() };
    context(state, request_id, source, actor)
}

/// The request of a SCIM token.
pub fn scim_context(state: &AppState, caller: &ScimCaller, request_id: String) -> AuditContext {
    let actor = AuditActor { kind: "ScimToken".into(), id: caller.scim_token_id.clone(), name: None, api_user_id: None };
    context(state, request_id, AuditSource::Scim, actor)
}

/// A change the system makes on its own: the maintenance job, `hubctl`.
pub fn system_context(state: &AppState, source: AuditSource, name: &str) -> AuditContext {
    let actor = AuditActor { kind: "System".into(), id: "system".into(), name: Some(name.to_owned()), api_user_id: None };
    context(state, new_id(), source, actor)
}

/// One event of `ctx`'s request.
pub fn event(ctx: &AuditContext, action: &str, target: (&str, &str, Option<&str>), changes: Vec<AuditChange>) -> Audit {
    let (kind, id, name) = target;
    Audit::new(ctx, new_id(), action, AuditTarget { kind: kind.into(), id: id.into(), name: name.map(str::to_owned) }, changes)
}

fn fields<T: Serialize>(value: &T) -> serde_json::Map<String, Value> {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(k, _)| !LEFT_OUT.contains(&k.as_str())).collect(),
        _ => serde_json::Map::new(),
    }
}

/// A create: every initial value (absent and null fields left out).
pub fn created<T: Serialize>(value: &T) -> Vec<AuditChange> {
    fields(value)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, new)| AuditChange { field, old: Value::Null, new })
        .collect()
}

/// An update: every field whose value differs, old → new.
pub fn updated<T: Serialize>(old: &T, new: &T) -> Vec<AuditChange> {
    let old = fields(old);
    let mut new = fields(new);
    let mut changes: Vec<AuditChange> = old
        .into_iter()
        .filter_map(|(field, o)| {
            let n = new.remove(&field).unwrap_or(Value::Null);
            (o != n).then_some(AuditChange { field, old: o, new: n })
        })
        .collect();
    changes.extend(new.into_iter().filter(|(_, v)| !v.is_null()).map(|(field, n)| AuditChange { field, old: Value::Null, new: n }));
    changes
}

/// A delete: every last value.
pub fn deleted<T: Serialize>(value: &T) -> Vec<AuditChange> {
    fields(value)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, old)| AuditChange { field, old, new: Value::Null })
        .collect()
}

/// One changed field.
pub fn change(field: &str, old: impl Serialize, new: impl Serialize) -> AuditChange {
    AuditChange { field: field.to_owned(), old: serde_json::to_value(old).unwrap_or(Value::Null), new: serde_json::to_value(new).unwrap_or(Value::Null) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Thing {
        name: String,
        note: Option<String>,
        password_hash: String,
        version: i64,
    }

    #[test]
    fn changes_list_what_differs_and_never_secrets() {
        let a = Thing { name: "A".into(), note: None, password_hash: "h1".into(), version: 1 };
        let b = Thing { name: "B".into(), note: Some("n".into()), password_hash: "h2".into(), version: 2 };
        let fields_of = |c: Vec<AuditChange>| c.into_iter().map(|c| c.field).collect::<Vec<_>>();
        assert_eq!(fields_of(created(&a)), ["name"]);
        let mut diff = fields_of(updated(&a, &b));
        diff.sort();
        assert_eq!(diff, ["name", "note"]);
        assert_eq!(updated(&a, &b)[0].old, Value::from("A"));
        assert_eq!(fields_of(deleted(&b)), ["name", "note"]);
        assert!(updated(&a, &a).is_empty());
    }

    #[test]
    fn event_times_have_milliseconds() {
        let t: Timestamp = "2026-11-30T10:00:00.1234Z".parse().unwrap();
        assert_eq!(event_time(t), "2026-11-30T10:00:00.123Z");
        let whole: Timestamp = "2026-11-30T10:00:00Z".parse().unwrap();
        assert_eq!(event_time(whole), "2026-11-30T10:00:00.000Z");
    }
}
