//! The HTTP surface: `POST`/`GET /graphql`, GraphiQL at `/` (assets under `/graphiql/`), `/healthz`, `/readyz`, `/version`, `/metrics`, `/examples/dashboard`, `/exports/…`, the public portal under `/public/…`. It turns bearer
//! tokens into actors and requests into GraphQL executions, and holds no business rules.
mod access_log;
mod exports;
mod graphiql;
mod graphql;
mod imports;
mod ops;
mod public;
mod subscriptions;

pub use public::{Limiter, limiter};

pub use access_log::{Outcome, request_id};
pub use graphql::Introspection;
pub use ops::Readiness;

use crate::graphql::AppSchema;
use crate::service::auth::Tokens;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use tower_http::catch_panic::CatchPanicLayer;

/// What every handler shares.
pub struct AppState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub tokens: Tokens,
    pub max_body_bytes: usize,
    pub limits: crate::graphql::Limits,
    pub request_timeout: std::time::Duration,
    /// Whether to believe `X-Forwarded-For` for the client's address.
    pub trust_proxy: bool,
    pub cors_origins: Vec<String>,
    /// Parsed GraphQL documents, by text.
    pub documents: graphql::DocumentCache,
    /// Who may read the schema by introspection.
    pub introspection: Introspection,
    /// The public portal's allowance per client address.
    pub public_limiter: Arc<Limiter>,
    /// The portal's public address, for notice sheets' QR codes.
    pub public_url: Option<String>,
    /// The largest spreadsheet an import takes.
    pub max_import_bytes: usize,
    /// Whether `/readyz` says ready.
    pub readiness: Arc<Readiness>,
    /// Requests that take at least this long are logged as warnings.
    pub slow_ms: u64,
    /// The bearer token that unlocks `/metrics` here.
    pub metrics_token: Option<String>,
}

/// The metrics address's router: `GET /metrics` and nothing else.
pub fn metrics_router(db: DatabaseConnection) -> Router {
    Router::new().route("/metrics", get(ops::open_metrics)).with_state(db)
}

pub fn router(state: AppState) -> Router {
    let max_body = state.max_body_bytes;
    let cors = cors(&state.cors_origins);
    let state = Arc::new(state);
    Router::new()
        .merge(graphiql::routes())
        .merge(public::routes())
        .route("/graphql", get(subscriptions::get).post(graphql::post))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/version", get(ops::version))
        .route("/metrics", get(ops::metrics))
        .route("/examples/dashboard", get(dashboard))
        .route("/exports/{file}", get(exports::export))
        .route("/imports/templates/{file}", get(imports::template))
        .route("/exports/books/{file}", get(imports::books))
        .route(
            "/imports/{kind}",
            axum::routing::post(imports::upload).layer(DefaultBodyLimit::max(state.max_import_bytes)),
        )
        .route("/imports/{id}/report.xlsx", get(imports::report))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(graphql::panic_response))
        .layer(cors)
        .layer(axum::middleware::from_fn_with_state(state.clone(), access_log::log))
        .with_state(state)
}

/// The live dashboard example: signs in, reads a region's figures, follows its changes over
/// WebSocket and reads the figures again — the page a frontend team copies (no build step).
async fn dashboard() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
        include_str!("dashboard.html"),
    )
        .into_response()
}

/// The client's address: the peer's, or behind a trusted proxy the first of
/// `X-Forwarded-For`.
fn client_address(state: &AppState, headers: &axum::http::HeaderMap, peer: std::net::SocketAddr) -> String {
    let forwarded = state
        .trust_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    forwarded.unwrap_or_else(|| peer.ip().to_string())
}

/// Lets the configured browser origins call the API; with none, browsers on other origins
/// are refused by their own same-origin rule.
fn cors(origins: &[String]) -> tower_http::cors::CorsLayer {
    use axum::http::{HeaderValue, Method, header};
    let allowed: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o.trim()).ok())
        .collect();
    tower_http::cors::CorsLayer::new()
        .allow_origin(allowed)
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([axum::http::HeaderName::from_static("x-request-id")])
}
