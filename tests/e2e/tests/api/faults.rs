//! Faults between the API and DynamoDB, injected by a proxy in front of the real embedded
//! DynamoDB (`hub_e2e::faults`): unreachable or hanging DynamoDB, throttling, transaction
//! conflicts, responses lost after the write applied, and a crash between the steps of a
//! multi-step delete. Every test ends by checking that the data is exactly consistent.
//!
//! Numbers are printed (`--nocapture`) for RELIABILITY.md.

use std::time::{Duration, Instant};

use hub_e2e::faults::{Fault, FaultProxy};
use hub_e2e::{Reply, TestApp, send};
use hub_store::{AccountScope, Principal};
use reqwest::Method;
use serde_json::{Value, json};

/// The contract's deadline for a 503 when DynamoDB is unreachable or throttling.
const DEADLINE: Duration = Duration::from_secs(3);

async fn timed(reply: impl Future<Output = Reply>) -> (Reply, Duration) {
    let started = Instant::now();
    let reply = reply.await;
    (reply, started.elapsed())
}

/// Conflicts are retried until the retries run out, for as long as that takes: no contract
/// deadline, only a bound that keeps the test itself bounded.
const RETRIES_BOUND: Duration = Duration::from_secs(15);

/// 503 `service_unavailable` with a `Retry-After` of whole seconds, within the deadline, and no
/// internals in the problem.
#[track_caller]
fn assert_unavailable(what: &str, reply: &Reply, took: Duration) {
    assert_unavailable_within(what, reply, took, DEADLINE);
}

#[track_caller]
fn assert_unavailable_within(what: &str, reply: &Reply, took: Duration, limit: Duration) {
    assert_eq!((reply.status.as_u16(), reply.code()), (503, "service_unavailable"), "{what}: {}", reply.body);
    let retry_after = reply.header("retry-after").unwrap_or_else(|| panic!("{what}: 503 without Retry-After"));
    assert!(retry_after.parse::<u32>().is_ok_and(|s| s >= 1), "{what}: Retry-After {retry_after:?}");
    assert!(took < limit, "{what}: 503 after {took:?}, more than {limit:?}");
    let text = reply.body.to_string();
    for leak in ["Throttling", "Transaction", "dispatch", "timeout", "hub-table", "127.0.0.1"] {
        assert!(!text.contains(leak), "{what}: the problem exposes {leak:?}: {text}");
    }
}

/// Everything that must hold whatever failed before: the account's counters equal a recount
/// through the API, every group's member count equals its member list, memberships are the same
/// seen from both sides, and no delete is left pending.
async fn assert_consistent(app: &TestApp) {
    let token = &app.admin_token;
    let account = app.account_record(&app.account.account_id).await;
    let operators = app.list_all(token, "/operators").await;
    let groups = app.list_all(token, "/groups").await;
    let on_duty = operators.iter().filter(|o| o["isOnDuty"] == true).count() as i64;
    let empty = groups.iter().filter(|g| g["memberCount"] == 0).count() as i64;
    assert_eq!(
        (account.operators_total, account.operators_active, account.groups_total, account.groups_empty),
        (operators.len() as i64, on_duty, groups.len() as i64, empty),
        "account counters (total, active, groups, empty groups) against a recount"
    );
    let mut memberships = std::collections::BTreeSet::new();
    for g in &groups {
        let id = g["groupId"].as_str().unwrap();
        let members = app.list_all(token, &format!("/groups/{id}/members")).await;
        assert_eq!(g["memberCount"].as_i64(), Some(members.len() as i64), "member count of group {id}");
        for m in members {
            memberships.insert((id.to_owned(), m["operatorId"].as_str().unwrap().to_owned()));
        }
    }
    let mut seen_from_operators = std::collections::BTreeSet::new();
    for o in &operators {
        let id = o["operatorId"].as_str().unwrap();
        for g in app.list_all(token, &format!("/operators/{id}/groups")).await {
            seen_from_operators.insert((g["groupId"].as_str().unwrap().to_owned(), id.to_owned()));
        }
    }
    assert_eq!(memberships, seen_from_operators, "memberships seen from groups and from operators");
    let scope = AccountScope::new(&app.account.account_id);
    assert!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().is_empty(), "a delete is left pending");
}

fn operator_body(email: &str) -> Value {
    json!({"email": email, "fullName": "Fault Tolerant"})
}

/// Whether an operator with this email is listed.
async fn listed(app: &TestApp, email: &str) -> bool {
    app.list_all(&app.admin_token, "/operators")
        .await
        .iter()
        .any(|o| o["email"].as_str().is_some_and(|e| e.eq_ignore_ascii_case(email)))
}

/// After a create whose outcome the client may not know, creating the same email again must
/// agree with whether the operator exists: 409 when it does, 201 when nothing was left behind
/// (no email reservation without its operator).
async fn assert_email_state_agrees(app: &TestApp, email: &str) {
    let exists = listed(app, email).await;
    let again = app.post_operator(operator_body(email)).await;
    if exists {
        again.expect_problem(409, "email_taken");
    } else {
        again.expect(201);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_dynamodb_is_503_with_retry_after_within_the_deadline() {
    let (app, proxy) = TestApp::start_behind_proxy().await;
    let id = app.create_operator("Still Here", "still@example.com").await;

    // Connections refused: the proxy's listener is closed and its connections cut.
    proxy.stop().await;
    let cases = [
        (Method::GET, "/operators".to_owned(), None),
        (Method::POST, "/operators".to_owned(), Some(operator_body("refused@example.com"))),
        (Method::GET, format!("/operators/{id}"), None),
        (Method::DELETE, format!("/operators/{id}"), None),
        (Method::POST, "/groups".to_owned(), Some(json!({"description": "Refused"}))),
    ];
    for (method, path, body) in cases.clone() {
        app.requests.reset();
        let (reply, took) = timed(app.call(method.clone(), &path, body)).await;
        eprintln!("refused: {method} {path} -> {} in {took:?} after {} SDK attempts", reply.status, app.requests.get());
        assert_unavailable(&format!("refused {method} {path}"), &reply, took);
    }
    proxy.resume().await;
    app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    assert!(!listed(&app, "refused@example.com").await);
    assert_consistent(&app).await;

    // Connections that are neither accepted nor refused (a full accept queue drops the SYNs):
    // the SDK's connect timeout.
    let queued = proxy.blackhole().await;
    for (method, path, body) in [cases[0].clone(), cases[1].clone()] {
        app.requests.reset();
        let (reply, took) = timed(app.call(method.clone(), &path, body)).await;
        eprintln!(
            "blackholed ({queued} queued): {method} {path} -> {} in {took:?} after {} SDK attempts",
            reply.status,
            app.requests.get()
        );
        assert_unavailable(&format!("blackholed {method} {path}"), &reply, took);
    }
    proxy.resume().await;
    app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);

    // A DynamoDB that accepts connections and never answers: attempt and operation timeouts.
    proxy.inject(None, Fault::Hang(Duration::from_secs(6)), None);
    for (method, path, body) in [cases[0].clone(), cases[1].clone()] {
        app.requests.reset();
        let (reply, took) = timed(app.call(method.clone(), &path, body)).await;
        eprintln!("hanging: {method} {path} -> {} in {took:?} after {} SDK attempts", reply.status, app.requests.get());
        assert_unavailable(&format!("hanging {method} {path}"), &reply, took);
    }
    proxy.heal();
    // Only the reads hang-free, the commit hangs: the create's last step times out.
    proxy.reset_counts();
    proxy.inject(Some("TransactWriteItems"), Fault::Hang(Duration::from_secs(6)), None);
    let (reply, took) = timed(app.post_operator(operator_body("hung@example.com"))).await;
    eprintln!("hanging commit: POST /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    assert_unavailable("hanging commit", &reply, took);
    proxy.heal();
    assert!(!listed(&app, "hung@example.com").await, "a hung transaction was never forwarded, so nothing was created");
    assert_email_state_agrees(&app, "hung@example.com").await;
    assert_consistent(&app).await;
}

/// The SDK's limits bound one DynamoDB operation (2.5 s), not a request: a request whose first
/// operation loses an attempt to a timeout and whose next operation then times out entirely would
/// pass the contract's 3 s without the per-request deadline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flapping_dynamodb_still_answers_within_the_deadline() {
    let (app, proxy) = TestApp::start_behind_proxy().await;
    // The authentication read's first attempt hangs (the retry answers), then the list hangs.
    proxy.inject(Some("GetItem"), Fault::Hang(Duration::from_secs(6)), Some(1));
    proxy.inject(Some("Query"), Fault::Hang(Duration::from_secs(6)), None);
    let (reply, took) = timed(app.call(Method::GET, "/operators", None)).await;
    eprintln!("flapping: GET /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    assert_unavailable("flapping", &reply, took);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sustained_throttling_is_503_and_brief_throttling_is_absorbed() {
    let (app, proxy) = TestApp::start_behind_proxy().await;

    // Sustained, on every operation.
    proxy.reset_counts();
    proxy.throttle_everything();
    let (reply, took) = timed(app.call(Method::GET, "/operators", None)).await;
    eprintln!("throttled: GET /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    assert_unavailable("throttled GET", &reply, took);
    let (reply, took) = timed(app.post_operator(operator_body("throttled@example.com"))).await;
    eprintln!("throttled: POST /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    assert_unavailable("throttled POST", &reply, took);
    assert_eq!(proxy.counts().total_forwarded(), 0);
    proxy.heal();
    // The same requests succeed once the throttling stops.
    app.call(Method::GET, "/operators", None).await.expect(200);
    app.post_operator(operator_body("throttled@example.com")).await.expect(201);

    // Brief: two throttled attempts are absorbed by the SDK's retries.
    proxy.reset_counts();
    proxy.throttle_next(2);
    let (reply, took) = timed(app.call(Method::GET, "/operators", None)).await;
    eprintln!("2 throttles: GET /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    reply.expect(200);
    assert_eq!(proxy.counts().injected("throttled"), 2);

    proxy.reset_counts();
    proxy.inject(Some("TransactWriteItems"), Fault::Throttle, Some(2));
    let created = app.post_operator(operator_body("brief@example.com")).await.expect(201);
    eprintln!("2 throttled commits: POST /operators -> 201; proxy: {}", proxy.counts());
    assert_eq!(proxy.counts().attempts("TransactWriteItems"), 3);
    assert_eq!(proxy.counts().forwarded("TransactWriteItems"), 1);

    // Sustained on the commit only: the reads pass, the write never applies, nothing is half done.
    let id = created.str("operatorId");
    let g = app.create_group("Throttle Team").await;
    proxy.reset_counts();
    proxy.throttle_operation("TransactWriteItems");
    for (method, path, body) in [
        (Method::POST, "/operators".to_owned(), Some(operator_body("never@example.com"))),
        (Method::PUT, format!("/groups/{g}/members/{id}"), None),
        (Method::DELETE, format!("/operators/{id}"), None),
        (Method::DELETE, format!("/groups/{g}"), None),
    ] {
        let (reply, took) = timed(app.call(method.clone(), &path, body)).await;
        eprintln!("throttled commits: {method} {path} -> {} in {took:?}", reply.status);
        assert_unavailable(&format!("throttled commit {method} {path}"), &reply, took);
    }
    eprintln!("throttled commits: proxy: {}", proxy.counts());
    assert_eq!(proxy.counts().forwarded("TransactWriteItems"), 0);
    // DynamoDB's other way of throttling a transaction: cancelled with ThrottlingError.
    proxy.heal();
    proxy.inject(None, Fault::CancelTransaction("ThrottlingError"), None);
    let (reply, took) = timed(app.post_operator(operator_body("never@example.com"))).await;
    assert_unavailable("transaction cancelled for throttling", &reply, took);
    proxy.heal();
    app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200);
    app.call(Method::GET, &format!("/groups/{g}"), None).await.expect(200);
    assert_email_state_agrees(&app, "never@example.com").await;
    assert_consistent(&app).await;
}

/// Runs a request with `conflicts` TransactionConflict cancellations injected on the next
/// transactions. Returns the reply (a 503 is checked here: Retry-After, deadline) and how many
/// transactions the proxy saw.
async fn with_conflicts(
    app: &TestApp,
    proxy: &FaultProxy,
    conflicts: u64,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (Reply, u64) {
    proxy.heal();
    proxy.reset_counts();
    proxy.conflict_next_transactions(conflicts);
    let (reply, took) = timed(app.call(method.clone(), path, body)).await;
    proxy.heal();
    let counts = proxy.counts();
    eprintln!(
        "{conflicts} conflicts: {method} {path} -> {} in {took:?}; TransactWriteItems attempts {}, cancelled {}, forwarded {}",
        reply.status,
        counts.attempts("TransactWriteItems"),
        counts.injected("cancelled"),
        counts.forwarded("TransactWriteItems")
    );
    if reply.status == 503 {
        assert_unavailable_within(&format!("{method} {path}"), &reply, took, RETRIES_BOUND);
    }
    (reply, counts.attempts("TransactWriteItems"))
}

/// The actions the audit log holds about `target_id`, oldest first.
async fn logged(app: &TestApp, target_id: &str) -> Vec<String> {
    let events = app.list_all(&app.admin_token, &format!("/audit-log?targetId={target_id}")).await;
    events.iter().rev().map(|e| e["action"].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transaction_conflicts_are_retried_and_never_half_applied() {
    let (app, proxy) = TestApp::start_behind_proxy().await;
    let keep = app.create_operator("Keeper", "keeper@example.com").await;
    let g = app.create_group("Conflicted").await;

    // Creates: success or 503, and afterwards the email agrees with the operator's existence.
    for (n, email) in [(1, "c1@example.com"), (30, "c30@example.com")] {
        let (reply, attempts) =
            with_conflicts(&app, &proxy, n, Method::POST, "/operators", Some(operator_body(email))).await;
        assert!(
            [201, 503].contains(&reply.status.as_u16()),
            "create after {n} conflicts: {:?} {}",
            reply.status,
            reply.body
        );
        assert!(attempts >= 1);
        assert_email_state_agrees(&app, email).await;
        assert_consistent(&app).await;
    }
    let (reply, _) =
        with_conflicts(&app, &proxy, 1, Method::POST, "/groups", Some(json!({"description": "Conflicted twice"})))
            .await;
    assert!([201, 503].contains(&reply.status.as_u16()), "{:?} {}", reply.status, reply.body);
    assert_consistent(&app).await;

    // Memberships: retried until they apply.
    let member = app.create_operator("Member", "member@example.com").await;
    let (reply, attempts) =
        with_conflicts(&app, &proxy, 3, Method::PUT, &format!("/groups/{g}/members/{member}"), None).await;
    reply.expect(204);
    assert!(attempts >= 4, "the add was retried: {attempts} attempts");
    assert_consistent(&app).await;

    // Deletes: every step of the delete is retried, the first (remove the operator, release its
    // email, count, mark pending) and the later ones (memberships, grants, the marker).
    let (reply, attempts) =
        with_conflicts(&app, &proxy, 3, Method::DELETE, &format!("/operators/{member}"), None).await;
    reply.expect(204);
    assert!(attempts >= 4, "the delete was retried: {attempts} attempts");
    assert_consistent(&app).await;
    for skip in 1..=3 {
        let victim = app.create_operator("Victim", &format!("victim{skip}@example.com")).await;
        app.add_member(&g, &victim).await;
        app.grant(&victim, "AllowInfra").await;
        proxy.reset_counts();
        proxy.inject_after(Some("TransactWriteItems"), skip, Fault::CancelTransaction("TransactionConflict"), Some(2));
        let reply = app.call(Method::DELETE, &format!("/operators/{victim}"), None).await;
        proxy.heal();
        eprintln!("conflicts after step {skip}: DELETE /operators -> {}; proxy: {}", reply.status, proxy.counts());
        reply.expect(204);
        assert_eq!(proxy.counts().injected("cancelled"), 2);
        assert_consistent(&app).await;
        // One event per change, whichever step the conflicts hit.
        assert_eq!(logged(&app, &victim).await, ["operator.created", "operator.permissionGranted", "operator.deleted"]);
    }
    assert_eq!(logged(&app, &member).await, ["operator.created", "operator.deleted"]);

    // Conflicts that never stop: the API gives up after its 25 attempts (how long that takes
    // depends on the load; RELIABILITY.md), 503, and nothing of the delete applied.
    proxy.reset_counts();
    proxy.inject(Some("TransactWriteItems"), Fault::CancelTransaction("TransactionConflict"), None);
    let (reply, took) = timed(app.call(Method::DELETE, &format!("/operators/{keep}"), None)).await;
    proxy.heal();
    eprintln!("endless conflicts: DELETE /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    assert_unavailable_within("endless conflicts", &reply, took, RETRIES_BOUND);
    assert!(proxy.counts().attempts("TransactWriteItems") > 1);
    app.call(Method::GET, &format!("/operators/{keep}"), None).await.expect(200);
    assert_consistent(&app).await;
    // Nothing of the delete applied, its event neither.
    assert_eq!(logged(&app, &keep).await, ["operator.created"]);

    let (reply, attempts) = with_conflicts(&app, &proxy, 2, Method::DELETE, &format!("/groups/{g}"), None).await;
    reply.expect(204);
    assert!(attempts >= 3, "the group delete was retried: {attempts} attempts");
    assert_consistent(&app).await;
    let (reply, _) = with_conflicts(&app, &proxy, 2, Method::DELETE, &format!("/operators/{keep}"), None).await;
    reply.expect(204);
    assert_consistent(&app).await;
    assert_eq!(logged(&app, &keep).await, ["operator.created", "operator.deleted"]);
    // The member added through 3 conflicts and the 3 victims: one event each.
    let mut expected = vec!["group.created"];
    expected.extend(["group.memberAdded"; 4]);
    expected.push("group.deleted");
    assert_eq!(logged(&app, &g).await, expected);
}

/// The contract says transaction conflicts are retried: creates (`POST /operators`,
/// `POST /groups`) too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_retry_a_transaction_conflict() {
    let (app, proxy) = TestApp::start_behind_proxy().await;
    let (reply, attempts) =
        with_conflicts(&app, &proxy, 1, Method::POST, "/operators", Some(operator_body("retry@example.com"))).await;
    reply.expect(201);
    assert_eq!(attempts, 2);
    let (reply, attempts) =
        with_conflicts(&app, &proxy, 1, Method::POST, "/groups", Some(json!({"description": "Retried"}))).await;
    reply.expect(201);
    assert_eq!(attempts, 2);
    assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_lost_after_the_write_applied_is_retried_idempotently() {
    let (app, proxy) = TestApp::start_behind_proxy().await;
    // The create's transaction applies, its answer is held past the SDK's attempt timeout, and the
    // SDK sends the same transaction again. The SDK fills in `ClientRequestToken` once per
    // operation, so DynamoDB answers the repeat as the first: 201, applied once, key or not.
    for (email, key) in [("lost@example.com", Some("lost-1")), ("unkeyed@example.com", None)] {
        proxy.heal();
        proxy.reset_counts();
        proxy.inject(Some("TransactWriteItems"), Fault::LoseResponse(Duration::from_secs(2)), Some(1));
        let mut request = app.req(Method::POST, "/operators").json(&operator_body(email));
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let (reply, took) = timed(send(request)).await;
        eprintln!(
            "response lost once, key {key:?}: POST /operators -> {} in {took:?}; proxy: {}",
            reply.status,
            proxy.counts()
        );
        reply.expect(201);
        assert!(took < DEADLINE, "{took:?}");
        assert_eq!(proxy.counts().forwarded("TransactWriteItems"), 2, "the SDK repeated the transaction");
        let same_email: Vec<Value> =
            app.list_all(&app.admin_token, "/operators").await.into_iter().filter(|o| o["email"] == email).collect();
        assert_eq!(same_email.len(), 1);
        assert_consistent(&app).await;
        // The repeated transaction applied once, its event with it.
        assert_eq!(logged(&app, same_email[0]["operatorId"].as_str().unwrap()).await, ["operator.created"]);
    }

    // Every answer lost: 503 at the operation timeout although the write applied. The client's
    // retry with the same Idempotency-Key gets the original 201, not a 409 for its own email.
    proxy.heal();
    proxy.reset_counts();
    proxy.inject(Some("TransactWriteItems"), Fault::LoseResponse(Duration::from_secs(3)), None);
    let body = operator_body("applied@example.com");
    let (first, took) = timed(app.post_keyed("/operators", "lost-2", &body)).await;
    eprintln!("every response lost: POST /operators -> {} in {took:?}; proxy: {}", first.status, proxy.counts());
    assert_unavailable("every response lost", &first, took);
    proxy.heal();
    let retried = app.post_keyed("/operators", "lost-2", &body).await.expect(201);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    let listed: Vec<Value> = app
        .list_all(&app.admin_token, "/operators")
        .await
        .into_iter()
        .filter(|o| o["email"] == "applied@example.com")
        .collect();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["operatorId"], retried.body["operatorId"]);
    assert_consistent(&app).await;
    // The lost answer's write logged once; the replay logged nothing.
    assert_eq!(logged(&app, listed[0]["operatorId"].as_str().unwrap()).await, ["operator.created"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multi_step_delete_cut_short_by_an_outage_is_finished_by_its_retry() {
    let (app, proxy) = TestApp::start_behind_proxy().await;
    let id = app.create_operator("Half Done", "half@example.com").await;
    let g = app.create_group_with("Half Group", &id).await;
    app.grant(&id, "AllowInfra").await;
    // The first transaction commits, then DynamoDB throttles every write.
    proxy.reset_counts();
    proxy.inject_after(Some("TransactWriteItems"), 1, Fault::Throttle, None);
    let (reply, took) = timed(app.call(Method::DELETE, &format!("/operators/{id}"), None)).await;
    eprintln!("outage after step 1: DELETE /operators -> {} in {took:?}; proxy: {}", reply.status, proxy.counts());
    assert_unavailable("outage after the first step", &reply, took);
    proxy.heal();
    let scope = AccountScope::new(&app.account.account_id);
    app.call(Method::GET, &format!("/operators/{id}"), None).await.expect_problem(404, "not_found");
    assert_eq!(
        app.state.store.in_account(&scope).pending_deletes().await.unwrap(),
        vec![Principal::Operator(id.clone().into())]
    );
    // The retry finishes it.
    app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect(204);
    assert_eq!(app.call(Method::GET, &format!("/groups/{g}"), None).await.expect(200).body["memberCount"], 0);
    assert_consistent(&app).await;
    app.call(Method::DELETE, &format!("/operators/{id}"), None).await.expect_problem(404, "not_found");
    // The first step wrote the delete's event; the retry that finished it wrote none.
    assert_eq!(logged(&app, &id).await, ["operator.created", "operator.permissionGranted", "operator.deleted"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_the_steps_of_a_delete_is_completed_by_the_retry_or_the_maintenance_job() {
    let app = TestApp::start().await;
    let scope = AccountScope::new(&app.account.account_id);

    // A group whose delete died after its first step: DELETE /groups/{id} again finishes it.
    let g = app.create_group("Crashed Group").await;
    let members =
        [app.create_operator("M One", "m1@example.com").await, app.create_operator("M Two", "m2@example.com").await];
    for m in &members {
        app.add_member(&g, m).await;
    }
    app.call(Method::PUT, &format!("/groups/{g}/permissions/AllowInfra"), None).await.expect(204);
    crate::begin_group_delete_only(&app, &scope, &g).await;
    app.call(Method::GET, &format!("/groups/{g}"), None).await.expect_problem(404, "not_found");
    assert_eq!(
        app.state.store.in_account(&scope).pending_deletes().await.unwrap(),
        vec![Principal::Group(g.clone().into())]
    );
    app.call(Method::DELETE, &format!("/groups/{g}"), None).await.expect(204);
    for m in &members {
        let groups = app.list_all(&app.admin_token, &format!("/operators/{m}/groups")).await;
        assert!(groups.iter().all(|x| x["groupId"] != g.as_str()), "membership of the deleted group left: {groups:?}");
    }
    assert!(!crate::holds_grants(&app, &scope, Principal::Group(g.clone().into())).await);
    assert_consistent(&app).await;
    app.call(Method::DELETE, &format!("/groups/{g}"), None).await.expect_problem(404, "not_found");

    // An operator and a group whose deletes died after their first step and are never retried:
    // the maintenance job's `finish_pending_deletes` completes both.
    let g2 = app.create_group("Crashed Again").await;
    let op = app.create_operator("Crashed Op", "crashed@example.com").await;
    for group in [g2.as_str(), "administrators"] {
        app.add_member(group, &op).await;
    }
    app.call(Method::PUT, &format!("/groups/{g2}/members/{}", members[0]), None).await.expect(204);
    app.grant(&op, "AllowInfra").await;
    crate::begin_operator_delete_only(&app, &scope, &op).await;
    crate::begin_group_delete_only(&app, &scope, &g2).await;
    assert_eq!(app.state.store.in_account(&scope).pending_deletes().await.unwrap().len(), 2);
    let finished = app.state.store.in_account(&scope).finish_pending_deletes().await.unwrap();
    assert_eq!(finished, 2);
    // Running it again finds nothing to do.
    assert_eq!(app.state.store.in_account(&scope).finish_pending_deletes().await.unwrap(), 0);
    let admins = app.call(Method::GET, "/groups/administrators", None).await.expect(200);
    assert_eq!(admins.body["memberCount"], 1);
    assert!(!crate::holds_grants(&app, &scope, Principal::Operator(op.clone().into())).await);
    assert!(
        app.state
            .store
            .in_account(&scope)
            .all_group_ids_of(&members[0].as_str().into())
            .await
            .unwrap()
            .iter()
            .all(|x| x.as_str() != g2)
    );
    assert_consistent(&app).await;
    // The email of the deleted operator is free again.
    app.create_operator("Crashed Op Again", "crashed@example.com").await;
    assert_consistent(&app).await;
}
