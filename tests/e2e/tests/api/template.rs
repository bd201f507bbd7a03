//! `template.yaml` agrees with the code: every route of every function is an HttpApi event of that
//! function and nothing else is; the table is the store's table definition; the authorizer and the
//! functions are configured as the deployment needs.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).expect("template.yaml is readable")).expect("template.yaml is plain YAML")
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
    let expected: BTreeSet<(String, String)> = def.string_attributes.iter().map(|a| (a.to_string(), "S".to_owned())).collect();
    assert_eq!(attributes, expected);
    let keys = |schema: &Value| -> Vec<(String, String)> {
        schema.as_sequence().expect("key schema").iter().map(|k| (text(&k["AttributeName"]), text(&k["KeyType"]))).collect()
    };
    assert_eq!(keys(&table["KeySchema"]), [(def.hash_key.to_owned(), "HASH".to_owned()), (def.range_key.to_owned(), "RANGE".to_owned())]);
    type IndexShape = (String, Vec<(String, String)>, String, Vec<String>);
    let indexes: Vec<IndexShape> = table["GlobalSecondaryIndexes"]
        .as_sequence()
        .expect("indexes")
        .iter()
        .map(|i| {
            let projected = i["Projection"]["NonKeyAttributes"].as_sequence().map(|a| a.iter().map(text).collect()).unwrap_or_default();
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
        ["operators", "groups", "hub-summary", "monitors", "api-users", "scim", "authorizer", "maintenance"].iter().map(|s| s.to_string()).collect();
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
}

/// Without the Lambda authorizer: the OpenAPI document (public) and SCIM, whose function checks
/// the SCIM token itself.
#[test]
fn only_the_openapi_document_is_public() {
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
    assert_eq!(public, [("ANY".to_owned(), "/scim/v2/{proxy+}".to_owned()), ("GET".to_owned(), "/openapi.json".to_owned())]);
}
