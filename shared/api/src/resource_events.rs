//! The audit event of a change to one resource (an operator, a group, a monitor, an API user, a
//! SCIM token, the account), built the same way by every entry point: the record names the
//! event's target ([`Resource`]: its type, id and name), and [`created`], [`updated`] and
//! [`deleted`] list the changes as [`crate::audit`] does for it. Events whose target is not a
//! whole record (a permission, a membership) keep building theirs with [`crate::audit::event`].

use hub_store::records::{AccountRecord, ApiUserRecord, GroupRecord, MonitorRecord, OperatorRecord, ScimTokenRecord};
use hub_store::{Audit, AuditChange, AuditContext};

use crate::audit::{self, Audited};

/// A record as the target of the events of its changes.
pub trait Resource: Audited {
    /// The target type the log shows (one of [`crate::audit::TARGET_TYPES`]).
    const TARGET_TYPE: &'static str;
    fn id(&self) -> &str;
    /// The name the log shows with the id.
    fn name(&self) -> &str;
}

/// `impl Resource for <record>`: its target type, the field holding its id and the one holding
/// the name the log shows.
macro_rules! resource {
    ($record:ty, $target_type:literal, $id:ident, $name:ident) => {
        impl Resource for $record {
            const TARGET_TYPE: &'static str = $target_type;
            fn id(&self) -> &str {
                self.$id.as_str()
            }
            fn name(&self) -> &str {
                &self.$name
            }
        }
    };
}

resource!(OperatorRecord, "Operator", operator_id, full_name);
resource!(GroupRecord, "Group", group_id, description);
resource!(MonitorRecord, "Monitor", monitor_id, name);
resource!(ApiUserRecord, "ApiUser", api_user_id, description);
resource!(ScimTokenRecord, "ScimToken", scim_token_id, description);
resource!(AccountRecord, "Account", account_id, name);

/// The event of `action` on `resource`, with the changes given.
pub fn event<R: Resource>(ctx: &AuditContext, action: &str, resource: &R, changes: Vec<AuditChange>) -> Audit {
    audit::event(ctx, action, (R::TARGET_TYPE, resource.id(), Some(resource.name())), changes)
}

/// The event of a resource's creation: every field it was created with.
pub fn created<R: Resource>(ctx: &AuditContext, action: &str, resource: &R) -> Audit {
    event(ctx, action, resource, audit::created(resource))
}

/// The event of a change from `old` to `new`: every field that differs (named as `new` is).
pub fn updated<R: Resource>(ctx: &AuditContext, action: &str, old: &R, new: &R) -> Audit {
    event(ctx, action, new, audit::updated(old, new))
}

/// The event of a resource's deletion: every field it had.
pub fn deleted<R: Resource>(ctx: &AuditContext, action: &str, resource: &R) -> Audit {
    event(ctx, action, resource, audit::deleted(resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> AuditContext {
        AuditContext {
            request_id: "r".into(),
            source: hub_store::AuditSource::Web,
            actor: hub_store::AuditActor {
                kind: "Operator".into(),
                id: "o".into(),
                name: Some("Ada".into()),
                api_user_id: None,
                api_user_name: None,
            },
            at: "2026-01-01T00:00:00.000Z".into(),
            expires_at: 0,
        }
    }

    fn monitor(name: &str) -> MonitorRecord {
        MonitorRecord {
            monitor_id: "m1".into(),
            name: name.into(),
            mode: "Production".into(),
            is_active: true,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            version: 1,
        }
    }

    #[test]
    fn every_target_type_is_one_the_log_knows() {
        let types = [
            OperatorRecord::TARGET_TYPE,
            GroupRecord::TARGET_TYPE,
            MonitorRecord::TARGET_TYPE,
            ApiUserRecord::TARGET_TYPE,
            ScimTokenRecord::TARGET_TYPE,
            AccountRecord::TARGET_TYPE,
        ];
        assert!(types.iter().all(|t| audit::TARGET_TYPES.contains(t)), "{types:?}");
    }

    /// Each builder gives the event `crate::audit` gives for the record's target and changes.
    #[test]
    fn the_record_names_the_target_and_the_changes_are_the_audits() {
        let (old, new) = (monitor("Home"), monitor("Shop"));
        let cases = [
            (created(&context(), "monitor.created", &old), "Home", audit::created(&old)),
            (updated(&context(), "monitor.updated", &old, &new), "Shop", audit::updated(&old, &new)),
            (deleted(&context(), "monitor.deleted", &new), "Shop", audit::deleted(&new)),
        ];
        for (built, name, changes) in cases {
            let action = built.event.action.clone();
            let mut expected = audit::event(&context(), &action, ("Monitor", "m1", Some(name)), changes).event;
            expected.event_id = built.event.event_id.clone();
            assert_eq!(built.event, expected, "{action}");
        }
    }
}
