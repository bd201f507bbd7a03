//! `hub-bench`: the performance benchmarks of the User Management hub, as a program (not timed
//! tests). Each part prints ratios and figures measured in one run, because this machine is
//! shared and noisy; BENCHMARKS.md records them with the command and the machine.
//!
//! ```sh
//! cargo run --release -p hub-bench -- all            # every part, one table each
//! cargo run --release -p hub-bench -- requests       # 1. DynamoDB requests per route by account size
//! cargo run --release -p hub-bench -- latency        # 2. latency overhead over the DynamoDB calls
//! cargo run --release -p hub-bench -- cold           # 3. cold start and memory of the release binaries
//! cargo run --release -p hub-bench -- size           # 4. cargo-lambda arm64 zip sizes
//! cargo run --release -p hub-bench -- maintenance    # 5. maintenance job throughput
//! cargo run --release -p hub-bench -- scim           # 6. SCIM lookups and a first push
//! cargo run --release -p hub-bench -- audit          # 7. audit log page cost, 100 vs many events
//! ```

mod audit;
mod cold;
mod cost;
mod harness;
mod latency;
mod maintenance;
mod probe;
mod report;
mod requests;
mod scim;
mod size;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "hub-bench", about = "Performance benchmarks of the User Management hub (see BENCHMARKS.md)")]
struct Cli {
    #[command(subcommand)]
    part: Part,
    /// Also write the report (Markdown) to this file.
    #[arg(long, global = true)]
    out: Option<std::path::PathBuf>,
    /// Smaller sizes and fewer iterations, for a quick look (the figures in BENCHMARKS.md are
    /// from full runs).
    #[arg(long, global = true)]
    quick: bool,
    /// Measure the binaries and zips already built instead of building them first.
    #[arg(long, global = true)]
    no_build: bool,
    /// Events of the largest audit log (part 7). Above 100,000 the embedded DynamoDB keeps the
    /// table in a file (a million takes some 21 GB; BENCHMARKS.md, part 7).
    #[arg(long, global = true, default_value_t = 100_000)]
    audit_events: usize,
    /// The audit log sizes of part 7, comma-separated (default: 100, 10,000 and
    /// `--audit-events`).
    #[arg(long, global = true, value_delimiter = ',')]
    audit_sizes: Vec<usize>,
    /// Stop seeding part 7's logs after this many minutes and measure the sizes reached.
    #[arg(long, global = true)]
    audit_seed_minutes: Option<u64>,
    /// Run the local server and the measuring client on one thread instead of a runtime of 2
    /// workers (the embedded DynamoDB always runs on a thread of its own).
    #[arg(long, global = true)]
    one_thread: bool,
}

#[derive(Subcommand, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// Every part below, in order.
    All,
    /// 1. DynamoDB requests (and capacity units) per route for 10, 1,000 and 10,000 operators.
    Requests,
    /// 2. Median request latency through the local server ÷ median of its DynamoDB calls made directly.
    Latency,
    /// 3. Cold start (init, first response) and memory of each function's release binary.
    Cold,
    /// 4. Size of each function's `cargo lambda build --release --arm64` zip.
    Size,
    /// 5. API users recomputed per second by the maintenance job.
    Maintenance,
    /// 6. SCIM: requests per lookup and write at 10 and 10,000 operators; a first push of 2,000 users.
    Scim,
    /// 7. Audit log: requests and read units per page at 100, 10,000 and `--audit-events` events; CSV export memory.
    Audit,
}

fn main() {
    let cli = Cli::parse();
    let runtime = if cli.one_thread {
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("tokio runtime")
    } else {
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("tokio runtime")
    };
    let mut report = report::Report::default();
    report.line("# hub-bench");
    report.line("");
    report.line(format!("- machine: {}", harness::machine()));
    report.line(format!("- started: {}{}", harness::now_rfc3339(), if cli.quick { " (--quick)" } else { "" }));
    let started = std::time::Instant::now();
    let wants = |p: Part| cli.part == Part::All || cli.part == p;
    let build = !cli.no_build;
    runtime.block_on(async {
        if wants(Part::Requests) {
            let sizes: &[usize] = if cli.quick { &[10, 200, 1_000] } else { &[10, 1_000, 10_000] };
            requests::run(&mut report, sizes).await;
        }
        if wants(Part::Latency) {
            latency::run(&mut report, if cli.quick { 60 } else { 300 }).await;
        }
        if wants(Part::Cold) {
            cold::run(&mut report, if cli.quick { 3 } else { 10 }, if cli.quick { 200 } else { 1_000 }, build).await;
        }
    });
    if wants(Part::Size) {
        size::run(&mut report, build);
    }
    runtime.block_on(async {
        if wants(Part::Maintenance) {
            let (big, accounts): (usize, &[usize]) =
                if cli.quick { (10_000, &[1, 10, 100]) } else { (100_000, &[1, 10, 100, 1_000]) };
            maintenance::run(&mut report, big, accounts).await;
        }
        if wants(Part::Scim) {
            let sizes: &[usize] = if cli.quick { &[10, 1_000] } else { &[10, 10_000] };
            scim::run(&mut report, sizes, if cli.quick { 400 } else { 2_000 }, 20, 100).await;
        }
        if wants(Part::Audit) {
            let sizes = match (cli.quick, cli.audit_sizes.is_empty()) {
                (true, _) => vec![100, 1_000, 10_000],
                (false, true) => vec![100, 10_000, cli.audit_events],
                (false, false) => cli.audit_sizes.clone(),
            };
            audit::run(&mut report, &sizes, cli.audit_seed_minutes).await;
        }
    });
    report.line(format!("\n_total {:.0} s_", started.elapsed().as_secs_f64()));
    let text = report.finish();
    if let Some(out) = cli.out {
        std::fs::write(&out, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    }
}
