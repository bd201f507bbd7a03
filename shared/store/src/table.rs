//! The table definition: the single source used to create the table locally and checked against
//! `template.yaml`.

use crate::keys::{Index, PK, SK};

pub use crate::client::DEFAULT_TABLE_NAME;
pub use crate::keys::TTL_ATTRIBUTE;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexDefinition {
    pub name: &'static str,
    pub hash_key: &'static str,
    pub range_key: &'static str,
    /// Non-key attributes projected into the index (`INCLUDE`); `None` projects all (`ALL`).
    pub projected_attributes: Option<&'static [&'static str]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDefinition {
    pub hash_key: &'static str,
    pub range_key: &'static str,
    /// Every key attribute of the table and its indexes; all are strings.
    pub string_attributes: Vec<&'static str>,
    /// Global secondary indexes.
    pub indexes: Vec<IndexDefinition>,
    pub ttl_attribute: &'static str,
}

pub fn definition() -> TableDefinition {
    let indexes: Vec<IndexDefinition> = Index::ALL
        .iter()
        .map(|i| IndexDefinition {
            name: i.name(),
            hash_key: i.hash_key(),
            range_key: i.range_key(),
            projected_attributes: i.projected_attributes(),
        })
        .chain(crate::keys::AUDIT_INDEXES.iter().map(|(name, hash, range)| IndexDefinition {
            name,
            hash_key: hash,
            range_key: range,
            projected_attributes: Some(&crate::keys::AUDIT_PROJECTED),
        }))
        .collect();
    let mut string_attributes = vec![PK, SK];
    for i in &indexes {
        string_attributes.push(i.hash_key);
        string_attributes.push(i.range_key);
    }
    TableDefinition { hash_key: PK, range_key: SK, string_attributes, indexes, ttl_attribute: TTL_ATTRIBUTE }
}

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification,
};

use crate::{Store, StoreError};

fn key_schema(hash: &str, range: &str) -> Vec<KeySchemaElement> {
    vec![
        KeySchemaElement::builder().attribute_name(hash).key_type(KeyType::Hash).build().expect("complete"),
        KeySchemaElement::builder().attribute_name(range).key_type(KeyType::Range).build().expect("complete"),
    ]
}

impl Store {
    /// Creates the table from [`definition`] unless it exists (local runs and tests; in AWS the
    /// table comes from template.yaml).
    pub async fn create_table_if_missing(&self) -> Result<(), StoreError> {
        let def = definition();
        if self.client.describe_table().table_name(self.table_name()).send().await.is_ok() {
            return Ok(());
        }
        let attributes = def
            .string_attributes
            .iter()
            .map(|a| {
                AttributeDefinition::builder()
                    .attribute_name(*a)
                    .attribute_type(ScalarAttributeType::S)
                    .build()
                    .expect("complete")
            })
            .collect();
        let indexes = def
            .indexes
            .iter()
            .map(|i| {
                GlobalSecondaryIndex::builder()
                    .index_name(i.name)
                    .set_key_schema(Some(key_schema(i.hash_key, i.range_key)))
                    .projection(match i.projected_attributes {
                        None => Projection::builder().projection_type(ProjectionType::All).build(),
                        Some(attributes) => Projection::builder()
                            .projection_type(ProjectionType::Include)
                            .set_non_key_attributes(Some(attributes.iter().map(|a| (*a).to_owned()).collect()))
                            .build(),
                    })
                    .build()
                    .expect("complete")
            })
            .collect();
        let created = self
            .client
            .create_table()
            .table_name(self.table_name())
            .billing_mode(BillingMode::PayPerRequest)
            .set_attribute_definitions(Some(attributes))
            .set_key_schema(Some(key_schema(def.hash_key, def.range_key)))
            .set_global_secondary_indexes(Some(indexes))
            .send()
            .await;
        if let Err(e) = created {
            // Two processes may race to create it; the loser finds it there.
            use aws_sdk_dynamodb::error::ProvideErrorMetadata;
            if e.code() != Some("ResourceInUseException") {
                return Err(crate::error::classify(e));
            }
        }
        let ttl = TimeToLiveSpecification::builder()
            .attribute_name(def.ttl_attribute)
            .enabled(true)
            .build()
            .expect("complete");
        // TTL is a convenience here (readers check expiry themselves); an emulator without it is fine.
        let _ = self
            .client
            .update_time_to_live()
            .table_name(self.table_name())
            .time_to_live_specification(ttl)
            .send()
            .await;
        Ok(())
    }
}
