//! 资金使用 — the money metrics of DESIGN §4 for a region and year, grouped as asked, as
//! the ledger stood at the end of a day. One grouped scan of the ledger's running totals
//! (or of the ledger, for a past day); the formulas are `domain::metrics`.
//!
//! Planned amounts and receipts belong to a fund line, not to a project: grouped by a
//! project's sector, township or department, `planned` and `inPlace` (and what derives
//! from them) are absent; grouped by month, `planned` is. For a township or village, only
//! the money that reached its projects is counted.
use super::{ServiceError, ServiceResult, rows};
use crate::domain::access::{Actor, Operation, authorize, authorize_at};
use crate::domain::funds::{EntryKind, FundKind, FundLevel};
use crate::domain::metrics::{Dimension, MoneyFigures};
use crate::domain::money::Money;
use crate::domain::region::RegionLevel;
use crate::domain::sector::Sector;
use crate::maps::{FastMap, FastSet};
use chrono::NaiveDate;
use entity::{fund_line, fund_line_total, ledger_entry, ledger_total, project};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

/// The group a row stands for; only the requested dimensions are set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
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
}

/// What a rollup needs of a fund line: what it may be grouped by and its own planned amount
/// (the full row, with its name and timestamps, is twice the columns to decode). `kind`
/// and `level` are empty unless the rollup is grouped by them.
struct LineFacts {
    id: i64,
    county_code: String,
    kind: String,
    level: String,
    planned_fen: i64,
}

/// A column selected from the totals after the entry kind and the sum.
enum Part {
    /// `LINE_ATTRIBUTES[i]`
    LineAttribute(usize),
    FundLine,
    Sector,
    Township,
    Month,
    Department,
}

/// One row of the summed totals: the kind and the sum, and what the rollup is grouped by
/// (only the selected parts are set).
#[derive(Default)]
struct TotalRow {
    kind: String,
    total: i64,
    line_attributes: [String; 3],
    fund_line_id: Option<i64>,
    sector: Option<String>,
    township: Option<String>,
    month: Option<i32>,
    department_id: Option<i64>,
}

/// The attributes of a fund line a rollup may be grouped by without naming the line, with
/// the alias each is selected as when the database groups by them.
const LINE_ATTRIBUTES: [(Dimension, fund_line::Column, &str); 3] = [
    (Dimension::County, fund_line::Column::CountyCode, "line_county"),
    (Dimension::FundKind, fund_line::Column::Kind, "line_kind"),
    (Dimension::FundLevel, fund_line::Column::Level, "line_level"),
];

#[derive(Default, Clone, Copy)]
struct Sums {
    planned: i64,
    in_place: i64,
    allocated: i64,
    disbursed: i64,
}

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
    let wants = |d: Dimension| group_by.contains(&d);
    let county_wide = region.level() <= RegionLevel::County;
    let by_project = group_by.iter().any(|d| d.is_project_attribute());
    let in_place_applies = county_wide && !by_project;
    let planned_applies = in_place_applies && !wants(Dimension::Month);
    // Fund lines of the counties in the region (for a township: of its county).
    let county_of_region = if county_wide {
        region.clone()
    } else {
        region
            .ancestors()
            .into_iter()
            .find(|c| c.level() == RegionLevel::County)
            .unwrap_or_else(|| region.clone())
    };
    let (county_prefix, county_end) = (
        county_of_region.subtree_prefix().to_string(),
        county_of_region.subtree_end(),
    );
    // A fund line is part of the year's plan whenever it was entered: `as_of` applies to
    // the dated ledger entries and to when a plan was approved.
    // A line's kind and level are read only when grouped by: a province's 800 lines are
    // otherwise 1,600 strings decoded for nothing.
    let (by_kind, by_level) = (wants(Dimension::FundKind), wants(Dimension::FundLevel));
    let select_lines = fund_line::Entity::find()
        .select_only()
        .columns([
            fund_line::Column::Id,
            fund_line::Column::CountyCode,
            fund_line::Column::PlannedFen,
        ])
        .columns(by_kind.then_some(fund_line::Column::Kind))
        .columns(by_level.then_some(fund_line::Column::Level))
        .filter(fund_line::Column::CountyCode.gte(county_prefix.as_str()))
        .filter(fund_line::Column::CountyCode.lt(county_end.as_str()))
        .filter(fund_line::Column::Year.eq(year))
        .into_query();
    let lines: FastMap<i64, LineFacts> = rows::decode_rows(&db.query_all(&select_lines).await?, |cells| {
        Ok(LineFacts {
            id: cells.cell()?,
            county_code: cells.cell()?,
            planned_fen: cells.cell()?,
            kind: if by_kind { cells.cell()? } else { String::new() },
            level: if by_level { cells.cell()? } else { String::new() },
        })
    })?
    .into_iter()
    .map(|l| (l.id, l))
    .collect();

    // The group of a fund line's money, from the line's county, kind, level and id (only
    // the requested ones are read).
    let key_of = |county: &str, kind: &str, level: &str, line_id: i64| -> ServiceResult<GroupKey> {
        Ok(GroupKey {
            county: wants(Dimension::County).then(|| county.to_string()),
            fund_kind: if wants(Dimension::FundKind) {
                Some(super::funds::stored_kind(kind)?)
            } else {
                None
            },
            fund_level: if wants(Dimension::FundLevel) {
                Some(super::funds::stored_level(level)?)
            } else {
                None
            },
            fund_line_id: wants(Dimension::FundLine).then_some(line_id),
            ..Default::default()
        })
    };
    let key_of_line = |line: &LineFacts| key_of(&line.county_code, &line.kind, &line.level, line.id);

    // Summed in a hash map and sorted once at the end: a province's 800 lines and 300
    // totals would otherwise each walk a tree of group keys.
    let mut groups: FastMap<GroupKey, Sums> = FastMap::default();
    if planned_applies {
        let counties: Vec<String> = {
            let distinct: FastSet<&str> = lines.values().map(|l| l.county_code.as_str()).collect();
            let mut c: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
            c.sort_unstable();
            c
        };
        let plans = super::plans::in_force(db, &counties, year, as_of).await?;
        for line in lines.values() {
            let planned = plans
                .get(&line.county_code)
                .and_then(|p| p.fund_lines.iter().find(|f| f.fund_line_id == line.id))
                .map_or(line.planned_fen, |f| f.planned_fen);
            groups.entry(key_of_line(line)?).or_default().planned += planned;
        }
    }

    // The running totals answer unless the figures are asked as of a past day (the totals
    // are per month) or per department (a project's department can change after its
    // money moved): then the ledger itself is summed.
    let today = crate::domain::project::china_date(chrono::Utc::now());
    let from_totals = as_of.is_none_or(|day| day >= today) && !wants(Dimension::Department);
    let e = Alias::new("e");
    let col = |name: &str| Expr::col((e.clone(), Alias::new(name)));
    let mut statement = Query::select();
    // What is selected after the kind and the total, in order: the rows are read by position.
    let mut parts: Vec<Part> = Vec::new();
    statement
        .expr_as(col("kind"), Alias::new("kind"))
        .expr_as(
            Expr::cust("CAST(COALESCE(SUM(e.amount_fen), 0) AS BIGINT)"),
            Alias::new("total"),
        )
        .and_where(col("year").eq(year))
        .group_by_col((e.clone(), Alias::new("kind")));
    // Grouped by nothing finer than a fund line, over whole counties, the per-line totals
    // are enough: a handful of rows per county-year.
    let per_line = from_totals
        && county_wide
        && ![Dimension::Sector, Dimension::Township, Dimension::Month]
            .iter()
            .any(|d| wants(*d));
    // Grouped by a line's county, kind or level alone, the database sums the lines too:
    // a province by county is then 300 rows rather than 2,400.
    let by_line_attributes = per_line && !wants(Dimension::FundLine);
    if by_line_attributes {
        let l = Alias::new("l");
        statement.join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            fund_line::Entity,
            l.clone(),
            Expr::col((l.clone(), fund_line::Column::Id)).equals((e.clone(), Alias::new("fund_line_id"))),
        );
        for (i, (dimension, column, alias)) in LINE_ATTRIBUTES.into_iter().enumerate() {
            if wants(dimension) {
                statement
                    .expr_as(Expr::col((l.clone(), column)), Alias::new(alias))
                    .group_by_col((l.clone(), column));
                parts.push(Part::LineAttribute(i));
            }
        }
    } else {
        statement
            .expr_as(col("fund_line_id"), Alias::new("fund_line_id"))
            .group_by_col((e.clone(), Alias::new("fund_line_id")));
        parts.push(Part::FundLine);
    }
    if per_line {
        statement.from_as(fund_line_total::Entity, e.clone());
    } else if from_totals {
        statement.from_as(ledger_total::Entity, e.clone());
    } else {
        statement.from_as(ledger_entry::Entity, e.clone());
    }
    // A range rather than LIKE, so that the index answers it: the county's code for a
    // county or above, the township's for a township or village.
    let column = if county_wide { "county_code" } else { "township_code" };
    statement
        .and_where(col(column).gte(region.subtree_prefix()))
        .and_where(col(column).lt(region.subtree_end()));
    if !in_place_applies {
        statement.and_where(col("kind").ne(EntryKind::Receipt.as_str()));
    }
    if let Some(day) = as_of.filter(|_| !from_totals) {
        statement.and_where(col("entry_date").lte(day));
    }
    for (dimension, column, part) in [
        (Dimension::Sector, "sector", Part::Sector),
        (Dimension::Township, "township_code", Part::Township),
        (Dimension::Month, "entry_month", Part::Month),
    ] {
        if wants(dimension) {
            statement
                .column((e.clone(), Alias::new(column)))
                .group_by_col((e.clone(), Alias::new(column)));
            parts.push(part);
        }
    }
    if wants(Dimension::Department) {
        let p = Alias::new("p");
        statement
            .join_as(
                sea_orm::sea_query::JoinType::LeftJoin,
                project::Entity,
                p.clone(),
                Expr::col((p.clone(), project::Column::Id)).equals((e.clone(), ledger_entry::Column::ProjectId)),
            )
            .column((p.clone(), project::Column::DepartmentId))
            .group_by_col((p, project::Column::DepartmentId));
        parts.push(Part::Department);
    }
    let totals = rows::decode_rows(&db.query_all(&statement).await?, |cells| {
        let mut row = TotalRow {
            kind: cells.cell()?,
            total: cells.cell()?,
            ..TotalRow::default()
        };
        for part in &parts {
            match part {
                Part::LineAttribute(i) => row.line_attributes[*i] = cells.cell()?,
                Part::FundLine => row.fund_line_id = cells.cell()?,
                Part::Sector => row.sector = cells.cell()?,
                Part::Township => row.township = cells.cell()?,
                Part::Month => row.month = cells.cell()?,
                Part::Department => row.department_id = cells.cell()?,
            }
        }
        Ok(row)
    })?;
    for row in totals {
        let mut key = if by_line_attributes {
            // The attributes not grouped by are not selected; `key_of` does not read them.
            let [county, kind, level] = &row.line_attributes;
            key_of(county, kind, level, 0)?
        } else {
            let line_id = row.fund_line_id.unwrap_or_default();
            let Some(line) = lines.get(&line_id) else {
                return Err(ServiceError::Internal(format!(
                    "ledger entry of year {year} on fund line {line_id} of another year"
                )));
            };
            key_of_line(line)?
        };
        // The totals write the empty string where an entry has no project.
        key.sector = row
            .sector
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(str::parse)
            .transpose()
            .map_err(ServiceError::Internal)?;
        key.township = row.township.filter(|t| !t.is_empty());
        key.month = row.month;
        key.department_id = row.department_id;
        let sums = groups.entry(key).or_default();
        match EntryKind::parse(&row.kind) {
            Some(EntryKind::Receipt) => sums.in_place += row.total,
            Some(EntryKind::Allocation) => sums.allocated += row.total,
            Some(EntryKind::Disbursement) => sums.disbursed += row.total,
            None => return Err(ServiceError::Internal(format!("unknown entry kind {}", row.kind))),
        }
    }
    let mut groups: Vec<(GroupKey, Sums)> = groups.into_iter().collect();
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(groups
        .into_iter()
        .map(|(key, sums)| UtilizationRow {
            key,
            figures: MoneyFigures {
                planned: planned_applies.then(|| Money::from_fen(sums.planned)),
                in_place: in_place_applies.then(|| Money::from_fen(sums.in_place)),
                allocated: Money::from_fen(sums.allocated),
                disbursed: Money::from_fen(sums.disbursed),
            },
        })
        .collect())
}
