//! How failures reach the client. Business failures of a mutation become `userErrors`;
//! everything else is a top-level error with `extensions.code`. Database and internal
//! failures are logged here and reach the client only as `INTERNAL_SERVER_ERROR` — the
//! HTTP layer adds the request id that finds the log line.
use crate::domain::fault::{ErrorCode, Fault};
use crate::service::ServiceError;
use async_graphql::{ErrorExtensions, SimpleObject};

/// The codes of top-level errors (`extensions.code`).
pub mod code {
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    pub const FORBIDDEN: &str = "FORBIDDEN";
    pub const NOT_FOUND: &str = "NOT_FOUND";
    pub const BAD_USER_INPUT: &str = "BAD_USER_INPUT";
    pub const QUERY_TOO_COMPLEX: &str = "QUERY_TOO_COMPLEX";
    pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    pub const INTERNAL_SERVER_ERROR: &str = "INTERNAL_SERVER_ERROR";
}

/// A top-level error with its code.
pub fn api_error(code: &'static str, message: impl Into<String>) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, ext| ext.set("code", code))
}

pub fn unauthenticated(message: impl Into<String>) -> async_graphql::Error {
    api_error(code::UNAUTHENTICATED, message)
}

pub fn bad_input(message: impl Into<String>) -> async_graphql::Error {
    api_error(code::BAD_USER_INPUT, message)
}

/// A failure of the server itself: the detail goes to the log, the client gets the code.
pub fn internal(detail: impl std::fmt::Display) -> async_graphql::Error {
    tracing::error!(error = %detail, "internal error");
    api_error(
        code::INTERNAL_SERVER_ERROR,
        "internal server error: the request was not completed; quote the request id when reporting it",
    )
}

/// A service failure as a top-level error, for queries.
pub fn from_service(err: ServiceError) -> async_graphql::Error {
    match err {
        ServiceError::Rejected(faults) => {
            let code = match faults.first().map(|f| f.code) {
                Some(ErrorCode::Forbidden) => code::FORBIDDEN,
                Some(ErrorCode::NotFound) => code::NOT_FOUND,
                Some(ErrorCode::InvalidCredentials) => code::UNAUTHENTICATED,
                Some(ErrorCode::RateLimited) => code::RATE_LIMITED,
                _ => code::BAD_USER_INPUT,
            };
            let message = faults.iter().map(|f| f.message.as_str()).collect::<Vec<_>>().join("; ");
            api_error(code, message)
        }
        ServiceError::Database(e) => internal(e),
        ServiceError::Internal(e) => internal(e),
    }
}

/// A business failure reported in a mutation's payload.
#[derive(SimpleObject, Clone, Debug)]
pub struct UserError {
    /// What kind of failure it is; clients branch on this, not on the message.
    pub code: ErrorCode,
    /// The path to the input field at fault, e.g. `["input", "regionCode"]`; null when no
    /// single field is to blame.
    pub field: Option<Vec<String>>,
    /// What went wrong, for the person at the keyboard.
    pub message: String,
}

impl From<Fault> for UserError {
    fn from(fault: Fault) -> Self {
        UserError {
            code: fault.code,
            field: (!fault.field.is_empty()).then_some(fault.field),
            message: fault.message,
        }
    }
}

/// Splits a service result into a mutation payload's object and its `userErrors`;
/// database and internal failures stay top-level errors.
pub fn payload<T>(result: Result<T, ServiceError>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match result {
        Ok(value) => Ok((Some(value), Vec::new())),
        Err(ServiceError::Rejected(faults)) => Ok((None, faults.into_iter().map(UserError::from).collect())),
        Err(other) => Err(from_service(other)),
    }
}

/// Shorthand for queries: a service result with failures as top-level errors.
pub trait OrApiError<T> {
    fn api(self) -> async_graphql::Result<T>;
}

impl<T> OrApiError<T> for Result<T, ServiceError> {
    fn api(self) -> async_graphql::Result<T> {
        self.map_err(from_service)
    }
}
