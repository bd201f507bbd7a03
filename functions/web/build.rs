//! Embeds the page: every file under `web/src` (except TypeScript declarations) becomes a static
//! `(path, bytes, content type, ETag)` entry of `assets.rs` in OUT_DIR. No Node.js is needed to
//! build: the page is plain ES modules and CSS, served as written.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("../../web/src");
    let root = root.canonicalize().expect("web/src exists");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = String::from("pub static ASSETS: &[Asset] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file.strip_prefix(&root).unwrap().to_str().expect("UTF-8 file names").replace('\\', "/");
        let bytes = std::fs::read(file).unwrap();
        let content_type = match file.extension().and_then(|e| e.to_str()).unwrap_or("") {
            "html" => "text/html; charset=utf-8",
            "js" => "text/javascript; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "svg" => "image/svg+xml",
            "png" => "image/png",
            "json" => "application/json",
            "txt" => "text/plain; charset=utf-8",
            other => panic!("web/src/{rel}: no content type for .{other}"),
        };
        writeln!(
            out,
            "    Asset {{ path: {rel:?}, bytes: include_bytes!({path:?}), content_type: {content_type:?}, etag: \"\\\"{etag:016x}\\\"\" }},",
            path = file.display().to_string(),
            etag = fnv1a(&bytes),
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("assets.rs");
    std::fs::write(dest, out).unwrap();
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name.ends_with(".d.ts") {
            continue;
        }
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            walk(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// 64-bit FNV-1a: a stable content hash for the ETag (the same in every build of the same bytes).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}
