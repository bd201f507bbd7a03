//! Part 5: throughput of the scheduled maintenance job (`hub_maintenance::run`, what the hourly
//! Lambda and `hubctl recompute` run) against the embedded DynamoDB: API users recomputed per
//! second for one account with 100,000 API users, and how a whole run grows with the number of
//! accounts.

use std::time::Instant;

use hub_store::AccountScope;

use crate::harness::{Bench, operators, seed_api_users, seed_operators, thousands};
use crate::report::{Report, Table};

pub async fn run(report: &mut Report, big: usize, account_counts: &[usize]) {
    report.section("5. Maintenance job throughput");
    let started = Instant::now();

    // One account with `big` API users: 10 per operator (the most one may own).
    {
        let b = Bench::start().await;
        let owners_needed = big.div_ceil(10);
        let account = b.account(owners_needed + 1).await;
        let (owners, took_ops) = seed_operators(&b.state.store, &account, operators(owners_needed, 0)).await;
        // Last activity 1, 5, 10, 20 or 45 days ago: a fifth are past the 30-day line and become
        // inactive in the first run; the second run finds nothing to change.
        let (_, count, took_users) =
            seed_api_users(&b.state.store, &account, &owners, big / owners_needed, &[1, 5, 10, 20, 45]).await;
        report.note(format!(
            "seeded {} operators in {:.1} s and {} API users in {:.1} s with the bulk loader ({:.0} API users/s)",
            thousands(owners.len()),
            took_ops.as_secs_f64(),
            thousands(count),
            took_users.as_secs_f64(),
            count as f64 / took_users.as_secs_f64()
        ));
        let mut table = Table::new(&["run", "API users", "changed", "seconds", "API users / s", "DynamoDB requests"]);
        for label in ["first run (a fifth become inactive)", "second run (nothing changes)"] {
            b.counter.reset();
            let t = Instant::now();
            let out = hub_maintenance::run(&b.state, jiff::Timestamp::now(), Some(&account.account_id)).await;
            let took = t.elapsed();
            assert!(!out.failed(), "maintenance failed: {:?}", out.error);
            let a = &out.accounts[0];
            let changed = a.api_users.became_inactive + a.api_users.became_active;
            table.row(vec![
                label.to_owned(),
                thousands(count),
                thousands(changed),
                format!("{:.1}", took.as_secs_f64()),
                format!("{:.0}", count as f64 / took.as_secs_f64()),
                thousands(b.counter.get() as usize),
            ]);
        }
        let record = b
            .state
            .store
            .in_account(&AccountScope::new(&account.account_id))
            .account_record()
            .await
            .expect("read")
            .expect("account");
        assert_eq!(record.api_users_inactive as usize, count / 5, "the job counted the inactive API users");
        report.subsection(&format!("One account with {} API users", thousands(count)));
        report.table(table);
    }

    // Many accounts: each 10 operators, 10 of them with 10 API users (100 per account).
    report.subsection("Growth with the number of accounts (each: 10 operators, 100 API users, a fifth going inactive)");
    let mut table = Table::new(&[
        "accounts",
        "API users",
        "first run s",
        "API users / s",
        "ms per account",
        "second run s",
        "API users / s ",
        "requests per account (second run)",
    ]);
    for &accounts in account_counts {
        let b = Bench::start().await;
        let seeding = Instant::now();
        let mut users = 0;
        for _ in 0..accounts {
            let account = b.account(11).await;
            let (owners, _) = seed_operators(&b.state.store, &account, operators(10, 0)).await;
            users += seed_api_users(&b.state.store, &account, &owners, 10, &[1, 5, 10, 20, 45]).await.1;
        }
        let seeded = seeding.elapsed();
        let mut cells = vec![thousands(accounts), thousands(users)];
        for _ in 0..2 {
            b.counter.reset();
            let t = Instant::now();
            let out = hub_maintenance::run(&b.state, jiff::Timestamp::now(), None).await;
            let took = t.elapsed();
            assert!(!out.failed(), "maintenance failed: {:?}", out.error);
            assert_eq!(out.accounts_checked, accounts);
            cells.push(format!("{:.2}", took.as_secs_f64()));
            cells.push(format!("{:.0}", users as f64 / took.as_secs_f64()));
            if cells.len() == 4 {
                cells.push(format!("{:.1}", took.as_secs_f64() * 1000.0 / accounts as f64));
            } else {
                cells.push(format!("{:.1}", b.counter.get() as f64 / accounts as f64));
            }
        }
        table.row(cells);
        report.line(format!("  ({} accounts seeded in {:.1} s)", thousands(accounts), seeded.as_secs_f64()));
    }
    report.table(table);
    report.note(format!("part 5 took {:.0} s", started.elapsed().as_secs_f64()));
}
