//! Part 1: DynamoDB round trips (and consumed capacity) per request, for every route, in
//! accounts of 10, 1,000 and 10,000 operators; the hub summary beside the naive way of computing
//! it (counting items with Queries) in the same run.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, Select};
use hub_api::provisioning::ProvisionedAccount;
use hub_store::records::OperatorRecord;
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Auth, Bench, median, ms, operators, seed_operators, seed_operators_one_by_one, thousands};
use crate::report::{Report, Table};

/// What one request cost.
#[derive(Debug, Clone)]
struct Cost {
    /// Requests of the authentication alone (the Lambda authorizer's).
    auth: u64,
    auth_ops: String,
    /// Requests of the handler (the request's total minus the authentication's).
    handler: u64,
    handler_ops: String,
    read_units: f64,
    write_units: f64,
    auth_read_units: f64,
    auth_write_units: f64,
    /// Estimated durations in AWS (`cost::invocation_ms`).
    auth_ms: f64,
    handler_ms: f64,
}

/// One route's row: its cost at each account size.
#[derive(Debug, Default)]
struct Row {
    list: bool,
    costs: Vec<Cost>,
}

struct Run<'a> {
    b: &'a Bench,
    rows: BTreeMap<(usize, String), Row>,
    order: usize,
    labels: Vec<String>,
}

impl<'a> Run<'a> {
    /// Sends one request, checks its status, and records what it cost under `label`. The label
    /// names the request, method first ("PATCH /operators/{id} (disable)"): the method is taken
    /// from it, so that the report's row and the request sent cannot disagree.
    async fn measure(
        &mut self,
        auth: &Auth,
        label: &str,
        list: bool,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let method = method_of(label);
        let b = self.b;
        // The authentication alone, as the Lambda authorizer runs it.
        b.counter.reset();
        b.probe.reset(false, true);
        b.state.authenticate(Some(&auth.header())).await.expect("credentials authenticate");
        let auth_requests = b.counter.get();
        let auth_seen = b.probe.take();

        b.counter.reset();
        b.probe.reset(false, true);
        let reply = b.call(auth, method.clone(), path, body.as_ref()).await;
        let total = b.counter.get();
        let seen = b.probe.take();
        assert_eq!(reply.status, status, "{label}: {method} {path}: {}", reply.body);
        assert!(
            total >= auth_requests && seen.calls.len() as u64 == total,
            "{label}: {total} requests, {} calls",
            seen.calls.len()
        );
        let handler_calls =
            crate::probe::Seen { calls: seen.calls[auth_requests as usize..].to_vec(), ..Default::default() };
        let auth_units: (f64, f64) = seen.calls[..auth_requests as usize]
            .iter()
            .fold((0.0, 0.0), |(r, w), c| (r + c.read_units, w + c.write_units));
        let cost = Cost {
            auth: auth_requests,
            auth_ops: auth_seen.ops(),
            handler: total - auth_requests,
            handler_ops: handler_calls.ops(),
            read_units: seen.read_units - auth_units.0,
            write_units: seen.write_units - auth_units.1,
            auth_read_units: auth_units.0,
            auth_write_units: auth_units.1,
            auth_ms: crate::cost::invocation_ms(&crate::latency::stages_of(&seen.calls[..auth_requests as usize])),
            handler_ms: crate::cost::invocation_ms(&crate::latency::stages_of(&seen.calls[auth_requests as usize..])),
        };
        let key = match self.labels.iter().position(|l| l == label) {
            Some(i) => (i, label.to_owned()),
            None => {
                self.labels.push(label.to_owned());
                self.order += 1;
                (self.labels.len() - 1, label.to_owned())
            }
        };
        let row = self.rows.entry(key).or_default();
        row.list = list;
        row.costs.push(cost);
        reply.body
    }
}

/// The method a route's label starts with.
fn method_of(label: &str) -> Method {
    let word = label.split(' ').next().unwrap_or_default();
    Method::from_bytes(word.as_bytes()).unwrap_or_else(|_| panic!("{label:?} starts with its method"))
}

/// The hub summary computed the naive way, directly with the SDK: every figure counted from the
/// items with strongly consistent Queries of the account's partition (one walk per item type,
/// all at once), plus the same account read and two index Queries as the real one. Returns
/// (requests, read units, operators counted).
async fn naive_summary(b: &Bench, account_id: &str) -> (u64, f64, i64) {
    let client = &b.direct;
    let table = b.table();
    let pk = format!("ACCOUNT#{account_id}");
    let walk = |prefix: &'static str, projection: &'static str| {
        let pk = pk.clone();
        async move {
            let mut items = Vec::new();
            let mut start = None;
            loop {
                let out = client
                    .query()
                    .table_name(table)
                    .key_condition_expression("#PK = :pk AND begins_with(#SK, :prefix)")
                    .expression_attribute_names("#PK", "PK")
                    .expression_attribute_names("#SK", "SK")
                    .expression_attribute_names("#a", projection)
                    .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
                    .expression_attribute_values(":prefix", AttributeValue::S(prefix.into()))
                    .projection_expression("#a")
                    .select(Select::SpecificAttributes)
                    .consistent_read(true)
                    .set_exclusive_start_key(start.take())
                    .send()
                    .await
                    .expect("naive query");
                items.extend(out.items.unwrap_or_default());
                match out.last_evaluated_key {
                    Some(k) => start = Some(k),
                    None => return items,
                }
            }
        }
    };
    let index = |name: &'static str, hash: &'static str, value: String, limit: Option<i32>| async move {
        client
            .query()
            .table_name(table)
            .index_name(name)
            .key_condition_expression("#h = :h")
            .expression_attribute_names("#h", hash)
            .expression_attribute_values(":h", AttributeValue::S(value))
            .set_limit(limit)
            .send()
            .await
            .expect("index query")
    };
    let account = client
        .get_item()
        .table_name(table)
        .key("PK", AttributeValue::S(pk.clone()))
        .key("SK", AttributeValue::S("ACCOUNT".into()))
        .consistent_read(true)
        .send();
    b.direct_counter.reset();
    // Every call asks for its consumed capacity (ReturnConsumedCapacity=TOTAL) through the probe,
    // which adds up the read units, as it does for the server's calls.
    b.direct_probe.reset(false, true);
    let (ops, groups, members, api_users, monitors, account, _, _) = tokio::join!(
        walk("OPERATOR#", "isOnDuty"),
        walk("GROUP#", "groupId"),
        walk("MEMBER#", "groupId"),
        walk("APIUSER#", "inactive"),
        walk("MONITOR#", "mode"),
        account,
        index("GSI2", "GSI2PK", format!("{pk}#ACTIVE"), Some(11)),
        index("GSI3", "GSI3PK", format!("{pk}#SCHEDULED"), None),
    );
    let units = b.direct_probe.take().read_units;
    b.direct_probe.reset(false, false);
    account.expect("account read");
    // The figures themselves, so that the work is the real one.
    let total = ops.len() as i64;
    let _active = ops.iter().filter(|i| matches!(i.get("isOnDuty"), Some(AttributeValue::Bool(true)))).count();
    let non_empty: std::collections::HashSet<_> =
        members.iter().filter_map(|i| i.get("groupId").and_then(|v| v.as_s().ok())).collect();
    let _empty = groups.len().saturating_sub(non_empty.len());
    let _inactive = api_users.iter().filter(|i| matches!(i.get("inactive"), Some(AttributeValue::Bool(true)))).count();
    let _production = monitors
        .iter()
        .filter(|i| i.get("mode").and_then(|v| v.as_s().ok()).is_some_and(|m| m == "Production"))
        .count();
    (b.direct_counter.get(), units, total)
}

/// Every route once, in an account of `size` operators.
async fn routes_at(run: &mut Run<'_>, size: usize, report: &mut Report) -> (ProvisionedAccount, Vec<OperatorRecord>) {
    let b = run.b;
    let account = b.account(size).await;
    let admin = Auth::Bearer(b.token(&account));
    // The account administrator exists; the others are seeded: up to 1,000 one transaction each
    // (what POST /operators commits), beyond that with the benchmark-only bulk loader. Every 20th
    // has an off-duty schedule, every 4th is switched off.
    let ops = operators(size - 1, 20);
    let (ops, seeded) = if size <= 1_000 {
        let took = seed_operators_one_by_one(&b.state.store, &account, &ops, 4).await;
        (ops, took)
    } else {
        seed_operators(&b.state.store, &account, ops).await
    };
    let how = if size <= 1_000 { "create_operator transactions, 4 in flight" } else { "bulk loader (BatchWriteItem)" };
    report.note(format!(
        "seeded {} operators in {:.1} s ({:.0}/s, {how})",
        thousands(ops.len()),
        seeded.as_secs_f64(),
        ops.len() as f64 / seeded.as_secs_f64().max(1e-9)
    ));

    // Fixtures, not measured.
    let post = |path: &str, body: Value| {
        let admin = admin.clone();
        let path = path.to_owned();
        async move { b.expect(&admin, Method::POST, &path, Some(&body), 201).await.body }
    };
    let op_a = post("/operators", json!({"email": format!("a{size}@bench.example"), "fullName": "Anna Fixture"})).await
        ["operatorId"]
        .as_str()
        .unwrap()
        .to_owned();
    let op_del = post("/operators", json!({"email": format!("del{size}@bench.example"), "fullName": "Dora Delete"}))
        .await["operatorId"]
        .as_str()
        .unwrap()
        .to_owned();
    let g = post("/groups", json!({"description": "Night shift"})).await["groupId"].as_str().unwrap().to_owned();
    for member in [op_a.as_str(), &ops[0].operator_id, &ops[1].operator_id] {
        b.expect(&admin, Method::PUT, &format!("/groups/{g}/members/{member}"), None, 204).await;
    }
    let m = post("/monitors", json!({"name": "Checkout", "mode": "Production"})).await["monitorId"]
        .as_str()
        .unwrap()
        .to_owned();
    post(&format!("/monitors/{m}/authorizations"), json!({"authorizationType": "ViewMonitor", "operatorId": op_a}))
        .await;
    let key = post("/api-users", json!({"description": "Deploy script", "operatorId": op_a})).await;
    let basic = Auth::Basic(key["username"].as_str().unwrap().to_owned(), key["password"].as_str().unwrap().to_owned());
    post(
        &format!("/operators/{op_a}/duty-schedules"),
        json!({"mode": "Daily", "startTime": "22:00", "endTime": "06:00"}),
    )
    .await;

    // `m!` measures one request as the administrator; `list!` a GET of a list, whose cost may
    // grow with the account (the report judges it apart).
    macro_rules! m {
        ($label:expr, $path:expr, $body:expr, $status:expr) => {
            run.measure(&admin, $label, false, AsRef::<str>::as_ref(&$path), $body, $status).await
        };
    }
    macro_rules! list {
        ($label:expr, $path:expr) => {
            run.measure(&admin, $label, true, AsRef::<str>::as_ref(&$path), None, 200).await
        };
    }
    // The hub and the account.
    m!("GET /hub/summary", "/hub/summary", None, 200);
    m!("GET /account", "/account", None, 200);
    m!("PATCH /account", "/account", Some(json!({"name": format!("Bench {size}")})), 200);
    // Operators.
    list!("GET /operators", "/operators");
    list!("GET /operators?q= (no match)", "/operators?q=nobody-matches");
    m!(
        "POST /operators",
        "/operators",
        Some(json!({"email": format!("new{size}@bench.example"), "fullName": "Nina New"})),
        201
    );
    m!("GET /operators/{id}", format!("/operators/{op_a}"), None, 200);
    m!("PATCH /operators/{id}", format!("/operators/{op_a}"), Some(json!({"fullName": "Anna Renamed"})), 200);
    m!("PATCH /operators/{id} (disable)", format!("/operators/{op_a}"), Some(json!({"isDisabled": true})), 200);
    m!("PATCH /operators/{id} (enable)", format!("/operators/{op_a}"), Some(json!({"isDisabled": false})), 200);
    list!("GET /operators/{id}/groups", format!("/operators/{op_a}/groups"));
    m!("GET /operators/{id}/permissions", format!("/operators/{op_a}/permissions"), None, 200);
    m!("PUT /operators/{id}/permissions/{p}", format!("/operators/{op_a}/permissions/ShareDashboards"), None, 204);
    m!("DELETE /operators/{id}/permissions/{p}", format!("/operators/{op_a}/permissions/ShareDashboards"), None, 204);
    m!("GET /operators/{id}/duty-schedules", format!("/operators/{op_a}/duty-schedules"), None, 200);
    let s = m!(
        "POST /operators/{id}/duty-schedules",
        format!("/operators/{op_a}/duty-schedules"),
        Some(json!({"mode": "Weekly", "weekDay": "Sunday", "startTime": "00:00", "endTime": "23:59"})),
        201
    )["scheduleId"]
        .as_str()
        .unwrap()
        .to_owned();
    m!(
        "PUT /operators/{id}/duty-schedules/{s}",
        format!("/operators/{op_a}/duty-schedules/{s}"),
        Some(json!({"mode": "Weekly", "weekDay": "Saturday", "startTime": "00:00", "endTime": "23:59"})),
        200
    );
    m!("DELETE /operators/{id}/duty-schedules/{s}", format!("/operators/{op_a}/duty-schedules/{s}"), None, 204);
    m!("DELETE /operators/{id}", format!("/operators/{op_del}"), None, 204);
    // Groups.
    list!("GET /groups", "/groups");
    let g2 = m!("POST /groups", "/groups", Some(json!({"description": "Day shift"})), 201)["groupId"]
        .as_str()
        .unwrap()
        .to_owned();
    m!("GET /groups/{id}", format!("/groups/{g}"), None, 200);
    m!("PATCH /groups/{id}", format!("/groups/{g}"), Some(json!({"description": "Night owls"})), 200);
    list!("GET /groups/{id}/members", format!("/groups/{g}/members"));
    m!("PUT /groups/{id}/members/{op}", format!("/groups/{g}/members/{}", ops[2].operator_id), None, 204);
    m!("DELETE /groups/{id}/members/{op}", format!("/groups/{g}/members/{}", ops[2].operator_id), None, 204);
    m!("GET /groups/{id}/permissions", format!("/groups/{g}/permissions"), None, 200);
    m!("PUT /groups/{id}/permissions/{p}", format!("/groups/{g}/permissions/ShareDashboards"), None, 204);
    m!("DELETE /groups/{id}/permissions/{p}", format!("/groups/{g}/permissions/ShareDashboards"), None, 204);
    m!("POST /groups/{id}/duty (3 members)", format!("/groups/{g}/duty"), Some(json!({"isOnDuty": true})), 204);
    m!("DELETE /groups/{id}", format!("/groups/{g2}"), None, 204);
    // Monitors.
    list!("GET /monitors", "/monitors");
    let m2 = m!("POST /monitors", "/monitors", Some(json!({"name": "Login", "mode": "Staging"})), 201)["monitorId"]
        .as_str()
        .unwrap()
        .to_owned();
    list!("GET /monitors/permissions", "/monitors/permissions");
    m!("GET /monitors/{id}", format!("/monitors/{m}"), None, 200);
    m!("PATCH /monitors/{id}", format!("/monitors/{m}"), Some(json!({"name": "Checkout EU"})), 200);
    list!("GET /monitors/{id}/authorizations", format!("/monitors/{m}/authorizations"));
    let granted = m!(
        "POST /monitors/{id}/authorizations",
        format!("/monitors/{m}/authorizations"),
        Some(json!({"authorizationType": "EditMonitor", "groupId": g})),
        201
    );
    let aid = granted["items"]
        .as_array()
        .and_then(|a| a.last())
        .and_then(|a| a["authorizationId"].as_str())
        .expect("an authorization")
        .to_owned();
    m!("DELETE /monitors/{id}/authorizations/{a}", format!("/monitors/{m}/authorizations/{aid}"), None, 204);
    m!("DELETE /monitors/{id}", format!("/monitors/{m2}"), None, 204);
    // API users.
    list!("GET /api-users", "/api-users");
    let u = m!(
        "POST /api-users",
        "/api-users",
        Some(json!({"description": "Nightly export", "operatorId": op_a})),
        201
    )["apiUserId"]
        .as_str()
        .unwrap()
        .to_owned();
    m!("GET /api-users/{id}", format!("/api-users/{u}"), None, 200);
    m!("PATCH /api-users/{id}", format!("/api-users/{u}"), Some(json!({"description": "Weekly export"})), 200);
    m!("DELETE /api-users/{id}", format!("/api-users/{u}"), None, 204);
    // SCIM tokens.
    let st = m!("POST /scim-tokens", "/scim-tokens", Some(json!({"description": "Okta"})), 201)["scimTokenId"]
        .as_str()
        .unwrap()
        .to_owned();
    m!("GET /scim-tokens", "/scim-tokens", None, 200);
    m!("DELETE /scim-tokens/{id}", format!("/scim-tokens/{st}"), None, 204);
    // As an API user (Basic): the authorizer's request is an UpdateItem.
    run.measure(&basic, "GET /operators/{id} (Basic)", false, &format!("/operators/{op_a}"), None, 200).await;
    run.measure(&basic, "GET /hub/summary (Basic)", false, "/hub/summary", None, 200).await;
    (account, ops)
}

/// The summary, counted (through the server) and naive (directly), `times` each.
async fn summary_vs_naive(
    b: &Bench,
    account: &ProvisionedAccount,
    label: String,
    table: &mut Table,
    times: usize,
) -> u64 {
    let admin = Auth::Bearer(b.token(account));
    let mut counted = Vec::new();
    let mut naive = Vec::new();
    let mut naive_cost = (0, 0.0, 0);
    b.probe.reset(false, true);
    b.counter.reset();
    b.expect(&admin, Method::GET, "/hub/summary", None, 200).await;
    let counted_requests = b.counter.get();
    let counted_units = b.probe.take().read_units;
    for _ in 0..times {
        let t = Instant::now();
        b.expect(&admin, Method::GET, "/hub/summary", None, 200).await;
        counted.push(t.elapsed());
        let t = Instant::now();
        naive_cost = naive_summary(b, &account.account_id).await;
        naive.push(t.elapsed());
    }
    let stored = b
        .state
        .store
        .in_account(&hub_store::AccountScope::new(&account.account_id))
        .account_record()
        .await
        .expect("read")
        .expect("account");
    assert_eq!(naive_cost.2, stored.operators_total, "the naive count agrees with the counter");
    let (c, n): (Duration, Duration) = (median(&mut counted), median(&mut naive));
    table.row(vec![
        label,
        format!("{counted_requests} (1 + {})", counted_requests - 1),
        format!("{}", naive_cost.0 + 1),
        format!("{counted_units:.1}"),
        format!("{:.1}", naive_cost.1 + 1.0),
        ms(c),
        ms(n),
        format!("{:.1}×", n.as_secs_f64() / c.as_secs_f64()),
    ]);
    counted_requests
}

pub async fn run(report: &mut Report, sizes: &[usize]) {
    report.section("1. DynamoDB requests per request (authorizer + handler), by account size");
    let b = Bench::start().await;
    let mut run = Run { b: &b, rows: BTreeMap::new(), order: 0, labels: Vec::new() };
    let mut naive = Table::new(&[
        "operators",
        "summary requests (auth + handler)",
        "naive requests (incl. auth)",
        "summary read units (incl. auth)",
        "naive read units (incl. auth)",
        "summary median ms (HTTP)",
        "naive median ms (direct SDK)",
        "naive / summary time",
    ]);
    let started = Instant::now();
    for &size in sizes {
        let (account, _ops) = routes_at(&mut run, size, report).await;
        summary_vs_naive(&b, &account, thousands(size), &mut naive, if size >= 10_000 { 5 } else { 15 }).await;
    }
    // The summary's one read that grows: the operators with off-duty schedules (a sparse index,
    // all of them read to evaluate "on duty now"). Above, every 20th operator has one; here every
    // operator of the largest account does.
    let largest = *sizes.iter().max().expect("a size");
    let account = b.account(largest).await;
    seed_operators(&b.state.store, &account, operators(largest - 1, 1)).await;
    let requests =
        summary_vs_naive(&b, &account, format!("{} (all scheduled)", thousands(largest)), &mut naive, 5).await;
    report.note(format!(
        "with every one of {} operators scheduled the summary makes {requests} requests: the scheduled-operators Query pages past 1 MB",
        thousands(largest)
    ));
    let mut header = vec!["route".to_owned(), "authorizer".to_owned()];
    header.extend(sizes.iter().map(|s| format!("handler @ {}", thousands(*s))));
    header.extend(["handler calls".to_owned(), "RCU".to_owned(), "WCU".to_owned(), "budget".to_owned()]);
    let mut table = Table::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
    let mut missed = Vec::new();
    let mut summary_budget = None;
    for ((_, label), row) in &run.rows {
        let first = &row.costs[0];
        let equal = row.costs.iter().all(|c| c.handler == first.handler && c.auth == first.auth);
        let mut verdict = if row.list {
            if equal { "list (equal)".to_owned() } else { "list (grows)".to_owned() }
        } else if equal {
            "equal: met".to_owned()
        } else {
            missed.push(label.clone());
            "differs: MISSED".to_owned()
        };
        if label == "GET /hub/summary" {
            let ok = row.costs.iter().all(|c| c.handler <= 3 && c.auth <= 1);
            verdict = format!("{verdict}; ≤ 3 + 1: {}", if ok { "met" } else { "MISSED" });
            summary_budget = Some((
                ok,
                row.costs.iter().map(|c| format!("{} + {}", c.auth, c.handler)).collect::<Vec<_>>().join(", "),
            ));
        }
        let last = row.costs.last().expect("measured");
        let mut cells = vec![label.clone(), format!("{} ({})", first.auth, first.auth_ops)];
        cells.extend(row.costs.iter().map(|c| c.handler.to_string()));
        cells.extend([
            last.handler_ops.clone(),
            format!("{:.1}", last.read_units),
            format!("{:.1}", last.write_units),
            verdict,
        ]);
        table.row(cells);
    }
    report.table(table);
    report.note(String::from(
        "RCU/WCU: capacity units the handler's requests consumed at the largest size, as the embedded DynamoDB computes DynamoDB's billing (ReturnConsumedCapacity=TOTAL: 4 KB per strongly consistent read unit, half for index reads, 1 KB per write unit, doubled in transactions, index writes included); the authorizer adds 1 RCU (Bearer: GetItem) or 1 WCU (Basic: UpdateItem) on top."
    ));
    report.budget(
        "every non-list route: requests equal across account sizes",
        missed.is_empty(),
        if missed.is_empty() { "met for every route".to_owned() } else { format!("differs for {}", missed.join(", ")) },
    );
    if let Some((ok, counts)) = summary_budget {
        report.budget(
            "hub summary ≤ 3 handler requests + 1 authorizer request",
            ok,
            format!("authorizer + handler at each size: {counts}"),
        );
    }
    report.subsection(&format!("Cost per million requests in AWS, account of {} operators", thousands(largest)));
    let mut costs = Table::new(&[
        "route",
        "authorizer + handler ms (est.)",
        "RCU + WCU (incl. authorizer)",
        "API Gateway $",
        "Lambda $",
        "DynamoDB $",
        "total $ per million",
    ]);
    for ((_, label), row) in &run.rows {
        let c = row.costs.last().expect("measured");
        let (reads, writes) = (c.read_units + c.auth_read_units, c.write_units + c.auth_write_units);
        let price = crate::cost::per_million(c.auth_ms, c.handler_ms, reads, writes);
        costs.row(vec![
            label.clone(),
            format!("{:.0} + {:.0}", c.auth_ms, c.handler_ms),
            format!("{reads:.1} + {writes:.1}"),
            format!("{:.2}", price.api_gateway),
            format!("{:.2}", price.lambda),
            format!("{:.2}", price.dynamodb),
            format!("{:.2}", price.total()),
        ]);
    }
    report.table(costs);
    report.note(format!(
        "assumptions (bench/src/cost.rs): HTTP API ${:.2}, Lambda ${:.2} per million invocations and ${} per GB-second on arm64 at {} GB, DynamoDB on demand ${} per million read units and ${} per million write units (us-east-1 list prices); durations estimated from the measured calls and their concurrency at 4 ms per read, 6 ms per single-item write, 12 ms per transaction, plus {} ms of own work; every request invokes the authorizer (no caching)",
        crate::cost::HTTP_API_PER_MILLION,
        crate::cost::LAMBDA_PER_MILLION_INVOCATIONS,
        crate::cost::LAMBDA_ARM_PER_GB_SECOND,
        crate::cost::FUNCTION_GB,
        crate::cost::DYNAMODB_PER_MILLION_READ_UNITS,
        crate::cost::DYNAMODB_PER_MILLION_WRITE_UNITS,
        crate::cost::OWN_WORK_MS,
    ));
    report.subsection("Hub summary: counters vs the naive way (counting items by Query), same run");
    report.table(naive);
    report.note(format!("part 1 took {:.0} s (seeding included)", started.elapsed().as_secs_f64()));
}
