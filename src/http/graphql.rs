//! GraphQL over HTTP: one operation per request, as JSON by POST or as a query string by
//! GET (queries only). Every response carries the request id, in the `x-request-id`
//! header and in each error's `extensions.requestId`.
use super::AppState;
use crate::graphql::context::{Auth, RequestContext};
use crate::graphql::errors::code;
use crate::graphql::loaders::Loaders;
use crate::service::auth::actor_for_token;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use tracing::Instrument;

/// A random request id. From the thread's generator (seeded from the OS), so that a
/// request costs no system call for it.
fn new_request_id() -> String {
    uuid::Uuid::from_u128(rand::random::<u128>()).simple().to_string()
}

/// Parsed documents by their text. Clients send the same few operations over and over; the
/// parser is the costliest step of a small request, so each text is parsed once. Bounded:
/// when full it starts again empty (a client sending ever-new texts only loses the cache).
#[derive(Default)]
pub struct DocumentCache {
    documents: std::sync::Mutex<std::collections::HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    const CAPACITY: usize = 512;
    /// Only texts of at most this size are kept, so the cache stays small.
    const MAX_TEXT: usize = 8 * 1024;

    /// The parsed document of `query`, or `None` when it does not parse (execution then
    /// reports the syntax error).
    fn parse(&self, query: &str) -> Option<ExecutableDocument> {
        if let Ok(documents) = self.documents.lock()
            && let Some(document) = documents.get(query)
        {
            return Some(document.clone());
        }
        let document = async_graphql::parser::parse_query(query).ok()?;
        if query.len() <= Self::MAX_TEXT
            && let Ok(mut documents) = self.documents.lock()
        {
            if documents.len() >= Self::CAPACITY {
                documents.clear();
            }
            documents.insert(query.to_string(), document.clone());
        }
        Some(document)
    }
}

/// A JSON response with the request id attached.
fn json_response(status: StatusCode, body: &impl serde::Serialize, request_id: &str) -> Response {
    // Room for a page of results up front, rather than growing (and copying) the buffer
    // from nothing several times.
    let mut bytes = Vec::with_capacity(16 * 1024);
    if serde_json::to_writer(&mut bytes, body).is_err() {
        bytes = br#"{"errors":[{"message":"internal server error"}]}"#.to_vec();
    }
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", value);
    }
    response
}

/// A request refused before it reached GraphQL execution.
fn request_error(status: StatusCode, code: &str, message: &str, request_id: &str) -> Response {
    let body = serde_json::json!({
        "errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]
    });
    json_response(status, &body, request_id)
}

pub async fn post(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = new_request_id();
    let span = tracing::info_span!("graphql", request_id = %request_id, method = "POST", user = tracing::field::Empty);
    async move {
        let body = match body {
            Ok(body) => body,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                let message = format!(
                    "the request body is larger than the limit of {} bytes; send less at once",
                    state.max_body_bytes
                );
                return request_error(StatusCode::PAYLOAD_TOO_LARGE, code::BAD_USER_INPUT, &message, &request_id);
            }
            Err(rejection) => {
                let message = format!("the request body could not be read: {}", rejection.body_text());
                return request_error(rejection.status(), code::BAD_USER_INPUT, &message, &request_id);
            }
        };
        if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            let message = "batched requests are not supported: send one GraphQL operation per request";
            return request_error(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, message, &request_id);
        }
        let request: async_graphql::Request = match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(e) => {
                let message = format!(
                    "the body is not a GraphQL request: send JSON such as {{\"query\": \"{{ me {{ username }} }}\"}} ({e})"
                );
                return request_error(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message, &request_id);
            }
        };
        execute(&state, &headers, peer, request, &request_id).await
    }
    .instrument(span)
    .await
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let request_id = new_request_id();
    let span = tracing::info_span!("graphql", request_id = %request_id, method = "GET", user = tracing::field::Empty);
    async move {
        let request = match async_graphql::http::parse_query_string(query.as_deref().unwrap_or("")) {
            Ok(request) => request,
            Err(e) => {
                let message = format!(
                    "the query string is not a GraphQL request: give `query` (and optionally `variables` as JSON) ({e})"
                );
                return request_error(StatusCode::BAD_REQUEST, code::BAD_USER_INPUT, &message, &request_id);
            }
        };
        if is_mutation(&state.documents, &request) {
            let mut response = request_error(
                StatusCode::METHOD_NOT_ALLOWED,
                code::BAD_USER_INPUT,
                "mutations must be sent with POST; GET is for queries only",
                &request_id,
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        execute(&state, &headers, peer, request, &request_id).await
    }
    .instrument(span)
    .await
}

/// Whether the operation the request selects is a mutation. A document that does not
/// parse is left for execution to report.
fn is_mutation(documents: &DocumentCache, request: &async_graphql::Request) -> bool {
    let Some(document) = documents.parse(&request.query) else {
        return false;
    };
    let mut operations = document.operations.iter();
    let selected = match &request.operation_name {
        Some(name) => operations.find(|(n, _)| n.map(|n| n.as_str()) == Some(name.as_str())),
        None => operations.next(),
    };
    selected.is_some_and(|(_, op)| op.node.ty == OperationType::Mutation)
}

/// Establishes who is asking from the `Authorization` header.
pub(super) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Auth, crate::service::ServiceError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(Auth::Anonymous);
    };
    let Some(token) = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
    else {
        return Ok(Auth::Rejected(
            "send the token as `Authorization: Bearer <token>`".into(),
        ));
    };
    Ok(match actor_for_token(&state.db, &state.tokens, token).await? {
        Ok(actor) => Auth::SignedIn(actor),
        Err(rejected) => Auth::Rejected(rejected.0),
    })
}

/// The client's address: the peer, or behind a trusted proxy the first `X-Forwarded-For`.
fn client_address(state: &AppState, headers: &HeaderMap, peer: SocketAddr) -> String {
    let forwarded = state
        .trust_proxy
        .then(|| headers.get("x-forwarded-for").and_then(|v| v.to_str().ok()))
        .flatten()
        .and_then(|v| v.split(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    forwarded.unwrap_or_else(|| peer.ip().to_string())
}

/// How many fields of the request's document carry an alias.
fn count_aliases(document: &ExecutableDocument) -> usize {
    use async_graphql::parser::types::{Selection, SelectionSet};
    fn walk(set: &SelectionSet) -> usize {
        set.items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(f) => usize::from(f.node.alias.is_some()) + walk(&f.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
                Selection::InlineFragment(f) => walk(&f.node.selection_set.node),
            })
            .sum()
    }
    let operations: usize = document
        .operations
        .iter()
        .map(|(_, op)| walk(&op.node.selection_set.node))
        .sum();
    let fragments: usize = document
        .fragments
        .values()
        .map(|f| walk(&f.node.selection_set.node))
        .sum();
    operations + fragments
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    mut request: async_graphql::Request,
    request_id: &str,
) -> Response {
    let document = state.documents.parse(&request.query);
    let aliases = document.as_ref().map_or(0, count_aliases);
    if let Some(document) = document {
        request.set_parsed_query(document);
    }
    if aliases > state.limits.aliases {
        let message = format!(
            "the query uses {aliases} aliases; at most {} are allowed in one request",
            state.limits.aliases
        );
        return request_error(StatusCode::OK, code::QUERY_TOO_COMPLEX, &message, request_id);
    }
    let auth = match authenticate(state, headers).await {
        Ok(auth) => auth,
        Err(e) => {
            tracing::error!(error = %e, "authentication failed");
            return request_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                code::INTERNAL_SERVER_ERROR,
                "internal server error: the request was not completed; quote the request id when reporting it",
                request_id,
            );
        }
    };
    if let Auth::SignedIn(actor) = &auth {
        tracing::Span::current().record("user", actor.username.as_str());
    }
    let started = std::time::Instant::now();
    let request = request
        .data(RequestContext {
            auth,
            request_id: request_id.to_string(),
            client_address: client_address(state, headers, peer),
        })
        .data(Loaders::new(&state.db));
    let Ok(mut response) = tokio::time::timeout(state.request_timeout, state.schema.execute(request)).await else {
        tracing::warn!(
            timeout_ms = state.request_timeout.as_millis() as u64,
            "request timed out"
        );
        let message = format!(
            "the request took longer than {} ms and was stopped; ask for less at once",
            state.request_timeout.as_millis()
        );
        return request_error(StatusCode::OK, code::REQUEST_TIMEOUT, &message, request_id);
    };
    for error in &mut response.errors {
        classify(error, state.limits);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", request_id);
    }
    tracing::info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        errors = response.errors.len(),
        "graphql request"
    );
    json_response(StatusCode::OK, &response, request_id)
}

/// Gives the errors async-graphql raises itself (parsing, validation, limits) a code and
/// a message that says what to do.
fn classify(error: &mut async_graphql::ServerError, limits: crate::graphql::Limits) {
    if error.extensions.as_ref().and_then(|e| e.get("code")).is_some() {
        return;
    }
    let (code, message) = if error.message.starts_with("Query is nested too deep") {
        (
            code::QUERY_TOO_COMPLEX,
            Some(format!(
                "the query nests fields more than {} levels deep; ask for less at once",
                limits.depth
            )),
        )
    } else if error.message.starts_with("Query is too complex") {
        (
            code::QUERY_TOO_COMPLEX,
            Some(format!(
                "the query asks for too much at once (its cost exceeds {}); request smaller pages or fewer fields",
                limits.complexity
            )),
        )
    } else if error.message.starts_with("The recursion depth of the query")
        || error.message.starts_with("recursion limit exceeded")
    {
        (
            code::QUERY_TOO_COMPLEX,
            Some(format!("the query nests too deeply to be read: {}", error.message)),
        )
    } else {
        (code::BAD_USER_INPUT, None)
    };
    if let Some(message) = message {
        error.message = message;
    }
    error.extensions.get_or_insert_with(Default::default).set("code", code);
}

/// What a client sees if a handler panics: the server keeps serving.
pub fn panic_response(_panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let request_id = new_request_id();
    tracing::error!(request_id = %request_id, "a request handler panicked");
    request_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        code::INTERNAL_SERVER_ERROR,
        "internal server error: the request was not completed; quote the request id when reporting it",
        &request_id,
    )
}
