//! The collection envelope and paging parameters shared by every list.

use serde::Serialize;

use crate::error::ApiError;

/// `{"items": [...], "nextCursor": "..." | null}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Collection<T> {
    pub items: Vec<T>,
    #[schema(required)]
    pub next_cursor: Option<String>,
}

impl<T> Collection<T> {
    pub fn from_page<U>(page: hub_store::Page<U>, f: impl FnMut(U) -> T) -> Self {
        Collection { items: page.items.into_iter().map(f).collect(), next_cursor: page.next_cursor }
    }
    pub fn all(items: Vec<T>) -> Self {
        Collection { items, next_cursor: None }
    }
}

pub const DEFAULT_LIMIT: i64 = 25;
pub use crate::values::MAX_LIMIT;

/// Validated `limit` (1-100, default 25) and `cursor`.
pub fn page_request<'a>(limit: Option<i64>, cursor: Option<&'a str>) -> Result<hub_store::PageRequest<'a>, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 100"));
    }
    Ok(hub_store::PageRequest { limit: limit as usize, cursor: cursor.filter(|c| !c.is_empty()) })
}

/// `?limit=&cursor=` of a list that has no filters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-100, default 25.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
