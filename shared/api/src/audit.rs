//! Audit events as the entry points build them: who ([`AuditContext`] from the caller, the SCIM
//! token, the maintenance job or `hubctl`), and what changed (`created`, `updated`, `deleted`:
//! the fields of a record, old → new, without anything secret). The store writes the event in the
//! same transaction as the change (`hub_store::Audit`).

use hub_store::records::{AccountRecord, ApiUserRecord, GroupRecord, MonitorRecord, OperatorRecord, ScimTokenRecord};
use hub_store::schedule_record::ScheduleRecord;
use hub_store::{AccountScope, Audit, AuditActor, AuditChange, AuditContext, AuditSource, AuditTarget, OperatorId};
use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::extract::Call;
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

/// A resource whose changes an event lists: only the fields the contract shows for it (its
/// `FIELDS`, in the record's serialised names), so that neither secrets and their traces
/// (`passwordHash`, `tokenHash`, `username`, `signIn`) nor internal, derived or bookkeeping
/// attributes (`ownerIsAdministrator`, `lastActiveAt`, `usage`, `version`, `updatedAt`, the
/// account's counters and rule versions) ever reach the log.
pub trait Audited: Serialize {
    const FIELDS: &'static [&'static str];

    /// Fields kept inside one attribute of the record, listed one by one (an operator's echoed
    /// SCIM attributes).
    fn nested(&self) -> serde_json::Map<String, Value> {
        serde_json::Map::new()
    }
}

impl Audited for OperatorRecord {
    /// The operator resource, and the SCIM user's `externalId`.
    const FIELDS: &'static [&'static str] = &[
        "operatorId",
        "email",
        "fullName",
        "mobilePhone",
        "backupEmail",
        "cultureName",
        "timeZone",
        "defaultDashboard",
        "isOnDuty",
        "isAdministrator",
        "isAccountAdministrator",
        "isDisabled",
        "createdAt",
        "externalId",
    ];

    /// The SCIM attributes kept as sent (`name`, `emails`, `phoneNumbers`, `locale`), compared
    /// as values: the same attributes in another order are no change.
    fn nested(&self) -> serde_json::Map<String, Value> {
        match self.scim.as_deref().map(serde_json::from_str::<Value>) {
            Some(Ok(Value::Object(attributes))) => attributes,
            _ => serde_json::Map::new(),
        }
    }
}

impl Audited for GroupRecord {
    /// The group resource, and the SCIM group's `externalId`.
    const FIELDS: &'static [&'static str] =
        &["groupId", "description", "isEveryone", "isAdministrators", "memberCount", "createdAt", "externalId"];
}

impl Audited for ApiUserRecord {
    /// The API user resource but its `username` (half of the credential pair) and what is
    /// derived at read time (`operatorName`, `requestsLast30Days`).
    const FIELDS: &'static [&'static str] =
        &["apiUserId", "operatorId", "accessType", "description", "createdAt", "lastUsedAt", "inactive"];
}

impl Audited for MonitorRecord {
    const FIELDS: &'static [&'static str] = &["monitorId", "name", "mode", "isActive", "createdAt"];
}

impl Audited for AccountRecord {
    const FIELDS: &'static [&'static str] =
        &["accountId", "name", "accountType", "timeZone", "operatorLimit", "operatorsInUse", "createdAt"];
}

impl Audited for ScheduleRecord {
    const FIELDS: &'static [&'static str] =
        &["scheduleId", "mode", "start", "end", "weekDay", "monthDay", "startTime", "endTime"];
}

impl Audited for ScimTokenRecord {
    const FIELDS: &'static [&'static str] = &["scimTokenId", "description", "createdAt", "lastUsedAt"];
}

/// A resource that may not exist (a schedule before its create, after its delete): its fields,
/// or none.
impl<T: Audited> Audited for Option<T> {
    const FIELDS: &'static [&'static str] = T::FIELDS;

    fn nested(&self) -> serde_json::Map<String, Value> {
        self.as_ref().map(Audited::nested).unwrap_or_default()
    }
}

/// A resource events name as their target: its target type (one of [`TARGET_TYPES`]), its id,
/// and the name it is shown by.
pub trait Targeted {
    fn audit_target(&self) -> (&'static str, &str, Option<&str>);
}

/// `impl Targeted for <record>`: its target type, the field holding its id and the one holding
/// the name the log shows.
macro_rules! targeted {
    ($record:ty, $target_type:literal, $id:ident, $name:ident) => {
        impl Targeted for $record {
            fn audit_target(&self) -> (&'static str, &str, Option<&str>) {
                ($target_type, &self.$id, Some(&self.$name))
            }
        }
    };
}

targeted!(OperatorRecord, "Operator", operator_id, full_name);
targeted!(GroupRecord, "Group", group_id, description);
targeted!(MonitorRecord, "Monitor", monitor_id, name);
targeted!(ApiUserRecord, "ApiUser", api_user_id, description);
targeted!(ScimTokenRecord, "ScimToken", scim_token_id, description);
targeted!(AccountRecord, "Account", account_id, name);

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

/// Who makes a change, and where: what every change that more than one entry point makes
/// ([`crate::groups`], [`crate::operators`], [`crate::rules`]) is given, so that the account and
/// the audit context cannot come from two different callers.
pub struct Acting<'a> {
    pub state: &'a AppState,
    /// The account the change is made in.
    pub scope: AccountScope,
    /// Who the change's audit events name.
    pub audit: AuditContext,
    /// The operator making the change, none for an identity provider (SCIM): an operator may not
    /// disable or delete itself.
    pub actor: Option<OperatorId>,
}

impl<'a> Acting<'a> {
    /// A hub API caller: an operator, or an API user acting for its owner.
    pub fn caller(call: &'a Call) -> Self {
        Acting {
            state: &call.state,
            scope: call.scope().clone(),
            audit: caller_context(call),
            actor: Some(call.caller.operator_id.clone()),
        }
    }

    /// A SCIM token: the identity provider of the token's account.
    pub fn scim(state: &'a AppState, caller: &ScimCaller, request_id: String) -> Self {
        Acting { state, scope: caller.scope(), audit: scim_context(state, caller, request_id), actor: None }
    }
}

/// The request of a hub API caller: `Web` for an operator's token, `Api` for an API user (the
/// actor is its owner, named as its API users' items carry it, and `apiUserId` / `apiUserName`
/// the API user).
pub fn caller_context(call: &Call) -> AuditContext {
    let Call { state, caller, .. } = call;
    let source = if caller.api_user_id.is_some() { AuditSource::Api } else { AuditSource::Web };
    let actor = AuditActor {
        kind: "Operator".into(),
        id: caller.operator_id.to_string(),
        name: caller.name.clone(),
        api_user_id: caller.api_user_id.as_ref().map(ToString::to_string),
        api_user_name: caller.api_user_name.clone(),
    };
    let request_id = if caller.request_id.is_empty() { new_id() } else { caller.request_id.clone() };
    context(state, request_id, source, actor)
}

/// The request of a SCIM token.
pub fn scim_context(state: &AppState, caller: &ScimCaller, request_id: String) -> AuditContext {
    let actor = AuditActor {
        kind: "ScimToken".into(),
        id: caller.scim_token_id.to_string(),
        name: None,
        api_user_id: None,
        api_user_name: None,
    };
    context(state, request_id, AuditSource::Scim, actor)
}

/// A change the system makes on its own: the maintenance job, `hubctl`.
pub fn system_context(state: &AppState, source: AuditSource, name: &str) -> AuditContext {
    let actor = AuditActor {
        kind: "System".into(),
        id: "system".into(),
        name: Some(name.to_owned()),
        api_user_id: None,
        api_user_name: None,
    };
    context(state, new_id(), source, actor)
}

/// One event of `ctx`'s request.
pub fn event(ctx: &AuditContext, action: &str, target: (&str, &str, Option<&str>), changes: Vec<AuditChange>) -> Audit {
    let (kind, id, name) = target;
    Audit::new(
        ctx,
        new_id(),
        action,
        AuditTarget { kind: kind.into(), id: id.into(), name: name.map(str::to_owned) },
        changes,
    )
}

fn fields<T: Audited>(value: &T) -> serde_json::Map<String, Value> {
    let mut fields: serde_json::Map<String, Value> = match serde_json::to_value(value) {
        Ok(Value::Object(map)) => map.into_iter().filter(|(k, _)| T::FIELDS.contains(&k.as_str())).collect(),
        _ => serde_json::Map::new(),
    };
    fields.extend(value.nested());
    fields
}

/// A create: every initial value (absent and null fields left out).
pub fn created<T: Audited>(value: &T) -> Vec<AuditChange> {
    fields(value)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, new)| AuditChange { field, old: Value::Null, new })
        .collect()
}

/// An update: every field whose value differs, old → new.
pub fn updated<T: Audited>(old: &T, new: &T) -> Vec<AuditChange> {
    let old = fields(old);
    let mut new = fields(new);
    let mut changes: Vec<AuditChange> = old
        .into_iter()
        .filter_map(|(field, o)| {
            let n = new.remove(&field).unwrap_or(Value::Null);
            (o != n).then_some(AuditChange { field, old: o, new: n })
        })
        .collect();
    changes.extend(new.into_iter().filter(|(_, v)| !v.is_null()).map(|(field, n)| AuditChange {
        field,
        old: Value::Null,
        new: n,
    }));
    changes
}

/// A delete: every last value.
pub fn deleted<T: Audited>(value: &T) -> Vec<AuditChange> {
    fields(value)
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(field, old)| AuditChange { field, old, new: Value::Null })
        .collect()
}

/// One changed field.
pub fn change(field: &str, old: impl Serialize, new: impl Serialize) -> AuditChange {
    AuditChange {
        field: field.to_owned(),
        old: serde_json::to_value(old).unwrap_or(Value::Null),
        new: serde_json::to_value(new).unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::{AccessType, CredentialDescription, Email, FullName};

    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Thing {
        name: String,
        note: Option<String>,
        password_hash: String,
        version: i64,
    }

    impl Audited for Thing {
        const FIELDS: &'static [&'static str] = &["name", "note"];
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
        for (t, at) in [
            ("2026-11-30T10:00:00.1234Z", "2026-11-30T10:00:00.123Z"),
            ("2026-11-30T10:00:00Z", "2026-11-30T10:00:00.000Z"),
        ] {
            assert_eq!(event_time(t.parse().unwrap()), at, "{t}");
        }
    }

    /// Every listed field is one the record really serialises (a misspelt name would silently
    /// drop it from every event), and none is a secret or bookkeeping.
    #[test]
    fn the_listed_fields_exist_and_are_never_secret_or_internal() {
        fn check<T: Audited>(value: &T) {
            let Value::Object(map) = serde_json::to_value(value).unwrap() else { panic!("a record is an object") };
            for field in T::FIELDS {
                assert!(map.contains_key(*field), "{field} is not a field of {}", std::any::type_name::<T>());
            }
            for never in [
                "passwordHash",
                "tokenHash",
                "username",
                "signIn",
                "version",
                "updatedAt",
                "usage",
                "ownerIsAdministrator",
                "ownerIsDisabled",
                "lastActiveAt",
                "scim",
                "schedules",
            ] {
                assert!(!T::FIELDS.contains(&never), "{never} listed for {}", std::any::type_name::<T>());
            }
        }
        let now = "2026-11-30T10:00:00Z";
        let op = OperatorRecord {
            external_id: Some("x".into()),
            mobile_phone: crate::values::MobilePhone::parse("+3212345678").ok(),
            backup_email: Email::parse("b@example.com").ok(),
            culture_name: Some(crate::values::CultureName::EnGb),
            time_zone: crate::values::TimeZoneName::parse("UTC").ok(),
            default_dashboard: Some("d".into()),
            ..crate::rules::new_operator("o".into(), "a@example.com", FullName::parse("A").unwrap(), now)
        };
        check(&op);
        check(&GroupRecord {
            group_id: "g".into(),
            description: crate::values::GroupDescription::parse("G").unwrap(),
            is_everyone: false,
            is_administrators: false,
            member_count: 0,
            external_id: Some("x".into()),
            created_at: now.into(),
            updated_at: now.into(),
            version: 1,
        });
        check(&ApiUserRecord {
            last_used_at: Some(now.into()),
            ..ApiUserRecord::new(
                "u".into(),
                "hub_x",
                &op,
                AccessType::Generic,
                CredentialDescription::parse("d").unwrap(),
                now,
            )
        });
        check(&MonitorRecord {
            monitor_id: "m".into(),
            name: crate::values::MonitorName::parse("M").unwrap(),
            mode: crate::values::MonitorMode::Production,
            is_active: true,
            created_at: now.into(),
            updated_at: now.into(),
            version: 1,
        });
        check(&ScimTokenRecord {
            scim_token_id: "t".into(),
            description: CredentialDescription::parse("T").unwrap(),
            created_at: now.into(),
            last_used_at: Some(now.into()),
        });
        let schedule = ScheduleRecord {
            schedule_id: "s".into(),
            mode: "Monthly".into(),
            start: Some(now.into()),
            end: Some(now.into()),
            week_day: Some("Monday".into()),
            month_day: Some(1),
            start_time: Some("00:00".into()),
            end_time: Some("01:00".into()),
        };
        check(&schedule);
    }

    #[test]
    fn echoed_scim_attributes_are_fields_compared_as_values() {
        let now = "2026-11-30T10:00:00Z";
        let a = OperatorRecord {
            scim: Some(r#"{"name":{"givenName":"Ada","familyName":"L"}}"#.into()),
            ..crate::rules::new_operator("o".into(), "a@example.com", FullName::parse("Ada").unwrap(), now)
        };
        let same =
            OperatorRecord { scim: Some(r#"{"name":{"familyName":"L","givenName":"Ada"}}"#.into()), ..a.clone() };
        assert!(updated(&a, &same).is_empty());
        let other =
            OperatorRecord { scim: Some(r#"{"name":{"givenName":"Grace","familyName":"L"}}"#.into()), ..a.clone() };
        let changes = updated(&a, &other);
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].field.as_str(), &changes[0].new["givenName"]), ("name", &Value::from("Grace")));
    }
}
