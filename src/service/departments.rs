//! Departments: the county bodies that coordinate, fund and build.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, is_unique_violation, scoped_codes};
use crate::db::rows::KeyedRead;
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::department::DepartmentKind;
use crate::domain::fault::{ErrorCode, Fault, required_text};
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use entity::department;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

#[derive(Clone, Debug, Default)]
pub struct DepartmentFilter {
    pub county_code: Option<String>,
    pub sector: Option<Sector>,
    pub kind: Option<DepartmentKind>,
}

#[derive(Clone, Debug)]
pub struct DepartmentInput {
    pub county_code: String,
    pub name: String,
    pub kind: DepartmentKind,
    pub sectors: Vec<Sector>,
}

#[derive(Clone, Debug, Default)]
pub struct DepartmentChanges {
    pub name: Option<String>,
    pub kind: Option<DepartmentKind>,
    pub sectors: Option<Vec<Sector>>,
}

/// The department's sectors, parsed from their stored form.
pub fn sectors_of(model: &department::Model) -> Vec<Sector> {
    // Only this module writes the column, always from `Sector::format_list`.
    Sector::parse_list(&model.sectors).unwrap_or_default()
}

pub fn kind_of(model: &department::Model) -> DepartmentKind {
    model.kind.parse().unwrap_or(DepartmentKind::Sector)
}

fn county_code_of(model: &department::Model) -> Result<RegionCode, ServiceError> {
    RegionCode::parse(&model.county_code).map_err(ServiceError::Internal)
}

pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &DepartmentFilter,
    page: &PageRequest<i64>,
) -> ServiceResult<Page<department::Model>> {
    authorize(actor, Operation::ViewDepartments)?;
    let mut query = department::Entity::find().filter(scoped_codes(
        actor,
        Operation::ViewDepartments,
        department::Column::CountyCode,
    ));
    if let Some(county) = &filter.county_code {
        let county =
            RegionCode::parse(county).map_err(|m| Fault::new(ErrorCode::InvalidInput, &["filter", "countyCode"], m))?;
        query = query.filter(department::Column::CountyCode.eq(county.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(department::Column::Kind.eq(kind.as_str()));
    }
    if let Some(sector) = filter.sector {
        // Stored sorted and comma-separated; a sector name is never a prefix of another
        // inside the list because commas delimit it.
        let name = sector.as_str();
        query = query.filter(
            sea_orm::Condition::any()
                .add(department::Column::Sectors.eq(name))
                .add(department::Column::Sectors.starts_with(format!("{name},")))
                .add(department::Column::Sectors.ends_with(format!(",{name}")))
                .add(department::Column::Sectors.contains(format!(",{name},"))),
        );
    }
    super::keyset_page(db, query, department::Column::Id, sea_orm::Order::Asc, page).await
}

/// The department with `id`, if the actor can see it.
pub async fn find(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<department::Model>> {
    authorize(actor, Operation::ViewDepartments)?;
    let Some(model) = department::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let county = county_code_of(&model)?;
    Ok(authorize_at(actor, Operation::ViewDepartments, &county)
        .is_ok()
        .then_some(model))
}

/// Departments by id, for the references of objects already in the caller's scope (a
/// project's department): no further check.
pub async fn by_ids(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<Vec<department::Model>> {
    static BY_IDS: KeyedRead<department::Model> = KeyedRead::new(r#""id" {in_keys}"#, "");
    Ok(BY_IDS.all(db, ids, []).await?)
}

fn check_sectors(kind: DepartmentKind, sectors: &[Sector]) -> Result<(), Fault> {
    if kind == DepartmentKind::Sector && sectors.is_empty() {
        return Err(Fault::invalid(
            "sectors",
            "a sector department (行业部门) must handle at least one sector",
        ));
    }
    Ok(())
}

fn name_taken(county: &str, name: &str) -> ServiceError {
    Fault::new(
        ErrorCode::AlreadyExists,
        &["input", "name"],
        format!("county {county} already has a department named {name}"),
    )
    .into()
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DepartmentInput,
) -> ServiceResult<department::Model> {
    authorize(actor, Operation::ManageDepartments)?;
    let county = super::regions::parse_code("countyCode", &input.county_code)?;
    let name = required_text("name", "the department's name", &input.name, 100)?;
    check_sectors(input.kind, &input.sectors)?;
    authorize_at(actor, Operation::ManageDepartments, &county)?;
    if county.level() != RegionLevel::County {
        return Err(Fault::invalid(
            "countyCode",
            format!(
                "departments belong to a county; {county} is a {}",
                county.level().chinese_name()
            ),
        )
        .into());
    }
    let txn = begin_write(db).await?;
    super::regions::get(&txn, actor, "countyCode", &county).await?;
    let now = chrono::Utc::now();
    let model = department::ActiveModel {
        county_code: Set(county.to_string()),
        name: Set(name.clone()),
        kind: Set(input.kind.as_str().to_string()),
        sectors: Set(Sector::format_list(&input.sectors)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            name_taken(county.as_str(), &name)
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::DepartmentCreate,
            entity_type: "Department",
            entity_id: model.id.to_string(),
            region_code: Some(model.county_code.clone()),
            before: None,
            after: super::audit::json(&model),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    changes: DepartmentChanges,
) -> ServiceResult<department::Model> {
    authorize(actor, Operation::ManageDepartments)?;
    let txn = begin_write(db).await?;
    let current = find(&txn, actor, id)
        .await?
        .ok_or_else(|| Fault::not_found("id", "there is no such department in your area"))?;
    authorize_at(actor, Operation::ManageDepartments, &county_code_of(&current)?)?;
    let name = match &changes.name {
        Some(raw) => required_text("name", "the department's name", raw, 100)?,
        None => current.name.clone(),
    };
    let kind = changes.kind.unwrap_or_else(|| kind_of(&current));
    let sectors = changes.sectors.clone().unwrap_or_else(|| sectors_of(&current));
    check_sectors(kind, &sectors)?;
    let before = super::audit::json(&current);
    let county = current.county_code.clone();
    let mut active: department::ActiveModel = current.into();
    active.name = Set(name.clone());
    active.kind = Set(kind.as_str().to_string());
    active.sectors = Set(Sector::format_list(&sectors));
    active.updated_at = Set(chrono::Utc::now());
    let model = active.update(&txn).await.map_err(|e| {
        if is_unique_violation(&e) {
            name_taken(&county, &name)
        } else {
            e.into()
        }
    })?;
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::DepartmentUpdate,
            entity_type: "Department",
            entity_id: model.id.to_string(),
            region_code: Some(model.county_code.clone()),
            before,
            after: super::audit::json(&model),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Departments with exactly this name, in any county (for the command line).
pub async fn find_by_name(db: &DatabaseConnection, name: &str) -> ServiceResult<Vec<department::Model>> {
    Ok(department::Entity::find()
        .filter(department::Column::Name.eq(name.trim()))
        .all(db)
        .await?)
}
