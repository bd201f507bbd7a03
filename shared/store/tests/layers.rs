//! hub-store's modules form layers (ARCHITECTURE.md, "Layers"): a module names only modules of its own
//! layer or lower ones, never a higher one, and no modules refer to each other in a loop.

use std::path::Path;

/// Lowest first; ARCHITECTURE.md lists the same.
const LAYERS: &[hub_layers::Layer<'_>] = &[
    ("ids and values", &["ids", "values"]),
    ("foundation", &["error", "keys", "schedule_record", "counter", "embedded"]),
    ("records", &["records"]),
    ("client", &["client", "cursor"]),
    ("db", &["db"]),
    ("table", &["table"]),
    ("audit", &["audit"]),
    ("write pieces", &["writes", "items"]),
    (
        "repositories",
        &[
            "accounts",
            "account_updates",
            "api_users",
            "grants",
            "groups",
            "idempotency",
            "lookups",
            "monitors",
            "operators",
            "pending",
            "scim_tokens",
        ],
    ),
    ("composite operations", &["maintenance"]),
    ("benchmark seeding", &["bulk"]),
];

#[test]
fn every_module_references_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let problems = hub_layers::violations(&src, LAYERS);
    assert!(problems.is_empty(), "hub-store's layering is broken:\n{}", problems.join("\n"));
}
