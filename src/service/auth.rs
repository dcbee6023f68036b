//! Sign-in: checking a password, issuing a JWT, and turning a presented token back into
//! the actor it stands for.
//!
//! Tokens are HS256 only: the algorithm is pinned on both sides, so a token claiming
//! `alg: none` or any other algorithm is refused. A token names the user; the role and
//! scope are read from the database on every request, so disabling, deleting or
//! re-scoping an account takes effect at once.
use super::users::{role_of, verify_password};
use super::{ServiceError, ServiceResult};
use crate::domain::access::{Actor, Scope};
use crate::domain::fault::{ErrorCode, Fault};
use crate::domain::region::RegionCode;
use entity::app_user;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// The keys tokens are signed and checked with, and how long a token lasts.
#[derive(Clone)]
pub struct Tokens {
    encoding: Arc<EncodingKey>,
    decoding: Arc<DecodingKey>,
    pub lifetime: chrono::Duration,
    verified: Arc<Verified>,
}

/// Tokens whose signature has been checked, with their user and expiry. A client sends the
/// same token with every request, and checking it (base64, HMAC-SHA256, JSON) cost more
/// than the rest of a small request's own work; the same bytes verify the same way every
/// time, so only the expiry is checked again. Bounded: when full it starts again empty.
#[derive(Default)]
struct Verified(Mutex<HashMap<String, (i64, i64)>>);

impl Verified {
    const CAPACITY: usize = 10_000;

    /// The user of `token` if it was verified before and has not expired by `now`.
    fn get(&self, token: &str, now: i64) -> Option<i64> {
        let verified = self.0.lock().ok()?;
        let &(user_id, expires) = verified.get(token)?;
        (now <= expires + LEEWAY_SECONDS as i64).then_some(user_id)
    }

    fn insert(&self, token: &str, user_id: i64, expires: i64) {
        if let Ok(mut verified) = self.0.lock() {
            if verified.len() >= Self::CAPACITY {
                verified.clear();
            }
            verified.insert(token.to_string(), (user_id, expires));
        }
    }
}

/// How late a token's expiry is still honoured, for clocks slightly apart.
const LEEWAY_SECONDS: u64 = 5;

const ALGORITHM: Algorithm = Algorithm::HS256;
const ISSUER: &str = "poverty-fund-tracker";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user's id.
    sub: String,
    iss: String,
    iat: i64,
    exp: i64,
}

/// A signed token and when it expires.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Why a presented token was not accepted; the message is for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenRejected(pub String);

impl Tokens {
    /// Keys from a shared secret; fails only for a secret the library cannot use (empty).
    pub fn new(secret: &[u8], lifetime: chrono::Duration) -> Result<Tokens, String> {
        let unusable = |e: jsonwebtoken::errors::Error| format!("the token secret cannot be used: {e}");
        Ok(Tokens {
            encoding: Arc::new(EncodingKey::from_secret(secret).map_err(unusable)?),
            decoding: Arc::new(DecodingKey::from_secret(secret).map_err(unusable)?),
            lifetime,
            verified: Arc::default(),
        })
    }

    pub fn issue(&self, user_id: i64) -> ServiceResult<IssuedToken> {
        let now = chrono::Utc::now();
        let expires_at = now + self.lifetime;
        let claims = Claims {
            sub: user_id.to_string(),
            iss: ISSUER.to_string(),
            iat: now.timestamp(),
            exp: expires_at.timestamp(),
        };
        let token = jsonwebtoken::encode(&Header::new(ALGORITHM), &claims, &self.encoding)
            .map_err(|e| ServiceError::Internal(format!("cannot sign token: {e}")))?;
        Ok(IssuedToken { token, expires_at })
    }

    /// The user id a token was issued to, if its signature, algorithm and expiry hold.
    fn user_id(&self, token: &str) -> Result<i64, TokenRejected> {
        if let Some(user_id) = self.verified.get(token, chrono::Utc::now().timestamp()) {
            return Ok(user_id);
        }
        let (user_id, expires) = self.verify(token)?;
        self.verified.insert(token, user_id, expires);
        Ok(user_id)
    }

    /// Checks a token's signature, algorithm, issuer and expiry: its user and expiry.
    fn verify(&self, token: &str) -> Result<(i64, i64), TokenRejected> {
        use jsonwebtoken::errors::ErrorKind;
        let mut validation = Validation::new(ALGORITHM);
        validation.leeway = LEEWAY_SECONDS;
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "sub", "iss"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map_err(|e| {
            TokenRejected(match e.kind() {
                ErrorKind::ExpiredSignature => "your session has expired: sign in again".to_string(),
                ErrorKind::InvalidSignature => "the token's signature is not valid: sign in again".to_string(),
                ErrorKind::InvalidAlgorithm => {
                    "the token is not signed with the expected algorithm (HS256)".to_string()
                }
                _ => "the token is malformed: sign in again".to_string(),
            })
        })?;
        let user_id = data
            .claims
            .sub
            .parse()
            .map_err(|_| TokenRejected("the token is malformed: sign in again".into()))?;
        Ok((user_id, data.claims.exp))
    }
}

/// Builds the actor a user row stands for.
pub fn actor_of(user: &app_user::Model) -> ServiceResult<Actor> {
    Ok(Actor {
        user_id: Some(user.id),
        username: user.username.clone(),
        role: role_of(user)?,
        scope: Scope::Subtree(RegionCode::parse(&user.region_code).map_err(ServiceError::Internal)?),
        department_id: user.department_id,
    })
}

/// The actor a bearer token stands for: the token must be valid and its user must still
/// exist and be enabled.
pub async fn actor_for_token(
    db: &DatabaseConnection,
    tokens: &Tokens,
    token: &str,
) -> Result<Result<Actor, TokenRejected>, ServiceError> {
    let user_id = match tokens.user_id(token) {
        Ok(id) => id,
        Err(rejected) => return Ok(Err(rejected)),
    };
    match super::users::by_id(db, user_id).await? {
        None => Ok(Err(TokenRejected("this account no longer exists".into()))),
        Some(user) if user.disabled => Ok(Err(TokenRejected("this account has been disabled".into()))),
        Some(user) => Ok(Ok(actor_of(&user)?)),
    }
}

/// A hash of a password no one has, checked when the username is unknown so that a
/// failed sign-in takes as long whether or not the user exists.
const DECOY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3XoLh6Pf1bVvXvYkC0mG8XyqQ9m3s1f0kQ1zqJ0cZVU";

/// How many failed sign-ins are allowed, per username and per client address, within a
/// window, before further attempts are refused for the rest of the window.
#[derive(Clone, Copy, Debug)]
pub struct LoginThrottle {
    pub per_username: u64,
    pub per_client: u64,
    pub window: chrono::Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            per_username: 5,
            per_client: 20,
            window: chrono::Duration::minutes(15),
        }
    }
}

/// Refuses a sign-in while the username or the client has too many recent failures.
async fn check_throttle(
    db: &DatabaseConnection,
    throttle: &LoginThrottle,
    username: &str,
    client: &str,
) -> ServiceResult<()> {
    use entity::login_failure;
    use sea_orm::{PaginatorTrait, QueryOrder};
    let since = chrono::Utc::now() - throttle.window;
    for (column, value, limit, what) in [
        (
            login_failure::Column::Username,
            username,
            throttle.per_username,
            format!("for the account {username}"),
        ),
        (
            login_failure::Column::ClientAddress,
            client,
            throttle.per_client,
            "from your address".to_string(),
        ),
    ] {
        let recent = login_failure::Entity::find()
            .filter(column.eq(value))
            .filter(login_failure::Column::OccurredAt.gte(since));
        if recent.clone().count(db).await? >= limit {
            let oldest = recent.order_by_asc(login_failure::Column::OccurredAt).one(db).await?;
            let retry_at = oldest.map_or(chrono::Utc::now() + throttle.window, |f| {
                f.occurred_at + throttle.window
            });
            let minutes = (retry_at - chrono::Utc::now()).num_minutes().max(1);
            crate::telemetry::rate_limited("sign_in");
            return Err(Fault::new(
                ErrorCode::RateLimited,
                &["input"],
                format!("too many failed sign-ins {what}: try again in {minutes} minutes"),
            )
            .into());
        }
    }
    Ok(())
}

async fn record_failure(db: &DatabaseConnection, username: &str, client: &str) -> ServiceResult<()> {
    crate::telemetry::sign_in_failed();
    use entity::login_failure;
    use sea_orm::ActiveValue::Set;
    login_failure::Entity::insert(login_failure::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        client_address: Set(client.chars().take(64).collect()),
        occurred_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Signs a user in: the password must match and the account be enabled. Failures are
/// counted per username and per client address (`throttle`).
pub async fn login(
    db: &DatabaseConnection,
    tokens: &Tokens,
    throttle: &LoginThrottle,
    client: &str,
    username: &str,
    password: &str,
) -> ServiceResult<(app_user::Model, IssuedToken)> {
    let username = username.trim();
    check_throttle(db, throttle, username, client).await?;
    let wrong = || -> ServiceError {
        Fault::new(ErrorCode::InvalidCredentials, &["input"], "wrong username or password").into()
    };
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username))
        .one(db)
        .await?;
    let Some(user) = user else {
        // Only for the timing; the answer is "wrong" whatever it says.
        let _ = verify_password(password.to_string(), DECOY_HASH.to_string()).await;
        record_failure(db, username, client).await?;
        return Err(wrong());
    };
    if !verify_password(password.to_string(), user.password_hash.clone()).await? {
        record_failure(db, username, client).await?;
        return Err(wrong());
    }
    entity::login_failure::Entity::delete_many()
        .filter(entity::login_failure::Column::Username.eq(username))
        .exec(db)
        .await?;
    if user.disabled {
        return Err(Fault::new(
            ErrorCode::InvalidCredentials,
            &["input"],
            "this account has been disabled",
        )
        .into());
    }
    let issued = tokens.issue(user.id)?;
    Ok((user, issued))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The decoy must be a hash argon2 can check, or unknown usernames would answer faster.
    #[test]
    fn the_decoy_hash_is_a_real_argon2id_hash() {
        use argon2::password_hash::{PasswordVerifier, phc::PasswordHash};
        let parsed = PasswordHash::new(DECOY_HASH).expect("the decoy parses");
        assert!(argon2::Argon2::default().verify_password(b"demo1234", &parsed).is_err());
    }

    const SECRET: &[u8] = b"a-test-secret-a-test-secret-a-test-secret";

    #[test]
    fn a_verified_token_is_remembered_and_other_bytes_are_still_checked() {
        let tokens = Tokens::new(SECRET, chrono::Duration::hours(1)).unwrap();
        let issued = tokens.issue(42).unwrap();
        assert_eq!(tokens.user_id(&issued.token), Ok(42));
        let now = chrono::Utc::now().timestamp();
        assert_eq!(tokens.verified.get(&issued.token, now), Some(42));
        // A changed signature is not the remembered token: it is checked, and refused. The
        // signature's first character is changed: its last carries two unused bits, so
        // four of its values decode alike and the "forgery" was at times the token itself.
        let at = issued.token.rfind('.').unwrap() + 1;
        let swapped = if issued.token[at..].starts_with('A') { "B" } else { "A" };
        let forged = format!("{}{swapped}{}", &issued.token[..at], &issued.token[at + 1..]);
        assert!(tokens.user_id(&forged).is_err());
        let other = Tokens::new(b"another-secret-another-secret-another", chrono::Duration::hours(1)).unwrap();
        assert!(other.user_id(&issued.token).unwrap_err().0.contains("signature"));
    }

    #[test]
    fn a_remembered_token_is_refused_once_it_expires() {
        let tokens = Tokens::new(SECRET, chrono::Duration::seconds(-60)).unwrap();
        let issued = tokens.issue(7).unwrap();
        // As if it had been verified while it was still valid.
        tokens.verified.insert(&issued.token, 7, issued.expires_at.timestamp());
        let refused = tokens.user_id(&issued.token).unwrap_err();
        assert!(refused.0.contains("expired"), "{refused:?}");
    }
}
