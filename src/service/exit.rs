//! 贫困村退出 — a county's exit standard, the register of judgements (达标登记台账), the
//! gap list handed out (缺项清单), and a project's acceptance meeting the gaps it closes;
//! the register and readiness read as of any day from the judgements' dates.
use super::audit::{self, Change};
use super::{Page, PageRequest, ServiceError, ServiceResult, begin_write, in_subtree, keyset_page};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::audit::AuditAction;
use crate::domain::calendar;
use crate::domain::exit::{
    self as rules, Comparator, GapStatus, Indicator, IndicatorKind, Judgement, Level, State, default_indicators,
};
use crate::domain::fault::{ErrorCode, Fault, MAX_NOTE_CHARS, optional_text, required_text};
use crate::domain::region::{RegionCode, RegionLevel};
use crate::domain::sector::Sector;
use chrono::{NaiveDate, Utc};
use entity::{
    department, exit_gap, exit_gap_project, exit_indicator, exit_judgement, exit_standard, project, project_village,
    region, village_figures,
};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use std::collections::{BTreeMap, HashMap};

/// A standard: a county's version, or the default (`row` is `None`).
#[derive(Clone, Debug)]
pub struct Standard {
    pub row: Option<exit_standard::Model>,
    pub indicators: Vec<Indicator>,
}

impl Standard {
    pub fn indicator(&self, code: &str) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.code == code)
    }

    /// The indicators of one level, in the standard's order.
    pub fn of_level(&self, level: Level) -> Vec<&Indicator> {
        self.indicators.iter().filter(|i| i.level == level).collect()
    }
}

fn indicator_of(row: &exit_indicator::Model) -> ServiceResult<Indicator> {
    let bad = |what: &str| ServiceError::Internal(format!("exit indicator {}: bad {what}", row.id));
    Ok(Indicator {
        code: row.code.clone(),
        name: row.name.clone(),
        level: Level::parse(&row.level).ok_or_else(|| bad("level"))?,
        sector: row
            .sector
            .as_deref()
            .map(|s| s.parse::<Sector>().map_err(|_| bad("sector")))
            .transpose()?,
        kind: IndicatorKind::parse(&row.kind).ok_or_else(|| bad("kind"))?,
        comparator: row
            .comparator
            .as_deref()
            .map(|c| Comparator::parse(c).ok_or_else(|| bad("comparator")))
            .transpose()?,
        threshold: row
            .threshold
            .as_deref()
            .map(|t| t.parse::<Decimal>().map_err(|_| bad("threshold")))
            .transpose()?,
        unit: row.unit.clone(),
        source: row.source.clone(),
    })
}

/// The county a village or township lies in; `field` names the input at fault.
fn county_of(code: &RegionCode, field: &str) -> ServiceResult<RegionCode> {
    code.county().ok_or_else(|| {
        Fault::new(
            ErrorCode::InvalidInput,
            &[field],
            format!("{code} is not a county or below one"),
        )
        .into()
    })
}

/// The standard in force in `county` on `day`.
pub async fn in_force(conn: &impl ConnectionTrait, county: &RegionCode, day: NaiveDate) -> ServiceResult<Standard> {
    let row = exit_standard::Entity::find()
        .filter(exit_standard::Column::CountyCode.eq(county.as_str()))
        .filter(exit_standard::Column::EffectiveFrom.lte(day))
        .order_by_desc(exit_standard::Column::EffectiveFrom)
        .order_by_desc(exit_standard::Column::Version)
        .one(conn)
        .await?;
    let Some(row) = row else {
        return Ok(Standard {
            row: None,
            indicators: default_indicators(),
        });
    };
    let indicators = exit_indicator::Entity::find()
        .filter(exit_indicator::Column::StandardId.eq(row.id))
        .order_by_asc(exit_indicator::Column::Position)
        .all(conn)
        .await?
        .iter()
        .map(indicator_of)
        .collect::<ServiceResult<_>>()?;
    Ok(Standard {
        row: Some(row),
        indicators,
    })
}

/// The standard in force in a county on a day (today when `None`), as its users may read it.
pub async fn standard(
    db: &DatabaseConnection,
    actor: &Actor,
    county_code: &str,
    as_of: Option<NaiveDate>,
) -> ServiceResult<Standard> {
    authorize(actor, Operation::ViewExitRegister)?;
    let county = super::regions::parse_code("countyCode", county_code.trim())?;
    if county.level() != RegionLevel::County || !actor.scope.sees(&county) {
        return Err(Fault::not_found("countyCode", format!("there is no county {county} in your area")).into());
    }
    in_force(db, &county, as_of.unwrap_or_else(calendar::today)).await
}

/// A new version of a county's standard.
#[derive(Clone, Debug)]
pub struct StandardInput {
    pub county_code: String,
    pub effective_from: NaiveDate,
    pub name: String,
    pub indicators: Vec<Indicator>,
}

/// Sets a new version of a county's exit standard, in force from its day on.
pub async fn set_standard(db: &DatabaseConnection, actor: &Actor, input: StandardInput) -> ServiceResult<Standard> {
    let county =
        super::regions::county_in_reach(actor, Operation::ManageExitStandards, &input.county_code, "standards")?;
    let name = required_text("name", "the standard's name or document", &input.name, 200)?;
    rules::check_indicators(&input.indicators)?;
    let txn = begin_write(db).await?;
    let latest = exit_standard::Entity::find()
        .filter(exit_standard::Column::CountyCode.eq(county.as_str()))
        .order_by_desc(exit_standard::Column::Version)
        .lock_exclusive()
        .one(&txn)
        .await?;
    // A new version judges from its day on: it may not rewrite the days an earlier one judged.
    calendar::check_new_version_day(
        latest.as_ref().map(|l| (l.version, l.effective_from)),
        input.effective_from,
    )?;
    let row = exit_standard::Entity::insert(exit_standard::ActiveModel {
        county_code: Set(county.to_string()),
        version: Set(latest.map_or(1, |l| l.version + 1)),
        effective_from: Set(input.effective_from),
        name: Set(name),
        created_by: Set(actor.username.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(&txn)
    .await?;
    exit_indicator::Entity::insert_many(input.indicators.iter().enumerate().map(|(i, ind)| {
        exit_indicator::ActiveModel {
            standard_id: Set(row.id),
            position: Set(i as i32 + 1),
            code: Set(ind.code.clone()),
            name: Set(ind.name.trim().to_string()),
            level: Set(ind.level.as_str().to_string()),
            sector: Set(ind.sector.map(|s| s.as_str().to_string())),
            kind: Set(ind.kind.as_str().to_string()),
            comparator: Set(ind.comparator.map(|c| c.as_str().to_string())),
            threshold: Set(ind.threshold.map(|t| t.to_string())),
            unit: Set(ind.unit.clone()),
            source: Set(ind.source.trim().to_string()),
            ..Default::default()
        }
    }))
    .exec(&txn)
    .await?;
    let codes: Vec<&str> = input.indicators.iter().map(|i| i.code.as_str()).collect();
    audit::record(
        &txn,
        actor,
        Change {
            action: AuditAction::ExitStandardSet,
            entity_type: "ExitStandard",
            entity_id: row.id.to_string(),
            region_code: Some(county.to_string()),
            before: None,
            after: Some(serde_json::json!({"standard": row, "indicators": codes}).to_string()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Standard {
        row: Some(row),
        indicators: input.indicators,
    })
}

/// The indicator whose value the villages' counts give when none is given.
const POVERTY_INCIDENCE: &str = "POVERTY_INCIDENCE";

/// A judgement to record.
#[derive(Clone, Debug)]
pub struct JudgeInput {
    pub village_code: String,
    pub indicator_code: String,
    /// For a judged indicator; NOT_APPLICABLE for either kind.
    pub state: Option<State>,
    /// For a measured indicator.
    pub value: Option<Decimal>,
    pub evidence: Option<String>,
    pub documents: Vec<String>,
    pub on: Option<NaiveDate>,
}

/// The village a judgement or gap is about, checked: a village in the actor's reach.
async fn village(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    operation: Operation,
    raw: &str,
) -> ServiceResult<(region::Model, RegionCode)> {
    let code = super::regions::parse_code("villageCode", raw.trim())?;
    if code.level() != RegionLevel::Village {
        return Err(Fault::invalid("villageCode", format!("{code} is not a village")).into());
    }
    authorize_at(actor, operation, &code)?;
    let row = region::Entity::find_by_id(code.to_string())
        .one(conn)
        .await?
        .ok_or_else(|| Fault::not_found("villageCode", format!("there is no village {code}")))?;
    Ok((row, code))
}

/// Records a judgement of a village on an indicator (达标登记); a gap opens on GAP and
/// closes on MET or NOT_APPLICABLE.
pub async fn judge(db: &DatabaseConnection, actor: &Actor, input: JudgeInput) -> ServiceResult<exit_judgement::Model> {
    let txn = begin_write(db).await?;
    let done = judge_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`judge`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn judge_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: JudgeInput,
) -> ServiceResult<exit_judgement::Model> {
    authorize(actor, Operation::JudgeExitIndicators)?;
    let today = calendar::today();
    let on = input.on.unwrap_or(today);
    calendar::check_not_future("date", on, today)?;
    let evidence = optional_text("evidence", "the evidence", input.evidence.as_deref(), MAX_NOTE_CHARS)?;
    if input.documents.len() > 20 {
        return Err(Fault::invalid("documents", "give at most 20 document references").into());
    }
    let mut documents = Vec::with_capacity(input.documents.len());
    for (i, d) in input.documents.iter().enumerate() {
        documents.push(
            required_text("documents", "a document reference", d, 200)
                .map_err(|f| Fault::new(f.code, &["input", "documents", &i.to_string()], f.message))?,
        );
    }
    if let Some(value) = input.value
        && (value < Decimal::ZERO || value.scale() > 4)
    {
        return Err(Fault::invalid(
            "value",
            format!("a value is 0 or more with at most 4 decimals, not {value}"),
        )
        .into());
    }
    let code = super::regions::parse_code("villageCode", input.village_code.trim())?;
    let county = county_of(&code, "villageCode")?;
    let standard = in_force(conn, &county, on).await?;
    let indicator = standard
        .indicator(input.indicator_code.trim())
        .ok_or_else(|| {
            Fault::not_found(
                "indicator",
                format!(
                    "the standard in force on {on} has no indicator {}",
                    input.indicator_code
                ),
            )
        })?
        .clone();
    match indicator.level {
        Level::Village => {
            let (row, _) = village(conn, actor, Operation::JudgeExitIndicators, &input.village_code).await?;
            if !row.is_poverty_village {
                return Err(Fault::invalid(
                    "villageCode",
                    format!("{} is not a poverty village (贫困村): its exit is not judged", row.name),
                )
                .into());
            }
        }
        Level::County => {
            if code != county {
                return Err(Fault::invalid(
                    "villageCode",
                    format!(
                        "{} judges the county itself: give the county's code, {county}",
                        indicator.name
                    ),
                )
                .into());
            }
            authorize_at(actor, Operation::JudgeExitIndicators, &county)?;
        }
    }
    // 贫困发生率 without a value: from the village's counts for the year.
    let value = match (input.value, input.state, indicator.code.as_str()) {
        (None, None, POVERTY_INCIDENCE) => {
            let year = chrono::Datelike::year(&on);
            let figures = figures_of(conn, &[code.to_string()], year).await?.remove(code.as_str());
            Some(figures.as_ref().and_then(incidence_of).ok_or_else(|| {
                Fault::invalid(
                    "value",
                    format!("give the value, or record the village's counts for {year} (villageFiguresSet)"),
                )
            })?)
        }
        (value, _, _) => value,
    };
    let (state, value) = match (indicator.kind, input.state, value) {
        (_, Some(State::NotApplicable), None) => (State::NotApplicable, None),
        (IndicatorKind::Measured, None, Some(value)) => (indicator.judge(value).unwrap_or(State::Gap), Some(value)),
        (IndicatorKind::Measured, _, _) => {
            return Err(Fault::invalid(
                "value",
                format!(
                    "{} is measured: give its value ({}), or state NOT_APPLICABLE",
                    indicator.name,
                    indicator.criterion()
                ),
            )
            .into());
        }
        (IndicatorKind::Judged, Some(state), None) => (state, None),
        (IndicatorKind::Judged, _, _) => {
            return Err(Fault::invalid(
                "state",
                format!(
                    "{} is judged: give its state (MET, GAP or NOT_APPLICABLE)",
                    indicator.name
                ),
            )
            .into());
        }
    };
    let previous = exit_judgement::Entity::find()
        .filter(exit_judgement::Column::VillageCode.eq(code.as_str()))
        .filter(exit_judgement::Column::IndicatorCode.eq(indicator.code.as_str()))
        .order_by_desc(exit_judgement::Column::JudgedOn)
        .one(conn)
        .await?
        .map(|j| j.judged_on);
    crate::domain::timeline::check_step_date(on, today, previous)?;
    let documents = (!documents.is_empty()).then(|| serde_json::to_string(&documents).unwrap_or_default());
    let row = record_judgement(
        conn,
        actor,
        &county,
        &code,
        &indicator.code,
        state,
        value,
        evidence,
        documents,
        None,
        on,
    )
    .await?;
    Ok(row)
}

/// Writes a judgement, keeps the gap list in step with it, and audits it.
#[allow(clippy::too_many_arguments)]
async fn record_judgement(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    village: &RegionCode,
    indicator: &str,
    state: State,
    value: Option<Decimal>,
    evidence: Option<String>,
    documents: Option<String>,
    project_id: Option<i64>,
    on: NaiveDate,
) -> ServiceResult<exit_judgement::Model> {
    let row = exit_judgement::Entity::insert(exit_judgement::ActiveModel {
        village_code: Set(village.to_string()),
        indicator_code: Set(indicator.to_string()),
        state: Set(state.as_str().to_string()),
        value: Set(value.map(|v| v.to_string())),
        evidence: Set(evidence),
        documents: Set(documents),
        project_id: Set(project_id),
        judged_on: Set(on),
        judged_by: Set(actor.username.clone()),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec_with_returning(conn)
    .await?;
    let open = exit_gap::Entity::find()
        .filter(exit_gap::Column::VillageCode.eq(village.as_str()))
        .filter(exit_gap::Column::IndicatorCode.eq(indicator))
        .filter(exit_gap::Column::Status.ne(GapStatus::Closed.as_str()))
        .one(conn)
        .await?;
    match (state, open) {
        (State::Gap, None) => {
            // `uq_exit_gap_open` holds one open gap per village and indicator: a judgement made
            // at the same moment as another GAP is refused rather than opening a second.
            exit_gap::Entity::insert(exit_gap::ActiveModel {
                county_code: Set(county.to_string()),
                village_code: Set(village.to_string()),
                indicator_code: Set(indicator.to_string()),
                status: Set(GapStatus::Open.as_str().to_string()),
                opened_on: Set(on),
                version: Set(1),
                ..Default::default()
            })
            .exec(conn)
            .await
            .map_err(|e| match super::is_unique_violation(&e) {
                true => Fault::new(
                    ErrorCode::AlreadyExists,
                    &["input", "indicator"],
                    "the gap was opened by a judgement recorded at the same moment: reload the register",
                )
                .into(),
                false => ServiceError::from(e),
            })?;
        }
        (State::Met | State::NotApplicable, Some(gap)) => {
            exit_gap::Entity::update_many()
                .col_expr(exit_gap::Column::Status, Expr::val(GapStatus::Closed.as_str()))
                .col_expr(exit_gap::Column::ClosedOn, Expr::val(on))
                .col_expr(exit_gap::Column::Version, Expr::col(exit_gap::Column::Version).add(1))
                .filter(exit_gap::Column::Id.eq(gap.id))
                .exec(conn)
                .await?;
        }
        _ => {}
    }
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::ExitJudge,
            entity_type: "ExitJudgement",
            entity_id: row.id.to_string(),
            region_code: Some(village.to_string()),
            before: None,
            after: audit::json(&row),
        },
    )
    .await?;
    Ok(row)
}

/// 验收销号 — a project accepted on `on` meets, on that day, each open gap it is linked to
/// whose indicator is judged by hand (a measured one is re-judged with its new value). Runs
/// in the acceptance's transaction.
pub async fn on_project_accepted(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    project: &project::Model,
    on: NaiveDate,
) -> ServiceResult<()> {
    let gap_ids: Vec<i64> = exit_gap_project::Entity::find()
        .filter(exit_gap_project::Column::ProjectId.eq(project.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|l| l.gap_id)
        .collect();
    if gap_ids.is_empty() {
        return Ok(());
    }
    let gaps = exit_gap::Entity::find()
        .filter(exit_gap::Column::Id.is_in(gap_ids))
        .filter(exit_gap::Column::Status.ne(GapStatus::Closed.as_str()))
        .all(conn)
        .await?;
    for gap in gaps {
        let county = RegionCode::parse(&gap.county_code).map_err(ServiceError::Internal)?;
        let village = RegionCode::parse(&gap.village_code).map_err(ServiceError::Internal)?;
        let standard = in_force(conn, &county, on).await?;
        if standard
            .indicator(&gap.indicator_code)
            .is_none_or(|i| i.kind != IndicatorKind::Judged)
        {
            continue;
        }
        // Met from the acceptance day, or — accepted before the gap was found or last
        // judged — from that later day, so that the register and the gap list agree.
        let last_judged = exit_judgement::Entity::find()
            .filter(exit_judgement::Column::VillageCode.eq(gap.village_code.as_str()))
            .filter(exit_judgement::Column::IndicatorCode.eq(gap.indicator_code.as_str()))
            .order_by_desc(exit_judgement::Column::JudgedOn)
            .one(conn)
            .await?
            .map(|j| j.judged_on);
        let day = std::cmp::max(std::cmp::max(on, gap.opened_on), last_judged.unwrap_or(on));
        let evidence = Some(format!("项目验收: {} {}", project.code, project.name));
        record_judgement(
            conn,
            actor,
            &county,
            &village,
            &gap.indicator_code,
            State::Met,
            None,
            evidence,
            None,
            Some(project.id),
            day,
        )
        .await?;
    }
    Ok(())
}

/// Which gaps the actor sees: a department those assigned to it, a township its villages',
/// everyone else those of the counties in their area.
fn gaps_seen(actor: &Actor) -> Condition {
    use exit_gap::Column as G;
    super::unit_records_seen(actor, G::CountyCode, G::DepartmentId, G::VillageCode)
}

/// The gap with `id`, if the actor sees it.
pub async fn find_gap(conn: &impl ConnectionTrait, actor: &Actor, id: i64) -> ServiceResult<Option<exit_gap::Model>> {
    authorize(actor, Operation::ViewExitRegister)?;
    Ok(exit_gap::Entity::find_by_id(id)
        .filter(gaps_seen(actor))
        .one(conn)
        .await?)
}

/// Which gaps to list; every condition given must hold.
#[derive(Clone, Debug, Default)]
pub struct GapFilter {
    pub region_code: Option<String>,
    pub department_id: Option<i64>,
    pub indicator_code: Option<String>,
    pub status: Option<GapStatus>,
    /// Past the deadline and not closed, today.
    pub overdue: Option<bool>,
}

/// 缺项清单 — one page of the gaps the actor sees, oldest first.
pub async fn gaps(
    db: &DatabaseConnection,
    actor: &Actor,
    filter: &GapFilter,
    page: &PageRequest<i64>,
) -> ServiceResult<Page<exit_gap::Model>> {
    use exit_gap::Column as G;
    authorize(actor, Operation::ViewExitRegister)?;
    let mut query = exit_gap::Entity::find().filter(gaps_seen(actor));
    if let Some(raw) = &filter.region_code {
        let region =
            RegionCode::parse(raw.trim()).map_err(|m| Fault::new(ErrorCode::InvalidInput, &["regionCode"], m))?;
        query = query.filter(if region.level() <= RegionLevel::County {
            in_subtree(G::CountyCode, &region)
        } else {
            in_subtree(G::VillageCode, &region)
        });
    }
    if let Some(id) = filter.department_id {
        query = query.filter(G::DepartmentId.eq(id));
    }
    if let Some(code) = &filter.indicator_code {
        query = query.filter(G::IndicatorCode.eq(code.trim()));
    }
    if let Some(status) = filter.status {
        query = query.filter(G::Status.eq(status.as_str()));
    }
    if let Some(overdue) = filter.overdue {
        // `rules::gap_days_overdue` as SQL: not closed, a deadline before today.
        let past = Condition::all()
            .add(G::Status.ne(GapStatus::Closed.as_str()))
            .add(G::Deadline.is_not_null())
            .add(G::Deadline.lt(calendar::today()));
        query = query.filter(if overdue { past } else { past.not() });
    }
    keyset_page(db, query, G::Id, sea_orm::Order::Asc, page).await
}

/// The gaps of a region the actor sees that were overdue at the end of `day`, with their
/// days overdue: assigned by then with a deadline before it, and not closed by then.
pub async fn gaps_overdue_on(
    db: &DatabaseConnection,
    actor: &Actor,
    region: &RegionCode,
    day: NaiveDate,
) -> ServiceResult<Vec<(exit_gap::Model, i64)>> {
    use exit_gap::Column as G;
    let rows = exit_gap::Entity::find()
        .filter(gaps_seen(actor))
        .filter(if region.level() <= RegionLevel::County {
            in_subtree(G::CountyCode, region)
        } else {
            in_subtree(G::VillageCode, region)
        })
        .filter(G::AssignedOn.lte(day))
        .filter(G::Deadline.lt(day))
        .order_by_asc(G::Id)
        .limit(super::MAX_ROWS)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|gap| {
            // Closed after the day counts as open on it.
            let status = match gap.closed_on {
                Some(closed) if closed <= day => GapStatus::Closed,
                _ => GapStatus::Assigned,
            };
            rules::gap_days_overdue(status, gap.deadline, day).map(|days| (gap, days))
        })
        .collect())
}

/// The projects linked to the gaps with `ids`.
pub async fn projects_of_gaps(db: &DatabaseConnection, ids: &[i64]) -> ServiceResult<HashMap<i64, Vec<i64>>> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        for link in exit_gap_project::Entity::find()
            .filter(exit_gap_project::Column::GapId.is_in(chunk.iter().copied()))
            .order_by_asc(exit_gap_project::Column::Id)
            .all(db)
            .await?
        {
            out.entry(link.gap_id).or_default().push(link.project_id);
        }
    }
    Ok(out)
}

/// What a step on a gap changes.
#[derive(Clone, Debug)]
pub enum GapStep {
    /// 清单交办 — to a department of the county, by a deadline.
    Assign {
        department_id: i64,
        deadline: NaiveDate,
    },
    /// 认领 — by the department it was assigned to.
    Claim,
    /// A project of the village that closes it.
    Link {
        project_id: i64,
    },
    Unlink {
        project_id: i64,
    },
}

/// Takes a step on a gap: assigning and linking are the poverty office's; claiming, and
/// linking its own projects, the department's.
pub async fn gap_step(
    db: &DatabaseConnection,
    actor: &Actor,
    gap_id: i64,
    expected_version: i32,
    step: GapStep,
    on: Option<NaiveDate>,
) -> ServiceResult<exit_gap::Model> {
    let today = calendar::today();
    let on = on.unwrap_or(today);
    calendar::check_not_future("date", on, today)?;
    let txn = begin_write(db).await?;
    authorize(actor, Operation::ViewExitRegister)?;
    // Locked (FOR UPDATE on PostgreSQL) so that a concurrent step waits and sees the new version.
    let gap = exit_gap::Entity::find_by_id(gap_id)
        .filter(gaps_seen(actor))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or_else(|| Fault::not_found("gap", "there is no such gap in your area"))?;
    if gap.version != expected_version {
        return Err(Fault::stale("the gap", gap.version, &gap.status).into());
    }
    let status =
        GapStatus::parse(&gap.status).ok_or_else(|| ServiceError::Internal(format!("gap {} status", gap.id)))?;
    if status == GapStatus::Closed {
        return Err(Fault::new(
            ErrorCode::InvalidTransition,
            &[],
            "the gap is closed (已销号): the indicator is met",
        )
        .into());
    }
    let village = RegionCode::parse(&gap.village_code).map_err(ServiceError::Internal)?;
    let mut after = exit_gap::Model {
        version: gap.version + 1,
        ..gap.clone()
    };
    let (action, what) = match &step {
        GapStep::Assign {
            department_id,
            deadline,
        } => {
            authorize_at(actor, Operation::AssignExitGaps, &village)?;
            let found = department::Entity::find_by_id(*department_id).one(&txn).await?;
            if found.is_none_or(|d| d.county_code != gap.county_code) {
                return Err(Fault::not_found("department", "there is no such department in the gap's county").into());
            }
            crate::domain::timeline::check_step_date(on, today, Some(gap.opened_on))?;
            if *deadline < on {
                return Err(Fault::invalid(
                    "deadline",
                    format!("the deadline {deadline} is before the assignment ({on})"),
                )
                .into());
            }
            after.status = GapStatus::Assigned.as_str().to_string();
            after.department_id = Some(*department_id);
            after.deadline = Some(*deadline);
            after.assigned_on = Some(on);
            after.claimed_on = None;
            (AuditAction::ExitGapAssign, None)
        }
        GapStep::Claim => {
            authorize(actor, Operation::ClaimExitGaps)?;
            if status != GapStatus::Assigned || actor.department_id != gap.department_id {
                return Err(Fault::new(
                    ErrorCode::InvalidTransition,
                    &[],
                    "only the department a gap is assigned to claims it, once",
                )
                .into());
            }
            crate::domain::timeline::check_step_date(on, today, gap.assigned_on)?;
            after.status = GapStatus::Claimed.as_str().to_string();
            after.claimed_on = Some(on);
            (AuditAction::ExitGapClaim, None)
        }
        GapStep::Link { project_id } | GapStep::Unlink { project_id } => {
            let by_coordinator = authorize_at(actor, Operation::AssignExitGaps, &village).is_ok();
            let by_department =
                authorize(actor, Operation::ClaimExitGaps).is_ok() && actor.department_id == gap.department_id;
            if !by_coordinator && !by_department {
                return Err(Fault::forbidden(
                    "the poverty office, or the department the gap is assigned to, links its projects",
                )
                .into());
            }
            if matches!(step, GapStep::Link { .. }) {
                // A project the linker may see, of the village, still to be accepted.
                let project = crate::service::projects::find(&txn, actor, *project_id)
                    .await?
                    .ok_or_else(|| Fault::not_found("project", "there is no such project in your area"))?;
                let serves = project_village::Entity::find()
                    .filter(project_village::Column::ProjectId.eq(*project_id))
                    .filter(project_village::Column::VillageCode.eq(gap.village_code.as_str()))
                    .one(&txn)
                    .await?
                    .is_some();
                if !serves {
                    return Err(Fault::invalid(
                        "project",
                        format!("the project does not serve village {}", gap.village_code),
                    )
                    .into());
                }
                if matches!(project.status.as_str(), "ACCEPTED" | "CANCELLED" | "REJECTED") {
                    return Err(Fault::invalid(
                        "project",
                        format!(
                            "project {} is {}: it will not close the gap",
                            project.code, project.status
                        ),
                    )
                    .into());
                }
                (AuditAction::ExitGapLink, Some(*project_id))
            } else {
                (AuditAction::ExitGapUnlink, Some(*project_id))
            }
        }
    };
    match step {
        GapStep::Link { project_id } => {
            let exists = exit_gap_project::Entity::find()
                .filter(exit_gap_project::Column::GapId.eq(gap.id))
                .filter(exit_gap_project::Column::ProjectId.eq(project_id))
                .one(&txn)
                .await?
                .is_some();
            if !exists {
                exit_gap_project::Entity::insert(exit_gap_project::ActiveModel {
                    gap_id: Set(gap.id),
                    project_id: Set(project_id),
                    ..Default::default()
                })
                .exec(&txn)
                .await?;
            }
        }
        GapStep::Unlink { project_id } => {
            let removed = exit_gap_project::Entity::delete_many()
                .filter(exit_gap_project::Column::GapId.eq(gap.id))
                .filter(exit_gap_project::Column::ProjectId.eq(project_id))
                .exec(&txn)
                .await?;
            if removed.rows_affected == 0 {
                return Err(Fault::not_found("project", "the project is not linked to this gap").into());
            }
        }
        _ => {}
    }
    use exit_gap::Column as G;
    let updated = exit_gap::Entity::update_many()
        .col_expr(G::Status, Expr::val(after.status.as_str()))
        .col_expr(G::DepartmentId, Expr::val(after.department_id))
        .col_expr(G::Deadline, Expr::val(after.deadline))
        .col_expr(G::AssignedOn, Expr::val(after.assigned_on))
        .col_expr(G::ClaimedOn, Expr::val(after.claimed_on))
        .col_expr(G::Version, Expr::val(after.version))
        .filter(exit_gap::Column::Id.eq(gap.id))
        .filter(exit_gap::Column::Version.eq(gap.version))
        .exec(&txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ServiceError::Internal(format!(
            "gap {} changed under a write lock",
            gap.id
        )));
    }
    audit::record(
        &txn,
        actor,
        Change {
            action,
            entity_type: "ExitGap",
            entity_id: gap.id.to_string(),
            region_code: Some(gap.village_code.clone()),
            before: audit::json(&gap),
            after: Some(serde_json::json!({"gap": after, "project": what}).to_string()),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(after)
}

/// The county's own indicators (综合贫困发生率, 群众认可度) on a day: each one's judgement in
/// force, in the standard's order.
pub async fn county_judgements(
    db: &DatabaseConnection,
    standard: &Standard,
    county: &str,
    as_of: NaiveDate,
) -> ServiceResult<Vec<Option<exit_judgement::Model>>> {
    let rows = exit_judgement::Entity::find()
        .filter(exit_judgement::Column::VillageCode.eq(county))
        .filter(exit_judgement::Column::JudgedOn.lte(as_of))
        .all(db)
        .await?;
    Ok(standard
        .of_level(Level::County)
        .into_iter()
        .map(|ind| {
            rows.iter()
                .filter(|j| j.indicator_code == ind.code)
                .max_by_key(|j| (j.judged_on, j.id))
                .cloned()
        })
        .collect())
}

/// One village of the register on a day.
#[derive(Clone, Debug)]
pub struct VillageRow {
    pub village: region::Model,
    /// Per indicator of the standard, in its order: the judgement in force on the day.
    pub judgements: Vec<Option<exit_judgement::Model>>,
    pub ready: bool,
}

/// 达标登记台账 on a day: the poverty villages of a region the actor may read, each with its
/// state on every indicator of the standard in force that day.
pub async fn register(
    db: &DatabaseConnection,
    actor: &Actor,
    region_code: &str,
    as_of: NaiveDate,
) -> ServiceResult<(Standard, Vec<VillageRow>)> {
    authorize(actor, Operation::ViewExitRegister)?;
    let region = super::regions::parse_code("regionCode", region_code.trim())?;
    authorize_at(actor, Operation::ViewExitRegister, &region)?;
    let county = county_of(&region, "regionCode")?;
    let standard = in_force(db, &county, as_of).await?;
    let villages = region::Entity::find()
        .filter(in_subtree(region::Column::Code, &region))
        .filter(region::Column::Level.eq(RegionLevel::Village.as_str()))
        .filter(region::Column::IsPovertyVillage.eq(true))
        .order_by_asc(region::Column::Code)
        .all(db)
        .await?;
    let judgements = exit_judgement::Entity::find()
        .filter(in_subtree(exit_judgement::Column::VillageCode, &region))
        .filter(exit_judgement::Column::JudgedOn.lte(as_of))
        .all(db)
        .await?;
    let mut by_key: HashMap<(String, String), Vec<exit_judgement::Model>> = HashMap::new();
    for j in judgements {
        by_key
            .entry((j.village_code.clone(), j.indicator_code.clone()))
            .or_default()
            .push(j);
    }
    let rows = villages
        .into_iter()
        .map(|village| {
            let judgements: Vec<Option<exit_judgement::Model>> = standard
                .of_level(Level::Village)
                .into_iter()
                .map(|ind| {
                    let history = by_key.get(&(village.code.clone(), ind.code.clone()))?;
                    let steps: Vec<Judgement> = history
                        .iter()
                        .filter_map(|j| {
                            State::parse(&j.state).map(|state| Judgement {
                                on: j.judged_on,
                                seq: j.id,
                                state,
                            })
                        })
                        .collect();
                    let last = steps.iter().filter(|s| s.on <= as_of).max_by_key(|s| (s.on, s.seq))?;
                    history.iter().find(|j| j.id == last.seq).cloned()
                })
                .collect();
            let states: Vec<Option<State>> = judgements
                .iter()
                .map(|j| j.as_ref().and_then(|j| State::parse(&j.state)))
                .collect();
            VillageRow {
                ready: rules::ready(&states),
                village,
                judgements,
            }
        })
        .collect();
    Ok((standard, rows))
}

/// How `exitReadiness` groups.
#[derive(async_graphql::Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(name = "ExitReadinessGrouping")]
pub enum ReadinessGrouping {
    /// 乡镇: villages ready of its poverty villages.
    Township,
    /// 指标: villages meeting each indicator (MET or NOT_APPLICABLE).
    Indicator,
}

/// One group of readiness: its key (a township's code or an indicator's code), villages, ready.
#[derive(Clone, Debug)]
pub struct ReadinessRow {
    pub key: String,
    pub villages: u32,
    pub ready: u32,
}

/// Readiness on a day, from the register.
pub async fn readiness(
    db: &DatabaseConnection,
    actor: &Actor,
    region_code: &str,
    grouping: ReadinessGrouping,
    as_of: NaiveDate,
) -> ServiceResult<(Standard, Vec<ReadinessRow>, ReadinessRow)> {
    let (standard, rows) = register(db, actor, region_code, as_of).await?;
    let mut groups: BTreeMap<String, ReadinessRow> = BTreeMap::new();
    let mut total = ReadinessRow {
        key: String::new(),
        villages: 0,
        ready: 0,
    };
    let mut add = |key: String, ready: bool| {
        let row = groups.entry(key.clone()).or_insert(ReadinessRow {
            key,
            villages: 0,
            ready: 0,
        });
        row.villages += 1;
        row.ready += u32::from(ready);
    };
    for row in &rows {
        total.villages += 1;
        total.ready += u32::from(row.ready);
        match grouping {
            ReadinessGrouping::Township => {
                let township = RegionCode::parse(&row.village.code)
                    .ok()
                    .and_then(|c| c.parent())
                    .map(|c| c.to_string())
                    .unwrap_or_default();
                add(township, row.ready);
            }
            ReadinessGrouping::Indicator => {
                for (ind, j) in standard.of_level(Level::Village).into_iter().zip(&row.judgements) {
                    let state = j.as_ref().and_then(|j| State::parse(&j.state));
                    add(ind.code.clone(), !State::blocks_exit(state));
                }
            }
        }
    }
    let mut out: Vec<ReadinessRow> = groups.into_values().collect();
    if grouping == ReadinessGrouping::Indicator {
        let order = |code: &str| standard.indicators.iter().position(|i| i.code == code);
        out.sort_by_key(|r| order(&r.key));
    }
    Ok((standard, out, total))
}

/// A village's counts for a year (registered population, poor households and people, those
/// who exited), as the thresholds need them.
#[derive(Clone, Debug)]
pub struct FiguresInput {
    pub village_code: String,
    pub year: i32,
    pub population: i32,
    pub poor_households: i32,
    pub poor_people: i32,
    pub exited_households: i32,
    pub exited_people: i32,
}

/// Checks a village's counts: none negative, the poor within the population, households
/// not above people, those who exited within the poor.
fn check_figures(input: &FiguresInput) -> Result<(), Fault> {
    if !(2000..=2100).contains(&input.year) {
        return Err(Fault::invalid("year", "a year is 2000 to 2100"));
    }
    for (field, value) in [
        ("population", input.population),
        ("poorHouseholds", input.poor_households),
        ("poorPeople", input.poor_people),
        ("exitedHouseholds", input.exited_households),
        ("exitedPeople", input.exited_people),
    ] {
        if value < 0 {
            return Err(Fault::invalid(field, "a count is not negative"));
        }
    }
    let rules = [
        (
            "poorPeople",
            input.poor_people <= input.population,
            "the poor people are part of the population",
        ),
        (
            "poorHouseholds",
            input.poor_households <= input.poor_people,
            "a poor household has at least one person",
        ),
        (
            "exitedHouseholds",
            input.exited_households <= input.poor_households,
            "those who exited are of the poor households",
        ),
        (
            "exitedPeople",
            input.exited_people <= input.poor_people,
            "those who exited are of the poor people",
        ),
    ];
    match rules.into_iter().find(|(_, holds, _)| !holds) {
        Some((field, _, why)) => Err(Fault::invalid(field, why)),
        None => Ok(()),
    }
}

/// Records a village's counts for a year (its township, or COORDINATOR); a second record
/// for the same year replaces the first.
pub async fn set_figures(
    db: &DatabaseConnection,
    actor: &Actor,
    input: FiguresInput,
) -> ServiceResult<village_figures::Model> {
    let txn = begin_write(db).await?;
    let done = set_figures_in(&txn, actor, input).await?;
    txn.commit().await?;
    Ok(done)
}

/// [`set_figures`] in a transaction the caller holds (an import's, one row at a time).
pub(crate) async fn set_figures_in(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    input: FiguresInput,
) -> ServiceResult<village_figures::Model> {
    authorize(actor, Operation::JudgeExitIndicators)?;
    check_figures(&input)?;
    let (_, code) = village(conn, actor, Operation::JudgeExitIndicators, &input.village_code).await?;
    let before = village_figures::Entity::find()
        .filter(village_figures::Column::VillageCode.eq(code.as_str()))
        .filter(village_figures::Column::Year.eq(input.year))
        .one(conn)
        .await?;
    let mut row = village_figures::ActiveModel {
        village_code: Set(code.to_string()),
        year: Set(input.year),
        population: Set(input.population),
        poor_households: Set(input.poor_households),
        poor_people: Set(input.poor_people),
        exited_households: Set(input.exited_households),
        exited_people: Set(input.exited_people),
        updated_by: Set(actor.username.clone()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let after = match &before {
        Some(existing) => {
            row.id = Set(existing.id);
            village_figures::Entity::update(row).exec(conn).await?
        }
        None => village_figures::Entity::insert(row).exec_with_returning(conn).await?,
    };
    audit::record(
        conn,
        actor,
        Change {
            action: AuditAction::VillageFiguresSet,
            entity_type: "VillageFigures",
            entity_id: after.id.to_string(),
            region_code: Some(code.to_string()),
            before: before.as_ref().and_then(audit::json),
            after: audit::json(&after),
        },
    )
    .await?;
    Ok(after)
}

/// The villages' counts for a year.
pub async fn figures_of(
    db: &impl ConnectionTrait,
    villages: &[String],
    year: i32,
) -> ServiceResult<HashMap<String, village_figures::Model>> {
    let mut out = HashMap::new();
    for chunk in villages.chunks(super::IDS_PER_STATEMENT) {
        for row in village_figures::Entity::find()
            .filter(village_figures::Column::VillageCode.is_in(chunk.iter().cloned()))
            .filter(village_figures::Column::Year.eq(year))
            .all(db)
            .await?
        {
            out.insert(row.village_code.clone(), row);
        }
    }
    Ok(out)
}

/// 贫困发生率 of a village's counts: the poor not yet exited of the population.
pub fn incidence_of(figures: &village_figures::Model) -> Option<Decimal> {
    rules::poverty_incidence(
        i64::from(figures.poor_people - figures.exited_people),
        i64::from(figures.population),
    )
}
