//! Spreadsheets the finance bureau opens in Excel: the project ledger (项目台账), the
//! journal of ledger entries (资金台账), fund utilization and construction progress, as
//! XLSX or as CSV. They are built from the same services as the queries, so they take the
//! same filters and apply the same scope; `sheet` lays them out.
mod sheet;

pub use sheet::{Cell, HEADER_ROW, Table, Unit, to_csv, to_xlsx};

use super::construction::{ProgressDimension, construction_progress};
use super::journal::{self, JournalFilter, JournalOrder};
use super::projects::{self, ProjectFilter, ProjectOrder};
use super::utilization::fund_utilization;
use super::{PageRequest, ServiceResult};
use crate::domain::access::Actor;
use crate::domain::metrics::{ConstructionFigure, Dimension, FigureValue, MoneyFigure};
use crate::domain::money::Money;
use crate::domain::quantity::Quantity;
use crate::domain::sector::Sector;
use chrono::NaiveDate;
use entity::{department, region};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::collections::HashMap;

/// What to export.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// 项目台账
    Projects,
    /// 资金使用情况
    FundUtilization,
    /// 建设进度
    ConstructionProgress,
    /// 资金台账 — the journal of ledger entries.
    Journal,
    /// 督考得分 — a quarter's scores.
    Assessment,
    /// 达标登记台账 — the villages as rows, the indicators as columns.
    ExitRegister,
    /// 缺项清单 — the gaps handed out.
    GapList,
}

impl ExportKind {
    pub fn parse(name: &str) -> Option<ExportKind> {
        match name {
            "projects" => Some(ExportKind::Projects),
            "fund-utilization" => Some(ExportKind::FundUtilization),
            "construction-progress" => Some(ExportKind::ConstructionProgress),
            "journal" => Some(ExportKind::Journal),
            "assessment" => Some(ExportKind::Assessment),
            "exit-register" => Some(ExportKind::ExitRegister),
            "gap-list" => Some(ExportKind::GapList),
            _ => None,
        }
    }

    pub fn file_stem(self) -> &'static str {
        match self {
            ExportKind::Projects => "projects",
            ExportKind::FundUtilization => "fund-utilization",
            ExportKind::ConstructionProgress => "construction-progress",
            ExportKind::Journal => "journal",
            ExportKind::Assessment => "assessment",
            ExportKind::ExitRegister => "exit-register",
            ExportKind::GapList => "gap-list",
        }
    }

    fn sheet(self) -> &'static str {
        match self {
            ExportKind::Projects => "项目台账",
            ExportKind::FundUtilization => "资金使用情况",
            ExportKind::ConstructionProgress => "建设进度",
            ExportKind::Journal => "资金台账",
            ExportKind::Assessment => "督考得分",
            ExportKind::ExitRegister => "贫困村退出达标登记台账",
            ExportKind::GapList => "缺项清单",
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

impl ExportFormat {
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "xlsx" => Some(ExportFormat::Xlsx),
            "csv" => Some(ExportFormat::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ExportFormat::Csv => "text/csv; charset=utf-8",
        }
    }
}

/// The filters of the export; each kind uses those of its query.
#[derive(Clone, Debug, Default)]
pub struct ExportParams {
    pub year: Option<i32>,
    pub region_code: Option<String>,
    pub as_of: Option<NaiveDate>,
    pub fund_group_by: Vec<Dimension>,
    pub progress_group_by: Vec<ProgressDimension>,
    pub project_filter: ProjectFilter,
    pub journal_filter: JournalFilter,
    pub journal_order: JournalOrder,
    /// 元 or 万元.
    pub unit: Unit,
    /// For the scores: the quarter, 1–4.
    pub quarter: Option<u32>,
    /// For the scores: townships or departments.
    pub assessed: Option<crate::domain::assessment::AssessedUnit>,
}

pub use super::MAX_ROWS;

fn text(s: impl Into<String>) -> Cell {
    Cell::text(s)
}

fn opt(value: Option<impl ToString>) -> Cell {
    Cell::opt(value)
}

fn figure(value: Option<FigureValue>) -> Cell {
    match value {
        Some(FigureValue::Money(m)) => Cell::Money(m),
        Some(FigureValue::Rate(r)) => Cell::Rate(r),
        Some(FigureValue::Quantity(q)) => Cell::Quantity(q),
        Some(FigureValue::Count(n)) => Cell::Count(n),
        None => Cell::Empty,
    }
}

/// `示范县2026年资金使用情况`: the region asked for (or the actor's own), the year, the sheet.
async fn title(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ExportKind,
    params: &ExportParams,
) -> ServiceResult<String> {
    let code = params
        .region_code
        .clone()
        .or_else(|| params.journal_filter.region_code.clone())
        .or_else(|| actor.scope.root().map(|r| r.to_string()));
    let region = match code {
        Some(code) => region_names(db, vec![code.trim().to_string()])
            .await?
            .into_values()
            .next(),
        None => None,
    };
    let year = params
        .year
        .or(params.journal_filter.year)
        .or(params.project_filter.year)
        .map(|y| format!("{y}年"));
    Ok(format!(
        "{}{}{}",
        region.unwrap_or_default(),
        year.unwrap_or_default(),
        kind.sheet()
    ))
}

fn require<T>(value: Option<T>, field: &str, what: &str) -> Result<T, crate::domain::fault::Fault> {
    value.ok_or_else(|| {
        crate::domain::fault::Fault::new(
            crate::domain::fault::ErrorCode::InvalidInput,
            &[field],
            format!("give {what}"),
        )
    })
}

async fn region_names(db: &DatabaseConnection, codes: Vec<String>) -> ServiceResult<HashMap<String, String>> {
    Ok(region::Entity::find()
        .filter(region::Column::Code.is_in(codes))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, r.name))
        .collect())
}

async fn department_names(db: &DatabaseConnection, ids: Vec<i64>) -> ServiceResult<HashMap<i64, String>> {
    Ok(department::Entity::find()
        .filter(department::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect())
}

/// What a kind of export contributes: its headings, rows and the day its figures are as of.
struct Body {
    headers: Vec<String>,
    rows: Vec<Vec<Cell>>,
    as_of: Option<NaiveDate>,
    with_totals: bool,
}

/// Builds the table of an export as `actor` may see it.
pub async fn build(
    db: &DatabaseConnection,
    actor: &Actor,
    kind: ExportKind,
    params: &ExportParams,
) -> ServiceResult<Table> {
    let body = match kind {
        ExportKind::Projects => projects_body(db, actor, params).await?,
        ExportKind::FundUtilization => utilization_body(db, actor, params).await?,
        ExportKind::ConstructionProgress => progress_body(db, actor, params).await?,
        ExportKind::Journal => journal_body(db, actor, params).await?,
        ExportKind::Assessment => assessment_body(db, actor, params).await?,
        ExportKind::ExitRegister => exit_register_body(db, actor, params).await?,
        ExportKind::GapList => gap_list_body(db, actor, params).await?,
    };
    Ok(Table {
        sheet: kind.sheet(),
        title: title(db, actor, kind, params).await?,
        as_of: body.as_of,
        unit: params.unit,
        headers: body.headers,
        rows: body.rows,
        with_totals: body.with_totals,
    })
}

async fn utilization_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    let year = require(params.year, "year", "the year")?;
    let region = require(params.region_code.as_deref(), "regionCode", "the region's code")?;
    let rows = fund_utilization(db, actor, year, region, &params.fund_group_by, params.as_of).await?;
    let wants = |d: Dimension| params.fund_group_by.contains(&d);
    let mut codes: Vec<String> = rows
        .iter()
        .flat_map(|r| [r.key.county.clone(), r.key.township.clone()])
        .flatten()
        .collect();
    codes.dedup();
    let regions = region_names(db, codes).await?;
    let departments = department_names(db, rows.iter().filter_map(|r| r.key.department_id).collect()).await?;
    let line_ids: Vec<i64> = rows.iter().filter_map(|r| r.key.fund_line_id).collect();
    let lines: HashMap<i64, String> = super::funds::lines_by_ids(db, &crate::db::rows::distinct(line_ids))
        .await?
        .into_iter()
        .map(|l| (l.id, l.name))
        .collect();
    let mut headers: Vec<String> = Dimension::IN_ORDER
        .into_iter()
        .filter(|d| wants(*d))
        .map(|d| d.chinese_name().to_string())
        .collect();
    headers.extend(MoneyFigure::ALL.map(|m| {
        if m.is_amount() {
            params.unit.heading(m.chinese_heading())
        } else {
            m.chinese_heading().to_string()
        }
    }));
    let rows = rows
        .into_iter()
        .map(|r| {
            let k = &r.key;
            let mut cells = Vec::new();
            if wants(Dimension::County) {
                cells.push(opt(k.county.as_ref().and_then(|c| regions.get(c))));
            }
            if wants(Dimension::FundKind) {
                cells.push(opt(k.fund_kind.map(|f| f.chinese_name())));
            }
            if wants(Dimension::FundLevel) {
                cells.push(opt(k.fund_level.map(|l| l.as_str())));
            }
            if wants(Dimension::FundLine) {
                cells.push(opt(k.fund_line_id.and_then(|id| lines.get(&id))));
            }
            if wants(Dimension::Sector) {
                cells.push(opt(k.sector.map(Sector::chinese_name)));
            }
            if wants(Dimension::Township) {
                cells.push(opt(k.township.as_ref().and_then(|c| regions.get(c))));
            }
            if wants(Dimension::Department) {
                cells.push(opt(k.department_id.and_then(|id| departments.get(&id))));
            }
            if wants(Dimension::Month) {
                cells.push(opt(k.month.map(crate::domain::funds::year_month_text)));
            }
            cells.extend(MoneyFigure::ALL.map(|m| figure(m.value(&r.figures))));
            cells
        })
        .collect();
    Ok(Body {
        headers,
        rows,
        as_of: Some(params.as_of.unwrap_or_else(crate::domain::calendar::today)),
        with_totals: true,
    })
}

async fn progress_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    let year = require(params.year, "year", "the year")?;
    let region = require(params.region_code.as_deref(), "regionCode", "the region's code")?;
    let rows = construction_progress(db, actor, year, region, &params.progress_group_by, params.as_of).await?;
    let wants = |d: ProgressDimension| params.progress_group_by.contains(&d);
    let regions = region_names(db, rows.iter().filter_map(|r| r.key.township.clone()).collect()).await?;
    let departments = department_names(db, rows.iter().filter_map(|r| r.key.department_id).collect()).await?;
    let mut headers = vec![Dimension::Sector.chinese_name().to_string(), "单位".to_string()];
    headers.extend(
        ProgressDimension::IN_ORDER
            .into_iter()
            .filter(|d| wants(*d))
            .map(|d| d.chinese_name().to_string()),
    );
    headers.extend(ConstructionFigure::ALL.map(|c| c.chinese_heading().to_string()));
    let rows = rows
        .into_iter()
        .map(|r| {
            let k = &r.key;
            let mut cells = vec![opt(k.sector.map(Sector::chinese_name)), opt(k.sector.map(Sector::unit))];
            if wants(ProgressDimension::Township) {
                cells.push(opt(k.township.as_ref().and_then(|c| regions.get(c))));
            }
            if wants(ProgressDimension::Department) {
                cells.push(opt(k.department_id.and_then(|id| departments.get(&id))));
            }
            if wants(ProgressDimension::Month) {
                cells.push(k.month.map_or(Cell::Empty, |m| Cell::Code(i64::from(m))));
            }
            cells.extend(ConstructionFigure::ALL.map(|c| figure(c.value(&r.figures))));
            cells
        })
        .collect();
    Ok(Body {
        headers,
        rows,
        as_of: Some(params.as_of.unwrap_or_else(crate::domain::calendar::today)),
        with_totals: true,
    })
}

async fn projects_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    let mut filter = params.project_filter.clone();
    filter.year = filter.year.or(params.year);
    if let Some(region) = &params.region_code {
        let code = super::regions::parse_code("regionCode", region)?;
        crate::domain::access::authorize_at(actor, crate::domain::access::Operation::ViewFunds, &code)?;
        filter.region_code = Some(code.to_string());
    }
    let rows_in = projects::list(
        db,
        actor,
        &filter,
        ProjectOrder::default(),
        &PageRequest {
            first: MAX_ROWS,
            after: None,
            count_total: false,
        },
    )
    .await?
    .items;
    let ids: Vec<i64> = rows_in.iter().map(|p| p.id).collect();
    let villages = projects::villages_of(db, &ids).await?;
    let latest_reports = super::progress::latest_reports_of_projects(db, &ids).await?;
    let mut codes: Vec<String> = rows_in.iter().map(|p| p.township_code.clone()).collect();
    codes.extend(villages.values().flatten().cloned());
    codes.sort();
    codes.dedup();
    let regions = region_names(db, codes).await?;
    let departments = department_names(db, rows_in.iter().filter_map(|p| p.department_id).collect()).await?;
    let unit = params.unit;
    let headers = vec![
        "项目编码".to_string(),
        "项目名称".into(),
        "年度".into(),
        "行业".into(),
        "乡镇".into(),
        "村".into(),
        "建设性质".into(),
        "建设内容".into(),
        "计划工程量".into(),
        "单位".into(),
        unit.heading("预算"),
        "责任部门".into(),
        "状态".into(),
        "计划开工".into(),
        "计划完工".into(),
        "实际开工".into(),
        "实际完工".into(),
        unit.heading("已安排资金"),
        unit.heading("已拨付资金"),
        "最新完成量".into(),
        "受益户数".into(),
        "受益人数".into(),
        "贫困户数".into(),
        "贫困人数".into(),
    ];
    let date = |d: Option<NaiveDate>| d.map_or(Cell::Empty, Cell::Date);
    let mut rows = Vec::new();
    for p in rows_in {
        let sector = projects::sector_of(&p)?;
        let status = projects::status_of(&p)?;
        let village_names: Vec<String> = villages
            .get(&p.id)
            .map(|v| v.iter().filter_map(|c| regions.get(c).cloned()).collect())
            .unwrap_or_default();
        let latest = latest_reports
            .get(&p.id)
            .and_then(Option::as_ref)
            .map(|r| Quantity::from_milli(r.completed_quantity_milli).to_decimal());
        let nature = crate::domain::project::ConstructionNature::parse(&p.construction_nature)
            .map(crate::domain::project::ConstructionNature::chinese_name);
        rows.push(vec![
            text(p.code.clone()),
            text(p.name.clone()),
            Cell::Code(i64::from(p.year)),
            text(sector.chinese_name()),
            opt(regions.get(&p.township_code)),
            text(village_names.join("、")),
            opt(nature),
            text(p.content.clone()),
            Cell::Quantity(Quantity::from_milli(p.planned_quantity_milli).to_decimal()),
            text(sector.unit()),
            Cell::Money(Money::from_fen(p.budget_fen)),
            opt(p.department_id.and_then(|id| departments.get(&id))),
            text(status.chinese_name()),
            date(p.planned_start),
            date(p.planned_finish),
            date(p.actual_start),
            date(p.actual_finish),
            Cell::Money(Money::from_fen(p.allocated_fen)),
            Cell::Money(Money::from_fen(p.disbursed_fen)),
            latest.map_or(Cell::Empty, Cell::Quantity),
            Cell::Count(i64::from(p.beneficiary_households)),
            Cell::Count(i64::from(p.beneficiary_people)),
            Cell::Count(i64::from(p.poor_households)),
            Cell::Count(i64::from(p.poor_people)),
        ]);
    }
    Ok(Body {
        headers,
        rows,
        as_of: Some(crate::domain::calendar::today()),
        with_totals: true,
    })
}

/// 资金台账 — the journal's entries as `ledgerEntries` lists them, with the same filter.
async fn journal_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    let entries = journal::list(
        db,
        actor,
        &params.journal_filter,
        params.journal_order,
        &PageRequest {
            first: MAX_ROWS,
            after: None,
            count_total: false,
        },
    )
    .await?
    .items;
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let reversed: HashMap<i64, i64> = journal::reversals_of(db, &ids)
        .await?
        .into_iter()
        .filter_map(|r| r.reverses_id.map(|of| (of, r.id)))
        .collect();
    let lines: HashMap<i64, String> =
        super::funds::lines_by_ids(db, &crate::db::rows::distinct(entries.iter().map(|e| e.fund_line_id)))
            .await?
            .into_iter()
            .map(|l| (l.id, l.name))
            .collect();
    let projects: HashMap<i64, entity::project::Model> = projects::by_ids(
        db,
        &crate::db::rows::distinct(entries.iter().filter_map(|e| e.project_id)),
    )
    .await?
    .into_iter()
    .map(|p| (p.id, p))
    .collect();
    let regions = region_names(
        db,
        crate::db::rows::distinct(entries.iter().filter_map(|e| e.township_code.clone())),
    )
    .await?;
    let headers = vec![
        "分录号".to_string(),
        "日期".into(),
        "类型".into(),
        "资金项".into(),
        "项目编码".into(),
        "项目名称".into(),
        "乡镇".into(),
        params.unit.heading("金额"),
        "文号/凭证号".into(),
        "质保金".into(),
        "冲销分录号".into(),
        "被冲销分录号".into(),
        "备注".into(),
        "录入人".into(),
        "录入时间".into(),
    ];
    let mut rows = Vec::with_capacity(entries.len());
    for e in entries {
        let kind = super::funds::kind_of_entry(&e)?;
        let project = e.project_id.and_then(|id| projects.get(&id));
        rows.push(vec![
            Cell::Code(e.id),
            Cell::Date(e.entry_date),
            text(kind.chinese_name()),
            opt(lines.get(&e.fund_line_id)),
            opt(project.map(|p| &p.code)),
            opt(project.map(|p| &p.name)),
            opt(e.township_code.as_ref().and_then(|c| regions.get(c))),
            Cell::Money(Money::from_fen(e.amount_fen)),
            opt(e.document_no.as_ref()),
            if e.is_retention { text("是") } else { Cell::Empty },
            reversed.get(&e.id).map_or(Cell::Empty, |r| Cell::Code(*r)),
            e.reverses_id.map_or(Cell::Empty, Cell::Code),
            opt(e.note.as_ref()),
            text(e.recorded_by.clone()),
            text(
                crate::domain::calendar::china_time(e.recorded_at)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
            ),
        ]);
    }
    Ok(Body {
        headers,
        rows,
        as_of: params.journal_filter.date_to,
        // Receipts, allocations and payments do not add up together: a total for one kind.
        with_totals: params.journal_filter.kind.is_some(),
    })
}

/// 督考得分: a row per township or department, by place — each indicator's figure and
/// points, the total.
async fn assessment_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    use crate::domain::assessment::{AssessedUnit, Quarter, Value};
    let year = require(params.year, "year", "the year")?;
    let number = require(params.quarter, "quarter", "the quarter (1–4)")?;
    let region = require(params.region_code.as_deref(), "regionCode", "the county's code")?;
    let by = params.assessed.unwrap_or(AssessedUnit::Township);
    let scores = super::assessment::scores(db, actor, Quarter::new(year, number)?, region, by).await?;
    let regions = region_names(db, scores.rows.iter().filter_map(|r| r.township_code.clone()).collect()).await?;
    let departments = department_names(db, scores.rows.iter().filter_map(|r| r.department_id).collect()).await?;
    let rules = scores.scheme.rules_for(by);
    let mut headers = vec![
        "排名".to_string(),
        match by {
            AssessedUnit::Township => "乡镇".to_string(),
            AssessedUnit::Department => "部门".to_string(),
        },
    ];
    for rule in &rules {
        let name = rule.indicator.chinese_name();
        headers.push(if rule.indicator.is_count() {
            format!("{name}(项)")
        } else {
            format!("{name}(%)")
        });
        headers.push(format!("{name}得分({}分)", rule.weight));
    }
    headers.push("总分".to_string());
    let rows = scores
        .rows
        .iter()
        .map(|row| {
            let mut cells = vec![
                row.rank.map_or(Cell::Empty, |r| Cell::Code(i64::from(r))),
                opt(match (&row.township_code, row.department_id) {
                    (Some(code), _) => regions.get(code).cloned(),
                    (None, Some(id)) => departments.get(&id).cloned(),
                    _ => None,
                }),
            ];
            for score in &row.indicators {
                cells.push(match score.value {
                    Value::Rate(r) => r.map_or(Cell::Empty, Cell::Rate),
                    Value::Count(n) => Cell::Count(i64::from(n)),
                });
                cells.push(Cell::Quantity(score.points));
            }
            cells.push(Cell::Quantity(row.total));
            cells
        })
        .collect();
    Ok(Body {
        headers,
        rows,
        as_of: Some(scores.as_of),
        with_totals: false,
    })
}

/// 达标登记台账 in the county's layout: a row per poverty village, a column per indicator
/// (达标 / 缺项 / 不涉及 / 未研判; a measured one's value with its state), then 是否达标.
async fn exit_register_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    use crate::domain::exit::State;
    let region = require(params.region_code.as_deref(), "regionCode", "the region's code")?;
    let as_of = params.as_of.unwrap_or_else(crate::domain::calendar::today);
    let (standard, rows) = super::exit::register(db, actor, region, as_of).await?;
    let townships = region_names(
        db,
        crate::db::rows::distinct(rows.iter().filter_map(|r| r.village.parent_code.clone())),
    )
    .await?;
    let mut headers = vec!["乡镇".to_string(), "贫困村".to_string()];
    let indicators = standard.of_level(crate::domain::exit::Level::Village);
    headers.extend(indicators.iter().map(|i| i.criterion()));
    headers.push("是否达标".to_string());
    let rows = rows
        .into_iter()
        .map(|row| {
            let mut cells = vec![
                opt(row.village.parent_code.as_ref().and_then(|c| townships.get(c))),
                text(row.village.name.clone()),
            ];
            for (indicator, judgement) in indicators.iter().zip(&row.judgements) {
                cells.push(match judgement {
                    None => text("未研判"),
                    Some(j) => {
                        let state = State::parse(&j.state).map_or("", State::chinese_name);
                        match &j.value {
                            Some(value) => text(format!("{value}{}({state})", indicator.unit.as_deref().unwrap_or(""))),
                            None => text(state),
                        }
                    }
                });
            }
            cells.push(text(if row.ready { "是" } else { "否" }));
            cells
        })
        .collect();
    Ok(Body {
        headers,
        rows,
        as_of: Some(as_of),
        with_totals: false,
    })
}

/// 缺项清单: a row per gap, oldest first.
async fn gap_list_body(db: &DatabaseConnection, actor: &Actor, params: &ExportParams) -> ServiceResult<Body> {
    use crate::domain::exit::{GapStatus, gap_days_overdue};
    let region = require(params.region_code.as_deref(), "regionCode", "the region's code")?;
    let gaps = super::exit::gaps(
        db,
        actor,
        &super::exit::GapFilter {
            region_code: Some(region.to_string()),
            ..Default::default()
        },
        &PageRequest {
            first: MAX_ROWS,
            after: None,
            count_total: false,
        },
    )
    .await?
    .items;
    let today = crate::domain::calendar::today();
    let villages = region_names(
        db,
        crate::db::rows::distinct(gaps.iter().map(|g| g.village_code.clone())),
    )
    .await?;
    let departments = department_names(db, gaps.iter().filter_map(|g| g.department_id).collect()).await?;
    // Each indicator by its name in the county's standard in force today.
    let mut names: HashMap<(String, String), String> = HashMap::new();
    for county in crate::db::rows::distinct(gaps.iter().map(|g| g.county_code.clone())) {
        let code = crate::domain::region::RegionCode::parse(&county).map_err(super::ServiceError::Internal)?;
        for indicator in super::exit::in_force(db, &code, today).await?.indicators {
            names.insert((county.clone(), indicator.code), indicator.name);
        }
    }
    let headers = [
        "贫困村",
        "指标",
        "状态",
        "发现日期",
        "责任部门",
        "完成时限",
        "交办日期",
        "认领日期",
        "销号日期",
        "逾期天数",
    ]
    .map(str::to_string)
    .to_vec();
    let rows = gaps
        .into_iter()
        .map(|g| {
            let status = GapStatus::parse(&g.status);
            let overdue = status.and_then(|s| gap_days_overdue(s, g.deadline, today));
            let day = |d: Option<NaiveDate>| d.map_or(Cell::Empty, Cell::Date);
            vec![
                opt(villages.get(&g.village_code)),
                text(
                    names
                        .get(&(g.county_code.clone(), g.indicator_code.clone()))
                        .cloned()
                        .unwrap_or_else(|| g.indicator_code.clone()),
                ),
                opt(status.map(|s| match s {
                    GapStatus::Open => "待交办",
                    GapStatus::Assigned => "已交办",
                    GapStatus::Claimed => "已认领",
                    GapStatus::Closed => "已销号",
                })),
                Cell::Date(g.opened_on),
                opt(g.department_id.and_then(|id| departments.get(&id))),
                day(g.deadline),
                day(g.assigned_on),
                day(g.claimed_on),
                day(g.closed_on),
                overdue.map_or(Cell::Empty, Cell::Count),
            ]
        })
        .collect();
    Ok(Body {
        headers,
        rows,
        as_of: Some(today),
        with_totals: false,
    })
}
