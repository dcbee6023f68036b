//! GraphQL over HTTP, as the GraphQL-over-HTTP specification says: one operation per request,
//! as JSON by POST or as a query string by GET (queries only).
//!
//! A client that accepts `application/graphql-response+json` gets that media type, and a
//! request that fails before execution (syntax, validation, variables, the demand limits)
//! gets status 400; anyone else gets `application/json` and 200 for every GraphQL request.
//! A failure before execution has no `data` entry. Every response carries the request id,
//! in the `x-request-id` header and in each error's `extensions.requestId`.
use super::{AppState, Outcome, client_address};
use crate::graphql::context::{Auth, RequestContext};
use crate::graphql::demand::{self, Demand, Unmeasurable};
use crate::graphql::errors::code;
use crate::graphql::loaders::Loaders;
use crate::service::auth::actor_for_token;
use async_graphql::parser::types::{ExecutableDocument, OperationType};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::sync::Arc;

/// Who may read the schema through `__schema` and `__type` (`TRACKER_INTROSPECTION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Introspection {
    /// Anyone: GraphiQL, code generators and IDE plugins work without a token. The schema
    /// is the same as the committed `schema.graphql`; it reveals no data.
    #[default]
    Public,
    /// Only requests with a valid token.
    SignedIn,
    /// Nobody: tools must be given `schema.graphql` instead.
    Off,
}

/// A parsed document and what it asks for.
#[derive(Clone)]
struct Parsed {
    document: ExecutableDocument,
    demand: Result<Demand, Unmeasurable>,
}

/// Parsed and measured documents by their text. Clients send the same few operations over
/// and over; the parser is the costliest step of a small request, so each text is parsed
/// once. Bounded: when full it starts again empty (a client sending ever-new texts only
/// loses the cache).
#[derive(Default)]
pub struct DocumentCache {
    documents: std::sync::Mutex<std::collections::HashMap<String, Parsed>>,
}

impl DocumentCache {
    const CAPACITY: usize = 512;
    /// Only texts of at most this size are kept, so the cache stays small.
    const MAX_TEXT: usize = 8 * 1024;
    /// Texts longer than this are parsed on a blocking thread, so that a large document
    /// never holds a runtime worker (the parser does not yield).
    const PARSE_INLINE: usize = 16 * 1024;

    fn cached(&self, query: &str) -> Option<Parsed> {
        let documents = self.documents.lock().ok()?;
        documents.get(query).cloned()
    }

    async fn parse(&self, query: String) -> Result<Parsed, async_graphql::parser::Error> {
        if let Some(parsed) = self.cached(&query) {
            return Ok(parsed);
        }
        let parse = |query: &str| {
            async_graphql::parser::parse_query(query).map(|document| Parsed {
                demand: demand::measure(&document),
                document,
            })
        };
        if query.len() > Self::PARSE_INLINE {
            return tokio::task::spawn_blocking(move || parse(&query))
                .await
                // The parser panics only by running out of stack on deep nesting.
                .unwrap_or(Err(async_graphql::parser::Error::RecursionLimitExceeded));
        }
        let parsed = parse(&query)?;
        if query.len() <= Self::MAX_TEXT
            && let Ok(mut documents) = self.documents.lock()
        {
            if documents.len() >= Self::CAPACITY {
                documents.clear();
            }
            documents.insert(query, parsed.clone());
        }
        Ok(parsed)
    }
}

/// The media type the answer is written in, from the request's `Accept`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: status codes tell request errors apart.
    GraphqlResponse,
    /// `application/json`: every GraphQL response is 200 (what older clients expect).
    Json,
}

impl MediaType {
    fn accepted(headers: &HeaderMap) -> Self {
        // A media range with `q=0` (or `0.0`, `0.000`) is one the client refuses.
        let refused = |mut params: std::str::Split<'_, char>| {
            params.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .is_some_and(|q| q.starts_with('0') && q.chars().all(|c| c == '0' || c == '.'))
            })
        };
        let accepts = headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|range| {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or("").trim();
                media.eq_ignore_ascii_case("application/graphql-response+json") && !refused(parts)
            });
        if accepts { Self::GraphqlResponse } else { Self::Json }
    }

    fn content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Self::GraphqlResponse => "application/graphql-response+json; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        })
    }

    /// The status of a GraphQL request that failed before execution.
    fn request_error_status(self) -> StatusCode {
        match self {
            Self::GraphqlResponse => StatusCode::BAD_REQUEST,
            Self::Json => StatusCode::OK,
        }
    }
}

/// The body of a response: `data` only when execution began.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<&'a async_graphql::Value>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [async_graphql::ServerError],
}

/// A response with its media type and the request id attached.
fn respond(status: StatusCode, media: MediaType, body: &impl Serialize, request_id: &str) -> Response {
    // Room for a page of results up front, rather than growing (and copying) the buffer
    // from nothing several times.
    let mut bytes = Vec::with_capacity(16 * 1024);
    if serde_json::to_writer(&mut bytes, body).is_err() {
        bytes = br#"{"errors":[{"message":"internal server error"}]}"#.to_vec();
    }
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, media.content_type());
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", value);
    }
    response
}

/// A request refused before GraphQL execution, with one error.
fn refuse(
    status: StatusCode,
    media: MediaType,
    code: &str,
    message: &str,
    locations: &[async_graphql::Pos],
    request_id: &str,
) -> Response {
    let mut error = async_graphql::ServerError::new(message, None);
    error.locations = locations.to_vec();
    let extensions = error.extensions.get_or_insert_with(Default::default);
    extensions.set("code", code);
    extensions.set("requestId", request_id);
    let mut response = respond(
        status,
        media,
        &Body {
            data: None,
            errors: &[error],
        },
        request_id,
    );
    response.extensions_mut().insert(Outcome::refused(code));
    response
}

/// A GraphQL request as a client sends it, before it is checked.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawRequest {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<serde_json::Value>,
}

/// What a request is refused with before GraphQL sees it: status, code and message.
type Refusal = (StatusCode, &'static str, String);

impl RawRequest {
    fn into_request(self) -> Result<(String, async_graphql::Request), Refusal> {
        let query = self.query.filter(|q| !q.trim().is_empty()).ok_or_else(|| {
            (
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                "the request has no `query`: send the GraphQL document as `query`, e.g. {\"query\": \"{ me { username } }\"}"
                    .to_string(),
            )
        })?;
        let variables = match self.variables {
            None | Some(serde_json::Value::Null) => async_graphql::Variables::default(),
            Some(value @ serde_json::Value::Object(_)) => async_graphql::Variables::from_json(value),
            Some(_) => {
                return Err((
                    StatusCode::BAD_REQUEST,
                    code::BAD_USER_INPUT,
                    "`variables` must be a JSON object of names and values".to_string(),
                ));
            }
        };
        let mut request = async_graphql::Request::new(query.clone()).variables(variables);
        if let Some(name) = self.operation_name.filter(|n| !n.is_empty()) {
            request = request.operation_name(name);
        }
        Ok((query, request))
    }
}

/// Whether the body is declared JSON (`application/json`, any parameters).
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
}

pub async fn post(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = super::request_id();
    let media = MediaType::accepted(&headers);
    let refused = |(status, code, message): Refusal| refuse(status, media, code, &message, &[], &request_id);
    if !is_json(&headers) {
        return refused((
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::BAD_USER_INPUT,
            "send the request as JSON with `Content-Type: application/json`".into(),
        ));
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return refused((
                StatusCode::PAYLOAD_TOO_LARGE,
                code::BAD_USER_INPUT,
                format!(
                    "the request body is larger than the limit of {} bytes; send less at once",
                    state.max_body_bytes
                ),
            ));
        }
        Err(rejection) => {
            return refused((
                rejection.status(),
                code::BAD_USER_INPUT,
                format!("the request body could not be read: {}", rejection.body_text()),
            ));
        }
    };
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return refused((
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            "batched requests are not supported: send one GraphQL operation per request".into(),
        ));
    }
    let request = match serde_json::from_slice::<RawRequest>(&body) {
        Ok(raw) => raw.into_request(),
        Err(e) => Err((
            StatusCode::BAD_REQUEST,
            code::BAD_USER_INPUT,
            format!(
                "the body is not a GraphQL request: send JSON such as {{\"query\": \"{{ me {{ username }} }}\"}} ({e})"
            ),
        )),
    };
    match request {
        Ok((query, request)) => execute(&state, &headers, peer, query, request, Method::Post, media, &request_id).await,
        Err(refusal) => refused(refusal),
    }
}

pub async fn get(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let request_id = super::request_id();
    let media = MediaType::accepted(&headers);
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Params {
        query: Option<String>,
        operation_name: Option<String>,
        variables: Option<String>,
    }
    let request = serde_urlencoded::from_str::<Params>(query.as_deref().unwrap_or(""))
        .map_err(|e| e.to_string())
        .and_then(|p| {
            let variables = p
                .variables
                .map(|v| serde_json::from_str(&v).map_err(|e| format!("`variables` is not JSON: {e}")))
                .transpose()?;
            Ok(RawRequest {
                query: p.query,
                operation_name: p.operation_name,
                variables,
            })
        })
        .map_err(|e| {
            (
                StatusCode::BAD_REQUEST,
                code::BAD_USER_INPUT,
                format!(
                    "the query string is not a GraphQL request: give `query` (and optionally `variables` as JSON) ({e})"
                ),
            )
        })
        .and_then(RawRequest::into_request);
    match request {
        Ok((query, request)) => execute(&state, &headers, peer, query, request, Method::Get, media, &request_id).await,
        Err((status, code, message)) => refuse(status, media, code, &message, &[], &request_id),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    Get,
    Post,
}

/// The operation the request selects, if the document has it.
pub(super) fn selected_operation(document: &ExecutableDocument, name: Option<&str>) -> Option<(String, OperationType)> {
    let mut operations = document.operations.iter();
    let selected = match name {
        Some(name) => operations.find(|(n, _)| n.map(|n| n.as_str()) == Some(name)),
        None => operations.next(),
    };
    selected.map(|(name, op)| (name.map_or("anonymous", |n| n.as_str()).to_string(), op.node.ty))
}

/// What the log and the metrics say of an executed request: its error codes, then the
/// codes of the user errors in its mutation payloads.
fn outcome_of(response: &async_graphql::Response) -> Outcome {
    let code_of = |value: Option<&async_graphql::Value>| match value {
        Some(async_graphql::Value::String(code)) => Some(code.clone()),
        Some(async_graphql::Value::Enum(code)) => Some(code.to_string()),
        _ => None,
    };
    let mut outcome = Outcome {
        codes: response
            .errors
            .iter()
            .filter_map(|e| code_of(e.extensions.as_ref().and_then(|x| x.get("code"))))
            .collect(),
        ..Default::default()
    };
    if outcome.codes.is_empty()
        && let async_graphql::Value::Object(fields) = &response.data
    {
        for payload in fields.values() {
            if let async_graphql::Value::Object(payload) = payload
                && let Some(async_graphql::Value::List(errors)) = payload.get("userErrors")
            {
                for error in errors {
                    if let async_graphql::Value::Object(error) = error {
                        outcome.codes.extend(code_of(error.get("code")));
                    }
                    outcome.user_errors = true;
                }
            }
        }
    }
    outcome
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

/// A syntax error as one line with its position, instead of the parser's multi-line
/// drawing.
fn syntax_message(error: &async_graphql::parser::Error) -> String {
    match error {
        async_graphql::parser::Error::Syntax { message, start, .. } => {
            let expected = message
                .lines()
                .rev()
                .map(str::trim)
                .find_map(|line| line.strip_prefix("= "))
                .unwrap_or("unexpected input");
            format!(
                "the query is not valid GraphQL: at line {}, column {}: {expected}",
                start.line, start.column
            )
        }
        other => format!("the query is not valid GraphQL: {other}"),
    }
}

/// Why a measured document is refused, if it is.
pub(super) fn over_limits(demand: &Result<Demand, Unmeasurable>, limits: crate::graphql::Limits) -> Option<String> {
    let demand = match demand {
        Ok(demand) => demand,
        Err(Unmeasurable::Cycle { fragment }) => {
            return Some(format!(
                "fragment `{fragment}` spreads itself (directly or through other fragments); a fragment cycle can never be answered"
            ));
        }
        Err(Unmeasurable::TooDeep) => {
            return Some(format!(
                "the query nests fields and fragments more than {} levels deep; ask for less at once",
                demand::MAX_NESTING
            ));
        }
    };
    if demand.selections > limits.selections as u64 {
        return Some(format!(
            "the query asks for {} field visits once its fragments are expanded; at most {} are allowed in one request — ask for fewer fields, or split the request",
            demand.selections, limits.selections
        ));
    }
    if demand.depth > limits.depth {
        return Some(format!(
            "the query nests fields more than {} levels deep; ask for less at once",
            limits.depth
        ));
    }
    if demand.aliases > limits.aliases as u64 {
        return Some(format!(
            "the query uses {} aliases; at most {} are allowed in one request",
            demand.aliases, limits.aliases
        ));
    }
    None
}

#[allow(clippy::too_many_arguments)]
async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    query: String,
    request: async_graphql::Request,
    method: Method,
    media: MediaType,
    request_id: &str,
) -> Response {
    let refused = |status: StatusCode, code: &str, message: &str, locations: &[async_graphql::Pos]| {
        refuse(status, media, code, message, locations, request_id)
    };
    // For the log: the operation once parsed, the user once signed in.
    let mut named = None;
    let mut user = None;
    // Parsing, measuring and execution all count against the time limit.
    let work = async {
        // Parsing costs ~5 µs a name: a text with far more names than the limit allows
        // fields is refused unread.
        let names = demand::count_names(&query);
        if names > state.limits.selections.saturating_mul(2) {
            let message = format!(
                "the query holds {names} names, more than twice the {} fields one request may ask for; ask for fewer fields, or split the request",
                state.limits.selections
            );
            return refused(media.request_error_status(), code::QUERY_TOO_COMPLEX, &message, &[]);
        }
        let parsed = match state.documents.parse(query).await {
            Ok(parsed) => parsed,
            Err(async_graphql::parser::Error::RecursionLimitExceeded) => {
                let message = format!(
                    "the query nests fields and fragments more than {} levels deep; ask for less at once",
                    demand::MAX_NESTING
                );
                return refused(media.request_error_status(), code::QUERY_TOO_COMPLEX, &message, &[]);
            }
            Err(error) => {
                let locations: Vec<_> = error.positions().collect();
                return refused(
                    media.request_error_status(),
                    code::BAD_USER_INPUT,
                    &syntax_message(&error),
                    &locations,
                );
            }
        };
        let operation = selected_operation(&parsed.document, request.operation_name.as_deref());
        named = operation.as_ref().map(|o| o.0.clone());
        if method == Method::Get && operation.as_ref().map(|o| o.1) == Some(OperationType::Mutation) {
            let mut response = refused(
                StatusCode::METHOD_NOT_ALLOWED,
                code::BAD_USER_INPUT,
                "mutations must be sent with POST; GET is for queries only",
                &[],
            );
            response
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
        if let Some(message) = over_limits(&parsed.demand, state.limits) {
            return refused(media.request_error_status(), code::QUERY_TOO_COMPLEX, &message, &[]);
        }
        let auth = match authenticate(state, headers).await {
            Ok(auth) => auth,
            Err(e) => {
                tracing::error!(error = %e, "authentication failed");
                return refused(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    code::INTERNAL_SERVER_ERROR,
                    "internal server error: the request was not completed; quote the request id when reporting it",
                    &[],
                );
            }
        };
        let introspect = match state.introspection {
            Introspection::Public => true,
            Introspection::SignedIn => matches!(auth, Auth::SignedIn(_)),
            Introspection::Off => false,
        };
        if !introspect && parsed.demand.as_ref().is_ok_and(|d| d.introspects) {
            let (status, code, message) = match state.introspection {
                Introspection::Off => (
                    StatusCode::FORBIDDEN,
                    code::FORBIDDEN,
                    "this server does not answer introspection (TRACKER_INTROSPECTION=off): take the schema from schema.graphql",
                ),
                _ => (
                    StatusCode::UNAUTHORIZED,
                    code::UNAUTHENTICATED,
                    "this server answers introspection only for signed-in users: send `Authorization: Bearer <token>` with the token from the `login` mutation",
                ),
            };
            let status = if media == MediaType::GraphqlResponse {
                status
            } else {
                StatusCode::OK
            };
            return refused(status, code, message, &[]);
        }
        if let Auth::SignedIn(actor) = &auth {
            user = Some(actor.username.clone());
        }
        let mut request = request
            .data(RequestContext {
                auth,
                request_id: request_id.to_string(),
                client_address: client_address(state, headers, peer),
            })
            .data(Loaders::new(&state.db));
        request.set_parsed_query(parsed.document);
        if !introspect {
            request = request.disable_introspection();
        }
        let mut response = state.schema.execute(request).await;
        finish(&mut response, state.limits, request_id);
        // Validation and variable errors come before execution: they carry no path, and
        // no field ran, so `data` is null.
        let executed = !(response.data == async_graphql::Value::Null
            && !response.errors.is_empty()
            && response.errors.iter().all(|e| e.path.is_empty()));
        let (status, data) = if executed {
            (StatusCode::OK, Some(&response.data))
        } else {
            (media.request_error_status(), None)
        };
        let mut answer = respond(
            status,
            media,
            &Body {
                data,
                errors: &response.errors,
            },
            request_id,
        );
        answer.extensions_mut().insert(outcome_of(&response));
        answer
    };
    let mut answer = match tokio::time::timeout(state.request_timeout, work).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                timeout_ms = state.request_timeout.as_millis() as u64,
                "request timed out"
            );
            let message = format!(
                "the request took longer than {} ms and was stopped; ask for less at once",
                state.request_timeout.as_millis()
            );
            // Stopped mid-way, the answer has no `data`: a server error for clients that
            // read status codes.
            let status = match media {
                MediaType::GraphqlResponse => StatusCode::SERVICE_UNAVAILABLE,
                MediaType::Json => StatusCode::OK,
            };
            refused(status, code::REQUEST_TIMEOUT, &message, &[])
        }
    };
    if let Some(outcome) = answer.extensions_mut().get_mut::<Outcome>() {
        outcome.operation = named;
        outcome.user = user;
    }
    answer
}

/// Gives each error a code and the request id, and drops repeats: async-graphql can report
/// one fault twice.
fn finish(response: &mut async_graphql::Response, limits: crate::graphql::Limits, request_id: &str) {
    // The cost limit reads a connection's `first` again, so a wrong value is reported both
    // by validation ("Invalid value for argument …") and by the cost ("Expected input type …").
    if response
        .errors
        .iter()
        .any(|e| e.message.starts_with("Invalid value for argument"))
    {
        response
            .errors
            .retain(|e| !(e.path.is_empty() && e.message.starts_with("Expected input type")));
    }
    let mut seen = std::collections::HashSet::new();
    response.errors.retain(|e| {
        let path = serde_json::to_string(&e.path).unwrap_or_default();
        let locations: Vec<_> = e.locations.iter().map(|p| (p.line, p.column)).collect();
        seen.insert((e.message.clone(), locations, path))
    });
    for error in &mut response.errors {
        classify(error, limits);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("requestId", request_id);
    }
}

/// Gives the errors async-graphql raises itself (validation, its limits) a code and a
/// message that says what to do.
fn classify(error: &mut async_graphql::ServerError, limits: crate::graphql::Limits) {
    if error.extensions.as_ref().and_then(|e| e.get("code")).is_some() {
        return;
    }
    let (code, message) = if error.message.starts_with("Query is too complex") {
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
    let request_id = super::request_id();
    tracing::error!(request_id = %request_id, "a request handler panicked");
    refuse(
        StatusCode::INTERNAL_SERVER_ERROR,
        MediaType::Json,
        code::INTERNAL_SERVER_ERROR,
        "internal server error: the request was not completed; quote the request id when reporting it",
        &[],
        &request_id,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepted(accept: &str) -> MediaType {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(accept).unwrap());
        MediaType::accepted(&headers)
    }

    #[test]
    fn the_media_type_follows_accept_and_its_weights() {
        use MediaType::*;
        for (accept, media) in [
            ("application/graphql-response+json", GraphqlResponse),
            (
                "application/json, application/graphql-response+json;q=0.9",
                GraphqlResponse,
            ),
            ("Application/GraphQL-Response+JSON; charset=utf-8", GraphqlResponse),
            ("application/json", Json),
            ("*/*", Json),
            ("application/graphql-response+json;q=0, application/json", Json),
            ("application/graphql-response+json; q=0.000", Json),
        ] {
            assert_eq!(accepted(accept), media, "{accept}");
        }
    }
}
