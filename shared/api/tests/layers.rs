//! hub-api's modules keep the layers ARCHITECTURE.md draws: a module uses modules of its own
//! layer or lower ones, never a higher one, and no modules refer to each other in a loop.

use std::path::Path;

/// hub-api's layers, lowest first (ARCHITECTURE.md, "hub-api's layers").
const LAYERS: &[hub_layers::Layer<'_>] = &[
    (
        "values",
        &[
            "values", "clock", "config", "throttle", "schedule", "openapi", "outbound",
        ],
    ),
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
        ],
    ),
    ("entry", &["http", "routes", "lambda"]),
];

#[test]
fn hub_api_modules_keep_their_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = hub_layers::violations(&src, LAYERS);
    assert!(
        problems.is_empty(),
        "hub-api's layering (ARCHITECTURE.md):\n{}",
        problems.join("\n")
    );
}

#[test]
fn architecture_md_names_every_module_of_hub_api() {
    let doc = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ARCHITECTURE.md"),
    )
    .unwrap();
    let section = doc
        .split("### hub-api's layers")
        .nth(1)
        .expect("ARCHITECTURE.md has a section \"### hub-api's layers\"");
    let section = section.split("\n## ").next().unwrap_or(section);
    for (layer, modules) in LAYERS {
        for m in *modules {
            assert!(
                section.contains(&format!("| `{m}` | {layer} |")),
                "ARCHITECTURE.md, hub-api's layers: no row `| `{m}` | {layer} |`"
            );
        }
    }
}
