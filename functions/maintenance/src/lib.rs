//! The scheduled maintenance job (hourly, an EventBridge schedule), also run by
//! `hubctl recompute [--account ID] [--now RFC3339]`: for every account,
//!
//! 1. finishes deletes that a crash left half-done (operators, groups, monitors);
//! 2. recomputes which API users are inactive (not used, nor created, for more than 30 days; see
//!    [`hub_api::activity`]), moving `apiUsersInactive` with each flag, and prunes usage
//!    counters older than the 30-day window;
//! 3. recounts every hub counter from the items it counts (operators total/active, groups
//!    total/empty and each group's `memberCount`, API users total/inactive, monitors
//!    total/production) and writes back what drifted, with `inactiveComputedAt`, only if the
//!    account's `countersVersion` has not moved since before the recount;
//! 4. logs one structured line per account with what it repaired (old and new values).
//!
//! Accounts come from a paged Query of the accounts index, never a Scan; at most
//! [`ACCOUNTS_IN_FLIGHT`] accounts are worked on at once. Every write is conditional on what was
//! read, so two runs at once, a retried run or a run beside live traffic cannot make a counter
//! wrong: a write that lost a race is skipped, tried again a few times, and otherwise reported
//! (`lostRaces`, outcome `raced`) for the next run.

use futures::stream::{self, StreamExt};
use hub_api::AppState;
use hub_api::activity::{first_counted_day, inactive_cutoff};
use hub_api::clock::format_timestamp;
use hub_store::{AccountId, AccountScope, ActivityRefresh, CounterRepair, HubCounters, PageRequest, StoreError};
use jiff::Timestamp;
use lambda_runtime::LambdaEvent;
use serde::{Deserialize, Serialize};

/// Accounts maintained at the same time.
pub const ACCOUNTS_IN_FLIGHT: usize = 4;
/// Account ids read per Query of the accounts index.
const ACCOUNTS_PER_PAGE: usize = 100;
/// Recounts of one account whose write-back lost a race before it is left for the next run.
const RECOUNT_ATTEMPTS: usize = 3;

/// What one run did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The time the run computed inactivity against (RFC 3339 UTC).
    pub now: String,
    /// Accounts looked at.
    pub accounts_checked: usize,
    /// Accounts whose counters were found off and repaired.
    pub accounts_repaired: usize,
    /// Accounts left for the next run because concurrent changes kept winning.
    pub accounts_raced: usize,
    pub accounts_failed: usize,
    /// Every account that had something to report (repairs, races, finished deletes, changed
    /// API users, failures); with `--account`, that account in any case.
    pub accounts: Vec<AccountReport>,
    /// Why the run could not list the accounts, if it could not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Report {
    fn record(&mut self, account: AccountReport, always: bool) {
        self.accounts_checked += 1;
        match account.outcome {
            Outcome::Repaired => self.accounts_repaired += 1,
            Outcome::Raced => self.accounts_raced += 1,
            Outcome::Failed | Outcome::NotFound => self.accounts_failed += 1,
            Outcome::Clean => {}
        }
        if always || account.notable() {
            self.accounts.push(account);
        }
    }

    /// Whether anything failed (the Lambda invocation then fails, and is retried).
    pub fn failed(&self) -> bool {
        self.error.is_some() || self.accounts_failed > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Outcome {
    /// Nothing was off.
    Clean,
    /// Counters were off and are exact again.
    Repaired,
    /// The counters changed during every recount; left for the next run.
    Raced,
    /// No such account (only with `--account`).
    NotFound,
    Failed,
}

/// What the job did for one account.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountReport {
    pub account_id: AccountId,
    pub outcome: Outcome,
    /// Operator, group and monitor deletes finished.
    pub finished_deletes: usize,
    pub api_users: ActivityRefresh,
    /// Counters (and group member counts) that were off: stored value and recounted value.
    pub repairs: Vec<CounterRepair>,
    /// Conditional writes skipped because something changed meanwhile.
    pub lost_races: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl AccountReport {
    fn new(account_id: &AccountId) -> Self {
        AccountReport {
            account_id: account_id.clone(),
            outcome: Outcome::Clean,
            finished_deletes: 0,
            api_users: ActivityRefresh::default(),
            repairs: Vec::new(),
            lost_races: 0,
            error: None,
        }
    }

    fn notable(&self) -> bool {
        self.outcome != Outcome::Clean
            || self.finished_deletes > 0
            || self.lost_races > 0
            || self.api_users != ActivityRefresh::default()
    }
}

/// Runs the job over every account, or only `only_account`, with inactivity computed against
/// `now`. Usage counters are pruned relative to the earlier of `now` and the state's clock, so
/// that a `--now` in the future never removes a day still inside the real window.
pub async fn run(state: &AppState, now: Timestamp, only_account: Option<&AccountId>) -> Report {
    let mut report = Report {
        now: format_timestamp(now),
        accounts_checked: 0,
        accounts_repaired: 0,
        accounts_raced: 0,
        accounts_failed: 0,
        accounts: Vec::new(),
        error: None,
    };
    if let Some(id) = only_account {
        let account = maintain(state, id, now).await;
        report.record(account, true);
        return report;
    }
    let mut cursor: Option<String> = None;
    loop {
        let page = match state
            .store
            .list_account_ids(PageRequest { limit: ACCOUNTS_PER_PAGE, cursor: cursor.as_deref() })
            .await
        {
            Ok(page) => page,
            Err(e) => {
                tracing::error!(error = %e, "maintenance: cannot list the accounts");
                report.error = Some(format!("cannot list the accounts: {e}"));
                return report;
            }
        };
        let done: Vec<AccountReport> = stream::iter(page.items.iter())
            .map(|id| maintain(state, id, now))
            .buffer_unordered(ACCOUNTS_IN_FLIGHT)
            .collect()
            .await;
        for account in done {
            report.record(account, false);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return report,
        }
    }
}

/// Maintains one account and logs what it did in one line.
async fn maintain(state: &AppState, account_id: &AccountId, now: Timestamp) -> AccountReport {
    let mut report = AccountReport::new(account_id);
    if let Err(e) = maintain_account(state, account_id, now, &mut report).await {
        report.outcome = Outcome::Failed;
        report.error = Some(e.to_string());
    }
    let repairs = serde_json::to_string(&report.repairs).unwrap_or_default();
    let outcome =
        serde_json::to_value(report.outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
    if report.outcome == Outcome::Failed {
        tracing::error!(
            account_id = account_id.as_str(),
            outcome,
            error = report.error.as_deref().unwrap_or(""),
            "maintenance: account failed"
        );
    } else {
        tracing::info!(
            account_id = account_id.as_str(),
            outcome,
            repairs,
            finished_deletes = report.finished_deletes,
            api_users_became_inactive = report.api_users.became_inactive,
            api_users_became_active = report.api_users.became_active,
            usage_days_pruned = report.api_users.pruned_days,
            lost_races = report.lost_races + report.api_users.lost_races,
            "maintenance: account checked"
        );
    }
    report
}

async fn maintain_account(
    state: &AppState,
    account_id: &AccountId,
    now: Timestamp,
    report: &mut AccountReport,
) -> Result<(), StoreError> {
    let scope = AccountScope::new(account_id);
    let store = state.store.in_account(&scope);
    if store.account_record().await?.is_none() {
        report.outcome = Outcome::NotFound;
        return Ok(());
    }
    report.finished_deletes = store.finish_pending_deletes().await?;
    report.finished_deletes += store.finish_pending_monitor_deletes().await?;
    let prune_before = first_counted_day(now.min(state.clock.now()));
    let context = hub_api::audit::system_context(state, hub_store::AuditSource::Maintenance, "maintenance");
    let activity_event = |user: &hub_store::records::ApiUserRecord, inactive: bool| {
        let changes = vec![hub_api::audit::change("inactive", !inactive, inactive)];
        hub_api::audit::event(
            &context,
            "apiUser.inactivityRecomputed",
            ("ApiUser", &user.api_user_id, Some(&user.description)),
            changes,
        )
    };
    report.api_users = store.refresh_api_user_activity(&inactive_cutoff(now), &prune_before, &activity_event).await?;

    let computed_at = format_timestamp(now);
    for _ in 0..RECOUNT_ATTEMPTS {
        // Read before counting: a counter change during the recount moves the version and
        // refuses the write-back.
        let Some(account) = store.account_record().await? else {
            report.outcome = Outcome::NotFound;
            return Ok(());
        };
        let recount = store.recount(hub_api::rules::is_production_monitor).await?;
        for group in recount.groups.iter().filter(|g| g.stored != g.actual) {
            let changes = vec![hub_api::audit::change("memberCount", group.stored, group.actual)];
            let event =
                hub_api::audit::event(&context, "group.memberCountRepaired", ("Group", &group.group_id, None), changes);
            if store.repair_member_count(group, &event).await? {
                report.repairs.push(CounterRepair {
                    counter: "memberCount".into(),
                    group_id: Some(group.group_id.clone()),
                    old: group.stored,
                    new: group.actual,
                });
            } else {
                report.lost_races += 1;
            }
        }
        let drift = HubCounters::stored(&account).drift(&recount.counters);
        let event = (!drift.is_empty()).then(|| {
            let changes = drift.iter().map(|d| hub_api::audit::change(&d.counter, d.old, d.new)).collect();
            hub_api::audit::event(
                &context,
                "account.countersRepaired",
                ("Account", account_id, Some(&account.name)),
                changes,
            )
        });
        if store.write_counters(account.counters_version, &recount.counters, &computed_at, event.as_ref()).await? {
            report.repairs.extend(drift);
            report.outcome = if report.repairs.is_empty() { Outcome::Clean } else { Outcome::Repaired };
            return Ok(());
        }
        report.lost_races += 1;
    }
    report.outcome = if report.repairs.is_empty() { Outcome::Raced } else { Outcome::Repaired };
    Ok(())
}

/// Parses the time to recompute against (`hubctl recompute --now`): RFC 3339 with an offset,
/// e.g. `2026-11-27T10:00:00Z`.
pub fn parse_now(text: &str) -> Result<Timestamp, String> {
    text.trim()
        .parse::<Timestamp>()
        .map_err(|_| format!("`{text}` is not an RFC 3339 time such as 2026-11-27T10:00:00Z"))
}

/// The EventBridge scheduled event (`detail-type: Scheduled Event`); only read for the log.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ScheduledEvent {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default, rename = "detail-type")]
    pub detail_type: Option<String>,
    /// When the schedule fired.
    #[serde(default)]
    pub time: Option<String>,
}

/// The Lambda entry point. Inactivity is computed against the clock when the job runs (a
/// retried invocation recomputes as of its own run). A run in which anything failed fails the
/// invocation, so that Lambda retries it; the job is safe to retry.
pub async fn handler(state: &AppState, event: LambdaEvent<ScheduledEvent>) -> Result<Report, lambda_runtime::Error> {
    let ScheduledEvent { id, detail_type, time } = event.payload;
    tracing::info!(
        event_id = id.as_deref().unwrap_or(""),
        detail_type = detail_type.as_deref().unwrap_or(""),
        scheduled_at = time.as_deref().unwrap_or(""),
        "maintenance: run starts"
    );
    let report = run(state, state.clock.now(), None).await;
    tracing::info!(
        accounts_checked = report.accounts_checked,
        accounts_repaired = report.accounts_repaired,
        accounts_raced = report.accounts_raced,
        accounts_failed = report.accounts_failed,
        "maintenance: run done"
    );
    if report.failed() {
        let why = report.error.clone().unwrap_or_else(|| format!("{} account(s) failed", report.accounts_failed));
        return Err(why.into());
    }
    Ok(report)
}
