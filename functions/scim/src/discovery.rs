//! Discovery (RFC 7644 §4): what this server supports, and nothing it does not. The schemas list
//! exactly the attributes that are stored and returned; `canonicalValues` name the values an
//! attribute accepts where the hub restricts them (time zones: any IANA name; the five
//! cultures).

use axum::extract::Path;
use serde_json::{Value, json};

use crate::error::{ScimError, ScimResult};
use crate::{Base, scim_json};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const SPC_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// The most resources one list answer holds (`count` above it is lowered to it).
pub const MAX_COUNT: usize = 100;

/// Example time zones offered as canonical values (any IANA name is accepted).
pub const TIME_ZONES: [&str; 6] =
    ["Europe/Amsterdam", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "UTC"];

fn attr(name: &str, kind: &str, description: &str) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "description": description, "required": false,
        "caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": "none"
    })
}

fn with(mut v: Value, changes: Value) -> Value {
    if let (Some(obj), Some(changes)) = (v.as_object_mut(), changes.as_object()) {
        for (k, c) in changes {
            obj.insert(k.clone(), c.clone());
        }
    }
    v
}

fn user_schema() -> Value {
    let cultures: Vec<&str> = hub_api::values::CultureName::ALL.iter().map(|c| c.as_str()).collect();
    json!({
        "id": USER_SCHEMA,
        "name": "User",
        "description": "An operator of the account",
        "attributes": [
            with(attr("userName", "string", "The operator's email: its login, unique in the account"), json!({"required": true, "uniqueness": "server"})),
            with(attr("name", "complex", "The operator's name as the provider sends it"), json!({"subAttributes": [
                attr("formatted", "string", "The full name"),
                attr("familyName", "string", "The family name"),
                attr("givenName", "string", "The given name"),
            ]})),
            with(attr("displayName", "string", "The operator's full name (fullName), 1-100 characters; from name or userName when a create leaves it out"), json!({"required": true})),
            with(attr("emails", "complex", "Email addresses as the provider sends them"), json!({"multiValued": true, "subAttributes": [
                attr("value", "string", "An email address"),
                with(attr("type", "string", "work, home or other"), json!({"canonicalValues": ["work", "home", "other"]})),
                attr("primary", "boolean", "The primary address"),
            ]})),
            with(attr("phoneNumbers", "complex", "Phone numbers; an E.164 one of type mobile is the operator's mobilePhone"), json!({"multiValued": true, "subAttributes": [
                attr("value", "string", "A phone number"),
                with(attr("type", "string", "mobile, work, home or other"), json!({"canonicalValues": ["mobile", "work", "home", "other"]})),
            ]})),
            with(attr("timezone", "string", "An IANA time zone name (timeZone)"), json!({"canonicalValues": TIME_ZONES})),
            with(attr("locale", "string", "The operator's culture (cultureName)"), json!({"canonicalValues": cultures})),
            with(attr("active", "boolean", "false: the operator is disabled (never deleted); true when a create leaves it out"), json!({"required": true})),
            with(attr("groups", "complex", "The groups the operator belongs to"), json!({"multiValued": true, "mutability": "readOnly", "subAttributes": [
                with(attr("value", "string", "The group's id"), json!({"mutability": "readOnly"})),
                with(attr("display", "string", "The group's name"), json!({"mutability": "readOnly"})),
                with(attr("$ref", "reference", "The group's URI"), json!({"mutability": "readOnly", "referenceTypes": ["Group"]})),
                with(attr("type", "string", "direct: memberships are never nested"), json!({"mutability": "readOnly", "canonicalValues": ["direct"]})),
            ]})),
        ],
    })
}

fn group_schema() -> Value {
    json!({
        "id": GROUP_SCHEMA,
        "name": "Group",
        "description": "An operator group",
        "attributes": [
            with(attr("displayName", "string", "The group's description, unique in the account"), json!({"required": true, "uniqueness": "server"})),
            with(attr("members", "complex", "The operators in the group"), json!({"multiValued": true, "subAttributes": [
                with(attr("value", "string", "The operator's id"), json!({"mutability": "immutable"})),
                with(attr("$ref", "reference", "The operator's URI"), json!({"mutability": "immutable", "referenceTypes": ["User"]})),
                with(attr("type", "string", "Always User"), json!({"mutability": "immutable", "canonicalValues": ["User"]})),
            ]})),
        ],
    })
}

fn schema_resource(base: &Base, schema: Value) -> Value {
    let id = schema["id"].as_str().unwrap_or_default().to_owned();
    with(
        schema,
        json!({"schemas": [SCHEMA_SCHEMA], "meta": {"resourceType": "Schema", "location": base.url(&format!("/Schemas/{id}"))}}),
    )
}

fn resource_type(base: &Base, name: &str, endpoint: &str, schema: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA], "id": name, "name": name, "endpoint": endpoint, "schema": schema,
        "description": format!("{name}s of the account"),
        "meta": {"resourceType": "ResourceType", "location": base.url(&format!("/ResourceTypes/{name}"))}
    })
}

fn list(resources: Vec<Value>) -> Value {
    json!({"schemas": [LIST_SCHEMA], "totalResults": resources.len(), "startIndex": 1, "itemsPerPage": resources.len(), "Resources": resources})
}

pub async fn service_provider_config(base: Base) -> axum::response::Response {
    scim_json(json!({
        "schemas": [SPC_SCHEMA],
        "documentationUri": "https://github.com/user-management-hub#connecting-an-identity-provider-scim",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_COUNT},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken", "name": "SCIM token", "primary": true,
            "description": "Authorization: Bearer <token>, a token an administrator created with POST /scim-tokens"
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": base.url("/ServiceProviderConfig")}
    }))
}

pub async fn resource_types(base: Base) -> axum::response::Response {
    scim_json(list(vec![
        resource_type(&base, "User", "/Users", USER_SCHEMA),
        resource_type(&base, "Group", "/Groups", GROUP_SCHEMA),
    ]))
}

pub async fn resource_type_by_id(base: Base, Path(id): Path<String>) -> ScimResult<axum::response::Response> {
    match id.as_str() {
        "User" => Ok(scim_json(resource_type(&base, "User", "/Users", USER_SCHEMA))),
        "Group" => Ok(scim_json(resource_type(&base, "Group", "/Groups", GROUP_SCHEMA))),
        _ => Err(ScimError::not_found()),
    }
}

pub async fn schemas(base: Base) -> axum::response::Response {
    scim_json(list(vec![schema_resource(&base, user_schema()), schema_resource(&base, group_schema())]))
}

pub async fn schema_by_id(base: Base, Path(id): Path<String>) -> ScimResult<axum::response::Response> {
    match id.as_str() {
        USER_SCHEMA => Ok(scim_json(schema_resource(&base, user_schema()))),
        GROUP_SCHEMA => Ok(scim_json(schema_resource(&base, group_schema()))),
        _ => Err(ScimError::not_found()),
    }
}
