//! The benchmark's SDK interceptor, attached to the server's store next to the request counter:
//!
//! - **capacity mode**: asks every call for `ReturnConsumedCapacity=TOTAL` and adds up the read
//!   and write capacity units the embedded DynamoDB reports (it computes them as DynamoDB bills
//!   them: 4 KB read units, halved for eventually consistent reads; 1 KB write units, doubled in
//!   transactions; index writes included);
//! - **record mode**: keeps a copy of every call's input with its start and end, so that the
//!   latency benchmark can make the very same calls directly with the SDK;
//! - otherwise it only counts operations by name.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextMut, BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation::batch_get_item::{BatchGetItemInput, BatchGetItemOutput};
use aws_sdk_dynamodb::operation::batch_write_item::{BatchWriteItemInput, BatchWriteItemOutput};
use aws_sdk_dynamodb::operation::delete_item::{DeleteItemInput, DeleteItemOutput};
use aws_sdk_dynamodb::operation::get_item::{GetItemInput, GetItemOutput};
use aws_sdk_dynamodb::operation::put_item::{PutItemInput, PutItemOutput};
use aws_sdk_dynamodb::operation::query::{QueryInput, QueryOutput};
use aws_sdk_dynamodb::operation::transact_write_items::{TransactWriteItemsInput, TransactWriteItemsOutput};
use aws_sdk_dynamodb::operation::update_item::{UpdateItemInput, UpdateItemOutput};
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::client::interceptors::context::{Input, Output};
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// One call's input, as the store built it.
#[derive(Debug, Clone)]
pub enum Recorded {
    GetItem(GetItemInput),
    Query(QueryInput),
    BatchGetItem(BatchGetItemInput),
    TransactWriteItems(TransactWriteItemsInput),
    UpdateItem(UpdateItemInput),
    BatchWriteItem(BatchWriteItemInput),
    PutItem(PutItemInput),
    DeleteItem(DeleteItemInput),
    Other,
}

impl Recorded {
    pub fn name(&self) -> &'static str {
        match self {
            Recorded::GetItem(_) => "GetItem",
            Recorded::Query(_) => "Query",
            Recorded::BatchGetItem(_) => "BatchGetItem",
            Recorded::TransactWriteItems(_) => "TransactWriteItems",
            Recorded::UpdateItem(_) => "UpdateItem",
            Recorded::BatchWriteItem(_) => "BatchWriteItem",
            Recorded::PutItem(_) => "PutItem",
            Recorded::DeleteItem(_) => "DeleteItem",
            Recorded::Other => "Other",
        }
    }
}

/// One call seen by the probe.
#[derive(Debug, Clone)]
pub struct Call {
    pub input: Recorded,
    pub start: Instant,
    pub end: Option<Instant>,
    /// Whether it succeeded.
    pub ok: bool,
    /// Read and write capacity units it consumed (capacity mode only).
    pub read_units: f64,
    pub write_units: f64,
}

#[derive(Debug, Default)]
struct State {
    record: bool,
    capacity: bool,
    calls: Vec<Call>,
    read_units: f64,
    write_units: f64,
}

#[derive(Debug, Clone, Default)]
pub struct Probe(Arc<Mutex<State>>);

/// The index of a call in the probe's list, carried from its first hook to its last.
#[derive(Debug, Clone, Copy)]
struct CallIndex(usize);

impl Storable for CallIndex {
    type Storer = StoreReplace<Self>;
}

/// What the probe saw since it was last reset.
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub calls: Vec<Call>,
    pub read_units: f64,
    pub write_units: f64,
}

impl Seen {
    /// The operations by name, in order, e.g. `GetItem, Query x2`.
    pub fn ops(&self) -> String {
        let mut out: Vec<(String, usize)> = Vec::new();
        for call in &self.calls {
            match out.last_mut() {
                Some((name, n)) if name == call.input.name() => *n += 1,
                _ => out.push((call.input.name().to_owned(), 1)),
            }
        }
        out.iter()
            .map(|(name, n)| if *n > 1 { format!("{name}×{n}") } else { name.clone() })
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

impl Probe {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Clears what was seen and sets the modes for what follows.
    pub fn reset(&self, record: bool, capacity: bool) {
        let mut s = self.lock();
        *s = State { record, capacity, ..State::default() };
    }

    pub fn take(&self) -> Seen {
        let mut s = self.lock();
        Seen {
            calls: std::mem::take(&mut s.calls),
            read_units: std::mem::take(&mut s.read_units),
            write_units: std::mem::take(&mut s.write_units),
        }
    }
}

fn record_of(input: &Input, full: bool) -> Recorded {
    macro_rules! try_as {
        ($($ty:ty => $variant:ident),*) => {
            $(if let Some(i) = input.downcast_ref::<$ty>() {
                return if full { Recorded::$variant(i.clone()) } else { Recorded::$variant(<$ty>::builder().build().expect("empty input builds")) };
            })*
        };
    }
    try_as!(
        GetItemInput => GetItem,
        QueryInput => Query,
        BatchGetItemInput => BatchGetItem,
        TransactWriteItemsInput => TransactWriteItems,
        UpdateItemInput => UpdateItem,
        BatchWriteItemInput => BatchWriteItem,
        PutItemInput => PutItem,
        DeleteItemInput => DeleteItem
    );
    Recorded::Other
}

fn ask_for_capacity(input: &mut Input) {
    macro_rules! ask {
        ($($ty:ty),*) => {
            $(if let Some(i) = input.downcast_mut::<$ty>() {
                i.return_consumed_capacity = Some(ReturnConsumedCapacity::Total);
                return;
            })*
        };
    }
    ask!(
        GetItemInput,
        QueryInput,
        BatchGetItemInput,
        TransactWriteItemsInput,
        UpdateItemInput,
        BatchWriteItemInput,
        PutItemInput,
        DeleteItemInput
    );
}

fn units(c: &ConsumedCapacity) -> f64 {
    c.capacity_units.unwrap_or(0.0)
}

/// (read units, write units) of one output.
fn capacity_of(output: &Output) -> (f64, f64) {
    let sum = |cs: &[ConsumedCapacity]| cs.iter().map(units).sum::<f64>();
    if let Some(o) = output.downcast_ref::<GetItemOutput>() {
        (o.consumed_capacity.as_ref().map(units).unwrap_or(0.0), 0.0)
    } else if let Some(o) = output.downcast_ref::<QueryOutput>() {
        (o.consumed_capacity.as_ref().map(units).unwrap_or(0.0), 0.0)
    } else if let Some(o) = output.downcast_ref::<BatchGetItemOutput>() {
        (sum(o.consumed_capacity()), 0.0)
    } else if let Some(o) = output.downcast_ref::<TransactWriteItemsOutput>() {
        (0.0, sum(o.consumed_capacity()))
    } else if let Some(o) = output.downcast_ref::<UpdateItemOutput>() {
        (0.0, o.consumed_capacity.as_ref().map(units).unwrap_or(0.0))
    } else if let Some(o) = output.downcast_ref::<BatchWriteItemOutput>() {
        (0.0, sum(o.consumed_capacity()))
    } else if let Some(o) = output.downcast_ref::<PutItemOutput>() {
        (0.0, o.consumed_capacity.as_ref().map(units).unwrap_or(0.0))
    } else if let Some(o) = output.downcast_ref::<DeleteItemOutput>() {
        (0.0, o.consumed_capacity.as_ref().map(units).unwrap_or(0.0))
    } else {
        (0.0, 0.0)
    }
}

impl Intercept for Probe {
    fn name(&self) -> &'static str {
        "BenchProbe"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let mut s = self.lock();
        let input = record_of(context.input(), s.record);
        s.calls.push(Call { input, start: Instant::now(), end: None, ok: false, read_units: 0.0, write_units: 0.0 });
        let index = s.calls.len() - 1;
        cfg.interceptor_state().store_put(CallIndex(index));
        Ok(())
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        if self.lock().capacity {
            ask_for_capacity(context.input_mut());
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let end = Instant::now();
        let outcome = context.output_or_error();
        let ok = matches!(outcome, Some(Ok(_)));
        let (read, write) = match outcome {
            Some(Ok(output)) => capacity_of(output),
            _ => (0.0, 0.0),
        };
        let mut s = self.lock();
        if let Some(CallIndex(i)) = cfg.load::<CallIndex>().copied()
            && let Some(call) = s.calls.get_mut(i)
        {
            call.end = Some(end);
            call.ok = ok;
            call.read_units = read;
            call.write_units = write;
        }
        s.read_units += read;
        s.write_units += write;
        Ok(())
    }
}
