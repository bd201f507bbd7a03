//! The filters this server supports (RFC 7644 §3.4.2.2): `attribute eq value`, any number of
//! them joined by `and` (operators and attribute names case-insensitive, values JSON literals);
//! `emails[value eq "x"]` is read as `emails.value eq "x"`. Anything else is `invalidFilter`,
//! and `ServiceProviderConfig` says filtering is supported with these limits.

use serde_json::Value;

use crate::error::{ScimError, ScimResult, ScimType};

/// One `attribute eq value` clause; the attribute lowercased, without the core schema's URN.
#[derive(Debug, Clone, PartialEq)]
pub struct Eq {
    pub attribute: String,
    pub value: Value,
}

/// Parses a filter into its `eq` clauses (all of which must hold).
pub fn parse(filter: &str) -> ScimResult<Vec<Eq>> {
    let mut clauses = Vec::new();
    let mut rest = filter.trim();
    loop {
        let (clause, after) = parse_clause(rest)?;
        clauses.push(clause);
        rest = after.trim_start();
        if rest.is_empty() {
            return Ok(clauses);
        }
        let (word, after) = split_word(rest);
        if !word.eq_ignore_ascii_case("and") {
            return Err(ScimError::bad_request(
                ScimType::InvalidFilter,
                format!("only `eq` comparisons joined by `and` are supported, not `{word}`"),
            ));
        }
        rest = after.trim_start();
    }
}

fn split_word(s: &str) -> (&str, &str) {
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn parse_clause(s: &str) -> ScimResult<(Eq, &str)> {
    let (path, rest) = split_word(s);
    if path.is_empty() {
        return Err(ScimError::bad_request(ScimType::InvalidFilter, "empty filter"));
    }
    // `emails[value eq "x"]`: a value filter on a multi-valued attribute.
    if let Some(open) = path.find('[') {
        let outer = &s[..open];
        let inside_start = open + 1;
        let close = s.rfind(']').ok_or_else(|| ScimError::bad_request(ScimType::InvalidFilter, "unclosed ["))?;
        let inner = parse(&s[inside_start..close])?;
        if inner.len() != 1 {
            return Err(ScimError::bad_request(ScimType::InvalidFilter, "one comparison inside [ ] is supported"));
        }
        let clause =
            Eq { attribute: format!("{}.{}", normalize(outer), inner[0].attribute), value: inner[0].value.clone() };
        return Ok((clause, &s[close + 1..]));
    }
    let (op, rest) = split_word(rest.trim_start());
    if !op.eq_ignore_ascii_case("eq") {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!("the operator `{op}` is not supported; use eq"),
        ));
    }
    let rest = rest.trim_start();
    let (value, after) = literal(rest)?;
    Ok((Eq { attribute: normalize(path), value }, after))
}

/// A JSON literal at the start of `s`: a string (with escapes), true, false, null or a number.
fn literal(s: &str) -> ScimResult<(Value, &str)> {
    if s.starts_with('"') {
        let bytes = s.as_bytes();
        let mut i = 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    let value: Value = serde_json::from_str(&s[..=i])
                        .map_err(|_| ScimError::bad_request(ScimType::InvalidFilter, "malformed string"))?;
                    return Ok((value, &s[i + 1..]));
                }
                _ => i += 1,
            }
        }
        return Err(ScimError::bad_request(ScimType::InvalidFilter, "unterminated string"));
    }
    let (word, _) = split_word(s);
    let word = word.trim_end_matches(']');
    let value: Value = serde_json::from_str(&word.to_ascii_lowercase())
        .map_err(|_| ScimError::bad_request(ScimType::InvalidFilter, format!("`{word}` is not a value")))?;
    Ok((value, &s[word.len()..]))
}

/// Lowercased, without the core schemas' URN prefix.
pub fn normalize(path: &str) -> String {
    let lower = path.trim().to_ascii_lowercase();
    for urn in ["urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:"] {
        if let Some(rest) = lower.strip_prefix(urn) {
            return rest.to_owned();
        }
    }
    lower
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn eq_clauses_joined_by_and() {
        assert_eq!(
            parse(r#"userName eq "ada@example.com""#).unwrap(),
            vec![Eq { attribute: "username".into(), value: json!("ada@example.com") }]
        );
        let both = parse(r#"externalId EQ "x \"1\"" and emails[type eq "work"] AND active eq true"#).unwrap();
        assert_eq!(both.len(), 3);
        assert_eq!(both[0].value, json!("x \"1\""));
        assert_eq!(both[1].attribute, "emails.type");
        assert_eq!(both[2], Eq { attribute: "active".into(), value: json!(true) });
        let urn = parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a""#).unwrap();
        assert_eq!(urn[0].attribute, "username");
        for bad in [
            "",
            "userName",
            r#"userName co "a""#,
            r#"userName eq "a" or displayName eq "b""#,
            r#"userName eq "a"#,
            "userName eq nope",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
