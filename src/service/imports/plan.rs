//! 年度计划导入 — the rows of one version of the annual plan, taken together: each row a
//! fund line's planned amount, a sector's target or a project row (整合方案). A version
//! not yet in the tracker is written through `plans::set_in` as the version after the
//! latest (what the file leaves out of the version before is taken out) and approved on
//! its 批复日期; a version already there is compared row by row.
use super::{CellError, Cells, Outcome, RowError, line_of, project_of, refused};
use crate::domain::access::Actor;
use crate::domain::import::{self as rules, Kind, RowStatus};
use crate::domain::money::Money;
use crate::domain::plan::PlanStatus;
use crate::domain::quantity::Quantity;
use crate::domain::region::RegionCode;
use crate::domain::sector::Sector;
use crate::service::plans::{self, Plan, PlanInput};
use crate::service::{ServiceError, ServiceResult};
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;

use super::read::Table;

/// What a row puts in the version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Line {
        line: i64,
        amount: Money,
    },
    Sector {
        sector: Sector,
        quantity: Quantity,
        count: i32,
    },
    Project {
        project: i64,
        line: Option<i64>,
        amount: Option<Money>,
    },
}

/// A row read.
struct Row {
    item: Item,
    approved_on: Option<NaiveDate>,
    document_no: Option<String>,
    reason: Option<String>,
}

/// The rows of the file, grouped by year and version, versions in order.
pub(super) fn versions(table: &Table) -> Vec<Vec<usize>> {
    let key = |i: usize| {
        let cells = &table.rows[i].1;
        (
            rules::parse_integer(table.cell(cells, "year")).ok(),
            rules::parse_integer(table.cell(cells, "version")).ok(),
        )
    };
    // By (year, version), in order; a row without them alone (refused when read).
    let mut groups: std::collections::BTreeMap<_, Vec<usize>> = std::collections::BTreeMap::new();
    for i in 0..table.rows.len() {
        groups.entry(key(i)).or_default().push(i);
    }
    groups.into_values().collect()
}

async fn read(conn: &impl ConnectionTrait, county: &RegionCode, cells: &Cells<'_>) -> Result<Row, RowError> {
    let given = |key: &str| !cells.raw(key).trim().is_empty();
    let required_money = |key: &str| -> Result<Money, RowError> {
        if !given(key) {
            return Err(refused(cells.column(key), "must not be empty"));
        }
        cells.money(key)
    };
    let item = if given("project") {
        let project = project_of(conn, county, cells).await?;
        let line = match given("fundLine") {
            true => Some(line_of(conn, county, cells).await?.id),
            false => None,
        };
        let amount = match given("plannedAmount") {
            true => Some(cells.money("plannedAmount")?),
            false => None,
        };
        Item::Project {
            project: project.id,
            line,
            amount,
        }
    } else if given("sector") {
        let sector: Sector = cells
            .required_choice("sector")?
            .parse()
            .map_err(|m: String| refused(cells.column("sector"), m))?;
        if !given("targetQuantity") {
            return Err(refused(
                cells.column("targetQuantity"),
                "must not be empty for a sector's target",
            ));
        }
        let quantity = cells
            .parsed("targetQuantity", rules::parse_quantity)?
            .unwrap_or_default();
        let quantity = Quantity::parse(quantity).map_err(|m| refused(cells.column("targetQuantity"), m))?;
        let count = cells.parsed("targetCount", rules::parse_integer)?.unwrap_or_default();
        let count = i32::try_from(count).map_err(|_| refused(cells.column("targetCount"), "is too large"))?;
        Item::Sector {
            sector,
            quantity,
            count,
        }
    } else if given("fundLine") {
        Item::Line {
            line: line_of(conn, county, cells).await?.id,
            amount: required_money("plannedAmount")?,
        }
    } else {
        return Err(RowError::Refused(vec![CellError {
            column: None,
            heading: None,
            message: "a plan row names a fund line (资金名称), a sector (行业) or a project (项目编码)".into(),
        }]));
    };
    Ok(Row {
        item,
        approved_on: cells.optional_date("approvedOn")?,
        document_no: cells.text("documentNo")?,
        reason: cells.text("reason")?,
    })
}

/// Whether the version holds the row's item as the row says.
fn holds(plan: &Plan, item: Item) -> bool {
    match item {
        Item::Line { line, amount } => plan
            .fund_lines
            .iter()
            .any(|f| f.fund_line_id == line && f.planned_fen == amount.fen()),
        Item::Sector {
            sector,
            quantity,
            count,
        } => plan.sectors.iter().any(|s| {
            s.sector == sector.as_str()
                && s.target_quantity_milli == quantity.milli()
                && s.target_project_count == count
        }),
        Item::Project { project, line, amount } => plan
            .projects
            .iter()
            .any(|p| p.project_id == project && p.fund_line_id == line && p.planned_fen == amount.map(|a| a.fen())),
    }
}

/// Checks and writes one version's rows (`rows`, indexes into the table).
pub(super) async fn version_rows(
    conn: &impl ConnectionTrait,
    actor: &Actor,
    county: &RegionCode,
    table: &Table,
    rows: &[usize],
) -> ServiceResult<Vec<Outcome>> {
    let mut read_rows = Vec::new();
    let mut outcomes: Vec<Option<Outcome>> = vec![None; rows.len()];
    let mut year_version = None;
    for (n, &i) in rows.iter().enumerate() {
        let cells = Cells {
            kind: Kind::Plan,
            table,
            row: &table.rows[i].1,
        };
        let header = cells.year().and_then(|year| {
            let version = cells
                .parsed("version", rules::parse_integer)?
                .and_then(|v| i32::try_from(v).ok())
                .filter(|v| *v >= 1)
                .ok_or_else(|| refused(cells.column("version"), "give the version: 1, 2, 3…"))?;
            Ok((year, version))
        });
        let row = match header {
            Ok(header) => {
                year_version = Some(header);
                read(conn, county, &cells).await
            }
            Err(e) => Err(e),
        };
        match row {
            Ok(row) => read_rows.push((n, row)),
            Err(e) => outcomes[n] = Some(super::outcome(Err(e))?),
        }
    }
    let Some((year, version)) = year_version.filter(|_| outcomes.iter().all(Option::is_none)) else {
        return Ok(with_version_refused(outcomes, table, rows));
    };
    // One 批复日期, 文号 and 调整原因 for the version: the first given.
    let first = |f: &dyn Fn(&Row) -> Option<String>| read_rows.iter().find_map(|(_, r)| f(r));
    let approved_on = read_rows.iter().find_map(|(_, r)| r.approved_on);
    for (n, row) in &read_rows {
        if row.approved_on.is_some_and(|d| Some(d) != approved_on) {
            outcomes[*n] = Some(refused_at(
                "approvedOn",
                format!(
                    "version {version} is approved on {} in an earlier row",
                    approved_on.unwrap_or_default()
                ),
            ));
        }
    }
    if outcomes.iter().any(Option::is_some) {
        return Ok(with_version_refused(outcomes, table, rows));
    }
    if let Some(existing) = plans::version_in(conn, county, year, Some(version)).await? {
        let approved_differs = existing.plan.approved_on != approved_on;
        return Ok(read_rows
            .iter()
            .map(|(_, row)| {
                if approved_differs {
                    (
                        RowStatus::Conflict,
                        vec![error_at(
                            "approvedOn",
                            format!(
                                "version {version} of the {year} plan is in the tracker approved on {}: not overwritten",
                                existing.plan.approved_on.map_or("—".to_string(), |d| d.to_string())
                            ),
                        )],
                    )
                } else if holds(&existing, row.item) {
                    (RowStatus::Unchanged, Vec::new())
                } else {
                    (
                        RowStatus::Conflict,
                        vec![error_at(
                            "version",
                            format!(
                                "version {version} of the {year} plan is in the tracker without this row as it stands: not overwritten"
                            ),
                        )],
                    )
                }
            })
            .collect());
    }
    let latest = plans::version_in(conn, county, year, None).await?;
    let expected = latest.as_ref().map_or(1, |p| p.plan.version + 1);
    let problem = match &latest {
        _ if version != expected => Some(format!(
            "version {version} cannot follow version {}: import version {expected} first",
            expected - 1
        )),
        Some(p) if p.plan.status != PlanStatus::Approved.as_str() => Some(format!(
            "version {} is still a draft: give its 批复日期 before version {version} adjusts it",
            p.plan.version
        )),
        _ => None,
    };
    if let Some(problem) = problem {
        return Ok(rows.iter().map(|_| refused_at("version", problem.clone())).collect());
    }
    let items: Vec<Item> = read_rows.iter().map(|(_, r)| r.item).collect();
    let mut input = PlanInput {
        county_code: county.to_string(),
        year,
        version: None,
        fund_lines: Vec::new(),
        sectors: Vec::new(),
        projects: Vec::new(),
        remove_projects: Vec::new(),
        remove_fund_lines: Vec::new(),
        remove_sectors: Vec::new(),
        document_no: first(&|r| r.document_no.clone()),
        reason: first(&|r| r.reason.clone()),
    };
    for item in &items {
        match *item {
            Item::Line { line, amount } => input.fund_lines.push((line, amount.to_yuan())),
            Item::Sector {
                sector,
                quantity,
                count,
            } => input.sectors.push((sector, quantity.to_decimal(), count)),
            Item::Project { project, line, amount } => {
                input.projects.push((project, line, amount.map(|a| a.to_yuan())))
            }
        }
    }
    // An adjustment starts as a copy of the version before: what the file leaves out goes.
    if let Some(before) = &latest {
        let listed = |f: &dyn Fn(&Item) -> bool| items.iter().any(f);
        input.remove_fund_lines = before
            .fund_lines
            .iter()
            .filter(|f| !listed(&|i| matches!(i, Item::Line { line, .. } if *line == f.fund_line_id)))
            .map(|f| f.fund_line_id)
            .collect();
        input.remove_sectors = before
            .sectors
            .iter()
            .filter_map(|s| s.sector.parse::<Sector>().ok())
            .filter(|s| !listed(&|i| matches!(i, Item::Sector { sector, .. } if sector == s)))
            .collect();
        input.remove_projects = before
            .projects
            .iter()
            .filter(|p| {
                !listed(&|i| matches!(i, Item::Project { project, line, .. } if *project == p.project_id && *line == p.fund_line_id))
            })
            .map(|p| (p.project_id, p.fund_line_id))
            .collect();
    }
    let written = async {
        plans::set_in(conn, actor, input).await?;
        if let Some(day) = approved_on {
            plans::approve_in(conn, actor, county.as_str(), year, version, Some(day)).await?;
        }
        Ok::<_, ServiceError>(())
    }
    .await;
    match written {
        Ok(()) => Ok(rows.iter().map(|_| (RowStatus::Accepted, Vec::new())).collect()),
        Err(e) => {
            let (status, errors) = super::outcome(Err(e.into()))?;
            Ok(rows.iter().map(|_| (status, errors.clone())).collect())
        }
    }
}

fn error_at(key: &str, message: String) -> CellError {
    let column = Kind::Plan.column(key);
    CellError {
        column: column.map(|c| c.key.to_string()),
        heading: column.map(|c| c.chinese.to_string()),
        message,
    }
}

fn refused_at(key: &str, message: String) -> Outcome {
    (RowStatus::Refused, vec![error_at(key, message)])
}

/// A version is written whole or not at all: rows that passed are refused with it,
/// naming the lines that were not.
fn with_version_refused(outcomes: Vec<Option<Outcome>>, table: &Table, rows: &[usize]) -> Vec<Outcome> {
    let bad: Vec<String> = outcomes
        .iter()
        .zip(rows)
        .filter(|(o, _)| o.is_some())
        .map(|(_, &i)| table.rows[i].0.to_string())
        .collect();
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| {
                (
                    RowStatus::Refused,
                    vec![CellError {
                        column: None,
                        heading: None,
                        message: format!(
                            "a version is imported whole: see line {} of the same version",
                            bad.join(", ")
                        ),
                    }],
                )
            })
        })
        .collect()
}
