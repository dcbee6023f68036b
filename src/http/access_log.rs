//! 访问日志 — one log line for every request, refused ones included: its id, method, route,
//! status, GraphQL operation, user, client address, duration and error codes; a warning
//! instead when it took longer than `TRACKER_SLOW_MS`. Every line the request causes
//! carries its id (the request's span), and so does the answer (`x-request-id`). The same
//! facts are counted for `/metrics`.
use super::AppState;
use crate::telemetry;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being answered; a new one outside a request.
pub fn request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_else(|_| new_request_id())
}

/// A random request id. From the thread's generator (seeded from the OS), so that a
/// request costs no system call for it.
fn new_request_id() -> String {
    uuid::Uuid::from_u128(rand::random::<u128>()).simple().to_string()
}

/// What a handler tells the log about its request (a response extension).
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// The GraphQL operation's name (`anonymous` when it has none).
    pub operation: Option<String>,
    pub user: Option<String>,
    /// The top-level errors' codes, then the user errors' codes.
    pub codes: Vec<String>,
    /// Whether a mutation answered with user errors (and no top-level error).
    pub user_errors: bool,
}

impl Outcome {
    /// A request refused with one error code.
    pub fn refused(code: &str) -> Self {
        Outcome {
            codes: vec![code.to_string()],
            ..Default::default()
        }
    }

    /// OK, USER_ERROR or the first error code.
    fn label(&self) -> &str {
        match self.codes.first() {
            _ if self.user_errors => "USER_ERROR",
            Some(code) => code,
            None => "OK",
        }
    }
}

pub async fn log(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let _in_flight = telemetry::InFlight::start();
    let id = new_request_id();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let path = request.uri().path().to_string();
    let client = super::client_address(&state, request.headers(), peer);
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = REQUEST_ID
        .scope(id.clone(), next.run(request).instrument(span.clone()))
        .await;
    let took = started.elapsed();
    let outcome = response.extensions_mut().remove::<Outcome>().unwrap_or_default();
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().entry("x-request-id").or_insert(value);
    }
    let status = response.status().as_u16();
    let label = if outcome.codes.is_empty() && status >= 400 {
        // A refusal no handler described (404, 405, a body too large for the router).
        format!("HTTP_{status}")
    } else {
        outcome.label().to_string()
    };
    let operation = outcome.operation.as_deref().unwrap_or("");
    telemetry::request_answered(&route, operation, &label, took);
    let duration_ms = took.as_millis() as u64;
    let codes = outcome.codes.join(",");
    let user = outcome.user.as_deref().unwrap_or("");
    let _entered = span.enter();
    if duration_ms >= state.slow_ms {
        tracing::warn!(
            request_id = %id, %method, %path, status, operation, user, client, duration_ms,
            error_codes = codes, slow_ms = state.slow_ms, "slow request"
        );
    } else {
        tracing::info!(
            request_id = %id, %method, %path, status, operation, user, client, duration_ms,
            error_codes = codes, "request"
        );
    }
    response
}
