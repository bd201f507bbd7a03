//! hub-api's modules keep the layers ARCHITECTURE.md draws: a module uses modules of its own
//! layer or lower ones, never a higher one, and no modules refer to each other in a loop.

#[path = "support/layering.rs"]
mod layering;

use std::path::Path;

/// hub-api's layers, lowest first (ARCHITECTURE.md, "hub-api's layers").
const LAYERS: &[(&str, &[&str])] = &[
    (
        "values",
        &[
            "values", "clock", "config", "throttle", "schedule", "outbound",
        ],
    ),
    ("errors and shapes", &["error", "retry", "lists", "views"]),
    ("authentication", &["auth", "caller"]),
    ("state", &["state"]),
    ("extractors", &["extract", "idempotency", "openapi"]),
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
    let problems = layering::violations(&src, LAYERS);
    assert!(
        problems.is_empty(),
        "hub-api's layering (ARCHITECTURE.md):\n{}",
        problems.join("\n")
    );
}

/// The parts of `schedule` (`src/schedule/`), lowest first (ARCHITECTURE.md, "hub-api's
/// layers"): the same rule one level down.
const SCHEDULE_LAYERS: &[(&str, &[&str])] = &[
    ("schedule model", &["model"]),
    ("schedule input and evaluation", &["input", "evaluate", "view"]),
    ("schedule record", &["record"]),
];

#[test]
fn the_parts_of_schedule_keep_their_layers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/schedule");
    let problems = layering::violations(&dir, SCHEDULE_LAYERS);
    assert!(
        problems.is_empty(),
        "schedule's layering (ARCHITECTURE.md):\n{}",
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
    for (layer, modules) in LAYERS.iter().chain(SCHEDULE_LAYERS) {
        for m in *modules {
            assert!(
                section.contains(&format!("| `{m}` | {layer} |")),
                "ARCHITECTURE.md, hub-api's layers: no row `| `{m}` | {layer} |`"
            );
        }
    }
}

/// The scan itself, on a small crate written for the purpose: it sees references through
/// `use`, paths, groups, `super::` and root re-exports, and ignores comments, literals and tests.
#[test]
fn the_scan_finds_upward_references_and_loops() {
    let dir = std::env::temp_dir().join(format!("hub-api-layering-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("c")).unwrap();
    let write = |name: &str, text: &str| std::fs::write(src.join(name), text).unwrap();
    write(
        "lib.rs",
        "pub mod a;\npub mod b;\npub mod c;\npub use c::{Thing, Other as O};\n",
    );
    write(
        "a.rs",
        "// crate::b in a comment\nconst S: &str = \"crate::b\";\nconst R: &str = r#\"crate::b\"#;\nconst Q: char = '\"';\n#[cfg(test)]\nmod tests { use crate::b; }\npub fn f() {}\n",
    );
    write("b.rs", "use crate::{a::f, c::{self}};\nuse super::Thing;\n");
    write("c/mod.rs", "mod inner;\n");
    write(
        "c/inner.rs",
        "fn g<'a>(x: &'a str) -> &'a str { crate::b::h(); x }\n",
    );
    let refs = layering::module_references(&src);
    let names = |m: &str| refs[m].iter().cloned().collect::<Vec<_>>();
    assert_eq!(names("a"), Vec::<String>::new());
    assert_eq!(names("b"), vec!["a", "c"]);
    assert_eq!(names("c"), vec!["b"]);

    assert_eq!(
        layering::violations(&src, &[("low", &["a"]), ("high", &["b", "c"])]),
        vec!["modules refer to each other in a loop: b → c"]
    );
    let upward = layering::violations(&src, &[("low", &["a", "c"]), ("high", &["b"])]);
    assert!(
        upward.contains(&"`c` (layer `low`) uses `b` of the higher layer `high`".to_owned()),
        "{upward:?}"
    );
    let unplaced = layering::violations(&src, &[("all", &["a", "b"])]);
    assert!(
        unplaced.iter().any(|p| p.contains("`c` is in no layer")),
        "{unplaced:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
