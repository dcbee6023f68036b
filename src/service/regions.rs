//! The region tree: listing within scope, creating, editing and importing from CSV.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, scoped_codes};
use crate::db::rows::KeyedRead;
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::fault::{Fault, non_negative, required_text};
use crate::domain::region::{RegionCode, RegionLevel};
use entity::region;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};

/// Which regions a list shows.
#[derive(Clone, Debug, Default)]
pub struct RegionFilter {
    pub parent_code: Option<String>,
    pub level: Option<RegionLevel>,
    pub is_poverty_village: Option<bool>,
    pub name_contains: Option<String>,
}

/// A region as a user describes it; its level and parent follow from the code.
#[derive(Clone, Debug)]
pub struct RegionInput {
    pub code: String,
    pub name: String,
    pub is_poverty_village: bool,
    pub poor_households: i32,
    pub poor_people: i32,
}

/// Changes to a region; `None` leaves a value as it is.
#[derive(Clone, Debug, Default)]
pub struct RegionChanges {
    pub name: Option<String>,
    pub is_poverty_village: Option<bool>,
    pub poor_households: Option<i32>,
    pub poor_people: Option<i32>,
}

/// Parses a code given in `field`, as a user error when it is malformed.
pub fn parse_code(field: &str, raw: &str) -> Result<RegionCode, Fault> {
    RegionCode::parse(raw).map_err(|message| Fault::invalid(field, message))
}

/// The county `raw` names, within the actor's reach for `operation`; `what` names what
/// belongs to a county, for the message when `raw` is not one.
pub fn county_in_reach(actor: &Actor, operation: Operation, raw: &str, what: &str) -> ServiceResult<RegionCode> {
    let county = parse_code("countyCode", raw.trim())?;
    if county.level() != RegionLevel::County {
        return Err(Fault::invalid(
            "countyCode",
            format!(
                "{what} belong to a county; {county} is a {}",
                county.level().chinese_name()
            ),
        )
        .into());
    }
    authorize_at(actor, operation, &county)?;
    Ok(county)
}

/// One page of the regions the actor can see, in code order.
pub async fn list(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &RegionFilter,
    page: &PageRequest<String>,
) -> ServiceResult<Page<region::Model>> {
    authorize(actor, Operation::ViewRegions)?;
    let mut query = region::Entity::find().filter(scoped_codes(actor, Operation::ViewRegions, region::Column::Code));
    if let Some(parent) = &filter.parent_code {
        let parent = RegionCode::parse(parent).map_err(|m| {
            Fault::new(
                crate::domain::fault::ErrorCode::InvalidInput,
                &["filter", "parentCode"],
                m,
            )
        })?;
        query = query.filter(region::Column::ParentCode.eq(parent.as_str()));
    }
    if let Some(level) = filter.level {
        query = query.filter(region::Column::Level.eq(level.as_str()));
    }
    if let Some(flag) = filter.is_poverty_village {
        query = query.filter(region::Column::IsPovertyVillage.eq(flag));
    }
    if let Some(text) = filter.name_contains.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        query = query.filter(region::Column::Name.contains(text));
    }
    super::keyset_page(db, query, region::Column::Code, sea_orm::Order::Asc, page).await
}

/// The region with `code`, if the actor can see it. Unknown and out-of-scope regions are
/// both `None`, so codes outside a user's area cannot be probed.
pub async fn find(db: &impl ConnectionTrait, actor: &Actor, code: &RegionCode) -> ServiceResult<Option<region::Model>> {
    if authorize_at(actor, Operation::ViewRegions, code).is_err() {
        return Ok(None);
    }
    // Every rollup and most writes read their region first: its SQL is written once and
    // its row read by position (`rows`).
    static BY_CODE: KeyedRead<region::Model> = KeyedRead::new(r#""code" {in_keys}"#, "");
    Ok(BY_CODE.all(db, &[code.as_str().to_string()], []).await?.pop())
}

/// Regions by code, for the references of objects already in the caller's scope (a
/// project's township, a region's parent): no further check.
pub async fn by_codes(db: &DatabaseConnection, codes: &[String]) -> ServiceResult<Vec<region::Model>> {
    // A county's regions are few: PostgreSQL reads them all and hashes the keys.
    static BY_CODES: KeyedRead<region::Model> = KeyedRead::new(r#""code" {in_key_set}"#, "");
    Ok(BY_CODES.all(db, codes, []).await?)
}

/// Like [`find`], but an unknown code is a user error naming `field`.
pub async fn get(
    db: &impl ConnectionTrait,
    actor: &Actor,
    field: &str,
    code: &RegionCode,
) -> ServiceResult<region::Model> {
    find(db, actor, code)
        .await?
        .ok_or_else(|| Fault::not_found(field, format!("there is no region with code {code} in your area")).into())
}

fn validate(input: &RegionInput) -> Result<(RegionCode, String), Vec<Fault>> {
    let mut faults = Vec::new();
    let code = parse_code("code", &input.code).map_err(|f| faults.push(f)).ok();
    let name = required_text("name", "the region's name", &input.name, 100)
        .map_err(|f| faults.push(f))
        .ok();
    if let Err(f) = non_negative("poorHouseholds", "registered poor households", input.poor_households) {
        faults.push(f);
    }
    if let Err(f) = non_negative("poorPeople", "registered poor people", input.poor_people) {
        faults.push(f);
    }
    if input.poor_people < input.poor_households {
        faults.push(Fault::invalid(
            "poorPeople",
            format!(
                "{} registered poor households cannot have only {} people",
                input.poor_households, input.poor_people
            ),
        ));
    }
    if let Some(code) = &code
        && input.is_poverty_village
        && code.level() != RegionLevel::Village
    {
        faults.push(Fault::invalid(
            "isPovertyVillage",
            format!(
                "only a village can be a poverty village (贫困村); {code} is a {}",
                code.level().chinese_name()
            ),
        ));
    }
    match (code, name) {
        (Some(code), Some(name)) if faults.is_empty() => Ok((code, name)),
        _ => Err(faults),
    }
}

/// Checks that the parent a code implies exists (provinces have none).
async fn check_parent(conn: &impl ConnectionTrait, code: &RegionCode) -> ServiceResult<Option<String>> {
    let Some(parent) = code.parent() else {
        return Ok(None);
    };
    if region::Entity::find_by_id(parent.as_str()).one(conn).await?.is_none() {
        return Err(Fault::not_found(
            "code",
            format!("region {code} belongs under {parent}, which does not exist yet: create it first"),
        )
        .into());
    }
    Ok(Some(parent.to_string()))
}

pub(crate) async fn insert(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &RegionInput,
) -> ServiceResult<region::Model> {
    let (code, name) = validate(input).map_err(ServiceError::Rejected)?;
    authorize_at(actor, Operation::ManageRegions, &code)?;
    let parent_code = check_parent(conn, &code).await?;
    if region::Entity::find_by_id(code.as_str()).one(conn).await?.is_some() {
        return Err(Fault::new(
            crate::domain::fault::ErrorCode::AlreadyExists,
            &["input", "code"],
            format!("a region with code {code} already exists"),
        )
        .into());
    }
    let now = chrono::Utc::now();
    let model = region::ActiveModel {
        code: Set(code.to_string()),
        name: Set(name),
        level: Set(code.level().as_str().to_string()),
        parent_code: Set(parent_code),
        is_poverty_village: Set(input.is_poverty_village),
        poor_households: Set(input.poor_households),
        poor_people: Set(input.poor_people),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::RegionCreate,
            entity_type: "Region",
            entity_id: model.code.clone(),
            region_code: Some(model.code.clone()),
            before: None,
            after: super::audit::json(&model),
        },
    )
    .await?;
    Ok(model)
}

async fn apply_changes(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    current: region::Model,
    changes: &RegionChanges,
) -> ServiceResult<region::Model> {
    let merged = RegionInput {
        code: current.code.clone(),
        name: changes.name.clone().unwrap_or_else(|| current.name.clone()),
        is_poverty_village: changes.is_poverty_village.unwrap_or(current.is_poverty_village),
        poor_households: changes.poor_households.unwrap_or(current.poor_households),
        poor_people: changes.poor_people.unwrap_or(current.poor_people),
    };
    let (code, name) = validate(&merged).map_err(ServiceError::Rejected)?;
    authorize_at(actor, Operation::ManageRegions, &code)?;
    if name == current.name
        && merged.is_poverty_village == current.is_poverty_village
        && merged.poor_households == current.poor_households
        && merged.poor_people == current.poor_people
    {
        return Ok(current);
    }
    let before = super::audit::json(&current);
    let mut active: region::ActiveModel = current.into();
    active.name = Set(name);
    active.is_poverty_village = Set(merged.is_poverty_village);
    active.poor_households = Set(merged.poor_households);
    active.poor_people = Set(merged.poor_people);
    active.updated_at = Set(chrono::Utc::now());
    let model = active.update(conn).await?;
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::RegionUpdate,
            entity_type: "Region",
            entity_id: model.code.clone(),
            region_code: Some(model.code.clone()),
            before,
            after: super::audit::json(&model),
        },
    )
    .await?;
    Ok(model)
}

/// Creates one region under its (existing) parent.
pub async fn create(db: &DatabaseConnection, actor: &Actor, input: RegionInput) -> ServiceResult<region::Model> {
    authorize(actor, Operation::ManageRegions)?;
    let txn = begin_write(db).await?;
    let model = insert(&txn, actor, &input).await?;
    txn.commit().await?;
    Ok(model)
}

/// Edits a region's name, poverty flag and registered poor counts.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    code: &str,
    changes: RegionChanges,
) -> ServiceResult<region::Model> {
    authorize(actor, Operation::ManageRegions)?;
    let code = parse_code("code", code)?;
    let txn = begin_write(db).await?;
    let current = get(&txn, actor, "code", &code).await?;
    let model = apply_changes(&txn, actor, current, &changes).await?;
    txn.commit().await?;
    Ok(model)
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// The most line errors one import reports; a file with more is wrong throughout.
const MAX_IMPORT_FAULTS: usize = 20;

/// Parses a region CSV: a header row naming `code` and `name`, optionally
/// `is_poverty_village`, `poor_households` and `poor_people`, in any order.
pub fn parse_csv(text: &str) -> Result<Vec<(usize, RegionInput)>, Vec<Fault>> {
    let csv_fault = |line: usize, message: String| Fault::invalid("csv", format!("line {line}: {message}"));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| vec![csv_fault(1, format!("cannot read the header row: {e}"))])?
        .clone();
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(code_col), Some(name_col)) = (column("code"), column("name")) else {
        return Err(vec![csv_fault(
            1,
            "the header row must name the columns `code` and `name` (and optionally `is_poverty_village`, `poor_households`, `poor_people`)".into(),
        )]);
    };
    let (flag_col, households_col, people_col) = (
        column("is_poverty_village"),
        column("poor_households"),
        column("poor_people"),
    );
    let mut rows = Vec::new();
    let mut faults = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let line = index + 2;
        if faults.len() >= MAX_IMPORT_FAULTS {
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                faults.push(csv_fault(line, e.to_string()));
                continue;
            }
        };
        let cell = |col: Option<usize>| col.and_then(|c| record.get(c)).unwrap_or("");
        let flag = match cell(flag_col).to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" | "否" => false,
            "true" | "1" | "yes" | "是" => true,
            other => {
                faults.push(csv_fault(
                    line,
                    format!("is_poverty_village must be true or false, not `{other}`"),
                ));
                continue;
            }
        };
        let mut count = |col: Option<usize>, label: &str| match cell(col) {
            "" => Some(0),
            text => text
                .parse::<i32>()
                .map_err(|_| faults.push(csv_fault(line, format!("{label} must be a whole number, not `{text}`"))))
                .ok(),
        };
        let (Some(households), Some(people)) = (
            count(households_col, "poor_households"),
            count(people_col, "poor_people"),
        ) else {
            continue;
        };
        let input = RegionInput {
            code: cell(Some(code_col)).to_string(),
            name: cell(Some(name_col)).to_string(),
            is_poverty_village: flag,
            poor_households: households,
            poor_people: people,
        };
        match validate(&input) {
            Ok(_) => rows.push((line, input)),
            Err(row_faults) => faults.extend(row_faults.into_iter().map(|f| csv_fault(line, f.message))),
        }
    }
    if faults.is_empty() { Ok(rows) } else { Err(faults) }
}

/// Imports a region tree from CSV in one transaction: new codes are created, known ones
/// updated. Rows are applied parents first, so the file may list them in any order. Any
/// bad row rejects the whole file and changes nothing.
pub async fn import_csv(
    db: &DatabaseConnection,
    actor: &Actor,
    text: &str,
    progress: &(dyn Fn(usize, usize) + Sync),
) -> ServiceResult<ImportSummary> {
    authorize(actor, Operation::ManageRegions)?;
    let mut rows = parse_csv(text).map_err(ServiceError::Rejected)?;
    // Parents before children; `validate` has already accepted every code.
    rows.sort_by_key(|(_, input)| RegionCode::parse(&input.code).map(|c| c.level()).ok());
    let txn = begin_write(db).await?;
    let mut summary = ImportSummary::default();
    let total = rows.len();
    for (done, (line, input)) in rows.into_iter().enumerate() {
        let at_line = |err: ServiceError| match err {
            ServiceError::Rejected(faults) => ServiceError::Rejected(
                faults
                    .into_iter()
                    .map(|f| Fault {
                        message: format!("line {line}: {}", f.message),
                        field: vec!["input".into(), "csv".into()],
                        ..f
                    })
                    .collect(),
            ),
            other => other,
        };
        let existing = region::Entity::find_by_id(input.code.trim()).one(&txn).await?;
        match existing {
            None => {
                insert(&txn, actor, &input).await.map_err(at_line)?;
                summary.created += 1;
            }
            Some(current) => {
                let changes = RegionChanges {
                    name: Some(input.name.clone()),
                    is_poverty_village: Some(input.is_poverty_village),
                    poor_households: Some(input.poor_households),
                    poor_people: Some(input.poor_people),
                };
                let before = current.clone();
                let after = apply_changes(&txn, actor, current, &changes).await.map_err(at_line)?;
                if after == before {
                    summary.unchanged += 1;
                } else {
                    summary.updated += 1;
                }
            }
        }
        progress(done + 1, total);
    }
    txn.commit().await?;
    Ok(summary)
}
