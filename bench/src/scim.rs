//! Part 6: SCIM. DynamoDB requests of the lookups an identity provider makes before every change
//! (`userName eq`, `emails.value eq`, `externalId eq`, a group's `displayName eq`) and of its
//! writes, in accounts of 10 and 10,000 operators; then a first push: 2,000 users created by 8
//! concurrent connections into one Enterprise account, then 20 groups of 100 members, with the
//! time and the DynamoDB requests per user, and the counters checked against a recount.

use std::time::Instant;

use hub_store::{AccountScope, HubCounters};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Auth, Bench, operators, seed_operators, thousands};
use crate::report::{Report, Table};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

fn encoded(filter: &str) -> String {
    filter
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

pub async fn scim_token(b: &Bench, admin: &Auth) -> Auth {
    let reply = b.call(admin, Method::POST, "/scim-tokens", Some(&json!({"description": "bench"}))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    Auth::Bearer(reply.body["token"].as_str().expect("token").to_owned())
}

/// Requests of one SCIM call (the token check included).
async fn cost(b: &Bench, token: &Auth, method: Method, path: &str, body: Option<Value>, status: u16) -> (u64, Value) {
    b.counter.reset();
    let reply = b.call(token, method.clone(), &format!("/scim/v2{path}"), body.as_ref()).await;
    assert_eq!(reply.status, status, "{method} {path}: {}", reply.body);
    (b.counter.get(), reply.body)
}

pub async fn run(report: &mut Report, sizes: &[usize], push_users: usize, push_groups: usize, members: usize) {
    report.section("6. SCIM: requests per call, and a first push");
    let b = Bench::start().await;
    let labels = [
        "GET /Users?filter=userName eq (found)",
        "GET /Users?filter=emails.value eq (found)",
        "GET /Users?filter=externalId eq (found)",
        "GET /Users?filter=userName eq (absent)",
        "GET /Groups?filter=displayName eq (found, excludedAttributes=members)",
        "GET /Users/{id}",
        "POST /Users",
        "PATCH /Users/{id} active false (disable)",
        "PATCH /Users/{id} active true (enable)",
    ];
    let mut columns: Vec<Vec<u64>> = Vec::new();
    for &size in sizes {
        let account = b.account(size).await;
        let admin = Auth::Bearer(b.token(&account));
        seed_operators(&b.state.store, &account, operators(size - 1, 20)).await;
        let token = scim_token(&b, &admin).await;
        b.call(
            &token,
            Method::POST,
            "/scim/v2/Groups",
            Some(&json!({"schemas": [GROUP], "displayName": "Bench group"})),
        )
        .await;
        let mut col = Vec::new();
        let (c, created) = cost(
            &b,
            &token,
            Method::POST,
            "/Users",
            Some(
                json!({"schemas": [USER], "userName": "needle@bench.example", "externalId": "needle", "active": true}),
            ),
            201,
        )
        .await;
        let id = created["id"].as_str().expect("id").to_owned();
        for f in [
            r#"userName eq "needle@bench.example""#,
            r#"emails.value eq "needle@bench.example""#,
            r#"externalId eq "needle""#,
            r#"userName eq "absent@bench.example""#,
        ] {
            col.push(cost(&b, &token, Method::GET, &format!("/Users?filter={}", encoded(f)), None, 200).await.0);
        }
        col.push(
            cost(
                &b,
                &token,
                Method::GET,
                &format!("/Groups?excludedAttributes=members&filter={}", encoded(r#"displayName eq "Bench group""#)),
                None,
                200,
            )
            .await
            .0,
        );
        col.push(cost(&b, &token, Method::GET, &format!("/Users/{id}"), None, 200).await.0);
        col.push(c);
        let off = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": false}]});
        col.push(cost(&b, &token, Method::PATCH, &format!("/Users/{id}"), Some(off), 200).await.0);
        let on = json!({"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": true}]});
        col.push(cost(&b, &token, Method::PATCH, &format!("/Users/{id}"), Some(on), 200).await.0);
        columns.push(col);
    }
    let mut header = vec!["SCIM call (token check included)".to_owned()];
    header.extend(sizes.iter().map(|s| format!("{} operators", thousands(*s))));
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header_refs);
    for (i, label) in labels.iter().enumerate() {
        let mut cells = vec![(*label).to_owned()];
        cells.extend(columns.iter().map(|c| c[i].to_string()));
        table.row(cells);
    }
    report.table(table);
    let lookups_constant = columns.windows(2).all(|w| w[0][..5] == w[1][..5]);
    report.budget(
        "lookups by userName / emails.value / externalId / displayName cost the same at every size",
        lookups_constant,
        format!("{:?}", columns.iter().map(|c| c[..5].to_vec()).collect::<Vec<_>>()),
    );

    // The first push.
    let account = b.account(push_users).await;
    let admin = Auth::Bearer(b.token(&account));
    let token = scim_token(&b, &admin).await;
    let (bench, auth) = (&b, &token);
    b.counter.reset();
    let started = Instant::now();
    let ids = hub_e2e::push_scim_users(push_users, 8, move |body| async move {
        let reply = bench.call(auth, Method::POST, "/scim/v2/Users", Some(&body)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.body["id"].as_str().expect("id").to_owned()
    })
    .await;
    let users_took = started.elapsed();
    let user_requests = b.counter.get();
    let ids: Vec<String> = ids.into_iter().flatten().collect();
    b.counter.reset();
    let started = Instant::now();
    // Through the same 8 connections as the users, as the identity provider sends them.
    hub_e2e::push_scim_groups(push_groups, 8, &ids, members, |group| async move {
        let reply = bench.call(auth, Method::POST, "/scim/v2/Groups", Some(&group)).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
    })
    .await;
    let groups_took = started.elapsed();
    let group_requests = b.counter.get();
    let scope = AccountScope::new(&account.account_id);
    let stored =
        HubCounters::stored(&b.state.store.in_account(&scope).account_record().await.expect("read").expect("account"));
    let recount =
        b.state.store.in_account(&scope).recount(hub_api::rules::is_production_monitor).await.expect("recount");
    let exact = stored == recount.counters && recount.groups.iter().all(|g| g.stored == g.actual);
    let mut table = Table::new(&[
        "first push (8 connections)",
        "count",
        "seconds",
        "per second",
        "DynamoDB requests",
        "requests each",
    ]);
    table.row(vec![
        "POST /Users".into(),
        thousands(push_users),
        format!("{:.2}", users_took.as_secs_f64()),
        format!("{:.0}", push_users as f64 / users_took.as_secs_f64()),
        thousands(user_requests as usize),
        format!("{:.1}", user_requests as f64 / push_users as f64),
    ]);
    table.row(vec![
        format!("POST /Groups with {members} members"),
        push_groups.to_string(),
        format!("{:.2}", groups_took.as_secs_f64()),
        format!("{:.1}", push_groups as f64 / groups_took.as_secs_f64()),
        thousands(group_requests as usize),
        format!("{:.1}", group_requests as f64 / push_groups as f64),
    ]);
    report.table(table);
    report.budget(
        "first push: every answer 2xx, counters equal a recount",
        exact,
        format!(
            "operators {} in use {}, groups {}",
            stored.operators_total, stored.operators_in_use, stored.groups_total
        ),
    );
}
