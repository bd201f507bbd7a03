//! `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9): which attributes a response
//! carries. `id` and `schemas` are always returned; names are case-insensitive and may carry the
//! schema URN; `name.formatted` selects a sub-attribute.

use serde_json::{Map, Value};

use crate::filter::normalize;

/// What to return, from the two query parameters.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    attributes: Vec<String>,
    excluded: Vec<String>,
}

fn list(param: Option<&str>) -> Vec<String> {
    param.map(|p| p.split(',').map(normalize).filter(|a| !a.is_empty()).collect()).unwrap_or_default()
}

impl Projection {
    pub fn new(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        Projection { attributes: list(attributes), excluded: list(excluded) }
    }

    /// Whether the top-level attribute `name` (lowercase) is returned at all: lets a reader skip
    /// work (a group's members) that would be thrown away.
    pub fn wants(&self, name: &str) -> bool {
        if self.excluded.iter().any(|e| e == name) {
            return false;
        }
        self.attributes.is_empty() || self.attributes.iter().any(|a| a == name || a.split('.').next() == Some(name))
    }

    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(map) = resource else { return resource };
        let mut out = Map::new();
        for (key, value) in map {
            let lower = key.to_ascii_lowercase();
            if lower == "id" || lower == "schemas" {
                out.insert(key, value);
                continue;
            }
            if self.excluded.contains(&lower) {
                continue;
            }
            if self.attributes.is_empty() {
                out.insert(key, value);
                continue;
            }
            if self.attributes.contains(&lower) {
                out.insert(key, value);
                continue;
            }
            // Sub-attributes asked for: keep only those.
            let subs: Vec<&str> = self.attributes.iter().filter_map(|a| a.strip_prefix(&format!("{lower}."))).collect();
            if subs.is_empty() {
                continue;
            }
            let keep = |v: &Value| -> Value {
                match v {
                    Value::Object(o) => Value::Object(
                        o.iter()
                            .filter(|(k, _)| subs.contains(&k.to_ascii_lowercase().as_str()))
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                }
            };
            let projected = match &value {
                Value::Array(items) => Value::Array(items.iter().map(keep).collect()),
                other => keep(other),
            };
            out.insert(key, projected);
        }
        Value::Object(out)
    }
}
