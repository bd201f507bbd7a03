//! Part 7: the audit log. DynamoDB requests and read capacity units of one `GET /audit-log` page
//! (limit 25 and 100) for several filter combinations, in accounts of 100, 10,000 and many events
//! (`--audit-events`, 100,000 by default), and the peak memory growth of the CSV export of each
//! whole log.
//!
//! The events are written straight into the embedded DynamoDB by its own bulk import
//! (`Store::bulk_import_audit_events`, behind hub-store's `bulk` feature), as the very items
//! a change's transaction puts. The pages are read through the real SDK and server.

use std::time::Instant;

use hub_api::audit::{ACTIONS, event_time};
use hub_store::{
    AccountScope, Audit, AuditActor, AuditChange, AuditContext, AuditSource, AuditTarget, action_target_type,
};
use reqwest::Method;
use serde_json::json;

use crate::harness::{Auth, Bench, thousands};
use crate::report::{Report, Table};

/// Distinct actors, target ids per target type, of the generated events.
const ACTORS: usize = 50;
const TARGETS: usize = 100;
/// Events written per bulk call.
const CHUNK: usize = 10_000;
/// The span the events are spread over, newest now.
const SPAN_SECONDS: i64 = 365 * 24 * 3600;

fn actor_id(i: usize) -> String {
    format!("bench-actor-{:04}", i % ACTORS)
}

fn target_id(kind: &str, i: usize) -> String {
    format!("bench-{}-{:03}", kind.to_lowercase(), i % TARGETS)
}

/// The `i`-th of `total` events: actions, actors, targets and sources cycle with coprime periods,
/// times are evenly spread over the last year (event 0 the newest).
fn event(i: usize, total: usize, now: jiff::Timestamp) -> Audit {
    let h = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let action = ACTIONS[(h >> 13) as usize % ACTIONS.len()];
    let kind = action_target_type(action).expect("every action names its target type");
    let source = AuditSource::ALL[(h >> 29) as usize % AuditSource::ALL.len()];
    let offset = SPAN_SECONDS * 1000 * i as i64 / total.max(1) as i64;
    let at = event_time(now - jiff::SignedDuration::from_millis(offset));
    let ctx = AuditContext {
        request_id: format!("bench-request-{i}"),
        source,
        actor: AuditActor {
            kind: "Operator".into(),
            id: actor_id((h >> 37) as usize),
            name: Some(format!("Bench Actor {}", (h >> 37) as usize % ACTORS)),
            api_user_id: None,
            api_user_name: None,
        },
        at,
        expires_at: now.as_second() + 400 * 24 * 3600,
    };
    let target = AuditTarget {
        kind: kind.clone(),
        id: target_id(&kind, (h >> 43) as usize),
        name: Some(format!("Bench {kind} {}", (h >> 43) as usize % TARGETS)),
    };
    let changes = vec![AuditChange {
        field: "description".into(),
        old: json!(format!("before {i}")),
        new: json!(format!("after {i}")),
    }];
    Audit::new(&ctx, format!("{:032x}", (i as u128) << 64 | h as u128), action, target, changes)
}

/// Seeding stops before the free space of the database's file system falls under this.
const DISK_FLOOR_BYTES: u64 = 6 << 30;

/// Free bytes of the file system holding `path` (`df`), if it can be read.
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    let out = std::process::Command::new("df").arg("-Pk").arg(path).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let kib: u64 = text.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib * 1024)
}

/// How far seeding may go: a deadline, and the disk of a file-backed table.
struct SeedLimit<'a> {
    until: Option<Instant>,
    file: Option<&'a std::path::Path>,
}

impl SeedLimit<'_> {
    /// Why seeding must stop now, if it must.
    fn reached(&self) -> Option<String> {
        if self.until.is_some_and(|until| Instant::now() >= until) {
            return Some("the seeding time given (--audit-seed-minutes) ran out".into());
        }
        let dir = self.file?.parent()?;
        let free = free_bytes(dir)?;
        (free < DISK_FLOOR_BYTES).then(|| format!("the disk's free space fell to {:.1} GB", free as f64 / 1e9))
    }
}

/// Seeds up to `total` events into `scope`, oldest first (the last one newest, at `now`); returns
/// the events written, the events per second and, if it stopped early, why.
async fn seed(
    b: &Bench,
    scope: &AccountScope,
    total: usize,
    now: jiff::Timestamp,
    limit: &SeedLimit<'_>,
) -> (usize, f64, Option<String>) {
    let started = Instant::now();
    let mut done = 0;
    let mut stopped = None;
    while done < total {
        if let Some(why) = limit.reached() {
            stopped = Some(why);
            break;
        }
        let n = CHUNK.min(total - done);
        let events: Vec<Audit> = (total - done - n..total - done).rev().map(|i| event(i, total, now)).collect();
        b.state.store.bulk_import_audit_events(&b.dynamo, scope, &events).await.expect("audit events seeded");
        done += n;
        if total > CHUNK {
            let disk = limit
                .file
                .and_then(|f| std::fs::metadata(f).ok())
                .map(|m| format!(", database file {:.2} GB", m.len() as f64 / 1e9))
                .unwrap_or_default();
            eprintln!(
                "audit: {} / {} events seeded ({:.0} per second{disk})",
                thousands(done),
                thousands(total),
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    (done, done as f64 / started.elapsed().as_secs_f64(), stopped)
}

/// The filters measured: a label and the query string (without `limit`).
fn filters(now: jiff::Timestamp) -> Vec<(&'static str, String)> {
    let day = |days: i64| event_time(now - jiff::SignedDuration::from_secs(days * 24 * 3600));
    let (from, to) = (day(181), day(180));
    let operator = target_id("Operator", 7);
    vec![
        ("none", String::new()),
        ("actorId", format!("actorId={}", actor_id(3))),
        ("targetType", "targetType=Operator".into()),
        ("targetId", format!("targetId={operator}")),
        ("action", "action=operator.updated".into()),
        ("source", "source=Web".into()),
        ("from/to (one day)", format!("from={from}&to={to}")),
        ("actorId + action", format!("actorId={}&action=operator.updated", actor_id(3))),
        ("targetType + source + from/to", format!("targetType=Group&source=Api&from={from}&to={to}")),
        ("actorId + targetId", format!("actorId={}&targetId={operator}", actor_id(3))),
    ]
}

/// A page with no filter but the time range: the Queries of the table itself (five, one per
/// source, strongly consistent) rather than of an index.
fn served_by_the_table(query: &str) -> bool {
    query.split('&').filter(|p| !p.is_empty()).all(|p| p.starts_with("from=") || p.starts_with("to="))
}

/// One page's cost: requests (the authorizer's GetItem included), read units, events answered.
async fn page(b: &Bench, admin: &Auth, query: &str, limit: usize) -> (u64, f64, usize) {
    let sep = if query.is_empty() { "" } else { "&" };
    let path = format!("/audit-log?limit={limit}{sep}{}", query.replace(':', "%3A"));
    b.counter.reset();
    b.probe.reset(false, true);
    let reply = b.call(admin, Method::GET, &path, None).await;
    let requests = b.counter.get();
    let seen = b.probe.take();
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    let items = reply.body["items"].as_array().map(Vec::len).unwrap_or(0);
    (requests, seen.read_units, items)
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The CSV export of the whole log, read chunk by chunk as a client does: rows, requests, and the
/// largest growth of the process's resident memory (server and embedded DynamoDB alike) over
/// what it was before the export.
async fn export(b: &Bench, admin: &Auth) -> (usize, usize, u64, u64, f64) {
    b.counter.reset();
    let before = rss_kib();
    let mut peak = before;
    let started = Instant::now();
    let mut response = b
        .http
        .get(format!("{}/audit-log", b.base))
        .header("authorization", admin.header())
        .header("accept", "text/csv")
        .send()
        .await
        .expect("export answers");
    assert_eq!(response.status().as_u16(), 200);
    let (mut lines, mut bytes) = (0, 0);
    while let Some(chunk) = response.chunk().await.expect("export body") {
        lines += chunk.iter().filter(|&&c| c == b'\n').count();
        bytes += chunk.len();
        peak = peak.max(rss_kib());
    }
    (lines.saturating_sub(1), bytes, b.counter.get(), peak.saturating_sub(before), started.elapsed().as_secs_f64())
}

/// Logs above this size are kept in a file: in memory the embedded DynamoDB held 5.8 GB for
/// 110,000 events (when the audit indexes projected every attribute; on disk it now takes some
/// 21 KB per event). Their CSV export is not timed either (10,000 pages of 100 events).
const IN_MEMORY_EVENTS: usize = 100_000;

/// The database file of a file-backed run, removed (with SQLite's side files) when dropped.
struct DatabaseFile(std::path::PathBuf);

impl Drop for DatabaseFile {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

/// Part 7 for logs of `sizes` events; `seed_minutes` bounds the seeding of all of them (the
/// largest log is then measured at the size it reached, and the report says so).
pub async fn run(report: &mut Report, sizes: &[usize], seed_minutes: Option<u64>) {
    report.section("7. Audit log: requests and read units per page, by size of the log");
    let largest = sizes.iter().copied().max().unwrap_or(0);
    let file = (largest > IN_MEMORY_EVENTS)
        .then(|| DatabaseFile(std::env::temp_dir().join(format!("hub-bench-audit-{}.sqlite", std::process::id()))));
    let b = match &file {
        Some(file) => {
            report.note(format!("the embedded DynamoDB keeps this part's table in the SQLite file {} (removed afterwards), not in memory", file.0.display()));
            Bench::start_file_backed(&file.0).await
        }
        None => Bench::start().await,
    };
    let now = jiff::Timestamp::now();
    let limit = SeedLimit {
        until: seed_minutes.map(|m| Instant::now() + std::time::Duration::from_secs(m * 60)),
        file: file.as_ref().map(|f| f.0.as_path()),
    };
    let seeding = Instant::now();
    let mut accounts = Vec::new();
    let mut rates = Vec::new();
    let mut reached = Vec::new();
    for &size in sizes {
        let account = b.account(10).await;
        let scope = AccountScope::new(&account.account_id);
        let (done, rate, stopped) = seed(&b, &scope, size, now, &limit).await;
        if let Some(why) = stopped {
            report.note(format!("seeding stopped at {} of {} events: {why}", thousands(done), thousands(size)));
        }
        reached.push(done);
        rates.push(rate);
        accounts.push(Auth::Bearer(b.token(&account)));
    }
    let sizes = &reached[..];
    let (first, last) = (sizes[0], sizes[sizes.len() - 1]);
    let disk = file
        .as_ref()
        .and_then(|f| std::fs::metadata(&f.0).ok())
        .map(|m| format!("; database file {:.2} GB", m.len() as f64 / 1e9))
        .unwrap_or_default();
    report.note(format!(
        "events seeded per account: {} (plus the few of provisioning), with the embedded database's bulk import, {:.0} events per second at the largest size, {:.0} s in all{disk}",
        sizes.iter().map(|s| thousands(*s)).collect::<Vec<_>>().join(", "),
        rates[rates.len() - 1],
        seeding.elapsed().as_secs_f64()
    ));
    let mut header = vec!["filter".to_owned(), "limit".to_owned()];
    header.extend(sizes.iter().map(|s| format!("{} events: requests / RCU / items", thousands(*s))));
    header.push(format!("{} ÷ {}: requests / RCU", thousands(last), thousands(first)));
    if sizes.len() > 2 {
        header.push(format!("{} ÷ {}: requests / RCU", thousands(last), thousands(sizes[sizes.len() - 2])));
    }
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let mut table = Table::new(&header_refs);
    let mut same_requests = true;
    // The dearest page of each limit: one the table itself serves (no filter, or a time range
    // only: five full Queries of the table, strongly consistent). A page an index serves may not
    // read more. Both table pages count as the ceiling because they read the same number of
    // events and differ only in those events' sizes (a digit more in an id moves a page of 100 by
    // a unit or two), which says nothing about the key design.
    let mut ceiling = [0.0f64; 2];
    let mut dearest = [0.0f64; 2];
    for (label, query) in filters(now) {
        for limit in [25, 100] {
            let mut cells = vec![label.to_owned(), limit.to_string()];
            let mut costs = Vec::new();
            for admin in &accounts {
                let (requests, units, items) = page(&b, admin, &query, limit).await;
                cells.push(format!("{requests} / {units:.1} / {items}"));
                costs.push((requests, units, items));
            }
            let ratio = |a: (u64, f64, usize), z: (u64, f64, usize)| {
                format!("{:.2} / {:.2}", z.0 as f64 / a.0 as f64, z.1 / a.1)
            };
            let l = costs[costs.len() - 1];
            cells.push(ratio(costs[0], l));
            if sizes.len() > 2 {
                cells.push(ratio(costs[costs.len() - 2], l));
            }
            let at = usize::from(limit == 100);
            if served_by_the_table(&query) {
                ceiling[at] = ceiling[at].max(l.1);
            } else {
                dearest[at] = costs.iter().fold(dearest[at], |d, c| d.max(c.1));
            }
            same_requests &= costs.iter().all(|c| c.0 == costs[0].0);
            table.row(cells);
        }
    }
    report.table(table);
    report.note("requests: every DynamoDB request of the call, the authorizer's (Bearer: one GetItem, 0.5 RCU) included; RCU: the read capacity units they consumed (ReturnConsumedCapacity=TOTAL, as the embedded DynamoDB bills them); items: events on the page. Each source's Query reads at most limit + 2 events: while a log holds fewer matching events than that, its pages read less; once every Query is full, the read units stop growing with the log.");
    report.budget(
        "a page costs the same number of requests at every size of the log, for every filter and limit",
        same_requests,
        format!("sizes {sizes:?}"),
    );
    report.budget(
        "no page an index serves reads more than a page of the table itself at the largest size (five full Queries), at any size",
        dearest[0] <= ceiling[0] && dearest[1] <= ceiling[1],
        format!("limit 25: dearest {:.1} RCU, ceiling {:.1}; limit 100: dearest {:.1}, ceiling {:.1}", dearest[0], ceiling[0], dearest[1], ceiling[1]),
    );

    let mut table =
        Table::new(&["CSV export (whole log)", "rows", "MiB", "DynamoDB requests", "seconds", "peak RSS growth (MiB)"]);
    for (size, admin) in sizes.iter().zip(&accounts).filter(|(size, _)| **size <= IN_MEMORY_EVENTS) {
        let (rows, bytes, requests, growth, seconds) = export(&b, admin).await;
        table.row(vec![
            format!("{} events", thousands(*size)),
            thousands(rows),
            format!("{:.1}", bytes as f64 / 1_048_576.0),
            thousands(requests as usize),
            format!("{seconds:.1}"),
            format!("{:.1}", growth as f64 / 1024.0),
        ]);
    }
    report.table(table);
    report.note("peak RSS growth: the largest resident memory of the whole process (server and embedded DynamoDB) seen while the body streams, minus what it was before; the export reads one page of 100 events at a time.");
}
