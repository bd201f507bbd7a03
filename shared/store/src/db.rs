//! The store handle and the small set of DynamoDB primitives every repository is built from:
//! reads, paged queries with signed cursors, batch reads and guarded transactions.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::sync::Arc;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::operation::update_item::{UpdateItemError, UpdateItemOutput};
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, KeysAndAttributes, Put, Select, TransactWriteItem, Update,
};
use serde::de::DeserializeOwned;

use crate::cursor::CursorCodec;
use crate::error::{Guard, StoreError, classify};
use crate::keys::{AccountScope, Index, Key, PK, SK};
use crate::records::decode;
use crate::{RequestCounter, StoreConfig};

pub(crate) type Item = HashMap<String, AttributeValue>;

/// A handle on the table. Cheap to clone; build it once per process.
#[derive(Clone)]
pub struct Store {
    pub(crate) client: Client,
    pub(crate) table: Arc<str>,
    pub(crate) cursors: CursorCodec,
}

/// The store inside one account: [`Store::in_account`]. The repositories' reads and writes of
/// an account's data are methods of this handle, so a request names its account once and every
/// key those methods build is under that account's partition. It derefs to the [`Store`] for the
/// table-wide primitives (transactions, reads, queries).
#[derive(Clone, Copy)]
pub struct AccountStore<'a> {
    store: &'a Store,
    pub(crate) scope: &'a AccountScope,
}

impl<'a> AccountStore<'a> {
    /// The account this handle reads and writes.
    pub fn scope(&self) -> &'a AccountScope {
        self.scope
    }
}

impl std::ops::Deref for AccountStore<'_> {
    type Target = Store;

    fn deref(&self) -> &Store {
        self.store
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page { items: self.items.into_iter().map(f).collect(), next_cursor: self.next_cursor }
    }

    /// [`Page::map`] with a conversion that may fail (decoding the items read).
    pub(crate) fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page { items: self.items.into_iter().map(f).collect::<Result<_, _>>()?, next_cursor: self.next_cursor })
    }
}

/// Which page of a list to read.
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<'a> {
    pub limit: usize,
    pub cursor: Option<&'a str>,
}

impl PageRequest<'_> {
    /// Every item, for internal walks over a whole list.
    pub const ALL: PageRequest<'static> = PageRequest { limit: 100, cursor: None };
}

/// A filter applied after the key condition: the expression (attribute names as `#name`) and its
/// values.
pub(crate) struct Filter {
    pub expression: String,
    pub values: Values,
}

pub(crate) struct QuerySpec<'a> {
    /// Name the cursor is bound to.
    pub list: String,
    pub index: Option<Index>,
    pub hash_value: String,
    pub sk_prefix: Option<String>,
    pub filter: Option<Filter>,
    pub page: PageRequest<'a>,
}

impl<'a> QuerySpec<'a> {
    /// The list of the account partition's items whose sort key starts with `prefix`.
    pub(crate) fn under(scope: &AccountScope, list: String, prefix: String, page: PageRequest<'a>) -> Self {
        QuerySpec {
            list,
            index: None,
            hash_value: scope.partition().to_owned(),
            sk_prefix: Some(prefix),
            filter: None,
            page,
        }
    }

    /// The list of the whole partition `hash_value` of `index`, in its sort key order.
    pub(crate) fn on_index(
        index: Index,
        list: String,
        hash_value: String,
        filter: Option<Filter>,
        page: PageRequest<'a>,
    ) -> Self {
        QuerySpec { list, index: Some(index), hash_value, sk_prefix: None, filter, page }
    }
}

/// A filtered query stops after this many DynamoDB calls and returns what it has with a cursor,
/// so that one request never walks a huge partition.
const MAX_CALLS_PER_PAGE: usize = 5;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}
pub(crate) fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

pub(crate) fn key_item(key: &Key) -> Item {
    HashMap::from([(PK.to_owned(), s(&key.pk)), (SK.to_owned(), s(&key.sk))])
}

/// The string attribute `name` of an item, if it has one.
pub(crate) fn string_attr(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

/// The string attribute `name` of each of `items` that has one (the ids that memberships,
/// markers and reservations hold).
pub(crate) fn strings_in<'a>(
    items: impl IntoIterator<Item = &'a Item> + 'a,
    name: &'a str,
) -> impl Iterator<Item = String> + 'a {
    items.into_iter().filter_map(move |item| string_attr(item, name))
}

/// Every `#name` in an expression stands for the attribute `name`.
fn names_of(expressions: &[&str]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for expr in expressions {
        let mut rest = *expr;
        while let Some(at) = rest.find('#') {
            let tail = &rest[at + 1..];
            let end = tail.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(tail.len());
            if end > 0 {
                names.insert(format!("#{}", &tail[..end]), tail[..end].to_owned());
            }
            rest = &tail[end..];
        }
    }
    names
}

fn values_of(values: Values) -> Option<HashMap<String, AttributeValue>> {
    if values.is_empty() { None } else { Some(values.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()) }
}

fn non_empty(names: HashMap<String, String>) -> Option<HashMap<String, String>> {
    if names.is_empty() { None } else { Some(names) }
}

fn build_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Internal(format!("request build: {e}"))
}

/// The values (`:name`) an expression names.
pub(crate) type Values = Vec<(&'static str, AttributeValue)>;

/// What must hold for a transaction action to apply, and the [`Guard`] reported when it does not.
#[derive(Default)]
pub(crate) struct Condition<'a> {
    rule: Option<(&'a str, Guard)>,
    values: Values,
}

impl<'a> Condition<'a> {
    /// No condition: the action always applies.
    pub(crate) fn none() -> Self {
        Condition::default()
    }

    /// `expression` must hold (`guard` otherwise).
    pub(crate) fn new(expression: &'a str, guard: Guard) -> Self {
        Condition { rule: Some((expression, guard)), values: Vec::new() }
    }

    /// The item must not exist yet (`guard` otherwise).
    pub(crate) fn absent(guard: Guard) -> Self {
        Condition::new("attribute_not_exists(#PK)", guard)
    }

    /// The item must exist (`guard` otherwise).
    pub(crate) fn exists(guard: Guard) -> Self {
        Condition::new("attribute_exists(#PK)", guard)
    }

    /// The values the expression names.
    pub(crate) fn with(mut self, values: Values) -> Self {
        self.values.extend(values);
        self
    }

    /// The item is still at version `seen`, as read (`Guard::Version` otherwise).
    pub(crate) fn version_is(seen: i64) -> Self {
        Condition::new("#version = :seen", Guard::Version).with(vec![(":seen", n(seen))])
    }

    /// The expression, the guard and the values.
    fn into_parts(self) -> (Option<&'a str>, Option<Guard>, Values) {
        let (expression, guard) = self.rule.unzip();
        (expression, guard, self.values)
    }
}

/// Builds one transaction action from `$builder` (a `Put`, `Delete`, `Update` or `ConditionCheck`
/// builder: they have the same setters but no common trait) on `$table`, with `$condition` and the
/// attribute names and values of its expressions (`$expressions`, `$values`).
macro_rules! action {
    ($builder:expr, $table:expr, $condition:expr, $expressions:expr, $values:expr) => {
        $builder
            .table_name($table)
            .set_condition_expression($condition.map(str::to_owned))
            .set_expression_attribute_names(non_empty(names_of($expressions)))
            .set_expression_attribute_values(values_of($values))
            .build()
            .expect("the table and the key or item are set")
    };
}

/// A multi-item write that commits entirely or not at all. Every action may carry the [`Guard`]
/// its condition expresses, so that a cancelled transaction says which business rule failed.
pub(crate) struct Tx {
    table: Arc<str>,
    actions: Vec<TransactWriteItem>,
    guards: Vec<Option<Guard>>,
}

/// Re-sends of a transaction that lost to a concurrent one.
const CONFLICT_RETRIES: u64 = 3;

/// DynamoDB's limit of actions per transaction.
pub(crate) const MAX_TX_ACTIONS: usize = 100;

impl Tx {
    pub(crate) fn put(&mut self, item: Item, condition: Condition<'_>) {
        let (expression, guard, values) = condition.into_parts();
        let builder = Put::builder().set_item(Some(item));
        let put = action!(builder, &*self.table, expression, expression.as_slice(), values);
        self.push(TransactWriteItem::builder().put(put).build(), guard);
    }

    pub(crate) fn delete(&mut self, key: &Key, condition: Condition<'_>) {
        let (expression, guard, values) = condition.into_parts();
        let builder = Delete::builder().set_key(Some(key_item(key)));
        let delete = action!(builder, &*self.table, expression, expression.as_slice(), values);
        self.push(TransactWriteItem::builder().delete(delete).build(), guard);
    }

    /// Applies the update expression `update`, whose values are `values`, under `condition`.
    pub(crate) fn update(&mut self, key: &Key, update: &str, mut values: Values, condition: Condition<'_>) {
        let (expression, guard, condition_values) = condition.into_parts();
        let mut expressions = vec![update];
        expressions.extend(expression);
        values.extend(condition_values);
        let builder = Update::builder().set_key(Some(key_item(key))).update_expression(update);
        let update = action!(builder, &*self.table, expression, &expressions, values);
        self.push(TransactWriteItem::builder().update(update).build(), guard);
    }

    /// Checks `condition` (which must have an expression) on the item at `key` without writing it.
    pub(crate) fn check(&mut self, key: &Key, condition: Condition<'_>) {
        let (expression, guard, values) = condition.into_parts();
        debug_assert!(expression.is_some(), "a condition check without a condition");
        let builder = ConditionCheck::builder().set_key(Some(key_item(key)));
        let check = action!(builder, &*self.table, expression, expression.as_slice(), values);
        self.push(TransactWriteItem::builder().condition_check(check).build(), guard);
    }

    fn push(&mut self, action: TransactWriteItem, guard: Option<Guard>) {
        self.actions.push(action);
        self.guards.push(guard);
    }

    /// The items of a transaction made only of puts, without their conditions: how the
    /// benchmark-only bulk loader (`bulk.rs`) reuses the very item builders of the real writes.
    /// `None` when the transaction holds anything but puts.
    #[cfg(feature = "bulk")]
    pub(crate) fn into_put_items(self) -> Option<Vec<Item>> {
        self.actions.into_iter().map(|a| a.put.map(|p| p.item)).collect()
    }

    /// Puts `item` over the one read at version `seen`, provided nobody changed it since
    /// (`Guard::Version` otherwise).
    pub(crate) fn put_versioned(&mut self, item: Item, seen: i64) {
        self.put(item, Condition::version_is(seen));
    }

    /// Deletes the item read at version `seen`, provided nobody changed it since (`Guard::Version`
    /// otherwise).
    pub(crate) fn delete_versioned(&mut self, key: &Key, seen: i64) {
        self.delete(key, Condition::version_is(seen));
    }
}

impl Store {
    /// A store for `config`. Sends nothing yet (the client connects on its first request); fails
    /// when the client cannot be built: no endpoint and no credentials this build knows how to
    /// find, or no TLS set-up. The error says what to configure.
    pub async fn connect(config: &StoreConfig) -> Result<Store, String> {
        Self::build(config, None).await
    }

    /// A store whose every DynamoDB request is counted by `counter`.
    pub async fn connect_counted(config: &StoreConfig, counter: RequestCounter) -> Result<Store, String> {
        Self::build(config, Some(counter)).await
    }

    async fn build(config: &StoreConfig, counter: Option<RequestCounter>) -> Result<Store, String> {
        Ok(Store {
            client: crate::client::build_client(
                config,
                counter.map(aws_sdk_dynamodb::config::SharedInterceptor::new).into_iter().collect(),
            )
            .await?,
            table: Arc::from(config.table_name.as_str()),
            cursors: CursorCodec::new(&config.cursor_secret),
        })
    }

    /// The repositories of one account's data.
    pub fn in_account<'a>(&'a self, scope: &'a AccountScope) -> AccountStore<'a> {
        AccountStore { store: self, scope }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    pub(crate) fn tx(&self) -> Tx {
        Tx { table: self.table.clone(), actions: Vec::new(), guards: Vec::new() }
    }

    /// Commits a transaction. A conflict with another transaction on the same items means nothing
    /// was applied, and the conditions are evaluated again at every attempt, so the very same
    /// transaction is sent again a few times before the conflict is reported.
    pub(crate) async fn commit(&self, tx: Tx) -> Result<(), StoreError> {
        if tx.actions.is_empty() {
            return Ok(());
        }
        debug_assert!(tx.actions.len() <= MAX_TX_ACTIONS, "transaction of {} actions", tx.actions.len());
        let mut attempt = 0;
        loop {
            match self.commit_once(&tx).await {
                Err(StoreError::Contention) if attempt < CONFLICT_RETRIES => {
                    attempt += 1;
                    let mut jitter = [0u8; 1];
                    let _ = getrandom::fill(&mut jitter);
                    tokio::time::sleep(std::time::Duration::from_millis(5 * attempt + u64::from(jitter[0] % 10))).await;
                }
                other => return other,
            }
        }
    }

    /// Commits a transaction whose `refused` guard means "nothing to do": `Ok(false)` then.
    pub(crate) async fn commit_unless(&self, tx: Tx, refused: Guard) -> Result<bool, StoreError> {
        match self.commit(tx).await {
            Ok(()) => Ok(true),
            Err(StoreError::Guard(guard)) if guard == refused => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// An UpdateItem of the item at `key` outside a transaction: `update` under `condition`, with
    /// the attribute names their expressions use (`#name` stands for `name`) and `values`. Sent
    /// with [`Store::conditional_update`].
    pub(crate) fn update_item(
        &self,
        key: &Key,
        update: &str,
        condition: &str,
        values: Values,
    ) -> UpdateItemFluentBuilder {
        self.client
            .update_item()
            .table_name(&*self.table)
            .set_key(Some(key_item(key)))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(non_empty(names_of(&[update, condition])))
            .set_expression_attribute_values(values_of(values))
    }

    /// Sends the conditional UpdateItem `request` (see [`Store::update_item`]). `Ok(None)` when
    /// its condition failed; a collision with a transaction on the item is tried again shortly,
    /// `attempts` times in all, before it is reported as contention.
    pub(crate) async fn conditional_update(
        &self,
        attempts: u64,
        request: UpdateItemFluentBuilder,
    ) -> Result<Option<UpdateItemOutput>, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match request.clone().send().await {
                Ok(out) => return Ok(Some(out)),
                Err(e) if matches!(e.as_service_error(), Some(UpdateItemError::ConditionalCheckFailedException(_))) => {
                    return Ok(None);
                }
                Err(e) => match classify(e) {
                    StoreError::Contention if attempt < attempts => {
                        tokio::time::sleep(std::time::Duration::from_millis(5 * attempt)).await
                    }
                    other => return Err(other),
                },
            }
        }
    }

    async fn commit_once(&self, tx: &Tx) -> Result<(), StoreError> {
        let result = self.client.transact_write_items().set_transact_items(Some(tx.actions.clone())).send().await;
        let Err(err) = result else { return Ok(()) };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = err.as_service_error() {
            let reasons = cancelled.cancellation_reasons();
            if let Some(i) = reasons.iter().position(|r| r.code() == Some("ConditionalCheckFailed")) {
                return Err(match tx.guards.get(i).copied().flatten() {
                    Some(guard) => StoreError::Guard(guard),
                    None => StoreError::Internal(format!("unguarded condition failed at action {i}")),
                });
            }
            if reasons.iter().any(|r| matches!(r.code(), Some("TransactionConflict"))) {
                return Err(StoreError::Contention);
            }
            if reasons.iter().any(|r| {
                matches!(r.code(), Some("ThrottlingError" | "ProvisionedThroughputExceeded" | "RequestLimitExceeded"))
            }) {
                return Err(StoreError::Unavailable);
            }
            let codes: Vec<_> = reasons.iter().map(|r| r.code().unwrap_or("None")).collect();
            return Err(StoreError::Internal(format!("transaction cancelled: {codes:?} {:?}", cancelled.message())));
        }
        Err(classify(err))
    }

    pub(crate) async fn get(&self, key: &Key) -> Result<Option<Item>, StoreError> {
        self.get_projected(key, None).await
    }

    /// [`Store::get`] returning only the attributes of `projection` (`#name, #name, ...`): for
    /// items with an attribute that must never come back in a response (the SDK logs responses
    /// at TRACE).
    pub(crate) async fn get_projected(&self, key: &Key, projection: Option<&str>) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&*self.table)
            .set_key(Some(key_item(key)))
            .set_projection_expression(projection.map(str::to_owned))
            .set_expression_attribute_names(projection.and_then(|p| non_empty(names_of(&[p]))))
            .consistent_read(true)
            .send()
            .await
            .map_err(classify)?;
        Ok(out.item)
    }

    /// The record at `key` (read with `projection`, see [`Store::get_projected`]), if it exists.
    pub(crate) async fn record<T: DeserializeOwned>(
        &self,
        key: &Key,
        projection: Option<&str>,
    ) -> Result<Option<T>, StoreError> {
        self.get_projected(key, projection).await?.map(decode).transpose()
    }

    /// The records at `keys` that exist, in the order of `ids` (`id_of` tells a record's id).
    pub(crate) async fn records_in_order<T: DeserializeOwned, I: Eq + Hash + Clone>(
        &self,
        keys: Vec<Key>,
        ids: &[I],
        id_of: impl Fn(&T) -> &I,
    ) -> Result<Vec<T>, StoreError> {
        let mut by_id: HashMap<I, T> = HashMap::new();
        for item in self.batch_get(keys).await? {
            let record: T = decode(item)?;
            by_id.insert(id_of(&record).clone(), record);
        }
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    /// Reads many items by key, in request-sized chunks, following up unprocessed keys. Missing
    /// items are simply absent from the result; order is not kept.
    pub(crate) async fn batch_get(&self, keys: Vec<Key>) -> Result<Vec<Item>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        let mut unique = keys;
        unique.sort_by(|a, b| (&a.pk, &a.sk).cmp(&(&b.pk, &b.sk)));
        unique.dedup();
        for chunk in unique.chunks(100) {
            let mut pending: Vec<Item> = chunk.iter().map(key_item).collect();
            let mut rounds = 0;
            while !pending.is_empty() {
                rounds += 1;
                if rounds > 8 {
                    return Err(StoreError::Unavailable);
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .build()
                    .map_err(build_err)?;
                let out =
                    self.client.batch_get_item().request_items(&*self.table, request).send().await.map_err(classify)?;
                if let Some(mut responses) = out.responses {
                    found.extend(responses.remove(&*self.table).unwrap_or_default());
                }
                pending =
                    out.unprocessed_keys.and_then(|mut u| u.remove(&*self.table)).map(|k| k.keys).unwrap_or_default();
            }
        }
        Ok(found)
    }

    /// The ids (or names) that those of the items at `keys` that exist hold in `attribute` (one
    /// batched read).
    pub(crate) async fn ids_at<I: From<String>, C: FromIterator<I>>(
        &self,
        keys: Vec<Key>,
        attribute: &str,
    ) -> Result<C, StoreError> {
        Ok(strings_in(&self.batch_get(keys).await?, attribute).map(I::from).collect())
    }

    /// Every entry of an index partition, in DynamoDB's own pages (up to 1 MB each, no item
    /// limit), with only the attributes of `projection`. For whole-partition reads where the
    /// number of requests should depend on bytes, not on items.
    pub(crate) async fn query_index_all(
        &self,
        index: Index,
        hash_value: &str,
        projection: &str,
    ) -> Result<Vec<Item>, StoreError> {
        let mut names = names_of(&[projection]);
        names.insert("#h".to_owned(), index.hash_key().to_owned());
        let query = self
            .client
            .query()
            .table_name(&*self.table)
            .index_name(index.name())
            .key_condition_expression("#h = :h")
            .set_expression_attribute_names(Some(names))
            .expression_attribute_values(":h", s(hash_value))
            .projection_expression(projection);
        self.query_to_end(query).await
    }

    /// Sends `query` page after page until DynamoDB has no more, and returns every item.
    async fn query_to_end(&self, query: QueryFluentBuilder) -> Result<Vec<Item>, StoreError> {
        let mut all = Vec::new();
        let mut start_key: Option<Item> = None;
        loop {
            let out = query.clone().set_exclusive_start_key(start_key.take()).send().await.map_err(classify)?;
            all.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) => start_key = Some(k),
                None => return Ok(all),
            }
        }
    }
}

/// Queries within the account's partition and its index partitions: their cursors are bound to
/// the account (a cursor of one account is refused in another).
impl AccountStore<'_> {
    /// One page of a list. Pages may hold fewer than `limit` items when a filter is applied;
    /// `next_cursor` is `None` only at the end of the list.
    pub(crate) async fn query_page(self, spec: QuerySpec<'_>) -> Result<Page<Item>, StoreError> {
        self.query_page_projected(spec, None).await
    }

    /// [`AccountStore::query_page_projected`] with its items decoded into records.
    pub(crate) async fn query_records<T: DeserializeOwned>(
        self,
        spec: QuerySpec<'_>,
        projection: Option<&str>,
    ) -> Result<Page<T>, StoreError> {
        self.query_page_projected(spec, projection).await?.try_map(decode)
    }

    /// [`AccountStore::query_page`] returning only the attributes of `projection` (which must include
    /// the key attributes the cursor is made of).
    pub(crate) async fn query_page_projected(
        self,
        spec: QuerySpec<'_>,
        projection: Option<&str>,
    ) -> Result<Page<Item>, StoreError> {
        let (hash_attr, range_attr) = match spec.index {
            Some(i) => (i.hash_key(), i.range_key()),
            None => (PK, SK),
        };
        let mut start_key: Option<Item> = match spec.page.cursor {
            Some(c) => {
                let key = self.cursors.decode(self.scope, &spec.list, c).map_err(|_| StoreError::InvalidCursor)?;
                // The cursor's key must point into the very partition being listed.
                if key.get(hash_attr) != Some(&spec.hash_value) {
                    return Err(StoreError::InvalidCursor);
                }
                Some(key.into_iter().map(|(k, v)| (k, s(v))).collect())
            }
            None => None,
        };
        let mut key_cond = format!("#{hash_attr} = :h");
        let mut values = vec![(":h", s(&spec.hash_value))];
        if let Some(prefix) = &spec.sk_prefix {
            key_cond.push_str(&format!(" AND begins_with(#{range_attr}, :p)"));
            values.push((":p", s(prefix)));
        }
        let filter_expr = spec.filter.as_ref().map(|f| f.expression.clone());
        if let Some(f) = spec.filter {
            values.extend(f.values);
        }
        let mut exprs = vec![key_cond.as_str()];
        exprs.extend(filter_expr.as_deref());
        exprs.extend(projection);
        let names = names_of(&exprs);
        let values = values_of(values);

        let limit = spec.page.limit.max(1);
        let mut items = Vec::new();
        for _ in 0..MAX_CALLS_PER_PAGE {
            let want = limit - items.len();
            let out = self
                .client
                .query()
                .table_name(&*self.table)
                .set_index_name(spec.index.map(|i| i.name().to_owned()))
                .key_condition_expression(&key_cond)
                .set_filter_expression(filter_expr.clone())
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(values.clone())
                .set_exclusive_start_key(start_key.take())
                .consistent_read(spec.index.is_none())
                .select(if projection.is_some() { Select::SpecificAttributes } else { Select::AllAttributes })
                .set_projection_expression(projection.map(str::to_owned))
                // One more than needed tells whether another page exists.
                .limit((want + 1).min(1000) as i32)
                .send()
                .await
                .map_err(classify)?;
            let mut page_items = out.items.unwrap_or_default();
            if page_items.len() > want {
                page_items.truncate(want);
                items.extend(page_items);
                let last = items.last().expect("page holds at least one item");
                let cursor = self.cursor_after(&spec.list, last, hash_attr, range_attr);
                return Ok(Page { items, next_cursor: Some(cursor) });
            }
            items.extend(page_items);
            match out.last_evaluated_key {
                Some(lek) if items.len() == limit => {
                    // Exactly full: the cursor points after the last evaluated key, which may be an
                    // item the filter left out; the next page starts after it either way.
                    let cursor = self.cursor_from_key(&spec.list, &lek);
                    return Ok(Page { items, next_cursor: Some(cursor) });
                }
                Some(lek) => start_key = Some(lek),
                None => return Ok(Page { items, next_cursor: None }),
            }
        }
        let cursor = start_key.map(|k| self.cursor_from_key(&spec.list, &k));
        Ok(Page { items, next_cursor: cursor })
    }

    fn cursor_after(self, list: &str, item: &Item, hash_attr: &str, range_attr: &str) -> String {
        let mut key = BTreeMap::new();
        for attr in [PK, SK, hash_attr, range_attr] {
            if let Some(AttributeValue::S(v)) = item.get(attr) {
                key.insert(attr.to_owned(), v.clone());
            }
        }
        self.cursors.encode(self.scope, list, key)
    }

    fn cursor_from_key(self, list: &str, lek: &Item) -> String {
        let key = lek
            .iter()
            .filter_map(|(k, v)| match v {
                AttributeValue::S(s) => Some((k.clone(), s.clone())),
                _ => None,
            })
            .collect();
        self.cursors.encode(self.scope, list, key)
    }

    /// Every item of a partition-prefix, following pages (internal walks only).
    pub(crate) async fn query_all(self, sk_prefix: &str) -> Result<Vec<Item>, StoreError> {
        self.query_all_projected(sk_prefix, None).await
    }

    /// The ids (or names) that every item under `sk_prefix` holds in `attribute`: the
    /// memberships, markers and reservations that name what they belong to.
    pub(crate) async fn ids_under<I: From<String>, C: FromIterator<I>>(
        self,
        sk_prefix: &str,
        attribute: &str,
    ) -> Result<C, StoreError> {
        Ok(strings_in(&self.query_all(sk_prefix).await?, attribute).map(I::from).collect())
    }

    /// [`AccountStore::query_all`] returning only the attributes of `projection`.
    pub(crate) async fn query_all_projected(
        self,
        sk_prefix: &str,
        projection: Option<&str>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut names = HashMap::from([("#PK".to_owned(), PK.to_owned()), ("#SK".to_owned(), SK.to_owned())]);
        if let Some(p) = projection {
            names.extend(names_of(&[p]));
        }
        let query = self
            .client
            .query()
            .table_name(&*self.table)
            .key_condition_expression("#PK = :h AND begins_with(#SK, :p)")
            .set_expression_attribute_names(Some(names))
            .set_projection_expression(projection.map(str::to_owned))
            .expression_attribute_values(":h", s(self.scope.partition()))
            .expression_attribute_values(":p", s(sk_prefix))
            .consistent_read(true);
        self.query_to_end(query).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expression_names_are_found() {
        let names = names_of(&["SET #a = #a + :one, #b_c = :x", "attribute_exists(#PK) AND #v = :v"]);
        let mut keys: Vec<_> = names.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["#PK", "#a", "#b_c", "#v"]);
        assert_eq!(names["#b_c"], "b_c");
    }
}
