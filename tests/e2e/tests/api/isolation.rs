//! Tenant isolation, driven by the route tables (`matrix`): every route of every function is
//! called with a second account's credentials (its administrator's token and its
//! administrator's API user, so no role check stands in the way) and the first account's ids.
//!
//! - Every id the first account's: 404 `not_found`.
//! - Routes with several ids: each one in turn the first account's, the rest the second
//!   account's own: the same answer as with an id that does not exist (the contract: "ids of
//!   another account behave exactly like ids that do not exist").
//! - Control: the same request with the second account's own fresh resources succeeds, so each
//!   404 comes from the account boundary and not from a malformed request.
//! - Routes without ids (lists, creates, the account, the summary) run on the second account's own
//!   data.
//! - No answer to the second account ever carries an id of the first account's (lists, the
//!   summary, the monitor overview included).
//! - The first account is snapshotted before and after (its account item with every counter and
//!   version, every item of its DynamoDB partition, and everything the API shows of it): equal.
//!
//! Counts are printed (`--nocapture`) for RELIABILITY.md.

use std::collections::BTreeSet;
use std::time::Instant;

use hub_e2e::{Reply, TestApp};
use reqwest::Method;
use serde_json::json;

use crate::matrix::{Ids, Kind, Who, body_templates, build, every_route, fixture, kinds_of, label, ok, snapshot};

/// The problem's code, or `-` for a non-problem answer.
fn code(reply: &Reply) -> String {
    reply.body.get("code").and_then(|c| c.as_str()).unwrap_or("-").to_owned()
}

/// No id of the first account appears anywhere in an answer to the second.
#[track_caller]
fn assert_no_leak(reply: &Reply, foreign: &[String], what: &str) {
    let text = reply.body.to_string();
    for id in foreign {
        assert!(!text.contains(id.as_str()), "{what}: the answer shows the first account's id {id}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_accounts_credentials_never_reach_this_accounts_data() {
    let started = Instant::now();
    let app = TestApp::start().await;
    let a_id = app.account.account_id.clone();
    let a_admin = Who::Bearer(app.admin_token.clone());
    let a: Ids = fixture(&app, &a_admin).await;

    // The second account: Enterprise, so that a fresh set of resources per route fits its limit.
    let b = app.provision("Enterprise", 0).await;
    let b_token = Who::Bearer(app.token(&b.account_id, &b.admin_operator_id));
    let b_user =
        crate::matrix::call(&app, &b_token, Method::POST, "/api-users", Some(&json!({"description": "B's script"})))
            .await
            .expect(201);
    let b_basic = Who::Basic { username: b_user.str("username"), password: b_user.str("password") };
    let b_shared = fixture(&app, &b_token).await;
    let callers = [b_token.clone(), b_basic];

    let mut foreign: Vec<String> = a.all().into_iter().map(str::to_owned).collect();
    foreign.push(app.account.admin_operator_id.clone());
    foreign.push(a_id.to_string());

    let before = snapshot(&app, &a_id, &app.admin_token, &[]).await;
    // The first account's resources are real, and the snapshot sees each of them.
    for id in a.all() {
        assert!(before.views.values().any(|v| v.to_string().contains(id)), "{id} is not in the snapshot");
    }

    let routes = every_route();
    let (mut not_found, mut mixed, mut controls, mut own, mut requests) = (0, 0, 0, 0, 0);
    let mut covered = BTreeSet::new();
    for (function, route) in &routes {
        let name = format!("{function}: {}", label(route));
        for template in body_templates(&route.method, route.path) {
            let kinds = kinds_of(route, &template);

            // Control: the second account's own fresh resources; the request is valid.
            let fresh = fixture(&app, &b_token).await;
            let control = build(route, &template, &|k| fresh.get(k).to_owned());
            let reply = control.send(&app, &b_token).await;
            requests += 1;
            assert!(ok(&reply), "{name}: control {} → {} {}", control.describe(), reply.status, reply.body);
            assert_no_leak(&reply, &foreign, &name);
            controls += 1;

            for who in &callers {
                if kinds.is_empty() {
                    // No id to substitute: the second account's own data, without the first's.
                    let request = build(route, &template, &|_| unreachable!());
                    let reply = request.send(&app, who).await;
                    requests += 1;
                    assert!(
                        ok(&reply),
                        "{name} as B's {}: {} → {} {}",
                        who.kind(),
                        request.describe(),
                        reply.status,
                        reply.body
                    );
                    assert_no_leak(&reply, &foreign, &name);
                    own += 1;
                    continue;
                }
                // Every id the first account's.
                let request = build(route, &template, &|k| a.get(k).to_owned());
                let reply = request.send(&app, who).await;
                requests += 1;
                assert_eq!(
                    (reply.status.as_u16(), code(&reply)),
                    (404, "not_found".to_owned()),
                    "{name} as B's {} with A's ids: {} → {}",
                    who.kind(),
                    request.describe(),
                    reply.body
                );
                assert_eq!(reply.header("content-type"), Some("application/problem+json"));
                assert_no_leak(&reply, &foreign, &name);
                not_found += 1;

                // One id the first account's, the others the second's: like an id that does not exist.
                if kinds.len() > 1 {
                    for &k in &kinds {
                        let id_of = |missing: bool| {
                            let a = &a;
                            let b_shared = &b_shared;
                            move |j: Kind| -> String {
                                if j != k {
                                    b_shared.get(j).to_owned()
                                } else if missing {
                                    hub_api::values::new_id()
                                } else {
                                    a.get(j).to_owned()
                                }
                            }
                        };
                        let foreign_req = build(route, &template, &id_of(false));
                        let missing_req = build(route, &template, &id_of(true));
                        let with_foreign = foreign_req.send(&app, who).await;
                        let with_missing = missing_req.send(&app, who).await;
                        requests += 2;
                        assert_eq!(
                            (with_foreign.status, code(&with_foreign)),
                            (with_missing.status, code(&with_missing)),
                            "{name} as B's {} with A's {k:?}: {} → {} but with a missing {k:?}: {}",
                            who.kind(),
                            foreign_req.describe(),
                            with_foreign.body,
                            with_missing.body
                        );
                        assert!(!ok(&with_foreign), "{name}: A's {k:?} accepted: {}", foreign_req.describe());
                        assert_no_leak(&with_foreign, &foreign, &name);
                        mixed += 1;
                    }
                }
            }
        }
        covered.insert(label(route));
    }

    // Lists filtered by the first account's ids find nothing.
    for path in [
        format!("/api-users?operatorId={}", a.operator),
        format!("/operators?q={}", a.operator),
        "/groups?isEmpty=false".to_owned(),
    ] {
        for who in &callers {
            let reply = crate::matrix::call(&app, who, Method::GET, &path, None).await.expect(200);
            requests += 1;
            assert_no_leak(&reply, &foreign, &path);
        }
    }

    let after = snapshot(&app, &a_id, &app.admin_token, &[]).await;
    crate::matrix::assert_unchanged(&before, &after, "the first account after the second account's requests");

    let every: BTreeSet<String> = routes.iter().map(|(_, r)| label(r)).collect();
    assert_eq!(covered, every, "every route of the tables is in the matrix");
    assert!(every.len() >= 40, "the route tables look empty: {every:?}");
    println!(
        "isolation: {} routes; {not_found} × 404 with A's ids, {mixed} mixed-id comparisons, {own} own-data calls, {controls} controls; \
         {requests} requests by B; {} items of A's partition and {} API views unchanged; {:.1?}",
        every.len(),
        before.items.len(),
        before.views.len(),
        started.elapsed()
    );
}
