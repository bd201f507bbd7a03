//! Pieces of the OpenAPI 3.1 document shared by every function: the problem schema, the security
//! schemes, and the finishing touches every operation gets (credentials, the problem response).

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, RefOr, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};

/// An RFC 9457 problem, as every error is sent (`application/problem+json`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[schema(rename = "type")]
    kind: String,
    title: String,
    status: u16,
    detail: String,
    /// The machine-readable code named in the contract (`validation_failed`, `not_found`, ...;
    /// `too_many_requests` with 429).
    code: String,
    /// Present on `validation_failed`: one entry per invalid field.
    #[schema(nullable = false)]
    errors: Option<Vec<ProblemField>>,
}

#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ProblemField {
    field: String,
    message: String,
}

/// Security scheme names used in the document.
pub const BEARER: &str = "bearerAuth";
pub const BASIC: &str = "basicAuth";

fn operations(item: &mut utoipa::openapi::PathItem) -> Vec<&mut Operation> {
    [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten().collect()
}

/// Finishes a function's document: security schemes, credentials required on every operation,
/// and the problem response as every operation's `default`.
pub fn finish(mut doc: OpenApi) -> OpenApi {
    let components = doc.components.get_or_insert_with(Default::default);
    components.security_schemes.insert(
        BEARER.into(),
        SecurityScheme::Http(Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build()),
    );
    components.security_schemes.insert(BASIC.into(), SecurityScheme::Http(Http::new(HttpAuthScheme::Basic)));
    components.schemas.insert("Problem".into(), Problem::schema());
    components.schemas.insert("ProblemField".into(), ProblemField::schema());
    let problem = ResponseBuilder::new()
        .description("An error, as RFC 9457 problem details with the contract's `code`.")
        .content(
            "application/problem+json",
            ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem")))).build(),
        )
        .build();
    // Every route takes an API user's Basic credentials, so every route can answer this.
    let retry_after = utoipa::openapi::HeaderBuilder::new()
        .schema(
            utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Integer).minimum(Some(1)),
        )
        .description(Some("Seconds until the API user's next attempt is considered."))
        .build();
    let too_many = ResponseBuilder::new()
        .description(
            "`too_many_requests`: 20 failed Basic attempts of this API user within a minute; every request with its username is \
             refused until the minute is over, without being checked.",
        )
        .header("Retry-After", retry_after)
        .content("application/problem+json", ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem")))).build())
        .build();
    components.responses.insert("TooManyRequests".into(), RefOr::T(too_many));
    let too_many = RefOr::Ref(utoipa::openapi::Ref::new("#/components/responses/TooManyRequests"));
    for (name, schema) in
        [("Permission", crate::values::PermissionSchema::schema()), ("ResourceId", crate::values::ResourceId::schema())]
    {
        components.schemas.insert(name.into(), schema);
    }
    link_created_resources(&mut doc);
    for item in doc.paths.paths.values_mut() {
        for op in operations(item) {
            for parameter in op.parameters.iter_mut().flatten() {
                if let Some(schema) = uniform_parameter(parameter) {
                    parameter.schema = Some(schema);
                }
            }
            op.responses.responses.entry("default".into()).or_insert_with(|| RefOr::T(problem.clone()));
            op.responses.responses.entry("429".into()).or_insert_with(|| too_many.clone());
            op.security = Some(vec![
                SecurityRequirement::new::<&str, [&str; 0], &str>(BEARER, []),
                SecurityRequirement::new::<&str, [&str; 0], &str>(BASIC, []),
            ]);
        }
    }
    doc
}

/// Every `201` with a `Location` gets a link to the `GET` that reads what was created (the create's
/// path plus one id segment), so that a client, or the fuzzer's stateful phase, can follow it. The
/// id comes from the body: `scheduleId` for `{scheduleId}`, `<collection>Id` for `{id}`
/// (`/api-users` → `apiUserId`); the create's own path parameters are passed on.
fn link_created_resources(doc: &mut OpenApi) {
    let reads: Vec<(String, String)> = doc
        .paths
        .paths
        .iter()
        .filter_map(|(path, item)| Some((path.clone(), item.get.as_ref()?.operation_id.clone()?)))
        .collect();
    // Every operation on a resource path: (path, link name, method, operationId).
    let resource_operations: Vec<(String, &str, &str, String)> = doc
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            // Only the read: with links to the writes too, the stateful phase deleted what it
            // had created and then reported it missing.
            [("Get", "GET", &item.get)].into_iter().filter_map(move |(name, method, op)| {
                Some((path.clone(), name, method, op.as_ref()?.operation_id.clone()?))
            })
        })
        .collect();
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(create) = item.post.as_mut() else { continue };
        let Some(RefOr::T(created)) = create.responses.responses.get_mut("201") else { continue };
        if !created.headers.contains_key("Location") {
            continue;
        }
        let read = reads.iter().find(|(p, _)| {
            p.strip_prefix(path.as_str())
                .and_then(|rest| rest.strip_prefix("/{"))
                .is_some_and(|rest| rest.ends_with('}') && !rest.contains('/'))
        });
        let Some((read_path, _)) = read else {
            panic!("POST {path} answers 201 with a Location, but no GET reads {path}/{{id}}")
        };
        let param = read_path.rsplit_once("/{").map(|(_, p)| p.trim_end_matches('}')).unwrap_or_default();
        let field = if param == "id" { created_id_field(path) } else { param.to_owned() };
        for (name, method, operation_id) in
            resource_operations.iter().filter(|(p, ..)| p == read_path).map(|(_, n, m, id)| (n, m, id))
        {
            let mut link = utoipa::openapi::link::LinkBuilder::new()
                .operation_id(operation_id.clone())
                .description(format!("The created resource, as `Location` names it: `{method} {read_path}`"))
                .parameter(param, format!("$response.body#/{field}"));
            for own in path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')) {
                link = link.parameter(own, format!("$request.path.{own}"));
            }
            created.links.insert(format!("{name}Created"), RefOr::T(link.build()));
        }
    }
}

/// `/api-users` → `apiUserId`: the collection's last segment, singular, in camelCase, plus `Id`.
fn created_id_field(path: &str) -> String {
    let collection = path.rsplit('/').next().unwrap_or_default();
    let singular = collection.strip_suffix('s').unwrap_or(collection);
    let mut field = String::new();
    let mut upper = false;
    for c in singular.chars() {
        match c {
            '-' => upper = true,
            c if upper => {
                field.extend(c.to_uppercase());
                upper = false;
            }
            c => field.push(c),
        }
    }
    field + "Id"
}

/// The parameters that mean the same on every route, described once from the validators'
/// constants: path ids (`ResourceId`, `{permission}` a `Permission`), `Idempotency-Key`, `limit`.
/// `If-Match` stays any string: a value that is not the resource's current ETag is 412.
fn uniform_parameter(parameter: &utoipa::openapi::path::Parameter) -> Option<RefOr<utoipa::openapi::schema::Schema>> {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::Type;
    let reference = |name: &str| Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(name)));
    match (&parameter.parameter_in, parameter.name.as_str()) {
        (ParameterIn::Path, "permission") => reference("Permission"),
        (ParameterIn::Path, _) | (ParameterIn::Query, "operatorId") => reference("ResourceId"),
        (ParameterIn::Header, "Idempotency-Key") => Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(format!("^[!-~]{{1,{}}}$", crate::values::IDEMPOTENCY_KEY_MAX_CHARS)))
                .into(),
        ),
        (ParameterIn::Query, "limit") => Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
                .minimum(Some(1))
                .maximum(Some(crate::values::MAX_LIMIT))
                .into(),
        ),
        _ => None,
    }
}

/// Every `(METHOD, path)` of a document, for comparing with the routers.
pub fn operations_of(doc: &OpenApi) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("PATCH", &item.patch),
            ("DELETE", &item.delete),
        ] {
            if op.is_some() {
                all.push((method.to_owned(), path.clone()));
            }
        }
    }
    all.sort();
    all
}

/// A schema written as JSON, for the rules no derive expresses (`oneOf` between whole object
/// shapes: exactly one of two fields, a field allowed only in one mode). Panics on JSON that is
/// not a schema, which `the_document_lists_exactly_the_served_routes` and the other document
/// tests would show at once.
pub fn schema_from_json(value: serde_json::Value) -> RefOr<utoipa::openapi::schema::Schema> {
    let schema: RefOr<utoipa::openapi::schema::Schema> = serde_json::from_value(value.clone()).expect("a schema");
    assert_eq!(serde_json::to_value(&schema).expect("serializes"), value, "every keyword of the schema is kept");
    schema
}

/// Declares a named schema written as JSON (see [`schema_from_json`]) for a type, with the named
/// schemas it refers to.
#[macro_export]
macro_rules! json_schema {
    ($ty:ty, $name:literal, [$($dep:ty),* $(,)?], $json:expr) => {
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::openapi::schema_from_json($json)
            }
        }

        impl utoipa::ToSchema for $ty {
            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }

            #[allow(unused_variables)]
            fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
                $(schemas.push((<$dep as utoipa::ToSchema>::name().into_owned(), <$dep as utoipa::PartialSchema>::schema()));)*
            }
        }
    };
}

/// Declares the OpenAPI schema of a string enum from its wire names (e.g.
/// `AccessType::ALL.map(|t| t.as_str())`), so that the document cannot drift from the type.
#[macro_export]
macro_rules! string_enum_schema {
    ($schema:ident, $name:literal, $values:expr, $description:literal) => {
        #[doc = concat!("The OpenAPI schema `", $name, "`: ", $description)]
        pub struct $schema;

        impl utoipa::PartialSchema for $schema {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some($description))
                    .enum_values(Some($values))
                    .into()
            }
        }

        impl utoipa::ToSchema for $schema {
            fn name() -> std::borrow::Cow<'static, str> {
                $name.into()
            }
        }
    };
}
