//! The list plumbing Users and Groups share: the parameters of a list (`GET` query or
//! `POST .search` body, RFC 7644 §3.4.2-3), paging, the `ListResponse`, and the two handlers
//! over a resource type's query.

use std::future::Future;

use axum::extract::{Query, Request};
use axum::http::StatusCode;
use axum::response::Response;
use hub_store::records::AccountRecord;
use hub_store::{AccountScope, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::discovery::{LIST_SCHEMA, MAX_COUNT};
use crate::error::{ScimError, ScimResult, ScimType};
use crate::filter::{self, Eq};
use crate::projection::Projection;
use crate::{Scim, json_body, scim_response};

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ListParams {
    pub(crate) filter: Option<String>,
    pub(crate) start_index: Option<String>,
    pub(crate) count: Option<String>,
    pub(crate) attributes: Option<String>,
    pub(crate) excluded_attributes: Option<String>,
}

impl ListParams {
    /// The parameters of a `POST .search` body (RFC 7644 §3.4.3).
    pub fn from_search(body: &Map<String, Value>) -> ScimResult<Self> {
        let get = |name: &str| {
            body.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v).filter(|v| !v.is_null())
        };
        let text = |name: &str| -> ScimResult<Option<String>> {
            match get(name) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(Value::Array(items)) => {
                    Ok(Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(",")))
                }
                Some(_) => Err(ScimError::bad_request(ScimType::InvalidValue, format!("{name} has the wrong type"))),
            }
        };
        Ok(ListParams {
            filter: text("filter")?,
            start_index: text("startIndex")?,
            count: text("count")?,
            attributes: text("attributes")?,
            excluded_attributes: text("excludedAttributes")?,
        })
    }

    /// The filter, unless absent or blank.
    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref().filter(|f| !f.trim().is_empty())
    }
    pub fn attributes(&self) -> Option<&str> {
        self.attributes.as_deref()
    }
    pub fn excluded_attributes(&self) -> Option<&str> {
        self.excluded_attributes.as_deref()
    }

    /// The window asked for by `startIndex` and `count`.
    pub fn window(&self) -> ScimResult<Window> {
        paging(self.start_index.as_deref(), self.count.as_deref())
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ReadParams {
    pub(crate) attributes: Option<String>,
    pub(crate) excluded_attributes: Option<String>,
}

/// A window of a list: `count` resources from the `start`th (1-based).
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub start: usize,
    pub count: usize,
}

impl Window {
    /// A window of nothing, for a list's total alone.
    pub const TOTAL_ONLY: Window = Window { start: 1, count: 0 };

    /// The window of `matching`, and how many there are.
    pub fn of<T>(self, matching: Vec<T>) -> (usize, Vec<T>) {
        (matching.len(), matching.into_iter().skip(self.start - 1).take(self.count).collect())
    }
}

/// `startIndex` (1-based, below 1 means 1) and `count` (0 to [`MAX_COUNT`], default
/// [`MAX_COUNT`]); as RFC 7644 §3.4.2.4 says, out-of-range values are adjusted, not refused.
fn paging(start_index: Option<&str>, count: Option<&str>) -> ScimResult<Window> {
    let parse = |name: &str, v: Option<&str>| -> ScimResult<Option<i64>> {
        v.map(|s| {
            s.trim()
                .parse::<i64>()
                .map_err(|_| ScimError::bad_request(ScimType::InvalidValue, format!("{name} must be an integer")))
        })
        .transpose()
    };
    let start = parse("startIndex", start_index)?.unwrap_or(1).max(1) as usize;
    let count = parse("count", count)?.unwrap_or(MAX_COUNT as i64).clamp(0, MAX_COUNT as i64) as usize;
    Ok(Window { start, count })
}

pub fn list_response(total: usize, start: usize, resources: Vec<Value>) -> Response {
    let body = json!({"schemas": [LIST_SCHEMA], "totalResults": total, "startIndex": start, "itemsPerPage": resources.len(), "Resources": resources});
    scim_response(StatusCode::OK, body, None)
}

/// A list request: the request's [`Scim`] (who asks, the base URL of the answer) and the list's
/// parameters.
pub struct ListRequest<'a> {
    pub scim: &'a Scim,
    pub params: &'a ListParams,
}

impl ListRequest<'_> {
    /// The attributes the answer keeps (`attributes`, `excludedAttributes`).
    pub fn projection(&self) -> Projection {
        Projection::new(self.params.attributes(), self.params.excluded_attributes())
    }

    /// A list without a filter: the account's counter of the resource type (`total`) and the
    /// window of the store's list (`page(skip, count)`).
    pub async fn unfiltered<T, Fut>(
        &self,
        scope: &AccountScope,
        window: Window,
        total: impl FnOnce(&AccountRecord) -> i64,
        page: impl FnOnce(usize, usize) -> Fut,
    ) -> ScimResult<(usize, Vec<T>)>
    where
        Fut: Future<Output = Result<Vec<T>, StoreError>>,
    {
        let account = hub_api::rules::load_account(&self.scim.state, scope).await?;
        let page = page(window.start - 1, window.count).await.map_err(hub_api::ApiError::from)?;
        Ok((total(&account).max(0) as usize, page))
    }
}

/// A resource type that can be listed: the matching resources' total and the window of them.
pub trait Listed {
    fn query(list: &ListRequest<'_>, window: Window) -> impl Future<Output = ScimResult<(usize, Vec<Value>)>> + Send;
}

/// The clauses of a filter, refused when one names an attribute outside `filterable`.
pub fn clauses(filter: &str, filterable: &[&str]) -> ScimResult<Vec<Eq>> {
    let clauses = filter::parse(filter)?;
    if let Some(bad) = clauses.iter().find(|c| !filterable.contains(&c.attribute.as_str())) {
        return Err(ScimError::bad_request(
            ScimType::InvalidFilter,
            format!("filtering on {} is not supported", bad.attribute),
        ));
    }
    Ok(clauses)
}

/// `GET /<Resources>?filter=&startIndex=&count=&attributes=&excludedAttributes=`.
pub async fn list<R: Listed>(scim: Scim, Query(params): Query<ListParams>) -> ScimResult<Response> {
    list_with::<R>(scim, params).await
}

/// `POST /<Resources>/.search` with the same parameters in a JSON body.
pub async fn search<R: Listed>(scim: Scim, req: Request) -> ScimResult<Response> {
    list_with::<R>(scim, search_params(req).await?).await
}

/// The parameters of a `POST .search` request.
pub async fn search_params(req: Request) -> ScimResult<ListParams> {
    ListParams::from_search(&json_body(req).await?)
}

async fn list_with<R: Listed>(scim: Scim, params: ListParams) -> ScimResult<Response> {
    let window = params.window()?;
    let list = ListRequest { scim: &scim, params: &params };
    let (total, resources) = R::query(&list, window).await?;
    Ok(list_response(total, window.start, resources))
}
