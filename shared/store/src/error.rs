use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

/// Which business condition of a guarded write did not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// The item changed since it was read (its `version` moved), or it no longer exists.
    Version,
    /// The thing being written already exists (an id collision, a duplicate membership).
    AlreadyExists,
    /// A parent item (operator, group) is gone or being deleted.
    ParentMissing,
    /// `operatorsTotal` reached `operatorLimit`.
    OperatorLimit,
    EmailTaken,
    GroupNameTaken,
    /// Another operator (or group) of the account already has this SCIM `externalId`.
    ExternalIdTaken,
    /// The account's `rulesVersion` moved: some other change that can remove permission holders
    /// or administrators committed in between, so the rule checks must be made again.
    RulesChanged,
    /// Administrators would lose its last member.
    LastAdministrator,
    /// An `Idempotency-Key` record already exists.
    IdempotencyKey,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("condition failed: {0:?}")]
    Guard(Guard),
    /// Another transaction touched the same items at the same moment; safe to retry.
    #[error("transaction conflict")]
    Contention,
    /// A list cursor that this server did not issue for this account and list.
    #[error("invalid cursor")]
    InvalidCursor,
    /// DynamoDB throttled, timed out or could not be reached (after the SDK's own retries).
    #[error("database unavailable")]
    Unavailable,
    /// A stored item could not be read back into its type, or the database answered something
    /// this code does not expect. Never shown to clients.
    #[error("store internal error: {0}")]
    Internal(String),
}

impl StoreError {
    /// Whether re-reading and re-trying the whole operation may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Contention | StoreError::Guard(Guard::RulesChanged))
    }
}

const THROTTLING_CODES: [&str; 6] = [
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "LimitExceededException",
];

pub(crate) fn classify<E, R>(err: SdkError<E, R>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    match &err {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => StoreError::Unavailable,
        SdkError::ServiceError(ctx) => {
            let code = ctx.err().code().unwrap_or_default();
            if THROTTLING_CODES.contains(&code) {
                StoreError::Unavailable
            } else if code == "TransactionConflictException" || code == "TransactionInProgressException" {
                StoreError::Contention
            } else {
                StoreError::Internal(format!("{code}: {}", ctx.err().message().unwrap_or_default()))
            }
        }
        SdkError::ResponseError(_) => StoreError::Unavailable,
        _ => StoreError::Internal(format!("{err:?}")),
    }
}

impl From<serde_dynamo::Error> for StoreError {
    fn from(e: serde_dynamo::Error) -> Self {
        StoreError::Internal(format!("item (de)serialisation: {e}"))
    }
}
