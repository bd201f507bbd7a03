//! 1,000 random operations from 16 concurrent clients against one account, then a full recount.
//!
//! The operations are drawn from a seeded xorshift generator (one stream per client, derived
//! from [`SEED`], or from `HUB_CONCURRENCY_SEED` when set), so a run's sequence of requests per
//! client can be replayed; the interleaving is whatever the scheduler makes of it. Half the
//! clients use the administrator's token, the other half the administrator's API user (Basic).
//!
//! Every answer must be one the contract allows for that operation, and 404 only where another
//! client may have deleted the target meanwhile. No answer may be a 5xx: before the rule versions
//! were per rule, removals queued on one account-wide version and some lost the race for it until
//! the request deadline (503; see RELIABILITY.md). Afterwards:
//!
//! - every counter on the account item equals a full recount through the list endpoints;
//! - every group's `memberCount` equals its member list, and memberships look the same from the
//!   groups and from the operators;
//! - no delete is left pending, and nothing points at something deleted (API users' owners,
//!   monitor authorizations' principals);
//! - Administrators keeps an enabled member, and FinancialOperator and TechnicalContact keep an
//!   enabled holder (operators are disabled and enabled during the run too);
//! - the maintenance job (`hub_maintenance::run`) finds nothing to repair.
//!
//! `HUB_CONCURRENCY_SEEDS` (comma-separated) runs several seeds one after another, and
//! `HUB_CONCURRENCY_COPIES` runs that many copies of each at once (each its own server and
//! database); the default is one copy of one seed. The run prints p50/p99/max per kind of
//! operation, over every copy and seed.
//!
//! The run found that two finishers of one operator delete could both decrement a group's
//! `memberCount`; [`two_finishers_of_one_operator_delete_count_each_membership_once`] pins the fix.
//!
//! The 50 racing creates against the operator limit and the racing removals of the last
//! administrator / FinancialOperator holder are in `operators.rs` and `groups.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hub_e2e::{Reply, TestApp};
use hub_maintenance::Outcome;
use hub_store::AccountScope;
use reqwest::Method;
use serde_json::{Value, json};

use crate::matrix::{Who, call};

const SEED: u64 = 0x4855_4221_2026_0001;
const CLIENTS: usize = 16;
const OPERATIONS: usize = 1_000;
/// Operators, groups and monitors there before the clients start.
const INITIAL: usize = 10;
const PERMISSIONS: [&str; 5] =
    ["FinancialOperator", "TechnicalContact", "AllowInfra", "ShareDashboards", "CreateIntegration"];

/// xorshift64: small, deterministic, good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that neighbouring seeds give unrelated streams; never 0.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Rng((z ^ (z >> 31)) | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Ids known to exist (as far as the clients know: another client may have deleted one).
#[derive(Default)]
struct Pool {
    operators: Vec<String>,
    groups: Vec<String>,
    api_users: Vec<String>,
    monitors: Vec<String>,
}

fn pick(rng: &mut Rng, from: &[String]) -> Option<String> {
    (!from.is_empty()).then(|| from[rng.below(from.len())].clone())
}

/// One operation's request, what it may answer, and what a success changes in the pool.
struct Op {
    kind: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    allowed: &'static [u16],
    on_success: Effect,
}

enum Effect {
    None,
    Created(fn(&mut Pool) -> &mut Vec<String>, &'static str),
    Deleted(fn(&mut Pool) -> &mut Vec<String>, String),
}

fn ops_operators(p: &mut Pool) -> &mut Vec<String> {
    &mut p.operators
}
fn ops_groups(p: &mut Pool) -> &mut Vec<String> {
    &mut p.groups
}
fn ops_api_users(p: &mut Pool) -> &mut Vec<String> {
    &mut p.api_users
}
fn ops_monitors(p: &mut Pool) -> &mut Vec<String> {
    &mut p.monitors
}

/// An operation that changes nothing in the pool, as most do; [`Collection`]'s creates and
/// deletes set their effect on top.
fn op(kind: &'static str, method: Method, path: String, body: Option<Value>, allowed: &'static [u16]) -> Option<Op> {
    Some(Op { kind, method, path, body, allowed, on_success: Effect::None })
}

/// A collection the clients create in and delete from: its path, the pool's list of its ids, and
/// the id field of a created one.
struct Collection {
    path: &'static str,
    list: fn(&mut Pool) -> &mut Vec<String>,
    id_field: &'static str,
}

const OPERATORS: Collection = Collection { path: "/operators", list: ops_operators, id_field: "operatorId" };
const GROUPS: Collection = Collection { path: "/groups", list: ops_groups, id_field: "groupId" };
const API_USERS: Collection = Collection { path: "/api-users", list: ops_api_users, id_field: "apiUserId" };
const MONITORS: Collection = Collection { path: "/monitors", list: ops_monitors, id_field: "monitorId" };

impl Collection {
    /// A POST of `body`; on success the new id joins the pool.
    fn create(&self, kind: &'static str, body: Value, allowed: &'static [u16]) -> Option<Op> {
        let on_success = Effect::Created(self.list, self.id_field);
        op(kind, Method::POST, self.path.into(), Some(body), allowed).map(|op| Op { on_success, ..op })
    }

    /// A DELETE of the item `id`; on success it leaves the pool.
    fn delete(&self, kind: &'static str, id: String, allowed: &'static [u16]) -> Option<Op> {
        let path = format!("{}/{id}", self.path);
        let on_success = Effect::Deleted(self.list, id);
        op(kind, Method::DELETE, path, None, allowed).map(|op| Op { on_success, ..op })
    }
}

/// Grants (PUT) or revokes (DELETE) `permission` of the operator or group at `holder`: 404 when
/// the holder is gone, and a revoke may meet 409 (its last holder of a protected permission).
fn permission_op(kind: &'static str, method: Method, holder: String, permission: &str) -> Option<Op> {
    let allowed: &'static [u16] = if method == Method::PUT { &[204, 404] } else { &[204, 404, 409] };
    op(kind, method, format!("{holder}/permissions/{permission}"), None, allowed)
}

/// Draws the next operation. `None` when its targets do not exist (yet); the client draws again.
// One operation per line, as a table: rustfmt would spread each over eight.
#[rustfmt::skip]
fn draw(rng: &mut Rng, pool: &Mutex<Pool>) -> Option<Op> {
    let (operator, group, api_user, monitor) = {
        let p = pool.lock().unwrap();
        (pick(rng, &p.operators), pick(rng, &p.groups), pick(rng, &p.api_users), pick(rng, &p.monitors))
    };
    let n = hub_api::values::new_id();
    let permission = PERMISSIONS[rng.below(PERMISSIONS.len())];
    match rng.below(100) {
        0..=7 => OPERATORS.create("create operator", json!({"email": format!("c-{n}@example.com"), "fullName": format!("Client {n}")}), &[201]),
        8..=12 => OPERATORS.delete("delete operator", operator?, &[204, 404, 409]),
        13..=17 => {
            let o = operator?;
            let on = rng.chance(50);
            op("Active switch", Method::PATCH, format!("/operators/{o}"), Some(json!({"isOnDuty": on})), &[200, 404])
        }
        18..=19 => {
            let o = operator?;
            // 409: the last enabled administrator or holder of a protected permission.
            op("disable operator", Method::PATCH, format!("/operators/{o}"), Some(json!({"isDisabled": true})), &[200, 404, 409])
        }
        20..=21 => {
            let o = operator?;
            op("enable operator", Method::PATCH, format!("/operators/{o}"), Some(json!({"isDisabled": false})), &[200, 404])
        }
        22..=27 => GROUPS.create("create group", json!({"description": format!("Group {n}")}), &[201]),
        28..=31 => GROUPS.delete("delete group", group?, &[204, 404]),
        32..=43 => {
            let (g, o) = (group?, operator?);
            op("add member", Method::PUT, format!("/groups/{g}/members/{o}"), None, &[204, 404])
        }
        44..=51 => {
            let (g, o) = (group?, operator?);
            op("remove member", Method::DELETE, format!("/groups/{g}/members/{o}"), None, &[204, 404, 409])
        }
        52..=54 => {
            let o = operator?;
            let method = if rng.chance(60) { Method::PUT } else { Method::DELETE };
            let kind = if method == Method::PUT { "add administrator" } else { "remove administrator" };
            op(kind, method, format!("/groups/administrators/members/{o}"), None, &[204, 404, 409])
        }
        55..=58 => {
            let g = group?;
            let on = rng.chance(50);
            op("group duty", Method::POST, format!("/groups/{g}/duty"), Some(json!({"isOnDuty": on})), &[204, 404])
        }
        59..=63 => permission_op("grant to operator", Method::PUT, format!("/operators/{}", operator?), permission),
        64..=66 => permission_op("revoke from operator", Method::DELETE, format!("/operators/{}", operator?), permission),
        67..=70 => permission_op("grant to group", Method::PUT, format!("/groups/{}", group?), permission),
        71..=72 => permission_op("revoke from group", Method::DELETE, format!("/groups/{}", group?), permission),
        73..=78 => {
            let o = operator?;
            // 400: the owner already has the most API users it may have.
            API_USERS.create("create API user", json!({"description": format!("Script {n}"), "operatorId": o}), &[201, 400, 404])
        }
        79..=82 => API_USERS.delete("delete API user", api_user?, &[204, 404]),
        83..=87 => {
            let mode = ["Development", "Staging", "Production", "Production"][rng.below(4)];
            MONITORS.create("create monitor", json!({"name": format!("Monitor {n}"), "mode": mode}), &[201])
        }
        88..=90 => MONITORS.delete("delete monitor", monitor?, &[204, 404]),
        91..=94 => {
            let m = monitor?;
            // 400: a Development monitor cannot be active, and moving it out of Development is
            // fine; moving an active one into Development is refused.
            let mode = ["Staging", "Production", "Development"][rng.below(3)];
            op("monitor mode", Method::PATCH, format!("/monitors/{m}"), Some(json!({"mode": mode})), &[200, 400, 404])
        }
        _ => {
            let m = monitor?;
            let level = ["ViewMonitorData", "ViewMonitor", "EditMonitor"][rng.below(3)];
            let body = if rng.chance(50) { json!({"authorizationType": level, "operatorId": operator?}) } else { json!({"authorizationType": level, "groupId": group?}) };
            op("authorize on monitor", Method::POST, format!("/monitors/{m}/authorizations"), Some(body), &[201, 404])
        }
    }
}

/// Per operation kind, per status, how many.
type Tally = BTreeMap<&'static str, BTreeMap<u16, usize>>;
/// Per operation kind, how long each answer took.
type Timings = BTreeMap<&'static str, Vec<Duration>>;

/// What one client saw.
#[derive(Default)]
struct Seen {
    /// Per operation kind, per status, how many.
    tally: Tally,
    timings: Timings,
    unexpected: Vec<String>,
}

async fn client(app: &TestApp, who: &Who, seed: u64, operations: usize, pool: &Mutex<Pool>) -> Seen {
    let mut rng = Rng::new(seed);
    let Seen { mut tally, mut timings, mut unexpected } = Seen::default();
    let mut done = 0;
    // Bounded: an operation whose targets are missing is drawn again, at most 20 times in a row.
    let mut misses = 0;
    while done < operations {
        let Some(op) = draw(&mut rng, pool) else {
            misses += 1;
            assert!(misses < 20, "the pool ran dry");
            continue;
        };
        misses = 0;
        done += 1;
        let sent = Instant::now();
        let reply: Reply = call(app, who, op.method.clone(), &op.path, op.body.as_ref()).await;
        let took = sent.elapsed();
        timings.entry(op.kind).or_default().push(took);
        let status = reply.status.as_u16();
        *tally.entry(op.kind).or_default().entry(status).or_default() += 1;
        if !op.allowed.contains(&status) {
            unexpected.push(format!(
                "{} {} {}: {status} after {took:.2?}: {}",
                op.method,
                op.path,
                op.body.map(|b| b.to_string()).unwrap_or_default(),
                reply.body["code"]
            ));
            continue;
        }
        if status >= 400 && reply.header("content-type") != Some("application/problem+json") {
            unexpected.push(format!("{} {}: {status} without a problem", op.method, op.path));
        }
        if reply.status.is_success() {
            let mut p = pool.lock().unwrap();
            match op.on_success {
                Effect::None => {}
                Effect::Created(list, field) => list(&mut p).push(reply.str(field)),
                Effect::Deleted(list, id) => list(&mut p).retain(|x| *x != id),
            }
        }
    }
    Seen { tally, timings, unexpected }
}

/// The seeds to run: `HUB_CONCURRENCY_SEEDS` (comma-separated), else `HUB_CONCURRENCY_SEED`, else
/// [`SEED`]. Decimal or `0x` hexadecimal.
fn seeds() -> Vec<u64> {
    let parse = |s: &str| {
        let s = s.trim();
        s.strip_prefix("0x")
            .map(|h| u64::from_str_radix(h, 16))
            .unwrap_or_else(|| s.parse())
            .expect("a seed is a number")
    };
    for name in ["HUB_CONCURRENCY_SEEDS", "HUB_CONCURRENCY_SEED"] {
        if let Ok(list) = std::env::var(name)
            && !list.trim().is_empty()
        {
            return list.split(',').filter(|s| !s.trim().is_empty()).map(parse).collect();
        }
    }
    vec![SEED]
}

/// How many copies of each seed run at once (`HUB_CONCURRENCY_COPIES`, default 1).
fn copies() -> usize {
    std::env::var("HUB_CONCURRENCY_COPIES")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().expect("HUB_CONCURRENCY_COPIES is a number"))
        .unwrap_or(1)
}

/// The nearest-rank percentile of sorted durations.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted[rank - 1]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_random_operations_from_sixteen_clients_leave_every_counter_exact() {
    let (seeds, copies) = (seeds(), copies());
    let started = Instant::now();
    let mut all = Timings::new();
    for &seed in &seeds {
        for timings in futures::future::join_all((0..copies).map(|copy| one_run(seed, copy))).await {
            for (kind, took) in timings {
                all.entry(kind).or_default().extend(took);
            }
        }
    }
    let runs = seeds.len() * copies;
    let seed_list: Vec<String> = seeds.iter().map(|s| format!("{s:#x}")).collect();
    println!(
        "concurrency: {runs} runs ({copies} at once × seeds {}) in {:.1?}; per kind of operation, over every run (p50 / p99 / max, ms):",
        seed_list.join(", "),
        started.elapsed()
    );
    println!("| operation | count | p50 ms | p99 ms | max ms |\n|---|---|---|---|---|");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    for (kind, took) in &mut all {
        took.sort();
        println!(
            "| {kind} | {} | {:.0} | {:.0} | {:.0} |",
            took.len(),
            ms(percentile(took, 50)),
            ms(percentile(took, 99)),
            ms(took[took.len() - 1])
        );
    }
}

/// One run: its own server, database and account; panics on any unexpected answer or drift.
async fn one_run(seed: u64, copy: usize) -> Timings {
    let app = TestApp::start().await;
    // Enterprise (100) with 100 extra operators: the limit never decides.
    let account = app.provision("Enterprise", 100).await;
    let account_id = account.account_id.clone();
    let token = app.token(&account_id, &account.admin_operator_id);
    let admin = Who::Bearer(token.clone());
    let users = call(&app, &admin, Method::POST, "/api-users", Some(&json!({"description": "Load"}))).await.expect(201);
    let basic = Who::Basic { username: users.str("username"), password: users.str("password") };

    let pool = Mutex::new(Pool::default());
    for i in 0..INITIAL {
        let o = call(
            &app,
            &admin,
            Method::POST,
            "/operators",
            Some(&json!({"email": format!("seed{i}@example.com"), "fullName": format!("Seed {i}")})),
        )
        .await
        .expect(201)
        .str("operatorId");
        let g = call(&app, &admin, Method::POST, "/groups", Some(&json!({"description": format!("Seed {i}")})))
            .await
            .expect(201)
            .str("groupId");
        let m = call(&app, &admin, Method::POST, "/monitors", Some(&json!({"name": format!("Seed {i}")})))
            .await
            .expect(201)
            .str("monitorId");
        let mut p = pool.lock().unwrap();
        p.operators.push(o);
        p.groups.push(g);
        p.monitors.push(m);
    }

    // What the balances of the audit log start from.
    let start_world = world(&app, &token).await;
    let before: BTreeSet<String> = app
        .list_all(&token, "/audit-log?limit=100")
        .await
        .iter()
        .map(|e| e["eventId"].as_str().unwrap().to_owned())
        .collect();

    let started = Instant::now();
    let clients = (0..CLIENTS).map(|i| {
        let who = if i % 2 == 0 { &admin } else { &basic };
        let operations = OPERATIONS / CLIENTS + usize::from(i < OPERATIONS % CLIENTS);
        let seed = seed ^ (i as u64 + 1).wrapping_mul(0xA24B_AED4_963E_E407);
        client(&app, who, seed, operations, &pool)
    });
    let results = futures::future::join_all(clients).await;
    let took = started.elapsed();

    let mut tally = Tally::new();
    let mut timings = Timings::new();
    let mut unexpected = Vec::new();
    for Seen { tally: t, timings: s, unexpected: u } in results {
        for (kind, took) in s {
            timings.entry(kind).or_default().extend(took);
        }
        for (kind, statuses) in t {
            for (status, n) in statuses {
                *tally.entry(kind).or_default().entry(status).or_default() += n;
            }
        }
        unexpected.extend(u);
    }
    let total: usize = tally.values().flat_map(|s| s.values()).sum();
    println!("concurrency: seed {seed:#x} copy {copy}, {total} operations from {CLIENTS} clients in {took:.1?}");
    for (kind, statuses) in &tally {
        let slowest = timings[kind].iter().max().copied().unwrap_or_default();
        println!("  {kind:22} slowest {slowest:>9.1?}  {statuses:?}");
    }
    assert_eq!(total, OPERATIONS);
    assert!(
        unexpected.is_empty(),
        "seed {seed:#x} copy {copy}: {} unexpected answers:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );

    // The recount, through the list endpoints. Every difference is collected, the maintenance
    // job runs, and then the test reports all of it at once.
    let checked = Instant::now();
    let mut problems: Vec<String> = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            problems.push(what);
        }
    };
    let record = app.account_record(&account_id).await;
    let operators = app.list_all(&token, "/operators?limit=100").await;
    let groups = app.list_all(&token, "/groups?limit=100").await;
    let api_users = app.list_all(&token, "/api-users?limit=100").await;
    let inactive = app.list_all(&token, "/api-users?inactive=true&limit=100").await;
    let monitors = app.list_all(&token, "/monitors?limit=100").await;
    // The audit log: one event per create answered 201, and one per operator or group that is
    // gone (a DELETE answered 204 by a second finisher, or sent again after a 503 whose first
    // step had committed, writes none).
    let mut logged = BTreeMap::new();
    for action in ["operator.created", "operator.deleted", "group.created", "group.deleted"] {
        logged
            .insert(action, app.list_all(&token, &format!("/audit-log?action={action}&limit=100")).await.len() as i64);
    }
    let answered_201 = |kind: &str| tally.get(kind).and_then(|s| s.get(&201)).copied().unwrap_or(0) as i64;
    let operators_created = INITIAL as i64 + answered_201("create operator");
    let groups_created = INITIAL as i64 + answered_201("create group");
    let expected_events = BTreeMap::from([
        ("operator.created", operators_created),
        // The account's administrator was there before.
        ("operator.deleted", operators_created + 1 - operators.len() as i64),
        ("group.created", groups_created),
        // Everyone and Administrators were there before.
        ("group.deleted", groups_created + 2 - groups.len() as i64),
    ]);
    check(logged == expected_events, format!("audit events {logged:?}, expected {expected_events:?}"));
    // The writes whose no-ops answer like changes: never more events than successes, and every
    // event a real change (the balances; RELIABILITY.md). The others: exactly one per success.
    let run: Vec<Value> = app
        .list_all(&token, "/audit-log?limit=100")
        .await
        .into_iter()
        .filter(|e| !before.contains(e["eventId"].as_str().unwrap()))
        .collect();
    let logged = |action: &str| run.iter().filter(|e| e["action"] == action).count() as i64;
    let answered = |kinds: &[&str], status: u16| {
        kinds.iter().map(|k| tally.get(k).and_then(|s| s.get(&status)).copied().unwrap_or(0) as i64).sum::<i64>()
    };
    for (action, kinds, status) in [
        ("group.memberAdded", &["add member", "add administrator"][..], 204),
        ("group.memberRemoved", &["remove member", "remove administrator"][..], 204),
        ("operator.permissionGranted", &["grant to operator"][..], 204),
        ("operator.permissionRevoked", &["revoke from operator"][..], 204),
        ("group.permissionGranted", &["grant to group"][..], 204),
        ("group.permissionRevoked", &["revoke from group"][..], 204),
        ("monitor.authorizationGranted", &["authorize on monitor"][..], 201),
        ("monitor.updated", &["monitor mode"][..], 200),
        ("operator.disabled", &["disable operator"][..], 200),
        ("operator.enabled", &["enable operator"][..], 200),
    ] {
        check(
            logged(action) <= answered(kinds, status),
            format!(
                "{} {action} events, but {kinds:?} answered {status} {} times",
                logged(action),
                answered(kinds, status)
            ),
        );
    }
    for (action, kind, status, done) in [
        ("apiUser.created", "create API user", 201, "created"),
        ("apiUser.deleted", "delete API user", 204, "deleted"),
        ("monitor.created", "create monitor", 201, "created"),
    ] {
        let answered = answered(&[kind], status);
        check(logged(action) == answered, format!("{} {action} events for {answered} {done}", logged(action)));
    }
    let monitors_gone = INITIAL as i64 + answered(&["create monitor"], 201) - monitors.len() as i64;
    check(
        logged("monitor.deleted") == monitors_gone,
        format!("{} monitor.deleted events for {monitors_gone} monitors gone", logged("monitor.deleted")),
    );
    let end_world = world(&app, &token).await;
    for problem in balance_problems(&start_world, &end_world, &run) {
        check(false, format!("audit log: {problem}"));
    }
    let count = |items: &[Value], pred: &dyn Fn(&Value) -> bool| items.iter().filter(|i| pred(i)).count() as i64;
    let recount = [
        operators.len() as i64,
        count(&operators, &|o| o["isDisabled"] == false),
        count(&operators, &|o| o["isOnDuty"] == true && o["isDisabled"] == false),
        groups.len() as i64,
        count(&groups, &|g| g["memberCount"] == 0),
        api_users.len() as i64,
        inactive.len() as i64,
        monitors.len() as i64,
        count(&monitors, &|m| m["mode"] == "Production"),
    ];
    let stored = [
        record.operators_total,
        record.operators_in_use,
        record.operators_active,
        record.groups_total,
        record.groups_empty,
        record.api_users_total,
        record.api_users_inactive,
        record.monitors_total,
        record.production_monitors,
    ];
    check(
        stored == recount,
        format!(
            "counters (operators, in use, active, groups, empty, API users, inactive, monitors, production): stored {stored:?}, recounted {recount:?}"
        ),
    );

    let operator_ids: BTreeSet<&str> = operators.iter().map(|o| o["operatorId"].as_str().unwrap()).collect();
    let group_ids: BTreeSet<&str> = groups.iter().map(|g| g["groupId"].as_str().unwrap()).collect();
    let mut from_groups = BTreeSet::new();
    for g in &groups {
        let id = g["groupId"].as_str().unwrap();
        let members = app.list_all(&token, &format!("/groups/{id}/members?limit=100")).await;
        check(
            g["memberCount"].as_i64() == Some(members.len() as i64),
            format!("group {id}: memberCount {} but {} members listed", g["memberCount"], members.len()),
        );
        for m in members {
            let member = m["operatorId"].as_str().unwrap().to_owned();
            check(
                operator_ids.contains(member.as_str()),
                format!("group {id} lists {member}, which is not in /operators"),
            );
            from_groups.insert((id.to_owned(), member));
        }
    }
    let mut from_operators = BTreeSet::new();
    let (mut financial, mut technical, mut enabled_administrators) = (0, 0, 0);
    for o in &operators {
        let id = o["operatorId"].as_str().unwrap();
        for g in app.list_all(&token, &format!("/operators/{id}/groups?limit=100")).await {
            from_operators.insert((g["groupId"].as_str().unwrap().to_owned(), id.to_owned()));
        }
        let effective = app
            .call_as(&token, Method::GET, &format!("/operators/{id}/permissions"), None)
            .await
            .expect(200)
            .body["effective"]
            .clone();
        let enabled = o["isDisabled"] == false;
        financial += usize::from(enabled && effective.as_array().unwrap().contains(&json!("FinancialOperator")));
        technical += usize::from(enabled && effective.as_array().unwrap().contains(&json!("TechnicalContact")));
        if enabled && o["isAdministrator"] == true {
            enabled_administrators += 1;
        }
        let is_member = from_groups.contains(&("administrators".to_owned(), id.to_owned()));
        check(
            o["isAdministrator"] == is_member,
            format!(
                "operator {id}: isAdministrator {} but member of Administrators: {is_member}",
                o["isAdministrator"]
            ),
        );
    }
    let only_groups: Vec<_> = from_groups.difference(&from_operators).collect();
    let only_operators: Vec<_> = from_operators.difference(&from_groups).collect();
    check(
        only_groups.is_empty() && only_operators.is_empty(),
        format!("memberships only seen from the groups {only_groups:?}, only from the operators {only_operators:?}"),
    );
    let everyone = from_groups.iter().filter(|(g, _)| g == "everyone").count();
    check(everyone == operators.len(), format!("{everyone} members of Everyone, {} operators", operators.len()));
    // The account administrator is not in the pool: it is never disabled or deleted, but it may
    // have left Administrators.
    check(enabled_administrators >= 1, "Administrators has no enabled member".into());
    check(
        financial >= 1 && technical >= 1,
        format!("holders left: FinancialOperator {financial}, TechnicalContact {technical}"),
    );
    for u in &api_users {
        check(
            operator_ids.contains(u["operatorId"].as_str().unwrap()),
            format!("an API user of a deleted operator: {u}"),
        );
    }
    let mut authorizations = 0;
    for m in &monitors {
        let id = m["monitorId"].as_str().unwrap();
        for a in app.list_all(&token, &format!("/monitors/{id}/authorizations?limit=100")).await {
            authorizations += 1;
            let ok = match (a["operatorId"].as_str(), a["groupId"].as_str()) {
                (Some(o), None) => operator_ids.contains(o),
                (None, Some(g)) => group_ids.contains(g),
                _ => false,
            };
            check(ok, format!("an authorization of a deleted or missing principal: {a}"));
        }
    }
    let scope = AccountScope::new(&account_id);
    let pending = app.state.store.in_account(&scope).pending_deletes().await.unwrap();
    check(pending.is_empty(), format!("deletes left pending: {pending:?}"));

    // The maintenance job agrees: nothing to repair, nothing to finish.
    let report = hub_maintenance::run(&app.state, app.state.clock.now(), Some(&account_id)).await;
    let mine = report.accounts.first();
    let clean = !report.failed()
        && mine.is_some_and(|a| a.outcome == Outcome::Clean && a.repairs.is_empty() && a.finished_deletes == 0);
    check(clean, format!("the maintenance job: {report:?}"));
    assert!(
        problems.is_empty(),
        "seed {seed:#x}: {} inconsistencies after the run:\n{}",
        problems.len(),
        problems.join("\n")
    );
    println!(
        "concurrency: seed {seed:#x} copy {copy}: after the run {} operators, {} groups, {} memberships, {} API users, {} monitors, {} authorizations; \
         recount and maintenance agree ({:.1?})",
        operators.len(),
        groups.len(),
        from_groups.len(),
        api_users.len(),
        monitors.len(),
        authorizations,
        checked.elapsed()
    );
    timings
}

/// The double count the run above found, made deterministic: two finishers of the same operator
/// delete (a retried DELETE and the first attempt, or the maintenance job). Finisher A reads the
/// operator's memberships, then its read of the groups hangs (the proxy holds it past the SDK's
/// attempt timeout, so the SDK sends it again); meanwhile finisher B removes the memberships and
/// their counts. A then reads the groups at their new versions: before the fix its transaction
/// removed the (already removed) memberships and decremented every count a second time.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_finishers_of_one_operator_delete_count_each_membership_once() {
    use hub_e2e::faults::Fault;
    use hub_store::Principal;

    let (app, proxy) = TestApp::start_behind_proxy().await;
    let account_id = app.account.account_id.clone();
    let scope = AccountScope::new(&account_id);
    let doomed = app.create_operator("Doomed Dora", "dora@example.com").await;
    let group = app.create_group_with("Dora's team", &doomed).await;
    let everyone_before =
        app.call(Method::GET, "/groups/everyone", None).await.expect(200).body["memberCount"].as_i64().unwrap();

    // The first step of the delete, as the API runs it.
    crate::begin_operator_delete_only(&app, &scope, &doomed).await;

    // A: its first read of the groups hangs for longer than one SDK attempt.
    proxy.inject(Some("BatchGetItem"), Fault::Hang(std::time::Duration::from_secs(2)), Some(1));
    let principal = Principal::Operator(doomed.clone().into());
    let finisher_a = {
        let (store, scope, principal) = (app.state.store.clone(), scope.clone(), principal.clone());
        tokio::spawn(async move { store.in_account(&scope).finish_delete(&principal).await })
    };
    // Bounded: A reaches the hanging read within 5 s.
    let waiting = Instant::now();
    while proxy.counts().get("BatchGetItem", "hung") == 0 {
        assert!(waiting.elapsed() < Duration::from_secs(5), "finisher A never read the groups");
        tokio::task::yield_now().await;
    }
    // B, meanwhile, finishes the whole delete.
    app.state.store.in_account(&scope).finish_delete(&principal).await.expect("finisher B");
    finisher_a.await.unwrap().expect("finisher A");
    assert_eq!(proxy.counts().get("BatchGetItem", "hung"), 1);

    let team = app.call(Method::GET, &format!("/groups/{group}"), None).await.expect(200);
    assert_eq!(team.body["memberCount"], 0, "Dora's team after both finishers");
    let everyone =
        app.call(Method::GET, "/groups/everyone", None).await.expect(200).body["memberCount"].as_i64().unwrap();
    assert_eq!(everyone, everyone_before - 1, "Everyone after both finishers");
    let record = app.account_record(&account_id).await;
    let groups = app.list_all(&app.admin_token, "/groups").await;
    assert_eq!(record.groups_empty, groups.iter().filter(|g| g["memberCount"] == 0).count() as i64, "groupsEmpty");
    let report = hub_maintenance::run(&app.state, app.state.clock.now(), Some(&account_id)).await;
    assert!(report.accounts[0].repairs.is_empty(), "the maintenance job found drift: {:?}", report.accounts[0]);
}

/// The rule versions are per rule, and a removal whose operator holds no protected permission
/// takes none of them: what keeps it exact is that nothing can make the operator a holder between
/// its check and its commit unseen. Each round makes that window long on purpose: X's removal
/// (a delete, or a disabling) checks that X holds no TechnicalContact, then its transaction hangs
/// at the proxy past the SDK's attempt timeout. Meanwhile X becomes a holder (a direct grant, a
/// grant to X's group, or X joining a group that holds it), and the only other holder, Y, loses
/// it: Y's revoke may pass, since X holds it now. X's removal, sent again by the SDK, must then
/// fail its condition (the grants version or X's `version` moved), decide again, and be refused:
/// X is the last holder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_during_a_removal_cannot_slip_past_its_check() {
    use hub_e2e::faults::Fault;

    let (app, proxy) = TestApp::start_behind_proxy().await;
    let admin = app.account.admin_operator_id.clone();
    for (round, (becomes_holder, removal)) in [
        ("direct grant", "delete"),
        ("group grant", "delete"),
        ("join", "delete"),
        ("direct grant", "disable"),
        ("join", "disable"),
    ]
    .into_iter()
    .enumerate()
    {
        let x = app.create_operator(&format!("X {round}"), &format!("x{round}@example.com")).await;
        let y = app.create_operator(&format!("Y {round}"), &format!("y{round}@example.com")).await;
        let group = app.create_group(&format!("Holders {round}")).await;
        app.grant(&y, "TechnicalContact").await;
        // Y is the only holder (the account administrator holds it directly at first).
        app.revoke(&admin, "TechnicalContact").await;
        match becomes_holder {
            "group grant" => app.call(Method::PUT, &format!("/groups/{group}/members/{x}"), None).await.expect(204),
            "join" => {
                app.call(Method::PUT, &format!("/groups/{group}/permissions/TechnicalContact"), None).await.expect(204)
            }
            _ => app.call(Method::PUT, &format!("/operators/{x}/permissions/AllowInfra"), None).await.expect(204),
        };

        // X's removal: its commit hangs once (2 s, past the 900 ms attempt timeout).
        let hung_before = proxy.counts().get("TransactWriteItems", "hung");
        proxy.inject(Some("TransactWriteItems"), Fault::Hang(Duration::from_secs(2)), Some(1));
        let removing = {
            let app = &app;
            let x = x.clone();
            async move {
                match removal {
                    "delete" => app.call(Method::DELETE, &format!("/operators/{x}"), None).await,
                    _ => app.call(Method::PATCH, &format!("/operators/{x}"), Some(json!({"isDisabled": true}))).await,
                }
            }
        };
        let meanwhile = async {
            // Bounded: X's removal reaches its commit within 5 s.
            let waiting = Instant::now();
            while proxy.counts().get("TransactWriteItems", "hung") == hung_before {
                assert!(waiting.elapsed() < Duration::from_secs(5), "round {round}: X's removal never committed");
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            match becomes_holder {
                "direct grant" => app
                    .call(Method::PUT, &format!("/operators/{x}/permissions/TechnicalContact"), None)
                    .await
                    .expect(204),
                "group grant" => app
                    .call(Method::PUT, &format!("/groups/{group}/permissions/TechnicalContact"), None)
                    .await
                    .expect(204),
                _ => app.call(Method::PUT, &format!("/groups/{group}/members/{x}"), None).await.expect(204),
            };
            app.call(Method::DELETE, &format!("/operators/{y}/permissions/TechnicalContact"), None).await
        };
        let (removed, revoked) = tokio::join!(removing, meanwhile);
        assert_eq!(revoked.status, 204, "round {round} ({becomes_holder}, {removal}): Y's revoke {}", revoked.body);
        assert_eq!(removed.status, 409, "round {round} ({becomes_holder}, {removal}): X's removal {}", removed.body);
        assert_eq!(removed.code(), "last_technical_contact", "round {round}");
        let x_now = app.call(Method::GET, &format!("/operators/{x}"), None).await.expect(200).body;
        assert_eq!(x_now["isDisabled"], false, "round {round}");
        let effective =
            app.call(Method::GET, &format!("/operators/{x}/permissions"), None).await.expect(200).body["effective"]
                .clone();
        assert!(effective.as_array().unwrap().contains(&json!("TechnicalContact")), "round {round}: {effective}");
        // Back to the account administrator as the holder for the next round.
        app.grant(&admin, "TechnicalContact").await;
        for path in [format!("/operators/{x}"), format!("/operators/{y}"), format!("/groups/{group}")] {
            app.call(Method::DELETE, &path, None).await.expect(204);
        }
    }
    proxy.heal();
}

/// What the run's writes whose no-ops answer like changes (memberships, grants, monitor
/// authorizations, the Active switch, disabling, monitor modes) can change, as read through the
/// API: facts that hold (`member g o`, `grant p permission`, `auth m p level`; Everyone's
/// memberships and `AccountAccess` are left out: creates make them without an event of their
/// own) and values (`isOnDuty o`, `isDisabled o`, `mode m`).
#[derive(Default)]
struct World {
    facts: BTreeSet<String>,
    values: BTreeMap<String, Value>,
}

/// The ids a fact or value key names after its kind: deleting one of them takes it away.
fn key_ids(key: &str) -> Vec<&str> {
    key.split(' ')
        .skip(1)
        .filter(|p| !PERMISSIONS.contains(p) && !["ViewMonitorData", "ViewMonitor", "EditMonitor"].contains(p))
        .collect()
}

async fn world(app: &TestApp, token: &str) -> World {
    let mut w = World::default();
    let direct = |body: &Value| {
        body["direct"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .filter(|p| PERMISSIONS.contains(&p.as_str()))
            .collect::<Vec<_>>()
    };
    for o in app.list_all(token, "/operators?limit=100").await {
        let id = o["operatorId"].as_str().unwrap();
        w.values.insert(format!("isOnDuty {id}"), o["isOnDuty"].clone());
        w.values.insert(format!("isDisabled {id}"), o["isDisabled"].clone());
        for p in direct(
            &app.call_as(token, Method::GET, &format!("/operators/{id}/permissions"), None).await.expect(200).body,
        ) {
            w.facts.insert(format!("grant {id} {p}"));
        }
    }
    for g in app.list_all(token, "/groups?limit=100").await {
        let id = g["groupId"].as_str().unwrap();
        if id == "everyone" {
            continue;
        }
        for m in app.list_all(token, &format!("/groups/{id}/members?limit=100")).await {
            w.facts.insert(format!("member {id} {}", m["operatorId"].as_str().unwrap()));
        }
        for p in
            direct(&app.call_as(token, Method::GET, &format!("/groups/{id}/permissions"), None).await.expect(200).body)
        {
            w.facts.insert(format!("grant {id} {p}"));
        }
    }
    for m in app.list_all(token, "/monitors?limit=100").await {
        let id = m["monitorId"].as_str().unwrap();
        w.values.insert(format!("mode {id}"), m["mode"].clone());
        for a in app.list_all(token, &format!("/monitors/{id}/authorizations?limit=100")).await {
            let principal = a["operatorId"].as_str().or(a["groupId"].as_str()).unwrap();
            w.facts.insert(format!("auth {id} {principal} {}", a["authorizationType"].as_str().unwrap()));
        }
    }
    w
}

/// Checks the run's events (`run`: every event written after `start` was read, in any order)
/// against the state before (`start`) and after (`end`): every event of a no-op-capable write
/// must be a real change. Events are stamped when their request starts, so two requests on one
/// key may be logged in the other order than they committed: the check is on balances, which
/// hold in any order. For a fact, adds − removes must take it from how it was to how it is (a
/// deleted principal's facts go with it, eventless: they must end at 0 or 1 before that); for a
/// value, the transitions must form a path from its first value to its last (every event's old
/// ≠ new). One event of a no-op (a grant already held, a member already there) breaks its key's
/// balance by one.
// The logged values are JSON texts (`"true"`), so the stored value is compared as its JSON text.
#[allow(clippy::cmp_owned)]
fn balance_problems(start: &World, end: &World, run: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut facts: BTreeMap<String, i64> = BTreeMap::new();
    let mut first: BTreeMap<String, Value> = start.values.clone();
    let mut moves: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    let mut deleted = BTreeSet::new();
    for e in run {
        let (action, target) = (e["action"].as_str().unwrap(), e["target"]["id"].as_str().unwrap());
        let changes = e["changes"].as_array().unwrap();
        let mut fact = |key: String, delta: i64| *facts.entry(key).or_default() += delta;
        match action {
            "group.memberAdded" => {
                changes.iter().for_each(|c| fact(format!("member {target} {}", c["new"].as_str().unwrap()), 1))
            }
            "group.memberRemoved" => {
                changes.iter().for_each(|c| fact(format!("member {target} {}", c["old"].as_str().unwrap()), -1))
            }
            "operator.permissionGranted" | "group.permissionGranted" => {
                changes.iter().for_each(|c| fact(format!("grant {target} {}", c["new"].as_str().unwrap()), 1))
            }
            "operator.permissionRevoked" | "group.permissionRevoked" => {
                changes.iter().for_each(|c| fact(format!("grant {target} {}", c["old"].as_str().unwrap()), -1))
            }
            "monitor.authorizationGranted" | "monitor.authorizationRevoked" => {
                for c in changes {
                    let (side, delta) = if action.ends_with("Granted") { ("new", 1) } else { ("old", -1) };
                    fact(
                        format!(
                            "auth {target} {} {}",
                            c[side]["principalId"].as_str().unwrap(),
                            c[side]["authorizationType"].as_str().unwrap()
                        ),
                        delta,
                    );
                }
            }
            "operator.deleted" | "group.deleted" | "monitor.deleted" => {
                deleted.insert(target.to_owned());
            }
            "operator.created" | "monitor.created" => {
                for c in changes
                    .iter()
                    .filter(|c| ["isOnDuty", "isDisabled", "mode"].contains(&c["field"].as_str().unwrap()))
                {
                    first.insert(format!("{} {target}", c["field"].as_str().unwrap()), c["new"].clone());
                }
            }
            "operator.updated" | "operator.disabled" | "operator.enabled" | "monitor.updated" => {
                if changes.is_empty() {
                    problems.push(format!("an update that changed nothing was logged: {e}"));
                }
                for c in changes
                    .iter()
                    .filter(|c| ["isOnDuty", "isDisabled", "mode"].contains(&c["field"].as_str().unwrap()))
                {
                    if c["old"] == c["new"] {
                        problems.push(format!("a change from a value to itself was logged: {e}"));
                    }
                    let key = format!("{} {target}", c["field"].as_str().unwrap());
                    let m = moves.entry(key).or_default();
                    *m.entry(c["new"].to_string()).or_default() += 1;
                    *m.entry(c["old"].to_string()).or_default() -= 1;
                }
            }
            _ => {}
        }
    }
    let gone = |key: &str| key_ids(key).iter().any(|id| deleted.contains(*id));
    let keys: BTreeSet<&String> = start.facts.iter().chain(&end.facts).chain(facts.keys()).collect();
    for key in keys {
        let before_delete = i64::from(start.facts.contains(key)) + facts.get(key).copied().unwrap_or(0);
        let now = i64::from(end.facts.contains(key));
        let ok = if gone(key) { (0..=1).contains(&before_delete) && now == 0 } else { before_delete == now };
        if !ok {
            problems.push(format!(
                "{key}: held {} before, {:+} by its events, {now} after",
                i64::from(start.facts.contains(key)),
                facts.get(key).copied().unwrap_or(0)
            ));
        }
    }
    let none = BTreeMap::new();
    for key in first.keys().chain(moves.keys()).collect::<BTreeSet<_>>() {
        let m = moves.get(key).unwrap_or(&none);
        let Some(from) = first.get(key) else {
            problems.push(format!("{key}: changed, but never created"));
            continue;
        };
        // Where the transitions lead: one value with +1 (the last), none elsewhere.
        let mut at = m.clone();
        *at.entry(from.to_string()).or_default() += 1;
        let ends: Vec<&String> = at.iter().filter(|(_, n)| **n != 0).map(|(v, _)| v).collect();
        let last_ok = match end.values.get(key) {
            Some(last) => at.iter().all(|(v, n)| *n == i64::from(**v == last.to_string())),
            None => gone(key) && ends.len() == 1 && at[ends[0]] == 1,
        };
        if !last_ok {
            problems
                .push(format!("{key}: from {from} the logged changes {m:?} do not lead to {:?}", end.values.get(key)));
        }
    }
    problems
}

/// The balances accept the events of real changes in any order, and refuse one event more (a
/// no-op's) or one less.
#[test]
fn the_audit_balances_refuse_a_no_op_event_in_any_order() {
    let event = |action: &str, target: &str, changes: Value| json!({"action": action, "target": {"id": target}, "changes": changes});
    let added = event("group.memberAdded", "g", json!([{"field": "member", "old": null, "new": "o"}]));
    let removed = event("group.memberRemoved", "g", json!([{"field": "member", "old": "o", "new": null}]));
    let off = event("operator.updated", "o", json!([{"field": "isOnDuty", "old": true, "new": false}]));
    let on = event("operator.updated", "o", json!([{"field": "isOnDuty", "old": false, "new": true}]));
    let world = |member: bool, on_duty: bool| World {
        facts: if member { BTreeSet::from(["member g o".to_owned()]) } else { BTreeSet::new() },
        values: BTreeMap::from([("isOnDuty o".to_owned(), json!(on_duty)), ("isDisabled o".to_owned(), json!(false))]),
    };
    // Added, removed, added again; off and on again: logged in either order.
    let run = [removed.clone(), added.clone(), on.clone(), added.clone(), off.clone()];
    assert_eq!(balance_problems(&world(false, true), &world(true, true), &run), Vec::<String>::new());
    // A no-op's event (added while already there; switched to what it was) is one too many.
    let mut extra = run.to_vec();
    extra.push(added.clone());
    assert_eq!(balance_problems(&world(false, true), &world(true, true), &extra).len(), 1);
    let mut extra = run.to_vec();
    extra.push(event("operator.updated", "o", json!([{"field": "isOnDuty", "old": true, "new": true}])));
    assert!(!balance_problems(&world(false, true), &world(true, true), &extra).is_empty());
    // A change without its event.
    assert_eq!(balance_problems(&world(false, true), &world(true, false), &run).len(), 1);
    // A deleted operator's membership goes without an event.
    let mut gone = run.to_vec();
    gone.push(event("operator.deleted", "o", json!([])));
    let after = World { facts: BTreeSet::new(), values: BTreeMap::new() };
    assert_eq!(balance_problems(&world(false, true), &after, &gone), Vec::<String>::new());
}
