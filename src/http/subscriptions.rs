//! Subscriptions over WebSocket at `/graphql`: a `GET` that asks to upgrade, speaking
//! graphql-transport-ws (and the older graphql-ws). The connection signs in with its init
//! payload — `{"authorization": "Bearer <token>"}` — and is refused without a valid token.
use super::{AppState, client_address};
use crate::graphql::context::{Auth, RequestContext};
use crate::graphql::loaders::Loaders;
use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{ConnectInfo, FromRequestParts, RawQuery, Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;

/// `GET /graphql`: a subscription's WebSocket when the request asks to upgrade, else a
/// query by GET.
pub async fn get(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let (mut parts, _body) = request.into_parts();
    if !asks_to_upgrade(&parts.headers) {
        let query = parts.uri.query().map(str::to_string);
        return super::graphql::get(State(state), ConnectInfo(peer), parts.headers, RawQuery(query)).await;
    }
    let Ok(protocol) = GraphQLProtocol::from_request_parts(&mut parts, &()).await else {
        return refuse("ask for the WebSocket subprotocol graphql-transport-ws (Sec-WebSocket-Protocol)");
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let request_id = super::request_id();
    let client = client_address(&state, &parts.headers, peer);
    tracing::info!(client, "subscription connection opened");
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        // A message is held to the size of a request body.
        .max_message_size(state.max_body_bytes)
        .on_upgrade(move |socket| {
            let executor = SubscriptionsOnly {
                schema: state.schema.clone(),
                limits: state.limits,
            };
            GraphQLWebSocket::new(socket, executor, protocol)
                .on_connection_init(move |payload| sign_in(state, payload, request_id, client))
                .serve()
        })
}

fn asks_to_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

fn refuse(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(serde_json::json!({"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]})),
    )
        .into_response()
}

/// The connection's data: who signed in with the init payload, and loaders of its own.
async fn sign_in(
    state: Arc<AppState>,
    payload: serde_json::Value,
    request_id: String,
    client_address: String,
) -> async_graphql::Result<Data> {
    let given = ["authorization", "Authorization"]
        .iter()
        .find_map(|key| payload.get(*key).and_then(|v| v.as_str()))
        .map(|v| v.trim_start_matches("Bearer ").trim_start_matches("bearer ").trim())
        .or_else(|| payload.get("token").and_then(|v| v.as_str()));
    let Some(token) = given.filter(|t| !t.is_empty()) else {
        return Err("sign in: send {\"authorization\": \"Bearer <token>\"} as the connection_init payload, with the token from the `login` mutation".into());
    };
    let actor = match crate::service::auth::actor_for_token(&state.db, &state.tokens, token).await {
        Ok(Ok(actor)) => actor,
        Ok(Err(rejected)) => return Err(rejected.0.into()),
        Err(e) => {
            tracing::error!(error = %e, "a subscription's sign-in failed");
            return Err("internal server error: the connection could not sign in".into());
        }
    };
    tracing::info!(user = actor.username, "subscription connection signed in");
    let mut data = Data::default();
    data.insert(RequestContext {
        auth: Auth::SignedIn(actor),
        request_id,
        client_address,
    });
    data.insert(Arc::new(Loaders::new(&state.db)));
    data.insert(crate::graphql::context::SubscriptionToken(token.to_string()));
    Ok(data)
}

/// The schema as the socket serves it: subscriptions only (queries and mutations go over
/// HTTP, with its log line, time limit and status codes), each document measured against
/// the same demand limits as over HTTP before anything expands it.
#[derive(Clone)]
struct SubscriptionsOnly {
    schema: crate::graphql::AppSchema,
    limits: crate::graphql::Limits,
}

impl SubscriptionsOnly {
    /// Why `request` is refused, or the request with its document parsed.
    fn check(&self, mut request: async_graphql::Request) -> Result<async_graphql::Request, (&'static str, String)> {
        use crate::graphql::demand;
        use crate::graphql::errors::code;
        let names = demand::count_names(&request.query);
        if names > self.limits.selections.saturating_mul(2) {
            return Err((
                code::QUERY_TOO_COMPLEX,
                format!("the subscription holds {names} names; ask for fewer fields"),
            ));
        }
        // A document that does not parse is left to the schema, which says where.
        let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
            return Ok(request);
        };
        if let Some(message) = super::graphql::over_limits(&demand::measure(&document), self.limits) {
            return Err((code::QUERY_TOO_COMPLEX, message));
        }
        match super::graphql::selected_operation(&document, request.operation_name.as_deref()) {
            Some((_, async_graphql::parser::types::OperationType::Subscription)) | None => {}
            Some(_) => {
                return Err((
                    code::BAD_USER_INPUT,
                    "this socket takes subscriptions; send queries and mutations over HTTP (POST /graphql)".into(),
                ));
            }
        }
        request.set_parsed_query(document);
        Ok(request)
    }
}

fn refusal(code: &str, message: String) -> async_graphql::Response {
    let mut error = async_graphql::ServerError::new(message, None);
    error.extensions.get_or_insert_with(Default::default).set("code", code);
    async_graphql::Response::from_errors(vec![error])
}

impl async_graphql::Executor for SubscriptionsOnly {
    async fn execute(&self, _request: async_graphql::Request) -> async_graphql::Response {
        refusal(
            crate::graphql::errors::code::BAD_USER_INPUT,
            "this socket takes subscriptions; send queries and mutations over HTTP (POST /graphql)".into(),
        )
    }

    fn execute_stream(
        &self,
        request: async_graphql::Request,
        session_data: Option<Arc<Data>>,
    ) -> futures_util::stream::BoxStream<'static, async_graphql::Response> {
        use futures_util::StreamExt;
        match self.check(request) {
            Ok(request) => self
                .schema
                .execute_stream_with_session_data(request, session_data.unwrap_or_default()),
            Err((code, message)) => futures_util::stream::once(async move { refusal(code, message) }).boxed(),
        }
    }
}
