//! The layering rule of a crate, checked by scanning its source: each top-level module belongs to
//! one layer, and a module may name (`crate::m`, `crate::{m::…}`, or an item that `lib.rs`
//! re-exports from `m`) only modules of lower layers. Comments are not scanned. Used by the tests
//! of the crates that keep such a rule (a development dependency; nothing ships it).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One layer: a name for messages and its modules. Layers are listed lowest first.
pub type Layer<'a> = (&'a str, &'a [&'a str]);

/// Every reference from a module to a module of the same or a higher layer, as readable lines;
/// also every top-level module of `src` that no layer lists and every listed module that does not
/// exist. Empty when the crate keeps its layers.
pub fn violations(src: &Path, layers: &[Layer<'_>]) -> Result<Vec<String>, String> {
    let mut layer_of: BTreeMap<&str, usize> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, (_, modules)) in layers.iter().enumerate() {
        for m in *modules {
            if layer_of.insert(m, i).is_some() {
                problems.push(format!("module `{m}` is listed in two layers"));
            }
        }
    }
    let sources = module_sources(src)?;
    for m in sources.keys() {
        if !layer_of.contains_key(m.as_str()) {
            problems.push(format!("module `{m}` is in no layer"));
        }
    }
    for m in layer_of.keys() {
        if !sources.contains_key(*m) {
            problems.push(format!("module `{m}` is listed but has no source file"));
        }
    }
    let root = ["lib.rs", "main.rs"].iter().map(|f| src.join(f)).find(|p| p.is_file());
    let reexports = match root {
        Some(path) => reexported_items(&strip_comments(&read(&path)?)),
        None => BTreeMap::new(),
    };
    for (module, text) in &sources {
        let Some(&own) = layer_of.get(module.as_str()) else { continue };
        for target in referenced_modules(&strip_comments(text), &reexports) {
            if &target == module {
                continue;
            }
            let Some(&theirs) = layer_of.get(target.as_str()) else { continue };
            if theirs >= own {
                problems.push(format!(
                    "`{module}` (layer {}) references `{target}` (layer {}): a module may use only lower layers",
                    layers[own].0, layers[theirs].0
                ));
            }
        }
    }
    Ok(problems)
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The text of each top-level module: `m.rs`, or every file under `m/` (with `m/mod.rs`).
fn module_sources(src: &Path) -> Result<BTreeMap<String, String>, String> {
    let mut sources = BTreeMap::new();
    let entries = std::fs::read_dir(src).map_err(|e| format!("{}: {e}", src.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        if path.is_dir() {
            let mut text = String::new();
            collect_dir(&path, &mut text)?;
            sources.insert(name, text);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            if stem != "lib" && stem != "main" {
                let text = read(&path)?;
                sources.entry(stem.to_owned()).or_insert_with(String::new).push_str(&text);
            }
        }
    }
    Ok(sources)
}

fn collect_dir(dir: &Path, text: &mut String) -> Result<(), String> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_dir(&path, text)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&read(&path)?);
            text.push('\n');
        }
    }
    Ok(())
}

/// The text without `//` comments (line and doc comments) and `/* */` blocks; string literals are
/// kept as they are (a `//` inside one is rare enough in these crates to cut a line short).
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("//") {
            rest = after.find('\n').map_or("", |i| &after[i..]);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else if rest.starts_with('"') {
            let end = string_end(rest);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The length of the string literal at the start of `text` (quotes included).
fn string_end(text: &str) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            _ => escaped = false,
        }
    }
    text.len()
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths that follow each `crate::` (a brace group is expanded one level: `crate::{a::X, b}`
/// gives `a::X` and `b`).
fn crate_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("crate::") {
        let preceded = rest[..i].chars().next_back().is_some_and(is_ident);
        rest = &rest[i + "crate::".len()..];
        if preceded {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            paths.push(item);
        } else {
            paths.push(rest.chars().take_while(|c| is_ident(*c) || *c == ':').collect());
        }
    }
    paths.into_iter().map(|p| p.trim().to_owned()).filter(|p| !p.is_empty()).collect()
}

/// The first segment of a path.
fn first_segment(path: &str) -> String {
    path.chars().take_while(|c| is_ident(*c)).collect()
}

/// Names that the crate root re-exports (`pub use m::{A, B};`, `pub(crate) use m::C;`), each
/// with the module it comes from.
fn reexported_items(root: &str) -> BTreeMap<String, String> {
    let mut items = BTreeMap::new();
    for statement in root.split(';') {
        let statement = statement.trim();
        let Some(path) = statement.split_once("use ").map(|(_, p)| p.trim()) else { continue };
        if !statement.starts_with("pub") || path.starts_with("std::") {
            continue;
        }
        let path = path.strip_prefix("crate::").or_else(|| path.strip_prefix("self::")).unwrap_or(path);
        let module = first_segment(path);
        let tail = &path[module.len()..];
        let names: Vec<&str> = match (tail.find('{'), tail.rfind('}')) {
            (Some(a), Some(b)) => tail[a + 1..b].split(',').collect(),
            _ => vec![tail.rsplit("::").next().unwrap_or("")],
        };
        for name in names {
            let name = name.trim();
            let name = name.rsplit(" as ").next().unwrap_or(name).rsplit("::").next().unwrap_or(name).trim();
            if !name.is_empty() {
                items.insert(name.to_owned(), module.clone());
            }
        }
    }
    items
}

/// The modules a module's text names.
fn referenced_modules(text: &str, reexports: &BTreeMap<String, String>) -> BTreeSet<String> {
    crate_paths(text)
        .iter()
        .map(|p| first_segment(p))
        .map(|segment| reexports.get(&segment).cloned().unwrap_or(segment))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_dir(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("hub-layers-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for (name, text) in files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    const LAYERS: &[Layer<'_>] = &[("low", &["keys"]), ("middle", &["db", "items"]), ("high", &["repo"])];

    #[test]
    fn a_downward_crate_has_no_violation_and_every_upward_reference_is_reported() {
        let lib = "mod db;\nmod items;\nmod keys;\nmod repo;\npub use db::Store;\npub(crate) use repo::{Repo, Other as Renamed};\n";
        let good = crate_dir("good", &[
            ("lib.rs", lib),
            ("keys.rs", "// crate::repo in a comment does not count\npub struct Key; const S: &str = \"x\";"),
            ("db.rs", "use crate::keys::Key;\npub struct Store;"),
            ("items.rs", "use crate::{keys::{self, Key}, keys as k};"),
            ("repo/mod.rs", "mod inner;\nuse crate::items;"),
            ("repo/inner.rs", "fn f(_: &crate::Store) {}"),
        ]);
        assert_eq!(violations(&good, LAYERS).unwrap(), Vec::<String>::new());

        let bad = crate_dir("bad", &[
            ("lib.rs", lib),
            ("keys.rs", "fn f(_: crate::Renamed) {}"),
            ("db.rs", "use crate::{keys::Key, items::put};"),
            ("items.rs", ""),
            ("repo.rs", ""),
            ("extra.rs", ""),
        ]);
        let found = violations(&bad, LAYERS).unwrap();
        assert_eq!(
            found,
            vec![
                "module `extra` is in no layer".to_owned(),
                "`db` (layer middle) references `items` (layer middle): a module may use only lower layers".to_owned(),
                "`keys` (layer low) references `repo` (layer high): a module may use only lower layers".to_owned(),
            ]
        );
        std::fs::remove_dir_all(good).unwrap();
        std::fs::remove_dir_all(bad).unwrap();
    }
}
