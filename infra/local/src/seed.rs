//! The demo data of the local server.
//!
//! - The demo account ("Demo Inc", Business, administrator Ada Admin) is provisioned once, with the
//!   same code as `hubctl account create`; `.local/demo.json` remembers it
//!   (`{"accountId", "adminOperatorId"}`) and is reused while that account exists in the table.
//! - Everything else (operators, groups, memberships, grants, off-duty schedules, monitors, API
//!   users) goes through the running server's own HTTP API as the demo administrator, step by
//!   step. A step whose route is not implemented yet (404/405) is left for a later start, so the
//!   demo data grows as functions land; a step that succeeded is never repeated (so demo data you
//!   deleted stays deleted). Progress is kept in `.local/demo-seed.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use hub_api::AppState;
use hub_api::auth::{Deployment, JwtConfig, sign_hs256};
use hub_api::error::ApiError;
use hub_api::provisioning::{AccountRequest, ProvisionedAccount, create_account};
use hub_store::{ADMINISTRATORS_GROUP_ID, AccountId, AccountScope};
use reqwest::{Method, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// File (in the local folder) that remembers the demo account.
pub const DEMO_MARKER: &str = "demo.json";
/// File (in the local folder) that records which seed steps are done.
pub const SEED_STATE: &str = "demo-seed.json";

pub const DEMO_ACCOUNT_NAME: &str = "Demo Inc";
pub const DEMO_ACCOUNT_TYPE: &str = "Business";
pub const DEMO_ADMIN_NAME: &str = "Ada Admin";
pub const DEMO_ADMIN_EMAIL: &str = "ada@demo.example";

/// The content of `.local/demo.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoMarker {
    pub account_id: AccountId,
    pub admin_operator_id: String,
}

/// The demo account, and whether this start created it.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub account: ProvisionedAccount,
    pub created: bool,
}

pub fn demo_request() -> AccountRequest {
    AccountRequest {
        name: DEMO_ACCOUNT_NAME.into(),
        account_type: DEMO_ACCOUNT_TYPE.into(),
        admin_email: DEMO_ADMIN_EMAIL.into(),
        admin_name: DEMO_ADMIN_NAME.into(),
        extra_operators: 0,
        time_zone: None,
    }
}

/// The demo account of `dir/demo.json` when it still exists in the table; otherwise a new one,
/// remembered in that file.
pub async fn ensure_demo_account(state: &AppState, dir: &Path) -> Result<DemoAccount, String> {
    let marker_path = dir.join(DEMO_MARKER);
    if let Some(marker) = read_json::<DemoMarker>(&marker_path) {
        let existing = state
            .store
            .in_account(&AccountScope::new(&marker.account_id))
            .account_record()
            .await
            .map_err(|e| format!("cannot read the demo account from DynamoDB: {e}"))?;
        if existing.is_some() {
            let account =
                ProvisionedAccount { account_id: marker.account_id, admin_operator_id: marker.admin_operator_id };
            return Ok(DemoAccount { account, created: false });
        }
        tracing::info!(account_id = %marker.account_id, "the demo account of .local/demo.json is not in this table; provisioning a new one");
    }
    let account = create_account(state, &demo_request()).await.map_err(|e| match e {
        ApiError::Validation(errors) => format!("invalid demo account: {errors:?}"),
        other => format!("cannot provision the demo account: {other}"),
    })?;
    let marker =
        DemoMarker { account_id: account.account_id.clone(), admin_operator_id: account.admin_operator_id.clone() };
    write_json(&marker_path, &marker).map_err(|e| format!("cannot write {}: {e}", marker_path.display()))?;
    tracing::info!(account_id = %account.account_id, "provisioned the demo account");
    Ok(DemoAccount { account, created: true })
}

/// Progress of the demo data of one account.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SeedState {
    account_id: String,
    /// Ids of what the seed created, by reference (`op:grace`, `group:oncall`, ...).
    ids: BTreeMap<String, String>,
    /// Steps that succeeded.
    done: BTreeSet<String>,
}

/// One request of the demo data. `{ref}` in the path or body stands for an id the seed created
/// earlier; a step whose references are unknown waits.
struct Step {
    key: &'static str,
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    /// The id field of the created resource, remembered under `key`.
    creates: Option<&'static str>,
}

const fn step(
    key: &'static str,
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    creates: Option<&'static str>,
) -> Step {
    Step { key, method, path, body, creates }
}

fn plan() -> Vec<Step> {
    use Method as M;
    let op = Some("operatorId");
    let group = Some("groupId");
    vec![
        step(
            "op:grace",
            M::POST,
            "/operators",
            Some(r#"{"email":"grace@demo.example","fullName":"Grace Hopper"}"#),
            op,
        ),
        step("op:alan", M::POST, "/operators", Some(r#"{"email":"alan@demo.example","fullName":"Alan Turing"}"#), op),
        step(
            "op:katherine",
            M::POST,
            "/operators",
            Some(r#"{"email":"katherine@demo.example","fullName":"Katherine Johnson"}"#),
            op,
        ),
        step(
            "op:edsger",
            M::POST,
            "/operators",
            Some(r#"{"email":"edsger@demo.example","fullName":"Edsger Dijkstra"}"#),
            op,
        ),
        step("group:oncall", M::POST, "/groups", Some(r#"{"description":"On-call engineers"}"#), group),
        step("group:finance", M::POST, "/groups", Some(r#"{"description":"Finance"}"#), group),
        // Left without members: the hub points out empty groups.
        step("group:support", M::POST, "/groups", Some(r#"{"description":"Support"}"#), group),
        step("member:oncall:grace", M::PUT, "/groups/{group:oncall}/members/{op:grace}", None, None),
        step("member:oncall:alan", M::PUT, "/groups/{group:oncall}/members/{op:alan}", None, None),
        step("member:finance:katherine", M::PUT, "/groups/{group:finance}/members/{op:katherine}", None, None),
        step("member:administrators:grace", M::PUT, "/groups/{group:administrators}/members/{op:grace}", None, None),
        step(
            "grant:finance:FinancialOperator",
            M::PUT,
            "/groups/{group:finance}/permissions/FinancialOperator",
            None,
            None,
        ),
        step(
            "grant:oncall:CreateAlertDefinition",
            M::PUT,
            "/groups/{group:oncall}/permissions/CreateAlertDefinition",
            None,
            None,
        ),
        step("grant:alan:TechnicalContact", M::PUT, "/operators/{op:alan}/permissions/TechnicalContact", None, None),
        step(
            "schedule:grace:daily",
            M::POST,
            "/operators/{op:grace}/duty-schedules",
            Some(r#"{"mode":"Daily","startTime":"22:00","endTime":"06:00"}"#),
            None,
        ),
        step(
            "schedule:alan:weekly",
            M::POST,
            "/operators/{op:alan}/duty-schedules",
            Some(r#"{"mode":"Weekly","weekDay":"Sunday","startTime":"08:00","endTime":"20:00"}"#),
            None,
        ),
        step(
            "schedule:katherine:monthly",
            M::POST,
            "/operators/{op:katherine}/duty-schedules",
            Some(r#"{"mode":"Monthly","monthDay":1,"startTime":"09:00","endTime":"12:00"}"#),
            None,
        ),
        // The "Active" switch off: signs in, gets no alerts.
        step("inactive:edsger", M::PATCH, "/operators/{op:edsger}", Some(r#"{"isOnDuty":false}"#), None),
        step(
            "monitor:homepage",
            M::POST,
            "/monitors",
            Some(r#"{"name":"Homepage","mode":"Production"}"#),
            Some("monitorId"),
        ),
        step(
            "monitor:checkout",
            M::POST,
            "/monitors",
            Some(r#"{"name":"Checkout flow","mode":"Staging"}"#),
            Some("monitorId"),
        ),
        step(
            "authorization:homepage:support",
            M::POST,
            "/monitors/{monitor:homepage}/authorizations",
            Some(r#"{"authorizationType":"ViewMonitor","groupId":"{group:support}"}"#),
            None,
        ),
        step(
            "apiuser:grace:deploy",
            M::POST,
            "/api-users",
            Some(r#"{"operatorId":"{op:grace}","description":"Deploy script"}"#),
            None,
        ),
    ]
}

/// What seeding did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedReport {
    /// Steps of the demo data.
    pub total: usize,
    /// Steps done (now or on an earlier start).
    pub done: usize,
    /// Steps done by this call.
    pub applied: usize,
    /// Steps whose route is not implemented yet, or which wait for such a step.
    pub waiting: usize,
    /// Steps that failed otherwise (logged as warnings).
    pub failed: usize,
}

/// [`seed_demo_data`] through the whole API served on a private loopback port for the time of
/// the seed, in front of the same table, with HS256 tokens signed with a random secret made for
/// this run and never shown. Seeding so works whichever way the public server's operators sign
/// in (the published development secret, or only an identity provider's tokens), and no token
/// of the seed can open the public server.
pub async fn seed_demo_data_privately(state: &AppState, dir: &Path, account: &ProvisionedAccount) -> SeedReport {
    let secret = match hub_api::caller::new_api_user_password() {
        Ok(random) => random,
        Err(e) => {
            tracing::warn!(error = %e, "no random secret for the seed; demo data not seeded");
            return SeedReport::default();
        }
    };
    let jwt =
        JwtConfig { hs256_secret: Some(secret.clone()), deployment: Deployment::HubLocal, ..JwtConfig::default() };
    let private = AppState::new(state.store.clone(), jwt, (*state.config).clone(), state.clock.clone());
    let listener = match tokio::net::TcpListener::bind("127.0.0.1:0").await {
        Ok(listener) => listener,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen on loopback for the seed; demo data not seeded");
            return SeedReport::default();
        }
    };
    let base = match listener.local_addr() {
        Ok(addr) => format!("http://{addr}"),
        Err(e) => {
            tracing::warn!(error = %e, "no local address for the seed; demo data not seeded");
            return SeedReport::default();
        }
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, crate::app(private))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    let token = sign_hs256(&secret, &account.account_id, &account.admin_operator_id, 600);
    let report = seed_demo_data(&base, &token, dir, &account.account_id).await;
    let _ = stop.send(());
    let _ = server.await;
    report
}

/// Applies the demo data steps not yet done, through the API at `base` with the administrator's
/// `token`. Never fails: problems are logged and retried on the next start.
pub async fn seed_demo_data(base: &str, token: &str, dir: &Path, account_id: &AccountId) -> SeedReport {
    let state_path = dir.join(SEED_STATE);
    let mut state = read_json::<SeedState>(&state_path)
        .filter(|s| s.account_id == account_id.as_str())
        .unwrap_or_else(|| SeedState { account_id: account_id.to_string(), ..SeedState::default() });
    state.ids.insert("group:administrators".into(), ADMINISTRATORS_GROUP_ID.into());

    let http = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(http) => http,
        Err(e) => {
            tracing::warn!(error = %e, "cannot build an HTTP client; demo data not seeded");
            return SeedReport::default();
        }
    };
    let plan = plan();
    let mut report = SeedReport { total: plan.len(), ..SeedReport::default() };
    for step in &plan {
        if state.done.contains(step.key) {
            report.done += 1;
            continue;
        }
        let path = resolve(step.path, &state.ids);
        let body = match step.body {
            None => Some(None),
            Some(body) => resolve(body, &state.ids).map(Some),
        };
        let (Some(path), Some(body)) = (path, body) else {
            // Waits for a resource an earlier step could not create yet.
            report.waiting += 1;
            continue;
        };
        match apply(&http, base, token, account_id, step, &path, body.as_deref()).await {
            Outcome::Done(id) => {
                if let (Some(id), Some(_)) = (id, step.creates) {
                    state.ids.insert(step.key.to_owned(), id);
                }
                state.done.insert(step.key.to_owned());
                report.done += 1;
                report.applied += 1;
                tracing::debug!(step = step.key, "demo data step applied");
                if let Err(e) = write_json(&state_path, &state) {
                    tracing::warn!(error = %e, "cannot record demo seed progress");
                }
            }
            Outcome::NotImplemented => {
                tracing::debug!(step = step.key, "route not implemented yet; demo data step left for a later start");
                report.waiting += 1;
            }
            Outcome::Failed(why) => {
                tracing::warn!(step = step.key, %why, "demo data step failed; it is retried on the next start");
                report.failed += 1;
            }
        }
    }
    report
}

enum Outcome {
    Done(Option<String>),
    NotImplemented,
    Failed(String),
}

async fn apply(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    account_id: &AccountId,
    step: &Step,
    path: &str,
    body: Option<&str>,
) -> Outcome {
    let mut request = http.request(step.method.clone(), format!("{base}{path}")).bearer_auth(token);
    if let Some(body) = body {
        request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body.to_owned());
    }
    if step.method == Method::POST {
        // A retry after a lost response (or lost progress file) then creates nothing twice.
        request = request.header("Idempotency-Key", format!("demo-seed:{account_id}:{}", step.key));
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => return Outcome::Failed(format!("request failed: {e}")),
    };
    let status = response.status();
    let reply: Value = response.json().await.unwrap_or(Value::Null);
    if status.is_success() {
        let id = step.creates.and_then(|field| reply[field].as_str()).map(str::to_owned);
        if step.creates.is_some() && id.is_none() {
            return Outcome::Failed(format!("{status} without {} in the reply", step.creates.unwrap_or_default()));
        }
        return Outcome::Done(id);
    }
    match status {
        // The fallback answers 404 for a route no function serves yet; a router that serves the
        // path but not the method answers 405.
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => Outcome::NotImplemented,
        _ => Outcome::Failed(format!("{status} {}", reply["code"].as_str().unwrap_or(""))),
    }
}

/// `template` with every `{ref}` replaced by its id; `None` when one is unknown.
fn resolve(template: &str, ids: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let Some(len) = rest[start..].find('}') else { break };
        let name = &rest[start + 1..start + len];
        // Only `{kind:name}` is a reference; JSON braces are kept as they are.
        if name.contains(':') && !name.contains('"') {
            out.push_str(&rest[..start]);
            out.push_str(ids.get(name)?);
        } else {
            out.push_str(&rest[..=start]);
            rest = &rest[start + 1..];
            continue;
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    Some(out)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    match serde_json::from_str(&text) {
        Ok(value) => Some(value),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "ignoring an unreadable file");
            None
        }
    }
}

/// Writes `value` as pretty JSON through a temporary file, so that a crash never leaves half a file.
fn write_json<T: Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    let mut text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    text.push('\n');
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_and_json_braces_stay() {
        let mut ids = BTreeMap::new();
        ids.insert("op:grace".to_owned(), "o-1".to_owned());
        ids.insert("group:oncall".to_owned(), "g-1".to_owned());
        assert_eq!(
            resolve("/groups/{group:oncall}/members/{op:grace}", &ids).as_deref(),
            Some("/groups/g-1/members/o-1")
        );
        assert_eq!(
            resolve(r#"{"operatorId":"{op:grace}","description":"x"}"#, &ids).as_deref(),
            Some(r#"{"operatorId":"o-1","description":"x"}"#)
        );
        assert_eq!(
            resolve(r#"{"mode":"Daily","startTime":"22:00"}"#, &ids).as_deref(),
            Some(r#"{"mode":"Daily","startTime":"22:00"}"#)
        );
        assert_eq!(resolve("/operators/{op:alan}", &ids), None);
    }

    #[test]
    fn every_step_body_is_json_and_keys_are_unique() {
        let plan = plan();
        let keys: BTreeSet<_> = plan.iter().map(|s| s.key).collect();
        assert_eq!(keys.len(), plan.len());
        let mut ids = BTreeMap::new();
        for s in &plan {
            ids.insert(s.key.to_owned(), "id".to_owned());
        }
        ids.insert("group:administrators".into(), ADMINISTRATORS_GROUP_ID.into());
        for s in &plan {
            assert!(resolve(s.path, &ids).is_some(), "{}", s.key);
            if let Some(body) = s.body {
                let body = resolve(body, &ids).expect("references resolve");
                serde_json::from_str::<Value>(&body).unwrap_or_else(|e| panic!("{}: {e}", s.key));
            }
        }
    }

    #[test]
    fn marker_round_trips_in_camel_case() {
        let marker = DemoMarker { account_id: "a".into(), admin_operator_id: "o".into() };
        let json = serde_json::to_value(&marker).unwrap();
        assert_eq!(json, serde_json::json!({"accountId": "a", "adminOperatorId": "o"}));
    }
}
