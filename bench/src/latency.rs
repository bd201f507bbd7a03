//! Part 2: latency overhead. For the main routes, the median latency of a request through the
//! local server (HTTP on loopback, authentication, routing, validation, JSON, the store) divided
//! by the median latency of the DynamoDB calls that request needs, made directly with the SDK in
//! the same run against the same embedded DynamoDB.
//!
//! "The calls that request needs" are taken from the request itself: the probe records every
//! call's input (as the store built it) with its start and end; right after the request, the same
//! inputs are sent directly with a plain SDK client to a mirror table that holds a copy of the
//! account and receives the same writes in the same order, so conditions hold and items have the
//! same sizes. Calls that overlapped in the request are sent concurrently, calls that followed
//! each other in turn. Server requests and direct replays alternate, so the machine's noise hits
//! both alike.

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, TransactWriteItem, WriteRequest};
use futures::future::join_all;
use hub_store::{Store, StoreConfig};
use reqwest::Method;
use serde_json::{Value, json};

use crate::harness::{Auth, Bench, Request, median, ms, operators, percentile, seed_operators};
use crate::probe::{Call, Recorded};
use crate::report::{Report, Table};

pub const MIRROR_TABLE: &str = "hub-bench-mirror";

/// A replayed call's outcome, its output dropped.
fn sent<T, E: Into<aws_sdk_dynamodb::Error>>(result: Result<T, E>) -> Result<(), String> {
    result.map(drop).map_err(|e| e.into().to_string())
}

/// A batch call's request items (of the one table the store uses) for `table` instead.
fn on_table<V>(items: Option<HashMap<String, V>>, table: &str) -> Option<HashMap<String, V>> {
    items.unwrap_or_default().into_values().next().map(|v| HashMap::from([(table.to_owned(), v)]))
}

/// Sends one recorded call to `table` instead of the one it was made for. It takes the call by
/// value: the SDK's builders own their input, and a copy made here would be timed as part of the
/// direct calls.
async fn replay(client: &Client, call: Recorded, table: &str) -> Result<(), String> {
    match call {
        Recorded::GetItem(i) => sent(
            client
                .get_item()
                .table_name(table)
                .set_key(i.key)
                .set_attributes_to_get(i.attributes_to_get)
                .set_consistent_read(i.consistent_read)
                .set_return_consumed_capacity(i.return_consumed_capacity)
                .set_projection_expression(i.projection_expression)
                .set_expression_attribute_names(i.expression_attribute_names)
                .send()
                .await,
        ),
        Recorded::Query(i) => sent(
            client
                .query()
                .table_name(table)
                .set_index_name(i.index_name)
                .set_select(i.select)
                .set_attributes_to_get(i.attributes_to_get)
                .set_limit(i.limit)
                .set_consistent_read(i.consistent_read)
                .set_key_conditions(i.key_conditions)
                .set_query_filter(i.query_filter)
                .set_conditional_operator(i.conditional_operator)
                .set_scan_index_forward(i.scan_index_forward)
                .set_exclusive_start_key(i.exclusive_start_key)
                .set_return_consumed_capacity(i.return_consumed_capacity)
                .set_projection_expression(i.projection_expression)
                .set_filter_expression(i.filter_expression)
                .set_key_condition_expression(i.key_condition_expression)
                .set_expression_attribute_names(i.expression_attribute_names)
                .set_expression_attribute_values(i.expression_attribute_values)
                .send()
                .await,
        ),
        Recorded::BatchGetItem(i) => {
            let items = on_table(i.request_items, table);
            sent(
                client
                    .batch_get_item()
                    .set_request_items(items)
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .send()
                    .await,
            )
        }
        Recorded::TransactWriteItems(i) => {
            let items: Vec<TransactWriteItem> = i
                .transact_items
                .unwrap_or_default()
                .into_iter()
                .map(|mut a| {
                    if let Some(p) = a.put.as_mut() {
                        p.table_name = table.to_owned();
                    }
                    if let Some(u) = a.update.as_mut() {
                        u.table_name = table.to_owned();
                    }
                    if let Some(d) = a.delete.as_mut() {
                        d.table_name = table.to_owned();
                    }
                    if let Some(c) = a.condition_check.as_mut() {
                        c.table_name = table.to_owned();
                    }
                    a
                })
                .collect();
            sent(
                client
                    .transact_write_items()
                    .set_transact_items(Some(items))
                    .set_return_consumed_capacity(i.return_consumed_capacity)
                    .set_return_item_collection_metrics(i.return_item_collection_metrics)
                    .send()
                    .await,
            )
        }
        Recorded::UpdateItem(i) => sent(
            client
                .update_item()
                .table_name(table)
                .set_key(i.key)
                .set_attribute_updates(i.attribute_updates)
                .set_expected(i.expected)
                .set_conditional_operator(i.conditional_operator)
                .set_return_values(i.return_values)
                .set_return_consumed_capacity(i.return_consumed_capacity)
                .set_return_item_collection_metrics(i.return_item_collection_metrics)
                .set_update_expression(i.update_expression)
                .set_condition_expression(i.condition_expression)
                .set_expression_attribute_names(i.expression_attribute_names)
                .set_expression_attribute_values(i.expression_attribute_values)
                .set_return_values_on_condition_check_failure(i.return_values_on_condition_check_failure)
                .send()
                .await,
        ),
        Recorded::PutItem(i) => sent(
            client
                .put_item()
                .table_name(table)
                .set_item(i.item)
                .set_condition_expression(i.condition_expression)
                .set_expression_attribute_names(i.expression_attribute_names)
                .set_expression_attribute_values(i.expression_attribute_values)
                .send()
                .await,
        ),
        Recorded::DeleteItem(i) => sent(
            client
                .delete_item()
                .table_name(table)
                .set_key(i.key)
                .set_condition_expression(i.condition_expression)
                .set_expression_attribute_names(i.expression_attribute_names)
                .set_expression_attribute_values(i.expression_attribute_values)
                .send()
                .await,
        ),
        Recorded::BatchWriteItem(i) => {
            sent(client.batch_write_item().set_request_items(on_table(i.request_items, table)).send().await)
        }
        Recorded::Other => Err("a call the benchmark cannot replay".into()),
    }
}

/// Groups calls into stages: a call that started before every call of the current stage had
/// ended ran beside them; one that started after they all ended waited for them. (Where one
/// branch of concurrent work makes two calls in turn while another branch is still busy, both
/// land in the same stage and are replayed at once: the direct side is then faster than the
/// request could ever be, which only makes the ratio worse.)
pub fn stages_of(calls: &[Call]) -> Vec<Vec<Recorded>> {
    let mut sorted: Vec<&Call> = calls.iter().collect();
    sorted.sort_by_key(|c| c.start);
    let mut stages: Vec<Vec<Recorded>> = Vec::new();
    let mut stage_end: Option<Instant> = None;
    for call in sorted {
        let end = call.end.unwrap_or(call.start);
        match stage_end {
            Some(e) if call.start < e => {
                stages.last_mut().expect("a stage").push(call.input.clone());
                stage_end = Some(e.max(end));
            }
            _ => {
                stages.push(vec![call.input.clone()]);
                stage_end = Some(end);
            }
        }
    }
    stages
}

async fn replay_stages(client: &Client, stages: Vec<Vec<Recorded>>, table: &str) {
    for stage in stages {
        for result in join_all(stage.into_iter().map(|c| replay(client, c, table))).await {
            result.expect("a replayed call succeeds on the mirror");
        }
    }
}

/// Copies every item of the account's partition (its index entries follow) to `to`, page by
/// page as the SDK's paginator reads them.
async fn copy_partition(client: &Client, from: &str, to: &str, account_id: &str) -> usize {
    let mut pages = client
        .query()
        .table_name(from)
        .key_condition_expression("#PK = :pk")
        .expression_attribute_names("#PK", "PK")
        .expression_attribute_values(":pk", AttributeValue::S(format!("ACCOUNT#{account_id}")))
        .consistent_read(true)
        .into_paginator()
        .send();
    let mut copied = 0;
    while let Some(page) = pages.next().await {
        let items = page.expect("partition read").items.unwrap_or_default();
        for chunk in items.chunks(25) {
            let mut pending: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    WriteRequest::builder()
                        .put_request(PutRequest::builder().set_item(Some(item.clone())).build().expect("item"))
                        .build()
                })
                .collect();
            while !pending.is_empty() {
                let out = client.batch_write_item().request_items(to, pending).send().await.expect("mirror write");
                pending = out.unprocessed_items.and_then(|mut u| u.remove(to)).unwrap_or_default();
            }
            copied += chunk.len();
        }
    }
    copied
}

struct Route {
    label: &'static str,
    auth: Auth,
    method: Method,
    path: String,
    /// The body of the i-th request.
    body: Option<Box<dyn Fn(usize) -> Value>>,
    status: u16,
}

impl Route {
    /// A `GET` that answers 200.
    fn get(label: &'static str, auth: &Auth, path: impl Into<String>) -> Route {
        Route { label, auth: auth.clone(), method: Method::GET, path: path.into(), body: None, status: 200 }
    }

    /// A request whose i-th body is `body(i)`.
    fn with_body(
        label: &'static str,
        auth: &Auth,
        method: Method,
        path: impl Into<String>,
        status: u16,
        body: impl Fn(usize) -> Value + 'static,
    ) -> Route {
        Route { label, auth: auth.clone(), method, path: path.into(), body: Some(Box::new(body)), status }
    }

    /// The request as the harness sends it, with `body`.
    fn request<'a>(&'a self, body: Option<&'a Value>) -> Request<'a> {
        Request { auth: Some(&self.auth), method: self.method.clone(), path: &self.path, body }
    }
}

pub async fn run(report: &mut Report, iterations: usize) {
    report.section("2. Latency overhead: request through the local server ÷ its DynamoDB calls made directly");
    let started = Instant::now();
    let b = Bench::start().await;
    let account = b.account(1_000).await;
    let admin = Auth::Bearer(b.token(&account));
    seed_operators(&b.state.store, &account, operators(999, 20)).await;
    let op_a = b
        .expect(
            &admin,
            Method::POST,
            "/operators",
            Some(&json!({"email": "anna@bench.example", "fullName": "Anna Fixture"})),
            201,
        )
        .await
        .str("operatorId");
    let g = b
        .expect(&admin, Method::POST, "/groups", Some(&json!({"description": "Night shift"})), 201)
        .await
        .str("groupId");
    b.expect(&admin, Method::PUT, &format!("/groups/{g}/members/{op_a}"), None, 204).await;
    let key = b
        .expect(&admin, Method::POST, "/api-users", Some(&json!({"description": "Deploy", "operatorId": op_a})), 201)
        .await;
    let basic = Auth::Basic(key.str("username"), key.str("password"));

    // The mirror: the same table definition, a copy of the account.
    let mirror =
        Store::connect(&StoreConfig { table_name: MIRROR_TABLE.into(), ..StoreConfig::local(b.dynamo.endpoint()) })
            .await
            .expect("mirror store");
    mirror.create_table_if_missing().await.expect("mirror table");
    let copied = copy_partition(&b.direct, b.table(), MIRROR_TABLE, &account.account_id).await;
    report.note(format!("account of 1,000 operators (50 with schedules), {copied} items, copied to the mirror table"));

    let routes = vec![
        Route::get("GET /hub/summary", &admin, "/hub/summary"),
        Route::get("GET /operators", &admin, "/operators"),
        Route::get("GET /operators/{id}", &admin, format!("/operators/{op_a}")),
        Route::with_body(
            "PATCH /operators/{id}",
            &admin,
            Method::PATCH,
            format!("/operators/{op_a}"),
            200,
            |i| json!({"fullName": if i % 2 == 0 { "Anna Even" } else { "Anna Odd" }}),
        ),
        Route::with_body(
            "POST /operators",
            &admin,
            Method::POST,
            "/operators",
            201,
            |i| json!({"email": format!("lat{i}@bench.example"), "fullName": format!("Latency {i}")}),
        ),
        Route::get("GET /groups", &admin, "/groups"),
        Route::get("GET /groups/{id}/members", &admin, format!("/groups/{g}/members")),
        Route::get("GET /api-users", &admin, "/api-users"),
        Route::get("GET /operators/{id} (Basic)", &basic, format!("/operators/{op_a}")),
    ];

    let mut table = Table::new(&[
        "route",
        "DynamoDB calls (stages)",
        "direct p50 ms",
        "server p50 ms",
        "server overhead ms",
        "ratio p50 (server)",
        "in-process p50 ms",
        "ratio p50 (in-process)",
        "ratio p50 (server, via reqwest)",
        "server p90 / direct p90 ms",
        "budget ≤ 1.2 (server)",
    ]);
    let mut worst: (f64, &str) = (0.0, "");
    let mut worst_in_process: (f64, &str) = (0.0, "");
    let warmup = (iterations / 10).max(5);
    // Every request of the run gets a body of its own (the n-th request's), so that writes differ.
    let mut n = 0usize;
    let mut next_body = |route: &Route| {
        n += 1;
        route.body.as_ref().map(|f| f(n))
    };
    for route in &routes {
        let mut server = Vec::with_capacity(iterations);
        let mut reqwest = Vec::with_capacity(iterations);
        let mut in_process = Vec::with_capacity(iterations);
        let mut direct = Vec::with_capacity(iterations);
        let mut shape = String::new();
        for i in 0..warmup + iterations {
            let body = next_body(route);
            b.probe.reset(true, false);
            let (status, took) = b.timed_direct(&route.request(body.as_ref())).await;
            assert_eq!(status, route.status, "{}", route.label);
            let seen = b.probe.take();
            assert!(seen.calls.iter().all(|c| c.ok), "{}: a DynamoDB call failed", route.label);
            let stages = stages_of(&seen.calls);
            let stage_count = stages.len();
            // The direct client's probe records as the server's store's does during its request.
            b.direct_probe.reset(true, false);
            let t = Instant::now();
            replay_stages(&b.direct, stages, MIRROR_TABLE).await;
            let replayed = t.elapsed();
            b.direct_probe.take();
            // The same request through reqwest (its pool's connection task), for comparison; its
            // writes reach the mirror too (untimed).
            let body = next_body(route);
            b.probe.reset(true, false);
            let (reply, via_reqwest) = b.timed(&route.request(body.as_ref())).await;
            assert_eq!(reply.status, route.status, "{} (reqwest): {}", route.label, reply.body);
            replay_stages(&b.direct, stages_of(&b.probe.take().calls), MIRROR_TABLE).await;
            let body = next_body(route);
            b.probe.reset(true, false);
            let (status, inside) = b.in_process(&route.request(body.as_ref())).await;
            assert_eq!(status, route.status, "{} (in process)", route.label);
            // Its writes reach the mirror too (untimed), so that the next replay's conditions hold there.
            replay_stages(&b.direct, stages_of(&b.probe.take().calls), MIRROR_TABLE).await;
            if i >= warmup {
                server.push(took);
                reqwest.push(via_reqwest);
                direct.push(replayed);
                in_process.push(inside);
            }
            if shape.is_empty() {
                shape = format!("{} ({})", seen.ops(), stage_count);
            }
        }
        let (s50, d50, p50) = (median(&mut server), median(&mut direct), median(&mut in_process));
        let (s90, d90) = (percentile(&mut server, 0.9), percentile(&mut direct, 0.9));
        let ratio = s50.as_secs_f64() / d50.as_secs_f64();
        let ratio_in_process = p50.as_secs_f64() / d50.as_secs_f64();
        let ratio_reqwest = median(&mut reqwest).as_secs_f64() / d50.as_secs_f64();
        if ratio > worst.0 {
            worst = (ratio, route.label);
        }
        if ratio_in_process > worst_in_process.0 {
            worst_in_process = (ratio_in_process, route.label);
        }
        table.row(vec![
            route.label.to_owned(),
            shape,
            ms(d50),
            ms(s50),
            ms(s50.saturating_sub(d50)),
            format!("{ratio:.2}"),
            ms(p50),
            format!("{ratio_in_process:.2}"),
            format!("{ratio_reqwest:.2}"),
            format!("{} / {}", ms(s90), ms(d90)),
            if ratio <= 1.2 { "met".into() } else { "MISSED".into() },
        ]);
    }
    // The floor: a request that makes no DynamoDB call at all (no credentials: 401 from the
    // authentication middleware, a problem+json body).
    let (mut floor_server, mut floor_reqwest, mut floor_in_process) = (Vec::new(), Vec::new(), Vec::new());
    let anonymous = Request { auth: None, method: Method::GET, path: "/groups", body: None };
    for i in 0..warmup + iterations {
        let (status, took) = b.timed_direct(&anonymous).await;
        assert_eq!(status, 401);
        let (reply, via_reqwest) = b.timed(&anonymous).await;
        assert_eq!(reply.status, 401);
        let (status, inside) = b.in_process(&anonymous).await;
        assert_eq!(status, 401);
        if i >= warmup {
            floor_server.push(took);
            floor_reqwest.push(via_reqwest);
            floor_in_process.push(inside);
        }
    }
    let (floor_s, floor_r, floor_p) =
        (median(&mut floor_server), median(&mut floor_reqwest), median(&mut floor_in_process));
    table.row(vec![
        "GET /groups without credentials (401)".into(),
        "none".into(),
        "–".into(),
        ms(floor_s),
        ms(floor_s),
        "–".into(),
        ms(floor_p),
        "–".into(),
        "–".into(),
        format!("{} / –", ms(percentile(&mut floor_server, 0.9))),
        "–".into(),
    ]);
    report.table(table);
    report.note(format!(
        "{iterations} measured requests per route after {warmup} warm-up ones; each HTTP request is followed by the same DynamoDB calls made directly with the SDK (same stages: calls that ran concurrently are replayed concurrently) on a copy of the account in a mirror table, then by the same request through reqwest, then by the same request handed to the app in process (no socket); p50 = median"
    ));
    report.note(format!(
        "server = one kept-alive HTTP/1.1 connection (hyper's client connection, driven by the measuring task) → axum over loopback, timed until the whole body has arrived; \"via reqwest\" = the same request through reqwest's pool, whose connection task runs on another worker (the measure of runs before 2026-11-30); the last row is the floor of that path (HTTP, routing, the middleware, a problem+json body, no DynamoDB): {} ms through the server ({} ms via reqwest), {} ms in process",
        ms(floor_s),
        ms(floor_r),
        ms(floor_p)
    ));
    report.budget(
        "latency overhead ≤ 1.2 (median request ÷ median direct DynamoDB calls)",
        worst.0 <= 1.2,
        format!("worst {:.2} ({})", worst.0, worst.1),
    );
    report.note(format!(
        "in process (the app without the server's socket), worst ratio {:.2} ({})",
        worst_in_process.0, worst_in_process.1
    ));
    report.note(format!("part 2 took {:.0} s", started.elapsed().as_secs_f64()));
}
