//! The HTTP surface: `POST`/`GET /graphql`, GraphiQL at `/` (assets under `/graphiql/`), `/healthz`, `/readyz`, `/version`, `/exports/…`, the public portal under `/public/…`. It turns bearer
//! tokens into actors and requests into GraphQL executions, and holds no business rules.
mod exports;
mod graphiql;
mod graphql;
mod imports;
mod ops;
mod public;

pub use public::{Limiter, limiter};

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
use tower_http::trace::TraceLayer;

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
}

pub fn router(state: AppState) -> Router {
    let max_body = state.max_body_bytes;
    let cors = cors(&state.cors_origins);
    Router::new()
        .merge(graphiql::routes())
        .merge(public::routes())
        .route("/graphql", get(graphql::get).post(graphql::post))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/version", get(ops::version))
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
        .layer(TraceLayer::new_for_http())
        .layer(cors)
        .with_state(Arc::new(state))
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
