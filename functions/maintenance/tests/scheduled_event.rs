//! The maintenance function's Lambda entry point driven by the EventBridge scheduled event
//! (`sam local generate-event cloudwatch scheduled-event`), against the embedded DynamoDB.

use hub_api::AppState;
use hub_api::auth::JwtConfig;
use hub_api::clock::Clock;
use hub_api::config::HubConfig;
use hub_api::provisioning::{AccountRequest, create_account};
use hub_maintenance::{ScheduledEvent, handler};
use hub_store::{AccountScope, EmbeddedDynamo, Store, StoreConfig};
use lambda_runtime::{Context, LambdaEvent};

/// The SAM CLI's sample, unedited.
const SCHEDULED_EVENT: &str = r#"{
  "id": "cdc73f9d-aea9-11e3-9d5a-835b769c0d9c",
  "detail-type": "Scheduled Event",
  "source": "aws.events",
  "account": "123456789012",
  "time": "1970-01-01T00:00:00Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:events:us-east-1:123456789012:rule/ExampleRule"
  ],
  "detail": {}
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_event_runs_the_job_over_every_account() {
    let dynamo = EmbeddedDynamo::in_memory().await.unwrap();
    let store = Store::connect(&StoreConfig::local(dynamo.endpoint())).await.unwrap();
    store.create_table_if_missing().await.unwrap();
    let state = AppState::new(store, JwtConfig::default(), HubConfig::default(), Clock::system());
    let mut ids = Vec::new();
    for i in 0..3 {
        let request = AccountRequest {
            name: format!("Scheduled {i}"),
            account_type: "Starter".into(),
            admin_email: format!("admin{i}@scheduled.example"),
            admin_name: "Sam Scheduler".into(),
            extra_operators: 0,
            time_zone: None,
        };
        ids.push(create_account(&state, &request).await.unwrap().account_id);
    }
    let event: ScheduledEvent = serde_json::from_str(SCHEDULED_EVENT).expect("the event deserialises");
    assert_eq!(event.detail_type.as_deref(), Some("Scheduled Event"));
    let report = handler(&state, LambdaEvent::new(event, Context::default())).await.expect("the run succeeds");
    assert_eq!((report.accounts_checked, report.accounts_repaired, report.accounts_failed), (3, 0, 0));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["accountsChecked"], 3);
    for id in &ids {
        let account = state.store.in_account(&AccountScope::new(id)).account_record().await.unwrap().unwrap();
        assert_eq!(account.inactive_computed_at.as_deref(), Some(report.now.as_str()));
    }
}
