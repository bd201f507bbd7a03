//! hub-api's modules keep the layers ARCHITECTURE.md draws: a module uses modules of its own
//! layer or lower ones, never a higher one, and no modules refer to each other in a loop.

use std::path::Path;

/// hub-api's layers, lowest first (ARCHITECTURE.md, "hub-api's layers").
const LAYERS: &[hub_layers::Layer<'_>] = &[
    ("values", &["values", "clock", "config", "throttle", "schedule", "openapi", "outbound"]),
    ("errors and shapes", &["error", "retry", "lists", "views"]),
    ("authentication", &["auth", "caller"]),
    ("state", &["state"]),
    ("extractors", &["extract", "idempotency"]),
    (
        "operations",
        &[
            "activity",
            "audit",
            "scim_token",
            "provisioning",
            "rules",
            "operators",
            "groups",
            "permission_routes",
            "resource_events",
        ],
    ),
    ("entry", &["http", "routes", "lambda", "lambda_events"]),
];

/// Fails with every violation when the modules under `dir` (below the crate) leave `layers`.
fn assert_layers(dir: &str, layers: &[hub_layers::Layer<'_>], what: &str) {
    let problems = hub_layers::violations(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), layers);
    assert!(problems.is_empty(), "{what}'s layering (ARCHITECTURE.md):\n{}", problems.join("\n"));
}

#[test]
fn hub_api_modules_keep_their_layers() {
    assert_layers("src", LAYERS, "hub-api");
}

/// The parts of `schedule` (`src/schedule/`), lowest first (ARCHITECTURE.md, "hub-api's
/// layers"): the same rule one level down.
const SCHEDULE_LAYERS: &[hub_layers::Layer<'_>] = &[
    ("schedule model", &["model"]),
    ("schedule input and evaluation", &["input", "evaluate", "view"]),
    ("schedule record", &["record"]),
];

#[test]
fn the_parts_of_schedule_keep_their_layers() {
    assert_layers("src/schedule", SCHEDULE_LAYERS, "schedule");
}

#[test]
fn architecture_md_names_every_module_of_hub_api() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md")).unwrap();
    let section =
        doc.split("### hub-api's layers").nth(1).expect("ARCHITECTURE.md has a section \"### hub-api's layers\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    for (layer, modules) in LAYERS.iter().chain(SCHEDULE_LAYERS) {
        for m in *modules {
            assert!(
                section.contains(&format!("| `{m}` | {layer} |")),
                "ARCHITECTURE.md, hub-api's layers: no row `| `{m}` | {layer} |`"
            );
        }
    }
}
