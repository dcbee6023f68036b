//! Accounts and sign-in: `login`, `me`, `users`, and the admin mutations.
use super::context::ContextExt;
use super::departments::{Department, department_of};
use super::errors::{OrApiError, UserError, internal, payload};
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::regions::Region;
use super::scalars::DateTime;
use crate::domain::access::Role;
use crate::service::users::{self as svc, UserChanges, UserInput};
use crate::service::{ServiceError, auth};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::app_user;

pub struct User(pub app_user::Model);

/// 用户 — a person who signs in.
#[Object]
impl User {
    /// The account's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("User", self.0.id)
    }
    /// The name the user signs in with.
    async fn username(&self) -> &str {
        &self.0.username
    }
    /// The name shown to others (the username, unless another was given).
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// 角色 — what the user does in the programme.
    async fn role(&self) -> async_graphql::Result<Role> {
        svc::role_of(&self.0).api()
    }
    /// The region whose subtree the user works in.
    async fn region(&self, ctx: &Context<'_>) -> async_graphql::Result<Region> {
        ctx.loaders()?
            .regions
            .load_one(&self.0.region_code)
            .await?
            .map(Region)
            .ok_or_else(|| internal(format!("user {} has no region", self.0.id)))
    }
    /// The department the user works for, if any.
    async fn department(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Plain<Department>>> {
        department_of(ctx, self.0.department_id).await
    }
    /// Whether the account is disabled: it cannot sign in, and its tokens no longer work.
    async fn disabled(&self) -> bool {
        self.0.disabled
    }
    /// When the account was created.
    async fn created_at(&self) -> DateTime {
        DateTime(self.0.created_at)
    }
}

/// Which accounts to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct UserFilter {
    /// Only users working in this region's subtree.
    pub region_code: Option<String>,
    /// Only users of this role.
    pub role: Option<Role>,
}

#[derive(Default)]
pub struct UserQuery;

#[Object]
impl UserQuery {
    /// The signed-in user.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let actor = ctx.actor()?;
        let id = actor
            .user_id
            .ok_or_else(|| internal("signed-in actor without a user id"))?;
        svc::find(ctx.db()?, actor, id)
            .await
            .api()?
            .map(User)
            .ok_or_else(|| super::errors::unauthenticated("this account no longer exists"))
    }

    /// The accounts in your area, by username (ADMIN, INSPECTOR).
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which accounts; all of your area's when left out.")] filter: Option<UserFilter>,
    ) -> async_graphql::Result<ConnectionOf<User>> {
        let page = page_request::<String>(first, after.clone())?;
        let f = filter.unwrap_or_default();
        let filter = svc::UserFilter {
            region_code: f.region_code,
            role: f.role,
        };
        let rows = svc::list(ctx.db()?, ctx.actor()?, &filter, &page).await.api()?;
        Ok(connection(rows, after.is_some(), |u| u.username.clone(), User))
    }
}

/// Who signs in.
#[derive(InputObject)]
pub struct LoginInput {
    /// The username (spaces around it are ignored).
    pub username: String,
    /// The account's password.
    pub password: String,
}

/// The result of signing in: a token, or why there is none.
#[derive(SimpleObject)]
pub struct LoginPayload {
    /// A bearer token for the `Authorization` header.
    pub token: Option<String>,
    /// When the token stops working; sign in again then.
    pub expires_at: Option<DateTime>,
    /// The signed-in user; null when sign-in failed.
    pub user: Option<User>,
    /// Why sign-in failed (`INVALID_CREDENTIALS`, or `RATE_LIMITED` after too many
    /// failures); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

/// A new account.
#[derive(InputObject)]
pub struct UserCreateInput {
    /// The name to sign in with: 3 to 64 letters, digits, dots, dashes or underscores,
    /// not taken.
    pub username: String,
    /// The name shown to others, at most 100 characters; the username when left out.
    pub display_name: Option<String>,
    /// At least 8 characters.
    pub password: String,
    /// 角色; it decides where the user may work: a TOWNSHIP user in a township, a
    /// DEPARTMENT user in its department's county, the others in a county or above.
    pub role: Role,
    /// The region the user works in; a DEPARTMENT user may leave it out and works in the
    /// department's county.
    pub region_code: Option<String>,
    /// Required for a DEPARTMENT user.
    pub department_id: Option<ID>,
}

/// Changes to an account: a field left out keeps its value.
#[derive(InputObject)]
pub struct UserUpdateInput {
    /// The account to change (its global ID).
    pub id: ID,
    /// The new display name, at most 100 characters.
    pub display_name: Option<String>,
    /// A new password, at least 8 characters.
    pub password: Option<String>,
    /// The new role; where the user works must suit it.
    pub role: Option<Role>,
    /// The region (its 12-digit code) the user works in from now on.
    pub region_code: Option<String>,
    /// The department (its global ID) the user works for from now on.
    pub department_id: Option<ID>,
    /// A disabled account cannot sign in, and its tokens stop working at once.
    pub disabled: Option<bool>,
}

/// The account to delete.
#[derive(InputObject)]
pub struct UserDeleteInput {
    /// The account (its global ID); not your own.
    pub id: ID,
}

/// What an account mutation did: the account as it now is, or why nothing changed.
#[derive(SimpleObject)]
pub struct UserPayload {
    /// The account after the change; null when it was refused.
    pub user: Option<User>,
    /// Why it was refused; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

/// What `userDelete` did.
#[derive(SimpleObject)]
pub struct UserDeletePayload {
    /// The deleted account's ID; null when the deletion was refused.
    pub deleted_user_id: Option<ID>,
    /// Why it was refused; empty when the account was deleted.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct UserMutation;

fn department_key(id: Option<&ID>) -> Result<Option<i64>, ServiceError> {
    Ok(match id {
        Some(id) => Some(decode_numeric(id, "Department", "departmentId")?),
        None => None,
    })
}

#[Object]
impl UserMutation {
    /// Signs in with a username and password and returns a bearer token.
    async fn login(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Your username and password.")] input: LoginInput,
    ) -> async_graphql::Result<LoginPayload> {
        let app = ctx.app()?;
        let client = ctx
            .data_opt::<super::context::RequestContext>()
            .map_or("unknown", |r| r.client_address.as_str());
        let result = auth::login(
            &app.db,
            &app.tokens,
            &app.login_throttle,
            client,
            &input.username,
            &input.password,
        )
        .await;
        let (result, user_errors) = payload(result)?;
        Ok(match result {
            Some((user, issued)) => LoginPayload {
                token: Some(issued.token),
                expires_at: Some(DateTime(issued.expires_at)),
                user: Some(User(user)),
                user_errors,
            },
            None => LoginPayload {
                token: None,
                expires_at: None,
                user: None,
                user_errors,
            },
        })
    }

    /// Creates an account (ADMIN).
    async fn user_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new account's username, password, role and place of work.")] input: UserCreateInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let input = UserInput {
                username: input.username,
                display_name: input.display_name,
                password: input.password,
                role: input.role,
                region_code: input.region_code,
                department_id: department_key(input.department_id.as_ref())?,
            };
            svc::create(db, actor, input).await
        }
        .await;
        let (user, user_errors) = payload(result)?;
        Ok(UserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Changes an account: name, password, role, area, department, or disables it (ADMIN).
    async fn user_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account and the values to change.")] input: UserUpdateInput,
    ) -> async_graphql::Result<UserPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let id = decode_numeric(&input.id, "User", "id")?;
            let changes = UserChanges {
                display_name: input.display_name,
                password: input.password,
                role: input.role,
                region_code: input.region_code,
                department_id: input
                    .department_id
                    .as_ref()
                    .map(|d| department_key(Some(d)))
                    .transpose()?,
                disabled: input.disabled,
            };
            svc::update(db, actor, id, changes).await
        }
        .await;
        let (user, user_errors) = payload(result)?;
        Ok(UserPayload {
            user: user.map(User),
            user_errors,
        })
    }

    /// Deletes an account (ADMIN); its tokens stop working at once. The audit trail keeps
    /// what it did.
    async fn user_delete(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account to delete.")] input: UserDeleteInput,
    ) -> async_graphql::Result<UserDeletePayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let id = decode_numeric(&input.id, "User", "id")?;
            svc::delete(db, actor, id).await
        }
        .await;
        let (deleted, user_errors) = payload(result)?;
        Ok(UserDeletePayload {
            deleted_user_id: deleted.map(|u| global_id("User", u.id)),
            user_errors,
        })
    }
}
