//! The audit event of a change to one resource (an operator, a group, a monitor, an API user, a
//! SCIM token, the account), built the same way by every entry point: the record names the
//! event's target ([`Targeted`], which `crate::audit` implements for every record), and
//! [`created`], [`updated`] and [`deleted`] list the changes as [`crate::audit`] does for it. Events whose target is not a whole record (a permission, a
//! membership) keep building theirs with [`crate::audit::event`].

use hub_store::{Audit, AuditChange, AuditContext};

use crate::audit::{self, Audited, Targeted};

/// The event of `action` on `resource`, with the changes given.
pub fn event(ctx: &AuditContext, action: &str, resource: &impl Targeted, changes: Vec<AuditChange>) -> Audit {
    audit::event(ctx, action, resource.audit_target(), changes)
}

/// The event of a resource's creation: every field it was created with.
pub fn created<R: Audited + Targeted>(ctx: &AuditContext, action: &str, resource: &R) -> Audit {
    event(ctx, action, resource, audit::created(resource))
}

/// The event of a change from `old` to `new`: every field that differs (named as `new` is).
pub fn updated<R: Audited + Targeted>(ctx: &AuditContext, action: &str, old: &R, new: &R) -> Audit {
    event(ctx, action, new, audit::updated(old, new))
}

/// The event of a resource's deletion: every field it had.
pub fn deleted<R: Audited + Targeted>(ctx: &AuditContext, action: &str, resource: &R) -> Audit {
    event(ctx, action, resource, audit::deleted(resource))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hub_store::records::{AccountRecord, ApiUserRecord, MonitorRecord, ScimTokenRecord};

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
            name: crate::values::MonitorName::parse(name).unwrap(),
            mode: crate::values::MonitorMode::Production,
            is_active: true,
            created_at: "2026-01-01T00:00:00Z".into(),
            updated_at: "2026-01-01T00:00:00Z".into(),
            version: 1,
        }
    }

    /// The targets this module names: each record's type, id and name.
    #[test]
    fn the_records_name_their_targets() {
        const AT: &str = "2026-01-01T00:00:00Z";
        use crate::values::{AccessType, AccountName, AccountType, CredentialDescription, FullName, TimeZoneName};
        let owner = crate::rules::new_operator("o1".into(), "ada@example.com", FullName::parse("Ada").unwrap(), AT);
        let monitor = monitor("Home");
        let description = |text: &str| CredentialDescription::parse(text).unwrap();
        let api_user = ApiUserRecord::new("u1".into(), "user", &owner, AccessType::Generic, description("Backups"), AT);
        let token = ScimTokenRecord {
            scim_token_id: "t1".into(),
            description: description("Okta"),
            created_at: AT.into(),
            last_used_at: None,
        };
        let settings = (AccountName::parse("Acme").unwrap(), AccountType::Starter, TimeZoneName::parse("UTC").unwrap());
        let account = AccountRecord::opened("a1".into(), "o1".into(), settings, AT);
        let cases = [
            (monitor.audit_target(), ("Monitor", "m1", Some("Home"))),
            (api_user.audit_target(), ("ApiUser", "u1", Some("Backups"))),
            (token.audit_target(), ("ScimToken", "t1", Some("Okta"))),
            (account.audit_target(), ("Account", "a1", Some("Acme"))),
        ];
        for (target, expected) in cases {
            assert_eq!(target, expected);
            assert!(audit::TARGET_TYPES.contains(&target.0), "{}", target.0);
        }
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
