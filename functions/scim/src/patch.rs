//! `PATCH` (RFC 7644 §3.5.2) applied to a resource's JSON: `add`, `replace` and `remove`
//! (case-insensitive, as Entra ID writes them), with or without a `path`; paths `attr`,
//! `attr.sub`, `attr[filter]` and `attr[filter].sub`, optionally with the schema URN. The result
//! is then read back like a `PUT` body, so a PATCH can never do what a PUT could not.

use serde_json::{Map, Value};

use crate::error::{ScimError, ScimResult, ScimType};
use crate::filter::{self, Eq};

/// The canonical spelling of every attribute and sub-attribute name this server knows, so that a
/// path written in any case lands on the attribute the resource holds.
const NAMES: [&str; 20] = [
    "userName",
    "displayName",
    "name",
    "emails",
    "phoneNumbers",
    "timezone",
    "locale",
    "active",
    "externalId",
    "members",
    "groups",
    "formatted",
    "givenName",
    "familyName",
    "value",
    "type",
    "primary",
    "display",
    "$ref",
    "id",
];

fn canonical(name: &str) -> String {
    let lower = filter::normalize(name);
    NAMES.iter().find(|n| n.eq_ignore_ascii_case(&lower)).map(|n| (*n).to_owned()).unwrap_or(lower)
}

/// Attributes a client can never write.
fn read_only(attribute: &str) -> bool {
    matches!(attribute, "id" | "meta" | "groups" | "schemas")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// A parsed path.
struct Target {
    attribute: String,
    filter: Option<Vec<Eq>>,
    sub: Option<String>,
}

fn parse_path(path: &str) -> ScimResult<Target> {
    let path = path.trim();
    let lower = path.to_ascii_lowercase();
    let stripped = ["urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:"]
        .iter()
        .find_map(|urn| lower.strip_prefix(urn).map(|_| &path[urn.len()..]))
        .unwrap_or(path);
    if stripped.is_empty() {
        return Err(ScimError::bad_request(ScimType::InvalidPath, "empty path"));
    }
    if let Some(open) = stripped.find('[') {
        let close = stripped.rfind(']').ok_or_else(|| ScimError::bad_request(ScimType::InvalidPath, "unclosed ["))?;
        let filter = filter::parse(&stripped[open + 1..close])
            .map_err(|e| ScimError::bad_request(ScimType::InvalidPath, e.detail))?;
        let after = &stripped[close + 1..];
        let sub = match after.strip_prefix('.') {
            Some(s) if !s.is_empty() => Some(canonical(s)),
            None if after.is_empty() => None,
            _ => return Err(ScimError::bad_request(ScimType::InvalidPath, format!("cannot read the path {path}"))),
        };
        return Ok(Target { attribute: canonical(&stripped[..open]), filter: Some(filter), sub });
    }
    match stripped.split_once('.') {
        Some((a, s)) => Ok(Target { attribute: canonical(a), filter: None, sub: Some(canonical(s)) }),
        None => Ok(Target { attribute: canonical(stripped), filter: None, sub: None }),
    }
}

/// Whether a multi-valued element matches every clause of a value filter (strings compared
/// case-insensitively, as every attribute here is `caseExact: false` but ids).
fn matches(element: &Value, clauses: &[Eq]) -> bool {
    clauses.iter().all(|c| {
        let key = canonical(&c.attribute);
        let found =
            element.as_object().and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key)).map(|(_, v)| v));
        match (found, &c.value) {
            (Some(Value::String(a)), Value::String(b)) => a.eq_ignore_ascii_case(b),
            (Some(a), b) => a == b,
            (None, _) => false,
        }
    })
}

/// Canonicalises the keys of a value object (and of the objects inside it).
fn canonical_value(value: Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (canonical(&k), canonical_value(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(canonical_value).collect()),
        other => other,
    }
}

/// Applies the operations of a PatchOp body to `resource`.
pub fn apply(resource: &mut Map<String, Value>, body: &Map<String, Value>) -> ScimResult<()> {
    let schemas = body.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|v| v == crate::discovery::PATCH_SCHEMA)) {
        return Err(ScimError::bad_request(
            ScimType::InvalidSyntax,
            format!("schemas must hold {}", crate::discovery::PATCH_SCHEMA),
        ));
    }
    let operations = body
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("Operations"))
        .and_then(|(_, v)| v.as_array())
        .ok_or_else(|| ScimError::bad_request(ScimType::InvalidSyntax, "Operations must be an array"))?;
    for operation in operations {
        let operation = operation
            .as_object()
            .ok_or_else(|| ScimError::bad_request(ScimType::InvalidSyntax, "an operation must be an object"))?;
        let get = |name: &str| operation.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v);
        let op = match get("op").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
            Some("add") => Op::Add,
            Some("replace") => Op::Replace,
            Some("remove") => Op::Remove,
            Some(other) => {
                return Err(ScimError::bad_request(
                    ScimType::InvalidSyntax,
                    format!("op must be add, replace or remove, not \"{other}\""),
                ));
            }
            None => {
                return Err(ScimError::bad_request(ScimType::InvalidSyntax, "op is required: add, replace or remove"));
            }
        };
        let value = get("value").cloned().map(canonical_value);
        match get("path").and_then(Value::as_str) {
            None | Some("") => {
                let Some(Value::Object(values)) = value else {
                    return Err(ScimError::bad_request(
                        ScimType::InvalidValue,
                        "an operation without path needs an object value",
                    ));
                };
                if op == Op::Remove {
                    return Err(ScimError::bad_request(ScimType::NoTarget, "remove needs a path"));
                }
                for (attribute, v) in values {
                    let attribute = canonical(&attribute);
                    // An extension's attributes or a schema URN used as a key (none are stored),
                    // and the read-only ones Okta repeats in a whole-resource replace (`id`).
                    if attribute.starts_with("urn:") || read_only(&attribute) {
                        continue;
                    }
                    apply_one(resource, op, &Target { attribute, filter: None, sub: None }, Some(v))?;
                }
            }
            Some(path) => {
                let target = parse_path(path)?;
                if op != Op::Remove && value.is_none() {
                    return Err(ScimError::bad_request(ScimType::InvalidValue, format!("{path}: a value is required")));
                }
                apply_one(resource, op, &target, value)?;
            }
        }
    }
    Ok(())
}

fn apply_one(resource: &mut Map<String, Value>, op: Op, target: &Target, value: Option<Value>) -> ScimResult<()> {
    if read_only(&target.attribute) {
        return Err(ScimError::bad_request(ScimType::Mutability, format!("{} is read-only", target.attribute)));
    }
    let attribute = target.attribute.clone();
    match (&target.filter, &target.sub) {
        (None, None) => match op {
            Op::Remove => {
                match (value, resource.get_mut(&attribute)) {
                    // Remove these elements of a multi-valued attribute (Entra ID's member removal).
                    (Some(Value::Array(gone)), Some(Value::Array(items))) => {
                        items.retain(|item| !gone.iter().any(|g| same_element(item, g)));
                    }
                    _ => {
                        resource.remove(&attribute);
                    }
                }
            }
            Op::Replace => {
                let merged = match (resource.get(&attribute), value) {
                    (Some(Value::Object(current)), Some(Value::Object(new))) if attribute == "name" => {
                        let mut m = current.clone();
                        m.extend(new);
                        Value::Object(m)
                    }
                    (_, Some(v)) => v,
                    (_, None) => Value::Null,
                };
                resource.insert(attribute, merged);
            }
            Op::Add => {
                let value = value.unwrap_or(Value::Null);
                match (resource.get_mut(&attribute), value) {
                    (Some(Value::Array(items)), Value::Array(new)) => {
                        for v in new {
                            if !items.iter().any(|i| same_element(i, &v)) {
                                items.push(v);
                            }
                        }
                    }
                    (Some(Value::Array(items)), v @ Value::Object(_)) => {
                        if !items.iter().any(|i| same_element(i, &v)) {
                            items.push(v);
                        }
                    }
                    (Some(Value::Object(current)), Value::Object(new)) => current.extend(new),
                    (_, v) => {
                        let v = if is_multi_valued(&attribute) && v.is_object() { Value::Array(vec![v]) } else { v };
                        resource.insert(attribute, v);
                    }
                }
            }
        },
        (None, Some(sub)) => {
            let entry = resource.entry(attribute.clone()).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(obj) = entry else {
                return Err(ScimError::bad_request(
                    ScimType::InvalidPath,
                    format!("{attribute} has no sub-attributes"),
                ));
            };
            match op {
                Op::Remove => {
                    obj.remove(sub);
                }
                _ => {
                    obj.insert(sub.clone(), value.unwrap_or(Value::Null));
                }
            }
        }
        (Some(clauses), sub) => {
            let entry = resource.entry(attribute.clone()).or_insert_with(|| Value::Array(Vec::new()));
            let Value::Array(items) = entry else {
                return Err(ScimError::bad_request(ScimType::InvalidPath, format!("{attribute} is not multi-valued")));
            };
            let any = items.iter().any(|i| matches(i, clauses));
            match (op, sub) {
                (Op::Remove, None) => items.retain(|i| !matches(i, clauses)),
                (Op::Remove, Some(sub)) => {
                    for item in items.iter_mut().filter(|i| matches(i, clauses)) {
                        if let Value::Object(o) = item {
                            o.remove(sub);
                        }
                    }
                }
                (_, None) => {
                    let Some(Value::Object(new)) = value else {
                        return Err(ScimError::bad_request(ScimType::InvalidValue, "the value must be an object"));
                    };
                    if !any && op == Op::Replace {
                        return Err(ScimError::bad_request(
                            ScimType::NoTarget,
                            format!("nothing in {attribute} matches the filter"),
                        ));
                    }
                    for item in items.iter_mut().filter(|i| matches(i, clauses)) {
                        if let Value::Object(o) = item {
                            o.extend(new.clone());
                        }
                    }
                }
                (_, Some(sub)) => {
                    let value = value.unwrap_or(Value::Null);
                    if any {
                        for item in items.iter_mut().filter(|i| matches(i, clauses)) {
                            if let Value::Object(o) = item {
                                o.insert(sub.clone(), value.clone());
                            }
                        }
                    } else {
                        // `emails[type eq "work"].value` on an operator without a work email: the
                        // element the filter describes is created (what Entra ID expects).
                        let mut element = Map::new();
                        for c in clauses {
                            element.insert(canonical(&c.attribute), c.value.clone());
                        }
                        element.insert(sub.clone(), value);
                        items.push(Value::Object(element));
                    }
                }
            }
        }
    }
    Ok(())
}

fn is_multi_valued(attribute: &str) -> bool {
    matches!(attribute, "emails" | "phoneNumbers" | "members")
}

/// Two elements of a multi-valued attribute are the same when their `value`s are (members by
/// id, emails by address), or when they are equal.
fn same_element(a: &Value, b: &Value) -> bool {
    match (a.get("value"), b.get("value")) {
        (Some(Value::String(x)), Some(Value::String(y))) => x.eq_ignore_ascii_case(y),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(resource: Value, ops: Value) -> ScimResult<Value> {
        let mut map = resource.as_object().unwrap().clone();
        let body = json!({"schemas": [crate::discovery::PATCH_SCHEMA], "Operations": ops});
        apply(&mut map, body.as_object().unwrap())?;
        Ok(Value::Object(map))
    }

    #[test]
    fn the_shapes_okta_and_entra_send() {
        let user = json!({"userName": "a@x.com", "active": true, "emails": [{"value": "a@x.com", "type": "work", "primary": true}]});
        // Okta: replace without a path.
        let r = patch(user.clone(), json!([{"op": "replace", "value": {"active": false}}])).unwrap();
        assert_eq!(r["active"], false);
        // Entra ID: capitalised op, path, a string for the boolean (read back later as false).
        let r = patch(user.clone(), json!([{"op": "Replace", "path": "active", "value": "False"}])).unwrap();
        assert_eq!(r["active"], "False");
        // Entra ID: a filtered path that creates the element it names.
        let r = patch(
            user.clone(),
            json!([{"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+31201234567"}]),
        )
        .unwrap();
        assert_eq!(r["phoneNumbers"], json!([{"type": "mobile", "value": "+31201234567"}]));
        let r = patch(
            user.clone(),
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "b@x.com"}]),
        )
        .unwrap();
        assert_eq!(r["emails"][0]["value"], "b@x.com");
        let r = patch(user.clone(), json!([{"op": "replace", "path": "name.givenName", "value": "Ada"}])).unwrap();
        assert_eq!(r["name"], json!({"givenName": "Ada"}));
        // Members by value filter, and Entra ID's removal with a value list.
        let group = json!({"displayName": "G", "members": [{"value": "1"}, {"value": "2"}, {"value": "3"}]});
        let r = patch(group.clone(), json!([{"op": "remove", "path": "members[value eq \"2\"]"}])).unwrap();
        assert_eq!(r["members"], json!([{"value": "1"}, {"value": "3"}]));
        let r = patch(
            group.clone(),
            json!([{"op": "Remove", "path": "members", "value": [{"value": "1"}, {"value": "3"}]}]),
        )
        .unwrap();
        assert_eq!(r["members"], json!([{"value": "2"}]));
        let r =
            patch(group.clone(), json!([{"op": "add", "path": "members", "value": [{"value": "3"}, {"value": "4"}]}]))
                .unwrap();
        assert_eq!(r["members"].as_array().unwrap().len(), 4);
        // Refusals.
        assert_eq!(
            patch(user.clone(), json!([{"op": "add", "path": "groups", "value": []}])).unwrap_err().scim_type,
            Some(ScimType::Mutability)
        );
        let unknown_op = patch(user.clone(), json!([{"op": "move", "path": "active"}])).unwrap_err();
        assert_eq!(unknown_op.scim_type, Some(ScimType::InvalidSyntax));
        assert_eq!(unknown_op.detail, "op must be add, replace or remove, not \"move\"");
        let no_op = patch(user.clone(), json!([{"path": "active", "value": false}])).unwrap_err();
        assert_eq!(no_op.detail, "op is required: add, replace or remove");
        assert_eq!(
            patch(user, json!([{"op": "replace", "path": "emails[type eq \"home\"]", "value": {"value": "c@x.com"}}]))
                .unwrap_err()
                .scim_type,
            Some(ScimType::NoTarget)
        );
    }
}
