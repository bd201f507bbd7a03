//! A cheap source scan of a crate's module references (`crate::module`, `crate::{a, b}`, a
//! top-level module's `super::module`, and the crate root's `pub use module::Name` re-exports),
//! and the layering rule over them: a module may use modules of its own layer or of lower
//! layers, never of a higher one, and no modules refer to each other in a loop.
//!
//! Comments, string and character literals and `#[cfg(test)]` items are left out: a test may
//! build whatever it needs. Shared by the layering tests of the crates that keep layers (hub-api,
//! hub-store); a development dependency, nothing ships it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// A layer: its name and its modules. Lists of layers go lowest first.
pub type Layer<'a> = (&'a str, &'a [&'a str]);

/// Every module of the crate at `src` (the first path component below it; `lib.rs` and
/// `main.rs` are the root) with the modules it refers to. `src` may also be a module's
/// directory (`mod.rs` its root): its files are then the modules, and `super::` their parent.
pub fn module_references(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    collect(src, src, &mut files);
    let root = ["lib.rs", "main.rs", "mod.rs"]
        .iter()
        .map(|f| src.join(f))
        .find(|p| p.exists())
        .expect("a lib.rs, main.rs or mod.rs");
    let reexports = reexports(&clean(&std::fs::read_to_string(&root).expect("the crate root")));
    let mut refs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, depth, path) in files {
        let text = clean(&std::fs::read_to_string(&path).expect("a source file"));
        let mut named = referenced(&text, "crate::");
        if depth == 1 {
            // In `src/a.rs` (or `src/a/mod.rs`), `super::` is the crate root.
            named.extend(referenced(&text, "super::"));
        }
        let entry = refs.entry(module.clone()).or_default();
        for name in named {
            let target = reexports.get(&name).cloned().unwrap_or(name);
            if target != module {
                entry.insert(target);
            }
        }
    }
    let modules: BTreeSet<String> = refs.keys().cloned().collect();
    for targets in refs.values_mut() {
        targets.retain(|t| modules.contains(t));
    }
    refs
}

/// The violations of `layers` (lowest first: each a name and its modules) by the crate at
/// `src`: a module in no layer or in two, a module no longer in the crate, a reference to a
/// higher layer, a loop of references. Empty when the crate keeps its layers.
pub fn violations(src: &Path, layers: &[Layer<'_>]) -> Vec<String> {
    let refs = module_references(src);
    let mut problems = Vec::new();
    let mut layer_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, (name, modules)) in layers.iter().enumerate() {
        for m in *modules {
            if layer_of.insert(m, i).is_some() {
                problems.push(format!("module `{m}` is listed in two layers (again in `{name}`)"));
            }
            if !refs.contains_key(*m) {
                problems.push(format!("layer `{name}` lists `{m}`, which is not a module of the crate"));
            }
        }
    }
    for (module, targets) in &refs {
        let Some(&own) = layer_of.get(module.as_str()) else {
            problems.push(format!("module `{module}` is in no layer: give it one"));
            continue;
        };
        for target in targets {
            if let Some(&theirs) = layer_of.get(target.as_str())
                && theirs > own
            {
                problems.push(format!(
                    "`{module}` (layer `{}`) uses `{target}` of the higher layer `{}`",
                    layers[own].0, layers[theirs].0
                ));
            }
        }
    }
    for cycle in cycles(&refs) {
        problems.push(format!("modules refer to each other in a loop: {}", cycle.join(" → ")));
    }
    problems
}

/// Every group of modules that refer to each other in a loop (strongly connected components of
/// more than one module).
pub fn cycles(refs: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Kosaraju: finishing order on the graph, then components on the reversed graph.
    fn visit<'a>(
        v: &'a str,
        refs: &'a BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<&'a str>,
        order: &mut Vec<&'a str>,
    ) {
        if !seen.insert(v) {
            return;
        }
        for w in refs.get(v).into_iter().flatten() {
            visit(w, refs, seen, order);
        }
        order.push(v);
    }
    let mut seen = BTreeSet::new();
    let mut order = Vec::new();
    for v in refs.keys() {
        visit(v, refs, &mut seen, &mut order);
    }
    let mut reversed: BTreeMap<String, BTreeSet<String>> = refs.keys().map(|k| (k.clone(), BTreeSet::new())).collect();
    for (v, targets) in refs {
        for w in targets {
            reversed.entry(w.clone()).or_default().insert(v.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut groups = Vec::new();
    for v in order.into_iter().rev() {
        let mut component = Vec::new();
        visit(v, &reversed, &mut assigned, &mut component);
        if component.len() > 1 {
            component.sort();
            groups.push(component.into_iter().map(str::to_owned).collect());
        }
    }
    groups
}

fn collect(src: &Path, dir: &Path, out: &mut Vec<(String, usize, std::path::PathBuf)>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("a source directory").map(|e| e.expect("an entry").path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(src, &path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).expect("below src");
        let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
        if parts.len() == 1 && ["lib.rs", "main.rs", "mod.rs"].contains(&parts[0].as_str()) {
            continue;
        }
        let module = parts[0].trim_end_matches(".rs").to_owned();
        // `src/a.rs` and `src/a/mod.rs` are the module itself; deeper files are its children.
        let depth = if parts.len() == 1 || (parts.len() == 2 && parts[1] == "mod.rs") { 1 } else { parts.len() };
        out.push((module, depth, path));
    }
}

/// `pub use module::Name;` and `pub use module::{A, B};` at the crate root: name → module.
fn reexports(root: &str) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for statement in root.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let rest = rest.trim().trim_start_matches("crate::").trim_start_matches("self::");
        let Some((module, names)) = rest.split_once("::") else {
            continue;
        };
        for name in names.trim().trim_start_matches('{').trim_end_matches('}').split(',') {
            let name = name.split(" as ").last().unwrap_or("").trim();
            if !name.is_empty() {
                map.insert(name.to_owned(), module.trim().to_owned());
            }
        }
    }
    map
}

/// The first names after each `prefix` (`crate::a::x` → `a`; `crate::{a::x, b}` → `a`, `b`).
fn referenced(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // The group's top-level items, each named by its first identifier.
            let mut depth = 0;
            let mut items = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(String::new()),
                    c => items.last_mut().expect("an item").push(c),
                }
            }
            for item in items {
                let name: String = item.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.insert(name);
                }
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                names.insert(name);
            }
        }
    }
    names
}

/// The source without comments, literals and `#[cfg(test)]` items.
pub fn clean(source: &str) -> String {
    strip_test_items(&strip_comments_and_literals(source))
}

fn strip_comments_and_literals(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if (c == 'r' || (c == 'b' && next == Some('r'))) && !out.chars().next_back().is_some_and(ident) && {
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = chars[start..].iter().take_while(|&&h| h == '#').count();
            chars.get(start + hashes) == Some(&'"')
        } {
            // A raw string: r"..", r#".."#, br"..".
            let start = if c == 'b' { i + 2 } else { i + 1 };
            let hashes = chars[start..].iter().take_while(|&&h| h == '#').count();
            i = start + hashes + 1;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|&&h| h == '#').count() == hashes {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{7f}'), or a lifetime ('a), kept as it is.
            if next == Some('\\') {
                i += 2;
                while i < chars.len() && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
                out.push_str("' '");
            } else if chars.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn strip_test_items(source: &str) -> String {
    let mut text = source.to_owned();
    while let Some(at) = text.find("#[cfg(test)]") {
        let after = at + "#[cfg(test)]".len();
        let brace = text[after..].find('{').map(|b| after + b);
        let semicolon = text[after..].find(';').map(|s| after + s);
        let end = match (brace, semicolon) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0;
                let mut end = text.len();
                for (offset, c) in text[b..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + offset + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => text.len(),
        };
        text.replace_range(at..end, "");
    }
    text
}

#[cfg(test)]
mod tests {
    /// The scan itself, on a small crate written for the purpose: it sees references through
    /// `use`, paths, groups, `super::` and root re-exports, and ignores comments, literals and tests.
    #[test]
    fn the_scan_finds_upward_references_and_loops() {
        let dir = std::env::temp_dir().join(format!("hub-layers-scan-{}", std::process::id()));
        let src = dir.join("src");
        std::fs::create_dir_all(src.join("c")).unwrap();
        let write = |name: &str, text: &str| std::fs::write(src.join(name), text).unwrap();
        write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\npub use c::{Thing, Other as O};\n");
        write(
            "a.rs",
            "// crate::b in a comment\nconst S: &str = \"crate::b\";\nconst R: &str = r#\"crate::b\"#;\nconst Q: char = '\"';\n#[cfg(test)]\nmod tests { use crate::b; }\npub fn f() {}\n",
        );
        write("b.rs", "use crate::{a::f, c::{self}};\nuse super::Thing;\n");
        write("c/mod.rs", "mod inner;\n");
        write("c/inner.rs", "fn g<'a>(x: &'a str) -> &'a str { crate::b::h(); x }\n");
        let refs = super::module_references(&src);
        let names = |m: &str| refs[m].iter().cloned().collect::<Vec<_>>();
        assert_eq!(names("a"), Vec::<String>::new());
        assert_eq!(names("b"), vec!["a", "c"]);
        assert_eq!(names("c"), vec!["b"]);

        assert_eq!(
            super::violations(&src, &[("low", &["a"]), ("high", &["b", "c"])]),
            vec!["modules refer to each other in a loop: b → c"]
        );
        let upward = super::violations(&src, &[("low", &["a", "c"]), ("high", &["b"])]);
        assert!(upward.contains(&"`c` (layer `low`) uses `b` of the higher layer `high`".to_owned()), "{upward:?}");
        let unplaced = super::violations(&src, &[("all", &["a", "b"])]);
        assert!(unplaced.iter().any(|p| p.contains("`c` is in no layer")), "{unplaced:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
