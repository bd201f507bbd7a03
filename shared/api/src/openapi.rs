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
        .content("application/problem+json", ContentBuilder::new().schema(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem")))).build())
        .build();
    // Every route takes an API user's Basic credentials, so every route can answer this.
    let retry_after = utoipa::openapi::HeaderBuilder::new()
        .schema(utoipa::openapi::ObjectBuilder::new().schema_type(utoipa::openapi::schema::Type::Integer).minimum(Some(1)))
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
    for (name, schema) in [
        ("Permission", crate::values::Permission::schema()),
        ("ResourceId", crate::values::ResourceId::schema()),
    ] {
        components.schemas.insert(name.into(), schema);
    }
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
                .pattern(Some(format!("^[!-~]{{1,{}}}$", crate::extract::IDEMPOTENCY_KEY_MAX_CHARS)))
                .into(),
        ),
        (ParameterIn::Query, "limit") => Some(
            utoipa::openapi::ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Int64)))
                .minimum(Some(1))
                .maximum(Some(crate::lists::MAX_LIMIT))
                .into(),
        ),
        _ => None,
    }
}

/// Every `(METHOD, path)` of a document, for comparing with the routers.
pub fn operations_of(doc: &OpenApi) -> Vec<(String, String)> {
    let mut all = Vec::new();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [("GET", &item.get), ("POST", &item.post), ("PUT", &item.put), ("PATCH", &item.patch), ("DELETE", &item.delete)] {
            if op.is_some() {
                all.push((method.to_owned(), path.clone()));
            }
        }
    }
    all.sort();
    all
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
