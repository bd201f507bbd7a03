//! SCIM 2.0 at `/scim/v2`: the request sequences Okta and Microsoft Entra ID send (shapes from
//! their public SCIM documentation, written here by hand), the hub's rules and counters through
//! SCIM, the credentials (SCIM tokens only, only there, only for their account), the cost of the
//! lookups an identity provider makes before every change, and a first push of many users and
//! groups by concurrent connections.

use std::time::Instant;

use hub_e2e::{Reply, TestApp, send};
use hub_store::AccountScope;
use reqwest::Method;
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

/// A SCIM token of the account whose administrator `admin_token` is.
pub(crate) async fn scim_token(app: &TestApp, admin_token: &str) -> String {
    app.call_as(admin_token, Method::POST, "/scim-tokens", Some(json!({"description": "Identity provider"})))
        .await
        .expect(201)
        .str("token")
}

/// Requests to `/scim/v2` with a SCIM token, as an identity provider sends them.
pub(crate) struct Scim<'a> {
    app: &'a TestApp,
    token: String,
}

pub(crate) fn scim<'a>(app: &'a TestApp, token: &str) -> Scim<'a> {
    Scim { app, token: token.to_owned() }
}

/// An identity provider with a new SCIM token of the first account.
pub(crate) async fn provider(app: &TestApp) -> Scim<'_> {
    Scim { app, token: scim_token(app, &app.admin_token).await }
}

impl Scim<'_> {
    pub(crate) async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req =
            self.app.http.request(method, format!("{}/scim/v2{path}", self.app.base)).bearer_auth(&self.token);
        if let Some(body) = body {
            req = req.header("content-type", "application/scim+json").body(body.to_string());
        }
        send(req).await
    }
    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
    /// `GET {resources}?filter=` with `expression` percent-encoded.
    pub(crate) async fn filter(&self, resources: &str, expression: &str) -> Reply {
        self.get(&format!("{resources}?filter={}", filter(expression))).await
    }
    pub(crate) async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }
    /// A `POST` that creates: answers 201; the new resource's id.
    pub(crate) async fn create(&self, path: &str, body: Value) -> String {
        self.post(path, body).await.expect(201).str("id")
    }
    pub(crate) async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }
    pub(crate) async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }
    pub(crate) async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }
}

fn patch(ops: Value) -> Value {
    json!({"schemas": [PATCH], "Operations": ops})
}

fn expect_scim_error(reply: &Reply, status: u16, scim_type: Option<&str>) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    assert_eq!(reply.body["schemas"], json!([ERROR]));
    assert_eq!(reply.body["status"], status.to_string());
    assert_eq!(reply.body["scimType"].as_str(), scim_type, "{}", reply.body);
}

fn filter(expression: &str) -> String {
    let mut out = String::new();
    for b in expression.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn okta_provisions_updates_deactivates_reactivates_and_pushes_a_group() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;

    // Okta first looks the user up by userName, then creates it.
    let found = idp
        .get(&format!("/Users?filter={}&startIndex=1&count=100", filter(r#"userName eq "grace@example.com""#)))
        .await
        .expect(200);
    assert_eq!(
        (found.body["totalResults"].as_u64(), found.body["Resources"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let created = idp
        .post(
            "/Users",
            json!({
                "schemas": [USER],
                "userName": "grace@example.com",
                "name": {"givenName": "Grace", "familyName": "Hopper"},
                "emails": [{"primary": true, "value": "grace@example.com", "type": "work"}],
                "displayName": "Grace Hopper",
                "locale": "en-US",
                "externalId": "00u1okta",
                "groups": [],
                "password": "ignored-by-the-hub",
                "active": true
            }),
        )
        .await
        .expect(201);
    let id = created.str("id");
    assert_eq!(created.header("location"), created.body["meta"]["location"].as_str());
    assert_eq!(created.header("etag"), Some("W/\"1\""));
    assert_eq!(created.body["userName"], "grace@example.com");
    assert_eq!(created.body["active"], true);
    let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200).body;
    assert_eq!(
        (op["email"].as_str(), op["fullName"].as_str(), op["cultureName"].as_str()),
        (Some("grace@example.com"), Some("Grace Hopper"), Some("en-US"))
    );

    // Profile update: Okta replaces the whole user.
    let put = idp.put(&format!("/Users/{id}"), json!({
        "schemas": [USER], "id": id, "userName": "grace@example.com",
        "name": {"givenName": "Grace", "familyName": "Brewster Hopper"}, "displayName": "Grace Brewster Hopper",
        "emails": [{"primary": true, "value": "grace@example.com", "type": "work"}], "externalId": "00u1okta", "active": true
    })).await.expect(200);
    assert_eq!(put.body["displayName"], "Grace Brewster Hopper");
    assert_eq!(
        app.call(Method::GET, &format!("/operators/{id}"), None).await.body["fullName"],
        "Grace Brewster Hopper"
    );

    // Deactivation: replace without a path.
    let off = idp
        .patch(&format!("/Users/{id}"), patch(json!([{"op": "replace", "value": {"active": false}}])))
        .await
        .expect(200);
    assert_eq!(off.body["active"], false);
    let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200).body;
    assert_eq!(op["isDisabled"], true, "deactivated, not deleted");
    let summary = app.call(Method::GET, "/hub/summary", None).await.body;
    assert_eq!((summary["operators"]["total"].as_i64(), summary["operators"]["disabled"].as_i64()), (Some(2), Some(1)));
    // Reactivation.
    let on = idp
        .patch(&format!("/Users/{id}"), patch(json!([{"op": "replace", "value": {"active": true}}])))
        .await
        .expect(200);
    assert_eq!(on.body["active"], true);

    // Group push: create, add members, rename (Okta repeats the id), remove a member, delete.
    let other = idp.create("/Users", json!({"schemas": [USER], "userName": "alan@example.com", "name": {"givenName": "Alan", "familyName": "Turing"}, "active": true})).await;
    let group =
        idp.post("/Groups", json!({"schemas": [GROUP], "displayName": "Engineering", "members": []})).await.expect(201);
    let gid = group.str("id");
    idp.patch(&format!("/Groups/{gid}"), patch(json!([{"op": "add", "path": "members", "value": [{"value": id, "display": "grace@example.com"}, {"value": other, "display": "alan@example.com"}]}]))).await.expect(200);
    idp.patch(
        &format!("/Groups/{gid}"),
        patch(json!([{"op": "replace", "value": {"id": gid, "displayName": "Engineering EU"}}])),
    )
    .await
    .expect(200);
    idp.patch(
        &format!("/Groups/{gid}"),
        patch(json!([{"op": "remove", "path": format!("members[value eq \"{other}\"]")}])),
    )
    .await
    .expect(200);
    let hub_group = app.call(Method::GET, &format!("/groups/{gid}"), None).await.expect(200).body;
    assert_eq!(
        (hub_group["description"].as_str(), hub_group["memberCount"].as_i64()),
        (Some("Engineering EU"), Some(1))
    );
    let members = app.list_all(&app.admin_token, &format!("/groups/{gid}/members")).await;
    assert_eq!(members.iter().map(|m| m["operatorId"].as_str().unwrap()).collect::<Vec<_>>(), vec![id.as_str()]);
    let user = idp.get(&format!("/Users/{id}")).await.expect(200);
    let groups: Vec<&str> =
        user.body["groups"].as_array().unwrap().iter().map(|g| g["display"].as_str().unwrap()).collect();
    assert!(groups.contains(&"Engineering EU") && groups.contains(&"Everyone"), "{groups:?}");
    idp.delete(&format!("/Groups/{gid}")).await.expect(204);
    app.call(Method::GET, &format!("/groups/{gid}"), None).await.expect_problem(404, "not_found");

    // Deprovisioning is a deactivation: the operator stays, disabled.
    idp.patch(&format!("/Users/{id}"), patch(json!([{"op": "replace", "value": {"active": false}}]))).await.expect(200);
    assert_eq!(app.call(Method::GET, &format!("/operators/{id}"), None).await.expect(200).body["isDisabled"], true);
    app.assert_counters_exact(&app.account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entra_id_provisions_updates_disables_enables_deletes_and_syncs_a_group() {
    let app = TestApp::start().await;
    let idp = provider(&app).await;
    // Entra ID's probe: a filter on a random attribute value, expecting an empty list.
    let probe = idp.filter("/Users", r#"userName eq "non-existent-user-7c3c""#).await.expect(200);
    assert_eq!(probe.body["totalResults"], 0);
    let created = idp
        .post(
            "/Users",
            json!({
                "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
                "externalId": "ada.entra",
                "userName": "ada@contoso.example",
                "active": true,
                "addresses": [{"primary": true, "type": "work", "country": "NL"}],
                "displayName": "Ada Lovelace",
                "emails": [{"primary": true, "type": "work", "value": "ada@contoso.example"}],
                "meta": {"resourceType": "User"},
                "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
                "phoneNumbers": [{"type": "mobile", "value": "+31612345678"}],
                "roles": [],
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Engines"}
            }),
        )
        .await
        .expect(201);
    let id = created.str("id");
    assert_eq!(app.call(Method::GET, &format!("/operators/{id}"), None).await.body["mobilePhone"], "+31612345678");
    // Entra ID finds users by externalId too.
    let by_external = idp.filter("/Users", r#"externalId eq "ada.entra""#).await.expect(200);
    assert_eq!(by_external.body["Resources"][0]["id"], id.as_str());

    // Attribute updates: capitalised ops, paths with value filters.
    let updated = idp.patch(&format!("/Users/{id}"), patch(json!([
        {"op": "Replace", "path": "displayName", "value": "Augusta Ada King"},
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ada.king@contoso.example"},
        {"op": "Replace", "path": "name.familyName", "value": "King"},
        {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+31687654321"},
        {"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Analytical"}
    ]))).await.expect(200);
    assert_eq!(updated.body["emails"][0]["value"], "ada.king@contoso.example");
    assert_eq!(updated.body["name"]["familyName"], "King");
    let op = app.call(Method::GET, &format!("/operators/{id}"), None).await.body;
    assert_eq!((op["fullName"].as_str(), op["mobilePhone"].as_str()), (Some("Augusta Ada King"), Some("+31687654321")));

    // Disable and enable with Entra ID's string booleans.
    let off = idp
        .patch(&format!("/Users/{id}"), patch(json!([{"op": "Replace", "path": "active", "value": "False"}])))
        .await
        .expect(200);
    assert_eq!(off.body["active"], false);
    let filtered = app.list_all(&app.admin_token, "/operators?isDisabled=true").await;
    assert_eq!(filtered.len(), 1);
    let on = idp
        .patch(&format!("/Users/{id}"), patch(json!([{"op": "Replace", "path": "active", "value": "True"}])))
        .await
        .expect(200);
    assert_eq!(on.body["active"], true);
    let bad =
        idp.patch(&format!("/Users/{id}"), patch(json!([{"op": "Replace", "path": "active", "value": "maybe"}]))).await;
    expect_scim_error(&bad, 400, Some("invalidValue"));

    // Group: looked up by name without members, created, members added and removed by value.
    let second = idp.create("/Users", json!({"schemas": [USER], "userName": "charles@contoso.example", "displayName": "Charles Babbage", "active": true})).await;
    let none = idp
        .get(&format!("/Groups?excludedAttributes=members&filter={}", filter(r#"displayName eq "Analysts""#)))
        .await
        .expect(200);
    assert_eq!(none.body["totalResults"], 0);
    let gid = idp
        .create(
            "/Groups",
            json!({"schemas": [GROUP], "externalId": "grp-analysts", "displayName": "Analysts", "members": []}),
        )
        .await;
    idp.patch(
        &format!("/Groups/{gid}"),
        patch(json!([{"op": "Add", "path": "members", "value": [{"value": id}, {"value": second}]}])),
    )
    .await
    .expect(200);
    idp.patch(&format!("/Groups/{gid}"), patch(json!([{"op": "Remove", "path": "members", "value": [{"value": id}]}])))
        .await
        .expect(200);
    let read = idp.get(&format!("/Groups/{gid}?excludedAttributes=members")).await.expect(200);
    assert!(read.body.get("members").is_none() && read.body["displayName"] == "Analysts");
    let full = idp.filter("/Groups", r#"externalId eq "grp-analysts""#).await.expect(200);
    assert_eq!(
        full.body["Resources"][0]["members"],
        json!([{"value": second, "$ref": format!("{}/scim/v2/Users/{second}", app.base), "type": "User"}])
    );

    // Deletion (after Entra ID's soft-delete period) deletes the operator and its memberships.
    idp.delete(&format!("/Users/{second}")).await.expect(204);
    expect_scim_error(&idp.get(&format!("/Users/{second}")).await, 404, None);
    assert_eq!(app.call(Method::GET, &format!("/groups/{gid}"), None).await.body["memberCount"], 0);
    app.assert_counters_exact(&app.account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hub_rule_holds_through_scim() {
    let app = TestApp::start().await;
    let (account, admin_token) = app.provision_with_admin_token("Premium", 0).await; // 4 operators
    let token = scim_token(&app, &admin_token).await;
    let idp = scim(&app, &token);
    let user = |n: usize| json!({"schemas": [USER], "userName": format!("u{n}@premium.example"), "externalId": format!("ext-{n}"), "active": true});

    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(idp.create("/Users", user(n)).await);
    }
    // The quota: a fifth operator is refused; a disabled one frees a place; re-enabling is refused.
    expect_scim_error(&idp.post("/Users", user(3)).await, 409, None);
    idp.patch(&format!("/Users/{}", ids[0]), patch(json!([{"op": "replace", "path": "active", "value": false}])))
        .await
        .expect(200);
    let fourth = idp.create("/Users", user(3)).await;
    let refused = idp
        .patch(&format!("/Users/{}", ids[0]), patch(json!([{"op": "replace", "path": "active", "value": true}])))
        .await;
    expect_scim_error(&refused, 409, None);
    assert!(refused.body["detail"].as_str().unwrap().contains("operator_limit_reached"));
    // A disabled user can be created without using the quota.
    let mut disabled = user(9);
    disabled["active"] = json!(false);
    idp.post("/Users", disabled).await.expect(201);

    // Uniqueness: userName (case-insensitively), externalId, group names.
    let mut same = user(7);
    same["userName"] = json!("U1@Premium.Example");
    idp.patch(&format!("/Users/{fourth}"), patch(json!([{"op": "replace", "path": "active", "value": false}])))
        .await
        .expect(200);
    expect_scim_error(&idp.post("/Users", same).await, 409, Some("uniqueness"));
    let mut same_external = user(8);
    same_external["externalId"] = json!("ext-1");
    expect_scim_error(&idp.post("/Users", same_external).await, 409, Some("uniqueness"));
    idp.post("/Groups", json!({"schemas": [GROUP], "displayName": "Ops"})).await.expect(201);
    expect_scim_error(
        &idp.post("/Groups", json!({"schemas": [GROUP], "displayName": "OPS"})).await,
        409,
        Some("uniqueness"),
    );

    // System groups.
    let leave = patch(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", ids[1])}]));
    expect_scim_error(&idp.patch("/Groups/everyone", leave).await, 400, Some("mutability"));
    // Adding a member it already has changes nothing.
    let again = patch(json!([{"op": "add", "path": "members", "value": [{"value": ids[1]}]}]));
    idp.patch("/Groups/everyone", again).await.expect(200);
    let renamed = idp
        .patch("/Groups/administrators", patch(json!([{"op": "replace", "path": "displayName", "value": "Admins"}])))
        .await;
    expect_scim_error(&renamed, 400, Some("mutability"));
    expect_scim_error(&idp.delete("/Groups/everyone").await, 400, Some("mutability"));
    let members = app.list_all(&admin_token, "/groups/everyone/members").await;
    assert_eq!(members.len(), 6, "Everyone keeps every operator");

    // The account administrator: not disabled, not deleted; the last enabled administrator stays.
    let admin = &account.admin_operator_id;
    let off = idp
        .patch(&format!("/Users/{admin}"), patch(json!([{"op": "replace", "path": "active", "value": false}])))
        .await;
    expect_scim_error(&off, 409, None);
    assert!(off.body["detail"].as_str().unwrap().contains("cannot_disable_account_administrator"));
    expect_scim_error(&idp.delete(&format!("/Users/{admin}")).await, 409, None);
    let last = idp
        .patch(
            "/Groups/administrators",
            patch(json!([{"op": "remove", "path": format!("members[value eq \"{admin}\"]")}])),
        )
        .await;
    expect_scim_error(&last, 409, None);
    assert!(last.body["detail"].as_str().unwrap().contains("last_administrator"));

    // ETags.
    let read = idp.get(&format!("/Users/{}", ids[1])).await.expect(200);
    let tag = read.header("etag").unwrap().to_owned();
    assert_eq!(read.body["meta"]["version"], tag.as_str());
    let stale = app
        .http
        .put(format!("{}/scim/v2/Users/{}", app.base, ids[1]))
        .bearer_auth(&token)
        .header("if-match", "W/\"99\"")
        .json(&user(1));
    expect_scim_error(&send(stale).await, 412, None);
    let fresh = app
        .http
        .put(format!("{}/scim/v2/Users/{}", app.base, ids[1]))
        .bearer_auth(&token)
        .header("if-match", &tag)
        .json(&user(1));
    send(fresh).await.expect(200);

    // Filters and paging.
    let all = idp.get("/Users?startIndex=2&count=2").await.expect(200);
    assert_eq!(
        (all.body["totalResults"].as_u64(), all.body["itemsPerPage"].as_u64(), all.body["startIndex"].as_u64()),
        (Some(6), Some(2), Some(2))
    );
    let both = idp.filter("/Users", r#"userName eq "u2@premium.example" and externalId eq "ext-2""#).await.expect(200);
    assert_eq!(both.body["totalResults"], 1);
    let neither =
        idp.filter("/Users", r#"userName eq "u2@premium.example" and externalId eq "ext-1""#).await.expect(200);
    assert_eq!(neither.body["totalResults"], 0);
    expect_scim_error(&idp.filter("/Users", r#"userName co "u""#).await, 400, Some("invalidFilter"));
    let projected = idp.get(&format!("/Users/{}?attributes=userName", ids[1])).await.expect(200);
    let mut keys: Vec<&str> = projected.body.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["id", "schemas", "userName"]);
    // Searching both resource types at once: users first, then groups.
    let both = idp.post("/.search", json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], "filter": "displayName eq \"Ops\""})).await.expect(200);
    assert_eq!(
        (both.body["totalResults"].as_u64(), both.body["Resources"][0]["meta"]["resourceType"].as_str()),
        (Some(1), Some("Group"))
    );
    let everything = idp.post("/.search", json!({"startIndex": 6, "count": 3})).await.expect(200);
    let kinds: Vec<&str> = everything.body["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["meta"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!((everything.body["totalResults"].as_u64(), kinds), (Some(6 + 3), vec!["User", "Group", "Group"]));
    app.assert_counters_exact(&account.account_id).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_tokens_work_only_at_scim_and_only_for_their_account() {
    let app = TestApp::start().await;
    let a_token = scim_token(&app, &app.admin_token).await;
    let (_, b_admin) = app.provision_with_admin_token("Business", 0).await;
    let b_token = scim_token(&app, &b_admin).await;
    let b_user = scim(&app, &b_token)
        .create("/Users", json!({"schemas": [USER], "userName": "b@b.example", "externalId": "shared-ext"}))
        .await;
    let b_group = scim(&app, &b_token)
        .create("/Groups", json!({"schemas": [GROUP], "displayName": "B team", "externalId": "shared-grp"}))
        .await;

    // A's token never reaches B: every route with B's ids is 404, lookups find nothing.
    for (method, path, body) in [
        (Method::GET, format!("/Users/{b_user}"), None),
        (Method::PUT, format!("/Users/{b_user}"), Some(json!({"schemas": [USER], "userName": "x@a.example"}))),
        (
            Method::PATCH,
            format!("/Users/{b_user}"),
            Some(patch(json!([{"op": "replace", "path": "active", "value": false}]))),
        ),
        (Method::DELETE, format!("/Users/{b_user}"), None),
        (Method::GET, format!("/Groups/{b_group}"), None),
        (Method::PUT, format!("/Groups/{b_group}"), Some(json!({"schemas": [GROUP], "displayName": "Taken over"}))),
        (
            Method::PATCH,
            format!("/Groups/{b_group}"),
            Some(patch(json!([{"op": "add", "path": "members", "value": [{"value": b_user}]}]))),
        ),
        (Method::DELETE, format!("/Groups/{b_group}"), None),
    ] {
        let reply = scim(&app, &a_token).send(method.clone(), &path, body).await;
        expect_scim_error(&reply, 404, None);
    }
    // A's own group cannot take B's user as a member.
    let a_group = scim(&app, &a_token).create("/Groups", json!({"schemas": [GROUP], "displayName": "A team"})).await;
    let foreign_member = scim(&app, &a_token)
        .patch(
            &format!("/Groups/{a_group}"),
            patch(json!([{"op": "add", "path": "members", "value": [{"value": b_user}]}])),
        )
        .await;
    expect_scim_error(&foreign_member, 400, Some("invalidValue"));
    for f in [r#"userName eq "b@b.example""#, r#"externalId eq "shared-ext""#, &format!(r#"id eq "{b_user}""#)] {
        let reply = scim(&app, &a_token).filter("/Users", f).await.expect(200);
        assert_eq!(reply.body["totalResults"], 0, "{f}");
    }
    let groups = scim(&app, &a_token).filter("/Groups", r#"displayName eq "B team""#).await.expect(200);
    assert_eq!(groups.body["totalResults"], 0);
    let listed = scim(&app, &a_token).get("/Users").await.expect(200);
    assert!(listed.body["Resources"].as_array().unwrap().iter().all(|u| u["id"] != b_user.as_str()));
    // B's data is untouched.
    assert_eq!(
        app.call_as(&b_admin, Method::GET, &format!("/groups/{b_group}"), None).await.expect(200).body["description"],
        "B team"
    );

    // Token kinds are not interchangeable.
    expect_scim_error(&scim(&app, &app.admin_token).get("/Users").await, 401, None);
    let api_user = app.call(Method::POST, "/api-users", Some(json!({"description": "script"}))).await.expect(201);
    let basic = app
        .http
        .get(format!("{}/scim/v2/Users", app.base))
        .basic_auth(api_user.str("username"), Some(api_user.str("password")));
    let reply = send(basic).await;
    expect_scim_error(&reply, 401, None);
    assert!(reply.header("www-authenticate").is_some());
    expect_scim_error(&send(app.http.get(format!("{}/scim/v2/Users", app.base))).await, 401, None);
    expect_scim_error(&send(app.http.get(format!("{}/scim/v2/ServiceProviderConfig", app.base))).await, 401, None);
    for path in ["/operators", "/hub/summary", "/scim-tokens"] {
        app.call_as(&a_token, Method::GET, path, None).await.expect_problem(401, "unauthenticated");
    }
    let forged = format!("{}{}", &a_token[..a_token.len() - 2], if a_token.ends_with("AA") { "BB" } else { "AA" });
    expect_scim_error(&scim(&app, &forged).get("/Users").await, 401, None);

    // The list shows no secret; use is recorded; a deleted token is refused from the next request.
    let tokens = app.call(Method::GET, "/scim-tokens", None).await.expect(200);
    let item = &tokens.items()[0];
    assert!(item["lastUsedAt"].is_string(), "{item}");
    assert!(!tokens.body.to_string().contains(&a_token[10..]));
    let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["createdAt", "description", "lastUsedAt", "scimTokenId"]);
    let raw = app
        .state
        .store
        .in_account(&AccountScope::new(&app.account.account_id))
        .scim_token(&item["scimTokenId"].as_str().unwrap().into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(raw.description.as_str(), "Identity provider");
    app.call(Method::DELETE, &format!("/scim-tokens/{}", item["scimTokenId"].as_str().unwrap()), None)
        .await
        .expect(204);
    expect_scim_error(&scim(&app, &a_token).get("/Users").await, 401, None);
    app.call(Method::DELETE, &format!("/scim-tokens/{}", item["scimTokenId"].as_str().unwrap()), None)
        .await
        .expect_problem(404, "not_found");
    // Non-administrators cannot manage them.
    let (_, member_token) = app.create_operator_with_token("Mo Member", "mo@example.com").await;
    app.call_as(&member_token, Method::GET, "/scim-tokens", None).await.expect_problem(403, "forbidden");
    app.call_as(&member_token, Method::POST, "/scim-tokens", Some(json!({"description": "x"})))
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_ten_scim_tokens_even_when_creates_race() {
    let app = TestApp::start().await;
    let replies =
        futures::future::join_all((0..14).map(|i| {
            let app = &app;
            async move {
                app.call(Method::POST, "/scim-tokens", Some(json!({"description": format!("Provider {i}")}))).await
            }
        }))
        .await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.status == 400 && r.code() == "validation_failed").count();
    assert_eq!((created, refused), (10, 4), "{:?}", hub_e2e::outcomes(&replies));
    assert_eq!(app.call(Method::GET, "/scim-tokens", None).await.expect(200).items().len(), 10);
    // Every created token works.
    for r in replies.iter().filter(|r| r.status == 201) {
        scim(&app, &r.str("token")).get("/ServiceProviderConfig").await.expect(200);
    }
}

/// `userName eq`, `emails.value eq` and `externalId eq` cost the same number of DynamoDB requests
/// in an account of 10 operators and in one of 1,000.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookups_cost_a_constant_number_of_requests() {
    let app = TestApp::start().await;
    let mut costs = Vec::new();
    for size in [10usize, 1_000] {
        let (account, admin) = app.provision_with_admin_token("Enterprise", size as i64).await;
        let token = scim_token(&app, &admin).await;
        let idp = scim(&app, &token);
        let scope = AccountScope::new(&account.account_id);
        let operators: Vec<_> = (0..size)
            .map(|i| {
                let now = "2026-11-30T10:00:00Z".to_owned();
                hub_api::rules::new_operator(
                    hub_api::values::new_id().into(),
                    format!("op{i:05}@size{size}.example"),
                    hub_api::values::FullName::parse(&format!("Operator {i:05}")).unwrap(),
                    &now,
                )
            })
            .collect();
        app.state
            .store
            .in_account(&scope)
            .bulk_create_operators(&operators, &hub_api::rules::NEW_OPERATOR_PERMISSIONS)
            .await
            .unwrap();
        idp.post("/Users", json!({"schemas": [USER], "userName": "needle@example.com", "externalId": "needle"}))
            .await
            .expect(201);
        let mut row = Vec::new();
        for f in [
            r#"userName eq "needle@example.com""#,
            r#"emails.value eq "needle@example.com""#,
            r#"externalId eq "needle""#,
            r#"userName eq "absent@example.com""#,
        ] {
            app.requests.reset();
            let reply = idp.filter("/Users", f).await.expect(200);
            row.push(app.requests.get());
            assert_eq!(reply.body["totalResults"], u64::from(!f.contains("absent")), "{f}");
        }
        costs.push(row);
    }
    println!("DynamoDB requests per lookup (10 vs 1,000 operators): {costs:?}");
    assert_eq!(costs[0], costs[1], "the cost does not grow with the account");
    assert!(costs[0].iter().all(|c| *c <= 3), "token check + reservation + operator: {costs:?}");
}

/// An identity provider's first push by 8 concurrent connections: 2,000 users into one Enterprise
/// account (its limit raised with extra operators), then 20 groups of 100 members through the
/// same 8 connections; no answer but 2xx, and every counter exact against a recount. Timings:
/// BENCHMARKS.md.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_push_by_eight_connections_answers_only_2xx_and_keeps_the_counters_exact() {
    const USERS: usize = 2_000;
    const GROUPS: usize = 20;
    const MEMBERS: usize = 100;
    let app = TestApp::start().await;
    let (account, admin) = app.provision_with_admin_token("Enterprise", USERS as i64).await;
    let token = scim_token(&app, &admin).await;
    let started = Instant::now();
    let (app_ref, token_ref) = (&app, &token);
    const CONNECTIONS: usize = 8;
    let ids = hub_e2e::push_scim_users(USERS, CONNECTIONS, move |user| async move {
        let reply = scim(app_ref, token_ref).post("/Users", user).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        reply.str("id")
    })
    .await;
    let ids: Vec<String> = ids.into_iter().flatten().collect();
    let users_took = started.elapsed();
    let groups_started = Instant::now();
    // The identity provider's connections carry its groups too: at most 8 requests at once.
    hub_e2e::push_scim_groups(GROUPS, CONNECTIONS, &ids, MEMBERS, |group| async move {
        let reply = scim(app_ref, token_ref).post("/Groups", group).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        assert_eq!(reply.body["members"].as_array().map(Vec::len), Some(MEMBERS));
    })
    .await;
    println!(
        "first push: {USERS} users in {users_took:.2?}, {GROUPS} groups x {MEMBERS} in {:.2?}",
        groups_started.elapsed()
    );
    let counters = app.assert_counters_exact(&account.account_id).await;
    assert_eq!(
        (counters.operators_total, counters.operators_in_use, counters.groups_total),
        (USERS as i64 + 1, USERS as i64 + 1, GROUPS as i64 + 2)
    );
}

/// `POST /scim-tokens` is a create: an `Idempotency-Key` replay answers the first body without the
/// token (which was never stored) and creates nothing; the token itself is in the first answer
/// only, with `Cache-Control: no-store`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scim_token_is_shown_once_even_when_its_create_is_replayed() {
    let app = TestApp::start().await;
    let body = json!({"description": "Okta"});
    let first = app.post_keyed("/scim-tokens", "token-1", &body).await.expect(201);
    assert_eq!(first.header("cache-control"), Some("no-store"));
    assert!(first.str("token").starts_with("scim_"));
    let id = first.str("scimTokenId");
    assert_eq!(first.header("location"), Some(format!("/scim-tokens/{id}").as_str()));
    let replay = app.post_keyed("/scim-tokens", "token-1", &body).await.expect(201);
    assert_eq!(replay.str("scimTokenId"), id);
    assert!(replay.body.get("token").is_none(), "{}", replay.body);
    app.expect_key_reused("/scim-tokens", "token-1", &json!({"description": "Entra"})).await;
    assert_eq!(app.call(Method::GET, "/scim-tokens", None).await.expect(200).items().len(), 1);
    for bad in [json!({}), json!({"description": ""}), json!({"description": "x", "token": "mine"})] {
        app.call(Method::POST, "/scim-tokens", Some(bad)).await.expect_problem(400, "validation_failed");
    }
}
