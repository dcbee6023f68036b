//! What a resolver knows about its request: who is asking, the database, the loaders.
use super::errors::{internal, unauthenticated};
use super::loaders::Loaders;
use crate::domain::access::Actor;
use crate::service::auth::Tokens;
use async_graphql::Context;
use sea_orm::DatabaseConnection;

/// Who sent the request, as the HTTP layer established it from the bearer token.
#[derive(Clone, Debug)]
pub enum Auth {
    /// No token was sent.
    Anonymous,
    /// A token was sent and refused; the reason is for the user.
    Rejected(String),
    SignedIn(Actor),
}

/// Per-request data put into the GraphQL request by the HTTP layer.
pub struct RequestContext {
    pub auth: Auth,
    pub request_id: String,
    /// The client's network address, for counting failed sign-ins.
    pub client_address: String,
}

/// The token a subscription's connection signed in with: checked again before each change
/// is delivered, so that an expired token or a disabled account stops its subscriptions.
pub struct SubscriptionToken(pub String);

/// Shared, per-schema data.
pub struct AppData {
    pub db: DatabaseConnection,
    pub tokens: Tokens,
    pub login_throttle: crate::service::auth::LoginThrottle,
    /// The change feed subscriptions follow.
    pub feed: std::sync::Arc<crate::service::changes::Feed>,
}

pub trait ContextExt {
    /// The signed-in actor, or `UNAUTHENTICATED` saying why there is none.
    fn actor(&self) -> async_graphql::Result<&Actor>;
    fn db(&self) -> async_graphql::Result<&DatabaseConnection>;
    fn app(&self) -> async_graphql::Result<&AppData>;
    fn loaders(&self) -> async_graphql::Result<&Loaders>;
}

impl ContextExt for Context<'_> {
    fn actor(&self) -> async_graphql::Result<&Actor> {
        match self.data_opt::<RequestContext>().map(|r| &r.auth) {
            Some(Auth::SignedIn(actor)) => Ok(actor),
            Some(Auth::Rejected(reason)) => Err(unauthenticated(reason.clone())),
            _ => Err(unauthenticated(
                "sign in first: send `Authorization: Bearer <token>` with the token from the `login` mutation",
            )),
        }
    }

    fn db(&self) -> async_graphql::Result<&DatabaseConnection> {
        Ok(&self.app()?.db)
    }

    fn app(&self) -> async_graphql::Result<&AppData> {
        self.data_opt::<AppData>()
            .ok_or_else(|| internal("schema built without AppData"))
    }

    fn loaders(&self) -> async_graphql::Result<&Loaders> {
        // A request's own, or a subscription connection's (shared: see `Loaders::forget`).
        self.data_opt::<Loaders>()
            .or_else(|| self.data_opt::<std::sync::Arc<Loaders>>().map(|l| l.as_ref()))
            .ok_or_else(|| internal("request has no loaders"))
    }
}
