//! Drafting (— → DRAFT) and editing a draft: the record's fields checked, its villages,
//! its code.
use super::{
    EventRecord, ProjectChanges, ProjectInput, TargetInput, TransitionDetails, category_of, load_for_change,
    project_change, record_event, sector_of, status_of, targets_of, township_of, villages_of, write_guarded,
};
use crate::domain::access::Actor;
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::category::ProjectCategory;
use crate::domain::fault::{Fault, required_text};
use crate::domain::lifecycle::{self, CREATOR, ProjectAction, ProjectStatus};
use crate::domain::money::Money;
use crate::domain::project::{self as rules, Beneficiaries, ConstructionNature, PerformanceTarget, check_dates};
use crate::domain::quantity::Quantity;
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use crate::domain::timeline;
use crate::service::audit;
use crate::service::{ServiceError, ServiceResult, begin_write, is_unique_violation};
use chrono::NaiveDate;
use entity::{project, project_village, region};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
};

/// A draft's fields, checked.
struct Checked {
    name: String,
    sector: Sector,
    category: ProjectCategory,
    year: i32,
    villages: Vec<RegionCode>,
    nature: ConstructionNature,
    content: String,
    planned_quantity: Quantity,
    budget: Money,
    beneficiaries: Beneficiaries,
    targets: Vec<PerformanceTarget>,
    planned_start: Option<NaiveDate>,
    planned_finish: Option<NaiveDate>,
}

impl Checked {
    /// The fields a township sets when drafting and may change while it is a draft.
    fn editable(&self) -> project::ActiveModel {
        project::ActiveModel {
            name: Set(self.name.clone()),
            category: Set(self.category.as_str().to_string()),
            construction_nature: Set(self.nature.as_str().to_string()),
            content: Set(self.content.clone()),
            planned_quantity_milli: Set(self.planned_quantity.milli()),
            budget_fen: Set(self.budget.fen()),
            beneficiary_households: Set(self.beneficiaries.households),
            beneficiary_people: Set(self.beneficiaries.people),
            poor_households: Set(self.beneficiaries.poor_households),
            poor_people: Set(self.beneficiaries.poor_people),
            performance_targets: Set(serde_json::to_string(&self.targets).unwrap_or_else(|_| "[]".into())),
            planned_start: Set(self.planned_start),
            planned_finish: Set(self.planned_finish),
            ..Default::default()
        }
    }
}

/// Checks a project's fields; the villages must be villages of `township` that exist.
async fn check_fields(
    conn: &impl ConnectionTrait,
    township: &RegionCode,
    input: &ProjectInput,
) -> ServiceResult<Checked> {
    let mut faults = Vec::new();
    fn keep<T>(faults: &mut Vec<Fault>, result: Result<T, Fault>) -> Option<T> {
        result.map_err(|f| faults.push(f)).ok()
    }
    let name = keep(
        &mut faults,
        required_text("name", "the project's name", &input.name, 200),
    );
    keep(&mut faults, rules::check_year(input.year));
    let content = input.content.trim().to_string();
    if content.chars().count() > 5000 {
        faults.push(Fault::invalid(
            "content",
            "the construction content is longer than 5000 characters",
        ));
    }
    let planned_quantity = keep(
        &mut faults,
        Quantity::parse(input.planned_quantity).map_err(|m| Fault::invalid("plannedQuantity", m)),
    );
    let budget = keep(
        &mut faults,
        Money::parse_positive(input.budget).map_err(|e| Fault::invalid("budget", format!("budget: {e}"))),
    );
    faults.extend(input.beneficiaries.check());
    keep(
        &mut faults,
        check_dates(input.planned_start, input.planned_finish, "plannedFinish"),
    );
    let mut targets = Vec::new();
    for (i, target) in input.performance_targets.iter().enumerate() {
        let indicator = required_text(
            "performanceTargets",
            &format!("performance target {}'s indicator", i + 1),
            &target.indicator,
            200,
        );
        let unit = target.unit.trim().to_string();
        match indicator {
            Ok(indicator) => targets.push(PerformanceTarget {
                indicator,
                unit,
                target: target.target.normalize().to_string(),
            }),
            Err(f) => faults.push(f),
        }
    }
    if input.performance_targets.len() > 50 {
        faults.push(Fault::invalid(
            "performanceTargets",
            "a project has at most 50 performance targets",
        ));
    }
    let mut villages = Vec::new();
    if input.village_codes.is_empty() {
        faults.push(Fault::invalid(
            "villageCodes",
            "name at least one village the project serves",
        ));
    }
    for raw in &input.village_codes {
        match RegionCode::parse(raw) {
            Ok(code) if code.level() == RegionLevel::Village && township.contains(&code) => {
                if !villages.contains(&code) {
                    villages.push(code)
                }
            }
            Ok(code) => faults.push(Fault::invalid(
                "villageCodes",
                format!("{code} is not a village of township {township}"),
            )),
            Err(m) => faults.push(Fault::invalid("villageCodes", m)),
        }
    }
    if !villages.is_empty() {
        let found = region::Entity::find()
            .filter(region::Column::Code.is_in(villages.iter().map(|c| c.to_string())))
            .count(conn)
            .await?;
        if found != villages.len() as u64 {
            faults.push(Fault::not_found(
                "villageCodes",
                "some of the villages named do not exist",
            ));
        }
    }
    match (name, planned_quantity, budget) {
        (Some(name), Some(planned_quantity), Some(budget)) if faults.is_empty() => Ok(Checked {
            name,
            sector: input.sector,
            category: input
                .category
                .unwrap_or_else(|| ProjectCategory::default_for(input.sector)),
            year: input.year,
            villages,
            nature: input.nature,
            content,
            planned_quantity,
            budget,
            beneficiaries: input.beneficiaries,
            targets,
            planned_start: input.planned_start,
            planned_finish: input.planned_finish,
        }),
        _ => Err(ServiceError::Rejected(faults)),
    }
}

async fn replace_villages(conn: &impl ConnectionTrait, project_id: i64, villages: &[RegionCode]) -> ServiceResult<()> {
    project_village::Entity::delete_many()
        .filter(project_village::Column::ProjectId.eq(project_id))
        .exec(conn)
        .await?;
    project_village::Entity::insert_many(villages.iter().map(|code| project_village::ActiveModel {
        project_id: Set(project_id),
        village_code: Set(code.to_string()),
    }))
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// How many times a create retries when a concurrent create took the same code.
const CODE_RETRIES: usize = 5;

/// A township drafts a project in its own township (— → DRAFT).
pub async fn create(db: &DatabaseConnection, actor: &Actor, input: ProjectInput) -> ServiceResult<project::Model> {
    for attempt in 1..=CODE_RETRIES {
        let txn = begin_write(db).await?;
        match create_in(&txn, actor, &input, None).await {
            Ok(model) => {
                txn.commit().await?;
                return Ok(model);
            }
            // A concurrent draft took the next code: count again.
            Err(ServiceError::Database(e)) if is_unique_violation(&e) && attempt < CODE_RETRIES => {
                txn.rollback().await?;
            }
            Err(e) => return Err(e),
        }
    }
    Err(ServiceError::Internal("could not allocate a project code".into()))
}

/// [`create`] in a transaction the caller holds (an import's, one row at a time), with the
/// county's own 项目编码 when it has one (else the next code of the year and sector).
pub(crate) async fn create_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: &ProjectInput,
    own_code: Option<&str>,
) -> ServiceResult<project::Model> {
    if actor.role != CREATOR {
        return Err(Fault::forbidden(format!(
            "only a township (TOWNSHIP) drafts projects; you are {}",
            actor.role.as_str()
        ))
        .into());
    }
    let township = match actor.scope.root() {
        Some(code) if code.level() == RegionLevel::Township => code.clone(),
        _ => return Err(Fault::forbidden("a township user must be scoped to a township to draft projects").into()),
    };
    let county = township
        .parent()
        .ok_or_else(|| ServiceError::Internal(format!("township {township} has no county")))?;
    let today = calendar::today();
    let created_on = input.created_on.unwrap_or(today);
    timeline::check_step_date(created_on, today, None)?;
    let checked = check_fields(conn, &township, input).await?;
    let code = match own_code {
        Some(raw) => {
            let code = required_text("code", "the project's code", raw, 40)?;
            let holder = project::Entity::find()
                .filter(project::Column::CountyCode.eq(county.as_str()))
                .filter(project::Column::Code.eq(code.as_str()))
                .one(conn)
                .await?;
            if let Some(holder) = holder {
                return Err(
                    Fault::invalid("code", format!("{code} is already the code of project {}", holder.name)).into(),
                );
            }
            code
        }
        None => {
            let taken = project::Entity::find()
                .filter(project::Column::CountyCode.eq(county.as_str()))
                .filter(project::Column::Year.eq(checked.year))
                .filter(project::Column::Sector.eq(checked.sector.as_str()))
                .count(conn)
                .await?;
            rules::project_code(
                checked.year,
                checked.sector,
                u32::try_from(taken + 1).unwrap_or(u32::MAX),
            )
        }
    };
    let now = chrono::Utc::now();
    let model = project::Entity::insert(project::ActiveModel {
        county_code: Set(county.to_string()),
        code: Set(code),
        sector: Set(checked.sector.as_str().to_string()),
        year: Set(checked.year),
        township_code: Set(township.to_string()),
        department_id: Set(None),
        claim_deadline: Set(None),
        actual_start: Set(None),
        actual_finish: Set(None),
        final_quantity_milli: Set(None),
        acceptance_grade: Set(None),
        status: Set(ProjectStatus::Draft.as_str().to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..checked.editable()
    })
    .exec_with_returning(conn)
    .await?;
    replace_villages(conn, model.id, &checked.villages).await?;
    let event = EventRecord {
        action: ProjectAction::Create,
        on: created_on,
        from: None,
        to: ProjectStatus::Draft,
        details: TransitionDetails::default(),
        final_quantity: None,
    };
    record_event(conn, actor, &model, event).await?;
    audit::record(conn, actor, project_change(AuditAction::ProjectCreate, None, &model)).await?;
    Ok(model)
}

/// Edits a draft: the lifecycle table's UPDATE row (drafts only, by their township).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i64,
    expected_version: i32,
    changes: ProjectChanges,
) -> ServiceResult<project::Model> {
    let txn = begin_write(db).await?;
    let current = load_for_change(&txn, actor, id, expected_version).await?;
    lifecycle::check(
        actor,
        status_of(&current)?,
        ProjectAction::Update,
        current.department_id,
    )?;
    let township = township_of(&current)?;
    let existing_villages = villages_of(db, &[current.id])
        .await?
        .remove(&current.id)
        .unwrap_or_default();
    let merged = ProjectInput {
        name: changes.name.unwrap_or_else(|| current.name.clone()),
        sector: changes.sector.map_or_else(|| sector_of(&current), Ok)?,
        category: Some(changes.category.map_or_else(|| category_of(&current), Ok)?),
        year: changes.year.unwrap_or(current.year),
        village_codes: changes.village_codes.unwrap_or(existing_villages),
        nature: changes
            .nature
            .or_else(|| ConstructionNature::parse(&current.construction_nature))
            .unwrap_or(ConstructionNature::New),
        content: changes.content.unwrap_or_else(|| current.content.clone()),
        planned_quantity: changes
            .planned_quantity
            .unwrap_or_else(|| Quantity::from_milli(current.planned_quantity_milli).to_decimal()),
        budget: changes
            .budget
            .unwrap_or_else(|| Money::from_fen(current.budget_fen).to_yuan()),
        beneficiaries: changes.beneficiaries.unwrap_or(Beneficiaries {
            households: current.beneficiary_households,
            people: current.beneficiary_people,
            poor_households: current.poor_households,
            poor_people: current.poor_people,
        }),
        performance_targets: match changes.performance_targets {
            Some(targets) => targets,
            None => targets_of(&current)
                .into_iter()
                .map(|t| TargetInput {
                    indicator: t.indicator,
                    unit: t.unit,
                    target: t.target.parse().unwrap_or_default(),
                })
                .collect(),
        },
        planned_start: changes.planned_start.or(current.planned_start),
        planned_finish: changes.planned_finish.or(current.planned_finish),
        created_on: None,
    };
    if merged.sector != sector_of(&current)? || merged.year != current.year {
        return Err(Fault::invalid(
            "sector",
            "a project's sector and year make its code and cannot change; cancel it and draft a new one",
        )
        .into());
    }
    let checked = check_fields(&txn, &township, &merged).await?;
    let changes = checked.editable();
    let updated = write_guarded(&txn, &current, changes).await?;
    replace_villages(&txn, updated.id, &checked.villages).await?;
    audit::record(
        &txn,
        actor,
        project_change(AuditAction::ProjectUpdate, Some(&current), &updated),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
