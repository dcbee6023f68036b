//! User accounts: creating, changing and deleting them, and hashing their passwords.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, is_unique_violation, scoped_codes};
use crate::db::rows::KeyedRead;
use crate::domain::access::{Actor, Operation, Role, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::fault::{ErrorCode, Fault, required_text};
use crate::domain::region::RegionCode;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use entity::app_user;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, ModelTrait,
    QueryFilter,
};

#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    pub region_code: Option<String>,
    pub role: Option<Role>,
}

#[derive(Clone, Debug)]
pub struct UserInput {
    pub username: String,
    pub display_name: Option<String>,
    pub password: String,
    pub role: Role,
    /// Optional for a DEPARTMENT user, who is scoped to the department's county.
    pub region_code: Option<String>,
    pub department_id: Option<i64>,
}

#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub password: Option<String>,
    pub role: Option<Role>,
    pub region_code: Option<String>,
    pub department_id: Option<Option<i64>>,
    pub disabled: Option<bool>,
}

pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn role_of(model: &app_user::Model) -> Result<Role, ServiceError> {
    model.role.parse().map_err(ServiceError::Internal)
}

/// Hashes a password with argon2id off the async threads: it is deliberately slow.
pub async fn hash_password(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || {
        argon2::Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| ServiceError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password hashing task failed: {e}")))?
}

/// Checks a password against a stored hash, off the async threads.
pub async fn verify_password(password: String, stored_hash: String) -> ServiceResult<bool> {
    tokio::task::spawn_blocking(move || match PasswordHash::new(&stored_hash) {
        Ok(parsed) => Ok(argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()),
        Err(e) => Err(ServiceError::Internal(format!(
            "stored password hash is malformed: {e}"
        ))),
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("password check task failed: {e}")))?
}

fn check_username(raw: &str) -> Result<String, Fault> {
    let username = raw.trim();
    let valid_chars = username.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if username.len() < 3 || username.len() > 64 || !valid_chars {
        return Err(Fault::invalid(
            "username",
            "a username is 3 to 64 letters, digits, dots, dashes or underscores",
        ));
    }
    Ok(username.to_string())
}

fn check_password(field: &str, password: &str) -> Result<(), Fault> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Fault::invalid(
            field,
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(Fault::invalid(field, "a password is at most 1024 bytes"));
    }
    Ok(())
}

/// Resolves where a user of `role` is scoped, checks the binding the role needs, and that
/// the acting admin may place a user there. Returns the region code to store.
async fn check_placement(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    role: Role,
    region_code: Option<&str>,
    department_id: Option<i64>,
) -> ServiceResult<String> {
    let department =
        match department_id {
            Some(id) => Some(super::departments::find(conn, actor, id).await?.ok_or_else(|| {
                Fault::not_found("departmentId", format!("there is no department {id} in your area"))
            })?),
            None => None,
        };
    let region = match (region_code, &department) {
        (Some(raw), _) => super::regions::parse_code("regionCode", raw)?,
        (None, Some(dept)) if role == Role::Department => {
            RegionCode::parse(&dept.county_code).map_err(ServiceError::Internal)?
        }
        (None, _) => return Err(Fault::invalid("regionCode", "say which region the user works in").into()),
    };
    super::regions::get(conn, actor, "regionCode", &region).await?;
    role.check_binding(region.level(), department.is_some())?;
    if let Some(dept) = &department
        && role == Role::Department
        && dept.county_code != region.as_str()
    {
        return Err(Fault::invalid(
            "regionCode",
            format!(
                "a DEPARTMENT user works in its department's county, {}",
                dept.county_code
            ),
        )
        .into());
    }
    authorize_at(actor, Operation::ManageUsers, &region)?;
    Ok(region.to_string())
}

fn username_taken(username: &str) -> ServiceError {
    Fault::new(
        ErrorCode::AlreadyExists,
        &["input", "username"],
        format!("the username {username} is taken"),
    )
    .into()
}

pub async fn create(db: &DatabaseConnection, actor: &Actor, input: UserInput) -> ServiceResult<app_user::Model> {
    authorize(actor, Operation::ManageUsers)?;
    let username = check_username(&input.username)?;
    check_password("password", &input.password)?;
    let display_name = match &input.display_name {
        Some(raw) => required_text("displayName", "the display name", raw, 100)?,
        None => username.clone(),
    };
    let password_hash = hash_password(input.password.clone()).await?;
    let txn = begin_write(db).await?;
    let region_code = check_placement(
        &txn,
        actor,
        input.role,
        input.region_code.as_deref(),
        input.department_id,
    )
    .await?;
    let now = chrono::Utc::now();
    let model = app_user::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(display_name),
        password_hash: Set(password_hash),
        role: Set(input.role.as_str().to_string()),
        region_code: Set(region_code),
        department_id: Set(input.department_id),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            username_taken(&username)
        } else {
            e.into()
        }
    })?;
    audit::record(&txn, actor, user_change(AuditAction::UserCreate, None, &model)).await?;
    txn.commit().await?;
    Ok(model)
}

fn user_change<'a>(action: AuditAction, before: Option<&app_user::Model>, after: &app_user::Model) -> Change<'a> {
    Change {
        action,
        entity_type: "User",
        entity_id: after.id.to_string(),
        region_code: Some(after.region_code.clone()),
        before: before.and_then(super::audit::json),
        after: (action != AuditAction::UserDelete)
            .then(|| super::audit::json(after))
            .flatten(),
    }
}

/// The account with `id`, whoever asks (every request reads its own: a statement written once).
pub async fn by_id(conn: &impl ConnectionTrait, id: i64) -> Result<Option<app_user::Model>, sea_orm::DbErr> {
    static BY_ID: KeyedRead<app_user::Model> = KeyedRead::new(r#""id" {in_keys}"#, "");
    Ok(BY_ID.all(conn, &[id], []).await?.pop())
}

/// The user with `id`, if the actor may view accounts in its region (or it is the actor).
pub async fn find(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<app_user::Model>> {
    let Some(model) = by_id(conn, id).await? else {
        return Ok(None);
    };
    if actor.user_id == Some(id) {
        return Ok(Some(model));
    }
    let region = RegionCode::parse(&model.region_code).map_err(ServiceError::Internal)?;
    Ok(authorize_at(actor, Operation::ViewUsers, &region)
        .is_ok()
        .then_some(model))
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &UserFilter,
    page: &PageRequest<String>,
) -> ServiceResult<Page<app_user::Model>> {
    authorize(actor, Operation::ViewUsers)?;
    let mut query =
        app_user::Entity::find().filter(scoped_codes(actor, Operation::ViewUsers, app_user::Column::RegionCode));
    if let Some(raw) = &filter.region_code {
        let code =
            RegionCode::parse(raw).map_err(|m| Fault::new(ErrorCode::InvalidInput, &["filter", "regionCode"], m))?;
        query = query.filter(super::in_subtree(app_user::Column::RegionCode, &code));
    }
    if let Some(role) = filter.role {
        query = query.filter(app_user::Column::Role.eq(role.as_str()));
    }
    super::keyset_page(db, query, app_user::Column::Username, sea_orm::Order::Asc, page).await
}

async fn managed_user(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<app_user::Model> {
    let model = find(conn, actor, id)
        .await?
        .ok_or_else(|| Fault::not_found("id", "there is no such user in your area"))?;
    let region = RegionCode::parse(&model.region_code).map_err(ServiceError::Internal)?;
    authorize_at(actor, Operation::ManageUsers, &region)?;
    Ok(model)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    changes: UserChanges,
) -> ServiceResult<app_user::Model> {
    authorize(actor, Operation::ManageUsers)?;
    if let Some(password) = &changes.password {
        check_password("password", password)?;
    }
    let display_name = match &changes.display_name {
        Some(raw) => Some(required_text("displayName", "the display name", raw, 100)?),
        None => None,
    };
    let password_hash = match &changes.password {
        Some(password) => Some(hash_password(password.clone()).await?),
        None => None,
    };
    let txn = begin_write(db).await?;
    let current = managed_user(&txn, actor, id).await?;
    if actor.user_id == Some(id) && changes.disabled == Some(true) {
        return Err(Fault::invalid("disabled", "you cannot disable your own account").into());
    }
    let role = changes.role.map_or_else(|| role_of(&current), Ok)?;
    let department_id = changes.department_id.unwrap_or(current.department_id);
    let region_code = match (&changes.region_code, changes.role, changes.department_id) {
        (None, None, None) => current.region_code.clone(),
        (region, _, _) => {
            let region = region.as_deref().unwrap_or(&current.region_code);
            check_placement(&txn, actor, role, Some(region), department_id).await?
        }
    };
    let before = current.clone();
    let mut active: app_user::ActiveModel = current.into();
    if let Some(name) = display_name {
        active.display_name = Set(name);
    }
    if let Some(hash) = password_hash {
        active.password_hash = Set(hash);
    }
    if let Some(disabled) = changes.disabled {
        active.disabled = Set(disabled);
    }
    active.role = Set(role.as_str().to_string());
    active.region_code = Set(region_code);
    active.department_id = Set(department_id);
    active.updated_at = Set(chrono::Utc::now());
    let model = active.update(&txn).await?;
    audit::record(&txn, actor, user_change(AuditAction::UserUpdate, Some(&before), &model)).await?;
    txn.commit().await?;
    Ok(model)
}

/// Deletes an account; its tokens stop working with the next request. The audit trail
/// keeps what the account did, and a copy of the account as it was.
pub async fn delete(db: &DatabaseConnection, actor: &Actor, id: i64) -> ServiceResult<app_user::Model> {
    authorize(actor, Operation::ManageUsers)?;
    if actor.user_id == Some(id) {
        return Err(Fault::invalid("id", "you cannot delete your own account").into());
    }
    let txn = begin_write(db).await?;
    let current = managed_user(&txn, actor, id).await?;
    current.clone().delete(&txn).await?;
    audit::record(
        &txn,
        actor,
        user_change(AuditAction::UserDelete, Some(&current), &current),
    )
    .await?;
    txn.commit().await?;
    Ok(current)
}
