//! Departments: `departments` and the admin mutations.
use super::context::ContextExt;
use super::errors::{OrApiError, UserError, internal, payload};
use super::node::{decode_numeric, global_id};
use super::object::Plain;
use super::pagination::{ConnectionOf, connection, cost, page_request};
use super::regions::Region;
use crate::domain::department::DepartmentKind;
use crate::domain::sector::Sector;
use crate::service::departments::{self as svc, DepartmentChanges, DepartmentInput};
use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use entity::department;
use std::sync::Arc;

pub struct Department(pub Arc<department::Model>);

impl From<department::Model> for Department {
    fn from(model: department::Model) -> Self {
        Department(Arc::new(model))
    }
}

/// 部门 — a county department: a sector department, the poverty office or the finance bureau.
#[Object]
impl Department {
    /// The department's opaque global ID.
    pub async fn id(&self) -> ID {
        global_id("Department", self.0.id)
    }
    /// The department's name, unique in its county, e.g. 交通局.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What kind of county body it is.
    async fn kind(&self) -> DepartmentKind {
        svc::kind_of(&self.0)
    }
    /// The sectors whose projects the department builds.
    async fn sectors(&self) -> Vec<Sector> {
        svc::sectors_of(&self.0)
    }
    /// The county the department belongs to.
    async fn county(&self, ctx: &Context<'_>) -> async_graphql::Result<Region> {
        ctx.loaders()?
            .regions
            .load_one(&self.0.county_code)
            .await?
            .map(Region)
            .ok_or_else(|| internal(format!("department {} has no county", self.0.id)))
    }
}

/// Which departments to list; every condition given must hold.
#[derive(InputObject, Default)]
pub struct DepartmentFilter {
    /// Only this county's departments (its 12-digit code).
    pub county_code: Option<String>,
    /// Only departments that handle this sector.
    pub sector: Option<Sector>,
    /// Only departments of this kind.
    pub kind: Option<DepartmentKind>,
}

#[derive(Default)]
pub struct DepartmentQuery;

#[Object]
impl DepartmentQuery {
    /// The departments of the counties you can see, in the order they were created.
    #[graphql(complexity = "cost(first, child_complexity)")]
    async fn departments(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1–100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Where to continue: the previous page's `pageInfo.endCursor`.")] after: Option<String>,
        #[graphql(desc = "Which departments; all you can see when left out.")] filter: Option<DepartmentFilter>,
    ) -> async_graphql::Result<ConnectionOf<Department>> {
        let page = page_request::<i64>(first, after.clone())?;
        let f = filter.unwrap_or_default();
        let filter = svc::DepartmentFilter {
            county_code: f.county_code,
            sector: f.sector,
            kind: f.kind,
        };
        let rows = svc::list(ctx.db()?, ctx.actor()?, &filter, &page).await.api()?;
        Ok(connection(
            rows,
            after.is_some(),
            |d| d.id.to_string(),
            Department::from,
        ))
    }
}

/// A new department of a county.
#[derive(InputObject)]
pub struct DepartmentCreateInput {
    /// The county's 12-digit code; a county in your area.
    pub county_code: String,
    /// The department's name; unique in the county, at most 100 characters.
    pub name: String,
    /// What kind of county body it is.
    pub kind: DepartmentKind,
    /// The sectors whose projects it builds; a SECTOR department needs at least one.
    #[graphql(default)]
    pub sectors: Vec<Sector>,
}

/// Changes to a department: a field left out keeps its value.
#[derive(InputObject)]
pub struct DepartmentUpdateInput {
    /// The department to change (its global ID).
    pub id: ID,
    /// The new name; unique in the county, at most 100 characters.
    pub name: Option<String>,
    /// The new kind.
    pub kind: Option<DepartmentKind>,
    /// The sectors it builds, replacing the list; a SECTOR department needs at least one.
    pub sectors: Option<Vec<Sector>>,
}

/// What a department mutation did: the department as it now is, or why nothing changed.
#[derive(SimpleObject)]
pub struct DepartmentPayload {
    /// The department after the change; null when it was refused.
    pub department: Option<Department>,
    /// Why it was refused; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct DepartmentMutation;

#[Object]
impl DepartmentMutation {
    /// Creates a department in a county (ADMIN).
    async fn department_create(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The county, name, kind and sectors of the new department.")] input: DepartmentCreateInput,
    ) -> async_graphql::Result<DepartmentPayload> {
        let actor = ctx.actor()?;
        let input = DepartmentInput {
            county_code: input.county_code,
            name: input.name,
            kind: input.kind,
            sectors: input.sectors,
        };
        let (department, user_errors) = payload(svc::create(ctx.db()?, actor, input).await)?;
        Ok(DepartmentPayload {
            department: department.map(Department::from),
            user_errors,
        })
    }

    /// Renames a department or changes its kind or sectors (ADMIN).
    async fn department_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The department and the values to change.")] input: DepartmentUpdateInput,
    ) -> async_graphql::Result<DepartmentPayload> {
        let actor = ctx.actor()?;
        let db = ctx.db()?;
        let result = async {
            let id = decode_numeric(&input.id, "Department", "id")?;
            let changes = DepartmentChanges {
                name: input.name,
                kind: input.kind,
                sectors: input.sectors,
            };
            svc::update(db, actor, id, changes).await
        }
        .await;
        let (department, user_errors) = payload(result)?;
        Ok(DepartmentPayload {
            department: department.map(Department::from),
            user_errors,
        })
    }
}

/// The department with `id`, if any, from the request's loader (primed by a page or a
/// rollup when it can be), resolved in place.
pub async fn department_of(ctx: &Context<'_>, id: Option<i64>) -> async_graphql::Result<Option<Plain<Department>>> {
    match id {
        None => Ok(None),
        Some(id) => Ok(ctx
            .loaders()?
            .departments
            .load_one(&id)
            .await?
            .map(|d| Plain(Department(d)))),
    }
}
