//! The audit log: one event item per change, written by the very transaction of the change, and
//! read newest first through keys designed for every filter combination.
//!
//! Key design. An event has four filterable dimensions besides time: the actor (`A`), the target
//! type (`TT`), the target id (`TI`) and the action (`V`), and the source. A target id implies its
//! type and an action implies its target type, so every filter set reduces to one of ten
//! canonical keys: `{∅, A} × {∅, TT, TI, V, TI+V}`. The empty one is the event item's own key
//! (`PK` = the account partition, `SK` = `AUDIT#…`); each of the nine others is a global
//! secondary index (`GSI4` … `GSI12`) whose partition names the filter values
//! (`ACCOUNT#a#AUDIT#A=o#V=operator.updated`). Every sort key is `<source>#<at>#<eventId>`, so
//! a given source and a time range are a `BETWEEN` on it; without a source filter the page is the
//! merge of the five sources' Queries (at most five Queries of `limit + 1` items). A page
//! therefore costs the same whatever the size of the log; the price is ten index entries per
//! event (SCALING.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::Page;
use crate::db::{AccountStore, Condition, Item, Tx, key_item, n, s};
use crate::error::{Guard, StoreError};
use crate::keys::{AUDIT_INDEXES, AccountScope};
use crate::records::decode;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditSource {
    Web,
    Api,
    Scim,
    Maintenance,
    Provisioning,
}

impl AuditSource {
    pub const ALL: [AuditSource; 5] =
        [AuditSource::Web, AuditSource::Api, AuditSource::Scim, AuditSource::Maintenance, AuditSource::Provisioning];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditSource::Web => "Web",
            AuditSource::Api => "Api",
            AuditSource::Scim => "Scim",
            AuditSource::Maintenance => "Maintenance",
            AuditSource::Provisioning => "Provisioning",
        }
    }

    pub fn parse(value: &str) -> Option<AuditSource> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

/// Who made a change: an operator (for `Api`, the API user's owner, with `api_user_id`), a SCIM
/// token, or the system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditActor {
    /// `Operator`, `ScimToken` or `System`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
    pub api_user_id: Option<String>,
    /// With `api_user_id`: the API user's description at that moment.
    #[serde(default)]
    pub api_user_name: Option<String>,
}

/// What a change was made to, with its name at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditTarget {
    /// `Account`, `Operator`, `Group`, `ApiUser`, `Monitor`, `DutySchedule` or `ScimToken`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    pub name: Option<String>,
}

/// One changed field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditChange {
    pub field: String,
    pub old: serde_json::Value,
    pub new: serde_json::Value,
}

/// The request a change belongs to: who, from where, when. Built once per request by the entry
/// point (the hub API's caller, the SCIM token, the maintenance job, `hubctl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditContext {
    pub request_id: String,
    pub source: AuditSource,
    pub actor: AuditActor,
    /// RFC 3339 with milliseconds, UTC (`2026-11-30T10:00:00.123Z`).
    pub at: String,
    /// Epoch seconds after which DynamoDB's TTL removes the event.
    pub expires_at: i64,
}

/// One audit event: what a store write is given, and what the log returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub event_id: String,
    pub at: String,
    pub request_id: String,
    pub source: AuditSource,
    pub actor: AuditActor,
    pub action: String,
    pub target: AuditTarget,
    pub changes: Vec<AuditChange>,
}

impl AuditEvent {
    /// Where the event sits in time order: `<at>#<eventId>` (the cursor's position).
    fn position(&self) -> String {
        format!("{}#{}", self.at, self.event_id)
    }
}

/// The event item as stored: the event (changes as one JSON string, so that any value fits), its
/// ten keys and its expiry.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EventRecord {
    event_id: String,
    at: String,
    request_id: String,
    source: AuditSource,
    actor: AuditActor,
    action: String,
    target: AuditTarget,
    changes: String,
}

/// The target type an action belongs to: `apiUser.deleted` → `ApiUser`.
pub fn action_target_type(action: &str) -> Option<String> {
    let (prefix, _) = action.split_once('.')?;
    let mut chars = prefix.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

/// The filter dimensions a key is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KeyShape {
    actor: bool,
    target_type: bool,
    target_id: bool,
    action: bool,
}

/// The nine index shapes, in index order (`GSI4` first); the tenth, empty shape is the table key.
const INDEX_SHAPES: [KeyShape; 9] = [
    KeyShape { actor: true, target_type: false, target_id: false, action: false },
    KeyShape { actor: false, target_type: true, target_id: false, action: false },
    KeyShape { actor: false, target_type: false, target_id: true, action: false },
    KeyShape { actor: false, target_type: false, target_id: false, action: true },
    KeyShape { actor: false, target_type: false, target_id: true, action: true },
    KeyShape { actor: true, target_type: true, target_id: false, action: false },
    KeyShape { actor: true, target_type: false, target_id: true, action: false },
    KeyShape { actor: true, target_type: false, target_id: false, action: true },
    KeyShape { actor: true, target_type: false, target_id: true, action: true },
];

/// Sort-key prefix of event items in the account partition.
const EVENT_PREFIX: &str = "AUDIT#";

fn partition_value(
    scope: &AccountScope,
    shape: KeyShape,
    actor: &str,
    target_type: &str,
    target_id: &str,
    action: &str,
) -> String {
    let mut key = format!("{}#AUDIT", scope.partition());
    if shape.actor {
        key.push_str(&format!("#A={actor}"));
    }
    if shape.target_type {
        key.push_str(&format!("#TT={target_type}"));
    }
    if shape.target_id {
        key.push_str(&format!("#TI={target_id}"));
    }
    if shape.action {
        key.push_str(&format!("#V={action}"));
    }
    key
}

fn event_item(scope: &AccountScope, event: &AuditEvent, expires_at: i64) -> Result<Item, StoreError> {
    let record = EventRecord {
        event_id: event.event_id.clone(),
        at: event.at.clone(),
        request_id: event.request_id.clone(),
        source: event.source,
        actor: event.actor.clone(),
        action: event.action.clone(),
        target: event.target.clone(),
        changes: serde_json::to_string(&event.changes)
            .map_err(|e| StoreError::Internal(format!("audit changes: {e}")))?,
    };
    let mut item: Item = serde_dynamo::to_item(&record)?;
    let sort = format!("{}#{}", event.source.as_str(), event.position());
    item.extend(key_item(&crate::keys::Key { pk: scope.partition().to_owned(), sk: format!("{EVENT_PREFIX}{sort}") }));
    for (shape, (_, hash, range)) in INDEX_SHAPES.iter().zip(AUDIT_INDEXES) {
        let value =
            partition_value(scope, *shape, &event.actor.id, &event.target.kind, &event.target.id, &event.action);
        item.insert(hash.into(), s(value));
        item.insert(range.into(), s(&sort));
    }
    item.insert(crate::keys::TTL_ATTRIBUTE.into(), n(expires_at));
    Ok(item)
}

fn decode_event(item: Item) -> Result<AuditEvent, StoreError> {
    let record: EventRecord = decode(item)?;
    Ok(AuditEvent {
        event_id: record.event_id,
        at: record.at,
        request_id: record.request_id,
        source: record.source,
        actor: record.actor,
        action: record.action,
        target: record.target,
        changes: serde_json::from_str(&record.changes)
            .map_err(|e| StoreError::Internal(format!("audit changes: {e}")))?,
    })
}

/// An audit event on its way into a transaction: the event and when it expires. Every store write
/// that changes what a user sees takes one, so a change cannot be committed without its event.
#[derive(Debug, Clone)]
pub struct Audit {
    pub event: AuditEvent,
    pub expires_at: i64,
}

impl Audit {
    /// The event of one change made in `ctx`'s request, kept as long as `ctx` says.
    pub fn new(
        ctx: &AuditContext,
        event_id: String,
        action: impl Into<String>,
        target: AuditTarget,
        changes: Vec<AuditChange>,
    ) -> Self {
        let event = AuditEvent {
            event_id,
            at: ctx.at.clone(),
            request_id: ctx.request_id.clone(),
            source: ctx.source,
            actor: ctx.actor.clone(),
            action: action.into(),
            target,
            changes,
        };
        Audit { event, expires_at: ctx.expires_at }
    }

    /// A `Provisioning` event of the system dated `at`, made outside any request (fixtures of
    /// tests and the benchmark that write through the real transactions), kept 400 days.
    pub fn provisioning(at: &str, action: impl Into<String>, target: AuditTarget) -> Self {
        let mut bytes = [0u8; 16];
        let _ = getrandom::fill(&mut bytes);
        let event_id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let ctx = AuditContext {
            request_id: event_id.clone(),
            source: AuditSource::Provisioning,
            actor: AuditActor {
                kind: "System".into(),
                id: "system".into(),
                name: Some("fixture".into()),
                api_user_id: None,
                api_user_name: None,
            },
            at: at.to_owned(),
            expires_at: 0,
        };
        Audit::new(&ctx, event_id, action, target, Vec::new())
    }

    /// Puts the event into `tx`; the id is fresh, so the condition only guards against reuse.
    pub(crate) fn apply(&self, tx: &mut Tx, scope: &AccountScope) -> Result<(), StoreError> {
        tx.put(event_item(scope, &self.event, self.expires_at)?, Condition::absent(Guard::AlreadyExists));
        Ok(())
    }
}

impl AccountStore<'_> {
    /// A transaction that starts with the change's audit event.
    pub(crate) fn audited_tx(self, audit: &Audit) -> Result<Tx, StoreError> {
        let mut tx = self.tx();
        audit.apply(&mut tx, self.scope)?;
        Ok(tx)
    }
}

/// The filters of `GET /audit-log`. `from` and `to` are in the events' own format (RFC 3339 with
/// milliseconds, UTC), inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    pub action: Option<String>,
    pub source: Option<AuditSource>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl AuditFilter {
    /// The name a cursor is bound to: a cursor of one filter set is invalid for another.
    fn list_name(&self) -> String {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        format!(
            "audit:{}|{}|{}|{}|{}|{}|{}",
            o(&self.actor_id),
            o(&self.target_type),
            o(&self.target_id),
            o(&self.action),
            self.source.map(AuditSource::as_str).unwrap_or(""),
            o(&self.from),
            o(&self.to)
        )
    }
}

/// Where one Query of a page reads: the table or an index, and the partition.
struct Source {
    index: Option<(&'static str, &'static str, &'static str)>,
    hash_value: String,
    sort_prefix: &'static str,
}

impl AccountStore<'_> {
    /// One page of the audit log, newest first, for `filter`: one Query per source (one when the
    /// filter names the source, five otherwise) on the key designed for the filter's dimensions,
    /// each of at most `limit + 1` items.
    pub async fn audit_events(
        self,
        filter: &AuditFilter,
        limit: usize,
        cursor: Option<&str>,
    ) -> Result<Page<AuditEvent>, StoreError> {
        let limit = limit.clamp(1, 1000);
        let list = filter.list_name();
        let position = match cursor {
            Some(c) => {
                let key = self.cursors.decode(self.scope, &list, c).map_err(|_| StoreError::InvalidCursor)?;
                Some(key.get("pos").cloned().ok_or(StoreError::InvalidCursor)?)
            }
            None => None,
        };
        // An action names its target type: a different target type matches nothing.
        if let (Some(action), Some(tt)) = (&filter.action, &filter.target_type)
            && action_target_type(action).as_deref() != Some(tt.as_str())
        {
            return Ok(Page { items: Vec::new(), next_cursor: None });
        }
        let shape = KeyShape {
            actor: filter.actor_id.is_some(),
            target_type: filter.target_type.is_some() && filter.target_id.is_none() && filter.action.is_none(),
            target_id: filter.target_id.is_some(),
            action: filter.action.is_some(),
        };
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        let hash_value = partition_value(
            self.scope,
            shape,
            &o(&filter.actor_id),
            &o(&filter.target_type),
            &o(&filter.target_id),
            &o(&filter.action),
        );
        let source = if shape == (KeyShape { actor: false, target_type: false, target_id: false, action: false }) {
            Source { index: None, hash_value: self.scope.partition().to_owned(), sort_prefix: EVENT_PREFIX }
        } else {
            let at = INDEX_SHAPES.iter().position(|s| *s == shape).expect("every canonical shape has an index");
            Source { index: Some(AUDIT_INDEXES[at]), hash_value, sort_prefix: "" }
        };
        let sources: Vec<AuditSource> = match filter.source {
            Some(s) => vec![s],
            None => AuditSource::ALL.to_vec(),
        };
        let queries = sources.iter().map(|src| self.audit_query(&source, *src, filter, position.as_deref(), limit));
        let mut events: Vec<AuditEvent> = futures::future::try_join_all(queries).await?.into_iter().flatten().collect();
        // A target id implies its type: when both are given and disagree, nothing matches (every
        // event of the id has the same type, so this drops all of a page or none of it).
        if let (Some(tt), Some(_)) = (&filter.target_type, &filter.target_id) {
            events.retain(|e| &e.target.kind == tt);
        }
        events.sort_by_key(|e| std::cmp::Reverse(e.position()));
        let more = events.len() > limit;
        events.truncate(limit);
        let next_cursor = match (more, events.last()) {
            (true, Some(last)) => {
                Some(self.cursors.encode(self.scope, &list, BTreeMap::from([("pos".to_owned(), last.position())])))
            }
            _ => None,
        };
        Ok(Page { items: events, next_cursor })
    }

    /// The newest `limit + 1` events of one source in one key, strictly before `position`.
    async fn audit_query(
        self,
        source: &Source,
        src: AuditSource,
        filter: &AuditFilter,
        position: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEvent>, StoreError> {
        let (hash_attr, range_attr) = match source.index {
            Some((_, h, r)) => (h, r),
            None => (crate::keys::PK, crate::keys::SK),
        };
        let prefix = format!("{}{}#", source.sort_prefix, src.as_str());
        let low = format!("{prefix}{}", filter.from.as_deref().unwrap_or(""));
        // `~` sorts after every character of a timestamp and an id.
        let mut high = match &filter.to {
            Some(to) => format!("{prefix}{to}~"),
            None => format!("{prefix}~"),
        };
        if let Some(pos) = position {
            let at_cursor = format!("{prefix}{pos}");
            if at_cursor < high {
                high = at_cursor;
            }
        }
        if high < low {
            return Ok(Vec::new());
        }
        let out = self
            .client
            .query()
            .table_name(&*self.table)
            .set_index_name(source.index.map(|(name, _, _)| name.to_owned()))
            .key_condition_expression("#h = :h AND #r BETWEEN :lo AND :hi")
            .expression_attribute_names("#h", hash_attr)
            .expression_attribute_names("#r", range_attr)
            .expression_attribute_values(":h", s(&source.hash_value))
            .expression_attribute_values(":lo", s(low))
            .expression_attribute_values(":hi", s(&high))
            .scan_index_forward(false)
            .consistent_read(source.index.is_none())
            // The cursor's own event may be the first (BETWEEN is inclusive).
            .limit((limit + 2) as i32)
            .send()
            .await
            .map_err(crate::error::classify)?;
        let mut events = Vec::new();
        for item in out.items.unwrap_or_default() {
            let event = decode_event(item)?;
            if position.is_some_and(|p| event.position() == p) {
                continue;
            }
            events.push(event);
        }
        events.truncate(limit + 1);
        Ok(events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The indexes project exactly what a page decodes: a field added to the event and not to
    /// [`crate::keys::AUDIT_PROJECTED`] would be missing from every filtered page.
    #[test]
    fn the_indexes_project_every_field_of_the_event_and_no_key() {
        let ctx = AuditContext {
            request_id: "r".into(),
            source: AuditSource::Api,
            actor: AuditActor {
                kind: "Operator".into(),
                id: "o".into(),
                name: Some("O".into()),
                api_user_id: Some("u".into()),
                api_user_name: Some("U".into()),
            },
            at: "2026-11-30T10:00:00.000Z".into(),
            expires_at: 1,
        };
        let target = AuditTarget { kind: "Operator".into(), id: "t".into(), name: None };
        let changes =
            vec![AuditChange { field: "fullName".into(), old: serde_json::json!("a"), new: serde_json::json!("b") }];
        let event = Audit::new(&ctx, "e".into(), "operator.updated", target, changes).event;
        let item = event_item(&AccountScope::new(&"acc".into()), &event, 1).unwrap();
        let mut projected: Vec<&str> = crate::keys::AUDIT_PROJECTED.to_vec();
        projected.sort_unstable();
        let mut fields: Vec<&str> = item
            .keys()
            .map(String::as_str)
            .filter(|k| {
                !k.starts_with("GSI") && ![crate::keys::PK, crate::keys::SK, crate::table::TTL_ATTRIBUTE].contains(k)
            })
            .collect();
        fields.sort_unstable();
        assert_eq!(fields, projected);
        // A projected item decodes into the same event.
        let entry: Item = item
            .into_iter()
            .filter(|(k, _)| crate::keys::AUDIT_PROJECTED.contains(&k.as_str()) || k.starts_with("GSI4"))
            .collect();
        assert_eq!(decode_event(entry).unwrap(), event);
    }
}
