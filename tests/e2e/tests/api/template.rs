//! `template.yaml` agrees with the code: every route of every function is an HttpApi event of that
//! function and nothing else is; the table is the store's table definition; the authorizer and the
//! functions are configured as the deployment needs; the web page function serves only the page.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml is readable"))
        .expect("template.yaml is plain YAML")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// Every function of the code base, by the binary name the template builds.
fn route_tables() -> BTreeMap<&'static str, BTreeSet<(String, String)>> {
    let table = |routes: hub_api::routes::Routes| -> BTreeSet<(String, String)> {
        routes.table().into_iter().map(|r| (r.method.to_string(), r.path.to_owned())).collect()
    };
    BTreeMap::from([
        ("operators", table(hub_operators::routes())),
        ("groups", table(hub_groups::routes())),
        ("hub-summary", table(hub_summary::routes())),
        ("monitors", table(hub_monitors::routes())),
        ("api-users", table(hub_api_users::routes())),
        ("web", hub_web::ROUTES.iter().map(|(m, p)| ((*m).to_owned(), (*p).to_owned())).collect()),
        // Everything under /scim/v2 goes to the SCIM function, which routes it itself.
        ("scim", BTreeSet::from([("ANY".to_owned(), "/scim/v2/{proxy+}".to_owned())])),
    ])
}

#[test]
fn every_route_is_in_the_template_and_every_template_route_is_served() {
    let template = template();
    let resources = template["Resources"].as_mapping().expect("Resources");
    let mut in_template: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for (_, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let binary = text(&resource["Metadata"]["BuildProperties"]["Binary"]);
        let routes = in_template.entry(binary).or_default();
        for (_, event) in resource["Properties"]["Events"].as_mapping().into_iter().flatten() {
            if event["Type"] == "HttpApi" {
                let props = &event["Properties"];
                assert_eq!(props["ApiId"]["Ref"], "HttpApi");
                assert!(routes.insert((text(&props["Method"]), text(&props["Path"]))), "duplicate event {props:?}");
            }
        }
    }
    let code = route_tables();
    for (binary, routes) in &code {
        assert_eq!(in_template.get(*binary), Some(routes), "routes of {binary}: template vs router");
    }
    for (binary, routes) in &in_template {
        if !routes.is_empty() {
            assert!(code.contains_key(binary.as_str()), "the template routes to {binary}, which has no router");
        }
    }
    let total: usize = code.values().map(BTreeSet::len).sum();
    assert!(total >= 40, "only {total} routes found");
}

#[test]
fn the_table_is_the_store_definition() {
    let template = template();
    let table = &template["Resources"]["Table"]["Properties"];
    let def = hub_store::table::definition();
    let attributes: BTreeSet<(String, String)> = table["AttributeDefinitions"]
        .as_sequence()
        .expect("attributes")
        .iter()
        .map(|a| (text(&a["AttributeName"]), text(&a["AttributeType"])))
        .collect();
    let expected: BTreeSet<(String, String)> =
        def.string_attributes.iter().map(|a| (a.to_string(), "S".to_owned())).collect();
    assert_eq!(attributes, expected);
    let keys = |schema: &Value| -> Vec<(String, String)> {
        schema
            .as_sequence()
            .expect("key schema")
            .iter()
            .map(|k| (text(&k["AttributeName"]), text(&k["KeyType"])))
            .collect()
    };
    assert_eq!(
        keys(&table["KeySchema"]),
        [(def.hash_key.to_owned(), "HASH".to_owned()), (def.range_key.to_owned(), "RANGE".to_owned())]
    );
    type IndexShape = (String, Vec<(String, String)>, String, Vec<String>);
    let indexes: Vec<IndexShape> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("indexes")
        .iter()
        .map(|i| {
            let projected = i["Projection"]["NonKeyAttributes"]
                .as_sequence()
                .map(|a| a.iter().map(text).collect())
                .unwrap_or_default();
            (text(&i["IndexName"]), keys(&i["KeySchema"]), text(&i["Projection"]["ProjectionType"]), projected)
        })
        .collect();
    let expected: Vec<IndexShape> = def
        .indexes
        .iter()
        .map(|i| {
            let (projection, projected) = match i.projected_attributes {
                None => ("ALL", Vec::new()),
                Some(attributes) => ("INCLUDE", attributes.iter().map(|a| (*a).to_owned()).collect()),
            };
            let keys = vec![(i.hash_key.to_owned(), "HASH".to_owned()), (i.range_key.to_owned(), "RANGE".to_owned())];
            (i.name.to_owned(), keys, projection.to_owned(), projected)
        })
        .collect();
    assert_eq!(indexes, expected);
    assert_eq!(text(&table["TimeToLiveSpecification"]["AttributeName"]), def.ttl_attribute);
    assert_eq!(table["TimeToLiveSpecification"]["Enabled"], true);
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"], true);
    assert_eq!(table["SSESpecification"]["SSEEnabled"], true);
    assert_eq!(table["DeletionProtectionEnabled"]["Ref"], "TableDeletionProtection");
}

#[test]
fn functions_and_the_authorizer_are_deployed_as_designed() {
    let template = template();
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"][0], "arm64");
    assert_eq!(globals["Handler"], "bootstrap");
    assert_eq!(globals["Tracing"], "Active");
    assert_eq!(globals["LoggingConfig"]["LogFormat"], "JSON");
    let resources = template["Resources"].as_mapping().expect("Resources");
    let binaries: BTreeSet<String> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::Serverless::Function")
        .map(|r| {
            assert_eq!(r["Metadata"]["BuildMethod"], "rust-cargolambda");
            text(&r["Metadata"]["BuildProperties"]["Binary"])
        })
        .collect();
    let expected: BTreeSet<String> =
        ["operators", "groups", "hub-summary", "monitors", "api-users", "scim", "authorizer", "maintenance", "web"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    assert_eq!(binaries, expected);

    let auth = &template["Resources"]["HttpApi"]["Properties"]["Auth"];
    assert_eq!(auth["DefaultAuthorizer"], "HubAuthorizer");
    let authorizer = &auth["Authorizers"]["HubAuthorizer"];
    assert_eq!(authorizer["AuthorizerPayloadFormatVersion"], "2.0");
    assert_eq!(authorizer["EnableSimpleResponses"], true);
    assert_eq!(authorizer["Identity"]["Headers"][0], "Authorization");
    assert_eq!(authorizer["Identity"]["ReauthorizeEvery"], 0, "authorizer results must not be cached");

    let schedule = &template["Resources"]["MaintenanceFunction"]["Properties"]["Events"]["Hourly"];
    assert_eq!(schedule["Type"], "ScheduleV2");
    assert_eq!(schedule["Properties"]["ScheduleExpression"], "rate(1 hour)");
    assert!(schedule["Properties"]["RetryPolicy"]["MaximumRetryAttempts"].as_u64().is_some());
    assert!(!schedule["Properties"]["DeadLetterConfig"].is_null());
    let outputs = template["Outputs"].as_mapping().expect("Outputs");
    assert!(outputs.contains_key("ApiUrl"));
    assert!(outputs.contains_key("PageUrl"));
}

#[test]
fn the_web_page_function_has_no_data_access_and_takes_its_sign_in_from_parameters() {
    let template = template();
    let web = &template["Resources"]["WebFunction"]["Properties"];
    assert!(web["Policies"].is_null(), "the page function needs no permissions beyond its logs");
    let vars = &web["Environment"]["Variables"];
    for (var, parameter) in [
        ("HUB_OIDC_ISSUER", "WebOidcIssuer"),
        ("HUB_OIDC_CLIENT_ID", "WebOidcClientId"),
        ("HUB_OIDC_SCOPE", "WebOidcScope"),
        ("HUB_OIDC_TOKEN", "WebOidcToken"),
    ] {
        assert_eq!(vars[var]["Ref"], parameter, "{var}");
        assert!(!template["Parameters"][parameter].is_null(), "{parameter}");
    }
    assert_eq!(vars["HUB_CURSOR_SECRET"], "", "the cursor secret is not handed to the page function");
    // What the function reads is what the template sets.
    let config = hub_web::WebConfig::from_lookup(|name| match name {
        "HUB_OIDC_ISSUER" => Some("https://id.example.com".into()),
        "HUB_OIDC_CLIENT_ID" => Some("hub".into()),
        "HUB_OIDC_TOKEN" => Some(text(&template["Parameters"]["WebOidcToken"]["Default"])),
        "HUB_OIDC_SCOPE" => Some(text(&template["Parameters"]["WebOidcScope"]["Default"])),
        _ => None,
    });
    assert_eq!(config.document()["token"], "access_token");
    assert_eq!(config.document()["scope"], hub_web::DEFAULT_OIDC_SCOPE);
}

/// Without the Lambda authorizer: the OpenAPI document and the web page (public), and SCIM, whose
/// function checks the SCIM token itself.
#[test]
fn only_the_openapi_document_the_web_page_and_scim_skip_the_authorizer() {
    let template = template();
    let mut public = Vec::new();
    for (_, resource) in template["Resources"].as_mapping().expect("Resources") {
        for (_, event) in resource["Properties"]["Events"].as_mapping().into_iter().flatten() {
            if event["Type"] == "HttpApi" && event["Properties"]["Auth"]["Authorizer"] == "NONE" {
                public.push((text(&event["Properties"]["Method"]), text(&event["Properties"]["Path"])));
            }
        }
    }
    public.sort();
    let expected = [("ANY", "/scim/v2/{proxy+}"), ("GET", "/"), ("GET", "/assets/{proxy+}"), ("GET", "/openapi.json")];
    assert_eq!(public, expected.map(|(m, p)| (m.to_owned(), p.to_owned())));
}

/// The identity provider's parameters are required (issuer and audience non-empty, the JWKS over
/// https), HS256 cannot be switched on, the cursor key is always set, and the HTTP API and the
/// authorizer are throttled by parameters.
#[test]
fn the_identity_edge_is_closed_and_throttled() {
    let template = template();
    let parameters = &template["Parameters"];
    for name in ["JwksUrl", "JwtIssuer", "JwtAudience"] {
        assert!(parameters[name]["Default"].is_null(), "{name} must have no default (a deployment must name it)");
    }
    for name in ["JwtIssuer", "JwtAudience"] {
        assert_eq!(parameters[name]["MinLength"].as_u64(), Some(1), "{name} must not be empty");
    }
    let pattern = text(&parameters["JwksUrl"]["AllowedPattern"]);
    assert!(pattern.starts_with("^https://"), "JwksUrl: {pattern}");

    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    for (variable, parameter) in
        [("HUB_JWKS_URL", "JwksUrl"), ("HUB_JWT_ISSUER", "JwtIssuer"), ("HUB_JWT_AUDIENCE", "JwtAudience")]
    {
        assert_eq!(variables[variable]["Ref"], parameter, "{variable}");
    }
    assert!(variables["HUB_JWT_SECRET"].is_null(), "HS256 is a local mode only: no HUB_JWT_SECRET in the template");
    assert!(
        text(&variables["HUB_CURSOR_SECRET"]["Fn::Sub"]).contains("CursorSecret"),
        "the cursor key comes from the generated secret"
    );

    let api = &template["Resources"]["HttpApi"]["Properties"];
    for (setting, parameter) in
        [("ThrottlingRateLimit", "ThrottlingRateLimit"), ("ThrottlingBurstLimit", "ThrottlingBurstLimit")]
    {
        assert_eq!(api["DefaultRouteSettings"][setting]["Ref"], parameter, "{setting}");
        assert!(parameters[parameter]["Default"].as_u64().is_some_and(|v| v > 0), "{parameter}");
    }
    let public = &api["RouteSettings"]["GET /openapi.json"];
    assert!(public["ThrottlingRateLimit"].as_u64().is_some() && public["ThrottlingBurstLimit"].as_u64().is_some());

    let reserved = &template["Resources"]["AuthorizerFunction"]["Properties"]["ReservedConcurrentExecutions"]["Fn::If"];
    assert_eq!(reserved[0], "ReserveAuthorizerConcurrency");
    assert_eq!(reserved[1]["Ref"], "AuthorizerReservedConcurrency");
    assert!(parameters["AuthorizerReservedConcurrency"]["Default"].as_u64().is_some_and(|v| v > 0));
}
