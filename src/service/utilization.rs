//! 资金使用 — the money metrics of DESIGN §4 for a region and year, grouped as asked, as
//! the ledger stood at the end of a day. One statement, one row per group: the fund lines'
//! planned amounts and the ledger's running totals (or the ledger itself, for a past day)
//! summed per group by the database; the formulas are `domain::metrics`.
//!
//! Planned amounts and receipts belong to a fund line, not to a project: grouped by a
//! project's sector, township or department, `planned` and `inPlace` (and what derives
//! from them) are absent; grouped by month, `planned` is. For a township or village, only
//! the money that reached its projects is counted.
use super::plans::PlanScope;
use super::{ServiceError, ServiceResult};
use crate::db::rows;
use crate::db::statements::{Binder, Shapes};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::funds::{EntryKind, FundKind, FundLevel};
use crate::domain::metrics::{Dimension, MoneyFigures};
use crate::domain::money::Money;
use crate::domain::region::RegionLevel;
use crate::domain::sector::Sector;
use chrono::NaiveDate;
use entity::{
    annual_plan, annual_plan_fund, fund_line, fund_line_month_total, fund_line_total, ledger_entry, ledger_total,
    project,
};
use sea_orm::sea_query::{
    Alias, Condition, Expr, ExprTrait, JoinType, NullOrdering, Order, Query, SelectStatement, UnionType,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Value};

/// The group a row stands for; only the requested dimensions are set.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKey {
    pub county: Option<String>,
    pub fund_kind: Option<FundKind>,
    pub fund_level: Option<FundLevel>,
    pub fund_line_id: Option<i64>,
    pub sector: Option<Sector>,
    pub township: Option<String>,
    pub department_id: Option<i64>,
    pub month: Option<i32>,
}

#[derive(Clone, Debug)]
pub struct UtilizationRow {
    pub key: GroupKey,
    pub figures: MoneyFigures,
    /// Per fund line: whether its county has a plan in force that leaves the line out (计划外
    /// 资金 — its 年计划 counts 0). `None` for rows of other groupings.
    pub outside_plan: Option<bool>,
}

/// A dimension's column where the planned amounts are summed (over `fund_line l`); `None`
/// for what a fund line does not have.
fn line_column(dimension: Dimension) -> Option<fund_line::Column> {
    match dimension {
        Dimension::County => Some(fund_line::Column::CountyCode),
        Dimension::FundKind => Some(fund_line::Column::Kind),
        Dimension::FundLevel => Some(fund_line::Column::Level),
        Dimension::FundLine => Some(fund_line::Column::Id),
        _ => None,
    }
}

/// A dimension's column where the ledger is summed: of the summed rows (`e`), of their
/// fund line (`l`) for its kind and level, of their project (`p`) for its department.
fn ledger_column(dimension: Dimension) -> (&'static str, &'static str) {
    match dimension {
        Dimension::County => ("e", "county_code"),
        Dimension::FundKind => ("l", "kind"),
        Dimension::FundLevel => ("l", "level"),
        Dimension::FundLine => ("e", "fund_line_id"),
        Dimension::Sector => ("e", "sector"),
        Dimension::Township => ("e", "township_code"),
        Dimension::Department => ("p", "department_id"),
        Dimension::Month => ("e", "entry_month"),
    }
}

/// What a rollup's statement depends on besides the request's values: its text is built
/// once per shape (`db::statements`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Shape {
    /// The dimensions grouped by, in the order of `Dimension::IN_ORDER`.
    dimensions: Vec<Dimension>,
    /// A county or above (the fund lines' own region), rather than a township or village.
    county_wide: bool,
    /// Read from the running totals, not the ledger itself.
    from_totals: bool,
    /// Plans and, from the ledger, entries as of a day.
    as_of: bool,
}

impl Shape {
    fn wants(&self, dimension: Dimension) -> bool {
        self.dimensions.contains(&dimension)
    }

    /// Receipts (and so `inPlace`) belong to a fund line: they count over whole counties
    /// grouped by what a fund line has.
    fn in_place_applies(&self) -> bool {
        self.county_wide && !self.dimensions.iter().any(|d| d.is_project_attribute())
    }

    /// A plan's amounts are per fund line and year, not per month.
    fn planned_applies(&self) -> bool {
        self.in_place_applies() && !self.wants(Dimension::Month)
    }

    /// Grouped by nothing finer than a fund line, over whole counties, the per-line
    /// totals are enough: a handful of rows per county-year (per month, for a past day).
    fn per_line(&self) -> bool {
        self.county_wide
            && ![
                Dimension::Sector,
                Dimension::Township,
                Dimension::Department,
                Dimension::Month,
            ]
            .iter()
            .any(|d| self.wants(*d))
    }

    /// Where the ledger's figures are read from: the running totals for today; as of a past
    /// day, the totals of the months before its own and the entries of its month; grouped
    /// by department, the entries alone. Per line where the grouping allows (`per_line`).
    fn sources(&self) -> Vec<Source> {
        let totals = match (self.per_line(), self.from_totals) {
            (true, true) => Source::LineTotals,
            (true, false) => Source::LineMonthTotals,
            (false, _) => Source::Totals,
        };
        if self.from_totals {
            vec![totals]
        } else if self.wants(Dimension::Department) {
            vec![Source::Entries]
        } else {
            vec![totals, Source::Entries]
        }
    }
}

/// The request values a rollup's statement binds.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Input {
    Year,
    /// The region's subtree: its codes from…
    RegionFrom,
    /// …up to (not including) this one.
    RegionTo,
    /// The day asked (`asOf`), for the ledger's entries.
    AsOfDay,
    /// The month (`yyyymm`) of the day after it: its entries up to the day are summed, the
    /// months before come from the running totals (on a month's last day, no entry is read).
    YearMonth,
    /// The end of that day, for the plans approved by then.
    ApprovedByDay,
}

/// Where a part of the ledger's figures is read from.
#[derive(Clone, Copy, PartialEq)]
enum Source {
    /// The per-line totals (`fund_line_total`).
    LineTotals,
    /// The per-line totals by month (`fund_line_month_total`), the months before a past day's.
    LineMonthTotals,
    /// The per-month totals (`ledger_total`); as of a past day, the months before its own.
    Totals,
    /// The entries themselves; as of a past day, those dated by then (of its month alone
    /// when the months before come from the totals).
    Entries,
}

/// The rollups' statements, one per shape and database.
static ROLLUPS: std::sync::LazyLock<Shapes<Shape, Input>> = std::sync::LazyLock::new(Shapes::default);

pub async fn fund_utilization(
    db: &DatabaseConnection,
    actor: &Actor,
    year: i32,
    region_code: &str,
    group_by: &[Dimension],
    as_of: Option<NaiveDate>,
) -> ServiceResult<Vec<UtilizationRow>> {
    authorize(actor, Operation::ViewFunds)?;
    let region = super::regions::parse_code("regionCode", region_code)?;
    authorize_at(actor, Operation::ViewFunds, &region)?;
    super::regions::get(db, actor, "regionCode", &region).await?;
    // The running totals answer unless the figures are asked as of a past day (the totals
    // are per month: the day's own month is summed from the ledger) or per department (a
    // project's department can change after its money moved: the ledger is summed).
    let today = crate::domain::calendar::today();
    let shape = Shape {
        dimensions: Dimension::IN_ORDER
            .into_iter()
            .filter(|d| group_by.contains(d))
            .collect(),
        county_wide: region.level() <= RegionLevel::County,
        from_totals: as_of.is_none_or(|day| day >= today) && !group_by.contains(&Dimension::Department),
        as_of: as_of.is_some(),
    };
    // The months the totals answer for as of a past day: those before the day after it
    // (through its own month on a month's last day — 截止9月底 reads no entry).
    let day = as_of.unwrap_or(today);
    let whole_months_to = day.succ_opt().unwrap_or(day);
    let value = |input| match input {
        Input::Year => Value::from(year),
        Input::RegionFrom => Value::from(region.subtree_prefix()),
        Input::RegionTo => Value::from(region.subtree_end()),
        Input::AsOfDay => Value::from(day),
        Input::YearMonth => Value::from(crate::domain::funds::year_month(whole_months_to)),
        Input::ApprovedByDay => Value::from(day),
    };
    let statement = ROLLUPS.statement(db.get_database_backend(), &shape, rollup_statement, value)?;
    let (planned_applies, in_place_applies) = (shape.planned_applies(), shape.in_place_applies());
    let mut groups = rows::decode_rows(&db.query_all_raw(statement).await?, |cells| {
        let mut key = GroupKey::default();
        for dimension in &shape.dimensions {
            match dimension {
                Dimension::County => key.county = cells.cell()?,
                Dimension::FundKind => key.fund_kind = stored(cells.cell()?, FundKind::parse, "fund kind")?,
                Dimension::FundLevel => key.fund_level = stored(cells.cell()?, FundLevel::parse, "fund level")?,
                Dimension::FundLine => key.fund_line_id = cells.cell()?,
                Dimension::Sector => key.sector = stored(cells.cell()?, |s| s.parse().ok(), "sector")?,
                Dimension::Township => key.township = cells.cell::<Option<String>>()?.filter(|t| !t.is_empty()),
                Dimension::Department => key.department_id = cells.cell()?,
                Dimension::Month => key.month = cells.cell()?,
            }
        }
        let mut fen = || cells.cell().map(Money::from_fen);
        let figures = MoneyFigures {
            planned: Some(fen()?).filter(|_| planned_applies),
            in_place: Some(fen()?).filter(|_| in_place_applies),
            allocated: fen()?,
            disbursed: fen()?,
        };
        Ok(UtilizationRow {
            key,
            figures,
            outside_plan: None,
        })
    })?;
    // Without a grouping the answer is one row of totals, zeros where there is nothing.
    if shape.dimensions.is_empty() && groups.is_empty() {
        groups.push(UtilizationRow {
            key: GroupKey::default(),
            figures: MoneyFigures {
                planned: Some(Money::ZERO).filter(|_| planned_applies),
                in_place: Some(Money::ZERO).filter(|_| in_place_applies),
                allocated: Money::ZERO,
                disbursed: Money::ZERO,
            },
            outside_plan: None,
        });
    }
    if group_by.contains(&Dimension::FundLine) {
        mark_outside_plan(db, &region, year, as_of, &mut groups).await?;
    }
    // 整合方案: grouped by a project's sector, township or department, `planned` is what
    // the plan in force gives the group's projects, where it lists projects.
    if group_by.iter().any(|d| d.is_project_attribute())
        && !group_by.contains(&Dimension::Month)
        && let Some(mut planned) = planned_by_project(db, &region, year, as_of, &shape.dimensions).await?
    {
        for row in &mut groups {
            row.figures.planned = Some(planned.remove(&row.key).unwrap_or(Money::ZERO));
        }
        groups.extend(planned.into_iter().map(|(key, planned)| UtilizationRow {
            key,
            figures: MoneyFigures {
                planned: Some(planned),
                in_place: None,
                allocated: Money::ZERO,
                disbursed: Money::ZERO,
            },
            outside_plan: None,
        }));
    }
    // Fund kinds, levels and sectors are stored by name, which is not their order: those
    // few groups are sorted here. The rest come sorted (a province's hundred counties).
    if !groups.is_sorted_by(|a, b| a.key <= b.key) {
        groups.sort_unstable_by(|a, b| a.key.cmp(&b.key));
    }
    Ok(groups)
}

/// What the plans in force in `region`'s counties give their projects (整合方案), summed
/// by the groups of `dimensions`; `None` when no plan in force lists projects. A project's
/// department is the one holding it at the end of `as_of` (now when `None`), as for its
/// allocations.
async fn planned_by_project(
    db: &DatabaseConnection,
    region: &crate::domain::region::RegionCode,
    year: i32,
    as_of: Option<NaiveDate>,
    dimensions: &[Dimension],
) -> ServiceResult<Option<std::collections::BTreeMap<GroupKey, Money>>> {
    // Plans are a county's: below a county, its county's plan, then its own projects.
    let county = match region.level() {
        level if level > RegionLevel::County => region
            .ancestors()
            .into_iter()
            .find(|r| r.level() == RegionLevel::County)
            .ok_or_else(|| ServiceError::Internal(format!("{region} has no county")))?,
        _ => region.clone(),
    };
    let plans = super::plans::in_force(db, &county, year, as_of).await?;
    if plans.values().all(|p| p.projects.is_empty()) {
        return Ok(None);
    }
    let rows: Vec<(i64, i64, Money)> = plans
        .values()
        .flat_map(|p| &p.projects)
        .filter_map(|r| Some((r.project_id, r.fund_line_id?, Money::from_fen(r.planned_fen?))))
        .collect();
    let projects: std::collections::HashMap<i64, project::Model> =
        super::projects::by_ids(db, &rows::distinct(rows.iter().map(|r| r.0)))
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
    let lines: std::collections::HashMap<i64, fund_line::Model> =
        super::funds::lines_by_ids(db, &rows::distinct(rows.iter().map(|r| r.1)))
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect();
    let wants = |d: Dimension| dimensions.contains(&d);
    let holding = match as_of {
        Some(day) if wants(Dimension::Department) => Some(departments_on(db, day, projects.keys().copied()).await?),
        _ => None,
    };
    let mut planned: std::collections::BTreeMap<GroupKey, Money> = std::collections::BTreeMap::new();
    for (project_id, line_id, amount) in rows {
        let (Some(p), Some(line)) = (projects.get(&project_id), lines.get(&line_id)) else {
            continue;
        };
        let township = crate::domain::region::RegionCode::parse(&p.township_code).map_err(ServiceError::Internal)?;
        if region.level() > RegionLevel::County && !region.contains(&township) {
            continue;
        }
        let department = match &holding {
            Some(holding) => holding.get(&project_id).copied().flatten(),
            None => p.department_id,
        };
        let key = GroupKey {
            county: wants(Dimension::County).then(|| p.county_code.clone()),
            fund_kind: if wants(Dimension::FundKind) {
                Some(super::funds::kind_of_line(line)?)
            } else {
                None
            },
            fund_level: if wants(Dimension::FundLevel) {
                Some(super::funds::level_of_line(line)?)
            } else {
                None
            },
            fund_line_id: wants(Dimension::FundLine).then_some(line.id),
            sector: if wants(Dimension::Sector) {
                Some(super::projects::sector_of(p)?)
            } else {
                None
            },
            township: wants(Dimension::Township).then(|| p.township_code.clone()),
            department_id: if wants(Dimension::Department) { department } else { None },
            month: None,
        };
        let sum = planned.entry(key).or_insert(Money::ZERO);
        *sum = sum
            .checked_add(amount)
            .ok_or_else(|| ServiceError::Internal("planned amounts overflow".into()))?;
    }
    Ok(Some(planned))
}

/// The department holding each of `projects` at the end of `day` (`None` after a decline;
/// absent for one never assigned by then): `timeline::department_on_statement`, read.
async fn departments_on(
    db: &DatabaseConnection,
    day: NaiveDate,
    projects: impl Iterator<Item = i64>,
) -> ServiceResult<std::collections::HashMap<i64, Option<i64>>> {
    let ids: Vec<i64> = projects.collect();
    let mut holding_by_project = std::collections::HashMap::new();
    for chunk in ids.chunks(super::IDS_PER_STATEMENT) {
        let holding = Alias::new("holding");
        let statement = Query::select()
            .column((holding.clone(), Alias::new("id")))
            .column((holding.clone(), Alias::new("department_id")))
            .from_subquery(
                super::timeline::department_on_statement(Expr::val(day)),
                holding.clone(),
            )
            .and_where(Expr::col((holding, Alias::new("id"))).is_in(chunk.iter().copied()))
            .to_owned();
        let backend = db.get_database_backend();
        for row in db.query_all_raw(backend.build(&statement)).await? {
            holding_by_project.insert(row.try_get_by_index::<i64>(0)?, row.try_get_by_index::<Option<i64>>(1)?);
        }
    }
    Ok(holding_by_project)
}

/// Marks the fund-line rows whose line the plan in force in its county leaves out.
async fn mark_outside_plan(
    db: &DatabaseConnection,
    region: &crate::domain::region::RegionCode,
    year: i32,
    as_of: Option<NaiveDate>,
    rows: &mut [UtilizationRow],
) -> ServiceResult<()> {
    let plans = super::plans::in_force(db, region, year, as_of).await?;
    let ids: Vec<i64> = rows.iter().filter_map(|r| r.key.fund_line_id).collect();
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let counties: std::collections::HashMap<i64, String> = fund_line::Entity::find()
        .filter(fund_line::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l.county_code))
        .collect();
    for row in rows {
        let Some(line) = row.key.fund_line_id else { continue };
        let plan = counties.get(&line).and_then(|county| plans.get(county));
        row.outside_plan = Some(plan.is_some_and(|p| p.fund_lines.iter().all(|f| f.fund_line_id != line)));
    }
    Ok(())
}

/// A rollup's one statement, one row per group: the planned amounts of the fund lines and
/// the ledger's entries (or running totals), each spread over the four figures (`s`),
/// summed per group. Built from the shape alone; the request's values are parameters.
fn rollup_statement(shape: &Shape, p: &mut Binder<Input>) -> ServiceResult<SelectStatement> {
    let (l, s) = (Alias::new("l"), Alias::new("s"));
    let ledger: Vec<SelectStatement> = shape
        .sources()
        .into_iter()
        .map(|source| ledger_part(shape, p, source))
        .collect();

    // A fund line's planned amount is the one the plan in force in its county gives it —
    // nothing if the plan leaves it out (计划外) — or its own while its county has no plan
    // in force. A fund line is part of the year's plan whenever it was entered: `as_of`
    // applies to the dated ledger entries and to the day a plan was approved.
    let figures = if shape.planned_applies() {
        let (pf, ip) = (Alias::new("pf"), Alias::new("ip"));
        let in_force = super::plans::in_force_ids_where(PlanScope {
            counties_from: p.bind(Input::RegionFrom),
            counties_to: p.bind(Input::RegionTo),
            year: p.bind(Input::Year),
            approved_by_day: shape.as_of.then(|| p.bind(Input::ApprovedByDay)),
        });
        let mut planned = Query::select();
        for dimension in &shape.dimensions {
            // `planned_applies` leaves only a fund line's own dimensions.
            let column = line_column(*dimension)
                .ok_or_else(|| ServiceError::Internal(format!("planned amounts grouped by {dimension:?}")))?;
            planned.expr_as(Expr::col((l.clone(), column)), dimension_alias(*dimension));
        }
        planned
            .expr_as(
                Expr::cust(
                    "CASE WHEN pf.plan_id IS NOT NULL THEN pf.planned_fen WHEN ip.id IS NOT NULL THEN 0 ELSE l.planned_fen END",
                ),
                Alias::new("planned"),
            )
            .expr_as(Expr::val(0), Alias::new("in_place"))
            .expr_as(Expr::val(0), Alias::new("allocated"))
            .expr_as(Expr::val(0), Alias::new("disbursed"))
            .from_as(fund_line::Entity, l.clone())
            // The plan in force in the line's county (one subquery), then the line's amount
            // in it by the plan-and-line key.
            .join_as(
                JoinType::LeftJoin,
                annual_plan::Entity,
                ip.clone(),
                Condition::all()
                    .add(
                        Expr::col((ip.clone(), annual_plan::Column::CountyCode))
                            .equals((l.clone(), fund_line::Column::CountyCode)),
                    )
                    .add(Expr::col((ip.clone(), annual_plan::Column::Id)).in_subquery(in_force)),
            )
            .join_as(
                JoinType::LeftJoin,
                annual_plan_fund::Entity,
                pf.clone(),
                Condition::all()
                    .add(Expr::col((pf.clone(), annual_plan_fund::Column::PlanId)).equals((ip, annual_plan::Column::Id)))
                    .add(
                        Expr::col((pf, annual_plan_fund::Column::FundLineId))
                            .equals((l.clone(), fund_line::Column::Id)),
                    ),
            )
            .and_where(Expr::col((l.clone(), fund_line::Column::Year)).eq(p.bind(Input::Year)))
            .and_where(Expr::col((l.clone(), fund_line::Column::CountyCode)).gte(p.bind(Input::RegionFrom)))
            .and_where(Expr::col((l.clone(), fund_line::Column::CountyCode)).lt(p.bind(Input::RegionTo)));
        planned.unions(ledger.into_iter().map(|part| (UnionType::All, part)));
        planned
    } else {
        let mut parts = ledger.into_iter();
        let mut first = parts
            .next()
            .ok_or_else(|| ServiceError::Internal("a rollup without a ledger".into()))?;
        first.unions(parts.map(|part| (UnionType::All, part)));
        first
    };
    let mut statement = Query::select();
    for dimension in &shape.dimensions {
        // Ordered as `GroupKey` orders (the dimensions in its fields' order, a missing key
        // first) wherever the stored values sort as the keys do: codes, ids, months.
        statement
            .column((s.clone(), dimension_alias(*dimension)))
            .group_by_col((s.clone(), dimension_alias(*dimension)))
            .order_by_with_nulls(
                (s.clone(), dimension_alias(*dimension)),
                Order::Asc,
                NullOrdering::First,
            );
    }
    for figure in ["planned", "in_place", "allocated", "disbursed"] {
        statement.expr(Expr::cust(format!("CAST(COALESCE(SUM(s.{figure}), 0) AS BIGINT)")));
    }
    statement
        .from_subquery(figures, s.clone())
        // Grouped by nothing, a year with nothing recorded has no row rather than zeros.
        .and_having(Expr::cust("COUNT(*) > 0"));
    Ok(statement)
}

/// One part of the ledger's figures: the rows of `source` in the region and year, each
/// spread over the four figures, with the columns of the shape's dimensions.
fn ledger_part(shape: &Shape, p: &mut Binder<Input>, source: Source) -> SelectStatement {
    let (e, l, pr) = (Alias::new("e"), Alias::new("l"), Alias::new("p"));
    let col = |(table, column): (&str, &str)| Expr::col((Alias::new(table), Alias::new(column)));
    let mut ledger = Query::select();
    for dimension in &shape.dimensions {
        ledger.expr_as(col(ledger_column(*dimension)), dimension_alias(*dimension));
    }
    let amount_of =
        |kind: EntryKind| Expr::case(col(("e", "kind")).eq(kind.as_str()), col(("e", "amount_fen"))).finally(0);
    ledger
        .expr_as(Expr::val(0), Alias::new("planned"))
        .expr_as(amount_of(EntryKind::Receipt), Alias::new("in_place"))
        .expr_as(amount_of(EntryKind::Allocation), Alias::new("allocated"))
        .expr_as(amount_of(EntryKind::Disbursement), Alias::new("disbursed"))
        .and_where(col(("e", "year")).eq(p.bind(Input::Year)));
    let past = shape.as_of && !shape.from_totals;
    match source {
        Source::LineTotals => ledger.from_as(fund_line_total::Entity, e.clone()),
        Source::LineMonthTotals => ledger.from_as(fund_line_month_total::Entity, e.clone()),
        Source::Totals => ledger.from_as(ledger_total::Entity, e.clone()),
        Source::Entries => ledger.from_as(ledger_entry::Entity, e.clone()),
    };
    if past && source == Source::Entries {
        ledger.and_where(col(("e", "entry_date")).lte(p.bind(Input::AsOfDay)));
        if !shape.wants(Dimension::Department) {
            ledger.and_where(col(("e", "entry_month")).eq(p.bind(Input::YearMonth)));
        }
    } else if past {
        ledger.and_where(col(("e", "entry_month")).lt(p.bind(Input::YearMonth)));
    }
    if shape.wants(Dimension::FundKind) || shape.wants(Dimension::FundLevel) {
        ledger.join_as(
            JoinType::InnerJoin,
            fund_line::Entity,
            l.clone(),
            Expr::col((l.clone(), fund_line::Column::Id)).equals((e.clone(), Alias::new("fund_line_id"))),
        );
    }
    if shape.wants(Dimension::Department) {
        let on = Expr::col((pr.clone(), project::Column::Id)).equals((e.clone(), ledger_entry::Column::ProjectId));
        if shape.as_of {
            // The department holding the project at the end of the day asked.
            let holding = super::timeline::department_on_statement(p.bind(Input::AsOfDay));
            ledger.join_subquery(JoinType::LeftJoin, holding, pr.clone(), on);
        } else {
            ledger.join_as(JoinType::LeftJoin, project::Entity, pr.clone(), on);
        }
    }
    // A range rather than LIKE, so that the index answers it: the county's code for a
    // county or above, the township's for a township or village.
    let region_column = if shape.county_wide {
        "county_code"
    } else {
        "township_code"
    };
    ledger
        .and_where(col(("e", region_column)).gte(p.bind(Input::RegionFrom)))
        .and_where(col(("e", region_column)).lt(p.bind(Input::RegionTo)));
    if !shape.in_place_applies() {
        ledger.and_where(col(("e", "kind")).ne(EntryKind::Receipt.as_str()));
    }
    ledger
}

/// What a dimension's column is called in the spread figures (`s`).
fn dimension_alias(dimension: Dimension) -> Alias {
    Alias::new(match dimension {
        Dimension::County => "county",
        Dimension::FundKind => "fund_kind",
        Dimension::FundLevel => "fund_level",
        Dimension::FundLine => "fund_line",
        Dimension::Sector => "sector",
        Dimension::Township => "township",
        Dimension::Department => "department",
        Dimension::Month => "month",
    })
}

/// A stored code read back into its enum: `None` for NULL or the empty string (which the
/// totals write where an entry has no project).
fn stored<T>(raw: Option<String>, parse: impl Fn(&str) -> Option<T>, what: &str) -> Result<Option<T>, DbErr> {
    match raw.as_deref() {
        None | Some("") => Ok(None),
        Some(code) => parse(code)
            .map(Some)
            .ok_or_else(|| DbErr::Custom(format!("unknown {what} {code}"))),
    }
}
